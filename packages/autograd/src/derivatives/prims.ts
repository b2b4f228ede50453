import { type DType, type Tensor, dispatch1, flip } from '@kindling/core';

/** The reduction/scan primitives called directly with normalized attributes. */

/** `sum` over normalized `dims`. */
export function sumDims(
  x: Tensor,
  dims: readonly number[],
  keepdim: boolean,
  dtype: DType = x.dtype,
): Tensor {
  return dispatch1('sum', [x], { dims: [...dims], keepdim, dtype });
}

/** `cumsum` along a normalized `dim`. */
export function cumsumDim(x: Tensor, dim: number): Tensor {
  return x.ndim === 0 ? x : dispatch1('cumsum', [x], { dim, dtype: x.dtype });
}

/** `cumprod` along a normalized `dim`. */
export function cumprodDim(x: Tensor, dim: number): Tensor {
  return x.ndim === 0 ? x : dispatch1('cumprod', [x], { dim, dtype: x.dtype });
}

/** Suffix sums along `dim`: `out[i] = sum_{j >= i} x[j]`. */
export function reverseCumsum(x: Tensor, dim: number): Tensor {
  return x.ndim === 0 ? x : flip(cumsumDim(flip(x, dim), dim), dim);
}
