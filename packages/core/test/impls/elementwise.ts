/** Kindling implementations of every `core_elementwise` fixture case, shared by the CPU and WebGPU golden tests. */
import * as K from '@kindling/core';
import type { Impl } from '../helpers/golden.js';

export const fns = K as unknown as Record<string, (...args: any[]) => K.Tensor>;
export const unaryOf = (name: string): ((x: K.Tensor) => K.Tensor) =>
  name === 'geluTanh' ? (x) => K.gelu(x, { approximate: 'tanh' }) : (x) => fns[name](x);

export const impls: Record<string, Impl> = {};
export const unaryNames = [
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
export const binaryNames = [
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
export const noScalar = new Set(['maximum', 'minimum', 'atan2', 'logicalAnd', 'logicalOr', 'logicalXor']);
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
} satisfies Record<string, Impl>);
