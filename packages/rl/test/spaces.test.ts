import { ShapeError, tensor, ValueError } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import {
  Box,
  batchSpace,
  concatenate,
  createEmptyArray,
  Dict,
  Discrete,
  iterate,
  MultiBinary,
  MultiDiscrete,
  Rng,
  toTensor,
  Tuple,
} from '../src/index.js';

function draws<T>(n: number, f: () => T): T[] {
  return Array.from({ length: n }, f);
}

describe('Rng', () => {
  it('is reproducible per seed and distinct across seeds', () => {
    const a = new Rng(3);
    const b = new Rng(3);
    const c = new Rng(4);
    const xa = draws(600, () => a.next());
    expect(draws(600, () => b.next())).toEqual(xa);
    expect(draws(600, () => c.next())).not.toEqual(xa);
    expect(xa.every((v) => v >= 0 && v < 1)).toBe(true);
  });

  it('has the right moments for uniform, normal and exponential draws', () => {
    const r = new Rng(11);
    const n = 20000;
    const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
    const u = draws(n, () => r.uniform(-2, 4));
    expect(Math.abs(mean(u) - 1)).toBeLessThan(0.05);
    const z = draws(n, () => r.normal());
    expect(Math.abs(mean(z))).toBeLessThan(0.03);
    expect(Math.abs(mean(z.map((v) => v * v)) - 1)).toBeLessThan(0.04);
    const e = draws(n, () => r.exponential());
    expect(Math.abs(mean(e) - 1)).toBeLessThan(0.04);
    expect(e.every((v) => v >= 0)).toBe(true);
    const k = draws(n, () => r.integers(-1, 2));
    expect(new Set(k)).toEqual(new Set([-1, 0, 1]));
  });

  it('rejects bad seeds', () => {
    expect(() => new Rng(-1)).toThrow(ValueError);
    expect(() => new Rng(1.5)).toThrow(ValueError);
  });
});

