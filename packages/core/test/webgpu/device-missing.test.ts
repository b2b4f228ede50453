/**
 * Before `initDevice('webgpu')` (this file never opens a device): clear DeviceErrors, and the
 * adapter-missing path of `initDevice` (a fake `GPU` whose adapter request returns null).
 */
import { describe, expect, it } from 'vitest';
import * as K from '@kindling/core';

describe('WebGPU before initDevice', () => {
  it('using the webgpu device says to call initDevice first', () => {
    expect(() => K.zeros([2], { device: 'webgpu' })).toThrow(K.DeviceError);
    expect(() => K.ones([2]).to('webgpu')).toThrow(/initDevice\('webgpu'\)/);
  });

  it('memory() reports zeros', () => {
    expect(K.memory()).toEqual({
      device: 'webgpu',
      bytesInUse: 0,
      buffersInUse: 0,
      bytesPooled: 0,
      buffersPooled: 0,
    });
    expect(K.memory('cpu').bytesInUse).toBe(0);
  });

  it('initDevice fails with a DeviceError (and set-up advice) when no adapter exists', async () => {
    const noAdapter = { requestAdapter: async () => null } as unknown as GPU;
    await expect(K.initDevice('webgpu', { gpu: noAdapter })).rejects.toThrow(K.DeviceError);
    await expect(K.initDevice('webgpu', { gpu: noAdapter })).rejects.toThrow(/VK_DRIVER_FILES/);
  });

  it('initDevice fails with a DeviceError when the runtime has no WebGPU', async () => {
    await expect(K.initDevice('webgpu')).rejects.toThrow(/WebGPU is not available/);
  });

  it('initDevice("cpu") is a no-op and unknown devices are refused', async () => {
    expect(await K.initDevice('cpu')).toEqual({ device: 'cpu' });
    await expect(K.initDevice('tpu' as 'cpu')).rejects.toThrow(K.DeviceError);
  });
});
