/** Every case of the core_reduce golden fixture on the WebGPU backend, plus long reductions vs the CPU. */
import { describe, expect, it } from 'vitest';
import * as K from '@kindling/core';
import { loadFixture } from '../helpers/golden.js';
import { type GpuImpl, gpuGoldenTests, useWebGPU } from './harness.js';

useWebGPU();

type A = Record<string, any>;
/** Views applied to input `x` before the op; identical to PRE in tools/golden/core_reduce.py. */
const PRE: Record<string, (x: K.Tensor) => K.Tensor> = {
  t: (x) => x.t(),
  tr02: (x) => x.transpose(0, 2),
  step2: (x) => x.index([K.sliceOf(), K.sliceOf(null, null, 2)]),
  bcast: (x) => x.unsqueeze(0).expand([3, ...x.shape]),
};
const kd = (a: A) => ({ keepdim: a.keepdim });
const OPS: Record<string, (x: K.Tensor, a: A) => unknown> = {
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

const impls: Record<string, GpuImpl> = {};
for (const [name, c] of Object.entries(loadFixture('core_reduce'))) {
  const raw = c.attrs as Record<string, unknown>;
  const op = OPS[raw.op as string];
  const pre = raw.pre === undefined ? undefined : PRE[raw.pre as string];
  impls[name] = ({ x }, attrs) => op(pre ? pre(x) : x, { ...attrs, dtype: raw.dtype as K.DType | undefined });
}

describe('reductions on webgpu match PyTorch 1.13', () => {
  gpuGoldenTests('core_reduce', impls, {
    all: true,
    tol: (name) =>
      name.startsWith('prod_') || name.startsWith('cumprod_') ? { rtol: 2e-5, atol: 1e-6 } : {},
  });
});

/** Reads a GPU result back and compares with the CPU result of the same op. */
async function expectLikeCpu(gpu: K.Tensor, cpu: K.Tensor, rtol = 1e-5, atol = 1e-5): Promise<void> {
  expect(gpu.device).toBe('webgpu');
  expect([...gpu.shape]).toEqual([...cpu.shape]);
  expect(gpu.dtype).toBe(cpu.dtype);
  const g = await gpu.data();
  const c = cpu.dataSync();
  for (let i = 0; i < c.length; i++) {
    const ok = Number.isNaN(c[i])
      ? Number.isNaN(g[i])
      : Math.abs(g[i] - c[i]) <= atol + rtol * Math.abs(c[i]);
    if (!ok) expect.fail(`element ${i}: webgpu ${g[i]}, cpu ${c[i]}`);
  }
}

describe('long reductions on webgpu (workgroup path) match the CPU', () => {
  // Rows and columns of at least 1024 elements, with fewer than 4096 outputs.
  const cpu = K.randn([9, 1500], { generator: new K.Generator(3) });
  const ints = K.randint(-50, 50, [1100, 5], { generator: new K.Generator(4) });

  it('sum / amax / amin / prod along long rows and columns, strided', async () => {
    const g = cpu.to('webgpu');
    await expectLikeCpu(g.sum(1), cpu.sum(1));
    await expectLikeCpu(g.sum(), cpu.sum(), 1e-5, 1e-4);
    await expectLikeCpu(g.t().sum(1), cpu.t().sum(1));
    await expectLikeCpu(g.amax(1), cpu.amax(1));
    await expectLikeCpu(g.amin(0), cpu.amin(0));
    await expectLikeCpu(
      g.index([K.sliceOf(), K.sliceOf(null, null, 2)]).sum(1),
      cpu.index([K.sliceOf(), K.sliceOf(null, null, 2)]).sum(1),
    );
    const gi = ints.to('webgpu');
    await expectLikeCpu(gi.sum(0), ints.sum(0), 0, 0);
    await expectLikeCpu(gi.abs().add(1).prod(0), ints.abs().add(1).prod(0), 0, 0);
  });

  it('many outputs run one invocation each, however long the reduction (4096 x 1100)', async () => {
    const x = K.randn([4096, 1100], { generator: new K.Generator(12) });
    const g = x.to('webgpu');
    await expectLikeCpu(g.sum(1), x.sum(1), 1e-5, 1e-5);
    await expectLikeCpu(g.argmax(1), x.argmax(1), 0, 0);
  });

  it('argmax / max with indices along long rows, NaN and ties', async () => {
    const t = cpu.clone();
    t.index([5]).fill_(1);
    t.index([7, 123]).fill_(Number.NaN);
    t.index([7, 200]).fill_(Number.NaN);
    const g = t.to('webgpu');
    await expectLikeCpu(g.argmax(1), t.argmax(1), 0, 0);
    await expectLikeCpu(g.argmin(1), t.argmin(1), 0, 0);
    const gm = g.max(1);
    const cm = t.max(1);
    await expectLikeCpu(gm.values, cm.values);
    await expectLikeCpu(gm.indices, cm.indices, 0, 0);
    await expectLikeCpu(g.argmax(), t.argmax(), 0, 0);
  });

  it('cumsum along a long row stays close to the float64-accumulating CPU', async () => {
    const g = cpu.to('webgpu');
    await expectLikeCpu(g.cumsum(1), cpu.cumsum(1), 1e-5, 1e-5);
    await expectLikeCpu(g.cumsum(0), cpu.cumsum(0), 1e-5, 1e-5);
  });
});

describe('very long reductions on webgpu run in two passes', () => {
  it('sum / prod / amax / amin / int sum over 300k elements, keepdim and strided', async () => {
    const x = K.rand([3, 100_000], { generator: new K.Generator(8) }).sub(0.5);
    const g = x.to('webgpu');
    await expectLikeCpu(g.sum(), x.sum(), 1e-5, 1e-3);
    await expectLikeCpu(g.sum(1, { keepdim: true }), x.sum(1, { keepdim: true }), 1e-5, 1e-3);
    await expectLikeCpu(g.t().sum(0), x.t().sum(0), 1e-5, 1e-3);
    await expectLikeCpu(g.amax(), x.amax(), 0, 0);
    await expectLikeCpu(g.amin(1), x.amin(1), 0, 0);
    await expectLikeCpu(g.add(1.5).log().sum(), x.add(1.5).log().sum(), 1e-5, 1e-3);
    const ints = K.randint(-3, 4, [200_000], { generator: new K.Generator(9) });
    await expectLikeCpu(ints.to('webgpu').sum(), ints.sum(), 0, 0);
    const withNan = x.clone();
    withNan.index([1, 77_777]).fill_(Number.NaN);
    expect(Number.isNaN(Number(await withNan.to('webgpu').amax().item()))).toBe(true);
    expect(Number.isNaN(Number(await withNan.to('webgpu').sum().item()))).toBe(true);
  });
});