describe('Box', () => {
  it('casts bounds to its dtype and infers its shape', () => {
    const b = new Box([-1, -2], [1, 2]);
    expect(b.shape).toEqual([2]);
    expect(b.dtype).toBe('float32');
    expect(b.low).toBeInstanceOf(Float32Array);
    const c = new Box(-0.1, 0.1, { shape: [2, 3] });
    expect(Array.from(c.high)).toEqual(new Array(6).fill(Math.fround(0.1)));
    expect(new Box(0, 1).shape).toEqual([1]);
    expect(c.toString()).toBe('Box(-0.1, 0.1, (2, 3), float32)');
    expect(new Box(-1, 1, { shape: [3] }).toString()).toBe('Box(-1.0, 1.0, (3,), float32)');
  });

  it('samples bounded coordinates uniformly within the bounds', () => {
    const b = new Box([-1, 0, 10], [1, 0, 20], { seed: 0 });
    const xs = draws(2000, () => b.sample());
    for (const x of xs) {
      expect(x).toBeInstanceOf(Float32Array);
      expect(b.contains(x)).toBe(true);
      expect(x[1]).toBe(0);
    }
    const m = xs.reduce((s, x) => s + x[2], 0) / xs.length;
    expect(Math.abs(m - 15)).toBeLessThan(0.3);
  });

  it('samples unbounded (normal), half-bounded (shifted exponential) coordinates as Gymnasium', () => {
    const b = new Box([-Infinity, 2, -Infinity], [Infinity, Infinity, -3], { dtype: 'float64', seed: 1 });
    expect(b.isBounded()).toBe(false);
    expect(b.isBounded('below')).toBe(false);
    const xs = draws(5000, () => b.sample());
    const mean = (j: number) => xs.reduce((s, x) => s + x[j], 0) / xs.length;
    expect(Math.abs(mean(0))).toBeLessThan(0.05);
    expect(xs.every((x) => x[1] >= 2 && x[2] <= -3)).toBe(true);
    expect(Math.abs(mean(1) - 3)).toBeLessThan(0.06); // 2 + Exp(1)
    expect(Math.abs(mean(2) + 4)).toBeLessThan(0.06); // -3 - Exp(1)
  });

  it('samples integer boxes on [low, high] inclusive', () => {
    const b = new Box(0, 3, { shape: [4], dtype: 'int32', seed: 2 });
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) for (const v of b.sample()) seen.add(v);
    expect([...seen].sort()).toEqual([0, 1, 2, 3]);
    const u = new Box(0, 255, { shape: [2], dtype: 'uint8' });
    expect(u.sample()).toBeInstanceOf(Uint8Array);
    const unbounded = new Box(-Infinity, Infinity, { shape: [1], dtype: 'int32' });
    expect(unbounded.low[0]).toBe(-(2 ** 31));
    expect(unbounded.isBounded()).toBe(false);
    expect(Number.isInteger(unbounded.sample()[0])).toBe(true);
  });

  it('is reproducible under seed()', () => {
    const b = new Box(-1, 1, { shape: [3] });
    b.seed(42);
    const a = draws(5, () => Array.from(b.sample()));
    b.seed(42);
    expect(draws(5, () => Array.from(b.sample()))).toEqual(a);
    expect(new Box(-1, 1, { shape: [3], seed: 42 }).sample()).toEqual(Float32Array.from(a[0]));
  });

  it('checks membership', () => {
    const b = new Box([-1, -1], [1, 1]);
    expect(b.contains([0, 1])).toBe(true);
    expect(b.contains(Float64Array.of(0.5, -0.5))).toBe(true);
    expect(b.contains([0, 1.5])).toBe(false);
    expect(b.contains([0, Number.NaN])).toBe(false);
    expect(b.contains([0])).toBe(false);
    expect(b.contains(0)).toBe(false);
    expect(b.contains(tensor([0, 0]))).toBe(false);
    expect(new Box(0, 3, { shape: [1], dtype: 'int32' }).contains([1.5])).toBe(false);
    expect(() => b.check([0], 'op')).toThrow(ShapeError);
    expect(() => b.check([0, 2], 'op')).toThrow(/element 1 = 2 is outside \[-1, 1\]/);
    expect(() => b.check(tensor([0, 0]), 'op')).toThrow(/dataSync/);
  });

  it('rejects bad bounds', () => {
    expect(() => new Box(1, 0)).toThrow(ValueError);
    expect(() => new Box([0, 0], [1])).toThrow(ValueError);
    expect(() => new Box(Number.NaN, 1)).toThrow(ValueError);
    expect(() => new Box(-1, 1, { shape: [2], dtype: 'uint8' })).toThrow(ValueError);
    expect(() => new Box(0.5, 1, { shape: [1], dtype: 'int32' })).toThrow(ValueError);
    expect(() => new Box(0, 1, { shape: [-1] })).toThrow(ValueError);
  });

  it('compares by shape, dtype and bounds', () => {
    expect(new Box(-1, 1, { shape: [2] }).equals(new Box([-1, -1], [1, 1]))).toBe(true);
    expect(new Box(-1, 1, { shape: [2] }).equals(new Box(-1, 1, { shape: [2], dtype: 'float64' }))).toBe(
      false,
    );
    expect(new Box(-1, 1, { shape: [2] }).equals(new Box(-1, 2, { shape: [2] }))).toBe(false);
  });
});

