/** The map-style dataset contract (PyTorch's `Dataset`: `len(ds)` and `ds[i]`). */

/** A dataset of `length` items read by index, like PyTorch's map-style `Dataset`. */
export interface Dataset<T> {
  /** Number of items. */
  readonly length: number;
  /** Item `i`, for `0 <= i < length`. */
  get(i: number): T;
}
