/** Helpers shared by the model definitions (internal). */
import { ShapeError, type Tensor, ValueError } from '@kindling/core';

/** `[2, 3, 32, 32]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Checks a model's input is a batch of images `[N, inChannels, H, W]`; with `size`, also that
 * `H = W = size`; with `minSize`, that both are at least `minSize`. Throws a ShapeError naming the model.
 */
export function checkImageInput(
  model: string,
  x: Tensor,
  inChannels: number,
  options?: { size?: number; minSize?: number },
): void {
  const size = options?.size;
  const hw = size === undefined ? 'H, W' : `${size}, ${size}`;
  if (x.ndim !== 4 || x.shape[1] !== inChannels) {
    throw new ShapeError(
      `${model}: expected input of shape [N, ${inChannels}, ${hw}] (inChannels=${inChannels}), but got ${fmtShape(x.shape)}`,
    );
  }
  const [, , h, w] = x.shape;
  if (size !== undefined && (h !== size || w !== size)) {
    throw new ShapeError(
      `${model}: expected ${size}x${size} images (imageSize=${size}), input of shape [N, ${inChannels}, ${size}, ${size}], but got ${fmtShape(x.shape)}`,
    );
  }
  const min = options?.minSize;
  if (min !== undefined && (h < min || w < min)) {
    throw new ShapeError(
      `${model}: expected images of at least ${min}x${min}, but got input of shape ${fmtShape(x.shape)}`,
    );
  }
}

/** Throws a ValueError unless `v` is an integer ≥ `min` (default 1). */
export function checkInt(model: string, name: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new ValueError(`${model}: ${name} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

/** Throws a ValueError unless `p` is a probability in [0, 1]. */
export function checkProb(model: string, name: string, p: unknown): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new ValueError(`${model}: ${name} must be between 0 and 1, got ${String(p)}`);
  return p;
}
