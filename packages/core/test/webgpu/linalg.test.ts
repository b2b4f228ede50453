/**
 * Every case of the core_linalg golden fixture (matmul, bmm, linear, addmm, einsum) on the WebGPU
 * backend, plus the register-blocked bmm kernel at its block edges against the CPU.
 */
import { describe, expect, it } from 'vitest';
import * as K from '@kindling/core';
import { gpuGoldenTests, useWebGPU } from './harness.js';

import { impls } from '../impls/linalg.js';

useWebGPU();

describe('linear algebra on webgpu matches PyTorch 1.13', () => {
  gpuGoldenTests('core_linalg', impls, { all: true });
});

/** float32 results equal the CPU's to float32 rounding (each output sums over k in the same order). */
async function expectLikeCpu(gpu: K.Tensor, cpu: K.Tensor, tol = 1e-5): Promise<void> {
  expect(gpu.device).toBe('webgpu');
  expect([...gpu.shape]).toEqual([...cpu.shape]);
  const g = await gpu.data();
  const c = cpu.dataSync();
  for (let i = 0; i < c.length; i++) {
    if (Math.abs(g[i] - c[i]) > tol * (1 + Math.abs(c[i])))
      expect.fail(`element ${i}: webgpu ${g[i]}, cpu ${c[i]}`);
  }
}

describe('bmm register blocks (8x4 per invocation, 64x32 per workgroup) match the CPU', () => {
  const gen = (seed: number) => new K.Generator(seed);
  it('at every edge of a block and a workgroup tile, with K from 0 to 70', async () => {
    for (const [m, k, n] of [
      [1, 1, 1],
      [7, 3, 5],
      [8, 0, 4],
      [9, 17, 33],
      [63, 5, 31],
      [64, 70, 32],
      [65, 9, 37],
      [130, 33, 70],
    ]) {
      const a = K.randn([m, k], { generator: gen(m) });
      const b = K.randn([k, n], { generator: gen(n) });
      await expectLikeCpu(a.to('webgpu').matmul(b.to('webgpu')), a.matmul(b));
    }
  });
  it('transposed and sliced operands, a broadcast (stride 0) batch, int32', async () => {
    const a = K.randn([3, 40, 20], { generator: gen(1) });
    const b = K.randn([20, 45], { generator: gen(2) });
    const ag = a.to('webgpu');
    const bg = b.to('webgpu');
    await expectLikeCpu(ag.matmul(bg), a.matmul(b));
    await expectLikeCpu(bg.t().matmul(ag.transpose(1, 2)), b.t().matmul(a.transpose(1, 2)));
    const slice = [K.sliceOf(), K.sliceOf(1, null, 3), K.sliceOf(null, null, 2)];
    await expectLikeCpu(
      ag.index(slice).matmul(bg.index([K.sliceOf(0, 10)])),
      a.index(slice).matmul(b.index([K.sliceOf(0, 10)])),
    );
    const ia = K.randint(-9, 10, [2, 33, 17], { generator: gen(3) });
    const ib = K.randint(-9, 10, [2, 17, 35], { generator: gen(4) });
    await expectLikeCpu(ia.to('webgpu').matmul(ib.to('webgpu')), ia.matmul(ib), 0);
  });
});
