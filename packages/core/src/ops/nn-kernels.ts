/**
 * Sliding-window primitives: `unfold` (im2col) and `fold` (col2im), as `torch.nn.functional`.
 * They are each other's adjoint, so autograd differentiates every composite built on them
 * (convolutions, average pooling) for free. Kernel contract: backends/cpu/conv.ts.
 */
import { DTypeError, ShapeError } from '../errors.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { reshape, unsqueeze } from '../views.js';
import { col2im, type IntOrPair, im2col, type Pair, pairOf, type Window, windowCount } from './nn-utils.js';

/** Window options of `unfold` and `fold`. */
export interface UnfoldOptions {
  /** Spacing between kernel elements (default 1). */
  dilation?: IntOrPair;
  /** Implicit zero padding on both sides (default 0). */
  padding?: IntOrPair;
  /** Step between windows (default 1). */
  stride?: IntOrPair;
}

function checkDType(x: Tensor, op: string): void {
  if (x.dtype !== 'float32' && x.dtype !== 'float64' && x.dtype !== 'int32') {
    throw new DTypeError(`${op}: expected a float32, float64 or int32 tensor, but got ${x.dtype}`);
  }
}

function windowOf(
  op: string,
  size: Pair,
  kernelSize: IntOrPair,
  options: UnfoldOptions | undefined,
): Window & { valid: boolean } {
  const kernel = pairOf(kernelSize, 'kernelSize', op, 1);
  const dilation = pairOf(options?.dilation ?? 1, 'dilation', op, 1);
  const padding = pairOf(options?.padding ?? 0, 'padding', op, 0);
  const stride = pairOf(options?.stride ?? 1, 'stride', op, 1);
  const grid: Pair = [
    windowCount(size[0], kernel[0], dilation[0], padding[0], stride[0]),
    windowCount(size[1], kernel[1], dilation[1], padding[1], stride[1]),
  ];
  return { kernel, dilation, padding, stride, grid, valid: grid[0] >= 1 && grid[1] >= 1 };
}

/**
 * Extracts sliding local blocks (im2col, `F.unfold`): `[N, C, H, W]` becomes
 * `[N, C*kh*kw, L]`, where `L` is the number of windows; a 3-D input `[C, H, W]` gives
 * `[C*kh*kw, L]`.
 */
export function unfold(x: Tensor, kernelSize: IntOrPair, options?: UnfoldOptions): Tensor {
  const op = 'unfold';
  if (x.ndim !== 3 && x.ndim !== 4) {
    throw new ShapeError(
      `${op}: expected a 3-D (unbatched) or 4-D (batched) input [N, C, H, W], but got shape ${fmtShape(x.shape)}`,
    );
  }
  checkDType(x, op);
  const x4 = x.ndim === 3 ? unsqueeze(x, 0) : x;
  const w = windowOf(op, [x4.shape[2], x4.shape[3]], kernelSize, options);
  if (!w.valid) {
    throw new ShapeError(
      `${op}: input of spatial size (${x4.shape[2]}, ${x4.shape[3]}) with kernelSize ${fmtShape(w.kernel)}, dilation ${fmtShape(w.dilation)}, padding ${fmtShape(w.padding)} gives a grid of sliding blocks of (${w.grid.join(', ')}), but both must be at least 1`,
    );
  }
  const { valid: _, ...win } = w;
  const out = im2col(x4, win);
  return x.ndim === 3 ? reshape(out, out.shape.slice(1)) : out;
}

/**
 * Combines sliding local blocks into an image (col2im, `F.fold`), summing overlapping values:
 * `[N, C*kh*kw, L]` becomes `[N, C, outputSize[0], outputSize[1]]`; a 2-D input gives `[C, H, W]`.
 * `L` must equal the number of windows the options give for `outputSize`.
 */
export function fold(
  cols: Tensor,
  outputSize: IntOrPair,
  kernelSize: IntOrPair,
  options?: UnfoldOptions,
): Tensor {
  const op = 'fold';
  if (cols.ndim !== 2 && cols.ndim !== 3) {
    throw new ShapeError(
      `${op}: expected a 2-D (unbatched) or 3-D (batched) input [N, C*kh*kw, L], but got shape ${fmtShape(cols.shape)}`,
    );
  }
  checkDType(cols, op);
  const c3 = cols.ndim === 2 ? unsqueeze(cols, 0) : cols;
  const size = pairOf(outputSize, 'outputSize', op, 1);
  const w = windowOf(op, size, kernelSize, options);
  const kk = w.kernel[0] * w.kernel[1];
  if (c3.shape[1] % kk !== 0) {
    throw new ShapeError(
      `${op}: expected size of input's dimension 1 (${c3.shape[1]}) to be divisible by the product of kernelSize ${fmtShape(w.kernel)} (${kk})`,
    );
  }
  if (!w.valid || w.grid[0] * w.grid[1] !== c3.shape[2]) {
    throw new ShapeError(
      `${op}: outputSize ${fmtShape(size)}, kernelSize ${fmtShape(w.kernel)}, dilation ${fmtShape(w.dilation)}, padding ${fmtShape(w.padding)}, stride ${fmtShape(w.stride)} give ${w.grid[0]} * ${w.grid[1]} sliding blocks, but the input's dimension 2 has size ${c3.shape[2]}`,
    );
  }
  const { valid: _, ...win } = w;
  const out = col2im(c3, size, win);
  return cols.ndim === 2 ? reshape(out, out.shape.slice(1)) : out;
}
