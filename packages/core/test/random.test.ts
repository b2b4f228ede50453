import { describe, expect, it } from 'vitest';
import {
  bernoulli,
  DTypeError,
  dropout,
  Generator,
  getRngState,
  initialSeed,
  KindlingError,
  manualSeed,
  multinomial,
  normal,
  normal_,
  rand,
  randint,
  randintLike,
  randLike,
  randn,
  randnLike,
  randperm,
  setRngState,
  ShapeError,
  type Tensor,
  tensor,
  uniform_,
  ValueError,
  zeros,
} from '@kindling/core';
import { mulhi32, philox4x32 } from '../src/random/philox.js';

const hex = (a: Uint32Array) => [...a].map((v) => v.toString(16).padStart(8, '0')).join(' ');
const ft = (d: number[]) => tensor(d, { dtype: 'float32' });
const vals = (t: Tensor) => Array.from(t.dataSync() as ArrayLike<number>);

function stats(v: ArrayLike<number>) {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i] - mean) ** 2;
  return { mean, variance: q / (v.length - 1) };
}

/** Pearson chi-square statistic of observed counts against expected probabilities. */
function chiSquare(counts: number[], probs: number[]): number {
  const n = counts.reduce((a, b) => a + b, 0);
  return counts.reduce((acc, c, i) => acc + (c - n * probs[i]) ** 2 / (n * probs[i]), 0);
}

function histogram(values: ArrayLike<number>, k: number): number[] {
  const counts = new Array<number>(k).fill(0);
  for (let i = 0; i < values.length; i++) counts[values[i]]++;
  return counts;
}

