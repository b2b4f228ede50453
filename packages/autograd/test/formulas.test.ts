/**
 * Every derivative formula of the table, checked against float64 central finite differences
 * (gradcheck: an independent reference) and, for second order, with gradgradcheck. Each case also
 * asserts that it really runs the primitive it is named after (a spy dispatch layer).
 *
 * The same cases then run on every other device (WebGPU, float32 only): first- and second-order
 * gradients there must equal the CPU's float32 gradients for the same inputs.
 */
import { describe, expect, it } from 'vitest';
import * as K from '@kindling/core';
import { type DeviceName, type Tensor, dispatch1, installLayer, sliceOf, tensor } from '@kindling/core';
import { host, TEST_DEVICES, useDevice } from '../../core/test/helpers/devices.js';
import { derivatives, grad, gradcheck, gradgradcheck, noGrad } from '../src/index.js';
import { idx, leaf, rnd } from './helpers/data.js';

let seen: Set<string> | null = null;
installLayer({
  name: 'test-spy',
  handle(op, inputs, attrs, next) {
    seen?.add(op);
    return next(op, inputs, attrs);
  },
});

interface Case {
  /** What the case checks. */
  name: string;
  fn: (...xs: Tensor[]) => Tensor | Tensor[];
  inputs: () => Tensor[];
  /** Also run gradgradcheck (default true). */
  second?: boolean;
  atol?: number;
}

const u = (name: string, fn: (x: Tensor) => Tensor, inputs: () => Tensor[], second = true): Case => ({
  name,
  fn: fn as Case['fn'],
  inputs,
  second,
});
const sym = (seed: number) => () => [rnd([2, 3], seed)];
const pos = (seed: number) => () => [rnd([2, 3], seed, 0.5, 2)];
/** A constant of a case on the device of the case's input `x` (and in its dtype, when floating). */
const on = (x: Tensor, t: Tensor) =>
  t.to({ device: x.device, dtype: t.isFloatingPoint() ? x.dtype : t.dtype });
/**
 * Layer normalisation over the last `size` elements as nn's `layerNorm` runs it: the fused
 * primitive where the device has it, else the same normalisation written with tensor ops.
 */
function layerNorm(x: Tensor, size: number, eps: number, w?: Tensor, b?: Tensor): Tensor {
  if (K.getBackend(x.device).kernels.layerNorm) {
    const inputs = [x, ...(w ? [w] : []), ...(b ? [b] : [])];
    return K.dispatch('layerNorm', inputs, { size, eps, affine: b ? 'both' : w ? 'weight' : 'none' })[0];
  }
  const x2 = x.reshape([-1, size]);
  const c = x2.sub(x2.mean(-1, { keepdim: true }));
  let y = c.mul(c.square().mean(-1, { keepdim: true }).add(eps).rsqrt());
  if (w) y = y.mul(w);
  if (b) y = y.add(b);
  return y.reshape(x.shape);
}
/** Away from kinks and integers: for piecewise ops. */
const safe = () => [
  leaf([
    [-1.7, -0.6, 0.3],
    [0.8, 1.4, -2.3],
  ]),
];

