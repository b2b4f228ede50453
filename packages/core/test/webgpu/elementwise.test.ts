/** Every case of the core_elementwise golden fixture, run on the WebGPU backend. */
import { describe, expect, it } from 'vitest';
import * as K from '@kindling/core';
import { type GpuImpl, gpuGoldenTests, useWebGPU } from './harness.js';

useWebGPU();

const fns = K as unknown as Record<string, (...args: any[]) => K.Tensor>;
const unaryOf = (name: string): ((x: K.Tensor) => K.Tensor) =>
  name === 'geluTanh' ? (x) => K.gelu(x, { approximate: 'tanh' }) : (x) => fns[name](x);

const impls: Record<string, GpuImpl> = {};
const unaryNames = [
  'neg',
  'abs',
  'sign',
  'exp',
  'expm1',
  'sin',
  'cos',
  'tan',
  'tanh',
  'sigmoid',
  'relu',
  'erf',
  'floor',
  'ceil',
  'round',
  'trunc',
  'square',
  'atan',
  'sinh',
  'cosh',
  'silu',
  'gelu',
  'geluTanh',
  'isnan',
  'isinf',
  'isfinite',
  'logicalNot',
  'softplus',
  'elu',
  'leakyRelu',
  'nanToNum',
];
for (const n of unaryNames)
  for (const v of ['randn', 'special', 'f64']) impls[`${n}_${v}`] = ({ x }) => unaryOf(n)(x);
for (const n of ['sqrt', 'rsqrt', 'log', 'log1p', 'log2', 'log10', 'reciprocal']) {
  for (const v of ['pos', 'special']) impls[`${n}_${v}`] = ({ x }) => fns[n](x);
}
for (const n of ['asin', 'acos']) impls[`${n}_unit`] = ({ x }) => fns[n](x);
for (const n of ['neg', 'abs', 'sign', 'square']) impls[`${n}_int`] = ({ x }) => fns[n](x);
const binaryNames = [
  'add',
  'sub',
  'mul',
  'div',
  'maximum',
  'minimum',
  'atan2',
  'remainder',
  'fmod',
  'floorDivide',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'logicalAnd',
  'logicalOr',
  'logicalXor',
];
const noScalar = new Set(['maximum', 'minimum', 'atan2', 'logicalAnd', 'logicalOr', 'logicalXor']);
for (const n of binaryNames) {
  impls[`${n}_bcast`] = ({ a, b }) => fns[n](a, b);
  impls[`${n}_int`] = ({ a, b }) => fns[n](a, b);
  if (!noScalar.has(n)) impls[`${n}_scalar`] = ({ a }, { b }) => fns[n](a, b);
}
Object.assign(impls, {
  sqrt_int_promotes: ({ x }) => K.sqrt(x),
  exp_noncontig: ({ x }) => K.exp(x.t()),
  relu_empty: ({ x }) => K.relu(x),
  exp_0d: ({ x }) => K.exp(x),
  softplus_beta: ({ x }) => K.softplus(x, { beta: 2, threshold: 1 }),
  elu_alpha: ({ x }) => K.elu(x, { alpha: 0.5 }),
  leakyRelu_slope: ({ x }) => K.leakyRelu(x, { negativeSlope: 0.2 }),
  nanToNum_custom: ({ x }) => K.nanToNum(x, { nan: 1, posinf: 2, neginf: -3 }),
  pow_pos: ({ a, b }) => K.pow(a, b),
  pow_scalar: ({ a }, { b }) => K.pow(a, b),
  pow_int: ({ a, b }) => K.pow(a, b),
  add_alpha: ({ a, b }) => K.add(a, b, { alpha: -2.5 }),
  sub_alpha: ({ a, b }) => K.sub(a, b, { alpha: 3 }),
  div_floor: ({ a, b }) => K.div(a, b, { roundingMode: 'floor' }),
  div_trunc: ({ a, b }) => K.div(a, b, { roundingMode: 'trunc' }),
  div_int_true: ({ a, b }) => K.div(a, b),
  add_int_float_promotes: ({ a, b }) => K.add(a, b),
  add_int_scalar_float: ({ a }, { b }) => K.add(a, b),
  add_f32_f64_0d: ({ a, b }) => K.add(a, b),
  add_f32_f64: ({ a, b }) => K.add(a, b),
  mul_bcast_corner: ({ a, b }) => K.mul(a, b),
  add_noncontig: ({ a, b }) => K.add(a.t(), b),
  add_empty: ({ a, b }) => K.add(a, b),
  maximum_nan: ({ a, b }) => K.maximum(a, b),
  add_bad_bcast: ({ a, b }) => K.add(a, b),
  where: ({ c, a, b }) => K.where(c, a, b),
  where_scalar: ({ c, a }) => K.where(c, a, 0),
  clamp: ({ x }) => K.clamp(x, -0.5, 0.5),
  clamp_min: ({ x }) => K.clamp(x, 0.1),
  clamp_tensor: ({ x, lo, hi }) => K.clamp(x, lo, hi),
  lerp_scalar: ({ a, b }) => K.lerp(a, b, 0.3),
  lerp_tensor: ({ a, b, w }) => K.lerp(a, b, w),
  maskedFill: ({ x, m }) => x.maskedFill(m, -1),
} satisfies Record<string, GpuImpl>);

