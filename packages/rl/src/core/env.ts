import { NotSupportedError, type Tensor } from '@kindling/core';
import { ResetNeededError } from '../errors.js';
import type { Space } from '../spaces/space.js';
import { Rng } from '../utils/rng.js';

/** Auxiliary diagnostic information an environment returns with each reset/step. */
export type Info = Record<string, unknown>;

/** Arguments of `reset` (Gymnasium's keyword arguments `seed` and `options`). */
export interface ResetArgs {
  /** Re-seeds the environment's random stream (a non-negative integer). */
  seed?: number;
  /** Environment-specific reset options (classic control: `{ low, high }` bounds of the start state). */
  options?: Record<string, unknown>;
}

/** What `reset` returns. */
export interface ResetResult<O> {
  /** The first observation of the episode. */
  observation: O;
  /** Diagnostic information. */
  info: Info;
}

/** What `step` returns. */
export interface StepResult<O> {
  /** The observation after the action. */
  observation: O;
  /** The reward of the transition. */
  reward: number;
  /** Whether a terminal state of the MDP was reached (the episode ends; do not bootstrap). */
  terminated: boolean;
  /** Whether the episode was cut short from outside the MDP (a time limit; bootstrap from `observation`). */
  truncated: boolean;
  /** Diagnostic information. */
  info: Info;
}

/** Static facts about an environment. */
export interface EnvMetadata {
  /** Render modes `render()` supports (Kindling environments render `rgb_array` frames). */
  renderModes: string[];
  /** Frames per second the environment is meant to be shown at. */
  renderFps?: number;
}

/** How an environment is built from the registry (Gymnasium's `EnvSpec`). */
export interface EnvSpec {
  /** The id, `Name-vN`. */
  id: string;
  /** Builds the bare environment from its keyword options. */
  entryPoint: (options: Record<string, unknown>) => Env<unknown, unknown>;
  /** The return at which the task counts as solved, if any. */
  rewardThreshold: number | null;
  /** Whether the environment is non-deterministic even after seeding. */
  nondeterministic: boolean;
  /** Steps after which `make` truncates episodes with `TimeLimit` (null: no limit). */
  maxEpisodeSteps: number | null;
  /** Default options passed to the entry point (merged under the options of `make`). */
  kwargs: Record<string, unknown>;
}

/**
 * A reinforcement-learning environment with Gymnasium 1.x's API: `reset({ seed, options })`
 * returns `{ observation, info }`, `step(action)` returns `{ observation, reward, terminated,
 * truncated, info }`, and `actionSpace` / `observationSpace` describe the values.
 *
 * The public `reset`/`step` enforce the protocol (Gymnasium's `OrderEnforcing`, stricter): stepping
 * before the first reset or after the episode ended throws `ResetNeededError`, and an action that
 * is not in `actionSpace` throws a `ShapeError` (wrong length/kind) or `ValueError` (bad value).
 * Subclasses implement `resetEnv` and `stepEnv`; wrappers override `reset`/`step` themselves.
 */
export abstract class Env<O = unknown, A = unknown> {
  /** The space of observations. */
  abstract readonly observationSpace: Space<O>;
  /** The space of actions. */
  abstract readonly actionSpace: Space<A>;
  /** Render modes and frame rate. */
  metadata: EnvMetadata = { renderModes: ['rgb_array'] };
  /** @internal */
  protected _spec: EnvSpec | null = null;
  /** @internal */
  protected _rng: Rng | null = null;
  /** @internal True until `reset()` and again once an episode ends. */
  protected _needsReset = true;
  /** @internal How the last episode ended, for the error message. */
  protected _ended: 'terminated' | 'truncated' | null = null;

  /** The registry spec this environment was made from (null when built directly). */
  get spec(): EnvSpec | null {
    return this._spec;
  }
  /** Records the spec the environment was made from (`make` sets it; null detaches it). */
  set spec(spec: EnvSpec | null) {
    this._spec = spec;
  }

  /** A name for messages: the spec id, or the class name. */
  get name(): string {
    return this.spec?.id ?? this.constructor.name;
  }

  /**
   * The environment's random stream (Gymnasium's `np_random`): created non-deterministically on
   * first use unless `reset({ seed })` seeded it.
   */
  get rng(): Rng {
    if (this._rng === null) this._rng = new Rng();
    return this._rng;
  }
  /** Replaces the random stream, e.g. to share one or to restore a saved one. */
  set rng(rng: Rng) {
    this._rng = rng;
  }

  /**
   * Starts an episode. With `seed`, re-seeds the random stream first (do this once, at the first
   * reset; later resets continue the stream). Returns the first observation and info.
   */
  reset(args: ResetArgs = {}): ResetResult<O> {
    if (args.seed !== undefined) this._rng = new Rng(args.seed);
    const result = this.resetEnv(args.options);
    this._needsReset = false;
    this._ended = null;
    return result;
  }

  /** Advances the environment by one action (checked against `actionSpace`). */
  step(action: A): StepResult<O> {
    if (this._needsReset) {
      const why =
        this._ended === null
          ? 'the environment was never reset'
          : `the episode already ended (${this._ended})`;
      throw new ResetNeededError(`${this.name}.step: ${why}; call reset() before step()`);
    }
    this.actionSpace.check(action, `${this.name}.step`);
    const result = this.stepEnv(action);
    if (result.terminated || result.truncated) {
      this._needsReset = true;
      this._ended = result.terminated ? 'terminated' : 'truncated';
    }
    return result;
  }

  /** Environment-specific reset; the stream in `rng` is already seeded. */
  protected abstract resetEnv(options?: Record<string, unknown>): ResetResult<O>;

  /** Environment-specific step; the action is already checked. */
  protected abstract stepEnv(action: A): StepResult<O>;

  /** @internal Lets `step` run without a `reset` (used after the physical state is set by hand). */
  protected markReady(): void {
    this._needsReset = false;
    this._ended = null;
  }

  /**
   * An RGB frame of the current state: an int32 tensor of shape `[height, width, 3]` with values
   * in 0..255 (Gymnasium's `rgb_array` render mode).
   */
  render(): Tensor {
    throw new NotSupportedError(`${this.name}.render: this environment does not render`);
  }

  /** Releases resources (nothing for the built-in environments). */
  close(): void {}

  /** The innermost environment, below every wrapper. */
  get unwrapped(): Env<unknown, unknown> {
    return this as Env<unknown, unknown>;
  }

  /** `<Name<id>>`, as Gymnasium prints environments. */
  toString(): string {
    return this.spec ? `<${this.constructor.name}<${this.spec.id}>>` : `<${this.constructor.name} instance>`;
  }
}
