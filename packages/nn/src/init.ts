/**
 * Weight initialisation, like `torch.nn.init`: every function fills its tensor in place (under
 * `noGrad`, so it works on parameters), draws from core's seeded generator (or the `generator`
 * given) and returns the tensor.
 */
import { noGrad } from '@kindling/autograd';
import {
  add,
  clamp,
  copy_,
  empty,
  eye,
  type Generator,
  isFloating,
  log,
  mul,
  normal_ as coreNormal_,
  randn,
  sqrt,
  sub,
  type Tensor,
  tensor,
  uniform_ as coreUniform_,
  ValueError,
  where,
  lt,
  DTypeError,
} from '@kindling/core';

/** Options of the random initialisers. */
export interface InitOptions {
  /** Generator to draw from (default: the global one seeded by `manualSeed`). */
  generator?: Generator;
}

/** Nonlinearities `calculateGain` knows (PyTorch's snake_case spellings are accepted too). */
export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'convTranspose1d'
  | 'convTranspose2d'
  | 'convTranspose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leakyRelu'
  | 'selu'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'leaky_relu';

/** Whether fans are computed from the weight's input side or its output side. */
export type FanMode = 'fanIn' | 'fanOut';

const LINEAR_LIKE = new Set([
  'linear',
  'conv1d',
  'conv2d',
  'conv3d',
  'convTranspose1d',
  'convTranspose2d',
  'convTranspose3d',
  'conv_transpose1d',
  'conv_transpose2d',
  'conv_transpose3d',
  'sigmoid',
]);

/**
 * The recommended gain for a nonlinearity (`torch.nn.init.calculate_gain`): 1 for linear layers,
 * convolutions and sigmoid, 5/3 for tanh, √2 for ReLU, √(2 / (1 + slope²)) for leaky ReLU (slope
 * `param`, default 0.01) and 3/4 for SELU.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number | null): number {
  if (LINEAR_LIKE.has(nonlinearity)) return 1;
  switch (nonlinearity) {
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.sqrt(2);
    case 'leakyRelu':
    case 'leaky_relu': {
      if (param !== undefined && param !== null && (typeof param !== 'number' || !Number.isFinite(param)))
        throw new ValueError(`calculateGain: negative slope ${String(param)} is not a valid number`);
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new ValueError(`calculateGain: unsupported nonlinearity '${String(nonlinearity)}'`);
  }
}

/**
 * Fan-in and fan-out of a weight (`[out, in, ...kernel]`): `in * receptive` and `out * receptive`,
 * where `receptive` is the product of the kernel dims. Needs at least 2 dims.
 */
export function calculateFanInAndFanOut(t: Tensor | readonly number[]): [number, number] {
  const shape = Array.isArray(t) ? (t as readonly number[]) : (t as Tensor).shape;
  if (shape.length < 2)
    throw new ValueError(
      `calculateFanInAndFanOut: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (got shape [${shape.join(', ')}])`,
    );
  let receptive = 1;
  for (let i = 2; i < shape.length; i++) receptive *= shape[i];
  return [shape[1] * receptive, shape[0] * receptive];
}

function fanOf(t: Tensor, mode: FanMode, op: string): number {
  if (mode !== 'fanIn' && mode !== 'fanOut')
    throw new ValueError(`${op}: mode must be 'fanIn' or 'fanOut', got '${String(mode)}'`);
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return mode === 'fanIn' ? fanIn : fanOut;
}

function checkFloat(t: Tensor, op: string): void {
  if (!isFloating(t.dtype)) throw new DTypeError(`${op}: expected a floating tensor, got ${t.dtype}`);
}

/** Fills with values drawn uniformly from `[a, b)` (`nn.init.uniform_`). */
export function uniform_<T extends Tensor>(t: T, a = 0, b = 1, options?: InitOptions): T {
  return noGrad(() => coreUniform_(t, a, b, options));
}

/** Fills with values drawn from N(mean, std²) (`nn.init.normal_`). */
export function normal_<T extends Tensor>(t: T, mean = 0, std = 1, options?: InitOptions): T {
  return noGrad(() => coreNormal_(t, mean, std, options));
}

