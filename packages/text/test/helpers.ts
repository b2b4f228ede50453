/** Shared test helpers: a seeded PRNG and random strings over a Unicode-heavy alphabet. */
import { readFileSync } from 'node:fs';

/** Mulberry32: a small deterministic PRNG returning floats in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Pieces random strings are made of: ASCII words, contractions, digits, every kind of whitespace,
 * punctuation, accented and combining characters, CJK, RTL scripts, emoji (ZWJ sequences, flags,
 * skin tones), astral letters and digits, BOM, controls and lone surrogates.
 */
export const ALPHABET: string[] = [
  'a',
  'b',
  'Z',
  'the',
  ' ',
  ' ',
  '  ',
  '\t',
  '\n',
  '\r\n',
  '\n\n',
  '\u00a0',
  '\u2003',
  '\u3000',
  '\u2028',
  '\v',
  '\f',
  "'",
  "'s",
  "'t",
  "'re",
  "'ve",
  "'m",
  "'ll",
  "'d",
  "'S",
  '’s',
  '0',
  '7',
  '42',
  '3.14',
  '!',
  '?!',
  '...',
  '—',
  '-',
  '"',
  '(',
  'é',
  'e\u0301',
  'Z\u0324\u0308',
  'ñ',
  'ß',
  'Ω',
  'Привет',
  'مرحبا',
  'שלום',
  'नमस्ते',
  '漢字',
  'かな',
  'カナ',
  '한국어',
  '٣',
  'Ⅻ',
  '½',
  '²',
  '😀',
  '👩‍👩‍👧‍👦',
  '🇺🇸',
  '👍🏽',
  '𝐀𝐁',
  '𐍈',
  '𝟘𝟙',
  '🀄',
  '\uFEFF',
  '\0',
  '\u0007',
  '\u001f',
  '\uFFFF',
  '\uE000',
  '\uD800',
  '\uDFFF',
  '\uDBFF',
  '<',
  '|',
  '>',
  'endoftext',
  '€',
  '£',
  '\u200b',
  '\u200d',
];

/** A random string of `n` alphabet pieces. */
export function randomText(rand: () => number, n: number, alphabet: readonly string[] = ALPHABET): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
  return s;
}

/** Whether `s` has a lone surrogate (which UTF-8 cannot encode). */
export function hasLoneSurrogate(s: string): boolean {
  return /\p{Cs}/u.test(s);
}

/** A file of this package, as text. */
export function packageFile(path: string): string {
  return readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
}

/** `s` with each lone surrogate replaced by U+FFFD (`String.prototype.toWellFormed`, ES2024). */
export function wellFormed(s: string): string {
  return s.replace(/\p{Cs}/gu, '\uFFFD');
}
