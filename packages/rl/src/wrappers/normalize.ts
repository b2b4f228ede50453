import { ValueError } from '@kindling/core';
import type { Env, ResetArgs, ResetResult, StepResult } from '../core/env.js';
import { Wrapper } from '../core/wrapper.js';
import { Box } from '../spaces/box.js';
import { RunningMeanStd } from './running-mean-std.js';

/** Options of `NormalizeObservation`. */
export interface NormalizeObservationOptions {
  /** Added to the variance before the square root (default 1e-8). */
  epsilon?: number;
}

/**
 * Normalises observations to zero mean and unit variance with running statistics
 * (`gymnasium.wrappers.NormalizeObservation`): each observation first updates the statistics, then
 * is returned as `float32((obs - mean) / sqrt(var + epsilon))`. The observation space becomes an
 * unbounded float32 `Box`. Set `updateRunningMean = false` to freeze the statistics (evaluation).
 */
export class NormalizeObservation<A> extends Wrapper<Float32Array, A, ArrayLike<number>, A> {
  /** The running statistics. */
  readonly obsRms: RunningMeanStd;
  /** Whether observations update the statistics (default true). */
  updateRunningMean = true;
  private readonly epsilon: number;

  /** Normalises the `Box` observations of `env`. */
  constructor(env: Env<ArrayLike<number>, A>, options: NormalizeObservationOptions = {}) {
    super(env);
    const space = env.observationSpace;
    if (!(space instanceof Box))
      throw new ValueError(`NormalizeObservation: expected a Box observation space, got ${space.toString()}`);
    this.observationSpace = new Box(-Infinity, Infinity, { shape: space.shape, dtype: 'float32' });
    this.obsRms = new RunningMeanStd(space.size);
    this.epsilon = options.epsilon ?? 1e-8;
  }

  /** Updates the statistics (unless frozen) and normalises. */
  observation(obs: ArrayLike<number>): Float32Array {
    if (this.updateRunningMean) this.obsRms.update(obs);
    const out = new Float32Array(obs.length);
    const { mean, var: v } = this.obsRms;
    for (let i = 0; i < obs.length; i++) out[i] = (obs[i] - mean[i]) / Math.sqrt(v[i] + this.epsilon);
    return out;
  }

  /** Resets and normalises the first observation. */
  override reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    const r = this.env.reset(args);
    return { observation: this.observation(r.observation), info: r.info };
  }

  /** Steps and normalises the observation. */
  override step(action: A): StepResult<Float32Array> {
    const r = this.env.step(action);
    return { ...r, observation: this.observation(r.observation) };
  }
}

/** Options of `NormalizeReward`. */
export interface NormalizeRewardOptions {
  /** Discount of the running return (default 0.99). */
  gamma?: number;
  /** Added to the variance before the square root (default 1e-8). */
  epsilon?: number;
}

/**
 * Scales rewards by the running standard deviation of the discounted return
 * (`gymnasium.wrappers.NormalizeReward`): each step updates
 * `G = G * gamma * (1 - terminated) + r`, adds `G` to the running statistics, and returns
 * `r / sqrt(var(G) + epsilon)` (the mean is not subtracted). As in Gymnasium, `G` is not cleared by
 * `reset` or truncation, only by termination.
 */
export class NormalizeReward<O, A> extends Wrapper<O, A> {
  /** Running statistics of the discounted return. */
  readonly returnRms = new RunningMeanStd(1);
  /** The running discounted return `G`. */
  discountedReward = 0;
  /** Whether rewards update the statistics (default true). */
  updateRunningMean = true;
  /** The discount. */
  readonly gamma: number;
  private readonly epsilon: number;

  /** Normalises the rewards of `env`. */
  constructor(env: Env<O, A>, options: NormalizeRewardOptions = {}) {
    super(env);
    this.gamma = options.gamma ?? 0.99;
    this.epsilon = options.epsilon ?? 1e-8;
  }

  /** Steps and scales the reward. */
  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    this.discountedReward = this.discountedReward * this.gamma * (1 - (r.terminated ? 1 : 0)) + r.reward;
    if (this.updateRunningMean) this.returnRms.update([this.discountedReward]);
    return { ...r, reward: r.reward / Math.sqrt(this.returnRms.var[0] + this.epsilon) };
  }
}
