import { describe, expect, it } from 'vitest';
import * as K from '@kindling/core';
import { goldenTests, type Impl, loadFixture } from './helpers/golden.js';

type A = Record<string, any>;
type Op = (x: K.Tensor, a: A) => ReturnType<Impl>;

/** Views applied to input `x` before the op; identical to PRE in tools/golden/core_reduce.py. */
const PRE: Record<string, (x: K.Tensor) => K.Tensor> = {
  t: (x) => x.t(),
  tr02: (x) => x.transpose(0, 2),
  step2: (x) => x.index([K.sliceOf(), K.sliceOf(null, null, 2)]),
  bcast: (x) => x.unsqueeze(0).expand([3, ...x.shape]),
};

const kd = (a: A) => ({ keepdim: a.keepdim });
const OPS: Record<string, Op> = {
  sum: (x, a) => K.sum(x, a.dim, { keepdim: a.keepdim, dtype: a.dtype }),
  mean: (x, a) => K.mean(x, a.dim, kd(a)),
  prod: (x, a) => K.prod(x, a.dim, kd(a)),
  amax: (x, a) => K.amax(x, a.dim, kd(a)),
  amin: (x, a) => K.amin(x, a.dim, kd(a)),
  max: (x, a) => (a.dim === undefined ? K.max(x) : K.max(x, a.dim, kd(a))),
  min: (x, a) => (a.dim === undefined ? K.min(x) : K.min(x, a.dim, kd(a))),
  argmax: (x, a) => K.argmax(x, a.dim, kd(a)),
  argmin: (x, a) => K.argmin(x, a.dim, kd(a)),
  var: (x, a) => K.variance(x, a.dim, { keepdim: a.keepdim, correction: a.correction }),
  std: (x, a) => K.std(x, a.dim, { keepdim: a.keepdim, correction: a.correction }),
  norm: (x, a) => K.norm(x, a.fro ? 'fro' : a.p, a.dim, kd(a)),
  logsumexp: (x, a) => K.logsumexp(x, a.dim, kd(a)),
  softmax: (x, a) => K.softmax(x, a.dim),
  logSoftmax: (x, a) => K.logSoftmax(x, a.dim),
  cumsum: (x, a) => K.cumsum(x, a.dim),
  cumprod: (x, a) => K.cumprod(x, a.dim),
  all: (x, a) => K.all(x, a.dim, kd(a)),
  any: (x, a) => K.any(x, a.dim, kd(a)),
};

// The fixture names its op in attrs; string attrs (op, pre, dtype) are taken raw, since the
// harness decodes strings as numbers ('nan', 'inf').
const impls: Record<string, Impl> = {};
for (const [name, c] of Object.entries(loadFixture('core_reduce'))) {
  const raw = c.attrs as Record<string, unknown>;
  const op = OPS[raw.op as string];
  if (!op) continue; // reported by the "every case has an implementation" test
  const pre = raw.pre === undefined ? undefined : PRE[raw.pre as string];
  impls[name] = ({ x }, attrs) => op(pre ? pre(x) : x, { ...attrs, dtype: raw.dtype as K.DType | undefined });
}

describe('reductions match PyTorch 1.13', () => {
  goldenTests('core_reduce', impls, (name) =>
    name.startsWith('prod_') || name.startsWith('cumprod_') ? { rtol: 2e-5, atol: 1e-6 } : {},
  );
});

describe('reduction details', () => {
  const m = K.tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);

  it('Tensor methods reach the reductions', () => {
    expect(m.sum(0).tolistSync()).toEqual([5, 7, 9]);
    expect(m.sum(1, { keepdim: true }).tolistSync()).toEqual([[6], [15]]);
    expect(m.float().mean().itemSync()).toBe(3.5);
    expect(m.prod(1).tolistSync()).toEqual([6, 120]);
    const { values, indices } = m.max(1);
    expect(values.tolistSync()).toEqual([3, 6]);
    expect(indices.tolistSync()).toEqual([2, 2]);
    expect(m.min().itemSync()).toBe(1);
    expect(m.argmin(1).tolistSync()).toEqual([0, 0]);
    expect(m.amax([0, 1]).itemSync()).toBe(6);
    expect(m.float().var(1).tolistSync()).toEqual([1, 1]);
    expect(m.float().std(undefined, { correction: 0 }).itemSync()).toBeCloseTo(Math.sqrt(35 / 12), 6);
    expect(K.tensor([3, 4]).float().norm().itemSync()).toBe(5);
    expect(m.cumsum(1).tolistSync()).toEqual([
      [1, 3, 6],
      [4, 9, 15],
    ]);
    expect(m.cumprod(0).tolistSync()).toEqual([
      [1, 2, 3],
      [4, 10, 18],
    ]);
    expect(m.gt(1).all(1).tolistSync()).toEqual([false, true]);
    expect(m.gt(5).any().itemSync()).toBe(true);
    for (const v of m.float().softmax(1).sum(1).dataSync()) expect(v).toBeCloseTo(1, 6);
  });

  it('keeps int32 sums exact and wrapping like int32', () => {
    const big = K.full([4], 2 ** 30, { dtype: 'int32' });
    expect(big.sum().itemSync()).toBe(0); // 2^32 wraps to 0 in int32
    expect(K.tensor([65536, 65536], { dtype: 'int32' }).prod().itemSync()).toBe(0);
  });

  it('returns the dtypes PyTorch returns', () => {
    const b = K.tensor([true, false, true]);
    expect(b.sum().dtype).toBe('int32');
    expect(b.cumsum(0).dtype).toBe('int32');
    expect(b.any().dtype).toBe('bool');
    expect(m.argmax().dtype).toBe('int32');
    expect(m.max(0).indices.dtype).toBe('int32');
    expect(m.logsumexp(1).dtype).toBe('float32');
    expect(m.float().sum(undefined, { dtype: 'float64' }).dtype).toBe('float64');
  });

  it('errors name the op and the problem', () => {
    expect(() => K.max(K.zeros([0, 2]))).toThrow(/max: .*empty/);
    expect(() => K.amax(K.zeros([0, 2]), 0)).toThrow(K.IndexError);
    expect(() => K.mean(m)).toThrow(/mean: .*int32/);
    expect(() => K.sum(m, 5)).toThrow(K.IndexError);
    expect(() => K.softmax(m, 1)).toThrow(K.DTypeError);
    expect(() => K.sum(K.zeros([2], { dtype: 'float16' }))).toThrow(K.DTypeError);
  });

  it('reduces a large contiguous tensor along every layout path', () => {
    // Values chosen so every partial sum is an exact float32 integer: sum(i*j) over a grid.
    const rows = 300;
    const cols = 257;
    const x = K.arange(0, rows * cols)
      .remainder(7)
      .reshape([rows, cols]);
    const total = Array.from({ length: rows * cols }, (_, i) => i % 7).reduce((s, v) => s + v, 0);
    expect(x.sum().itemSync()).toBe(total);
    const colSums = x.sum(0).dataSync();
    const rowSums = x.sum(1).dataSync();
    const tColSums = x.t().sum(1).dataSync();
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let i = 0; i < rows; i++) s += (i * cols + j) % 7;
      expect(colSums[j]).toBe(s);
      expect(tColSums[j]).toBe(s);
    }
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += (i * cols + j) % 7;
      expect(rowSums[i]).toBe(s);
    }
  });
});
