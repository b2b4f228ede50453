/** The README example runs and computes what it claims. */
import { expect, it } from 'vitest';
import { manualSeed, randn, tensor } from '@kindling/core';
import { grad, noGrad } from '../src/index.js';

it('README example', () => {
  manualSeed(0);
  const w = randn([3, 2]).requiresGrad_();
  const x = tensor([[1, 2, 3]], { dtype: 'float32' });
  const loss = x.matmul(w).tanh().square().sum();
  loss.backward();
  expect(w.grad!.shape).toEqual([3, 2]);
  const before = w.dataSync().slice();
  const g = w.grad!.dataSync().slice();
  noGrad(() => w.sub_(w.grad!.mul(0.1)));
  const after = w.dataSync();
  for (let i = 0; i < 6; i++) expect(after[i]).toBeCloseTo(before[i] - 0.1 * g[i], 6);
  const [gx] = grad(w.square().sum(), w, { createGraph: true });
  const [hx] = grad(gx.sum(), w);
  expect(Array.from(hx.dataSync())).toEqual([2, 2, 2, 2, 2, 2]);
});
