/** On-policy rollout storage with GAE(λ), for PPO and A2C. */
import { ShapeError, type Tensor, tensor, ValueError } from '@kindling/core';
import { Rng } from '../utils/rng.js';
import { computeGae } from './gae.js';

/** Options of `RolloutBuffer`. */
export interface RolloutBufferOptions {
  /** Steps per environment in one rollout. */
  numSteps: number;
  /** Number of environments stepped together (default 1). */
  numEnvs?: number;
  /** Shape of one observation (default `[]`). */
  observationShape?: readonly number[];
  /** Shape of one action (default `[]`: a discrete index). */
  actionShape?: readonly number[];
  /** `int32` for discrete actions (default), `float32` for continuous ones. */
  actionDtype?: 'int32' | 'float32';
  /** Discount factor (default 0.99). */
  gamma?: number;
  /** GAE λ (default 0.95). */
  gaeLambda?: number;
}

/** One step of every environment, as given to `add` (arrays batched over environments). */
export interface RolloutStep {
  /** The observations acted on, `numEnvs × observation size`. */
  observations: ArrayLike<number>;
  /** The actions taken, `numEnvs × action size` (store unclipped continuous actions: their log-probabilities are what is stored). */
  actions: ArrayLike<number>;
  /** One reward per environment. */
  rewards: ArrayLike<number>;
  /** One termination flag per environment. */
  terminations: ArrayLike<boolean | number>;
  /** One truncation flag per environment (default none). */
  truncations?: ArrayLike<boolean | number>;
  /** `V(final observation)` per environment, read where truncated (default 0). */
  truncationValues?: ArrayLike<number>;
  /** `V(observation)` per environment. */
  values: ArrayLike<number>;
  /** `log π(action | observation)` per environment. */
  logProbs: ArrayLike<number>;
}

/** A minibatch of the rollout, as tensors with a leading batch dimension. */
export interface RolloutBatch {
  /** `[B, ...observationShape]` float32. */
  observations: Tensor;
  /** `[B, ...actionShape]` int32 or float32. */
  actions: Tensor;
  /** `[B]` log-probabilities under the policy that collected the data. */
  oldLogProbs: Tensor;
  /** `[B]` value estimates of the collecting critic. */
  oldValues: Tensor;
  /** `[B]` GAE advantages (normalised per minibatch when asked). */
  advantages: Tensor;
  /** `[B]` value targets (λ-returns). */
  returns: Tensor;
}

/** Options of `RolloutBuffer.minibatches`. */
export interface MinibatchOptions {
  /** The stream the shuffle draws from (default: the buffer's own, unseeded unless `seed` was called). */
  rng?: Rng;
  /** Normalise advantages to zero mean, unit std within each minibatch (default false). */
  normalizeAdvantages?: boolean;
  /** Shuffle the samples (default true). */
  shuffle?: boolean;
}

/**
 * Stores `numSteps` steps of `numEnvs` environments (time-major), then computes GAE(λ) advantages
 * and λ-returns with `computeReturnsAndAdvantages` (terminations cut the bootstrap, truncations
 * bootstrap from `truncationValues`, see `computeGae`) and serves shuffled minibatches.
 */
export class RolloutBuffer {
  /** Steps per environment. */
  readonly numSteps: number;
  /** Environments per step. */
  readonly numEnvs: number;
  /** Shape of one observation. */
  readonly observationShape: readonly number[];
  /** Shape of one action. */
  readonly actionShape: readonly number[];
  /** Dtype of the actions. */
  readonly actionDtype: 'int32' | 'float32';
  /** Discount factor. */
  gamma: number;
  /** GAE λ. */
  gaeLambda: number;
  /** Observations, time-major `[numSteps, numEnvs, ...observationShape]`. */
  readonly observations: Float32Array;
  /** Actions, `[numSteps, numEnvs, ...actionShape]`. */
  readonly actions: Float32Array | Int32Array;
  /** Rewards `[numSteps, numEnvs]`. */
  readonly rewards: Float64Array;
  /** Termination flags (0/1). */
  readonly terminations: Uint8Array;
  /** Truncation flags (0/1). */
  readonly truncations: Uint8Array;
  /** Values of the final observations of truncated steps. */
  readonly truncationValues: Float64Array;
  /** Value estimates. */
  readonly values: Float64Array;
  /** Log-probabilities of the actions. */
  readonly logProbs: Float64Array;
  /** GAE advantages (after `computeReturnsAndAdvantages`). */
  advantages: Float64Array;
  /** λ-returns (after `computeReturnsAndAdvantages`). */
  returns: Float64Array;
  /** The default shuffle stream. */
  rng: Rng;
  private readonly obsSize: number;
  private readonly actSize: number;
  private pos = 0;
  private computed = false;

