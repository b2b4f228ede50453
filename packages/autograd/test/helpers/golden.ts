import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { type DType, type Tensor, tensor } from '@kindling/core';

/** A tensor as stored in a fixture file (see tools/golden/common.py). */
export interface TensorSpec {
  shape: number[];
  dtype: DType;
  data: (number | boolean | string)[];
}

/** One gradient case: inputs, which of them to differentiate, and PyTorch's gradients. */
export interface GradCase {
  inputs: Record<string, TensorSpec>;
  attrs: { wrt: string[] };
  out: TensorSpec[];
}

const here = dirname(fileURLToPath(import.meta.url));
const num = (v: number | boolean | string) =>
  v === 'nan' ? Number.NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v);

/** Builds a Kindling tensor (a fresh leaf) from a fixture spec. */
export function fromSpec(spec: TensorSpec): Tensor {
  return tensor(Float64Array.from(spec.data, num), { dtype: spec.dtype }).reshape(spec.shape).clone();
}

/** Reads `test/fixtures/<name>.json`. */
export function loadGradFixture(name: string): Record<string, GradCase> {
  return JSON.parse(readFileSync(join(here, '..', 'fixtures', `${name}.json`), 'utf8')).cases;
}

const TOL: Record<string, { rtol: number; atol: number }> = {
  float32: { rtol: 1e-4, atol: 1e-5 },
  float64: { rtol: 1e-10, atol: 1e-12 },
};

/** Asserts a gradient matches the fixture: dtype, shape, values within the dtype's tolerance. */
export function expectGrad(actual: Tensor | null, expected: TensorSpec, where: string): void {
  expect(actual, `${where}: missing gradient`).not.toBeNull();
  const t = actual as Tensor;
  expect(t.dtype, `${where}: dtype`).toBe(expected.dtype);
  expect([...t.shape], `${where}: shape`).toEqual(expected.shape);
  const got = t.dataSync();
  const want = expected.data.map(num);
  const { rtol, atol } = TOL[expected.dtype];
  for (let i = 0; i < want.length; i++) {
    const ok = Number.isNaN(want[i])
      ? Number.isNaN(got[i])
      : Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]);
    if (!ok)
      expect.fail(`${where}: element ${i} is ${got[i]}, expected ${want[i]} (rtol ${rtol}, atol ${atol})`);
  }
}
