/**
 * Pre-tokenization: cutting text into the pieces BPE merges within. GPT-2's pattern gets a hand-written
 * scanner that gives exactly the regex's pieces (it is checked against the regex in the tests) at a
 * fraction of its cost; any other pattern runs as a regex.
 */
import { ValueError } from '@kindling/core';

/** GPT-2's pre-tokenization pattern (used with the `u` flag), as in tiktoken's `r50k_base`. */
export const GPT2_PATTERN =
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

const OTHER = 0;
const LETTER = 1;
const NUMBER = 2;
const SPACE = 3;

const isLetter = /^\p{L}$/u;
const isNumber = /^\p{N}$/u;
const isSpace = /^\s$/u;

function classify(ch: string): number {
  if (isLetter.test(ch)) return LETTER;
  if (isNumber.test(ch)) return NUMBER;
  if (isSpace.test(ch)) return SPACE;
  return OTHER;
}

let bmp: Uint8Array | undefined;
const astral = new Map<number, number>();

/** Class of every BMP code unit, computed once with the same regex engine the pattern would use. */
function bmpTable(): Uint8Array {
  if (bmp) return bmp;
  const t = new Uint8Array(0x10000);
  for (let c = 0; c < 0x10000; c++) {
    // ASCII fast path keeps start-up short; everything else asks the regex engine.
    if (c < 0x80) {
      t[c] =
        (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
          ? LETTER
          : c >= 0x30 && c <= 0x39
            ? NUMBER
            : c === 0x20 || (c >= 0x09 && c <= 0x0d)
              ? SPACE
              : OTHER;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      t[c] = OTHER; // a lone surrogate is its own code point under the u flag: not L, N or \s
    } else {
      t[c] = classify(String.fromCharCode(c));
    }
  }
  bmp = t;
  return t;
}

function astralClass(cp: number): number {
  let c = astral.get(cp);
  if (c === undefined) {
    c = classify(String.fromCodePoint(cp));
    astral.set(cp, c);
  }
  return c;
}

/**
 * End (exclusive) of the GPT-2 piece that starts at `i`, treating `end` as the end of the text.
 * Equivalent to one match of `GPT2_PATTERN` with the `gu` flags at `i` (the pattern matches
 * every code point, so pieces tile the text).
 */
export function gpt2PieceEnd(text: string, i: number, end: number): number {
  const table = bmp ?? bmpTable();
  let c = text.charCodeAt(i);
  // 'contractions: 's 't 're 've 'm 'll 'd
  if (c === 0x27 && i + 1 < end) {
    const d = text.charCodeAt(i + 1);
    if (d === 0x73 || d === 0x74 || d === 0x6d || d === 0x64) return i + 2;
    if (i + 2 < end) {
      const e = text.charCodeAt(i + 2);
      if ((d === 0x72 && e === 0x65) || (d === 0x76 && e === 0x65) || (d === 0x6c && e === 0x6c))
        return i + 3;
    }
  }
  // ' ?\p{L}+', ' ?\p{N}+', ' ?[^\s\p{L}\p{N}]+': an optional space, then a run of one class.
  let k = i;
  if (c === 0x20 && i + 1 < end) {
    k = i + 1;
    c = text.charCodeAt(k);
  }
  let cls: number;
  let w = 1;
  if (c >= 0xd800 && c <= 0xdbff && k + 1 < end) {
    const lo = text.charCodeAt(k + 1);
    if (lo >= 0xdc00 && lo <= 0xdfff) {
      cls = astralClass(((c - 0xd800) << 10) + (lo - 0xdc00) + 0x10000);
      w = 2;
    } else cls = OTHER;
  } else cls = table[c];
  if (cls !== SPACE) {
    let j = k + w;
    while (j < end) {
      const u = text.charCodeAt(j);
      let uc: number;
      let uw = 1;
      if (u >= 0xd800 && u <= 0xdbff && j + 1 < end) {
        const lo = text.charCodeAt(j + 1);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          uc = astralClass(((u - 0xd800) << 10) + (lo - 0xdc00) + 0x10000);
          uw = 2;
        } else uc = OTHER;
      } else uc = table[u];
      if (uc !== cls) break;
      j += uw;
    }
    return j;
  }
  // '\s+(?!\S)' then '\s+'. Whitespace is all in the BMP, so code units are code points here.
  let j = i;
  while (j < end && table[text.charCodeAt(j)] === SPACE) j++;
  if (j === end || j - i === 1) return j;
  return j - 1; // leave the last whitespace character to lead the next piece
}

/**
 * Calls `piece(start, end)` for each match of `re` (a global regex) in `text.slice(start, end)`,
 * with indices into `text`. Characters the pattern does not match are skipped, like tiktoken.
 */
export function regexPieces(
  re: RegExp,
  text: string,
  start: number,
  end: number,
  piece: (s: number, e: number) => void,
): void {
  const seg = start === 0 && end === text.length ? text : text.slice(start, end);
  re.lastIndex = 0;
  for (let m = re.exec(seg); m !== null; m = re.exec(seg)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    piece(start + m.index, start + m.index + m[0].length);
  }
}

/** `new RegExp(pattern, 'gu')`, or `undefined` for GPT-2's pattern (the scanner handles it); `ValueError` if invalid. */
export function compilePattern(op: string, pattern: string): RegExp | undefined {
  if (pattern === GPT2_PATTERN) return undefined;
  if (typeof pattern !== 'string')
    throw new ValueError(`${op}: pattern must be a string, got ${typeof pattern}`);
  try {
    return new RegExp(pattern, 'gu');
  } catch (e) {
    throw new ValueError(`${op}: invalid pattern ${JSON.stringify(pattern)}: ${(e as Error).message}`);
  }
}
