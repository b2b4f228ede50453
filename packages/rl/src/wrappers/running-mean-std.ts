import { ShapeError } from '@kindling/core';

/**
 * Running mean and variance of a stream of arrays (Gymnasium's `RunningMeanStd`, the parallel
 * algorithm of Chan et al.): starts at mean 0, variance 1 and a pseudo-count `epsilon`; kept in
 * float64. `update` takes a batch of `count` rows of `size` values (row-major).
 */
export class RunningMeanStd {
  /** Running mean, one per coordinate. */
  readonly mean: Float64Array;
  /** Running (population) variance, one per coordinate. */
  readonly var: Float64Array;
  /** Number of values seen (plus the initial `epsilon`). */
  count: number;

  /** Statistics of `size` coordinates. */
  constructor(size: number, epsilon = 1e-4) {
    this.mean = new Float64Array(size);
    this.var = new Float64Array(size).fill(1);
    this.count = epsilon;
  }

  /** Adds a batch of `batch.length / size` rows. */
  update(batch: ArrayLike<number>): void {
    const size = this.mean.length;
    if (batch.length === 0 || batch.length % size !== 0)
      throw new ShapeError(
        `RunningMeanStd.update: expected rows of ${size} values, got ${batch.length} values`,
      );
    const n = batch.length / size;
    const bMean = new Float64Array(size);
    const bVar = new Float64Array(size);
    for (let r = 0; r < n; r++) for (let j = 0; j < size; j++) bMean[j] += batch[r * size + j];
    for (let j = 0; j < size; j++) bMean[j] /= n;
    for (let r = 0; r < n; r++)
      for (let j = 0; j < size; j++) {
        const d = batch[r * size + j] - bMean[j];
        bVar[j] += d * d;
      }
    for (let j = 0; j < size; j++) bVar[j] /= n;
    this.updateFromMoments(bMean, bVar, n);
  }

  /** Merges a batch's mean, variance and count (`update_mean_var_count_from_moments`). */
  updateFromMoments(batchMean: ArrayLike<number>, batchVar: ArrayLike<number>, batchCount: number): void {
    const totCount = this.count + batchCount;
    for (let j = 0; j < this.mean.length; j++) {
      const delta = batchMean[j] - this.mean[j];
      const newMean = this.mean[j] + (delta * batchCount) / totCount;
      const mA = this.var[j] * this.count;
      const mB = batchVar[j] * batchCount;
      const m2 = mA + mB + (delta * delta * this.count * batchCount) / totCount;
      this.mean[j] = newMean;
      this.var[j] = m2 / totCount;
    }
    this.count = totCount;
  }
}
