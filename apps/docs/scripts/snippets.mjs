// Extracts the code blocks of the docs' markdown pages, so the tests can run them and
// `pnpm typecheck` can type-check them.
//
// Conventions (in the fence's info string, after the language):
// - ```ts (or typescript) blocks run, each as its own ES module, against the packages' sources;
// - ```ts no-run blocks are illustrative and are not run (they need a file, a server, a GPU...);
//   they are still type-checked, unless also marked no-check (code meant for another folder);
// - a ```text output block right after a runnable block is what that block must print with
//   console.log, line for line.
//
// Run directly (`node scripts/snippets.mjs`), it writes every ts block to test/.snippets/ for tsc.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * One code block of a page.
 * @typedef {object} Snippet
 * @property {string} page Page path relative to the docs root, e.g. `guide/tensors.md`.
 * @property {number} line Line of the opening fence (1-based).
 * @property {string} lang Language of the fence (`ts`, `text`, `sh`...).
 * @property {string[]} flags The words after the language (`no-run`, `output`...).
 * @property {string} code The code.
 * @property {string} [expectedOutput] For a runnable block: the `text output` block after it.
 */

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)(.*)$/;

/**
 * Every fenced block of one markdown text, in order.
 * @param {string} markdown
 * @param {string} page
 * @returns {Snippet[]}
 */
export function parseFences(markdown, page) {
  const lines = markdown.split('\n');
  /** @type {Snippet[]} */
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const [, indent, marker, lang, rest] = open;
    const body = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = lines[j].trim();
      if (close.startsWith(marker[0].repeat(marker.length)) && close.replace(/[`~]/g, '') === '') break;
      body.push(indent && lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j]);
    }
    if (j === lines.length) throw new Error(`${page}:${i + 1}: unclosed code fence`);
    const flags = rest
      .replace(/\{[^}]*\}|\[[^\]]*\]/g, ' ')
      .split(/\s+/)
      .filter(Boolean);
    out.push({ page, line: i + 1, lang: lang.toLowerCase(), flags, code: body.join('\n') });
    i = j;
  }
  // Attach each `output` block to the block just before it.
  for (let k = 0; k < out.length; k++) {
    if (!out[k].flags.includes('output')) continue;
    const prev = out[k - 1];
    if (!prev || !isRunnable(prev)) {
      throw new Error(`${page}:${out[k].line}: an output block must follow a runnable ts block`);
    }
    prev.expectedOutput = out[k].code;
  }
  return out;
}

/**
 * A TypeScript block.
 * @param {Snippet} s
 */
export function isTypeScript(s) {
  return s.lang === 'ts' || s.lang === 'typescript';
}

/**
 * A TypeScript block without `no-run`.
 * @param {Snippet} s
 */
export function isRunnable(s) {
  return isTypeScript(s) && !s.flags.includes('no-run');
}

/**
 * The markdown pages of the site (the generated API reference and node_modules excluded).
 * @param {string} root
 * @returns {string[]}
 */
export function markdownPages(root) {
  /** @type {string[]} */
  const pages = [];
  /** @param {string} dir */
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      if (name.startsWith('.') || ['node_modules', 'api', 'test', 'README.md'].includes(name)) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.md')) pages.push(relative(root, path));
    }
  };
  walk(root);
  return pages.sort();
}

/**
 * Every block of every page.
 * @param {string} root
 */
export function allSnippets(root) {
  return markdownPages(root).flatMap((page) => parseFences(readFileSync(join(root, page), 'utf8'), page));
}

/**
 * The file a snippet is written to (one ES module per block).
 * @param {string} dir
 * @param {Snippet} s
 */
export function snippetFile(dir, s) {
  return join(dir, `${s.page.replace(/[/\\.]/g, '_')}_${s.line}.ts`);
}

/**
 * Writes one snippet as a module; returns its path.
 * @param {string} dir
 * @param {Snippet} s
 */
export function writeSnippet(dir, s) {
  const file = snippetFile(dir, s);
  writeFileSync(
    file,
    `// ${s.page}:${s.line}\n${s.code}\n${/\b(import|export)\b/.test(s.code) ? '' : 'export {};\n'}`,
  );
  return file;
}

const docsRoot = fileURLToPath(new URL('..', import.meta.url));
/** Where the snippets are written (gitignored). */
export const SNIPPET_DIR = join(docsRoot, 'test/.snippets');

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  rmSync(SNIPPET_DIR, { recursive: true, force: true });
  mkdirSync(SNIPPET_DIR, { recursive: true });
  const ts = allSnippets(docsRoot).filter((s) => isTypeScript(s) && !s.flags.includes('no-check'));
  for (const s of ts) writeSnippet(SNIPPET_DIR, s);
  console.log(`${ts.length} snippets written to ${relative(process.cwd(), SNIPPET_DIR) || '.'}`);
}
