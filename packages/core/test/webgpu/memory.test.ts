/**
 * GPU memory management: dispose / using / scope free buffers, memory() reports them, and a
 * 1000-step training loop under scope() keeps GPU memory flat. In its own file (its own process),
 * so garbage from other tests cannot be collected in the middle of a measurement.
 */
import { describe, expect, it } from 'vitest';
import * as K from '@kindling/core';
import * as nn from '@kindling/nn';
import { useWebGPU } from './harness.js';

useWebGPU();

describe('GPU memory stays flat over a long training run', () => {
  it('1000 SGD steps under scope(): bytes in use and total held do not grow', async () => {
    K.manualSeed(42);
    const model = new nn.Sequential(new nn.Linear(4, 16), new nn.Tanh(), new nn.Linear(16, 1)).to('webgpu');
    const opt = new nn.SGD(model.parameters(), { lr: 0.05 });
    const xc = K.rand([32, 4], { generator: new K.Generator(11) })
      .mul(4)
      .sub(2);
    const x = xc.to('webgpu');
    const y = xc
      .index([K.sliceOf(), 0])
      .sin()
      .add(xc.index([K.sliceOf(), 1]).mul(0.5))
      .unsqueeze(1)
      .to('webgpu');
    const step = () =>
      K.scope(() => {
        opt.zeroGrad();
        const loss = nn.mseLoss(model.call(x) as K.Tensor, y);
        loss.backward();
        opt.step();
        return loss.detach();
      });
    let first = 0;
    for (let s = 0; s < 20; s++) {
      const loss = step();
      if (s === 0) first = Number(await loss.item());
      loss.dispose();
    }
    await x.data(); // drain the queue so every freed buffer is back in the pool
    const before = K.memory();
    let last = 0;
    for (let s = 20; s < 1000; s++) {
      const loss = step();
      if (s % 100 === 99) last = Number(await loss.item());
      loss.dispose();
    }
    await x.data();
    const after = K.memory();
    expect(after.bytesInUse).toBe(before.bytesInUse);
    expect(after.buffersInUse).toBe(before.buffersInUse);
    expect(after.bytesInUse + after.bytesPooled).toBeLessThanOrEqual(
      before.bytesInUse + before.bytesPooled + 64 * 1024,
    );
    expect(last).toBeLessThan(first);
  }, 120_000);

  it('dispose, using and scope free buffers; memory() reports them', async () => {
    const base = K.memory();
    const a = K.ones([1000], { device: 'webgpu' });
    expect(K.memory().bytesInUse).toBeGreaterThanOrEqual(base.bytesInUse + 4000);
    a.dispose();
    expect(K.memory().bytesInUse).toBe(base.bytesInUse);
    {
      using b = K.ones([1000], { device: 'webgpu' });
      expect(b.device).toBe('webgpu');
      expect(K.memory().bytesInUse).toBeGreaterThan(base.bytesInUse);
    }
    expect(K.memory().bytesInUse).toBe(base.bytesInUse);
    const kept = K.scope(() => {
      const t = K.ones([10], { device: 'webgpu' }).mul(3).add(1);
      return { t, list: [t.sum()] };
    });
    expect(await kept.t.tolist()).toEqual(Array(10).fill(4));
    expect(await kept.list[0].item()).toBe(40);
    const asyncKept = await K.scope(async () => {
      const t = K.arange(0, 5, 1, { device: 'webgpu' }).mul(2);
      await t.data();
      return t.add(1);
    });
    expect(await asyncKept.tolist()).toEqual([1, 3, 5, 7, 9]);
    kept.t.dispose();
    kept.list[0].dispose();
    asyncKept.dispose();
    expect(K.memory().bytesInUse).toBe(base.bytesInUse);
    expect(() => kept.t.add(1)).toThrow(K.DeviceError);
  });
});
