/**
 * RNG kernels of the CPU backend. Both primitives take no tensor inputs and produce one output, so
 * they need no derivative:
 * - `uniform`: attrs `{ shape, dtype: 'float32' | 'float64', key: [lo, hi], offset, low, high }` →
 *   `[out]`, values `low + (high - low) * u` with `u` in [0, 1).
 * - `normal`: attrs `{ shape, dtype, key, offset, mean, std }` → `[out]`, values `mean + std * z`.
 * The values follow the Philox stream layout documented in `random/philox.ts`, which a GPU
 * backend reproduces from the same attrs.
 */
import type { Kernel } from '../../backend.js';
import {
  fillNormal,
  fillUniform,
  type FloatArray,
  type PhiloxKey,
  type RandomDType,
} from '../../random/philox.js';
import { newCpuTensor } from './memory.js';

interface RandomAttrs {
  shape: number[];
  dtype: RandomDType;
  key: PhiloxKey;
  offset: number;
}

const uniform: Kernel = (_inputs, attrs) => {
  const a = attrs as unknown as RandomAttrs & { low?: number; high?: number };
  const { tensor, data } = newCpuTensor(a.shape, a.dtype);
  fillUniform(data as FloatArray, a.key, a.offset, a.dtype, a.low ?? 0, a.high ?? 1);
  return [tensor];
};

const normal: Kernel = (_inputs, attrs) => {
  const a = attrs as unknown as RandomAttrs & { mean?: number; std?: number };
  const { tensor, data } = newCpuTensor(a.shape, a.dtype);
  fillNormal(data as FloatArray, a.key, a.offset, a.dtype, a.mean ?? 0, a.std ?? 1);
  return [tensor];
};

/** RNG kernels of the CPU backend. */
export const randomKernels: Record<string, Kernel> = { uniform, normal };
