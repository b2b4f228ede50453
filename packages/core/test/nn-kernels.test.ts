import { describe, expect, it } from 'vitest';
import * as K from '@kindling/core';
import { goldenTests } from './helpers/golden.js';
import { impls } from './impls/nn-kernels.js';

describe('nn kernels (golden)', () => {
  goldenTests('core_nn', impls);
});

describe('unfold / fold are adjoint', () => {
  it('<unfold(x), y> == <x, fold(y)> with padding, stride and dilation (float64)', () => {
    K.manualSeed(3);
    const x = K.randn([2, 3, 7, 6], { dtype: 'float64' });
    const o = { dilation: [2, 1], padding: [1, 2], stride: [2, 3] };
    const cols = K.unfold(x, [3, 2], o);
    const y = K.randn(cols.shape, { dtype: 'float64' });
    const lhs = K.sum(K.mul(cols, y)).itemSync() as number;
    const rhs = K.sum(K.mul(x, K.fold(y, [7, 6], [3, 2], o))).itemSync() as number;
    expect(Math.abs(lhs - rhs)).toBeLessThan(1e-9 * Math.max(1, Math.abs(lhs)));
  });
});

describe('maxPool2d indices', () => {
  it('gather the values from the flattened input plane', () => {
    K.manualSeed(4);
    const x = K.randn([2, 3, 7, 8]);
    const { values, indices } = K.maxPool2d(x, 3, {
      stride: 2,
      padding: 1,
      ceilMode: true,
      returnIndices: true,
    });
    expect(indices.dtype).toBe('int32');
    const picked = K.gather(x.reshape([2, 3, -1]), 2, indices.reshape([2, 3, -1])).reshape(values.shape);
    expect(Array.from(picked.dataSync())).toEqual(Array.from(values.dataSync()));
  });
});

describe('scaledDotProductAttention dropout', () => {
  it('dropoutP 1 zeroes the attention weights; dropoutP 0 changes nothing', () => {
    K.manualSeed(5);
    const q = K.randn([2, 4, 3]);
    const k = K.randn([2, 5, 3]);
    const v = K.randn([2, 5, 2]);
    const none = K.scaledDotProductAttention(q, k, v);
    const zero = K.scaledDotProductAttention(q, k, v, { dropoutP: 0 });
    expect(Array.from(zero.dataSync())).toEqual(Array.from(none.dataSync()));
    const all = K.scaledDotProductAttention(q, k, v, { dropoutP: 1 });
    expect(Array.from(all.dataSync()).every((e) => e === 0)).toBe(true);
  });
  it('dropoutP 0.5 keeps each weight with scale 2 or drops it', () => {
    K.manualSeed(6);
    const q = K.zeros([1, 64, 8]);
    const k = K.zeros([1, 64, 8]);
    const v = K.eye(64).reshape([1, 64, 64]);
    // Uniform scores: every weight is 1/64, so the output is the (dropped-out) weight matrix.
    const w = Array.from(K.scaledDotProductAttention(q, k, v, { dropoutP: 0.5 }).dataSync());
    expect(w.every((e) => e === 0 || Math.abs(e - 2 / 64) < 1e-7)).toBe(true);
    const kept = w.filter((e) => e !== 0).length / w.length;
    expect(kept).toBeGreaterThan(0.45);
    expect(kept).toBeLessThan(0.55);
  });
});

describe('argument errors', () => {
  const x = K.randn([1, 2, 5, 5]);
  it('name the op and what was expected', () => {
    expect(() => K.conv2d(x, K.randn([3, 3, 3, 3]))).toThrow(
      /conv2d: .*in_channels.*got input of shape \[1, 2, 5, 5\] with 2 channels/,
    );
    expect(() => K.conv2d(x, K.randn([3, 2, 3, 3]), null, { padding: 'full' as 'same' })).toThrow(
      K.ValueError,
    );
    expect(() => K.maxPool2d(x, 2, { dilation: 0 })).toThrow(K.ValueError);
    expect(() => K.unfold(K.randn([1, 1, 3, 3]).to('bool'), 2)).toThrow(K.DTypeError);
    expect(() => K.embedding(K.tensor([1], { dtype: 'int32' }), K.randn([4]))).toThrow(K.ShapeError);
    expect(() =>
      K.scaledDotProductAttention(K.randn([2, 3]), K.randn([2, 3]), K.randn([2, 3]), {
        isCausal: true,
        attnMask: K.ones([2, 2]),
      }),
    ).toThrow(K.ValueError);
  });
});

describe('embedding paddingIdx', () => {
  it('keeps the looked-up values', () => {
    const w = K.arange(0, 12).reshape([4, 3]).to('float32');
    const out = K.embedding(
      K.tensor(
        [
          [0, 2],
          [2, 3],
        ],
        { dtype: 'int32' },
      ),
      w,
      { paddingIdx: 2 },
    );
    expect(out.tolistSync()).toEqual([
      [
        [0, 1, 2],
        [6, 7, 8],
      ],
      [
        [6, 7, 8],
        [9, 10, 11],
      ],
    ]);
  });
});