  /** An empty rollout buffer. */
  constructor(options: RolloutBufferOptions) {
    const op = 'RolloutBuffer';
    if (typeof options !== 'object' || options === null)
      throw new ValueError(`${op}: expected an options object`);
    const { numSteps } = options;
    const numEnvs = options.numEnvs ?? 1;
    if (!Number.isSafeInteger(numSteps) || numSteps <= 0)
      throw new ValueError(`${op}: numSteps must be a positive integer, got ${String(numSteps)}`);
    if (!Number.isSafeInteger(numEnvs) || numEnvs <= 0)
      throw new ValueError(`${op}: numEnvs must be a positive integer, got ${String(numEnvs)}`);
    this.numSteps = numSteps;
    this.numEnvs = numEnvs;
    this.observationShape = [...(options.observationShape ?? [])];
    this.actionShape = [...(options.actionShape ?? [])];
    for (const d of [...this.observationShape, ...this.actionShape])
      if (!Number.isSafeInteger(d) || d <= 0)
        throw new ValueError(`${op}: shapes must be positive integers, got ${d}`);
    this.actionDtype = options.actionDtype ?? 'int32';
    if (this.actionDtype !== 'int32' && this.actionDtype !== 'float32')
      throw new ValueError(
        `${op}: actionDtype must be 'int32' or 'float32', got ${String(this.actionDtype)}`,
      );
    this.gamma = options.gamma ?? 0.99;
    this.gaeLambda = options.gaeLambda ?? 0.95;
    this.obsSize = this.observationShape.reduce((a, b) => a * b, 1);
    this.actSize = this.actionShape.reduce((a, b) => a * b, 1);
    const n = numSteps * numEnvs;
    this.observations = new Float32Array(n * this.obsSize);
    this.actions =
      this.actionDtype === 'int32' ? new Int32Array(n * this.actSize) : new Float32Array(n * this.actSize);
    this.rewards = new Float64Array(n);
    this.terminations = new Uint8Array(n);
    this.truncations = new Uint8Array(n);
    this.truncationValues = new Float64Array(n);
    this.values = new Float64Array(n);
    this.logProbs = new Float64Array(n);
    this.advantages = new Float64Array(n);
    this.returns = new Float64Array(n);
    this.rng = new Rng();
  }

  /** Total number of samples (`numSteps × numEnvs`). */
  get bufferSize(): number {
    return this.numSteps * this.numEnvs;
  }

  /** Steps stored so far. */
  get stepsStored(): number {
    return this.pos;
  }

  /** Whether `numSteps` steps are stored. */
  get full(): boolean {
    return this.pos === this.numSteps;
  }

  /** Empties the buffer for the next rollout. */
  reset(): void {
    this.pos = 0;
    this.computed = false;
  }

  /** Stores one step of every environment. */
  add(step: RolloutStep): void {
    const op = 'RolloutBuffer.add';
    if (this.pos >= this.numSteps)
      throw new ValueError(`${op}: the buffer is full (${this.numSteps} steps); call reset() first`);
    const N = this.numEnvs;
    const check = (name: string, a: ArrayLike<unknown> | undefined, len: number) => {
      if (a === undefined || a === null || typeof a !== 'object' || a.length !== len)
        throw new ShapeError(
          `${op}: ${name} must have ${len} values (${N} environments), got ${a === undefined || a === null || typeof a !== 'object' ? String(a) : a.length}`,
        );
    };
    check('observations', step.observations, N * this.obsSize);
    check('actions', step.actions, N * this.actSize);
    check('rewards', step.rewards, N);
    check('terminations', step.terminations, N);
    check('values', step.values, N);
    check('logProbs', step.logProbs, N);
    if (step.truncations !== undefined) check('truncations', step.truncations, N);
    if (step.truncationValues !== undefined) check('truncationValues', step.truncationValues, N);
    const base = this.pos * N;
    this.observations.set(step.observations, base * this.obsSize);
    this.actions.set(step.actions, base * this.actSize);
    for (let e = 0; e < N; e++) {
      const i = base + e;
      this.rewards[i] = step.rewards[e];
      this.terminations[i] = step.terminations[e] ? 1 : 0;
      this.truncations[i] = step.truncations?.[e] ? 1 : 0;
      this.truncationValues[i] = step.truncationValues?.[e] ?? 0;
      this.values[i] = step.values[e];
      this.logProbs[i] = step.logProbs[e];
    }
    this.pos += 1;
    this.computed = false;
  }

