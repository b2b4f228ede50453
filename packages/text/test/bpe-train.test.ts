import { IndexError, ValueError } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import { BpeTokenizer, GPT2_PATTERN, loadTokenizer } from '../src/index.js';
import { hasLoneSurrogate, packageFile, randomText, rng, wellFormed } from './helpers.js';

const ids = (s: string) => [...new TextEncoder().encode(s)];

/**
 * A from-scratch reference trainer: recount every pair of every word occurrence before each merge
 * (no incremental bookkeeping), take the most frequent pair, ties to the smallest (first, second).
 */
function naiveTrain(
  text: string,
  numMerges: number,
): { merges: Array<[number, number]>; words: Map<string, number[]> } {
  const re = new RegExp(GPT2_PATTERN, 'gu');
  const words = new Map<string, number[]>();
  const counts = new Map<string, number>();
  for (const m of text.matchAll(re)) {
    counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
    words.set(m[0], ids(m[0]));
  }
  const merges: Array<[number, number]> = [];
  for (let step = 0; step < numMerges; step++) {
    const pc = new Map<string, number>();
    for (const [w, seq] of words) {
      for (let i = 0; i + 1 < seq.length; i++) {
        const k = `${seq[i]},${seq[i + 1]}`;
        pc.set(k, (pc.get(k) ?? 0) + counts.get(w)!);
      }
    }
    let best: [number, number] | undefined;
    let bestCount = 0;
    for (const [k, c] of pc) {
      const [a, b] = k.split(',').map(Number);
      if (c > bestCount || (c === bestCount && best && (a < best[0] || (a === best[0] && b < best[1])))) {
        best = [a, b];
        bestCount = c;
      }
    }
    if (!best) break;
    merges.push(best);
    const id = 256 + step;
    for (const [w, seq] of words) {
      const out: number[] = [];
      for (let i = 0; i < seq.length; i++) {
        if (i + 1 < seq.length && seq[i] === best[0] && seq[i + 1] === best[1]) {
          out.push(id);
          i++;
        } else out.push(seq[i]);
      }
      words.set(w, out);
    }
  }
  return { merges, words };
}

