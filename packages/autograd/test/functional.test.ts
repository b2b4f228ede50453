/** vjp, jvp, jacobian, hessian against closed-form derivatives. */
import { describe, expect, it } from 'vitest';
import { type Tensor, stack, tensor } from '@kindling/core';
import { hessian, jacobian, jvp, vjp } from '../src/index.js';
import { vals } from './helpers/data.js';

const f64 = (v: number[] | number[][]) => tensor(v as number[], { dtype: 'float64' });
const close = (got: number[], want: number[], tol = 1e-12) => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    expect(Math.abs(got[i] - want[i]), `element ${i}: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(tol);
  }
};

// F(x) = [x0^2 x1, sin(x1), x0 + 3 x1]; J = [[2 x0 x1, x0^2], [0, cos x1], [1, 3]]
const F = (x: Tensor) => {
  const [a, b] = x.unbind(0);
  return stack([a.square().mul(b), b.sin(), a.add(b.mul(3))]);
};
const x0 = 0.7;
const x1 = -1.2;
const J = [
  [2 * x0 * x1, x0 * x0],
  [0, Math.cos(x1)],
  [1, 3],
];

describe('functional', () => {
  it('jacobian', () => {
    const Jt = jacobian(F, f64([x0, x1])) as Tensor;
    expect([...Jt.shape]).toEqual([3, 2]);
    close(vals(Jt), J.flat());
    expect(Jt.requiresGrad).toBe(false);
  });

  it('jacobian with several inputs', () => {
    const [ja, jb] = jacobian((a: Tensor, b: Tensor) => a.mul(b), [f64([1, 2]), f64([3, 4])]) as Tensor[];
    close(vals(ja), [3, 0, 0, 4]);
    close(vals(jb), [1, 0, 0, 2]);
  });

  it('vjp = v^T J and jvp = J v', () => {
    const v = f64([1, -2, 0.5]);
    const r = vjp(F, f64([x0, x1]), v);
    close(
      vals(r.vjp as Tensor),
      [0, 1].map((j) => J[0][j] * 1 + J[1][j] * -2 + J[2][j] * 0.5),
    );
    close(vals(r.output as Tensor), [x0 * x0 * x1, Math.sin(x1), x0 + 3 * x1]);
    const w = f64([0.3, -0.4]);
    const s = jvp(F, f64([x0, x1]), w);
    close(
      vals(s.jvp as Tensor),
      J.map((row) => row[0] * 0.3 + row[1] * -0.4),
    );
  });

  it('hessian of a scalar function', () => {
    // g(x) = x0^3 x1 + exp(x1): H = [[6 x0 x1, 3 x0^2], [3 x0^2, exp(x1)]]
    const g = (x: Tensor) => x.select(0, 0).pow(3).mul(x.select(0, 1)).add(x.select(0, 1).exp());
    const H = hessian(g, f64([x0, x1])) as Tensor;
    expect([...H.shape]).toEqual([2, 2]);
    close(vals(H), [6 * x0 * x1, 3 * x0 * x0, 3 * x0 * x0, Math.exp(x1)]);
  });

  it('createGraph makes the results differentiable', () => {
    const x = f64([x0, x1]).requiresGrad_();
    const r = vjp((t: Tensor) => t.square().sum(), x, null, { createGraph: true });
    expect((r.vjp as Tensor).requiresGrad).toBe(true);
    (r.vjp as Tensor).sum().backward();
    close(vals(x.grad), [2, 2]);
  });
});