describe('Discrete', () => {
  it('samples in [start, start + n) and checks membership', () => {
    const d = new Discrete(3, { start: -1, seed: 0 });
    const xs = draws(600, () => d.sample());
    expect(new Set(xs)).toEqual(new Set([-1, 0, 1]));
    expect(d.contains(-1)).toBe(true);
    expect(d.contains(2)).toBe(false);
    expect(d.contains(0.5)).toBe(false);
    expect(d.contains([0])).toBe(false);
    expect(d.toString()).toBe('Discrete(3, start=-1)');
    expect(new Discrete(2).toString()).toBe('Discrete(2)');
    expect(() => d.check([0], 'op')).toThrow(ShapeError);
    expect(() => d.check(5, 'op')).toThrow(ValueError);
    expect(() => new Discrete(0)).toThrow(ValueError);
  });

  it('samples under a mask and with probabilities', () => {
    const d = new Discrete(4, { seed: 1 });
    const masked = draws(300, () => d.sample({ mask: [0, 1, 0, 1] }));
    expect(new Set(masked)).toEqual(new Set([1, 3]));
    expect(d.sample({ mask: [0, 0, 0, 0] })).toBe(0);
    const p = draws(4000, () => d.sample({ probability: [0.1, 0, 0.6, 0.3] }));
    expect(p.includes(1)).toBe(false);
    expect(Math.abs(p.filter((v) => v === 2).length / 4000 - 0.6)).toBeLessThan(0.03);
    expect(() => d.sample({ mask: [1, 0] })).toThrow(ValueError);
    expect(() => d.sample({ probability: [0.5, 0.5, 0.5, 0.5] })).toThrow(ValueError);
  });

  it('is reproducible under seed()', () => {
    const d = new Discrete(100);
    d.seed(9);
    const a = draws(20, () => d.sample());
    d.seed(9);
    expect(draws(20, () => d.sample())).toEqual(a);
  });
});

describe('MultiDiscrete and MultiBinary', () => {
  it('MultiDiscrete samples each coordinate in its range', () => {
    const m = new MultiDiscrete([2, 3, 5], { start: [0, -1, 10], seed: 3 });
    for (let i = 0; i < 300; i++) {
      const x = m.sample();
      expect(x).toBeInstanceOf(Int32Array);
      expect(m.contains(x)).toBe(true);
    }
    expect(m.contains([1, 1, 14])).toBe(true);
    expect(m.contains([2, 0, 10])).toBe(false);
    expect(m.contains([0, 0])).toBe(false);
    expect(m.toString()).toBe('MultiDiscrete([2 3 5], start=[0 -1 10])');
    expect(() => new MultiDiscrete([2, 0])).toThrow(ValueError);
    const grid = new MultiDiscrete([2, 2, 3, 3], { shape: [2, 2] });
    expect(grid.shape).toEqual([2, 2]);
  });

  it('MultiBinary samples 0/1 arrays of its shape', () => {
    const b = new MultiBinary([2, 3], { seed: 4 });
    const x = b.sample();
    expect(x).toBeInstanceOf(Int8Array);
    expect(x.length).toBe(6);
    expect(b.contains([0, 1, 1, 0, 0, 1])).toBe(true);
    expect(b.contains([0, 2, 1, 0, 0, 1])).toBe(false);
    expect(b.contains([0, 1])).toBe(false);
    const ones = draws(1000, () => new MultiBinary(1, { seed: undefined }).sample()[0]);
    expect(ones.every((v) => v === 0 || v === 1)).toBe(true);
    expect(new MultiBinary(4).toString()).toBe('MultiBinary(4)');
    expect(() => new MultiBinary(0)).toThrow(ValueError);
  });
});

