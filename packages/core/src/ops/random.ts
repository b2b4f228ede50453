/**
 * Random tensors (`torch.rand`, `randn`, `randint`, `randperm`, `bernoulli`, `multinomial`,
 * `normal`, in-place fills and `dropout`). Only `uniform` and `normal` are primitives (see
 * `backends/cpu/random.ts`); the rest are composites, or host-side algorithms driven by the same
 * Philox stream, so a seed gives the same numbers on every backend.
 */
import { dispatch1 } from '../dispatch.js';
import { checkDType, type DType, defaultFloat, isFloating } from '../dtype.js';
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import { blocksFor, fillUniform, type RandomDType } from '../random/philox.js';
import { defaultGenerator, Generator } from '../random/generator.js';
import { broadcastShapes, checkShape, fmtShape, sameShape, shapeNumel } from '../shape.js';
import type { DeviceName } from '../storage.js';
import { Tensor } from '../tensor.js';
import { cast, copy_, toDevice } from './copy.js';
import { encodeValues, fromHost, type TensorOptions } from './creation.js';
import { add, div, floor, lt, minimum, mul } from './elementwise.js';
import { resultType } from './promote.js';

/** Options of the random creation functions: `TensorOptions` plus the generator to draw from. */
export interface RandomOptions extends TensorOptions {
  /** Generator to draw from (default: the global one seeded by `manualSeed`). */
  generator?: Generator;
}

function generatorOf(op: string, g: unknown): Generator {
  if (g === undefined || g === null) return defaultGenerator;
  if (!(g instanceof Generator))
    throw new ValueError(`${op}: generator must be a Generator, got ${String(g)}`);
  return g;
}

function floatDType(op: string, dtype: DType | undefined): DType {
  const d = dtype === undefined ? defaultFloat() : checkDType(dtype, op);
  if (!isFloating(d)) throw new DTypeError(`${op}: expected a floating dtype, got ${d}`);
  return d;
}

function finish(t: Tensor, options?: TensorOptions): Tensor {
  if (options?.requiresGrad) t.requiresGrad = true;
  return t;
}

/**
 * Dispatches one RNG primitive: reserves the counters the draw consumes and produces `dtype`
 * (float16/bfloat16 are drawn as float32 and cast).
 */
function draw(
  kind: 'uniform' | 'normal',
  shape: readonly number[],
  dtype: DType,
  device: DeviceName,
  gen: Generator,
  a: number,
  b: number,
): Tensor {
  const kdtype: RandomDType = dtype === 'float64' ? 'float64' : 'float32';
  const { key, offset } = gen._reserve(blocksFor(shapeNumel(shape), kdtype));
  const params = kind === 'uniform' ? { low: a, high: b } : { mean: a, std: b };
  const t = dispatch1(kind, [], { shape: [...shape], dtype: kdtype, key, offset, device, ...params });
  return kdtype === dtype ? t : cast(t, dtype);
}

/** Draws `n` host-side uniforms in [0, 1) (53-bit) from the generator's stream. */
function hostUniforms(gen: Generator, n: number): Float64Array {
  const out = new Float64Array(n);
  const { key, offset } = gen._reserve(blocksFor(n, 'float64'));
  fillUniform(out, key, offset, 'float64');
  return out;
}

/** Uniform random values in [0, 1) (`torch.rand`). */
export function rand(shape: readonly number[], options?: RandomOptions): Tensor {
  const s = checkShape(shape, 'rand');
  const dtype = floatDType('rand', options?.dtype);
  const gen = generatorOf('rand', options?.generator);
  return finish(draw('uniform', s, dtype, options?.device ?? 'cpu', gen, 0, 1), options);
}

