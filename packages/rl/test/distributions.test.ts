import { gradcheck } from '@kindling/autograd';
import { DTypeError, Generator, ShapeError, type Tensor, tensor, ValueError } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import { Categorical, DiagGaussian, Normal } from '../src/index.js';

const LOG_2PI = Math.log(2 * Math.PI);
const f32 = (x: number | number[] | number[][]) => tensor(x, { dtype: 'float32' });

function data(t: Tensor): number[] {
  return [...t.dataSync()].map(Number);
}

describe('Categorical', () => {
  const rows = [
    [0.5, -1, 2],
    [3, 3, -20],
  ];

  function closedForm(row: number[]) {
    const m = Math.max(...row);
    const z = row.reduce((a, v) => a + Math.exp(v - m), 0);
    const logp = row.map((v) => v - m - Math.log(z));
    return { logp, entropy: -logp.reduce((a, l) => a + Math.exp(l) * l, 0) };
  }

  it('has logProb and entropy of the normalised logits', () => {
    const d = new Categorical({ logits: tensor(rows, { dtype: 'float64' }) });
    expect(d.batchShape).toEqual([2]);
    expect(d.numCategories).toBe(3);
    const lp = data(d.logProb(tensor([2, 1], { dtype: 'int32' })));
    const ent = data(d.entropy());
    rows.forEach((row, i) => {
      const c = closedForm(row);
      expect(lp[i]).toBeCloseTo(c.logp[i === 0 ? 2 : 1], 12);
      expect(ent[i]).toBeCloseTo(c.entropy, 12);
    });
    // broadcasting a scalar index against the batch
    const lp0 = data(d.logProb(tensor(0, { dtype: 'int32' })));
    expect(lp0[1]).toBeCloseTo(closedForm(rows[1]).logp[0], 12);
    expect(data(d.mode())).toEqual([2, 0]);
  });

  it('accepts probabilities (zero-probability categories have zero entropy contribution)', () => {
    const d = new Categorical({ probs: tensor([[1, 0, 3]], { dtype: 'float64' }) });
    expect(data(d.probs)).toEqual([0.25, 0, 0.75]);
    expect(data(d.entropy())[0]).toBeCloseTo(-(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)), 12);
    expect(data(d.logProb(tensor([1], { dtype: 'int32' })))[0]).toBe(-Infinity);
    const s = data(d.sample({ generator: new Generator(0) }));
    expect(s[0]).not.toBe(1);
  });

  it('samples in proportion to the probabilities, reproducibly from a seed', () => {
    const probs = [0.1, 0.6, 0.3];
    const n = 20_000;
    const d = new Categorical({ logits: f32([probs.map(Math.log)]).expand([n, 3]) });
    const a = d.sample({ generator: new Generator(5) });
    expect(a.dtype).toBe('int32');
    expect(a.shape).toEqual([n]);
    const counts = [0, 0, 0];
    for (const v of a.dataSync()) counts[v as number] += 1;
    probs.forEach((p, k) => {
      expect(Math.abs(counts[k] / n - p)).toBeLessThan(0.015);
    });
    expect(data(d.sample({ generator: new Generator(5) }))).toEqual(data(a));
  });

  it('is differentiable (gradcheck of logProb and entropy with respect to the logits)', () => {
    const logits = tensor(rows, { dtype: 'float64', requiresGrad: true });
    const actions = tensor([1, 0], { dtype: 'int32' });
    expect(gradcheck((l) => new Categorical({ logits: l }).logProb(actions), [logits])).toBe(true);
    expect(gradcheck((l) => new Categorical({ logits: l }).entropy(), [logits])).toBe(true);
  });

  it('rejects bad parameters and values', () => {
    expect(() => new Categorical({ logits: tensor([1, 2], { dtype: 'int32' }) })).toThrow(DTypeError);
    expect(() => new Categorical({ probs: f32([0.5, -0.1]) })).toThrow(ValueError);
    expect(() => new Categorical({} as never)).toThrow(ValueError);
    const d = new Categorical({ logits: f32([[0, 0]]) });
    expect(() => d.logProb(tensor([2], { dtype: 'int32' }))).toThrow(ValueError);
    expect(() => d.logProb(f32([0.5]))).toThrow(DTypeError);
  });
});

