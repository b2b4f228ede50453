/**
 * A small, safe markdown renderer for model cards. Everything the card says is escaped; only the
 * markup this renderer itself emits reaches the page. Supported: ATX headings, paragraphs, block
 * quotes, rules, unordered and ordered lists (nested by indentation), fenced code blocks, GFM
 * tables, and inline code, emphasis, strikethrough and links. Links (and images, which are shown as
 * links, never loaded) must be absolute `http:`/`https:` URLs; any other target (`javascript:`,
 * `data:`, relative) renders as plain text. Raw HTML is never passed through: `<script>` shows as
 * the text `<script>`.
 */

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The URL if it is an absolute http(s) URL, else null. */
export function safeUrl(raw: string): string | null {
  const s = raw.trim();
  if (!/^https?:\/\//i.test(s)) return null;
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

function link(href: string | null, html: string): string {
  return href === null
    ? html
    : `<a href="${escapeHtml(href)}" rel="nofollow noopener noreferrer" target="_blank">${html}</a>`;
}

/** For every `[` of `s`, the index of its closing `]` (brackets nest, `\\` escapes), else -1: one linear pass. */
function bracketPairs(s: string): Int32Array {
  const pairs = new Int32Array(s.length).fill(-1);
  const stack: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '[') stack.push(i);
    else if (s[i] === ']' && stack.length) pairs[stack.pop()!] = i;
  }
  return pairs;
}

/** Longest link target considered (longer ones render as text). */
const MAX_URL = 2048;
const AUTOLINK = /<(https?:\/\/[^\s<>]{1,2048})>/iy;

/** `s.indexOf(ch, from)`, looking at most `max` characters ahead. */
function indexWithin(s: string, ch: string, from: number, max: number): number {
  const end = Math.min(s.length, from + max);
  for (let i = from; i < end; i++) if (s[i] === ch) return i;
  return -1;
}

/** Parses `(url "title")` at `at`; returns the URL and the index after `)`. */
function linkTarget(s: string, at: number): { url: string; end: number } | null {
  if (s[at] !== '(') return null;
  let i = at + 1;
  while (s[i] === ' ') i++;
  let url = '';
  if (s[i] === '<') {
    const close = indexWithin(s, '>', i, MAX_URL);
    if (close < 0) return null;
    url = s.slice(i + 1, close);
    i = close + 1;
  } else {
    let depth = 0;
    const start = i;
    const limit = Math.min(s.length, i + MAX_URL);
    for (; i < limit; i++) {
      const code = s.charCodeAt(i);
      if (code <= 32) break;
      if (code === 40) depth++;
      else if (code === 41) {
        if (depth === 0) break;
        depth--;
      }
    }
    if (i === limit && limit < s.length) return null;
    url = s.slice(start, i);
  }
  while (s[i] === ' ') i++;
  if (s[i] === '"' || s[i] === "'") {
    const close = indexWithin(s, s[i], i + 1, MAX_URL);
    if (close < 0) return null;
    i = close + 1;
    while (s[i] === ' ') i++;
  }
  if (s[i] !== ')') return null;
  return { url, end: i + 1 };
}