describe('Philox4x32-10', () => {
  // Known-answer vectors from Random123's kat_vectors (philox4x32_10).
  it('matches the Random123 known-answer vectors', () => {
    const out = new Uint32Array(4);
    philox4x32(0, 0, 0, 0, 0, 0, out);
    expect(hex(out)).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    const f = 0xffffffff;
    philox4x32(f, f, f, f, f, f, out);
    expect(hex(out)).toBe('408f276d 41c83b0e a20bc7c6 6d5451fd');
    philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, out);
    expect(hex(out)).toBe('d16cfe09 94fdcceb 5001e420 24126ea1');
  });

  it('computes the high word of 32x32-bit products exactly', () => {
    const cases = [
      [0, 0],
      [0xffffffff, 0xffffffff],
      [0xd2511f53, 0x12345678],
      [0xcd9e8d57, 0xdeadbeef],
      [1, 0xffffffff],
      [0x80000000, 0x80000000],
      [0xffff, 0x10001],
    ];
    for (const [a, b] of cases) {
      expect(mulhi32(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
    }
  });
});

describe('Generator', () => {
  it('reproduces draws exactly with the same seed', () => {
    manualSeed(123);
    const a = vals(rand([1000]));
    const b = vals(randn([3, 7]));
    manualSeed(123);
    expect(vals(rand([1000]))).toEqual(a);
    expect(vals(randn([3, 7]))).toEqual(b);
    expect(initialSeed()).toBe(123);
  });

  it('gives different streams for different seeds and successive draws', () => {
    manualSeed(1);
    const a = vals(rand([64]));
    const a2 = vals(rand([64]));
    manualSeed(2);
    const b = vals(rand([64]));
    expect(a).not.toEqual(b);
    expect(a).not.toEqual(a2);
    // 64-bit seeds: the high word of the key matters too.
    const hi = vals(rand([16], { generator: new Generator(2n ** 32n + 1n) }));
    const lo = vals(rand([16], { generator: new Generator(1) }));
    expect(hi).not.toEqual(lo);
  });

  it('follows the documented stream layout (element i: counter offset + i/4, lane i%4)', () => {
    const seed = 2 ** 32 * 3 + 5; // key = [5, 3]
    const g = new Generator(seed);
    const got = vals(rand([7], { generator: g }));
    expect(g.getState()).toEqual({ seed, offset: 2 });
    const buf = new Uint32Array(4);
    const want: number[] = [];
    for (let i = 0; i < 7; i++) {
      philox4x32(Math.floor(i / 4), 0, 0, 0, 5, 3, buf);
      want.push((buf[i % 4] >>> 8) * 2 ** -24);
    }
    expect(got).toEqual(want);
    // The next draw starts at counter 2.
    const next = vals(rand([1], { generator: g }));
    philox4x32(2, 0, 0, 0, 5, 3, buf);
    expect(next).toEqual([(buf[0] >>> 8) * 2 ** -24]);
    // float64 uniforms: element i uses counter i/2 and two lanes for 53 bits.
    const d = vals(rand([3], { dtype: 'float64', generator: new Generator(seed) }));
    philox4x32(1, 0, 0, 0, 5, 3, buf);
    expect(d[2]).toBe(((buf[0] >>> 5) * 2 ** 26 + (buf[1] >>> 6)) * 2 ** -53);
  });

  it('carries the block counter into its high word past 2^32', () => {
    const g = new Generator(1).setState({ seed: 1, offset: 2 ** 32 - 1 });
    const got = vals(rand([8], { generator: g }));
    expect(g.getState().offset).toBe(2 ** 32 + 1);
    const buf = new Uint32Array(4);
    philox4x32(0xffffffff, 0, 0, 0, 1, 0, buf);
    expect(got.slice(0, 4)).toEqual(Array.from(buf, (v) => (v >>> 8) * 2 ** -24));
    philox4x32(0, 1, 0, 0, 1, 0, buf);
    expect(got.slice(4)).toEqual(Array.from(buf, (v) => (v >>> 8) * 2 ** -24));
  });

  it('is invariant to chunking when chunks are whole Philox blocks', () => {
    const g = new Generator(7);
    const whole = vals(rand([16], { generator: g }));
    g.manualSeed(7);
    expect([...vals(rand([8], { generator: g })), ...vals(rand([8], { generator: g }))]).toEqual(whole);
    g.manualSeed(7);
    const wholeN = vals(randn([12], { generator: g }));
    g.manualSeed(7);
    expect([...vals(randn([4], { generator: g })), ...vals(randn([2, 4], { generator: g }))]).toEqual(wholeN);
    g.manualSeed(7);
    const whole64 = vals(randn([6], { dtype: 'float64', generator: g }));
    g.manualSeed(7);
    const parts = [
      ...vals(randn([2], { dtype: 'float64', generator: g })),
      ...vals(randn([4], { dtype: 'float64', generator: g })),
    ];
    expect(parts).toEqual(whole64);
  });

  it('does not disturb the default generator when drawing from another one', () => {
    manualSeed(5);
    const a = vals(rand([10]));
    manualSeed(5);
    const g = new Generator(99);
    rand([7], { generator: g });
    randn([3], { generator: g });
    randint(0, 5, [4], { generator: g });
    randperm(9, { generator: g });
    expect(vals(rand([10]))).toEqual(a);
  });

  it('saves and restores state', () => {
    manualSeed(11);
    rand([3]);
    const state = getRngState();
    const x = vals(randn([5]));
    setRngState(state);
    expect(vals(randn([5]))).toEqual(x);
    const g = new Generator();
    g.setState(state);
    expect(vals(randn([5], { generator: g }))).toEqual(x);
  });

  it('seeds non-deterministically with seed()', () => {
    const g = new Generator();
    const s = g.seed();
    expect(Number.isSafeInteger(s)).toBe(true);
    expect(g.initialSeed()).toBe(s);
    expect(g.getState().offset).toBe(0);
  });

  it('rejects bad seeds and states', () => {
    expect(() => manualSeed(-1)).toThrow(ValueError);
    expect(() => manualSeed(1.5)).toThrow(ValueError);
    expect(() => manualSeed(2n ** 64n)).toThrow(ValueError);
    expect(() => new Generator().setState({ seed: 1, offset: -1 })).toThrow(ValueError);
    expect(() => new Generator().setState(null as never)).toThrow(ValueError);
    expect(() => rand([2], { generator: {} as Generator })).toThrow(ValueError);
  });
});

describe('rand / randn', () => {
  it('has the right uniform statistics (100k samples, float32 and float64)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      manualSeed(2024);
      const x = rand([100, 1000], { dtype });
      expect(x.dtype).toBe(dtype);
      expect(x.shape).toEqual([100, 1000]);
      const v = x.dataSync() as Float32Array;
      let min = 1;
      let max = 0;
      for (const u of v) {
        min = Math.min(min, u);
        max = Math.max(max, u);
      }
      expect(min).toBeGreaterThanOrEqual(0);
      expect(max).toBeLessThan(1);
      const s = stats(v);
      expect(Math.abs(s.mean - 0.5)).toBeLessThan(0.005); // ~5.5 standard errors
      expect(Math.abs(s.variance - 1 / 12)).toBeLessThan(0.002);
    }
  });

  it('has the right normal statistics (100k samples, float32 and float64)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      manualSeed(77);
      const v = randn([100000], { dtype }).dataSync();
      const s = stats(v);
      expect(Math.abs(s.mean)).toBeLessThan(0.02);
      expect(Math.abs(s.variance - 1)).toBeLessThan(0.03);
      let within1 = 0;
      for (const z of v) if (Math.abs(z) < 1) within1++;
      expect(Math.abs(within1 / v.length - 0.6827)).toBeLessThan(0.01);
    }
  });

  it('handles empty, 0-d and storage-only dtypes, and likes', () => {
    expect(rand([0, 3]).shape).toEqual([0, 3]);
    expect(randn([]).shape).toEqual([]);
    const h = rand([5], { dtype: 'float16' });
    expect(h.dtype).toBe('float16');
    for (const u of h.dataSync()) expect(u >= 0 && u <= 1).toBe(true);
    const x = zeros([2, 3], { dtype: 'float64' });
    expect(randLike(x).dtype).toBe('float64');
    expect(randnLike(x).shape).toEqual([2, 3]);
    expect(randLike(x, { dtype: 'float32' }).dtype).toBe('float32');
  });

  it('rejects bad shapes and non-floating dtypes', () => {
    expect(() => rand([-1])).toThrow(ValueError);
    expect(() => randn([2.5])).toThrow(ValueError);
    expect(() => rand([2], { dtype: 'int32' })).toThrow(DTypeError);
    expect(() => randn([2], { dtype: 'bool' })).toThrow(DTypeError);
    expect(() => randLike(tensor([1, 2]))).toThrow(DTypeError);
  });
});

