/**
 * Normalisation functionals (`F.batch_norm`, `F.layer_norm`, `F.group_norm`, `F.rms_norm`), written
 * as composites of core ops so autograd differentiates them and every backend runs them.
 */
import { noGrad } from '@kindling/autograd';
import {
  contiguous,
  DTypeError,
  dispatch,
  getBackend,
  isFloating,
  ShapeError,
  type Tensor,
  ValueError,
} from '@kindling/core';

const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

function checkFloat(x: Tensor, op: string): void {
  if (!isFloating(x.dtype)) throw new DTypeError(`${op}: expected a floating input, got ${x.dtype}`);
}

function checkParam(
  op: string,
  name: string,
  p: Tensor | null | undefined,
  shape: readonly number[],
  x: Tensor,
): void {
  if (!p) return;
  if (p.shape.length !== shape.length || p.shape.some((s, i) => s !== shape[i]))
    throw new ShapeError(`${op}: expected ${name} of shape ${fmt(shape)}, but got ${fmt(p.shape)}`);
  if (p.dtype !== x.dtype)
    throw new DTypeError(`${op}: expected ${name} to have the input's dtype ${x.dtype}, but got ${p.dtype}`);
}

/** Mean and biased variance over `dims` (kept), from differentiable ops. */
function moments(x: Tensor, dims: number[]): { mean: Tensor; centered: Tensor; variance: Tensor } {
  const mean = x.mean(dims, { keepdim: true });
  const centered = x.sub(mean);
  const variance = centered.square().mean(dims, { keepdim: true });
  return { mean, centered, variance };
}

/** Options of `batchNorm`. */
export interface BatchNormOptions {
  /** Per-channel scale `[C]`. */
  weight?: Tensor | null;
  /** Per-channel shift `[C]`. */
  bias?: Tensor | null;
  /** Use batch statistics (and update the running ones, if given) instead of the running ones (default false). */
  training?: boolean;
  /**
   * Weight of the new batch statistic in the running average (default 0.1); a tensor (a 0-d
   * factor, such as `1 / numBatchesTracked`) is accepted too.
   */
  momentum?: number | Tensor;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

/**
 * Batch normalisation (`F.batch_norm`) of `[N, C, ...]`: normalises each channel with the batch's
 * mean and biased variance when `training` (updating `runningMean` / `runningVar` in place with the
 * unbiased variance, if given), otherwise with the running statistics.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  options?: BatchNormOptions,
): Tensor {
  const op = 'batchNorm';
  checkFloat(x, op);
  if (x.ndim < 2)
    throw new ShapeError(`${op}: expected an input of at least 2 dims [N, C, ...], got ${fmt(x.shape)}`);
  const c = x.shape[1];
  const training = options?.training ?? false;
  const eps = options?.eps ?? 1e-5;
  const momentum = options?.momentum ?? 0.1;
  checkParam(op, 'weight', options?.weight, [c], x);
  checkParam(op, 'bias', options?.bias, [c], x);
  checkParam(op, 'runningMean', runningMean, [c], x);
  checkParam(op, 'runningVar', runningVar, [c], x);
  const statShape = x.shape.map((s, i) => (i === 1 ? s : 1));
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  let y: Tensor;
  if (training || !runningMean || !runningVar) {
    const n = x.numel / Math.max(c, 1);
    if (training && n <= 1)
      throw new ValueError(
        `${op}: expected more than 1 value per channel when training, got input of shape ${fmt(x.shape)}`,
      );
    const { mean, centered, variance } = moments(x, dims);
    y = centered.mul(variance.add(eps).rsqrt());
    if (training && runningMean && runningVar) {
      noGrad(() => {
        const m = mean.detach().reshape([c]);
        const v = variance
          .detach()
          .reshape([c])
          .mul(n / (n - 1));
        runningMean.copy_(runningMean.add(m.sub(runningMean).mul(momentum)));
        runningVar.copy_(runningVar.add(v.sub(runningVar).mul(momentum)));
      });
    }
  } else {
    y = x.sub(runningMean.reshape(statShape)).mul(runningVar.reshape(statShape).add(eps).rsqrt());
  }
  if (options?.weight) y = y.mul(options.weight.reshape(statShape));
  if (options?.bias) y = y.add(options.bias.reshape(statShape));
  return y;
}

function checkNormalizedShape(op: string, x: Tensor, normalizedShape: readonly number[]): number[] {
  const k = normalizedShape.length;
  const tail = x.shape.slice(x.ndim - k);
  if (k === 0 || k > x.ndim || tail.some((s, i) => s !== normalizedShape[i]))
    throw new ShapeError(
      `${op}: given normalizedShape=${fmt(normalizedShape)}, expected input with shape [*, ${normalizedShape.join(', ')}], but got input of shape ${fmt(x.shape)}`,
    );
  return normalizedShape.map((_, i) => x.ndim - k + i);
}

/** Options of `layerNorm`. */
export interface LayerNormOptions {
  /** Elementwise scale of `normalizedShape`. */
  weight?: Tensor | null;
  /** Elementwise shift of `normalizedShape`. */
  bias?: Tensor | null;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

/** Layer normalisation (`F.layer_norm`) over the trailing dims given by `normalizedShape`. */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], options?: LayerNormOptions): Tensor {
  const op = 'layerNorm';
  checkFloat(x, op);
  const dims = checkNormalizedShape(op, x, normalizedShape);
  checkParam(op, 'weight', options?.weight, normalizedShape, x);
  checkParam(op, 'bias', options?.bias, normalizedShape, x);
  const eps = options?.eps ?? 1e-5;
  const weight = options?.weight ?? null;
  const bias = options?.bias ?? null;
  // The fused primitive where the device has it (a bias needs a weight there; PyTorch's modules
  // always have both or neither).
  if (getBackend(x.device).kernels.layerNorm && (weight || !bias)) {
    const inputs = [contiguous(x)];
    if (weight) inputs.push(contiguous(weight));
    if (bias) inputs.push(contiguous(bias));
    const size = normalizedShape.reduce((a, b) => a * b, 1);
    const affine = bias ? 'both' : weight ? 'weight' : 'none';
    return dispatch('layerNorm', inputs, { size, eps, affine })[0];
  }
  const { centered, variance } = moments(x, dims);
  let y = centered.mul(variance.add(eps).rsqrt());
  if (options?.weight) y = y.mul(options.weight);
  if (options?.bias) y = y.add(options.bias);
  return y;
}

