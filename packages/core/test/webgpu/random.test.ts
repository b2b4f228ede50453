/**
 * RNG on the WebGPU backend reproduces the CPU's Philox stream: uniform draws bit for bit, normal
 * draws (Box–Muller, computed in float-float on the GPU) within one float32 ulp.
 */
import { describe, expect, it } from 'vitest';
import * as K from '@kindling/core';
import { useWebGPU } from './harness.js';

useWebGPU();

const gpu = { device: 'webgpu' as const };

/** Distance in float32 ulps between two float32 values. */
function ulps(a: number, b: number): number {
  if (a === b) return 0;
  const f = new Float32Array([a, b]);
  const i = new Int32Array(f.buffer);
  const key = (v: number) => (v < 0 ? -2147483648 - v : v);
  return Math.abs(key(i[0]) - key(i[1]));
}

async function expectSameStream(g: K.Tensor, c: K.Tensor, maxUlps: number): Promise<void> {
  expect(g.device).toBe('webgpu');
  expect([...g.shape]).toEqual([...c.shape]);
  const gv = await g.data();
  const cv = c.dataSync();
  let worst = 0;
  for (let i = 0; i < cv.length; i++) worst = Math.max(worst, ulps(gv[i], cv[i]));
  expect(worst, `worst difference in ulps over ${cv.length} values`).toBeLessThanOrEqual(maxUlps);
}

describe('webgpu RNG matches the CPU stream', () => {
  it('rand: identical bits for the same seed (odd sizes, several draws)', async () => {
    for (const shape of [[1], [3], [7, 5], [1001]]) {
      K.manualSeed(1234);
      const c1 = K.rand(shape);
      const c2 = K.rand(shape);
      K.manualSeed(1234);
      const g1 = K.rand(shape, gpu);
      const g2 = K.rand(shape, gpu);
      await expectSameStream(g1, c1, 0);
      await expectSameStream(g2, c2, 0);
    }
  });

  it('uniform_ with a range and an explicit generator', async () => {
    const c = K.uniform_(K.zeros([513]), -3.5, 0.1, { generator: new K.Generator(77) });
    const g = K.uniform_(K.zeros([513], gpu), -3.5, 0.1, { generator: new K.Generator(77) });
    await expectSameStream(g, c, 1);
  });

  it('randn: within one ulp of the CPU (float64 Box-Muller rounded once)', async () => {
    for (const shape of [[1], [2], [3], [4099]]) {
      K.manualSeed(2024);
      const c = K.randn(shape);
      K.manualSeed(2024);
      const g = K.randn(shape, gpu);
      await expectSameStream(g, c, 1);
    }
  });

  it('normal with mean and std, large seeds and a far-advanced counter', async () => {
    const seed = 2n ** 63n + 12345n;
    const cg = new K.Generator(seed);
    const gg = new K.Generator(seed);
    for (let i = 0; i < 3; i++) {
      K.rand([1000], { generator: cg });
      K.rand([1000], { generator: gg, ...gpu });
    }
    const c = K.normal(0.25, 3, [2000], { generator: cg });
    const g = K.normal(0.25, 3, [2000], { generator: gg, ...gpu });
    await expectSameStream(g, c, 1);
    expect(gg.getState()).toEqual(cg.getState());
  });

  it('composites built on uniform (dropout, bernoulli, randint) agree with the CPU', async () => {
    K.manualSeed(5);
    const c = K.dropout(K.ones([64]), 0.5);
    const cb = K.bernoulli(0.3, [50]);
    const ci = K.randint(0, 10, [40]);
    K.manualSeed(5);
    const g = K.dropout(K.ones([64], gpu), 0.5);
    const gb = K.bernoulli(0.3, [50], gpu);
    const gi = K.randint(0, 10, [40], gpu);
    expect(await g.tolist()).toEqual(c.tolistSync());
    expect(await gb.tolist()).toEqual(cb.tolistSync());
    expect(await gi.tolist()).toEqual(ci.tolistSync());
  });

  it('float64 draws are refused on the GPU with a DTypeError', () => {
    expect(() => K.rand([3], { dtype: 'float64', ...gpu })).toThrow(K.DTypeError);
    expect(() => K.randn([3], { dtype: 'float64', ...gpu })).toThrow(/float64/);
  });
});