const cases: Record<string, Case[]> = {
  // ---- unary
  neg: [u('neg', (x) => x.neg(), sym(1))],
  abs: [u('abs', (x) => x.abs(), safe)],
  sign: [u('sign', (x) => x.sign().mul(x), safe)],
  floor: [u('floor', (x) => x.floor().add(x.mul(2)), safe)],
  ceil: [u('ceil', (x) => x.ceil().add(x), safe)],
  round: [u('round', (x) => x.round().add(x), safe)],
  trunc: [u('trunc', (x) => x.trunc().add(x), safe)],
  sqrt: [u('sqrt', (x) => x.sqrt(), pos(2))],
  rsqrt: [u('rsqrt', (x) => x.rsqrt(), pos(3))],
  square: [u('square', (x) => x.square(), sym(4))],
  exp: [u('exp', (x) => x.exp(), sym(5))],
  expm1: [u('expm1', (x) => x.expm1(), sym(6))],
  log: [u('log', (x) => x.log(), pos(7))],
  log1p: [
    u(
      'log1p',
      (x) => x.log1p(),
      () => [rnd([2, 3], 8, -0.5, 2)],
    ),
  ],
  log2: [u('log2', (x) => x.log2(), pos(9))],
  log10: [u('log10', (x) => x.log10(), pos(10))],
  sin: [u('sin', (x) => x.sin(), sym(11))],
  cos: [u('cos', (x) => x.cos(), sym(12))],
  tan: [
    u(
      'tan',
      (x) => x.tan(),
      () => [rnd([2, 3], 13, -1, 1)],
    ),
  ],
  asin: [
    u(
      'asin',
      (x) => K.asin(x),
      () => [rnd([2, 3], 14, -0.9, 0.9)],
    ),
  ],
  acos: [
    u(
      'acos',
      (x) => K.acos(x),
      () => [rnd([2, 3], 15, -0.9, 0.9)],
    ),
  ],
  atan: [u('atan', (x) => K.atan(x), sym(16))],
  sinh: [u('sinh', (x) => K.sinh(x), sym(17))],
  cosh: [u('cosh', (x) => K.cosh(x), sym(18))],
  tanh: [u('tanh', (x) => x.tanh(), sym(19))],
  sigmoid: [u('sigmoid', (x) => x.sigmoid(), sym(20))],
  relu: [u('relu', (x) => x.relu(), safe)],
  gelu: [u('gelu', (x) => x.gelu(), sym(21))],
  geluTanh: [u('gelu tanh', (x) => x.gelu({ approximate: 'tanh' }), sym(22))],
  silu: [u('silu', (x) => x.silu(), sym(23))],
  softplus: [
    u(
      'softplus beta 2, threshold 1 (both branches)',
      (x) => K.softplus(x, { beta: 2, threshold: 1 }),
      () => [leaf([-1, 0.2, 0.3, 0.8, 1.5])],
    ),
  ],
  elu: [u('elu alpha 1.5', (x) => K.elu(x, { alpha: 1.5 }), safe)],
  leakyRelu: [u('leakyRelu 0.2', (x) => K.leakyRelu(x, { negativeSlope: 0.2 }), safe)],
  erf: [u('erf', (x) => x.erf(), sym(24))],
  reciprocal: [
    u(
      'reciprocal',
      (x) => x.reciprocal(),
      () => [
        leaf([
          [0.5, -1.2, 2],
          [-0.7, 1.5, -2.5],
        ]),
      ],
    ),
  ],
  nanToNum: [
    u(
      'nanToNum with inf',
      (x) => x.nanToNum({ posinf: 3 }).mul(2),
      () => [leaf([1, Infinity, -2])],
      false,
    ),
  ],
  // ---- binary
  add: [
    { name: 'add', fn: (a, b) => a.add(b), inputs: () => [rnd([2, 3], 30), rnd([2, 3], 31)] },
    {
      name: 'add broadcast + alpha',
      fn: (a, b) => a.add(b, { alpha: 3 }),
      inputs: () => [rnd([2, 3], 32), rnd([3], 33)],
    },
  ],
  sub: [{ name: 'sub broadcast', fn: (a, b) => a.sub(b), inputs: () => [rnd([2, 1], 34), rnd([3], 35)] }],
  mul: [
    { name: 'mul', fn: (a, b) => a.mul(b), inputs: () => [rnd([2, 3], 36), rnd([2, 3], 37)] },
    { name: 'mul by python scalar', fn: (a) => a.mul(2.5), inputs: () => [rnd([4], 38)] },
  ],
  div: [{ name: 'div', fn: (a, b) => a.div(b), inputs: () => [rnd([2, 3], 39), rnd([2, 3], 40, 0.5, 2)] }],
  pow: [
    {
      name: 'pow tensor exponent',
      fn: (a, b) => a.pow(b),
      inputs: () => [rnd([2, 3], 41, 0.5, 2), rnd([2, 3], 42, -1, 2)],
    },
    { name: 'pow scalar exponent, negative base', fn: (a) => a.pow(3), inputs: () => [leaf([-1.5, 2, 0.3])] },
  ],
  maximum: [
    { name: 'maximum', fn: (a, b) => a.maximum(b), inputs: () => [rnd([2, 3], 43), rnd([2, 3], 44)] },
  ],
  minimum: [
    { name: 'minimum', fn: (a, b) => a.minimum(b), inputs: () => [rnd([2, 3], 45), rnd([2, 3], 46)] },
  ],
  remainder: [
    {
      name: 'remainder',
      fn: (a, b) => a.remainder(b),
      inputs: () => [leaf([2.3, -1.7, 0.4, 5.2]), leaf([1.1, 0.9, 1.3, -1.5])],
    },
  ],
  fmod: [
    {
      name: 'fmod',
      fn: (a, b) => a.fmod(b),
      inputs: () => [leaf([2.3, -1.7, 0.4, 5.2]), leaf([1.1, 0.9, 1.3, -1.5])],
    },
  ],
  floorDivide: [
    {
      name: 'floorDivide (zero gradient)',
      fn: (a, b) => a.div(b, { roundingMode: 'floor' }).add(a.mul(b)),
      inputs: () => [leaf([2.3, -1.7, 0.4]), leaf([1.1, 0.9, 1.3])],
    },
  ],
  atan2: [{ name: 'atan2', fn: (a, b) => a.atan2(b), inputs: () => [rnd([2, 3], 47), rnd([2, 3], 48)] }],
  where: [
    {
      name: 'where (broadcast condition)',
      fn: (a, b) => K.where(on(a, tensor([true, false, true])), a, b),
      inputs: () => [rnd([2, 3], 49), rnd([2, 3], 50)],
    },
  ],
  // ---- copies
  cast: [
    u('cast: contiguous() of a transpose', (x) => x.t().contiguous(), sym(51)),
    u('cast: clone', (x) => x.clone().mul(x), sym(52)),
  ],
  copy_: [
    u(
      'copy_ over a non-leaf (history rebased)',
      (x) => {
        const y = x.mul(2);
        y.copy_(x.sin());
        return y.mul(x);
      },
      sym(53),
    ),
    {
      name: 'copy_ with a broadcast source',
      fn: (x, s) => {
        const y = x.mul(1);
        y.copy_(s);
        return y.mul(x);
      },
      inputs: () => [rnd([2, 3], 54), rnd([3], 55)],
    },
  ],
  toDevice: [
    u(
      'toDevice to the same device (a copy; moves between devices are checked on each device below)',
      (x) => dispatch1('toDevice', [x], { device: x.device, from: x.device }).mul(x),
      sym(58),
    ),
  ],
  sliceScatter: [
    {
      name: 'sliceScatter',
      fn: (a, b) => dispatch1('sliceScatter', [a, b], { dim: 1, start: 0, end: 4, step: 2 }),
      inputs: () => [rnd([2, 4], 56), rnd([2, 2], 57)],
    },
  ],
  // ---- views
  view: [
    u(
      'view / reshape',
      (x) => x.reshape([6]).mul(on(x, K.arange(6, undefined, 1, { dtype: 'float64' }))),
      sym(60),
    ),
  ],
  permute: [
    u(
      'permute',
      (x) => x.permute(1, 2, 0).mul(on(x, rnd([3, 2, 2], 61, -2, 2, false))),
      () => [rnd([2, 3, 2], 62)],
    ),
  ],
  expand: [
    u(
      'expand',
      (x) => x.expand(2, 3, 4).mul(on(x, rnd([2, 3, 4], 63, -2, 2, false))),
      () => [rnd([3, 1], 64)],
    ),
  ],
  slice: [
    u(
      'slice with step',
      (x) => x.index([sliceOf(0, null, 2), sliceOf(1)]),
      () => [rnd([3, 4], 65)],
    ),
    u(
      'select / narrow',
      (x) => x.select(0, 1).mul(x.narrow(1, 1, 2).sum()),
      () => [rnd([2, 3], 66)],
    ),
  ],
  asStrided: [
    u(
      'asStrided overlapping windows',
      (x) => x.asStrided([3, 2], [1, 1], 0).mul(on(x, rnd([3, 2], 67, -2, 2, false))),
      () => [rnd([4], 68)],
    ),
  ],
  // ---- reductions and scans
  sum: [
    u(
      'sum over a dim',
      (x) => x.sum(1),
      () => [rnd([2, 3], 70)],
    ),
    u(
      'sum all',
      (x) => x.sum(),
      () => [rnd([2, 3], 71)],
    ),
    u(
      'sum keepdim, two dims',
      (x) => x.sum([0, 2], { keepdim: true }),
      () => [rnd([2, 3, 2], 72)],
    ),
  ],
  prod: [
    u(
      'prod over a dim',
      (x) => x.prod(1),
      () => [rnd([3, 4], 73, 0.5, 1.5)],
    ),
    u(
      'prod with zeros',
      (x) => x.prod(1),
      () => [
        leaf([
          [1.5, 0, 2],
          [0, 0, 3],
          [1, 2, -1],
        ]),
      ],
    ),
    u(
      'prod all',
      (x) => x.prod(),
      () => [rnd([2, 3], 74, 0.5, 1.5)],
    ),
  ],
  amax: [
    u(
      'amax',
      (x) => x.amax(1),
      () => [rnd([3, 4], 75)],
    ),
    u(
      'amax all',
      (x) => x.amax([0, 1]),
      () => [rnd([3, 4], 76)],
    ),
  ],
  amin: [
    u(
      'amin keepdim',
      (x) => x.amin(0, { keepdim: true }),
      () => [rnd([3, 4], 77)],
    ),
  ],
  maxDim: [
    u(
      'max(dim).values',
      (x) => x.max(1).values,
      () => [rnd([3, 4], 78)],
    ),
  ],
  minDim: [
    u(
      'min(dim, keepdim).values',
      (x) => x.min(0, { keepdim: true }).values,
      () => [rnd([3, 4], 79)],
    ),
  ],
  cumsum: [
    u(
      'cumsum',
      (x) => x.cumsum(1),
      () => [rnd([2, 4], 80)],
    ),
  ],
  cumprod: [
    u(
      'cumprod',
      (x) => x.cumprod(1),
      () => [rnd([2, 4], 81, 0.5, 1.5)],
    ),
    u(
      'cumprod with zeros',
      (x) => x.cumprod(1),
      () => [
        leaf([
          [1.5, 0, 2, 3],
          [0, 0.5, 3, 2],
          [1, 2, 0, -1],
        ]),
      ],
    ),
  ],
  // ---- linear algebra
  bmm: [
    { name: 'bmm', fn: (a, b) => a.bmm(b), inputs: () => [rnd([2, 3, 4], 90), rnd([2, 4, 2], 91)] },
    {
      name: 'matmul 2-D (composite)',
      fn: (a, b) => a.matmul(b),
      inputs: () => [rnd([3, 4], 92), rnd([4, 2], 93)],
    },
  ],
  // ---- indexing
  cat: [{ name: 'cat', fn: (a, b) => K.cat([a, b], 1), inputs: () => [rnd([2, 3], 100), rnd([2, 1], 101)] }],
  gather: [
    u(
      'gather',
      (x) =>
        x.gather(
          1,
          on(
            x,
            idx([
              [0, 2, 0],
              [1, 1, 3],
            ]),
          ),
        ),
      () => [rnd([2, 4], 102)],
    ),
  ],
  scatter: [
    {
      name: 'scatter (src larger than index)',
      fn: (x, s) =>
        x.scatter(
          1,
          on(
            x,
            idx([
              [0, 2],
              [3, 1],
            ]),
          ),
          s,
        ),
      inputs: () => [rnd([2, 4], 103), rnd([2, 3], 104)],
    },
  ],
  scatterAdd: [
    {
      name: 'scatterAdd with repeats',
      fn: (x, s) =>
        x.scatterAdd(
          1,
          on(
            x,
            idx([
              [0, 0, 2],
              [3, 1, 3],
            ]),
          ),
          s,
        ),
      inputs: () => [rnd([2, 4], 105), rnd([2, 3], 106)],
    },
  ],
  indexSelect: [
    u(
      'indexSelect with repeats',
      (x) => x.indexSelect(0, on(x, idx([2, 0, 2]))),
      () => [rnd([3, 2], 107)],
    ),
  ],
  indexAdd: [
    {
      name: 'indexAdd alpha 2',
      fn: (x, s) => x.indexAdd(0, on(x, idx([2, 0, 2])), s, { alpha: 2 }),
      inputs: () => [rnd([3, 2], 108), rnd([3, 2], 109)],
    },
  ],
  sort: [
    u(
      'sort values',
      (x) => x.sort(1, { descending: true }).values,
      () => [rnd([2, 4], 110)],
    ),
  ],
  // ---- convolution and pooling
  im2col: [
    u(
      'unfold (im2col)',
      (x) => K.unfold(x, 2, { padding: 1 }),
      () => [rnd([1, 2, 3, 3], 120)],
    ),
  ],
  col2im: [
    u(
      'fold (col2im)',
      (x) => K.fold(x, [3, 3], 2),
      () => [rnd([1, 8, 4], 121)],
    ),
  ],
  conv2d: [
    {
      name: 'conv2d stride [2, 1], padding 1, dilation [1, 2], bias',
      fn: (x, w, b) => K.conv2d(x, w, b, { stride: [2, 1], padding: 1, dilation: [1, 2] }),
      inputs: () => [rnd([2, 2, 5, 5], 124), rnd([3, 2, 3, 2], 125), rnd([3], 126)],
    },
    {
      name: 'conv2d 1x1 (pointwise, no bias)',
      fn: (x, w) => K.conv2d(x, w),
      inputs: () => [rnd([1, 3, 3, 3], 127), rnd([2, 3, 1, 1], 128)],
    },
  ],
  split: [
    u(
      'split, one piece unused',
      (x) => x.split([1, 2], 1)[1].mul(on(x, rnd([2, 2], 135, -2, 2, false))),
      () => [rnd([2, 3], 136)],
    ),
    u(
      'chunk, pieces combined',
      (x) => {
        const [p, q] = x.chunk(2, 0);
        return p.mul(q.exp());
      },
      () => [rnd([4, 3], 137)],
    ),
  ],
  softmax: [
    u(
      'softmax over the last dim',
      (x) => K.softmax(x, -1),
      () => [rnd([3, 5], 133)],
    ),
    u(
      'logSoftmax over the last dim',
      (x) => K.logSoftmax(x, 1),
      () => [rnd([2, 4], 134)],
    ),
  ],
  layerNorm: [
    {
      name: 'layerNorm over the last dim, weight and bias',
      fn: (x, w, b) => layerNorm(x, 4, 1e-5, w, b),
      inputs: () => [rnd([3, 4], 129), rnd([4], 130), rnd([4], 131)],
    },
    {
      name: 'layerNorm over the last two dims, no affine',
      fn: (x) => layerNorm(x, 6, 1e-3),
      inputs: () => [rnd([2, 3, 2], 132)],
    },
  ],
  maxPool2d: [
    u(
      'maxPool2d',
      (x) => K.maxPool2d(x, 2),
      () => [rnd([1, 2, 4, 4], 122)],
    ),
  ],
  adaptiveMaxPool2d: [
    u(
      'adaptiveMaxPool2d',
      (x) => K.adaptiveMaxPool2d(x, [2, 2]),
      () => [rnd([1, 1, 5, 4], 123)],
    ),
  ],
};