describe('BpeTokenizer.train', () => {
  it("learns Wikipedia's 'aaabdaaabac' example: aa, ab, then aa+ab", () => {
    const tok = BpeTokenizer.train('aaabdaaabac', { vocabSize: 259 });
    const [a, b] = [97, 98];
    expect(tok.merges).toEqual([
      [a, a],
      [a, b],
      [256, 257],
    ]);
    // Z = aa, Y = ab, X = ZY: "aaabdaaabac" -> "XdXac"
    expect(tok.encode('aaabdaaabac')).toEqual([258, 100, 258, 97, 99]);
    expect(tok.vocabSize).toBe(259);
  });

  it("learns the Hugging Face course example's merges from word counts", () => {
    // hug x10, pug x5, pun x12, bun x4, hugs x5, one word per line (newlines are separate pieces).
    const words = [
      ...Array(10).fill('hug'),
      ...Array(5).fill('pug'),
      ...Array(12).fill('pun'),
      ...Array(4).fill('bun'),
      ...Array(5).fill('hugs'),
    ];
    const tok = BpeTokenizer.train(words.join('\n'), { vocabSize: 300, specialTokens: ['<|endoftext|>'] });
    const [b, g, h, n, p, s, u] = [98, 103, 104, 110, 112, 115, 117];
    // u+g (20), u+n (16), h+ug (15), p+un (12), then a tie at 5 between p+ug and hug+s: the smaller
    // first id (p = 112 < hug = 258) wins; then hug+s (5), b+un (4); then no pair is left.
    expect(tok.merges).toEqual([
      [u, g],
      [u, n],
      [h, 256],
      [p, 257],
      [p, 256],
      [258, s],
      [b, 257],
    ]);
    expect(tok.vocabSize).toBe(264); // stopped early: 256 bytes + 7 merges + 1 special
    expect(tok.specialTokens.get('<|endoftext|>')).toBe(263);
    expect(tok.encode('hugs')).toEqual([261]);
    expect(tok.encode('thug')).toEqual([116, 258]);
    expect(tok.encode('bug')).toEqual([b, 256]);
    expect(tok.decode(tok.encode('pun pug bun'))).toBe('pun pug bun');
  });

  it('matches a from-scratch reference trainer on a chapter of Moby Dick, and encodes like its final words', () => {
    const text = packageFile('data/moby-dick.txt').slice(0, 20_000);
    const numMerges = 120;
    const tok = BpeTokenizer.train(text, { vocabSize: 256 + numMerges });
    const ref = naiveTrain(text, numMerges);
    expect(tok.merges).toEqual(ref.merges);
    for (const [w, seq] of ref.words) expect(tok.encode(w), w).toEqual(seq);
  });

  it('is deterministic: same corpus, same JSON', () => {
    const text = packageFile('data/moby-dick.txt').slice(0, 100_000);
    const a = BpeTokenizer.train(text, { vocabSize: 600, specialTokens: ['<|endoftext|>'] }).save();
    const b = BpeTokenizer.train([text.slice(0, 50_000), text.slice(50_000)], {
      vocabSize: 600,
      specialTokens: ['<|endoftext|>'],
    }).save();
    const c = BpeTokenizer.train(text, { vocabSize: 600, specialTokens: ['<|endoftext|>'] }).save();
    expect(a).toBe(c);
    // Cutting the corpus between two words changes no piece, so no count and no merge.
    expect(JSON.parse(b).merges).toEqual(JSON.parse(a).merges);
  });

  it('round-trips arbitrary Unicode through a trained tokenizer (unseen bytes stay byte tokens)', () => {
    const tok = BpeTokenizer.train(packageFile('data/moby-dick.txt').slice(0, 30_000), { vocabSize: 400 });
    const rand = rng(3);
    for (let k = 0; k < 500; k++) {
      const text = randomText(rand, 25);
      const out = tok.decode(tok.encode(text, { disallowedSpecial: [] }));
      expect(out).toBe(hasLoneSurrogate(text) ? wellFormed(text) : text);
    }
  });

  it('pre-tokenizes with a custom pattern; text the pattern does not match is skipped, like tiktoken', () => {
    const tok = BpeTokenizer.train('ab ab ab', { vocabSize: 300, pattern: '\\S+|\\s+' });
    expect(tok.pattern).toBe('\\S+|\\s+');
    expect(tok.merges![0]).toEqual([97, 98]); // no space-prefixed pieces: ' ' is its own piece
    expect(tok.encode('ab  ab')).toEqual([256, 32, 32, 256]);
    expect(BpeTokenizer.load(tok.save()).encode('ab  ab')).toEqual([256, 32, 32, 256]);
    const lettersOnly = BpeTokenizer.train('ab ab', { vocabSize: 257, pattern: '\\p{L}+' });
    expect(lettersOnly.encode('ab, ab!')).toEqual([256, 256]);
  });

  it('stops at minFrequency', () => {
    const tok = BpeTokenizer.train('ab ab ab cd', { vocabSize: 1000, minFrequency: 2 });
    // 'ab' x3 -> ab; ' ab' (space + ab) x2 -> ' ab'; 'cd' and ' c' are seen once.
    expect(tok.merges).toEqual([
      [97, 98],
      [32, 256],
    ]);
  });

  it('saves and loads (string or object), keeping merges, specials and padToken', () => {
    const tok = BpeTokenizer.train('the cat sat on the mat with the hat', {
      vocabSize: 270,
      specialTokens: ['<pad>', '<eos>'],
      padToken: '<pad>',
    });
    const back = BpeTokenizer.load(tok.save());
    expect(back.merges).toEqual(tok.merges);
    expect(back.padId).toBe(tok.padId);
    expect(back.specialTokens).toEqual(tok.specialTokens);
    const text = 'the rat sat<eos>';
    expect(back.encode(text, { allowedSpecial: 'all' })).toEqual(tok.encode(text, { allowedSpecial: 'all' }));
    expect(loadTokenizer(tok.toJSON())).toBeInstanceOf(BpeTokenizer);
  });

  it('rejects bad options and malformed saved vocabularies with ValueError', () => {
    expect(() => BpeTokenizer.train('abc', { vocabSize: 255 })).toThrow(ValueError);
    expect(() => BpeTokenizer.train('abc', { vocabSize: 256, specialTokens: ['<s>'] })).toThrow(/vocabSize/);
    expect(() => BpeTokenizer.train('abc', { vocabSize: 300, pattern: '(' })).toThrow(ValueError);
    const good = BpeTokenizer.train('abcabc', { vocabSize: 258 }).toJSON();
    expect(() => BpeTokenizer.load('{')).toThrow(/not valid JSON/);
    expect(() => BpeTokenizer.load({ ...good, version: 2 as 1 })).toThrow(/version/);
    expect(() => BpeTokenizer.load({ ...good, type: 'char' as 'bpe' })).toThrow(/type 'bpe'/);
    expect(() => BpeTokenizer.load({ ...good, vocab: ['!!!', ...good.vocab.slice(1)] })).toThrow(
      /vocab\[0\]/,
    );
    expect(() => BpeTokenizer.load({ ...good, merges: [[97, 9999]] })).toThrow(/merge 0/);
    expect(() => BpeTokenizer.load({ ...good, merges: [[97, 99]] })).toThrow(/not a token/);
    expect(() => BpeTokenizer.load({ ...good, mode: 'other' as 'ranks' })).toThrow(/mode/);
    expect(() => BpeTokenizer.load({ ...good, specialTokens: { '<s>': 97 } })).toThrow(/reuses the id 97/);
    expect(() => BpeTokenizer.load({ ...good, padToken: '<pad>' })).toThrow(/padToken/);
    expect(() => loadTokenizer('{"type":"wordpiece"}')).toThrow(/unknown tokenizer type/);
    expect(() => BpeTokenizer.train('abc', { vocabSize: 300 }).decode([300])).toThrow(IndexError);
  });
});