/** Standard normal random values (`torch.randn`). */
export function randn(shape: readonly number[], options?: RandomOptions): Tensor {
  const s = checkShape(shape, 'randn');
  const dtype = floatDType('randn', options?.dtype);
  const gen = generatorOf('randn', options?.generator);
  return finish(draw('normal', s, dtype, options?.device ?? 'cpu', gen, 0, 1), options);
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Random integers uniformly in `[low, high)` (`torch.randint`); `randint(high, shape)` draws from
 * `[0, high)`. The dtype defaults to int32. Ranges up to 2^24 use one float32 uniform per element,
 * wider ones a 53-bit float64 uniform.
 */
export function randint(high: number, shape: readonly number[], options?: RandomOptions): Tensor;
export function randint(low: number, high: number, shape: readonly number[], options?: RandomOptions): Tensor;
export function randint(
  a: number,
  b: number | readonly number[],
  c?: readonly number[] | RandomOptions,
  d?: RandomOptions,
): Tensor {
  let low: number;
  let high: number;
  let shape: readonly number[];
  let options: RandomOptions | undefined;
  if (Array.isArray(b)) {
    low = 0;
    high = a;
    shape = b;
    options = c as RandomOptions | undefined;
  } else {
    low = a;
    high = b as number;
    if (!Array.isArray(c)) throw new ValueError(`randint: expected a shape array, got ${String(c)}`);
    shape = c;
    options = d;
  }
  return randintImpl('randint', low, high, checkShape(shape, 'randint'), options);
}

function randintImpl(
  op: string,
  low: number,
  high: number,
  shape: readonly number[],
  options: RandomOptions | undefined,
): Tensor {
  if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high))
    throw new ValueError(`${op}: low and high must be integers, got low=${low}, high=${high}`);
  if (low >= high) throw new ValueError(`${op}: expected low < high, but got low=${low} >= high=${high}`);
  const dtype = options?.dtype === undefined ? 'int32' : checkDType(options.dtype, op);
  const range = high - low;
  if (dtype === 'int32' && (low < INT32_MIN || high - 1 > INT32_MAX))
    throw new ValueError(`${op}: [${low}, ${high}) does not fit in int32`);
  if (dtype === 'bool' && (low < 0 || high > 2))
    throw new ValueError(`${op}: [${low}, ${high}) does not fit in bool; expected a range within [0, 2)`);
  if (range > 2 ** 32) throw new ValueError(`${op}: range high - low = ${range} exceeds 2^32`);
  const gen = generatorOf(op, options?.generator);
  const device = options?.device ?? 'cpu';
  const small = range <= 2 ** 24;
  const work: DType = small ? 'float32' : 'float64';
  const u = draw('uniform', shape, work, device, gen, 0, 1);
  // floor(u * range) is an exact integer in `work`; the clamp guards against rounding up to range.
  const v = minimum(floor(mul(u, range)), range - 1);
  let out: Tensor;
  if (dtype === 'int32' || dtype === 'bool') {
    out = small ? cast(v, 'int32') : cast(low === 0 ? v : add(v, low), 'int32');
    if (small && low !== 0) out = add(out, low);
    if (dtype === 'bool') out = cast(out, 'bool');
  } else {
    const wide: DType = work === 'float64' || dtype === 'float64' ? 'float64' : 'float32';
    const w = cast(v, wide);
    out = cast(low === 0 ? w : add(w, low), dtype);
  }
  return finish(out, options);
}

/** A random permutation of `0..n-1` (`torch.randperm`), by Fisher–Yates on the Philox stream. */
export function randperm(n: number, options?: RandomOptions): Tensor {
  if (!Number.isInteger(n) || n < 0)
    throw new ValueError(`randperm: n must be a non-negative integer, got ${n}`);
  const dtype = options?.dtype === undefined ? 'int32' : checkDType(options.dtype, 'randperm');
  if (dtype === 'bool' || (n > 0 && n - 1 > INT32_MAX))
    throw new ValueError(`randperm: ${n} values do not fit in ${dtype}`);
  if (
    (dtype === 'float16' && n > 2049) ||
    (dtype === 'bfloat16' && n > 257) ||
    (dtype === 'float32' && n > 2 ** 24)
  )
    throw new ValueError(`randperm: ${dtype} cannot represent every value of 0..${n - 1} exactly`);
  const gen = generatorOf('randperm', options?.generator);
  const u = hostUniforms(gen, Math.max(n - 1, 0));
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1, k = 0; i > 0; i--, k++) {
    const j = Math.floor(u[k] * (i + 1));
    const tmp = perm[i];
    perm[i] = perm[j];
    perm[j] = tmp;
  }
  const values = dtype === 'int32' ? perm : encodeValues(perm, dtype);
  return fromHost(values, [n], dtype, { device: options?.device, requiresGrad: options?.requiresGrad });
}