describe('derivative table', () => {
  it('every formula has gradcheck cases here', () => {
    const missing = Object.keys(derivatives).filter((op) => !cases[op]);
    expect(missing).toEqual([]);
    const extra = Object.keys(cases).filter((op) => !derivatives[op]);
    expect(extra).toEqual([]);
  });
  for (const [op, list] of Object.entries(cases)) {
    for (const c of list) {
      it(`${op}: ${c.name}`, () => {
        const inputs = c.inputs();
        seen = new Set();
        c.fn(...inputs);
        const ran = seen;
        seen = null;
        expect(ran.has(op), `the case runs primitive ${op} (ran: ${[...ran].join(', ')})`).toBe(true);
        expect(gradcheck(c.fn, inputs, { atol: c.atol ?? 1e-5 })).toBe(true);
        if (c.second !== false)
          expect(gradgradcheck(c.fn, inputs, null, { atol: c.atol ?? 1e-5 })).toBe(true);
      });
    }
  }
});

/** The outputs of a case as a list. */
const outputsOf = (r: Tensor | Tensor[]) => (Array.isArray(r) ? r : [r]);

/** `sum_k (outs[k] * w_k).sum()` with fixed weights, so every output element has its own gradient. */
function weighted(outs: Tensor[], seed: number): Tensor {
  const terms = outs.map((o, k) => o.mul(on(o, rnd([...o.shape], seed + k, -1, 1, false))).sum());
  return terms.reduce((total, term) => total.add(term));
}

