import { describe, expect, it } from 'vitest';
import { add, arange, tensor, ShapeError } from '@kindling/core';

describe('smoke', () => {
  it('adds with broadcasting', () => {
    const a = tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      { dtype: 'float32' },
    );
    const b = tensor([10, 20, 30]);
    expect(add(a, b).tolistSync()).toEqual([
      [11, 22, 33],
      [14, 25, 36],
    ]);
    expect(a.t().mul(2).tolistSync()).toEqual([
      [2, 8],
      [4, 10],
      [6, 12],
    ]);
    expect(arange(6).reshape(2, 3).transpose(0, 1).contiguous().tolistSync()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    expect(() => add(a, tensor([1, 2]))).toThrow(ShapeError);
    console.log(String(a.t()), String(arange(5).div(3)));
  });
});