/** Reads a CPU-readable tensor's values (for argument checks and host-side sampling). */
function hostValues(t: Tensor): ArrayLike<number> {
  return toDevice(t, 'cpu').dataSync();
}

function checkProbabilityRange(op: string, p: Tensor): void {
  if (p.device !== 'cpu') return; // checked where the values are cheap to read
  const v = hostValues(p);
  for (let i = 0; i < v.length; i++) {
    if (!(v[i] >= 0 && v[i] <= 1))
      throw new ValueError(`${op}: expected all probabilities in [0, 1], found ${v[i]}`);
  }
}

/**
 * Draws 0/1 values that are 1 with probability `p` (`torch.bernoulli`). `p` is a tensor (the
 * output has its shape, or `shape` when given, which `p` must broadcast to) or a number (then
 * `shape` gives the output shape, 0-d when omitted). The dtype defaults to `p`'s floating dtype.
 */
export function bernoulli(p: Tensor | number, shape?: readonly number[], options?: RandomOptions): Tensor {
  const gen = generatorOf('bernoulli', options?.generator);
  let outShape: number[];
  let dtype: DType;
  let device: DeviceName;
  if (p instanceof Tensor) {
    if (!isFloating(p.dtype))
      throw new DTypeError(`bernoulli: expected a floating probability tensor, got ${p.dtype}`);
    outShape = shape === undefined ? [...p.shape] : checkShape(shape, 'bernoulli');
    const b = broadcastShapes('bernoulli', outShape, p.shape);
    if (!sameShape(b, outShape))
      throw new ShapeError(
        `bernoulli: p of shape ${fmtShape(p.shape)} cannot be broadcast to ${fmtShape(outShape)}`,
      );
    checkProbabilityRange('bernoulli', p);
    dtype = options?.dtype === undefined ? p.dtype : checkDType(options.dtype, 'bernoulli');
    device = p.device;
    if (options?.device !== undefined && options.device !== device)
      throw new ValueError(`bernoulli: p is on ${device} but device ${options.device} was requested`);
  } else {
    if (typeof p !== 'number' || !(p >= 0 && p <= 1))
      throw new ValueError(`bernoulli: expected p in [0, 1], got ${String(p)}`);
    outShape = checkShape(shape ?? [], 'bernoulli');
    dtype = options?.dtype === undefined ? defaultFloat() : checkDType(options.dtype, 'bernoulli');
    device = options?.device ?? 'cpu';
  }
  const work: DType = p instanceof Tensor && p.dtype === 'float64' ? 'float64' : 'float32';
  const pp =
    p instanceof Tensor && (p.dtype === 'float16' || p.dtype === 'bfloat16') ? cast(p, 'float32') : p;
  const mask = lt(draw('uniform', outShape, work, device, gen, 0, 1), pp);
  return finish(cast(mask, dtype), options);
}

/**
 * Samples category indices from the rows of `probs` (1-D or 2-D, non-negative weights that need
 * not sum to 1), `torch.multinomial`. Without replacement (the default) no index repeats within a
 * row, so `numSamples` may not exceed the number of categories with non-zero weight. Returns int32
 * of shape `[numSamples]` or `[rows, numSamples]`. Runs on the host (the device must be readable
 * synchronously).
 */