/**
 * A case's float32 outputs and gradients on `device`: first order, then (unless the case opts out) the
 * gradient of a weighted sum of the first-order gradients, i.e. a Hessian-vector product.
 */
function float32Run(
  c: Case,
  device: DeviceName,
): { ran: Set<string>; outs: Tensor[]; first: (Tensor | null)[]; second: (Tensor | null)[] } {
  const xs = c.inputs().map((t) => t.detach().to({ dtype: 'float32', device }).requiresGrad_());
  seen = new Set();
  const outs = outputsOf(c.fn(...xs));
  const ran = seen;
  seen = null;
  const second = c.second !== false;
  const first = grad(weighted(outs, 500), xs, { createGraph: second, allowUnused: true });
  const differentiable = first.filter((g): g is Tensor => g?.requiresGrad === true);
  const hvp =
    second && differentiable.length > 0 ? grad(weighted(differentiable, 700), xs, { allowUnused: true }) : [];
  return {
    ran,
    outs: outs.map((o) => o.detach()),
    first: first.map((g) => g?.detach() ?? null),
    second: hvp,
  };
}

/** Float32 results of two backends agree to rounding (sums may run in another order). */
const TOL = { rtol: 2e-5, atol: 1e-6 };

/** Asserts `got` (on any device) equals the CPU's `want` within `TOL`. */
async function expectSame(got: (Tensor | null)[], want: (Tensor | null)[], what: string): Promise<void> {
  expect(got.length, `${what}: number of gradients`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    const g = got[i];
    expect(g === null, `${what} ${i}: defined on the CPU (${w !== null}) and here (${g !== null})`).toBe(
      w === null,
    );
    if (!g || !w) continue;
    expect([...g.shape], `${what} ${i}: shape`).toEqual([...w.shape]);
    const gv = (await host(g)).dataSync();
    const wv = w.dataSync();
    for (let j = 0; j < wv.length; j++) {
      const ok = Number.isNaN(wv[j])
        ? Number.isNaN(gv[j])
        : gv[j] === wv[j] || Math.abs(gv[j] - wv[j]) <= TOL.atol + TOL.rtol * Math.abs(wv[j]);
      if (!ok) expect.fail(`${what} ${i}: element ${j} is ${gv[j]}, the CPU's is ${wv[j]}`);
    }
  }
}

