/** Uniform experience replay for off-policy algorithms (DQN). */
import { ShapeError, type Tensor, tensor, ValueError } from '@kindling/core';
import { Rng } from '../utils/rng.js';

/** Options of `ReplayBuffer`. */
export interface ReplayBufferOptions {
  /** Maximum number of transitions kept; the oldest are overwritten first. */
  capacity: number;
  /** Shape of one observation (default `[]`, a scalar). */
  observationShape?: readonly number[];
  /** Shape of one action (default `[]`: one discrete action index). */
  actionShape?: readonly number[];
  /** `int32` for discrete actions (default), `float32` for continuous ones. */
  actionDtype?: 'int32' | 'float32';
  /** Seed of the sampling stream (non-deterministic when omitted). */
  seed?: number;
}

/** One transition, as given to `add`. */
export interface ReplayTransition {
  /** The observation the action was taken in (length = product of `observationShape`). */
  observation: ArrayLike<number> | number;
  /** The action (an index, or `actionShape` values). */
  action: ArrayLike<number> | number;
  /** The reward received. */
  reward: number;
  /** The observation after the step (the final one when the episode ended). */
  nextObservation: ArrayLike<number> | number;
  /** Whether the step reached a terminal state: its target does not bootstrap. A truncation is not a termination. */
  terminated: boolean;
}

/** A sampled minibatch, as tensors with a leading batch dimension. */
export interface ReplayBatch {
  /** `[B, ...observationShape]` float32. */
  observations: Tensor;
  /** `[B, ...actionShape]`, int32 or float32. */
  actions: Tensor;
  /** `[B]` float32. */
  rewards: Tensor;
  /** `[B, ...observationShape]` float32. */
  nextObservations: Tensor;
  /** `[B]` float32: 1 where the transition terminated. */
  terminations: Tensor;
  /** `[B]` float32 importance-sampling weights (all 1 for uniform sampling). */
  weights: Tensor;
  /** Buffer slot of each sample (for `PrioritizedReplayBuffer.updatePriorities`). */
  indices: Int32Array;
}

function shapeOf(op: string, name: string, shape: readonly number[] | undefined): number[] {
  const s = [...(shape ?? [])];
  if (s.some((d) => !Number.isSafeInteger(d) || d <= 0))
    throw new ValueError(`${op}: ${name} must be positive integers, got [${s.join(', ')}]`);
  return s;
}

function writeValues(
  op: string,
  name: string,
  dst: Float32Array | Int32Array,
  offset: number,
  size: number,
  x: ArrayLike<number> | number,
): void {
  if (typeof x === 'number') {
    if (size !== 1) throw new ShapeError(`${op}: ${name} must have ${size} values, got a number`);
    dst[offset] = x;
    return;
  }
  if (x === null || typeof x !== 'object' || x.length !== size)
    throw new ShapeError(
      `${op}: ${name} must have ${size} values, got ${x === null || typeof x !== 'object' ? String(x) : `${x.length}`}`,
    );
  for (let i = 0; i < size; i++) dst[offset + i] = x[i];
}

/**
 * A fixed-size ring buffer of transitions `(s, a, r, s', terminated)` sampled uniformly with
 * replacement (`stable_baselines3`'s `ReplayBuffer`). Data is kept in flat typed arrays; `sample`
 * returns tensors. Once full, each `add` overwrites the oldest transition.
 */
export class ReplayBuffer {
  /** Maximum number of transitions. */
  readonly capacity: number;
  /** Shape of one observation. */
  readonly observationShape: readonly number[];
  /** Shape of one action. */
  readonly actionShape: readonly number[];
  /** Dtype of the actions. */
  readonly actionDtype: 'int32' | 'float32';
  /** The sampling stream. */
  readonly rng: Rng;
  /** Numbers per observation (product of `observationShape`, 1 for a scalar). */
  protected readonly obsSize: number;
  /** Numbers per action (product of `actionShape`, 1 for a discrete index). */
  protected readonly actSize: number;
  /** Observation of each slot, `capacity * obsSize` values, slot-major. */
  protected readonly observations: Float32Array;
  /** Next observation of each slot, laid out like `observations`. */
  protected readonly nextObservations: Float32Array;
  /** Action of each slot, `capacity * actSize` values (Int32Array for `actionDtype: 'int32'`). */
  protected readonly actions: Float32Array | Int32Array;
  /** Reward of each slot. */
  protected readonly rewards: Float32Array;
  /** 1 where the slot's transition terminated, else 0. */
  protected readonly terminations: Float32Array;
  private _size = 0;
  private _position = 0;