describe('elementwise ops on webgpu match PyTorch 1.13', () => {
  gpuGoldenTests('core_elementwise', impls, {
    all: true,
    tol: (name) => (name.startsWith('tan_') || name.includes('geluTanh') ? { rtol: 1e-4, atol: 1e-5 } : {}),
  });
});

/** Distance in float32 ulps (NaN equals NaN). */
function ulps(a: number, b: number): number {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return 0;
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.POSITIVE_INFINITY;
  const i = new Int32Array(new Float32Array([a, b]).buffer);
  const key = (v: number) => (v < 0 ? -2147483648 - v : v);
  return Math.abs(key(i[0]) - key(i[1]));
}

describe('WGSL math library accuracy against the CPU (float64 computation rounded once)', () => {
  const gen = new K.Generator(1);
  const ranges: [string, K.Tensor][] = [
    ['[-1, 1]', K.rand([2048], { generator: gen }).mul(2).sub(1)],
    ['[-10, 10]', K.rand([2048], { generator: gen }).mul(20).sub(10)],
    ['[-100, 100]', K.rand([2048], { generator: gen }).mul(200).sub(100)],
    ['[-1e-3, 1e-3]', K.rand([2048], { generator: gen }).mul(2e-3).sub(1e-3)],
    ['[0, 1000]', K.rand([2048], { generator: gen }).mul(1000)],
  ];
  // Allowed error: `ulp` float32 ulps, or an absolute error below `abs` (results near zero). WGSL
  // lets GPUs flush subnormals to zero, so results that pass through subnormal values (below ~1e-36) may differ.
  const unary: Record<string, { ulp: number; abs?: number }> = {
    exp: { ulp: 2 },
    expm1: { ulp: 2 },
    log: { ulp: 2 },
    log1p: { ulp: 2 },
    log2: { ulp: 2 },
    log10: { ulp: 3 },
    sin: { ulp: 2 },
    cos: { ulp: 2 },
    tan: { ulp: 4 },
    asin: { ulp: 3 },
    acos: { ulp: 3 },
    atan: { ulp: 3 },
    sinh: { ulp: 4 },
    cosh: { ulp: 4 },
    tanh: { ulp: 3 },
    sigmoid: { ulp: 3 },
    erf: { ulp: 3 },
    gelu: { ulp: 16, abs: 1e-15 },
    silu: { ulp: 4 },
    softplus: { ulp: 4 },
    sqrt: { ulp: 0 },
    rsqrt: { ulp: 2 },
  };
  for (const [op, tol] of Object.entries(unary)) {
    it(`${op} is within ${tol.ulp} ulp over several ranges`, async () => {
      for (const [name, x] of ranges) {
        const c = fns[op](x).dataSync();
        const g = await fns[op](x.to('webgpu')).data();
        const xv = x.dataSync();
        for (let i = 0; i < c.length; i++) {
          const u = ulps(g[i], c[i]);
          if (u > tol.ulp && !(Math.abs(g[i] - c[i]) <= Math.max(tol.abs ?? 0, 1e-36)))
            expect.fail(`${op}(${xv[i]}) in ${name}: webgpu ${g[i]}, cpu ${c[i]} (${u} ulp)`);
        }
      }
    });
  }
  it('binary float ops (pow, atan2, remainder, fmod, floorDivide, div) are within 2 ulp', async () => {
    const a = ranges[2][1];
    const b = ranges[1][1];
    for (const op of ['pow', 'atan2', 'remainder', 'fmod', 'floorDivide', 'div']) {
      const c = fns[op](a, b).dataSync();
      const g = await fns[op](a.to('webgpu'), b.to('webgpu')).data();
      for (let i = 0; i < c.length; i++) {
        if (ulps(g[i], c[i]) > 2) expect.fail(`${op} element ${i}: webgpu ${g[i]}, cpu ${c[i]}`);
      }
    }
  });
});