  /** Computes GAE advantages and λ-returns; `lastValues` are `V(s_T)` of the observations after the rollout. */
  computeReturnsAndAdvantages(lastValues: ArrayLike<number>): void {
    if (!this.full)
      throw new ValueError(
        `RolloutBuffer.computeReturnsAndAdvantages: the buffer holds ${this.pos} of ${this.numSteps} steps`,
      );
    const { advantages, returns } = computeGae({
      rewards: this.rewards,
      values: this.values,
      terminations: this.terminations,
      truncations: this.truncations,
      truncationValues: this.truncationValues,
      lastValues,
      gamma: this.gamma,
      lambda: this.gaeLambda,
      numEnvs: this.numEnvs,
    });
    this.advantages = advantages;
    this.returns = returns;
    this.computed = true;
  }

  /**
   * The rollout in minibatches of `batchSize` samples (a shuffled permutation of all samples; the
   * last batch is smaller when `batchSize` does not divide the buffer size).
   */
  *minibatches(batchSize: number, options: MinibatchOptions = {}): Generator<RolloutBatch> {
    const op = 'RolloutBuffer.minibatches';
    if (!this.computed)
      throw new ValueError(`${op}: call computeReturnsAndAdvantages(lastValues) after filling the buffer`);
    const n = this.bufferSize;
    if (!Number.isSafeInteger(batchSize) || batchSize <= 0)
      throw new ValueError(`${op}: batchSize must be a positive integer, got ${String(batchSize)}`);
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (options.shuffle ?? true) {
      const rng = options.rng ?? this.rng;
      for (let i = n - 1; i > 0; i--) {
        const j = rng.integers(0, i + 1);
        const tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
      }
    }
    for (let start = 0; start < n; start += batchSize)
      yield this.batch(
        order.subarray(start, Math.min(n, start + batchSize)),
        options.normalizeAdvantages ?? false,
      );
  }

  /** The samples at flat (time-major) `indices` as a batch. */
  batch(indices: ArrayLike<number>, normalizeAdvantages = false): RolloutBatch {
    const B = indices.length;
    const os = this.obsSize;
    const as = this.actSize;
    const obs = new Float32Array(B * os);
    const act = this.actionDtype === 'int32' ? new Int32Array(B * as) : new Float32Array(B * as);
    const lp = new Float32Array(B);
    const val = new Float32Array(B);
    const adv = new Float64Array(B);
    const ret = new Float32Array(B);
    for (let b = 0; b < B; b++) {
      const i = indices[b];
      obs.set(this.observations.subarray(i * os, (i + 1) * os), b * os);
      act.set(this.actions.subarray(i * as, (i + 1) * as), b * as);
      lp[b] = this.logProbs[i];
      val[b] = this.values[i];
      adv[b] = this.advantages[i];
      ret[b] = this.returns[i];
    }
    if (normalizeAdvantages && B > 1) {
      let mean = 0;
      for (let b = 0; b < B; b++) mean += adv[b];
      mean /= B;
      let v = 0;
      for (let b = 0; b < B; b++) v += (adv[b] - mean) ** 2;
      const std = Math.sqrt(v / (B - 1)); // unbiased, as torch.std
      for (let b = 0; b < B; b++) adv[b] = (adv[b] - mean) / (std + 1e-8);
    }
    return {
      observations: tensor(obs).reshape([B, ...this.observationShape]),
      actions: tensor(act, { dtype: this.actionDtype }).reshape([B, ...this.actionShape]),
      oldLogProbs: tensor(lp),
      oldValues: tensor(val),
      advantages: tensor(Float32Array.from(adv)),
      returns: tensor(ret),
    };
  }
}