/** Renders inline markdown (already split into one block's text) to safe HTML. */
export function renderInline(s: string, depth = 0): string {
  if (depth > 8) return escapeHtml(s);
  let out = '';
  let i = 0;
  // Markers already known to have no closing counterpart further on (keeps the scan linear).
  const unclosed = new Set<string>();
  let pairs: Int32Array | null = null;
  const find = (marker: string, from: number) => {
    if (unclosed.has(marker)) return -1;
    const at = s.indexOf(marker, from);
    if (at < 0) unclosed.add(marker);
    return at;
  };
  while (i < s.length) {
    const c = s[i];
    if (c === '\\' && i + 1 < s.length && /[\\`*_{}[\]()#+\-.!|<>~]/.test(s[i + 1])) {
      out += escapeHtml(s[i + 1]);
      i += 2;
      continue;
    }
    if (c === '`') {
      let n = 0;
      while (s[i + n] === '`') n++;
      const fence = '`'.repeat(n);
      const close = find(fence, i + n);
      if (close >= 0 && s[close + n] !== '`') {
        out += `<code>${escapeHtml(s.slice(i + n, close).replace(/^ (.*) $/, '$1'))}</code>`;
        i = close + n;
        continue;
      }
      out += escapeHtml(fence);
      i += n;
      continue;
    }
    if ((c === '[' || (c === '!' && s[i + 1] === '[')) && depth < 8) {
      const open = c === '!' ? i + 1 : i;
      pairs ??= bracketPairs(s);
      const close = pairs[open];
      const target = close >= 0 ? linkTarget(s, close + 1) : null;
      if (target) {
        const text = s.slice(open + 1, close);
        const href = safeUrl(target.url);
        // Images are shown as links to them (a card cannot make the browser load anything).
        out +=
          c === '!'
            ? link(href, `image: ${escapeHtml(text || 'untitled')}`)
            : link(href, renderInline(text, depth + 1));
        i = target.end;
        continue;
      }
    }
    if (c === '<') {
      AUTOLINK.lastIndex = i;
      const m = AUTOLINK.exec(s);
      if (m) {
        out += link(safeUrl(m[1]), escapeHtml(m[1]));
        i += m[0].length;
        continue;
      }
    }
    if (c === '*' || c === '_' || c === '~') {
      const double = s[i + 1] === c;
      if (c === '~' && !double) {
        out += '~';
        i++;
        continue;
      }
      const marker = double ? c + c : c;
      const start = i + marker.length;
      // Emphasis opens before a non-space and closes after one; `_` inside words is literal.
      const opens = start < s.length && s[start] !== ' ' && !(c === '_' && i > 0 && /\w/.test(s[i - 1]));
      const close = opens ? find(marker, start + 1) : -1;
      if (
        close > start &&
        s[close - 1] !== ' ' &&
        !(c === '_' && /\w/.test(s[close + marker.length] ?? ''))
      ) {
        const tag = c === '~' ? 'del' : double ? 'strong' : 'em';
        out += `<${tag}>${renderInline(s.slice(start, close), depth + 1)}</${tag}>`;
        i = close + marker.length;
        continue;
      }
      out += escapeHtml(marker);
      i += marker.length;
      continue;
    }
    out += escapeHtml(c);
    i++;
  }
  return out;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)/;
const HEADING = /^ {0,3}(#{1,6})(?:\s|$)/;
const RULE = /^ {0,3}([-*_])(?:\s*\1){2,}\s*$/;
const ITEM = /^( *)([-*+]|\d{1,9}[.)])(\s+|$)(.*)$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const TABLE_SEP = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

function splitRow(line: string): string[] {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  const cells: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && s[i + 1] === '|') {
      cur += '|';
      i++;
    } else if (s[i] === '|') {
      cells.push(cur.trim());
      cur = '';
    } else cur += s[i];
  }
  cells.push(cur.trim());
  return cells;
}

function startsBlock(line: string, next: string | undefined): boolean {
  return (
    FENCE.test(line) ||
    HEADING.test(line) ||
    RULE.test(line) ||
    QUOTE.test(line) ||
    ITEM.test(line) ||
    (line.includes('|') && next !== undefined && TABLE_SEP.test(next) && next.includes('-'))
  );
}