/** Group normalisation (`F.group_norm`) of `[N, C, ...]` with `C` split into `numGroups` groups. */
export function groupNorm(x: Tensor, numGroups: number, options?: LayerNormOptions): Tensor {
  const op = 'groupNorm';
  checkFloat(x, op);
  if (x.ndim < 2)
    throw new ShapeError(`${op}: expected an input of at least 2 dims [N, C, ...], got ${fmt(x.shape)}`);
  const [n, c] = x.shape;
  if (!Number.isInteger(numGroups) || numGroups < 1 || c % numGroups !== 0)
    throw new ShapeError(
      `${op}: expected the number of channels (${c}) to be divisible by numGroups (${numGroups})`,
    );
  checkParam(op, 'weight', options?.weight, [c], x);
  checkParam(op, 'bias', options?.bias, [c], x);
  const grouped = x.reshape([n, numGroups, -1]);
  const { centered, variance } = moments(grouped, [2]);
  let y = centered.mul(variance.add(options?.eps ?? 1e-5).rsqrt()).reshape(x.shape);
  const statShape = x.shape.map((s, i) => (i === 1 ? s : 1));
  if (options?.weight) y = y.mul(options.weight.reshape(statShape));
  if (options?.bias) y = y.add(options.bias.reshape(statShape));
  return y;
}

/** Machine epsilon of a floating dtype (`torch.finfo(dtype).eps`). */
export function finfoEps(dtype: string): number {
  switch (dtype) {
    case 'float64':
      return 2 ** -52;
    case 'float16':
      return 2 ** -10;
    case 'bfloat16':
      return 2 ** -7;
    default:
      return 2 ** -23;
  }
}

/** Options of `rmsNorm`. */
export interface RMSNormOptions {
  /** Elementwise scale of `normalizedShape`. */
  weight?: Tensor | null;
  /** Added to the mean square (default: the machine epsilon of the input's dtype). */
  eps?: number | null;
}

/** RMS normalisation (`F.rms_norm`): `x / sqrt(mean(x², trailing dims) + eps) * weight`. */
export function rmsNorm(x: Tensor, normalizedShape: readonly number[], options?: RMSNormOptions): Tensor {
  const op = 'rmsNorm';
  checkFloat(x, op);
  const dims = checkNormalizedShape(op, x, normalizedShape);
  checkParam(op, 'weight', options?.weight, normalizedShape, x);
  const eps = options?.eps ?? finfoEps(x.dtype);
  let y = x.mul(x.square().mean(dims, { keepdim: true }).add(eps).rsqrt());
  if (options?.weight) y = y.mul(options.weight);
  return y;
}
