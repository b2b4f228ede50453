/**
 * `interpolate` (`F.interpolate`, PyTorch 1.13): 'nearest' (the legacy index `floor(dst * scale)`)
 * selects rows/columns with `indexSelect`; 'bilinear' multiplies by separable interpolation
 * matrices. Both are composites, so autograd and every backend get them for free.
 */
import { ShapeError, ValueError } from '../errors.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { transpose } from '../views.js';
import { encodeValues, fromHost } from './creation.js';
import { indexSelect } from './indexing.js';
import { matmul } from './linalg.js';
import { checkFloat } from './nn-utils.js';

/** Options of `interpolate`: exactly one of `size` and `scaleFactor`. */
export interface InterpolateOptions {
  /** Output spatial size (one number for every spatial dim, or one per dim). */
  size?: number | readonly number[];
  /** Multiplier of the spatial size (output size `floor(input * scaleFactor)`). */
  scaleFactor?: number | readonly number[];
  /** Resampling algorithm (default 'nearest'). */
  mode?: 'nearest' | 'bilinear';
  /** Bilinear only: align the corner pixels' centres instead of their edges (default false). */
  alignCorners?: boolean;
}

function perDim(v: number | readonly number[], n: number, name: string, op: string): number[] {
  const out = typeof v === 'number' ? new Array<number>(n).fill(v) : [...v];
  if (out.length !== n) {
    throw new ValueError(
      `${op}: ${name} must have ${n} entries (one per spatial dim), got ${JSON.stringify(v)}`,
    );
  }
  return out;
}

/** PyTorch's legacy nearest source index (float32 arithmetic, as its CPU kernel). */
function nearestIndices(inSize: number, outSize: number, scale: number | undefined): Int32Array {
  const idx = new Int32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    if (outSize === inSize) idx[i] = i;
    else if (outSize === 2 * inSize) idx[i] = i >> 1;
    else {
      const s = Math.fround(scale !== undefined && scale > 0 ? 1 / scale : inSize / outSize);
      idx[i] = Math.min(Math.floor(Math.fround(i * s)), inSize - 1);
    }
  }
  return idx;
}

/** `[out, in]` linear interpolation matrix, with PyTorch's source indices and weights. */
function linearMatrix(
  inSize: number,
  outSize: number,
  scale: number | undefined,
  alignCorners: boolean,
  x: Tensor,
): Tensor {
  // PyTorch computes the indices and weights in the op-math type: float32 for float32 inputs.
  const f = x.dtype === 'float32' ? Math.fround : (v: number) => v;
  const m = new Float64Array(outSize * inSize);
  let ratio: number;
  if (alignCorners) ratio = outSize > 1 ? f((inSize - 1) / (outSize - 1)) : 0;
  else ratio = f(scale !== undefined && scale > 0 ? 1 / scale : inSize / outSize);
  for (let i = 0; i < outSize; i++) {
    if (outSize === inSize) {
      m[i * inSize + i] = 1;
      continue;
    }
    const src = alignCorners ? f(ratio * i) : Math.max(f(f(ratio * f(i + 0.5)) - 0.5), 0);
    const i0 = Math.min(Math.floor(src), inSize - 1);
    const l1 = Math.min(Math.max(f(src - i0), 0), 1);
    const i1 = i0 + (i0 < inSize - 1 ? 1 : 0);
    m[i * inSize + i0] += f(1 - l1);
    m[i * inSize + i1] += l1;
  }
  return fromHost(encodeValues(m, x.dtype), [outSize, inSize], x.dtype, { device: x.device });
}

/**
 * Resamples the spatial dims of `[N, C, W]` ('nearest') or `[N, C, H, W]` ('nearest',
 * 'bilinear') to `size`, or by `scaleFactor` (output `floor(input * scaleFactor)`; the given
 * factor sets the sampling scale, as PyTorch 1.13 without `recompute_scale_factor`).
 */
export function interpolate(x: Tensor, options: InterpolateOptions): Tensor {
  const op = 'interpolate';
  const mode = options.mode ?? 'nearest';
  if (mode !== 'nearest' && mode !== 'bilinear') {
    throw new ValueError(`${op}: unsupported mode '${String(mode)}', expected 'nearest' or 'bilinear'`);
  }
  if (mode === 'bilinear' && x.ndim !== 4) {
    throw new ShapeError(
      `${op}: bilinear mode needs a 4-D input [N, C, H, W], but got shape ${fmtShape(x.shape)}`,
    );
  }
  if (x.ndim !== 3 && x.ndim !== 4) {
    throw new ShapeError(
      `${op}: expected a 3-D [N, C, W] or 4-D [N, C, H, W] input, but got shape ${fmtShape(x.shape)}`,
    );
  }
  if (mode === 'nearest' && options.alignCorners !== undefined) {
    throw new ValueError(`${op}: alignCorners can only be set with the interpolating mode 'bilinear'`);
  }
  checkFloat(x, op);
  const nsp = x.ndim - 2;
  const inSizes = x.shape.slice(2);
  const hasSize = options.size !== undefined && options.size !== null;
  const hasScale = options.scaleFactor !== undefined && options.scaleFactor !== null;
  if (hasSize === hasScale) {
    throw new ValueError(
      `${op}: ${hasSize ? 'only one of size or scaleFactor should be defined' : 'either size or scaleFactor should be defined'}`,
    );
  }
  let outSizes: number[];
  let scales: (number | undefined)[];
  if (hasSize) {
    outSizes = perDim(options.size as number | readonly number[], nsp, 'size', op);
    scales = outSizes.map(() => undefined);
  } else {
    scales = perDim(options.scaleFactor as number | readonly number[], nsp, 'scaleFactor', op);
    if (scales.some((s) => !Number.isFinite(s) || (s as number) <= 0)) {
      throw new ValueError(
        `${op}: scaleFactor must be positive numbers, got ${JSON.stringify(options.scaleFactor)}`,
      );
    }
    outSizes = inSizes.map((s, d) => Math.floor(s * (scales[d] as number)));
  }
  if (outSizes.some((s) => !Number.isInteger(s) || s < 1) || inSizes.some((s) => s < 1)) {
    throw new ValueError(
      `${op}: input and output sizes should be greater than 0, but got input ${fmtShape(inSizes)} and output ${fmtShape(outSizes)}`,
    );
  }
  let out = x;
  for (let d = 0; d < nsp; d++) {
    const dim = 2 + d;
    const [inS, outS] = [inSizes[d], outSizes[d]];
    if (mode === 'nearest') {
      if (inS === outS) continue;
      const idx = nearestIndices(inS, outS, scales[d]);
      out = indexSelect(out, dim, fromHost(idx, [outS], 'int32', { device: x.device }));
    } else {
      if (inS === outS) continue;
      const m = linearMatrix(inS, outS, scales[d], options.alignCorners ?? false, x);
      // Height: [oh, H] @ [N, C, H, W]; width: [N, C, H, W] @ [W, ow].
      out = dim === 2 ? matmul(m, out) : matmul(out, transpose(m, 0, 1));
    }
  }
  return out === x ? x.clone() : out;
}
