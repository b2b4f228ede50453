import { IndexError, ValueError } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import {
  CharTokenizer,
  type Dataset,
  LanguageModelingDataset,
  loadGpt2Tokenizer,
  loadMobyDick,
  TextClassificationDataset,
} from '../src/index.js';

describe('LanguageModelingDataset', () => {
  const tokens = Array.from({ length: 10 }, (_, i) => 100 + i); // 100..109

  it('slices (input, target) windows shifted by one token, with a stride', () => {
    const ds = new LanguageModelingDataset(tokens, { contextLength: 4 });
    // starts 0 and 4 fit (need 5 tokens each); start 8 would need tokens up to index 12
    expect(ds.length).toBe(2);
    const [x, y] = ds.get(1);
    expect(x.dtype).toBe('int32');
    expect(x.shape).toEqual([4]);
    expect(x.tolistSync()).toEqual([104, 105, 106, 107]);
    expect(y.tolistSync()).toEqual([105, 106, 107, 108]);
    const overlapping = new LanguageModelingDataset(tokens, { contextLength: 4, stride: 1 });
    expect(overlapping.length).toBe(6); // starts 0..5
    expect(overlapping.get(5)[1].tolistSync()).toEqual([106, 107, 108, 109]);
  });

  it('is a { length, get } dataset; empty when the stream is too short', () => {
    const ds: Dataset<unknown> = new LanguageModelingDataset([1, 2, 3], { contextLength: 3 });
    expect(ds.length).toBe(0);
    expect(new LanguageModelingDataset([1, 2, 3, 4], { contextLength: 3 }).length).toBe(1);
  });

  it('gives IndexError out of range and ValueError for bad options or tokens', () => {
    const ds = new LanguageModelingDataset(tokens, { contextLength: 4 });
    for (const i of [2, -1, 0.5]) expect(() => ds.get(i)).toThrow(IndexError);
    expect(() => new LanguageModelingDataset(tokens, { contextLength: 0 })).toThrow(ValueError);
    expect(() => new LanguageModelingDataset(tokens, { contextLength: 2, stride: 0 })).toThrow(ValueError);
    expect(() => new LanguageModelingDataset([1, 2.5, 3], { contextLength: 1 })).toThrow(/token 1/);
  });

  it('windows the GPT-2 encoding of Moby Dick', async () => {
    const [book, gpt2] = await Promise.all([loadMobyDick(), loadGpt2Tokenizer()]);
    const ds = LanguageModelingDataset.fromText(book.slice(0, 20_000), gpt2, {
      contextLength: 64,
      stride: 32,
    });
    const [x, y] = ds.get(3);
    expect(gpt2.decode(x.tolistSync() as number[]).length).toBeGreaterThan(100);
    expect((x.tolistSync() as number[]).slice(1)).toEqual((y.tolistSync() as number[]).slice(0, 63));
  });
});

describe('TextClassificationDataset', () => {
  const lines = 'pos\tgood film\nneg\tbad\n\npos\tgreat fun\r\nneg\tdull and long\n';
  const tok = CharTokenizer.fromCorpus(lines, { padToken: '<pad>' });

  it('parses label<TAB>text lines, sorts classes and tokenizes each text', () => {
    const ds = TextClassificationDataset.fromLines(lines, tok);
    expect(ds.length).toBe(4);
    expect(ds.classes).toEqual(['neg', 'pos']);
    const [ids, label] = ds.get(1);
    expect(ids.dtype).toBe('int32');
    expect(tok.decode(ids.tolistSync() as number[])).toBe('bad');
    expect(label.shape).toEqual([]);
    expect(label.itemSync()).toBe(0);
    expect(ds.get(2)[1].itemSync()).toBe(1);
  });

  it('pads / truncates to maxLength and records real lengths', () => {
    const ds = TextClassificationDataset.fromLines(lines, tok, { maxLength: 5 });
    expect(ds.get(0)[0].shape).toEqual([5]);
    expect(tok.decode(ds.get(0)[0].tolistSync() as number[])).toBe('good ');
    expect(tok.decode(ds.get(1)[0].tolistSync() as number[])).toBe('bad<pad><pad>');
    expect(Array.from(ds.lengths)).toEqual([5, 3, 5, 5]);
  });

  it('reads text<sep>label lines and sorts integer labels numerically', () => {
    const text = 'a b,10\nc,2\nd e f,2\n';
    const ds = TextClassificationDataset.fromLines(text, CharTokenizer.fromCorpus(text), {
      separator: ',',
      labelPosition: 'last',
    });
    expect(ds.classes).toEqual(['2', '10']);
    expect(Array.from(ds.labels)).toEqual([1, 0, 0]);
  });

  it('reports malformed input clearly', () => {
    expect(() => TextClassificationDataset.fromLines('pos\tok\nno separator here\n', tok)).toThrow(/line 2/);
    expect(() => TextClassificationDataset.fromLines(lines, tok, { classes: ['pos'] })).toThrow(
      /label 'neg'/,
    );
    expect(() => new TextClassificationDataset(['a'], [], tok)).toThrow(ValueError);
    const ds = TextClassificationDataset.fromLines(lines, tok);
    expect(() => ds.get(4)).toThrow(IndexError);
    const noPad = CharTokenizer.fromCorpus(lines);
    expect(() => TextClassificationDataset.fromLines(lines, noPad, { maxLength: 20 })).toThrow(/padId/);
  });
});
