/**
 * `init`: gains and fans against PyTorch's (fixture from tools/golden/nn_layers.py), statistical
 * checks of every random initialiser with fixed seeds, orthogonality, generators and errors.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { empty, Generator, KindlingError, manualSeed, randn, type Tensor, zeros } from '@kindling/core';
import { init, Parameter } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const fx = JSON.parse(readFileSync(join(here, 'fixtures', 'nn_init.json'), 'utf8')).cases as {
  gains: Record<string, number>;
  fans: { shape: number[]; fanIn: number; fanOut: number }[];
};

function stats(t: Tensor): { mean: number; variance: number; min: number; max: number } {
  const d = t.dataSync();
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of d) {
    s += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const mean = s / d.length;
  let q = 0;
  for (const v of d) q += (v - mean) ** 2;
  return { mean, variance: q / d.length, min, max };
}

describe('calculateGain and fans match PyTorch', () => {
  const camel: Record<string, init.Nonlinearity> = {
    conv_transpose1d: 'convTranspose1d',
    conv_transpose2d: 'convTranspose2d',
    conv_transpose3d: 'convTranspose3d',
    leaky_relu: 'leakyRelu',
  };
  for (const [name, gain] of Object.entries(fx.gains)) {
    it(name, () => {
      if (name === 'leaky_relu_0.2') expect(init.calculateGain('leakyRelu', 0.2)).toBeCloseTo(gain, 14);
      else if (name === 'leaky_relu_sqrt5')
        expect(init.calculateGain('leaky_relu', Math.sqrt(5))).toBeCloseTo(gain, 14);
      else {
        expect(init.calculateGain(name as init.Nonlinearity)).toBeCloseTo(gain, 14);
        if (camel[name]) expect(init.calculateGain(camel[name])).toBeCloseTo(gain, 14);
      }
    });
  }
  it('fan-in and fan-out', () => {
    for (const { shape, fanIn, fanOut } of fx.fans) {
      expect(init.calculateFanInAndFanOut(empty(shape))).toEqual([fanIn, fanOut]);
    }
  });
  it('errors', () => {
    expect(() => init.calculateGain('swish' as init.Nonlinearity)).toThrow(KindlingError);
    expect(() => init.calculateFanInAndFanOut(empty([3]))).toThrow(/fewer than 2 dimensions/);
    expect(() => init.eye_(empty([2, 2, 2]))).toThrow(KindlingError);
    expect(() => init.orthogonal_(empty([4]))).toThrow(KindlingError);
    expect(() => init.kaimingUniform_(empty([3, 3]), { mode: 'fan_avg' as init.FanMode })).toThrow(
      KindlingError,
    );
    expect(() => init.truncNormal_(empty([3]), 0, 1, 2, -2)).toThrow(KindlingError);
  });
});

describe('deterministic fills', () => {
  it('constant_, zeros_, ones_, eye_', () => {
    expect(init.constant_(empty([2, 2]), 0.5).tolistSync()).toEqual([
      [0.5, 0.5],
      [0.5, 0.5],
    ]);
    expect(init.ones_(empty([3])).tolistSync()).toEqual([1, 1, 1]);
    expect(init.zeros_(init.ones_(empty([2]))).tolistSync()).toEqual([0, 0]);
    expect(init.eye_(empty([2, 3])).tolistSync()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
  });

  it('works in place on parameters that require grad', () => {
    const p = new Parameter(zeros([4, 4]));
    const same = init.kaimingNormal_(p);
    expect(same).toBe(p);
    expect(p.requiresGrad).toBe(true);
    expect(p.isLeaf).toBe(true);
    expect(p.abs().sum().itemSync()).toBeGreaterThan(0);
  });
});

describe('random initialisers (statistics with fixed seeds)', () => {
  const N = 200_000;

  it('uniform_ and normal_', () => {
    manualSeed(0);
    const u = stats(init.uniform_(empty([N]), -2, 3));
    expect(u.min).toBeGreaterThanOrEqual(-2);
    expect(u.max).toBeLessThan(3);
    expect(u.mean).toBeCloseTo(0.5, 1);
    expect(u.variance).toBeCloseTo(25 / 12, 1);
    const n = stats(init.normal_(empty([N]), 1.5, 0.5));
    expect(n.mean).toBeCloseTo(1.5, 2);
    expect(Math.sqrt(n.variance)).toBeCloseTo(0.5, 2);
  });

  it('xavierUniform_ and xavierNormal_', () => {
    manualSeed(1);
    const w = init.xavierUniform_(empty([400, 500]), 2);
    const bound = 2 * Math.sqrt(6 / 900);
    const s = stats(w);
    expect(s.max).toBeLessThanOrEqual(bound);
    expect(s.min).toBeGreaterThanOrEqual(-bound);
    expect(s.max).toBeGreaterThan(bound * 0.999);
    expect(s.variance / ((bound * bound) / 3)).toBeCloseTo(1, 1);
    const std = Math.sqrt(2 / (30 * 9 + 20 * 9));
    const n = stats(init.xavierNormal_(empty([20, 30, 3, 3])));
    expect(Math.sqrt(n.variance) / std).toBeCloseTo(1, 1);
  });

  it('kaimingUniform_ and kaimingNormal_ (a, mode, nonlinearity)', () => {
    manualSeed(2);
    // Defaults: a = 0, fanIn, leakyRelu: gain √2, bound √2 · √(3 / fanIn).
    const fanIn = 64 * 3 * 3;
    const w = stats(init.kaimingUniform_(empty([32, 64, 3, 3])));
    const bound = Math.sqrt(2) * Math.sqrt(3 / fanIn);
    expect(w.max).toBeLessThanOrEqual(bound);
    expect(w.max).toBeGreaterThan(bound * 0.99);
    expect(w.variance / ((bound * bound) / 3)).toBeCloseTo(1, 1);
    // Linear's default: a = √5 gives bound 1 / √fanIn.
    const lin = stats(init.kaimingUniform_(empty([300, 400]), { a: Math.sqrt(5) }));
    expect(lin.max).toBeLessThanOrEqual(1 / 20);
    expect(lin.max).toBeGreaterThan(0.99 / 20);
    const fanOut = stats(init.kaimingUniform_(empty([200, 50]), { mode: 'fanOut', nonlinearity: 'tanh' }));
    const b2 = (5 / 3) * Math.sqrt(3 / 200);
    expect(fanOut.max).toBeLessThanOrEqual(b2);
    expect(fanOut.max).toBeGreaterThan(b2 * 0.99);
    const n = stats(init.kaimingNormal_(empty([500, 400]), { mode: 'fanOut', nonlinearity: 'relu' }));
    expect(Math.sqrt(n.variance) / (Math.sqrt(2) / Math.sqrt(500))).toBeCloseTo(1, 2);
    expect(n.mean).toBeCloseTo(0, 3);
    expect(init.kaimingUniform_(empty([0, 3])).numel).toBe(0);
  });

  it('truncNormal_ stays in [a, b] with the truncated distribution moments', () => {
    manualSeed(3);
    const [mean, std, a, b] = [1, 2, -1, 4];
    const s = stats(init.truncNormal_(empty([N]), mean, std, a, b));
    expect(s.min).toBeGreaterThanOrEqual(a);
    expect(s.max).toBeLessThanOrEqual(b);
    // Moments of N(0, 1) truncated to [alpha, beta], scaled back.
    const alpha = (a - mean) / std;
    const beta = (b - mean) / std;
    const phi = (x: number) => Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
    // Φ by numerical integration (Simpson), good to ~1e-10 here.
    const Phi = (x: number) => {
      const n = 2000;
      const lo = -10;
      const h = (x - lo) / n;
      let acc = phi(lo) + phi(x);
      for (let i = 1; i < n; i++) acc += (i % 2 ? 4 : 2) * phi(lo + i * h);
      return (acc * h) / 3;
    };
    const Z = Phi(beta) - Phi(alpha);
    const m = (phi(alpha) - phi(beta)) / Z;
    const v = 1 + (alpha * phi(alpha) - beta * phi(beta)) / Z - m * m;
    expect(s.mean).toBeCloseTo(mean + std * m, 2);
    expect(Math.sqrt(s.variance) / (std * Math.sqrt(v))).toBeCloseTo(1, 2);
    // Default bounds ±2 around a standard normal, in float64 too.
    const d = stats(init.truncNormal_(empty([10_000], { dtype: 'float64' })));
    expect(d.min).toBeGreaterThanOrEqual(-2);
    expect(d.max).toBeLessThanOrEqual(2);
  });

  it('orthogonal_ gives orthonormal rows (wide) or columns (tall), scaled by gain', () => {
    manualSeed(4);
    const eyeErr = (m: Tensor, n: number, scale = 1) => {
      const d = m.dataSync();
      let worst = 0;
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(d[i * n + j] - (i === j ? scale : 0)));
      return worst;
    };
    const wide = init.orthogonal_(empty([6, 10]));
    expect(eyeErr(wide.matmul(wide.t()), 6)).toBeLessThan(1e-5);
    const tall = init.orthogonal_(empty([10, 6]), 2);
    expect(eyeErr(tall.t().matmul(tall), 6, 4)).toBeLessThan(1e-5);
    const conv = init.orthogonal_(empty([8, 2, 3, 3], { dtype: 'float64' }));
    const flat = conv.reshape([8, 18]);
    expect(eyeErr(flat.matmul(flat.t()), 8)).toBeLessThan(1e-12);
    const square = init.orthogonal_(empty([5, 5], { dtype: 'float64' }));
    expect(eyeErr(square.matmul(square.t()), 5)).toBeLessThan(1e-12);
    expect(eyeErr(square.t().matmul(square), 5)).toBeLessThan(1e-12);
  });
});

describe('generators', () => {
  it('a seeded generator reproduces its draws and leaves the global stream alone', () => {
    manualSeed(5);
    const expected = randn([4]).tolistSync();
    manualSeed(5);
    const a = init.kaimingUniform_(empty([3, 4]), { generator: new Generator(42) }).tolistSync();
    const b = init.kaimingUniform_(empty([3, 4]), { generator: new Generator(42) }).tolistSync();
    expect(a).toEqual(b);
    expect(init.normal_(empty([5]), 0, 1, { generator: new Generator(7) }).tolistSync()).toEqual(
      init.normal_(empty([5]), 0, 1, { generator: new Generator(7) }).tolistSync(),
    );
    expect(init.orthogonal_(empty([3, 3]), 1, { generator: new Generator(1) }).tolistSync()).toEqual(
      init.orthogonal_(empty([3, 3]), 1, { generator: new Generator(1) }).tolistSync(),
    );
    expect(randn([4]).tolistSync()).toEqual(expected);
  });

  it('manualSeed makes layer initialisation reproducible', () => {
    manualSeed(6);
    const a = init.xavierUniform_(empty([4, 4])).tolistSync();
    manualSeed(6);
    expect(init.xavierUniform_(empty([4, 4])).tolistSync()).toEqual(a);
  });
});
