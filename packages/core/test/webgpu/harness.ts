/**
 * Device-parametrised test harness for the WebGPU backend.
 *
 * `useWebGPU()` opens one WebGPU device per test file (in Node through the `webgpu` package, i.e.
 * Dawn). Without a GPU, Dawn needs a Vulkan software driver: Debian's `chromium` package ships
 * SwiftShader's, and this harness points `VK_DRIVER_FILES` at it when the variable is unset and the
 * file exists. When no adapter can be opened every test of the file FAILS with the set-up
 * instructions; nothing is skipped.
 *
 * `gpuGoldenTests()` runs golden-fixture cases (the same files the CPU tests use) on the GPU: inputs
 * are uploaded with `.to('webgpu')`, the implementation runs there, and the result is read back with
 * `await toAsync('cpu')` and compared with PyTorch's values. Cases with float64 tensors must fail
 * with a DTypeError (float64 is CPU-only); error cases must throw a KindlingError, either when the
 * op is called or, for bad index values found by a kernel, at read-back.
 */
import { existsSync } from 'node:fs';
import { beforeEach, expect, it } from 'vitest';
import * as K from '@kindling/core';
import {
  expectMatches,
  fromSpec,
  loadFixture,
  type Result,
  type TensorSpec,
  type Tolerance,
} from '../helpers/golden.js';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** How to make a WebGPU adapter available, printed when none is found. */
export const SETUP = [
  'The WebGPU tests need a WebGPU adapter. In Node they use the `webgpu` npm package (Dawn, a',
  'devDependency of @kindling/core). Without a GPU install a Vulkan software driver, e.g. on',
  'Debian/Ubuntu: `apt-get install -y --no-install-recommends libvulkan1 chromium`, and set',
  `VK_DRIVER_FILES=${SWIFTSHADER_ICD} (set automatically when that file exists).`,
].join('\n');

let opened: Promise<K.DeviceInfo> | null = null;

/** Opens the WebGPU device (once per test file); throws with set-up instructions when it cannot. */
export function openWebGPU(): Promise<K.DeviceInfo> {
  opened ??= (async () => {
    if (!process.env.VK_DRIVER_FILES && existsSync(SWIFTSHADER_ICD))
      process.env.VK_DRIVER_FILES = SWIFTSHADER_ICD;
    let mod: typeof import('webgpu');
    try {
      mod = await import('webgpu');
    } catch (e) {
      throw new Error(`cannot load the 'webgpu' package (${(e as Error).message}).\n${SETUP}`);
    }
    Object.assign(globalThis, mod.globals);
    try {
      return await K.initDevice('webgpu', { gpu: mod.create([]) });
    } catch (e) {
      throw new Error(
        `no WebGPU device (${(e as Error).message}); VK_DRIVER_FILES=${process.env.VK_DRIVER_FILES ?? '(unset)'}.\n${SETUP}`,
      );
    }
  })();
  return opened;
}

/**
 * Opens the device before each test (once, cached). A `beforeEach` rather than a `beforeAll`: when
 * the device cannot be opened every test FAILS with the set-up instructions (a failing
 * `beforeAll` would only mark the tests skipped).
 */
export function useWebGPU(): void {
  beforeEach(async () => {
    await openWebGPU();
  }, 120_000);
}

/** Moves every tensor in a (nested) value to `device`. */
export function moveAll(v: unknown, device: K.DeviceName = 'webgpu'): any {
  if (v instanceof K.Tensor) return v.to(device);
  if (Array.isArray(v)) return v.map((x) => moveAll(x, device));
  return v;
}

/** Reads every tensor of a result back to the CPU (checking it was on the GPU). */
export async function toCpu(r: Result | unknown): Promise<any> {
  if (r instanceof K.Tensor) {
    expect(r.device, 'result device').toBe('webgpu');
    return r.toAsync('cpu');
  }
  if (Array.isArray(r)) return Promise.all(r.map(toCpu));
  if (r && typeof r === 'object' && 'values' in r && 'indices' in r) {
    const { values, indices } = r as { values: K.Tensor; indices: K.Tensor };
    return { values: await toCpu(values), indices: await toCpu(indices) };
  }
  return r;
}

const num = (v: number | boolean | string) =>
  v === 'nan' ? Number.NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v);

function isSpec(v: unknown): v is TensorSpec {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'shape' in v && 'dtype' in v;
}

function decode(v: unknown): any {
  if (isSpec(v)) return fromSpec(v);
  if (Array.isArray(v)) return v.map(decode);
  return typeof v === 'string' ? num(v) : v;
}

function hasF64(v: unknown): boolean {
  if (isSpec(v)) return v.dtype === 'float64';
  if (Array.isArray(v)) return v.some(hasF64);
  return false;
}

/** Expects `fn` (run, then read back) to fail with a KindlingError of class `cls`. */
export async function expectFails(
  fn: () => unknown,
  cls: typeof K.KindlingError = K.KindlingError,
): Promise<void> {
  let err: unknown = null;
  try {
    await toCpu(fn() as Result);
  } catch (e) {
    err = e;
  }
  expect(err, 'expected an error').toBeInstanceOf(cls);
}

/** An implementation of a fixture case, given inputs already on the GPU. */
export type GpuImpl = (inputs: Record<string, any>, attrs: Record<string, any>) => unknown;

/**
 * Declares one test per case of fixture `name` that has an implementation in `impls`. With
 * `all: true` every case must have one (checked by an extra test).
 */
export function gpuGoldenTests(
  name: string,
  impls: Record<string, GpuImpl>,
  options: { all?: boolean; tol?: Tolerance | ((caseName: string) => Tolerance) } = {},
): void {
  const cases = loadFixture(name);
  if (options.all) {
    it(`${name}: every fixture case runs on webgpu`, () => {
      expect(Object.keys(impls).sort()).toEqual(Object.keys(cases).sort());
    });
  } else {
    it(`${name}: every webgpu implementation names a fixture case`, () => {
      for (const k of Object.keys(impls)) expect(cases[k], k).toBeDefined();
    });
  }
  for (const [caseName, c] of Object.entries(cases)) {
    const impl = impls[caseName];
    if (!impl) continue;
    it(`${name} on webgpu: ${caseName}`, async () => {
      const cpuInputs = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, decode(v)]));
      const attrs = Object.fromEntries(Object.entries(c.attrs).map(([k, v]) => [k, decode(v)]));
      if (Object.values(c.inputs).some(hasF64)) {
        // float64 is CPU-only: uploading it must say so.
        expect(() => moveAll(Object.values(cpuInputs))).toThrow(K.DTypeError);
        return;
      }
      const inputs = Object.fromEntries(Object.entries(cpuInputs).map(([k, v]) => [k, moveAll(v)]));
      if (c.error) {
        await expectFails(() => impl(inputs, attrs));
        return;
      }
      if (hasF64(c.out)) {
        await expectFails(() => impl(inputs, attrs), K.DTypeError);
        return;
      }
      const result = await toCpu(impl(inputs, attrs) as Result);
      const tol = typeof options.tol === 'function' ? options.tol(caseName) : (options.tol ?? {});
      expectMatches(result, c.out as never, tol);
    });
  }
}