describe('Normal and DiagGaussian', () => {
  const mean = [
    [0.5, -1],
    [2, 0],
  ];
  const logStd = [0.3, -0.7];
  const x = [
    [0, 1],
    [2.5, -0.2],
  ];

  function elementLogProb(v: number, m: number, ls: number): number {
    return -((v - m) ** 2) / (2 * Math.exp(2 * ls)) - ls - 0.5 * LOG_2PI;
  }

  it('Normal: elementwise logProb and entropy against the closed forms', () => {
    const d = new Normal({
      mean: tensor(mean, { dtype: 'float64' }),
      logStd: tensor(logStd, { dtype: 'float64' }),
    });
    expect(d.batchShape).toEqual([2, 2]);
    const lp = data(d.logProb(tensor(x, { dtype: 'float64' })));
    const ent = data(d.entropy());
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++) {
        expect(lp[2 * i + j]).toBeCloseTo(elementLogProb(x[i][j], mean[i][j], logStd[j]), 12);
        expect(ent[2 * i + j]).toBeCloseTo(0.5 + 0.5 * LOG_2PI + logStd[j], 12);
      }
    // std given directly, as a number
    const s = new Normal({ mean: tensor([1], { dtype: 'float64' }), std: 2 });
    expect(data(s.logProb(tensor([0], { dtype: 'float64' })))[0]).toBeCloseTo(
      elementLogProb(0, 1, Math.log(2)),
      12,
    );
  });

  it('DiagGaussian: sums over the action dimension', () => {
    const d = new DiagGaussian({
      mean: tensor(mean, { dtype: 'float64' }),
      logStd: tensor(logStd, { dtype: 'float64' }),
    });
    expect(d.batchShape).toEqual([2]);
    expect(d.eventShape).toEqual([2]);
    const lp = data(d.logProb(tensor(x, { dtype: 'float64' })));
    const ent = data(d.entropy());
    for (let i = 0; i < 2; i++) {
      expect(lp[i]).toBeCloseTo(
        elementLogProb(x[i][0], mean[i][0], logStd[0]) + elementLogProb(x[i][1], mean[i][1], logStd[1]),
        12,
      );
      expect(ent[i]).toBeCloseTo(1 + LOG_2PI + logStd[0] + logStd[1], 12);
    }
    expect(data(d.mode())).toEqual(mean.flat());
    expect(() => d.logProb(tensor([[1, 2, 3]], { dtype: 'float64' }))).toThrow(ShapeError);
  });

  it('samples with the right moments, reproducibly', () => {
    const n = 20_000;
    const d = new DiagGaussian({ mean: f32([[1, -2]]).expand([n, 2]), logStd: f32([Math.log(0.5), 0]) });
    const s = d.sample({ generator: new Generator(11) });
    expect(s.shape).toEqual([n, 2]);
    expect(s.requiresGrad).toBe(false);
    const v = s.dataSync();
    for (let j = 0; j < 2; j++) {
      let m = 0;
      for (let i = 0; i < n; i++) m += v[2 * i + j];
      m /= n;
      let q = 0;
      for (let i = 0; i < n; i++) q += (v[2 * i + j] - m) ** 2;
      const sd = Math.sqrt(q / n);
      expect(m).toBeCloseTo([1, -2][j], 1);
      expect(sd).toBeCloseTo([0.5, 1][j], 1);
    }
    expect(data(d.sample({ generator: new Generator(11) }))).toEqual(data(s));
  });

  it('is differentiable (gradcheck with respect to mean and logStd; rsample too)', () => {
    const m = tensor(mean, { dtype: 'float64', requiresGrad: true });
    const ls = tensor(logStd, { dtype: 'float64', requiresGrad: true });
    const value = tensor(x, { dtype: 'float64' });
    expect(gradcheck((a, b) => new DiagGaussian({ mean: a, logStd: b }).logProb(value), [m, ls])).toBe(true);
    expect(gradcheck((a, b) => new DiagGaussian({ mean: a, logStd: b }).entropy(), [m, ls])).toBe(true);
    const std = tensor([0.7, 1.3], { dtype: 'float64', requiresGrad: true });
    expect(gradcheck((a, b) => new Normal({ mean: a, std: b }).logProb(value), [m, std])).toBe(true);
    expect(
      gradcheck(
        (a, b) => new Normal({ mean: a, logStd: b }).rsample({ generator: new Generator(1) }),
        [m, ls],
      ),
    ).toBe(true);
  });

  it('rejects bad parameters', () => {
    expect(() => new Normal({ mean: f32([0]), std: 0 })).toThrow(ValueError);
    expect(() => new Normal({ mean: f32([0]), std: f32([-1]) })).toThrow(ValueError);
    expect(() => new Normal({ mean: f32([0]), std: 1, logStd: 0 } as never)).toThrow(ValueError);
    expect(() => new Normal({ mean: f32([0, 1]), logStd: f32([0, 1, 2]) })).toThrow(ShapeError);
    expect(() => new DiagGaussian({ mean: f32(0), logStd: 0 })).toThrow(ShapeError);
  });
});
