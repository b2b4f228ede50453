import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { type DType, KindlingError, Tensor, tensor } from '@kindling/core';

/** A tensor as stored in a fixture file. */
export interface TensorSpec {
  shape: number[];
  dtype: DType;
  data: (number | boolean | string)[];
}
type Value = TensorSpec | number | boolean | string | Value[];
interface Case {
  inputs: Record<string, Value>;
  attrs: Record<string, Value>;
  out?: Value;
  error?: true;
}
/** What an implementation of a case may return. */
export type Result = Tensor | number | boolean | Result[] | { values: Tensor; indices: Tensor };
/** Inputs decoded to tensors (numbers and lists stay as they are). */
export type Inputs = Record<string, any>;
/** A Kindling implementation of one fixture case. */
export type Impl = (inputs: Inputs, attrs: Record<string, any>) => Result;

const here = dirname(fileURLToPath(import.meta.url));

const num = (v: number | boolean | string) =>
  v === 'nan' ? Number.NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v);

function isSpec(v: unknown): v is TensorSpec {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'shape' in v && 'dtype' in v;
}

/** Builds a Kindling tensor from a fixture spec. */
export function fromSpec(spec: TensorSpec): Tensor {
  return tensor(Float64Array.from(spec.data, num), { dtype: spec.dtype }).reshape(spec.shape);
}

function decode(v: Value): any {
  if (isSpec(v)) return fromSpec(v);
  if (Array.isArray(v)) return v.map(decode);
  return typeof v === 'string' ? num(v) : v;
}

/** Tolerances per dtype, overridable per test. */
export interface Tolerance {
  rtol?: number;
  atol?: number;
}
const DEFAULT_TOL: Record<string, Required<Tolerance>> = {
  float32: { rtol: 1e-5, atol: 1e-6 },
  float64: { rtol: 1e-10, atol: 1e-12 },
  float16: { rtol: 1e-3, atol: 1e-3 },
  bfloat16: { rtol: 1e-2, atol: 1e-2 },
};

/** Asserts `actual` matches the fixture value: same dtype and shape, values within tolerance (NaN matches NaN). */
export function expectMatches(actual: Result, expected: Value, tol: Tolerance = {}, where = 'out'): void {
  if (Array.isArray(expected)) {
    const arr = isVI(actual) ? [actual.values, actual.indices] : (actual as Result[]);
    expect(Array.isArray(arr), `${where}: expected a list`).toBe(true);
    expect(arr.length, `${where}: list length`).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) expectMatches(arr[i], expected[i], tol, `${where}[${i}]`);
    return;
  }
  if (!isSpec(expected)) {
    const a = actual instanceof Tensor ? actual.itemSync() : (actual as number | boolean);
    const e = typeof expected === 'string' ? num(expected) : expected;
    if (typeof e === 'number' && Number.isNaN(e)) expect(Number.isNaN(a), where).toBe(true);
    else expect(Number(a), where).toBeCloseTo(Number(e), 5);
    return;
  }
  expect(actual instanceof Tensor, `${where}: expected a Tensor`).toBe(true);
  const t = actual as Tensor;
  expect(t.dtype, `${where}: dtype`).toBe(expected.dtype);
  expect([...t.shape], `${where}: shape`).toEqual(expected.shape);
  const got = t.dataSync();
  const want = expected.data.map(num);
  const { rtol, atol } = { ...(DEFAULT_TOL[expected.dtype] ?? { rtol: 0, atol: 0 }), ...tol };
  let worst = -1;
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    const ok = Number.isNaN(w) ? Number.isNaN(g) : g === w || Math.abs(g - w) <= atol + rtol * Math.abs(w);
    if (!ok) {
      worst = i;
      break;
    }
  }
  if (worst >= 0) {
    expect.fail(
      `${where}: element ${worst} is ${got[worst]}, expected ${want[worst]} (rtol ${rtol}, atol ${atol})`,
    );
  }
}

function isVI(v: unknown): v is { values: Tensor; indices: Tensor } {
  return typeof v === 'object' && v !== null && 'values' in v && 'indices' in v;
}

/** Reads `test/fixtures/<name>.json` of the package whose test dir holds `helpers/`. */
export function loadFixture(name: string): Record<string, Case> {
  const raw = JSON.parse(readFileSync(join(here, '..', 'fixtures', `${name}.json`), 'utf8'));
  return raw.cases;
}

/**
 * Declares one test per fixture case. Every case needs an implementation and every
 * implementation a case, so fixtures and tests cannot drift apart. Error cases must throw a
 * KindlingError.
 */
export function goldenTests(
  name: string,
  impls: Record<string, Impl>,
  tol: Tolerance | ((caseName: string) => Tolerance) = {},
): void {
  const cases = loadFixture(name);
  it(`${name}: every fixture case has an implementation and vice versa`, () => {
    expect(Object.keys(impls).sort()).toEqual(Object.keys(cases).sort());
  });
  for (const [caseName, c] of Object.entries(cases)) {
    const impl = impls[caseName];
    if (!impl) continue;
    it(`${name}: ${caseName}`, () => {
      const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, decode(v)]));
      const attrs = Object.fromEntries(Object.entries(c.attrs).map(([k, v]) => [k, decode(v)]));
      if (c.error) {
        expect(() => impl(inputs, attrs)).toThrow(KindlingError);
        return;
      }
      expectMatches(impl(inputs, attrs), c.out as Value, typeof tol === 'function' ? tol(caseName) : tol);
    });
  }
}
