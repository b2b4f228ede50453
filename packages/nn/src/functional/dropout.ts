/** Channel-wise dropout functionals (`F.dropout2d`); elementwise `dropout` is core's. */
import {
  bernoulli,
  DTypeError,
  type Generator,
  isFloating,
  ShapeError,
  type Tensor,
  ValueError,
} from '@kindling/core';

/** Options of `dropout2d`. */
export interface Dropout2dOptions {
  /** Drop only when training (default true); otherwise the input is returned as it is. */
  training?: boolean;
  /** Generator to draw the mask from (default: the global one). */
  generator?: Generator;
}

/**
 * Channel dropout (`F.dropout2d`): zeroes whole channels of `[N, C, H, W]` (or unbatched
 * `[C, H, W]`) with probability `p` and scales the kept ones by `1 / (1 - p)`.
 */
export function dropout2d(x: Tensor, p = 0.5, options?: Dropout2dOptions): Tensor {
  const op = 'dropout2d';
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new ValueError(`${op}: probability has to be between 0 and 1, but got ${String(p)}`);
  if (!isFloating(x.dtype)) throw new DTypeError(`${op}: expected a floating tensor, got ${x.dtype}`);
  if (x.ndim !== 3 && x.ndim !== 4)
    throw new ShapeError(
      `${op}: expected a 3-D (unbatched [C, H, W]) or 4-D ([N, C, H, W]) input, but got shape [${x.shape.join(', ')}]`,
    );
  if (options?.training === false || p === 0) return x;
  if (p === 1) return x.mul(0);
  const maskShape = x.shape.map((s, i) => (i < x.ndim - 2 ? s : 1));
  const keep = bernoulli(1 - p, maskShape, {
    dtype: x.dtype,
    device: x.device,
    generator: options?.generator,
  });
  return x.mul(keep.div(1 - p));
}
