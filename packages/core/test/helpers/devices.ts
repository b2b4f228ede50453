/**
 * Device parametrisation of the test suites. A suite that must hold on every backend loops over
 * `TEST_DEVICES`, calls `useDevice(device)` inside its `describe`, builds its tensors on the CPU,
 * moves them with `.to(device)`, and reads results back with `host()` before comparing them with
 * the same reference as on the CPU. WebGPU runs on a software adapter when there is no GPU (see
 * ../webgpu/harness.ts): without any adapter its tests FAIL with the set-up instructions, never skip.
 */
import { expect } from 'vitest';
import { type DeviceName, DTypeError, KindlingError, Tensor } from '@kindling/core';
import { useWebGPU } from '../webgpu/harness.js';

/** The devices every device-parametrised suite runs on. */
export const TEST_DEVICES: readonly DeviceName[] = ['cpu', 'webgpu'];

/** Opens `device` before each test of the enclosing `describe` (a no-op for the CPU). */
export function useDevice(device: DeviceName): void {
  if (device === 'webgpu') useWebGPU();
}

/** `t` on the CPU (read back from the device when needed); null stays null. */
export async function host(t: Tensor): Promise<Tensor>;
export async function host(t: Tensor | null | undefined): Promise<Tensor | null>;
export async function host(t: Tensor | null | undefined): Promise<Tensor | null> {
  if (!t) return null;
  return t.device === 'cpu' ? t : t.toAsync('cpu');
}

/** Every tensor of a (nested) list read back to the CPU. */
export async function hostAll(ts: readonly (Tensor | null)[]): Promise<(Tensor | null)[]> {
  return Promise.all(ts.map((t) => host(t)));
}

/** Whether `device` computes in float64 (the WebGPU backend has no float64). */
export function hasFloat64(device: DeviceName): boolean {
  return device === 'cpu';
}

/**
 * For a case whose data is float64 on a device without float64: asserts that moving the data there
 * fails with a DTypeError (the documented limitation), so such a case is checked, not skipped.
 */
export function expectNoFloat64(device: DeviceName, make: () => unknown): void {
  expect(hasFloat64(device), `${device} has float64`).toBe(false);
  expect(make).toThrow(DTypeError);
}

/**
 * Expects `fn` to fail with a KindlingError of class `cls`, either when called or when its result
 * is read back (a GPU kernel that finds a bad index reports it at the next read-back).
 */
export async function expectFailsOn(
  fn: () => unknown,
  cls: typeof KindlingError = KindlingError,
): Promise<void> {
  let err: unknown = null;
  try {
    const r = fn();
    const outs = Array.isArray(r) ? r : [r];
    for (const o of outs) if (o instanceof Tensor) await o.data();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected an error').toBeInstanceOf(cls);
}
