import type { Env, ResetArgs, ResetResult, StepResult } from '../core/env.js';
import { Wrapper } from '../core/wrapper.js';
import type { Space } from '../spaces/space.js';

/**
 * Applies `fn` to every observation (`gymnasium.wrappers.TransformObservation`); pass the new
 * `observationSpace` when `fn` changes it (otherwise the inner space is kept).
 */
export class TransformObservation<WO, O, A> extends Wrapper<WO, A, O, A> {
  /** Transforms the observations of `env` with `fn`. */
  constructor(
    env: Env<O, A>,
    /** Maps each inner observation to the one this wrapper returns. */
    readonly fn: (observation: O) => WO,
    observationSpace?: Space<WO>,
  ) {
    super(env);
    if (observationSpace !== undefined) this.observationSpace = observationSpace;
  }

  /** Resets and transforms the first observation. */
  override reset(args: ResetArgs = {}): ResetResult<WO> {
    const r = this.env.reset(args);
    return { observation: this.fn(r.observation), info: r.info };
  }

  /** Steps and transforms the observation. */
  override step(action: A): StepResult<WO> {
    const r = this.env.step(action);
    return { ...r, observation: this.fn(r.observation) };
  }
}

/** Applies `fn` to every reward (`gymnasium.wrappers.TransformReward`). */
export class TransformReward<O, A> extends Wrapper<O, A> {
  /** Transforms the rewards of `env` with `fn`. */
  constructor(
    env: Env<O, A>,
    /** Maps each inner reward to the one this wrapper returns (episode statistics see the result). */
    readonly fn: (reward: number) => number,
  ) {
    super(env);
  }

  /** Steps and transforms the reward. */
  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    return { ...r, reward: this.fn(r.reward) };
  }
}