for (const device of TEST_DEVICES.filter((d) => d !== 'cpu')) {
  describe(`toDevice between cpu and ${device} is differentiable`, () => {
    useDevice(device);
    const w0 = () => rnd([2, 3], 90, -2, 2, false).to('float32');

    it(`the gradient of await y.toAsync('cpu') flows back to the ${device} leaf`, async () => {
      const w = w0().to(device).requiresGrad_();
      const y = await w.mul(2).toAsync('cpu');
      expect(y.gradFn, 'the move is recorded').not.toBeNull();
      y.sin().sum().backward();
      const want = w0().mul(2).cos().mul(2); // d/dw sum(sin(2w))
      expect(w.grad?.device).toBe(device);
      await expectSame([w.grad], [want], 'gradient');
    });

    it(`x.to('${device}') of a CPU tensor is recorded; backward says why it cannot read the gradient back`, () => {
      const x = w0().requiresGrad_();
      const z = x.to(device);
      expect(z.requiresGrad).toBe(true);
      expect(z.gradFn).not.toBeNull();
      expect(() => z.sum().backward()).toThrow(K.DeviceError);
      expect(() => x.to(device).sum().backward()).toThrow(`create the tensor on ${device}`);
      expect(noGrad(() => x.to(device)).requiresGrad, 'not recorded under noGrad').toBe(false);
    });
  });

  describe(`derivative table on ${device}: gradients equal the CPU's (float32)`, () => {
    useDevice(device);
    for (const [op, list] of Object.entries(cases)) {
      for (const c of list) {
        it(`${op}: ${c.name}`, async () => {
          const cpu = float32Run(c, 'cpu');
          const dev = float32Run(c, device);
          // A fused primitive the device leaves out runs as its composite there (same gradients).
          const composite = K.OPTIONAL_KERNELS.has(op) && !(op in K.getBackend(device).kernels);
          expect(dev.ran.has(op), `the case runs primitive ${op} on ${device}`).toBe(!composite);
          for (const t of [...dev.outs, ...dev.first, ...dev.second]) if (t) expect(t.device).toBe(device);
          await expectSame(dev.outs, cpu.outs, 'output');
          await expectSame(dev.first, cpu.first, 'gradient');
          await expectSame(dev.second, cpu.second, 'second-order gradient');
        });
      }
    }
  });
}