  /** An empty buffer. */
  constructor(options: ReplayBufferOptions) {
    const op = this.constructor.name;
    if (typeof options !== 'object' || options === null)
      throw new ValueError(`${op}: expected an options object with a capacity`);
    if (!Number.isSafeInteger(options.capacity) || options.capacity <= 0)
      throw new ValueError(`${op}: capacity must be a positive integer, got ${String(options.capacity)}`);
    this.capacity = options.capacity;
    this.observationShape = shapeOf(op, 'observationShape', options.observationShape);
    this.actionShape = shapeOf(op, 'actionShape', options.actionShape);
    this.actionDtype = options.actionDtype ?? 'int32';
    if (this.actionDtype !== 'int32' && this.actionDtype !== 'float32')
      throw new ValueError(
        `${op}: actionDtype must be 'int32' or 'float32', got ${String(this.actionDtype)}`,
      );
    this.obsSize = this.observationShape.reduce((a, b) => a * b, 1);
    this.actSize = this.actionShape.reduce((a, b) => a * b, 1);
    this.observations = new Float32Array(this.capacity * this.obsSize);
    this.nextObservations = new Float32Array(this.capacity * this.obsSize);
    this.actions =
      this.actionDtype === 'int32'
        ? new Int32Array(this.capacity * this.actSize)
        : new Float32Array(this.capacity * this.actSize);
    this.rewards = new Float32Array(this.capacity);
    this.terminations = new Float32Array(this.capacity);
    this.rng = new Rng(options.seed);
  }

  /** Number of transitions stored. */
  get size(): number {
    return this._size;
  }

  /** The slot the next transition goes to. */
  get position(): number {
    return this._position;
  }

  /** Whether the buffer has wrapped around (every slot holds a transition). */
  get full(): boolean {
    return this._size === this.capacity;
  }

  /** Stores one transition, overwriting the oldest when full; returns its slot. */
  add(t: ReplayTransition): number {
    const op = `${this.constructor.name}.add`;
    if (typeof t !== 'object' || t === null) throw new ValueError(`${op}: expected a transition object`);
    if (typeof t.reward !== 'number' || Number.isNaN(t.reward))
      throw new ValueError(`${op}: reward must be a number, got ${String(t.reward)}`);
    const i = this._position;
    writeValues(op, 'observation', this.observations, i * this.obsSize, this.obsSize, t.observation);
    writeValues(
      op,
      'nextObservation',
      this.nextObservations,
      i * this.obsSize,
      this.obsSize,
      t.nextObservation,
    );
    writeValues(op, 'action', this.actions, i * this.actSize, this.actSize, t.action);
    this.rewards[i] = t.reward;
    this.terminations[i] = t.terminated ? 1 : 0;
    this._position = (i + 1) % this.capacity;
    this._size = Math.min(this._size + 1, this.capacity);
    this.onAdd(i);
    return i;
  }

  /** Hook for subclasses: slot `index` was just written. */
  protected onAdd(_index: number): void {}

  /** Forgets every transition (the storage is reused). */
  clear(): void {
    this._size = 0;
    this._position = 0;
  }

  /** Throws a ValueError naming `op` unless `batchSize` is a positive integer and the buffer holds data. */
  protected checkBatch(op: string, batchSize: number): void {
    if (!Number.isSafeInteger(batchSize) || batchSize <= 0)
      throw new ValueError(`${op}: batchSize must be a positive integer, got ${String(batchSize)}`);
    if (this._size === 0) throw new ValueError(`${op}: the buffer is empty`);
  }

  /** `batchSize` transitions drawn uniformly with replacement (weights all 1). */
  sample(batchSize: number): ReplayBatch {
    this.checkBatch(`${this.constructor.name}.sample`, batchSize);
    const indices = new Int32Array(batchSize);
    for (let b = 0; b < batchSize; b++) indices[b] = this.rng.integers(0, this._size);
    return this.gather(indices, new Float32Array(batchSize).fill(1));
  }

  /** The transitions in `indices` as a batch with the given weights. */
  protected gather(indices: Int32Array, weights: Float32Array): ReplayBatch {
    const B = indices.length;
    const os = this.obsSize;
    const as = this.actSize;
    const obs = new Float32Array(B * os);
    const next = new Float32Array(B * os);
    const act = this.actionDtype === 'int32' ? new Int32Array(B * as) : new Float32Array(B * as);
    const rew = new Float32Array(B);
    const term = new Float32Array(B);
    for (let b = 0; b < B; b++) {
      const i = indices[b];
      obs.set(this.observations.subarray(i * os, (i + 1) * os), b * os);
      next.set(this.nextObservations.subarray(i * os, (i + 1) * os), b * os);
      act.set(this.actions.subarray(i * as, (i + 1) * as), b * as);
      rew[b] = this.rewards[i];
      term[b] = this.terminations[i];
    }
    return {
      observations: tensor(obs).reshape([B, ...this.observationShape]),
      actions: tensor(act, { dtype: this.actionDtype }).reshape([B, ...this.actionShape]),
      rewards: tensor(rew),
      nextObservations: tensor(next).reshape([B, ...this.observationShape]),
      terminations: tensor(term),
      weights: tensor(weights),
      indices,
    };
  }
}
