/** The categorical distribution of discrete policies. */
import { noGrad } from '@kindling/autograd';
import {
  argmax,
  broadcastShapes,
  DTypeError,
  gather,
  isFloating,
  logSoftmax,
  rand,
  ShapeError,
  Tensor,
  tensor,
  ValueError,
} from '@kindling/core';
import type { Distribution, SampleOptions } from './distribution.js';

/** Parameters of a `Categorical`: unnormalised log-probabilities, or non-negative weights. */
export type CategoricalParams =
  | {
      /** Unnormalised log-probabilities `[...batchShape, K]`, floating point, any real values. */
      logits: Tensor;
      /** Must be left out when `logits` is given. */
      probs?: undefined;
    }
  | {
      /** Non-negative category weights `[...batchShape, K]`, floating point; need not sum to 1. */
      probs: Tensor;
      /** Must be left out when `probs` is given. */
      logits?: undefined;
    };

const MIN_LOGIT = { float32: -3.4028234663852886e38, float64: -Number.MAX_VALUE } as const;

/**
 * Categorical distributions over `K` categories along the last dimension of `logits` or `probs`
 * (`torch.distributions.Categorical`): the batch shape is everything before it. Given `logits`
 * (any real numbers, e.g. a policy network's output), they are normalised with a log-softmax;
 * given `probs` (non-negative, need not sum to 1), they are divided by their sum. Samples and
 * `logProb` values are int32 category indices in `[0, K)`.
 */
export class Categorical implements Distribution {
  /** Normalised log-probabilities `[...batchShape, K]` (differentiable). */
  readonly logits: Tensor;
  /** Probabilities `[...batchShape, K]` (differentiable). */
  readonly probs: Tensor;
  /** Shape of the batch. */
  readonly batchShape: readonly number[];
  /** `[]`: each sample is one index. */
  readonly eventShape: readonly number[] = [];
  /** Number of categories. */
  readonly numCategories: number;

  /** A batch of categoricals from `{ logits }` or `{ probs }`. */
  constructor(params: CategoricalParams) {
    const op = 'Categorical';
    if (
      typeof params !== 'object' ||
      params === null ||
      (params.logits === undefined) === (params.probs === undefined)
    )
      throw new ValueError(`${op}: pass exactly one of { logits } or { probs }`);
    const x = (params.logits ?? params.probs) as Tensor;
    if (!(x instanceof Tensor)) throw new ValueError(`${op}: logits/probs must be a Tensor`);
    if (!isFloating(x.dtype))
      throw new DTypeError(`${op}: logits/probs must be floating point, got ${x.dtype}`);
    if (x.ndim < 1 || x.shape[x.ndim - 1] < 1)
      throw new ShapeError(
        `${op}: expected logits/probs of shape [..., K] with K >= 1, got [${x.shape.join(', ')}]`,
      );
    if (params.probs !== undefined) {
      const v = x.detach().dataSync();
      for (let i = 0; i < v.length; i++)
        if (!(v[i] >= 0) || v[i] === Infinity)
          throw new ValueError(`${op}: probs must be finite and non-negative, found ${v[i]}`);
      this.probs = x.div(x.sum(-1, { keepdim: true }));
      this.logits = this.probs.log();
    } else {
      this.logits = logSoftmax(x, -1);
      this.probs = this.logits.exp();
    }
    this.batchShape = x.shape.slice(0, -1);
    this.numCategories = x.shape[x.ndim - 1];
  }

  /**
   * One index per distribution, `int32` of shape `batchShape`: inverse-CDF sampling with one
   * float64 uniform per distribution from `generator` (seeded draws are reproducible).
   */
  sample(options: SampleOptions = {}): Tensor {
    const K = this.numCategories;
    const rows = this.batchShape.reduce((a, b) => a * b, 1);
    const p = this.probs.detach().dataSync();
    const u = rand([rows], { dtype: 'float64', generator: options.generator }).dataSync();
    const out = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      const base = r * K;
      let total = 0;
      for (let k = 0; k < K; k++) total += p[base + k];
      const target = u[r] * total;
      let acc = 0;
      let pick = -1;
      let last = 0;
      for (let k = 0; k < K; k++) {
        const pk = p[base + k];
        if (pk > 0) last = k;
        acc += pk;
        if (target < acc && pick < 0) {
          pick = k;
          break;
        }
      }
      out[r] = pick < 0 ? last : pick; // rounding at the top end: the last category with mass
    }
    return tensor(out, { dtype: 'int32' }).reshape([...this.batchShape]);
  }

  /**
   * `log P(value)` for integer `value` (int32, shape broadcastable with `batchShape`); values
   * outside `[0, K)` throw a `ValueError`.
   */
  logProb(value: Tensor): Tensor {
    const op = 'Categorical.logProb';
    if (!(value instanceof Tensor)) throw new ValueError(`${op}: expected a Tensor of category indices`);
    if (value.dtype !== 'int32')
      throw new DTypeError(`${op}: expected int32 category indices, got ${value.dtype}`);
    const v = value.dataSync();
    for (let i = 0; i < v.length; i++)
      if (v[i] < 0 || v[i] >= this.numCategories)
        throw new ValueError(`${op}: category index ${v[i]} is out of range [0, ${this.numCategories})`);
    const shape = broadcastShapes(op, value.shape, this.batchShape);
    const logits = this.logits.expand([...shape, this.numCategories]);
    const idx = value.expand(shape).unsqueeze(-1);
    return gather(logits, -1, idx).squeeze(-1);
  }

  /** `-Σ_k p_k log p_k` (0 · log 0 counts as 0). */
  entropy(): Tensor {
    const logits = this.logits.clamp(MIN_LOGIT[this.logits.dtype === 'float64' ? 'float64' : 'float32']);
    return logits.mul(this.probs).sum(-1).neg();
  }

  /** The most likely category of each distribution (int32, `batchShape`). */
  mode(): Tensor {
    return noGrad(() => argmax(this.probs, -1));
  }
}
