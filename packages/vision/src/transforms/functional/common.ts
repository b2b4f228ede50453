/**
 * Shared helpers of the functional transforms. Image convention: a tensor `[C, H, W]` or a batch
 * `[N, C, H, W]`; int32 images hold uint8 values 0-255 (torchvision's uint8 images), float
 * images values in [0, 1].
 */
import { DTypeError, fromHost, ShapeError, type Tensor, type TypedArray, ValueError } from '@kindling/core';

/** Image dims: channels, height, width, and the number of images (1 for an unbatched image). */
export interface ImageDims {
  n: number;
  c: number;
  h: number;
  w: number;
}

/** Checks `x` is an image or a batch of images with a supported dtype; returns its dims. */
export function imageDims(op: string, x: Tensor): ImageDims {
  if (x.ndim !== 3 && x.ndim !== 4) {
    throw new ShapeError(
      `${op}: expected an image [C, H, W] or a batch [N, C, H, W], got shape [${x.shape.join(', ')}]`,
    );
  }
  if (x.dtype !== 'int32' && x.dtype !== 'float32' && x.dtype !== 'float64') {
    throw new DTypeError(
      `${op}: expected an int32 image (uint8 values) or a float32/float64 image in [0, 1], got dtype ${x.dtype}`,
    );
  }
  const [c, h, w] = x.shape.slice(-3);
  return { n: x.ndim === 4 ? x.shape[0] : 1, c, h, w };
}

/** Checks the image has one of the allowed channel counts. */
export function checkChannels(op: string, c: number, allowed: readonly number[]): void {
  if (!allowed.includes(c)) {
    throw new ShapeError(`${op}: expected an image with ${allowed.join(' or ')} channels, got ${c}`);
  }
}

/** Float32 rounding for float32 (and int) images, identity for float64 ones. */
export function rounder(x: Tensor): (v: number) => number {
  return x.dtype === 'float64' ? (v: number) => v : Math.fround;
}

/** A new tensor of the same shape (or `shape`) and dtype as `x` from host values. */
export function like(x: Tensor, values: TypedArray, shape: readonly number[] = x.shape): Tensor {
  return fromHost(values, shape, x.dtype);
}

/** A new array type for `x`'s dtype. */
export function newArray(x: Tensor, n: number): Float32Array | Float64Array | Int32Array {
  if (x.dtype === 'int32') return new Int32Array(n);
  if (x.dtype === 'float64') return new Float64Array(n);
  return new Float32Array(n);
}

/** Python's `round` (half to even). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Parses a size given as a number or `[h, w]` (or `[s]`) into `[h, w]`. */
export function pair(op: string, size: number | readonly number[], name = 'size'): [number, number] {
  const s = typeof size === 'number' ? [size, size] : size.length === 1 ? [size[0], size[0]] : [...size];
  if (s.length !== 2 || !s.every((v) => Number.isInteger(v) && v > 0)) {
    throw new ValueError(
      `${op}: ${name} must be a positive integer or [h, w] of positive integers, got ${JSON.stringify(size)}`,
    );
  }
  return [s[0], s[1]];
}
