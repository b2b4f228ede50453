import { type Tensor, tensor } from '@kindling/core';

/** Deterministic float64 values in [lo, hi) (xorshift), so tests do not depend on the global RNG. */
export function rnd(shape: number[], seed: number, lo = -2, hi = 2, requiresGrad = true): Tensor {
  let s = (seed * 2654435761) >>> 0 || 1;
  const n = shape.reduce((a, b) => a * b, 1);
  const vals = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    vals[i] = lo + ((s >>> 0) / 4294967296) * (hi - lo);
  }
  return tensor(vals, { dtype: 'float64', requiresGrad }).reshape(shape);
}

/** A float64 leaf that requires grad, from nested values. */
export function leaf(values: number[] | number[][] | number[][][] | number[][][][] | number): Tensor {
  return tensor(values as number[], { dtype: 'float64', requiresGrad: true });
}

/** An int32 index tensor. */
export function idx(values: number[] | number[][]): Tensor {
  return tensor(values as number[], { dtype: 'int32' });
}

/** `t`'s values as a flat array of numbers. */
export function vals(t: Tensor | null | undefined): number[] {
  if (!t) throw new Error('expected a tensor, got null');
  return Array.from(t.dataSync() as ArrayLike<number>);
}
