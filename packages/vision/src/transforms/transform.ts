/** The transform interface shared by every transform and dataset. */
import type { Tensor } from '@kindling/core';

/** A transform object: `call(x)` maps an image `[C, H, W]` or a batch `[N, C, H, W]` to a new tensor. */
export interface Transform {
  /** Applies the transform. */
  call(x: Tensor): Tensor;
}

/** A transform object or a plain function of a tensor. */
export type TransformLike = Transform | ((x: Tensor) => Tensor);

/** Applies a transform object or function. */
export function applyTransform(t: TransformLike, x: Tensor): Tensor {
  return typeof t === 'function' ? t(x) : t.call(x);
}
