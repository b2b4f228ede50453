/** Gaussian distributions: elementwise `Normal` and the diagonal Gaussian of continuous policies. */
import { noGrad } from '@kindling/autograd';
import {
  broadcastShapes,
  DTypeError,
  isFloating,
  randn,
  ShapeError,
  Tensor,
  ValueError,
} from '@kindling/core';
import type { Distribution, SampleOptions } from './distribution.js';

/** Parameters of a Gaussian: the mean and either the standard deviation or its logarithm (broadcast together). */
export type GaussianParams =
  | {
      /** The means, floating point; its shape (broadcast with `std`) sets the batch and event shape. */
      mean: Tensor;
      /** Standard deviations (> 0): a tensor broadcastable with `mean`, or one number for all. */
      std: Tensor | number;
    }
  | {
      /** The means, floating point; its shape (broadcast with `logStd`) sets the batch and event shape. */
      mean: Tensor;
      /** Natural logs of the standard deviations: a tensor broadcastable with `mean`, or one number. */
      logStd: Tensor | number;
    };

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

function floatTensor(op: string, name: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new ValueError(`${op}: ${name} must be a Tensor`);
  if (!isFloating(x.dtype)) throw new DTypeError(`${op}: ${name} must be floating point, got ${x.dtype}`);
  return x;
}

/**
 * The shared implementation of the Gaussians: `eventDims` trailing dimensions of the broadcast
 * parameter shape form one event (0 for `Normal`, 1 for `DiagGaussian`).
 */
abstract class Gaussian implements Distribution {
  /** The means (broadcast to the full parameter shape, differentiable). */
  readonly mean: Tensor;
  /** Log standard deviations (broadcast, differentiable). */
  readonly logStd: Tensor;
  /** Standard deviations (broadcast, differentiable). */
  readonly std: Tensor;
  /** Shape of the batch. */
  readonly batchShape: readonly number[];
  /** Shape of one event. */
  readonly eventShape: readonly number[];
  private readonly eventDims: number;

  protected constructor(params: GaussianParams, eventDims: number) {
    const op = this.constructor.name;
    if (typeof params !== 'object' || params === null)
      throw new ValueError(`${op}: expected { mean, std } or { mean, logStd }`);
    const mean = floatTensor(op, 'mean', params.mean);
    const hasStd = 'std' in params && params.std !== undefined;
    const hasLogStd = 'logStd' in params && params.logStd !== undefined;
    if (hasStd === hasLogStd) throw new ValueError(`${op}: pass exactly one of std or logStd`);
    const raw = hasStd
      ? (params as { std: Tensor | number }).std
      : (params as { logStd: Tensor | number }).logStd;
    let scale: Tensor;
    if (typeof raw === 'number') {
      if (hasStd && !(raw > 0)) throw new ValueError(`${op}: std must be > 0, got ${raw}`);
      if (!Number.isFinite(raw))
        throw new ValueError(`${op}: ${hasStd ? 'std' : 'logStd'} must be finite, got ${raw}`);
      scale = mean
        .detach()
        .mul(0)
        .add(hasStd ? Math.log(raw) : raw);
    } else {
      const t = floatTensor(op, hasStd ? 'std' : 'logStd', raw);
      if (hasStd) {
        const v = t.detach().dataSync();
        for (let i = 0; i < v.length; i++)
          if (!(v[i] > 0)) throw new ValueError(`${op}: std must be > 0, found ${v[i]}`);
      }
      scale = hasStd ? t.log() : t;
    }
    const shape = broadcastShapes(op, mean.shape, scale.shape);
    if (shape.length < eventDims)
      throw new ShapeError(
        `${op}: the parameters must have at least ${eventDims} dimension(s) (the action dimension), got [${shape.join(', ')}]`,
      );
    this.eventDims = eventDims;
    this.batchShape = shape.slice(0, shape.length - eventDims);
    this.eventShape = shape.slice(shape.length - eventDims);
    this.mean = mean.expand(shape);
    this.logStd = scale.expand(shape);
    this.std = hasStd && raw instanceof Tensor ? raw.expand(shape) : this.logStd.exp();
  }

  /** A sample `mean + std · ε`, ε ~ N(0, 1) from `generator`, of shape `[...batchShape, ...eventShape]` (no gradient). */
  sample(options: SampleOptions = {}): Tensor {
    return noGrad(() => this.rsample(options));
  }

  /** A reparameterised sample `mean + std · ε`, differentiable with respect to the parameters. */
  rsample(options: SampleOptions = {}): Tensor {
    const eps = randn([...this.mean.shape], { dtype: this.mean.dtype, generator: options.generator });
    return this.mean.add(this.std.mul(eps));
  }

  private sumEvent(x: Tensor): Tensor {
    return this.eventDims === 0 ? x : x.sum(Array.from({ length: this.eventDims }, (_, i) => -1 - i));
  }

  /**
   * Log-density of `value` (broadcast against `[...batchShape, ...eventShape]`): the sum over the
   * event dimensions of `-(x - μ)² / (2σ²) - log σ - ½ log 2π`.
   */
  logProb(value: Tensor): Tensor {
    const op = `${this.constructor.name}.logProb`;
    floatTensor(op, 'value', value);
    const ev = this.eventShape;
    if (
      ev.length > 0 &&
      (value.ndim < ev.length || ev.some((d, i) => value.shape[value.ndim - ev.length + i] !== d))
    )
      throw new ShapeError(
        `${op}: expected values of shape [..., ${ev.join(', ')}], got [${value.shape.join(', ')}]`,
      );
    const z = value.sub(this.mean).div(this.std);
    return this.sumEvent(z.square().mul(-0.5).sub(this.logStd).sub(HALF_LOG_2PI));
  }

  /** Entropy: the sum over the event dimensions of `½ + ½ log 2π + log σ`. */
  entropy(): Tensor {
    return this.sumEvent(this.logStd.add(0.5 + HALF_LOG_2PI));
  }

  /** The mean. */
  mode(): Tensor {
    return this.mean;
  }
}

/**
 * Independent normal distributions, one per element (`torch.distributions.Normal`): `mean` and
 * `std` (or `logStd`, which a policy usually learns directly) are broadcast together and give the
 * batch shape; every method works elementwise.
 */
export class Normal extends Gaussian {
  /** Normals from `{ mean, std }` or `{ mean, logStd }`. */
  constructor(params: GaussianParams) {
    super(params, 0);
  }
}

/**
 * A batch of diagonal Gaussians over vectors: the last dimension of the (broadcast) parameters is
 * the event (an action vector), the dimensions before it the batch (`Independent(Normal(mean,
 * std), 1)` in PyTorch). `logProb` and `entropy` sum over the action dimensions. The usual
 * continuous policy: a network gives the mean `[B, d]` and a state-independent `logStd`
 * parameter of shape `[d]` broadcasts against it.
 */
export class DiagGaussian extends Gaussian {
  /** Diagonal Gaussians from `{ mean, std }` or `{ mean, logStd }` (at least 1-D once broadcast). */
  constructor(params: GaussianParams) {
    super(params, 1);
  }
}
