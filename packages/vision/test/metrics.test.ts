/** Classification metrics on hand-computed cases. */
import { describe, expect, it } from 'vitest';
import { DTypeError, IndexError, ShapeError, type Tensor, tensor, ValueError } from '@kindling/core';
import { accuracy, confusionMatrix, topKAccuracy } from '../src/index.js';

const i32 = (data: number | number[] | number[][] | number[][][]) => tensor(data, { dtype: 'int32' });
const value = (t: Tensor) => t.itemSync() as number;

// Five samples, four classes. Argmax per row: 1, 0, 3, 2, 0 (row 4 ties classes 0 and 2 at 0.4; the
// tie goes to the lower class, as in PyTorch).
const logits = tensor([
  [0.1, 0.7, 0.1, 0.1],
  [0.5, 0.2, 0.2, 0.1],
  [0.0, 0.3, 0.2, 0.5],
  [0.1, 0.2, 0.6, 0.1],
  [0.4, 0.1, 0.4, 0.1],
]);
const targets = i32([1, 2, 3, 2, 2]);

describe('accuracy', () => {
  it('from logits: argmax over the class dim, ties to the lowest class', () => {
    // predictions 1, 0, 3, 2, 0 -> correct: yes, no, yes, yes, no -> 3/5
    const acc = accuracy(logits, targets);
    expect(acc.shape).toEqual([]);
    expect(acc.dtype).toBe('float32');
    expect(value(acc)).toBeCloseTo(0.6, 6);
  });

  it('from predicted classes', () => {
    expect(value(accuracy(i32([0, 1, 2, 3]), i32([0, 1, 1, 3])))).toBeCloseTo(0.75, 6);
    expect(
      value(
        accuracy(
          i32([
            [0, 1],
            [1, 1],
          ]),
          i32([
            [0, 0],
            [0, 0],
          ]),
        ),
      ),
    ).toBeCloseTo(0.25, 6);
  });

  it('per-pixel logits [N, C, H, W] with targets [N, H, W]', () => {
    // N=1, C=2, H=1, W=3: class-1 scores beat class-0 at pixels 0 and 2 -> predictions [1, 0, 1].
    const seg = tensor([[[[0.1, 0.9, 0.2]], [[0.8, 0.3, 0.7]]]]);
    expect(value(accuracy(seg, i32([[[1, 0, 0]]])))).toBeCloseTo(2 / 3, 6);
  });

  it('unbatched logits [C] with a 0-d target', () => {
    expect(value(accuracy(tensor([0.1, 0.3, 0.2]), i32(1)))).toBe(1);
  });

  it('rejects mismatched shapes, float targets and out-of-range targets', () => {
    expect(() => accuracy(logits, i32([1, 2, 3]))).toThrow(ShapeError);
    expect(() => accuracy(i32([1, 2]), i32([1, 2, 3]))).toThrow(ShapeError);
    expect(() => accuracy(logits, tensor([1, 2, 3, 2, 2], { dtype: 'float32' }))).toThrow(DTypeError);
    expect(() => accuracy(logits, i32([1, 2, 3, 2, 4]))).toThrow(IndexError);
    expect(() => accuracy(logits, i32([1, 2, 3, 2, 4]))).toThrow(/\[0, 4\)/);
    expect(() => accuracy(tensor([true, false]), i32([1, 0]))).toThrow(DTypeError);
  });
});

describe('topKAccuracy', () => {
  it('counts targets among the k best classes', () => {
    // rank order per row (stable, descending):
    // row0 [1, 0, 2, 3]; row1 [0, 1, 2, 3]; row2 [3, 1, 2, 0]; row3 [2, 1, 0, 3]; row4 [0, 2, 1, 3]
    // k=1 -> hits rows 0, 2, 3 = 3/5; k=2 -> adds row 4 (target 2 second) = 4/5;
    // k=3 -> row 1 (target 2 third) = 5/5.
    expect(value(topKAccuracy(logits, targets, 1))).toBeCloseTo(0.6, 6);
    expect(value(topKAccuracy(logits, targets, 2))).toBeCloseTo(0.8, 6);
    expect(value(topKAccuracy(logits, targets, 3))).toBeCloseTo(1, 6);
    expect(value(topKAccuracy(logits, targets, 4))).toBe(1);
  });

  it('top-1 equals accuracy', () => {
    expect(value(topKAccuracy(logits, targets, 1))).toBe(value(accuracy(logits, targets)));
  });

  it('rejects bad k, shapes and dtypes', () => {
    expect(() => topKAccuracy(logits, targets, 0)).toThrow(ValueError);
    expect(() => topKAccuracy(logits, targets, 5)).toThrow(/k must be an integer in \[1, 4\]/);
    expect(() => topKAccuracy(logits, targets, 1.5)).toThrow(ValueError);
    expect(() => topKAccuracy(logits, i32([1, 2]), 1)).toThrow(ShapeError);
    expect(() => topKAccuracy(i32([[1, 2]]), i32([1]), 1)).toThrow(DTypeError);
    expect(() => topKAccuracy(logits, i32([1, 2, 3, 2, -1]), 1)).toThrow(IndexError);
  });
});

describe('confusionMatrix', () => {
  it('rows are targets, columns predictions', () => {
    // targets 0 0 1 1 1 2, predictions 0 1 1 1 2 0
    const cm = confusionMatrix(i32([0, 1, 1, 1, 2, 0]), i32([0, 0, 1, 1, 1, 2]), 3);
    expect(cm.dtype).toBe('int32');
    expect(cm.tolistSync()).toEqual([
      [1, 1, 0],
      [0, 2, 1],
      [1, 0, 0],
    ]);
  });

  it('from logits, with unused classes left at zero', () => {
    // predictions 1, 0, 3, 2, 0 vs targets 1, 2, 3, 2, 2
    expect(confusionMatrix(logits, targets, 4).tolistSync()).toEqual([
      [0, 0, 0, 0],
      [0, 1, 0, 0],
      [2, 0, 1, 0],
      [0, 0, 0, 1],
    ]);
  });

  it('multi-dimensional inputs are flattened; sums to the sample count', () => {
    const cm = confusionMatrix(
      i32([
        [0, 1],
        [1, 1],
      ]),
      i32([
        [0, 0],
        [1, 0],
      ]),
      2,
    );
    expect(cm.tolistSync()).toEqual([
      [1, 2],
      [0, 1],
    ]);
    expect(value(cm.sum())).toBe(4);
  });

  it('empty inputs give zeros', () => {
    const empty = tensor([], { dtype: 'int32' });
    expect(confusionMatrix(empty, empty, 2).tolistSync()).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it('rejects out-of-range classes, bad numClasses and mismatched logits', () => {
    expect(() => confusionMatrix(i32([0, 3]), i32([0, 1]), 3)).toThrow(IndexError);
    expect(() => confusionMatrix(i32([0, 1]), i32([0, -1]), 3)).toThrow(/targets must be class indices/);
    expect(() => confusionMatrix(i32([0, 1]), i32([0, 1]), 0)).toThrow(ValueError);
    expect(() => confusionMatrix(logits, targets, 5)).toThrow(ShapeError);
    expect(() => confusionMatrix(i32([0, 1]), i32([0, 1, 1]), 2)).toThrow(ShapeError);
  });
});