/** Fills with a constant (`nn.init.constant_`). */
export function constant_<T extends Tensor>(t: T, value: number): T {
  return noGrad(() => copy_(t, value));
}

/** Fills with zeros (`nn.init.zeros_`). */
export function zeros_<T extends Tensor>(t: T): T {
  return constant_(t, 0);
}

/** Fills with ones (`nn.init.ones_`). */
export function ones_<T extends Tensor>(t: T): T {
  return constant_(t, 1);
}

/** Fills a 2-D tensor with the identity matrix (ones on the diagonal, `nn.init.eye_`). */
export function eye_<T extends Tensor>(t: T): T {
  if (t.ndim !== 2) throw new ValueError(`eye_: only tensors with 2 dimensions are supported, got ${t.ndim}`);
  return noGrad(() => copy_(t, eye(t.shape[0], t.shape[1], { dtype: t.dtype, device: t.device })));
}

/**
 * Glorot/Xavier uniform (`nn.init.xavier_uniform_`): U(-a, a) with
 * `a = gain * sqrt(6 / (fanIn + fanOut))`.
 */
export function xavierUniform_<T extends Tensor>(t: T, gain = 1, options?: InitOptions): T {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a, options);
}

/** Glorot/Xavier normal (`nn.init.xavier_normal_`): N(0, std²) with `std = gain * sqrt(2 / (fanIn + fanOut))`. */
export function xavierNormal_<T extends Tensor>(t: T, gain = 1, options?: InitOptions): T {
  const [fanIn, fanOut] = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), options);
}

/** Options of the Kaiming (He) initialisers. */
export interface KaimingOptions extends InitOptions {
  /** Negative slope of the rectifier after this layer (used with 'leakyRelu'; default 0). */
  a?: number;
  /** `'fanIn'` (default) keeps the forward pass's variance, `'fanOut'` the backward pass's. */
  mode?: FanMode;
  /** The nonlinearity after this layer (default 'leakyRelu', which with `a = 0` is ReLU's gain). */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, options: KaimingOptions | undefined, op: string): number {
  const fan = fanOf(t, options?.mode ?? 'fanIn', op);
  const gain = calculateGain(options?.nonlinearity ?? 'leakyRelu', options?.a ?? 0);
  return gain / Math.sqrt(fan);
}

/**
 * Kaiming/He uniform (`nn.init.kaiming_uniform_`): U(-bound, bound) with
 * `bound = gain * sqrt(3 / fan)`. An empty tensor is left as it is.
 */
export function kaimingUniform_<T extends Tensor>(t: T, options?: KaimingOptions): T {
  if (t.numel === 0) return t;
  const bound = Math.sqrt(3) * kaimingStd(t, options, 'kaimingUniform_');
  return uniform_(t, -bound, bound, options);
}

/** Kaiming/He normal (`nn.init.kaiming_normal_`): N(0, std²) with `std = gain / sqrt(fan)`. */
export function kaimingNormal_<T extends Tensor>(t: T, options?: KaimingOptions): T {
  if (t.numel === 0) return t;
  return normal_(t, 0, kaimingStd(t, options, 'kaimingNormal_'), options);
}

const normCdf = (x: number) => (1 + erfScalar(x / Math.SQRT2)) / 2;

/** erf of a number (Abramowitz–Stegun 7.1.26 refined with series; ~1e-12 accurate). */
function erfScalar(x: number): number {
  const s = Math.sign(x);
  const ax = Math.abs(x);
  if (ax < 2) {
    // Maclaurin series converges quickly here.
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 60; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (s * 2 * sum) / Math.sqrt(Math.PI);
  }
  // Continued fraction for erfc at large |x|.
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return s * (1 - erfc);
}

/**
 * Elementwise inverse error function for |x| < 1, built from core ops (Giles' single-precision
 * approximation, "Approximating the erfinv function", 2010), so it runs on every backend.
 */
