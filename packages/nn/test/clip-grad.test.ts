import '@kindling/autograd';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  type DeviceName,
  DeviceError,
  KindlingError,
  type Tensor,
  tensor,
  ValueError,
  zerosLike,
} from '@kindling/core';
import {
  expectNoFloat64,
  hasFloat64,
  host,
  TEST_DEVICES,
  useDevice,
} from '../../core/test/helpers/devices.js';
import { expectMatches, fromSpec, type TensorSpec } from '../../core/test/helpers/golden.js';
import { clipGradNorm_, clipGradValue_, Parameter } from '../src/index.js';

interface Case {
  inputs: Record<string, TensorSpec>;
  attrs: Record<string, any>;
  out?: TensorSpec[];
  error?: true;
}
const here = dirname(fileURLToPath(import.meta.url));
const all: Record<string, Case> = JSON.parse(
  readFileSync(join(here, 'fixtures', 'nn_optim.json'), 'utf8'),
).cases;
const cases = Object.entries(all).filter(([k]) => k.startsWith('clip_'));

const num = (v: unknown) => (v === 'inf' ? Infinity : (v as number));

function paramsOf(c: Case, device: DeviceName = 'cpu'): Parameter[] {
  return Object.keys(c.inputs)
    .sort()
    .map((k, i) => {
      const g = fromSpec(c.inputs[k]).to(device);
      const p = new Parameter(zerosLike(g));
      if (!c.attrs.noGrad.includes(i)) p.grad = g;
      return p;
    });
}

function run(c: Case, params: Parameter[]): Tensor | undefined {
  if (c.attrs.fn === 'value') {
    clipGradValue_(params, c.attrs.clipValue);
    return undefined;
  }
  return clipGradNorm_(params, c.attrs.maxNorm, {
    normType: c.attrs.normType === undefined ? undefined : num(c.attrs.normType),
    errorIfNonfinite: c.attrs.errorIfNonfinite,
  });
}

for (const device of TEST_DEVICES) {
  describe(`gradient clipping matches PyTorch on ${device}`, () => {
    useDevice(device);
    for (const [name, c] of cases) {
      it(name, async () => {
        const f64 = Object.values(c.inputs).some((v) => v.dtype === 'float64');
        if (f64 && !hasFloat64(device)) {
          expectNoFloat64(device, () => paramsOf(c, device));
          return;
        }
        const params = paramsOf(c, device);
        if (c.attrs.errorIfNonfinite && device !== 'cpu') {
          // The finiteness check needs a synchronous read-back, which the GPU cannot do.
          expect(() => run(c, params)).toThrow(DeviceError);
          return;
        }
        if (c.error) {
          expect(() => run(c, params)).toThrow(KindlingError);
          return;
        }
        const total = run(c, params);
        const want = c.out as TensorSpec[];
        const grads = c.attrs.fn === 'norm' ? want.slice(1) : want;
        if (total) expectMatches(await host(total), want[0], {}, 'total norm');
        for (const [i, p] of params.entries()) {
          if (c.attrs.noGrad.includes(i)) expect(p.grad).toBeNull();
          else expectMatches(await host(p.grad as Tensor), grads[i], {}, `grad ${i}`);
        }
      });
    }
  });
}

describe('gradient clipping details', () => {
  it('modifies the gradient tensors in place', () => {
    const p = new Parameter(tensor([0, 0], { dtype: 'float32' }));
    const g = tensor([3, 4], { dtype: 'float32' });
    p.grad = g;
    const total = clipGradNorm_(p, 1);
    expect(total.itemSync()).toBeCloseTo(5, 6);
    expect(p.grad).toBe(g);
    expect(g.dataSync()[0]).toBeCloseTo(0.6, 6);
  });
  it("accepts 'inf' and returns a zero norm for no gradients", () => {
    const p = new Parameter(tensor([1, -7], { dtype: 'float32' }));
    expect(clipGradNorm_([p], 1).itemSync()).toBe(0);
    p.grad = tensor([1, -7], { dtype: 'float32' });
    expect(clipGradNorm_([p], 100, { normType: 'inf' }).itemSync()).toBe(7);
  });
  it('validates arguments', () => {
    const p = new Parameter(tensor([1], { dtype: 'float32' }));
    expect(() => clipGradNorm_([p], 1, { normType: 0 })).toThrow(ValueError);
    expect(() => clipGradNorm_([p], Number.NaN)).toThrow(ValueError);
    expect(() => clipGradValue_([p], Number.NaN)).toThrow(ValueError);
  });
});