export function multinomial(
  probs: Tensor,
  numSamples: number,
  options?: { replacement?: boolean; generator?: Generator },
): Tensor {
  const op = 'multinomial';
  if (!(probs instanceof Tensor)) throw new ValueError(`${op}: expected a Tensor of probabilities`);
  if (probs.ndim !== 1 && probs.ndim !== 2)
    throw new ShapeError(`${op}: probabilities must be 1-D or 2-D, got shape ${fmtShape(probs.shape)}`);
  if (!isFloating(probs.dtype))
    throw new DTypeError(`${op}: expected floating probabilities, got ${probs.dtype}`);
  if (!Number.isInteger(numSamples) || numSamples <= 0)
    throw new ValueError(`${op}: numSamples must be a positive integer, got ${numSamples}`);
  const replacement = options?.replacement ?? false;
  const rows = probs.ndim === 1 ? 1 : probs.shape[0];
  const cats = probs.shape[probs.ndim - 1];
  if (cats === 0) throw new ValueError(`${op}: probabilities have no categories`);
  if (!replacement && numSamples > cats)
    throw new ValueError(
      `${op}: cannot take ${numSamples} samples without replacement from ${cats} categories`,
    );
  const gen = generatorOf(op, options?.generator);
  const p = hostValues(probs);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    let nonzero = 0;
    for (let j = 0; j < cats; j++) {
      const v = p[r * cats + j];
      if (!(v >= 0 && v < Infinity))
        throw new ValueError(
          `${op}: probability tensor contains either inf, nan or element < 0 (row ${r}: ${v})`,
        );
      sum += v;
      if (v > 0) nonzero++;
    }
    if (!(sum > 0))
      throw new ValueError(`${op}: invalid distribution in row ${r}: sum of probabilities is 0`);
    if (!replacement && nonzero < numSamples)
      throw new ValueError(
        `${op}: row ${r} has ${nonzero} categories with non-zero probability; cannot take ${numSamples} samples without replacement`,
      );
  }
  const out = new Int32Array(rows * numSamples);
  if (replacement) {
    const u = hostUniforms(gen, rows * numSamples);
    const cdf = new Float64Array(cats);
    for (let r = 0; r < rows; r++) {
      let acc = 0;
      let last = 0;
      for (let j = 0; j < cats; j++) {
        const v = p[r * cats + j];
        acc += v;
        cdf[j] = acc;
        if (v > 0) last = j;
      }
      for (let s = 0; s < numSamples; s++) {
        const x = u[r * numSamples + s] * acc;
        // First index whose cumulative weight exceeds x (zero-weight categories are never chosen).
        let lo = 0;
        let hi = cats;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (cdf[mid] > x) hi = mid;
          else lo = mid + 1;
        }
        out[r * numSamples + s] = lo < cats ? lo : last;
      }
    }
  } else {
    // Exponential race: key_j = E_j / p_j with E_j ~ Exp(1); the k smallest keys, in order, are a
    // sample of k draws without replacement.
    const u = hostUniforms(gen, rows * cats);
    const keys = new Float64Array(cats);
    const idx = new Int32Array(cats);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < cats; j++) {
        const v = p[r * cats + j];
        keys[j] = v > 0 ? -Math.log1p(-u[r * cats + j]) / v : Infinity;
        idx[j] = j;
      }
      idx.sort((a, b) => keys[a] - keys[b] || a - b);
      for (let s = 0; s < numSamples; s++) out[r * numSamples + s] = idx[s];
    }
  }
  const shape = probs.ndim === 1 ? [numSamples] : [rows, numSamples];
  return fromHost(out, shape, 'int32', { device: probs.device });
}

function checkStd(op: string, std: Tensor | number): void {
  if (typeof std === 'number') {
    if (!(std >= 0)) throw new ValueError(`${op}: expected std >= 0, got ${std}`);
    return;
  }
  if (std.device !== 'cpu') return;
  const v = hostValues(std);
  for (let i = 0; i < v.length; i++)
    if (!(v[i] >= 0)) throw new ValueError(`${op}: expected all elements of std >= 0, found ${v[i]}`);
}

/**
 * Normal random values with the given `mean` and `std` (`torch.normal`). With two numbers,
 * `shape` is required; with tensors the output has their broadcast shape (or `shape`), and the
 * result is differentiable with respect to them (`mean + std * randn`).
 */
export function normal(
  mean: Tensor | number,
  std: Tensor | number,
  shape?: readonly number[],
  options?: RandomOptions,
): Tensor {
  const op = 'normal';
  const gen = generatorOf(op, options?.generator);
  if (!(mean instanceof Tensor) && typeof mean !== 'number')
    throw new ValueError(`${op}: mean must be a Tensor or a number, got ${String(mean)}`);
  if (!(std instanceof Tensor) && typeof std !== 'number')
    throw new ValueError(`${op}: std must be a Tensor or a number, got ${String(std)}`);
  checkStd(op, std);
  if (typeof mean === 'number' && typeof std === 'number') {
    if (shape === undefined) throw new ValueError(`${op}: a shape is required when mean and std are numbers`);
    const s = checkShape(shape, op);
    const dtype = floatDType(op, options?.dtype);
    return finish(draw('normal', s, dtype, options?.device ?? 'cpu', gen, mean, std), options);
  }
  const tensors = [mean, std].filter((v): v is Tensor => v instanceof Tensor);
  const device = tensors[0].device;
  let outShape = broadcastShapes(op, ...tensors.map((t) => t.shape));
  if (shape !== undefined) {
    const s = checkShape(shape, op);
    if (!sameShape(broadcastShapes(op, s, outShape), s))
      throw new ShapeError(
        `${op}: mean/std of shape ${fmtShape(outShape)} cannot be broadcast to ${fmtShape(s)}`,
      );
    outShape = s;
  }
  let dtype = resultType(op, [mean, std]);
  if (!isFloating(dtype)) dtype = defaultFloat();
  if (options?.dtype !== undefined) dtype = floatDType(op, options.dtype);
  const z = draw('normal', outShape, dtype, device, gen, 0, 1);
  return finish(add(mul(z, std), mean), options);
}

