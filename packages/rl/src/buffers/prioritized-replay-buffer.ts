/** Proportional prioritized experience replay (Schaul et al. 2016) on a sum tree. */
import { Tensor, ValueError } from '@kindling/core';
import { type ReplayBatch, ReplayBuffer, type ReplayBufferOptions } from './replay-buffer.js';
import { MinTree, SumTree } from './sum-tree.js';

/** Options of `PrioritizedReplayBuffer`. */
export interface PrioritizedReplayBufferOptions extends ReplayBufferOptions {
  /** How much prioritisation is used: P(i) ∝ p_i^α (0: uniform; default 0.6). */
  alpha?: number;
  /** Importance-sampling exponent at the start (default 0.4). */
  beta?: number;
  /** Importance-sampling exponent reached after `betaAnnealSteps` calls to `sample` (default 1). */
  betaFinal?: number;
  /** Number of `sample` calls over which β moves linearly from `beta` to `betaFinal` (default 0: β stays at `beta`). */
  betaAnnealSteps?: number;
  /** Added to each |TD error| so that no transition gets priority 0 (default 1e-6). */
  epsilon?: number;
}

function checkNonNeg(op: string, name: string, v: number): void {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v))
    throw new ValueError(`${op}: ${name} must be a finite number >= 0, got ${String(v)}`);
}

/**
 * Replay with proportional prioritisation: transition `i` is drawn with probability
 * `P(i) = p_i^α / Σ_k p_k^α`, where `p_i` is its last |TD error| + ε (new transitions get the
 * largest priority seen so far, so each is replayed at least once soon). Batches are stratified:
 * the total mass is cut into `batchSize` equal segments and one sample is drawn in each.
 *
 * The bias is corrected by importance-sampling weights `w_i = (N · P(i))^-β / max_k w_k`, the
 * maximum taken over the buffer (through the smallest priority), so weights lie in (0, 1]; β is
 * annealed linearly towards 1 over `betaAnnealSteps` calls to `sample` (or set `beta` directly, or
 * pass `{ beta }` to `sample`). After learning, report the new TD errors with `updatePriorities`.
 */
export class PrioritizedReplayBuffer extends ReplayBuffer {
  /** The prioritisation exponent α. */
  readonly alpha: number;
  /** The current importance-sampling exponent β (annealed by `sample`, or set it). */
  beta: number;
  /** β after annealing. */
  readonly betaFinal: number;
  /** Number of `sample` calls over which β is annealed. */
  readonly betaAnnealSteps: number;
  /** Added to |TD errors|. */
  readonly epsilon: number;
  /** Number of `sample` calls so far. */
  sampleCount = 0;
  private readonly beta0: number;
  private readonly sums: SumTree;
  private readonly mins: MinTree;
  private maxPriority = 1;

  /** An empty buffer. */
  constructor(options: PrioritizedReplayBufferOptions) {
    super(options);
    const op = 'PrioritizedReplayBuffer';
    this.alpha = options.alpha ?? 0.6;
    this.beta0 = options.beta ?? 0.4;
    this.beta = this.beta0;
    this.betaFinal = options.betaFinal ?? 1;
    this.betaAnnealSteps = options.betaAnnealSteps ?? 0;
    this.epsilon = options.epsilon ?? 1e-6;
    checkNonNeg(op, 'alpha', this.alpha);
    checkNonNeg(op, 'beta', this.beta0);
    checkNonNeg(op, 'betaFinal', this.betaFinal);
    checkNonNeg(op, 'epsilon', this.epsilon);
    if (!Number.isSafeInteger(this.betaAnnealSteps) || this.betaAnnealSteps < 0)
      throw new ValueError(
        `${op}: betaAnnealSteps must be a non-negative integer, got ${String(this.betaAnnealSteps)}`,
      );
    this.sums = new SumTree(this.capacity);
    this.mins = new MinTree(this.capacity);
  }

  protected override onAdd(index: number): void {
    const p = this.maxPriority ** this.alpha;
    this.sums.set(index, p);
    this.mins.set(index, p);
  }

  /** Forgets every transition and priority. */
  override clear(): void {
    super.clear();
    for (let i = 0; i < this.capacity; i++) {
      this.sums.set(i, 0);
      this.mins.set(i, Infinity);
    }
    this.maxPriority = 1;
  }

  /** The sampling probability of slot `index` (its share of the total priority mass). */
  probability(index: number): number {
    return this.sums.get(index) / this.sums.total();
  }

  /**
   * `batchSize` transitions drawn in proportion to their priorities, with importance weights for
   * the current β (or `options.beta`). Each call then advances the β annealing.
   */
  override sample(batchSize: number, options: { beta?: number } = {}): ReplayBatch {
    const op = 'PrioritizedReplayBuffer.sample';
    this.checkBatch(op, batchSize);
    const beta = options.beta ?? this.beta;
    checkNonNeg(op, 'beta', beta);
    const total = this.sums.total();
    const segment = total / batchSize;
    const indices = new Int32Array(batchSize);
    const weights = new Float32Array(batchSize);
    const n = this.size;
    const pMin = this.mins.min() / total;
    const maxWeight = (n * pMin) ** -beta;
    for (let b = 0; b < batchSize; b++) {
      let i = this.sums.find((b + this.rng.next()) * segment);
      if (i >= n) i = n - 1; // unreachable while priorities of empty slots are 0; kept as a guard
      indices[b] = i;
      const p = this.sums.get(i) / total;
      weights[b] = (n * p) ** -beta / maxWeight;
    }
    this.sampleCount += 1;
    if (this.betaAnnealSteps > 0 && options.beta === undefined) {
      const frac = Math.min(1, this.sampleCount / this.betaAnnealSteps);
      this.beta = this.beta0 + frac * (this.betaFinal - this.beta0);
    }
    return this.gather(indices, weights);
  }

  /** Sets the priorities of slots `indices` from new |TD errors| (`p = |δ| + ε`). */
  updatePriorities(indices: ArrayLike<number>, tdErrors: ArrayLike<number> | Tensor): void {
    const op = 'PrioritizedReplayBuffer.updatePriorities';
    const errs = tdErrors instanceof Tensor ? tdErrors.detach().to('float64').dataSync() : tdErrors;
    if (errs.length !== indices.length)
      throw new ValueError(`${op}: got ${indices.length} indices but ${errs.length} TD errors`);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      if (!Number.isInteger(i) || i < 0 || i >= this.size)
        throw new ValueError(`${op}: index ${i} is not a stored transition (size ${this.size})`);
      const e = Number(errs[k]);
      if (!Number.isFinite(e)) throw new ValueError(`${op}: TD error ${k} is not finite (${e})`);
      const p = Math.abs(e) + this.epsilon;
      if (p > this.maxPriority) this.maxPriority = p;
      const pa = p ** this.alpha;
      this.sums.set(i, pa);
      this.mins.set(i, pa);
    }
  }
}
