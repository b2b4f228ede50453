import { ValueError } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import { batchToTensors, CharTokenizer } from '../src/index.js';

const tok = CharTokenizer.fromCorpus('abcdef', { padToken: '<pad>' }); // a..f = 0..5, <pad> = 6

describe('encodeBatch', () => {
  it('leaves rows ragged without padding', () => {
    expect(tok.encodeBatch(['ab', 'cde'])).toEqual({
      inputIds: [
        [0, 1],
        [2, 3, 4],
      ],
      attentionMask: [
        [1, 1],
        [1, 1, 1],
      ],
    });
  });

  it("pads to the longest row, right or left, with the tokenizer's pad id or padId", () => {
    expect(tok.encodeBatch(['ab', 'cde', ''], { padding: 'longest' })).toEqual({
      inputIds: [
        [0, 1, 6],
        [2, 3, 4],
        [6, 6, 6],
      ],
      attentionMask: [
        [1, 1, 0],
        [1, 1, 1],
        [0, 0, 0],
      ],
    });
    const left = tok.encodeBatch(['ab', 'cde'], { padding: 'longest', paddingSide: 'left', padId: 5 });
    expect(left.inputIds).toEqual([
      [5, 0, 1],
      [2, 3, 4],
    ]);
    expect(left.attentionMask).toEqual([
      [0, 1, 1],
      [1, 1, 1],
    ]);
  });

  it('pads to maxLength and truncates from either side', () => {
    const b = tok.encodeBatch(['abcdef', 'a'], { padding: 'max_length', maxLength: 4, truncation: true });
    expect(b.inputIds).toEqual([
      [0, 1, 2, 3],
      [0, 6, 6, 6],
    ]);
    expect(b.attentionMask).toEqual([
      [1, 1, 1, 1],
      [1, 0, 0, 0],
    ]);
    const l = tok.encodeBatch(['abcdef'], { maxLength: 2, truncation: true, truncationSide: 'left' });
    expect(l.inputIds).toEqual([[4, 5]]);
    // 'longest' with truncation caps at maxLength
    const c = tok.encodeBatch(['abcdef', 'ab'], { padding: 'longest', maxLength: 3, truncation: true });
    expect(c.inputIds).toEqual([
      [0, 1, 2],
      [0, 1, 6],
    ]);
  });

  it('rejects inconsistent options with ValueError', () => {
    expect(() => tok.encodeBatch(['abc'], { padding: 'max_length' })).toThrow(/needs maxLength/);
    expect(() => tok.encodeBatch(['abc'], { truncation: true })).toThrow(/truncation needs maxLength/);
    expect(() => tok.encodeBatch(['abcdef'], { padding: 'max_length', maxLength: 3 })).toThrow(
      /truncation: true/,
    );
    expect(() => tok.encodeBatch(['abc'], { maxLength: -1 })).toThrow(ValueError);
    expect(() => tok.encodeBatch(['abc'], { padding: 'yes' as 'longest' })).toThrow(ValueError);
    const noPad = CharTokenizer.fromCorpus('ab');
    expect(() => noPad.encodeBatch(['a', 'ab'], { padding: 'longest' })).toThrow(/padId/);
    expect(() => noPad.encodeBatch(['a', 'ab'], { padding: 'longest', padId: 99 })).toThrow(/padId must be/);
  });

  it('converts a padded batch to int32 tensors and refuses ragged rows', () => {
    const { inputIds, attentionMask } = batchToTensors(
      tok.encodeBatch(['ab', 'cde'], { padding: 'longest' }),
    );
    expect(inputIds.dtype).toBe('int32');
    expect(inputIds.shape).toEqual([2, 3]);
    expect(inputIds.tolistSync()).toEqual([
      [0, 1, 6],
      [2, 3, 4],
    ]);
    expect(Array.from(attentionMask.dataSync())).toEqual([1, 1, 0, 1, 1, 1]);
    expect(() => batchToTensors(tok.encodeBatch(['ab', 'cde']))).toThrow(ValueError);
    expect(batchToTensors(tok.encodeBatch([])).inputIds.shape).toEqual([0, 0]);
  });
});