function renderBlocks(lines: string[], depth: number): string {
  if (depth > 8) return `<p>${escapeHtml(lines.join('\n'))}</p>`;
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence) {
      const body: string[] = [];
      i++;
      while (
        i < lines.length &&
        !new RegExp(`^ {0,3}${fence[1][0]}{${fence[1].length},}\\s*$`).test(lines[i])
      )
        body.push(lines[i++]);
      i++; // the closing fence (or the end)
      const lang = /^[A-Za-z0-9_+-]{1,32}$/.test(fence[2]) ? ` class="language-${fence[2]}"` : '';
      out.push(`<pre><code${lang}>${escapeHtml(body.join('\n'))}</code></pre>`);
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const n = heading[1].length;
      let text = line.slice(heading[0].length).trim();
      // An optional closing run of `#`s (after a space) is not part of the heading.
      let end = text.length;
      while (end > 0 && text[end - 1] === '#') end--;
      if (end === 0 || text[end - 1] === ' ') text = text.slice(0, end).trim();
      out.push(`<h${n}>${renderInline(text)}</h${n}>`);
      i++;
      continue;
    }
    if (RULE.test(line)) {
      out.push('<hr>');
      i++;
      continue;
    }
    if (QUOTE.test(line)) {
      const body: string[] = [];
      while (i < lines.length && lines[i].trim() !== '') {
        const q = QUOTE.exec(lines[i]);
        body.push(q ? q[1] : lines[i]);
        i++;
      }
      out.push(`<blockquote>${renderBlocks(body, depth + 1)}</blockquote>`);
      continue;
    }
    const item = ITEM.exec(line);
    if (item) {
      const base = item[1].length;
      const ordered = /\d/.test(item[2]);
      const start = ordered ? Number.parseInt(item[2], 10) : 1;
      const items: string[][] = [];
      while (i < lines.length) {
        const m = ITEM.exec(lines[i]);
        if (m && m[1].length <= base + 1 && /\d/.test(m[2]) === ordered) {
          items.push([m[4]]);
          i++;
          continue;
        }
        if (m && m[1].length <= base + 1) break; // a list of the other kind starts
        const l = lines[i];
        if (l.trim() === '') {
          // A blank line ends the list unless the next line is indented (a continuation).
          const nxt = lines[i + 1];
          if (nxt !== undefined && /^\s{2,}\S/.test(nxt) && nxt.search(/\S/) > base) {
            items[items.length - 1].push('');
            i++;
            continue;
          }
          break;
        }
        if (l.search(/\S/) > base) {
          items[items.length - 1].push(l.slice(Math.min(l.search(/\S/), base + 2)));
          i++;
          continue;
        }
        if (startsBlock(l, lines[i + 1])) break;
        items[items.length - 1].push(l); // lazy continuation of the item's paragraph
        i++;
      }
      const tag = ordered ? 'ol' : 'ul';
      const attr = ordered && start !== 1 ? ` start="${start}"` : '';
      const lis = items.map((it) => {
        const blocks = renderBlocks(it, depth + 1);
        // A single paragraph renders without its <p> (a "tight" item).
        const tight = /^<p>([\s\S]*)<\/p>$/.exec(blocks);
        if (tight && !tight[1].includes('<p>')) return `<li>${tight[1]}</li>`;
        // A paragraph followed by a nested list: the paragraph is unwrapped too.
        const lead = /^<p>([\s\S]*?)<\/p>\n(<[ou]l[\s>][\s\S]*)$/.exec(blocks);
        if (lead && !lead[2].includes('<p>')) return `<li>${lead[1]}\n${lead[2]}</li>`;
        return `<li>${blocks}</li>`;
      });
      out.push(`<${tag}${attr}>${lis.join('')}</${tag}>`);
      continue;
    }
    if (
      line.includes('|') &&
      i + 1 < lines.length &&
      TABLE_SEP.test(lines[i + 1]) &&
      lines[i + 1].includes('-')
    ) {
      const head = splitRow(line);
      const align = splitRow(lines[i + 1]).map((c) =>
        c.startsWith(':') && c.endsWith(':')
          ? 'center'
          : c.endsWith(':')
            ? 'right'
            : c.startsWith(':')
              ? 'left'
              : '',
      );
      const cls = (k: number) => (align[k] ? ` class="align-${align[k]}"` : '');
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && lines[i].trim() !== '' && lines[i].includes('|'))
        rows.push(splitRow(lines[i++]));
      out.push(
        `<table><thead><tr>${head.map((h, k) => `<th${cls(k)}>${renderInline(h)}</th>`).join('')}</tr></thead><tbody>${rows
          .map(
            (r) => `<tr>${head.map((_, k) => `<td${cls(k)}>${renderInline(r[k] ?? '')}</td>`).join('')}</tr>`,
          )
          .join('')}</tbody></table>`,
      );
      continue;
    }
    const para: string[] = [line.trim()];
    i++;
    while (i < lines.length && lines[i].trim() !== '' && !startsBlock(lines[i], lines[i + 1]))
      para.push(lines[i++].trim());
    out.push(`<p>${renderInline(para.join('\n')).replace(/\n/g, ' ')}</p>`);
  }
  return out.join('\n');
}

/** Renders a markdown document (a model card's body) to safe HTML. */
export function renderMarkdown(markdown: string): string {
  const text = markdown.replace(/\r\n?/g, '\n').replace(/\t/g, '    ');
  return renderBlocks(text.split('\n'), 0);
}
