import { describe, expect, it } from 'vitest';
import { GPT2_PATTERN, gpt2PieceEnd, regexPieces } from '../src/tokenizers/pretokenize.js';
import { ALPHABET, packageFile, randomText, rng } from './helpers.js';

function scan(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    const j = gpt2PieceEnd(text, i, text.length);
    if (j <= i) throw new Error(`no progress at ${i}`);
    out.push(text.slice(i, j));
    i = j;
  }
  return out;
}

function regex(text: string): string[] {
  const out: string[] = [];
  regexPieces(new RegExp(GPT2_PATTERN, 'gu'), text, 0, text.length, (s, e) => out.push(text.slice(s, e)));
  return out;
}

describe('GPT-2 pre-tokenization scanner', () => {
  it('cuts a sentence like the regex, with contractions and whitespace runs', () => {
    const text = "I'm here, aren't we?  It's 2024!\n\n  New\tline 'S ’s";
    expect(scan(text)).toEqual([
      'I',
      "'m",
      ' here',
      ',',
      ' aren',
      "'t",
      ' we',
      '?',
      ' ',
      ' It',
      "'s",
      ' 2024',
      '!',
      '\n\n ',
      ' New',
      '\t',
      'line',
      " '",
      'S',
      ' ’',
      's',
    ]);
    expect(scan(text)).toEqual(regex(text));
  });

  it('gives exactly the regex pieces on 3000 random Unicode strings', () => {
    const rand = rng(7);
    for (let k = 0; k < 3000; k++) {
      const text = randomText(rand, 1 + Math.floor(rand() * 30));
      expect(scan(text), JSON.stringify(text)).toEqual(regex(text));
    }
  });

  it('gives exactly the regex pieces on every single alphabet piece and pair', () => {
    for (const a of ALPHABET) {
      for (const b of ALPHABET) expect(scan(a + b), JSON.stringify(a + b)).toEqual(regex(a + b));
    }
  });

  it('gives exactly the regex pieces on the whole book', () => {
    const book = packageFile('data/moby-dick.txt');
    const a = scan(book);
    const b = regex(book);
    expect(a.length).toBe(b.length);
    // A plain loop: a deep toEqual on 270k strings costs seconds.
    let first = -1;
    for (let i = 0; i < a.length && first < 0; i++) if (a[i] !== b[i]) first = i;
    expect(first).toBe(-1);
  });

  it('treats the end bound as the end of the text (whitespace before a special token)', () => {
    const text = 'a  <|x|>';
    // With the text cut at index 3, the two spaces are trailing whitespace: one piece.
    expect(gpt2PieceEnd(text, 1, 3)).toBe(3);
    // Uncut, the last space would lead the next piece.
    expect(gpt2PieceEnd(text, 1, text.length)).toBe(2);
  });
});
