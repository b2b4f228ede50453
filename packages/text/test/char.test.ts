import { IndexError, ValueError } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import { CharTokenizer, loadTokenizer } from '../src/index.js';
import { packageFile, randomText, rng } from './helpers.js';

describe('CharTokenizer', () => {
  it('gives ids in code-point order, like sorted(set(text)) in Python (nanoGPT)', () => {
    const tok = CharTokenizer.fromCorpus('hello world');
    expect(tok.chars).toEqual([' ', 'd', 'e', 'h', 'l', 'o', 'r', 'w']);
    expect(tok.vocabSize).toBe(8);
    expect(tok.encode('hello')).toEqual([3, 2, 4, 4, 5]);
    expect(tok.decode([7, 5, 6, 4, 1])).toBe('world');
  });

  it('sorts astral characters after the whole BMP (code points, not UTF-16 units)', () => {
    const tok = CharTokenizer.fromCorpus('😀\uFF21a');
    expect(tok.chars).toEqual(['a', '\uFF21', '😀']);
    expect(tok.encode('😀a')).toEqual([2, 0]);
  });

  it('round-trips the whole book and arbitrary Unicode it was built from, lone surrogates included', () => {
    const book = packageFile('data/moby-dick.txt');
    const tok = CharTokenizer.fromCorpus(book);
    expect(tok.decode(tok.encode(book))).toBe(book);
    const rand = rng(1);
    const texts = Array.from({ length: 200 }, () => randomText(rand, 20));
    const u = CharTokenizer.fromCorpus(texts);
    for (const t of texts) expect(u.decode(u.encode(t))).toBe(t);
  });

  it('throws a ValueError naming an unknown character, or maps it to unkToken', () => {
    const strict = CharTokenizer.fromCorpus('abc');
    expect(() => strict.encode('abz')).toThrow(ValueError);
    expect(() => strict.encode('ab😀')).toThrow(/U\+1F600 at index 2/);
    const lenient = CharTokenizer.fromCorpus('abc', { unkToken: '<unk>' });
    expect(lenient.vocabSize).toBe(4);
    expect(lenient.unkId).toBe(3);
    expect(lenient.encode('az😀c')).toEqual([0, 3, 3, 2]);
    expect(lenient.decode([0, 3])).toBe('a<unk>');
  });

  it('encodes special tokens with tiktoken rules and decodes them to their text', () => {
    const tok = CharTokenizer.fromCorpus('ab', { specialTokens: ['<eos>'], padToken: '<pad>' });
    expect([...tok.specialTokens]).toEqual([
      ['<eos>', 2],
      ['<pad>', 3],
    ]);
    expect(tok.padId).toBe(3);
    expect(tok.encode('ab<eos>', { allowedSpecial: ['<eos>'] })).toEqual([0, 1, 2]);
    expect(() => tok.encode('ab<eos>')).toThrow(/special token '<eos>'/);
    expect(tok.decode([0, 2, 3])).toBe('a<eos><pad>');
  });

  it('throws IndexError for ids outside the vocabulary', () => {
    const tok = CharTokenizer.fromCorpus('ab');
    for (const bad of [2, -1, 0.5, Number.NaN]) expect(() => tok.decode([0, bad])).toThrow(IndexError);
  });

  it('saves and loads through JSON', () => {
    const tok = CharTokenizer.fromCorpus('héllo 😀', { unkToken: '<unk>', padToken: '<pad>' });
    const back = loadTokenizer(tok.save()) as CharTokenizer;
    expect(back).toBeInstanceOf(CharTokenizer);
    expect(back.chars).toEqual(tok.chars);
    expect(back.encode('😀 hé?')).toEqual(tok.encode('😀 hé?'));
    expect(back.padId).toBe(tok.padId);
    expect(() => CharTokenizer.load('{"type":"char","version":1,"chars":["ab"],"specialTokens":[]}')).toThrow(
      /one code point/,
    );
    expect(() =>
      CharTokenizer.load('{"type":"char","version":1,"chars":["a","a"],"specialTokens":[]}'),
    ).toThrow(/listed twice/);
    expect(() => CharTokenizer.load('{"type":"char","version":1}')).toThrow(ValueError);
  });
});