describe('randint', () => {
  it('is uniform over [low, high) (chi-square, 100k samples)', () => {
    manualSeed(3);
    const x = randint(0, 10, [100000]);
    expect(x.dtype).toBe('int32');
    const v = x.dataSync();
    for (const k of v) expect(k >= 0 && k < 10).toBe(true);
    // 9 degrees of freedom: P(chi2 > 45) < 1e-6.
    expect(chiSquare(histogram(v, 10), new Array(10).fill(0.1))).toBeLessThan(45);
  });

  it('supports a negative low, the (high, shape) form, wide ranges, float dtypes and likes', () => {
    manualSeed(4);
    const a = randint(-5, 5, [2000]).dataSync();
    expect(Math.min(...a)).toBe(-5);
    expect(Math.max(...a)).toBe(4);
    const b = randint(3, [4, 5]);
    expect(b.shape).toEqual([4, 5]);
    for (const k of b.dataSync()) expect(k >= 0 && k < 3).toBe(true);
    const wide = randint(-(2 ** 31), 2 ** 31 - 1, [1000]).dataSync();
    let neg = 0;
    for (const k of wide) if (k < 0) neg++;
    expect(neg).toBeGreaterThan(400);
    expect(neg).toBeLessThan(600);
    const big = randint(1_000_000_000, 1_000_000_010, [500]).dataSync();
    for (const k of big) expect(k >= 1_000_000_000 && k < 1_000_000_010).toBe(true);
    const f = randint(0, 4, [100], { dtype: 'float32' });
    expect(f.dtype).toBe('float32');
    for (const k of f.dataSync()) expect(Number.isInteger(k) && k >= 0 && k < 4).toBe(true);
    const like = randintLike(zeros([2, 2]), 7);
    expect(like.dtype).toBe('float32');
    for (const k of like.dataSync()) expect(k >= 0 && k < 7).toBe(true);
    const bits = randint(0, 2, [50], { dtype: 'bool' });
    expect(bits.dtype).toBe('bool');
  });

  it('rejects bad bounds', () => {
    expect(() => randint(5, 5, [2])).toThrow(ValueError);
    expect(() => randint(0, 2.5, [2])).toThrow(ValueError);
    expect(() => randint(0, 2 ** 31 + 5, [2])).toThrow(ValueError);
    expect(() => randint(0, 3, [2], { dtype: 'bool' })).toThrow(ValueError);
    expect(() => randint(0, 3, [-2])).toThrow(ValueError);
  });
});

