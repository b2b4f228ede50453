/**
 * Autograd and nn on the WebGPU backend: no GPU-specific code exists above the primitive kernels,
 * so training on `webgpu` must follow the CPU run step by step (within float32 rounding).
 */
import { describe, expect, it } from 'vitest';
import * as K from '@kindling/core';
import * as nn from '@kindling/nn';
import { useWebGPU } from './harness.js';

useWebGPU();

type Device = 'cpu' | 'webgpu';

/** A deterministic regression problem: y = sin(x0) + x1 * x2 - 0.5 * x3. */
function regressionData(n: number): { x: K.Tensor; y: K.Tensor } {
  const x = K.rand([n, 4], { generator: new K.Generator(11) })
    .mul(4)
    .sub(2);
  const [a, b, c, d] = x.unbind(1);
  return { x, y: a.sin().add(b.mul(c)).sub(d.mul(0.5)).unsqueeze(1) };
}

function mlp(device: Device): nn.Sequential {
  K.manualSeed(42);
  return new nn.Sequential(
    new nn.Linear(4, 32),
    new nn.Tanh(),
    new nn.Linear(32, 16),
    new nn.ReLU(),
    new nn.Linear(16, 1),
  ).to(device);
}

async function trainMlp(device: Device, steps: number): Promise<number[]> {
  const model = mlp(device);
  const opt = new nn.Adam(model.parameters(), { lr: 0.01 });
  const data = regressionData(64);
  const x = data.x.to(device);
  const y = data.y.to(device);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    const loss = nn.mseLoss(model.call(x) as K.Tensor, y);
    loss.backward();
    opt.step();
    losses.push(Number(await loss.item()));
  }
  return losses;
}

async function trainCnn(device: Device, steps: number): Promise<number[]> {
  K.manualSeed(7);
  const model = new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(4 * 4 * 4, 3),
  ).to(device);
  const opt = new nn.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const x = K.randn([8, 1, 8, 8], { generator: new K.Generator(5) }).to(device);
  const t = K.randint(0, 3, [8], { generator: new K.Generator(6) }).to(device);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    const loss = nn.crossEntropy(model.call(x) as K.Tensor, t);
    loss.backward();
    opt.step();
    losses.push(Number(await loss.item()));
  }
  return losses;
}

function expectClose(gpu: number[], cpu: number[], rtol: number): void {
  expect(gpu.length).toBe(cpu.length);
  for (let i = 0; i < cpu.length; i++) {
    if (Math.abs(gpu[i] - cpu[i]) > rtol * Math.abs(cpu[i]) + 1e-6)
      expect.fail(`step ${i}: webgpu loss ${gpu[i]}, cpu loss ${cpu[i]}`);
  }
}

describe('training on webgpu follows the CPU run', () => {
  it('MLP (Linear/Tanh/ReLU, MSE, Adam): losses match for 40 steps and decrease', async () => {
    const cpu = await trainMlp('cpu', 40);
    const gpu = await trainMlp('webgpu', 40);
    expectClose(gpu, cpu, 1e-4);
    expect(gpu[39]).toBeLessThan(gpu[0] * 0.7);
  });

  it('CNN (conv2d, maxPool2d, cross-entropy, SGD with momentum): losses match for 15 steps', async () => {
    const cpu = await trainCnn('cpu', 15);
    const gpu = await trainCnn('webgpu', 15);
    expectClose(gpu, cpu, 1e-4);
  });

  it('gradients of a composite through many primitives equal the CPU ones', async () => {
    const f = (x: K.Tensor, w: K.Tensor, idx: K.Tensor) => {
      const h = x.matmul(w).softmax(1).cumsum(1);
      const g = h.gather(1, idx).sum();
      const s = x
        .sort(1)
        .values.mul(h.index([K.sliceOf(), K.sliceOf(0, 4)]))
        .amax(1)
        .sum();
      return g
        .add(s)
        .add(x.abs().pow(1.5).mean())
        .add(
          K.indexSelect(w, 1, idx.index([0]))
            .square()
            .sum(),
        );
    };
    const x0 = K.randn([5, 4], { generator: new K.Generator(1) });
    const w0 = K.randn([4, 6], { generator: new K.Generator(2) });
    const idx = K.tensor(
      [
        [0, 5],
        [1, 1],
        [2, 3],
        [4, 0],
        [5, 2],
      ],
      { dtype: 'int32' },
    );
    const run = (device: Device) => {
      // detach(): x0.to('cpu') is x0 itself, which must not become a leaf that requires grad (moving
      // it to webgpu would then be recorded, and the gradient could not be read back to the CPU).
      const x = x0.detach().to(device).requiresGrad_();
      const w = w0.detach().to(device).requiresGrad_();
      f(x, w, idx.to(device)).backward();
      return [x.grad as K.Tensor, w.grad as K.Tensor];
    };
    const [cx, cw] = run('cpu');
    const [gx, gw] = run('webgpu');
    for (const [g, c] of [
      [gx, cx],
      [gw, cw],
    ]) {
      expect(g.device).toBe('webgpu');
      const gv = await g.data();
      const cv = c.dataSync();
      for (let i = 0; i < cv.length; i++) expect(gv[i]).toBeCloseTo(cv[i], 4);
    }
  });
});
