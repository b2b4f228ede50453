import type { Tensor } from '@kindling/core';
import type { Space } from '../spaces/space.js';
import type { Rng } from '../utils/rng.js';
import { Env, type EnvSpec, type ResetArgs, type ResetResult, type StepResult } from './env.js';

/**
 * Wraps an environment to change its behaviour (`gymnasium.Wrapper`): by default every call goes
 * to the inner environment. Subclasses override `reset`/`step`, and may replace the spaces by
 * assigning `observationSpace`/`actionSpace`. `WO`/`WA` are the wrapper's observation and action
 * types, `O`/`A` the inner environment's. The protocol checks (`ResetNeededError`, action checks)
 * happen in the innermost environment. As in Gymnasium 1.x, attributes of the inner environment
 * are not forwarded: read them on `env.unwrapped`.
 */
export class Wrapper<WO = unknown, WA = unknown, O = WO, A = WA> extends Env<WO, WA> {
  /** The wrapped environment. */
  readonly env: Env<O, A>;
  private _observationSpace: Space<WO> | null = null;
  private _actionSpace: Space<WA> | null = null;

  /** Wraps `env`. */
  constructor(env: Env<O, A>) {
    super();
    this.env = env;
    this.metadata = env.metadata;
  }

  /** The inner observation space unless replaced. */
  get observationSpace(): Space<WO> {
    return this._observationSpace ?? (this.env.observationSpace as unknown as Space<WO>);
  }
  set observationSpace(space: Space<WO>) {
    this._observationSpace = space;
  }

  /** The inner action space unless replaced. */
  get actionSpace(): Space<WA> {
    return this._actionSpace ?? (this.env.actionSpace as unknown as Space<WA>);
  }
  set actionSpace(space: Space<WA>) {
    this._actionSpace = space;
  }

  /** The inner environment's spec. */
  override get spec(): EnvSpec | null {
    return this._spec ?? this.env.spec;
  }
  override set spec(spec: EnvSpec | null) {
    this._spec = spec;
  }

  /** The inner environment's random stream. */
  override get rng(): Rng {
    return this.env.rng;
  }
  override set rng(rng: Rng) {
    this.env.rng = rng;
  }

  /** Resets the inner environment. */
  override reset(args: ResetArgs = {}): ResetResult<WO> {
    return this.env.reset(args) as unknown as ResetResult<WO>;
  }

  /** Steps the inner environment. */
  override step(action: WA): StepResult<WO> {
    return this.env.step(action as unknown as A) as unknown as StepResult<WO>;
  }

  /** @internal Not used: `reset` is overridden. */
  protected resetEnv(options?: Record<string, unknown>): ResetResult<WO> {
    return this.reset({ options });
  }

  /** @internal Not used: `step` is overridden. */
  protected stepEnv(action: WA): StepResult<WO> {
    return this.step(action);
  }

  /** Renders the inner environment. */
  override render(): Tensor {
    return this.env.render();
  }

  /** Closes the inner environment. */
  override close(): void {
    this.env.close();
  }

  /** The innermost environment. */
  override get unwrapped(): Env<unknown, unknown> {
    return this.env.unwrapped;
  }

  /** `<Wrapper<inner>>`. */
  override toString(): string {
    return `<${this.constructor.name}${this.env.toString()}>`;
  }
}

/** A wrapper that transforms observations (`gymnasium.ObservationWrapper`): implement `observation`. */
export abstract class ObservationWrapper<WO, A, O> extends Wrapper<WO, A, O, A> {
  /** Maps an inner observation to this wrapper's observation. */
  abstract observation(observation: O): WO;

  /** Resets and transforms the first observation. */
  override reset(args: ResetArgs = {}): ResetResult<WO> {
    const r = this.env.reset(args);
    return { observation: this.observation(r.observation), info: r.info };
  }

  /** Steps and transforms the observation. */
  override step(action: A): StepResult<WO> {
    const r = this.env.step(action);
    return { ...r, observation: this.observation(r.observation) };
  }
}

/** A wrapper that transforms actions before the inner environment sees them (`gymnasium.ActionWrapper`). */
export abstract class ActionWrapper<O, WA, A> extends Wrapper<O, WA, O, A> {
  /** Maps this wrapper's action to an inner action. */
  abstract action(action: WA): A;

  /** Steps the inner environment with the transformed action. */
  override step(action: WA): StepResult<O> {
    return this.env.step(this.action(action));
  }
}

/** A wrapper that transforms rewards (`gymnasium.RewardWrapper`). */
export abstract class RewardWrapper<O, A> extends Wrapper<O, A, O, A> {
  /** Maps an inner reward to this wrapper's reward. */
  abstract reward(reward: number): number;

  /** Steps and transforms the reward. */
  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    return { ...r, reward: this.reward(r.reward) };
  }
}