function checkInPlace(op: string, x: Tensor): void {
  if (!(x instanceof Tensor)) throw new ValueError(`${op}: expected a Tensor`);
  if (!isFloating(x.dtype)) throw new DTypeError(`${op}: expected a floating tensor, got ${x.dtype}`);
}

/** Fills `x` in place with uniform values in `[low, high)` (`Tensor.uniform_`); returns `x`. */
export function uniform_<T extends Tensor>(x: T, low = 0, high = 1, options?: { generator?: Generator }): T {
  checkInPlace('uniform_', x);
  if (!(Number.isFinite(low) && Number.isFinite(high)) || low > high)
    throw new ValueError(`uniform_: expected finite low <= high, got low=${low}, high=${high}`);
  const gen = generatorOf('uniform_', options?.generator);
  return copy_(x, draw('uniform', x.shape, x.dtype, x.device, gen, low, high));
}

/** Fills `x` in place with normal values (`Tensor.normal_`); returns `x`. */
export function normal_<T extends Tensor>(x: T, mean = 0, std = 1, options?: { generator?: Generator }): T {
  checkInPlace('normal_', x);
  checkStd('normal_', std);
  const gen = generatorOf('normal_', options?.generator);
  return copy_(x, draw('normal', x.shape, x.dtype, x.device, gen, mean, std));
}

function likeOptions(x: Tensor, options: RandomOptions | undefined): RandomOptions {
  return { ...options, dtype: options?.dtype ?? x.dtype, device: options?.device ?? x.device };
}

/** `rand` with `x`'s shape, dtype and device. */
export function randLike(x: Tensor, options?: RandomOptions): Tensor {
  return rand(x.shape, likeOptions(x, options));
}

/** `randn` with `x`'s shape, dtype and device. */
export function randnLike(x: Tensor, options?: RandomOptions): Tensor {
  return randn(x.shape, likeOptions(x, options));
}

/**
 * `randint` with `x`'s shape, dtype and device: integers in `[low, high)`, or in `[0, low)` when
 * `high` is omitted (`torch.randint_like`).
 */
export function randintLike(x: Tensor, low: number, high?: number, options?: RandomOptions): Tensor {
  const [lo, hi] = high === undefined ? [0, low] : [low, high];
  return randintImpl('randintLike', lo, hi, x.shape, likeOptions(x, options));
}

/**
 * Dropout (`torch.nn.functional.dropout`): zeroes each element with probability `p` and scales the
 * rest by `1 / (1 - p)`. Returns `x` itself when not training or `p` is 0, and zeros when `p` is 1.
 * Built from differentiable ops, so gradients flow through the kept elements.
 */
export function dropout(x: Tensor, p = 0.5, options?: { training?: boolean; generator?: Generator }): Tensor {
  if (!(x instanceof Tensor)) throw new ValueError('dropout: expected a Tensor');
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new ValueError(`dropout: probability has to be between 0 and 1, but got ${String(p)}`);
  if (!isFloating(x.dtype)) throw new DTypeError(`dropout: expected a floating tensor, got ${x.dtype}`);
  const gen = generatorOf('dropout', options?.generator);
  if (options?.training === false || p === 0) return x;
  if (p === 1) return mul(x, 0);
  const u = draw('uniform', x.shape, x.dtype === 'float64' ? 'float64' : 'float32', x.device, gen, 0, 1);
  const noise = div(cast(lt(u, 1 - p), x.dtype), 1 - p);
  return mul(x, noise);
}
