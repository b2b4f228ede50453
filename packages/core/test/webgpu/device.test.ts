/**
 * The WebGPU backend's device-level behaviour: what initDevice reports, kernel coverage, transfers
 * and casts for every GPU dtype, float64 refusal, async read-back, in-place copies, errors found by
 * kernels, and large launches.
 */
import { describe, expect, it } from 'vitest';
import * as K from '@kindling/core';
import { openWebGPU, useWebGPU } from './harness.js';

useWebGPU();

const gpu = { device: 'webgpu' as const };
const GPU_DTYPES: K.DType[] = ['float32', 'int32', 'bool', 'float16', 'bfloat16'];
const SPECIAL = [
  0,
  -0,
  1.5,
  -2.5,
  0.5,
  Number.NaN,
  Infinity,
  -Infinity,
  1e-8,
  65504,
  70000,
  -3.7,
  1e10,
  2 ** 31,
  -123456.789,
];

/** Element lists equal, NaN equal to NaN, -0 equal to 0. */
function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) {
    const ok = (Number.isNaN(a[i]) && Number.isNaN(b[i])) || a[i] === b[i];
    if (!ok) expect.fail(`element ${i}: webgpu ${a[i]}, cpu ${b[i]}`);
  }
}

describe('initDevice', () => {
  it('reports the adapter, its features and the limits it requested', async () => {
    const info = await openWebGPU();
    expect(info.device).toBe('webgpu');
    expect(typeof info.adapter?.vendor).toBe('string');
    expect(info.limits?.maxComputeInvocationsPerWorkgroup).toBe(256);
    expect(info.limits?.maxStorageBuffersPerShaderStage).toBeGreaterThanOrEqual(6);
    expect(info.limits?.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
    expect(Array.isArray(info.features)).toBe(true);
    expect(await K.initDevice('webgpu')).toBe(info);
  });

  it('implements every primitive the CPU backend implements (fused optional ones aside)', () => {
    const cpu = Object.keys(K.getBackend('cpu').kernels).filter((op) => !K.OPTIONAL_KERNELS.has(op));
    const webgpu = new Set(Object.keys(K.getBackend('webgpu').kernels));
    expect(cpu.filter((op) => !webgpu.has(op))).toEqual([]);
  });
});

describe('transfers and dtypes', () => {
  it('round-trips every GPU dtype (contiguous, strided, 0-d and empty)', async () => {
    for (const dtype of GPU_DTYPES) {
      const x = K.tensor(SPECIAL.slice(0, 12), { dtype: dtype === 'bool' ? 'float32' : 'float32' })
        .to(dtype)
        .reshape([3, 4]);
      for (const v of [
        x,
        x.t(),
        x.index([1]),
        x.index([K.sliceOf(), K.sliceOf(null, null, 2)]),
        x.index([0, 1]),
      ]) {
        const back = await v.to('webgpu').toAsync('cpu');
        expect(back.device).toBe('cpu');
        expect(back.dtype).toBe(dtype);
        expect([...back.shape]).toEqual([...v.shape]);
        sameValues(back.dataSync(), v.dataSync());
      }
      const empty = K.zeros([0, 3], { dtype }).to('webgpu');
      expect([...(await empty.toAsync('cpu')).shape]).toEqual([0, 3]);
    }
  });

  it('casts between every pair of GPU dtypes exactly as the CPU', async () => {
    const src = K.tensor(SPECIAL);
    for (const from of GPU_DTYPES) {
      const x = src.to(from);
      const g = x.to('webgpu');
      for (const to of GPU_DTYPES) {
        const c = x.to(to);
        const r = g.to(to);
        expect(r.device).toBe('webgpu');
        expect(r.dtype).toBe(to);
        sameValues(await r.data(), c.dataSync());
      }
    }
  });

  it('float64 stays on the CPU: uploads and casts say so with a DTypeError', async () => {
    expect(() => K.ones([2], { dtype: 'float64' }).to('webgpu')).toThrow(K.DTypeError);
    expect(() => K.ones([2], gpu).to('float64')).toThrow(/float64/);
    expect(() => K.zeros([2], { dtype: 'float64', ...gpu })).toThrow(K.DTypeError);
    const back = await K.ones([2], gpu).toAsync({ device: 'cpu', dtype: 'float64' });
    expect(back.dtype).toBe('float64');
    expect(back.tolistSync()).toEqual([1, 1]);
  });

  it('synchronous reads explain how to read a GPU tensor', async () => {
    const x = K.arange(0, 4, 1, gpu);
    expect(() => x.dataSync()).toThrow(/await x.data\(\)/);
    expect(() => x.to('cpu')).toThrow(/toAsync\('cpu'\)/);
    expect(await x.tolist()).toEqual([0, 1, 2, 3]);
    expect(await x.sum().item()).toBe(6);
    expect(String(x)).toContain('webgpu');
  });

  it('refuses to mix devices in one op', () => {
    expect(() => K.ones([2], gpu).add(K.ones([2]))).toThrow(K.DeviceError);
  });
});

describe('in-place writes', () => {
  it('copy_ into strided views, from the CPU, and between overlapping views of one storage', async () => {
    const x = K.arange(0, 6, 1, gpu);
    x.index([K.sliceOf(1)]).copy_(x.index([K.sliceOf(null, 5)]));
    expect(await x.tolist()).toEqual([0, 0, 1, 2, 3, 4]);
    const m = K.zeros([3, 4], gpu);
    m.t()
      .index([1])
      .copy_(K.tensor([7, 8, 9]));
    m.index([K.sliceOf(), 3]).fill_(5);
    expect(await m.tolist()).toEqual([
      [0, 7, 0, 5],
      [0, 8, 0, 5],
      [0, 9, 0, 5],
    ]);
    const v = m.version;
    m.add_(1);
    expect(m.version).toBeGreaterThan(v);
  });
});

describe('errors found by kernels', () => {
  it('a bad gather index is reported as an IndexError at the next read-back, then cleared', async () => {
    const x = K.arange(0, 4, 1, gpu);
    const bad = K.gather(x, 0, K.tensor([0, 9], { dtype: 'int32', ...gpu }));
    await expect(bad.data()).rejects.toThrow(K.IndexError);
    expect(await K.gather(x, 0, K.tensor([3, 1], { dtype: 'int32', ...gpu })).tolist()).toEqual([3, 1]);
    const sel = K.indexSelect(x, 0, K.tensor([-1], { dtype: 'int32', ...gpu }));
    await expect(sel.data()).rejects.toThrow(/indexSelect: index -1 is out of bounds/);
  });

  it('nonzero asks to move the data to the CPU', () => {
    expect(() => K.ones([3], gpu).nonzero()).toThrow(/toAsync\('cpu'\)/);
  });
});

describe('large launches', () => {
  it('an elementwise op over more than 65535 workgroups (2-D grid) covers every element', async () => {
    const n = 65536 * 256 + 512;
    const x = K.arange(0, 8, 1, gpu)
      .expand([n / 8, 8])
      .add(1);
    expect(await x.reshape([512, -1]).sum(1).sum().item()).toBe((n / 8) * 36);
    expect(await x.index([K.sliceOf(n / 8 - 1)]).tolist()).toEqual([[1, 2, 3, 4, 5, 6, 7, 8]]);
    x.dispose();
    K.emptyCache();
    expect(K.memory().bytesPooled).toBe(0);
  }, 60_000);
});