describe('Tuple and Dict', () => {
  it('Tuple samples, checks and seeds its sub-spaces', () => {
    const t = new Tuple([new Discrete(3), new Box(-1, 1, { shape: [2] })]);
    const seeds = t.seed(5) as number[];
    expect(seeds.length).toBe(3);
    const a = draws(4, () => t.sample());
    t.seed(5);
    expect(draws(4, () => t.sample())).toEqual(a);
    expect(t.contains(a[0])).toBe(true);
    expect(t.contains([5, [0, 0]])).toBe(false);
    expect(t.contains([0])).toBe(false);
    t.seed([1, 2]);
    const b = t.sample();
    t.seed([1, 2]);
    expect(t.sample()).toEqual(b);
    expect(() => t.seed([1])).toThrow(ValueError);
    expect(() => t.check([0, [0, 3]], 'op')).toThrow(/\[1\]: element 1 = 3/);
    expect(t.toString()).toBe('Tuple(Discrete(3), Box(-1.0, 1.0, (2,), float32))');
  });

  it('Dict samples, checks and seeds its sub-spaces by key', () => {
    const d = new Dict({ position: new Box(-1, 1, { shape: [2] }), mode: new Discrete(2) });
    d.seed(8);
    const a = d.sample();
    d.seed(8);
    expect(d.sample()).toEqual(a);
    expect(Object.keys(a)).toEqual(['position', 'mode']);
    expect(d.contains({ position: [0, 0], mode: 1 })).toBe(true);
    expect(d.contains({ position: [0, 0] })).toBe(false);
    expect(d.contains({ position: [0, 0], mode: 1, extra: 0 })).toBe(false);
    expect(d.contains({ position: [0, 0], mode: 2 })).toBe(false);
    d.seed({ position: 1, mode: 2 });
    const b = d.sample();
    d.seed({ position: 1, mode: 2 });
    expect(d.sample()).toEqual(b);
    expect(d.equals(new Dict({ position: new Box(-1, 1, { shape: [2] }), mode: new Discrete(2) }))).toBe(
      true,
    );
  });
});

describe('batching utilities', () => {
  it('batchSpace stacks spaces as Gymnasium does', () => {
    const box = batchSpace(new Box([-1, 0], [1, 2]), 3) as Box;
    expect(box.shape).toEqual([3, 2]);
    expect(Array.from(box.high)).toEqual([1, 2, 1, 2, 1, 2]);
    const md = batchSpace(new Discrete(4, { start: 1 }), 2) as MultiDiscrete;
    expect(md).toBeInstanceOf(MultiDiscrete);
    expect(Array.from(md.nvec)).toEqual([4, 4]);
    expect(Array.from(md.start)).toEqual([1, 1]);
    expect((batchSpace(new MultiBinary(3), 2) as MultiBinary).shape).toEqual([2, 3]);
    const t = batchSpace(new Tuple([new Discrete(2), new Box(0, 1, { shape: [1] })]), 2) as Tuple;
    expect(t.toString()).toBe('Tuple(MultiDiscrete([2 2]), Box(0.0, 1.0, (2, 1), float32))');
  });

  it('concatenate and iterate are inverse', () => {
    const space = new Dict({ a: new Box(-5, 5, { shape: [2] }), b: new Discrete(3) });
    const items = [
      { a: Float32Array.of(1, 2), b: 0 },
      { a: Float32Array.of(3, 4), b: 2 },
    ];
    const batch = concatenate(space, items, createEmptyArray(space, 2)) as { a: Float32Array; b: Int32Array };
    expect(Array.from(batch.a)).toEqual([1, 2, 3, 4]);
    expect(Array.from(batch.b)).toEqual([0, 2]);
    const back = iterate(space, batch, 2) as { a: Float32Array; b: number }[];
    expect(back.map((x) => [Array.from(x.a), x.b])).toEqual([
      [[1, 2], 0],
      [[3, 4], 2],
    ]);
    expect(() => iterate(new Box(0, 1, { shape: [2] }), [0, 1, 0], 2)).toThrow(ShapeError);
  });

  it('toTensor gives a tensor of the space shape', () => {
    const t = toTensor(new Box(-1, 1, { shape: [2, 2] }), Float32Array.of(1, 2, 3, 4));
    expect(t.shape).toEqual([2, 2]);
    expect(t.dtype).toBe('float32');
    expect(Array.from(t.dataSync())).toEqual([1, 2, 3, 4]);
    const d = toTensor(new Discrete(3), 2);
    expect(d.shape).toEqual([]);
    expect(d.dtype).toBe('int32');
    const m = toTensor(new MultiBinary(2), Int8Array.of(1, 0));
    expect(m.dtype).toBe('int32');
    expect(() => toTensor(new Box(-1, 1, { shape: [2] }), [1])).toThrow(ShapeError);
  });
});
