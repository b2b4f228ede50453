/**
 * How the native and WebAssembly `sum` kernels see a reduction: a contiguous float32 tensor summed
 * over one run of adjacent dims is an `[outer, reduce, inner]` block summed over its middle dim.
 */
import type { Attrs } from '../../dispatch.js';
import type { Tensor } from '../../tensor.js';

/** The block of a `sum` call, with the output shape (keepdim applied). */
export interface SumBlock {
  /** Product of the dims before the reduced run. */
  outer: number;
  /** Product of the reduced dims. */
  reduce: number;
  /** Product of the dims after the reduced run. */
  inner: number;
  /** The output shape. */
  shape: number[];
}

/**
 * The block of `sum(x)` with attrs `{ dims, dtype, keepdim }`, or null when the call is not a
 * float32 sum of a contiguous tensor of at least `minElements` over adjacent dims.
 */
export function contiguousSumBlock(x: Tensor, attrs: Attrs, minElements: number): SumBlock | null {
  const dims = attrs.dims as number[];
  if (
    x.dtype !== 'float32' ||
    attrs.dtype !== 'float32' ||
    dims.length === 0 ||
    x.numel < minElements ||
    !x.isContiguous() ||
    dims[dims.length - 1] - dims[0] !== dims.length - 1
  ) {
    return null;
  }
  const d0 = dims[0];
  const d1 = dims[dims.length - 1];
  const block: SumBlock = { outer: 1, reduce: 1, inner: 1, shape: [] };
  for (let d = 0; d < x.ndim; d++) {
    const n = x.shape[d];
    if (d < d0) block.outer *= n;
    else if (d > d1) block.inner *= n;
    else block.reduce *= n;
    if (d < d0 || d > d1) block.shape.push(n);
    else if (attrs.keepdim === true) block.shape.push(1);
  }
  return block;
}