function erfinv(x: Tensor): Tensor {
  const w = log(mul(sub(1, x), add(x, 1))).neg();
  const small = lt(w, 5);
  const horner = (coeffs: number[], v: Tensor) => {
    let p: Tensor | number = coeffs[0];
    for (let i = 1; i < coeffs.length; i++) p = add(mul(v, p), coeffs[i]);
    return p as Tensor;
  };
  const p1 = horner(
    [
      2.81022636e-8, 3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503,
      -0.00417768164, 0.246640727, 1.50140941,
    ],
    sub(w, 2.5),
  );
  const p2 = horner(
    [
      -0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
      0.00943887047, 1.00167406, 2.83297682,
    ],
    sub(sqrt(w), 3),
  );
  return mul(where(small, p1, p2), x);
}

/**
 * Fills with values from N(mean, std²) truncated to `[a, b]` (`nn.init.trunc_normal_`; `a` and `b`
 * are absolute bounds, default ±2), by inverse-CDF sampling as PyTorch does.
 */
export function truncNormal_<T extends Tensor>(
  t: T,
  mean = 0,
  std = 1,
  a = -2,
  b = 2,
  options?: InitOptions,
): T {
  if (!(a < b)) throw new ValueError(`truncNormal_: expected a < b, got a=${a}, b=${b}`);
  if (!(std > 0)) throw new ValueError(`truncNormal_: expected std > 0, got ${std}`);
  checkFloat(t, 'truncNormal_');
  const l = normCdf((a - mean) / std);
  const u = normCdf((b - mean) / std);
  return noGrad(() => {
    const dtype = t.dtype === 'float64' ? 'float64' : 'float32';
    const z = coreUniform_(empty(t.shape, { dtype, device: t.device }), 2 * l - 1, 2 * u - 1, options);
    // Keep the argument strictly inside (-1, 1): erfinv(±1) is infinite.
    const lim = 1 - (dtype === 'float64' ? 1e-15 : 1e-7);
    const y = add(mul(erfinv(clamp(z, -lim, lim)), std * Math.SQRT2), mean);
    return copy_(t, clamp(y, a, b));
  });
}

/**
 * Fills with a (semi-)orthogonal matrix (`nn.init.orthogonal_`): the Q of the QR decomposition of
 * a normal random matrix (rows = dim 0, columns = the other dims flattened), with R's diagonal made
 * positive, times `gain`. The QR is a twice-orthogonalised modified Gram–Schmidt on the host in
 * float64.
 */
export function orthogonal_<T extends Tensor>(t: T, gain = 1, options?: InitOptions): T {
  if (t.ndim < 2)
    throw new ValueError(`orthogonal_: only tensors with 2 or more dimensions are supported, got ${t.ndim}`);
  checkFloat(t, 'orthogonal_');
  if (t.numel === 0) return t;
  const rows = t.shape[0];
  const cols = t.numel / rows;
  const g = randn([rows, cols], {
    dtype: 'float64',
    generator: options?.generator,
  }).dataSync() as Float64Array;
  // Work on the tall orientation: m x n with m >= n, column-major columns as arrays.
  const tall = rows >= cols;
  const m = tall ? rows : cols;
  const n = tall ? cols : rows;
  const colsArr: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const c = new Float64Array(m);
    for (let i = 0; i < m; i++) c[i] = tall ? g[i * cols + j] : g[j * cols + i];
    colsArr.push(c);
  }
  for (let j = 0; j < n; j++) {
    const v = colsArr[j];
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        const q = colsArr[k];
        let dot = 0;
        for (let i = 0; i < m; i++) dot += q[i] * v[i];
        for (let i = 0; i < m; i++) v[i] -= dot * q[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < m; i++) v[i] /= norm;
  }
  const out = new Float64Array(rows * cols);
  for (let j = 0; j < n; j++) {
    const c = colsArr[j];
    for (let i = 0; i < m; i++) {
      if (tall) out[i * cols + j] = c[i] * gain;
      else out[j * cols + i] = c[i] * gain;
    }
  }
  return noGrad(() => copy_(t, tensor(out, { dtype: 'float64' }).reshape(t.shape).to({ device: t.device })));
}
