/** The interface the policy distributions share. */
import type { Generator, Tensor } from '@kindling/core';

/** Options of `Distribution.sample`. */
export interface SampleOptions {
  /** The random stream to draw from (default: core's default generator, seeded by `manualSeed`). */
  generator?: Generator;
}

/**
 * A batch of probability distributions over actions (the subset of `torch.distributions` that
 * policies need). `logProb` and `entropy` are differentiable with respect to the parameters the
 * distribution was built from; `sample` is not (it returns a fresh tensor without history).
 */
export interface Distribution {
  /** Shape of the batch of distributions. */
  readonly batchShape: readonly number[];
  /** Shape of one sample of one distribution (`[]` for a categorical, `[d]` for a d-dimensional Gaussian). */
  readonly eventShape: readonly number[];
  /** One sample per distribution: shape `[...batchShape, ...eventShape]`, not differentiable. */
  sample(options?: SampleOptions): Tensor;
  /** Log-density (or log-probability) of `value` under each distribution: shape `batchShape`. */
  logProb(value: Tensor): Tensor;
  /** Entropy of each distribution: shape `batchShape`. */
  entropy(): Tensor;
  /** The most likely value (argmax of a categorical, the mean of a Gaussian). */
  mode(): Tensor;
}