describe('randperm', () => {
  it('returns a permutation, reproducibly', () => {
    manualSeed(9);
    const p = randperm(1000);
    expect(p.dtype).toBe('int32');
    const v = Array.from(p.dataSync());
    expect([...v].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(v).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
    manualSeed(9);
    expect(Array.from(randperm(1000).dataSync())).toEqual(v);
    expect(randperm(0).shape).toEqual([0]);
    expect(Array.from(randperm(1).dataSync())).toEqual([0]);
    expect(randperm(4, { dtype: 'float32' }).dtype).toBe('float32');
  });

  it('puts each element in each position uniformly (chi-square)', () => {
    const g = new Generator(10);
    const counts = new Array<number>(4).fill(0);
    for (let r = 0; r < 4000; r++) counts[Array.from(randperm(4, { generator: g }).dataSync()).indexOf(0)]++;
    expect(chiSquare(counts, [0.25, 0.25, 0.25, 0.25])).toBeLessThan(30);
  });

  it('rejects bad sizes', () => {
    expect(() => randperm(-1)).toThrow(ValueError);
    expect(() => randperm(2.5)).toThrow(ValueError);
    expect(() => randperm(3, { dtype: 'bool' })).toThrow(ValueError);
  });
});

describe('bernoulli', () => {
  it('draws 1 with probability p', () => {
    manualSeed(12);
    const x = bernoulli(0.3, [100000]);
    expect(x.dtype).toBe('float32');
    const v = x.dataSync();
    for (const b of v) expect(b === 0 || b === 1).toBe(true);
    expect(Math.abs(stats(v).mean - 0.3)).toBeLessThan(0.007); // ~5 standard errors
  });

  it('takes a probability tensor (with broadcasting to a shape) and exact 0/1', () => {
    const p = tensor([0, 1, 0.5], { dtype: 'float64' });
    const x = bernoulli(p);
    expect(x.dtype).toBe('float64');
    expect(x.shape).toEqual([3]);
    const big = bernoulli(p, [4000, 3]).dataSync();
    let ones = 0;
    for (let i = 0; i < 4000; i++) {
      expect(big[i * 3]).toBe(0);
      expect(big[i * 3 + 1]).toBe(1);
      ones += big[i * 3 + 2];
    }
    expect(Math.abs(ones / 4000 - 0.5)).toBeLessThan(0.04);
    expect(bernoulli(0.5, [3], { dtype: 'bool' }).dtype).toBe('bool');
  });

  it('rejects probabilities outside [0, 1] and bad shapes', () => {
    expect(() => bernoulli(1.5, [2])).toThrow(ValueError);
    expect(() => bernoulli(Number.NaN, [2])).toThrow(ValueError);
    expect(() => bernoulli(tensor([0.5, -0.1]))).toThrow(ValueError);
    expect(() => bernoulli(tensor([1, 0]))).toThrow(DTypeError);
    expect(() => bernoulli(tensor([0.5, 0.5]), [3])).toThrow(ShapeError);
  });
});

describe('multinomial', () => {
  it('samples with replacement in proportion to the weights (chi-square)', () => {
    manualSeed(13);
    const s = multinomial(ft([1, 2, 0, 3, 4]), 100000, { replacement: true });
    expect(s.dtype).toBe('int32');
    expect(s.shape).toEqual([100000]);
    const counts = histogram(s.dataSync(), 5);
    expect(counts[2]).toBe(0);
    const kept = [counts[0], counts[1], counts[3], counts[4]];
    expect(chiSquare(kept, [0.1, 0.2, 0.3, 0.4])).toBeLessThan(30); // 3 dof: P(> 30) < 1e-6
  });

  it('samples without replacement: no repeats, first draw proportional to the weights', () => {
    manualSeed(14);
    const rows = 20000;
    const probs = tensor(Array.from({ length: rows }, () => [0.1, 0.2, 0.3, 0.4, 0]));
    const s = multinomial(probs, 4);
    expect(s.shape).toEqual([rows, 4]);
    const v = s.dataSync();
    const first = new Array<number>(5).fill(0);
    for (let r = 0; r < rows; r++) {
      const row = Array.from(v.subarray(r * 4, r * 4 + 4));
      expect(new Set(row).size).toBe(4);
      expect(row.includes(4)).toBe(false);
      first[row[0]]++;
    }
    expect(chiSquare(first.slice(0, 4), [0.1, 0.2, 0.3, 0.4])).toBeLessThan(30);
    const perm = Array.from(multinomial(ft([1, 1, 1]), 3).dataSync()).sort();
    expect(perm).toEqual([0, 1, 2]);
  });

  it('rejects bad distributions and arguments', () => {
    expect(() => multinomial(tensor([0.5, 0.5]), 3)).toThrow(ValueError);
    expect(() => multinomial(tensor([0.5, 0, 0]), 2)).toThrow(ValueError);
    expect(() => multinomial(tensor([0.5, -0.5]), 1)).toThrow(ValueError);
    expect(() => multinomial(tensor([0.5, Number.NaN]), 1)).toThrow(ValueError);
    expect(() => multinomial(ft([0, 0]), 1, { replacement: true })).toThrow(ValueError);
    expect(() => multinomial(tensor([0.5, 0.5]), 0)).toThrow(ValueError);
    expect(() => multinomial(zeros([2, 2, 2]), 1)).toThrow(ShapeError);
    expect(() => multinomial(tensor([1, 2]), 1)).toThrow(DTypeError);
  });
});

describe('normal and in-place fills', () => {
  it('draws with a given mean and std', () => {
    manualSeed(15);
    const v = normal(3, 2, [100000]).dataSync();
    const s = stats(v);
    expect(Math.abs(s.mean - 3)).toBeLessThan(0.04);
    expect(Math.abs(s.variance - 4)).toBeLessThan(0.12);
    const m = tensor([0, 100, -100]);
    const t = normal(m, 0.5);
    expect(t.shape).toEqual([3]);
    const tv = t.dataSync();
    for (let i = 0; i < 3; i++) expect(Math.abs(tv[i] - [0, 100, -100][i])).toBeLessThan(4);
    expect(normal(m, tensor([[1], [2]])).shape).toEqual([2, 3]);
    expect(normal(0, tensor([0, 0])).dataSync()).toEqual(new Float32Array([0, 0]));
  });

  it('rejects negative std and a missing shape', () => {
    expect(() => normal(0, -1, [2])).toThrow(ValueError);
    expect(() => normal(0, tensor([1, -1]))).toThrow(ValueError);
    expect(() => normal(0, 1)).toThrow(ValueError);
  });

  it('fills tensors and strided views in place', () => {
    const base = zeros([4, 6]);
    const view = base.narrow(1, 0, 3);
    expect(uniform_(view, 2, 3)).toBe(view);
    const rows = base.tolistSync() as number[][];
    for (const r of rows) {
      for (let j = 0; j < 6; j++) {
        if (j < 3) expect(r[j] >= 2 && r[j] < 3).toBe(true);
        else expect(r[j]).toBe(0);
      }
    }
    manualSeed(16);
    const x = normal_(zeros([50000], { dtype: 'float64' }), -1, 0.5);
    const s = stats(x.dataSync());
    expect(Math.abs(s.mean + 1)).toBeLessThan(0.02);
    expect(Math.abs(s.variance - 0.25)).toBeLessThan(0.02);
    expect(() => uniform_(zeros([2]), 1, 0)).toThrow(ValueError);
    expect(() => normal_(zeros([2]), 0, -1)).toThrow(ValueError);
    expect(() => uniform_(tensor([1, 2]))).toThrow(DTypeError);
  });
});

describe('dropout', () => {
  it('zeroes with probability p and scales the rest by 1/(1-p)', () => {
    manualSeed(17);
    const x = rand([100000], { generator: new Generator(1) }).add(1);
    const y = dropout(x, 0.25);
    const xv = x.dataSync();
    const yv = y.dataSync();
    let zeros = 0;
    for (let i = 0; i < xv.length; i++) {
      if (yv[i] === 0) zeros++;
      else expect(yv[i]).toBe(Math.fround(xv[i] * Math.fround(1 / 0.75)));
    }
    expect(Math.abs(zeros / xv.length - 0.25)).toBeLessThan(0.007);
    manualSeed(17);
    expect(Array.from(dropout(x, 0.25).dataSync())).toEqual(Array.from(yv));
  });

  it('is the identity when not training or p = 0, and zero when p = 1', () => {
    const x = ft([1, 2, 3]);
    expect(dropout(x, 0.5, { training: false })).toBe(x);
    expect(dropout(x, 0)).toBe(x);
    expect(Array.from(dropout(x, 1).dataSync())).toEqual([0, 0, 0]);
  });

  it('rejects p outside [0, 1] and non-floating inputs', () => {
    expect(() => dropout(tensor([1.5]), -0.1)).toThrow(ValueError);
    expect(() => dropout(tensor([1.5]), 1.5)).toThrow(ValueError);
    expect(() => dropout(tensor([1, 2]), 0.5)).toThrow(DTypeError);
    expect(() => dropout(tensor([1, 2]), Number.NaN)).toThrow(KindlingError);
  });
});
