// The fused optimizer updates against the published update rules (Kingma & Ba's Adam with
// PyTorch 1.13's placement of weight decay and maximize; SGD with momentum/dampening/Nesterov as
// torch.optim.SGD documents it), written out here in float64 for a few steps. Each case runs on a
// contiguous parameter (the fused kernel) and on a transposed view (the tensor-op fallback).
import { describe, expect, it } from 'vitest';
import {
  adamUpdate_,
  DTypeError,
  type SGDUpdateOptions,
  ShapeError,
  sgdUpdate_,
  type Tensor,
  tensor,
  ValueError,
  zerosLike,
} from '@kindling/core';

const P0 = [0.5, -1.25, 2, 0.125, -0.75, 1.5];
const GRADS = [
  [0.1, -0.2, 0.3, -0.4, 0.5, -0.6],
  [-0.3, 0.05, 0.2, 0.1, -0.5, 0.25],
  [0.02, 0.4, -0.1, 0.3, 0.0, -0.2],
];

interface AdamCase {
  name: string;
  weightDecay: number;
  decoupled: boolean;
  maximize: boolean;
  amsgrad: boolean;
}

function referenceAdam(c: AdamCase, lr: number, b1: number, b2: number, eps: number): number[] {
  const p = [...P0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  const vmax = p.map(() => 0);
  GRADS.forEach((grad, s) => {
    const t = s + 1;
    for (let i = 0; i < p.length; i++) {
      let g = c.maximize ? -grad[i] : grad[i];
      if (c.decoupled) p[i] *= 1 - lr * c.weightDecay;
      else g += c.weightDecay * p[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      vmax[i] = Math.max(vmax[i], v[i]);
      const mHat = m[i] / (1 - b1 ** t);
      const second = c.amsgrad ? vmax[i] : v[i];
      p[i] -= (lr * mHat) / (Math.sqrt(second) / Math.sqrt(1 - b2 ** t) + eps);
    }
  });
  return p;
}

/** A 2x3 parameter holding P0 in row-major order: contiguous, or a transposed view of a 3x2. */
function parameter(layout: 'contiguous' | 'transposed'): Tensor {
  if (layout === 'contiguous') return tensor(P0).reshape([2, 3]);
  const t = tensor([P0[0], P0[3], P0[1], P0[4], P0[2], P0[5]]).reshape([3, 2]).t();
  expect(t.isContiguous()).toBe(false);
  return t;
}

const ADAM_CASES: AdamCase[] = [
  { name: 'Adam', weightDecay: 0, decoupled: false, maximize: false, amsgrad: false },
  { name: 'Adam + L2 + maximize', weightDecay: 0.1, decoupled: false, maximize: true, amsgrad: false },
  { name: 'AdamW + AMSGrad', weightDecay: 0.05, decoupled: true, maximize: false, amsgrad: true },
];

describe.each(['contiguous', 'transposed'] as const)('adamUpdate_ (%s parameter)', (layout) => {
  it.each(ADAM_CASES)('$name matches the update rule over three steps', (c) => {
    const [lr, beta1, beta2, eps] = [0.01, 0.8, 0.95, 1e-6];
    const p = parameter(layout);
    const m = zerosLike(p);
    const v = zerosLike(p);
    const vmax = c.amsgrad ? zerosLike(p) : null;
    const version = p.storage.version;
    GRADS.forEach((g, s) => {
      const { weightDecay, decoupled, maximize } = c;
      adamUpdate_(p, tensor(g).reshape([2, 3]), m, v, vmax, {
        ...{ lr, beta1, beta2, eps, weightDecay, decoupled, maximize },
        step: s + 1,
      });
    });
    const expected = referenceAdam(c, lr, beta1, beta2, eps);
    const got = Array.from(p.dataSync());
    for (const [i, x] of got.entries()) expect(x).toBeCloseTo(expected[i], 5);
    expect(p.storage.version).toBeGreaterThan(version);
  });
});

function referenceSGD(o: Omit<SGDUpdateOptions, 'initBuffer'>): number[] {
  const p = [...P0];
  const buf = p.map(() => 0);
  GRADS.forEach((grad, s) => {
    for (let i = 0; i < p.length; i++) {
      let d = (o.maximize ? -grad[i] : grad[i]) + o.weightDecay * p[i];
      if (o.momentum !== 0) {
        buf[i] = s === 0 ? d : o.momentum * buf[i] + (1 - o.dampening) * d;
        d = o.nesterov ? d + o.momentum * buf[i] : buf[i];
      }
      p[i] -= o.lr * d;
    }
  });
  return p;
}

const SGD_CASES = [
  { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false },
  { lr: 0.1, momentum: 0.9, dampening: 0.2, weightDecay: 0.01, nesterov: false, maximize: true },
  { lr: 0.05, momentum: 0.8, dampening: 0, weightDecay: 0.1, nesterov: true, maximize: false },
];

describe.each(['contiguous', 'transposed'] as const)('sgdUpdate_ (%s parameter)', (layout) => {
  it.each(SGD_CASES)('momentum $momentum nesterov $nesterov matches the update rule', (o) => {
    const p = parameter(layout);
    const buf = o.momentum !== 0 ? zerosLike(p) : null;
    for (const [s, g] of GRADS.entries()) {
      sgdUpdate_(p, tensor(g).reshape([2, 3]), buf, { ...o, initBuffer: s === 0 });
    }
    const expected = referenceSGD(o);
    for (const [i, x] of Array.from(p.dataSync()).entries()) expect(x).toBeCloseTo(expected[i], 5);
  });
});

describe('fused optimizer updates: bad input', () => {
  const opts = {
    lr: 0.1,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0,
    decoupled: false,
    maximize: false,
  };
  it('names the operand whose shape differs, with both shapes', () => {
    const p = tensor([1, 2, 3], { dtype: 'float32' });
    expect(() =>
      adamUpdate_(p, tensor([1, 2], { dtype: 'float32' }), zerosLike(p), zerosLike(p), null, {
        ...opts,
        step: 1,
      }),
    ).toThrow(ShapeError);
    expect(() =>
      adamUpdate_(p, tensor([1, 2], { dtype: 'float32' }), zerosLike(p), zerosLike(p), null, {
        ...opts,
        step: 1,
      }),
    ).toThrow(/grad has shape \[2\] but the parameter has shape \[3\]/);
  });
  it('rejects integer parameters, mixed dtypes, a bad step and a missing momentum buffer', () => {
    const ip = tensor([1, 2, 3], { dtype: 'int32' });
    expect(() => adamUpdate_(ip, ip, ip, ip, null, { ...opts, step: 1 })).toThrow(DTypeError);
    const p = tensor([1, 2, 3], { dtype: 'float32' });
    const g64 = tensor([1, 2, 3], { dtype: 'float64' });
    expect(() => adamUpdate_(p, g64, zerosLike(p), zerosLike(p), null, { ...opts, step: 1 })).toThrow(
      /float64/,
    );
    expect(() => adamUpdate_(p, p, zerosLike(p), zerosLike(p), null, { ...opts, step: 0 })).toThrow(
      ValueError,
    );
    const sgd = { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false };
    expect(() => sgdUpdate_(p, p, null, { ...sgd, initBuffer: true })).toThrow(/momentum buffer is required/);
  });
});
