import type { Env, ResetArgs, ResetResult, StepResult } from '../core/env.js';
import { Wrapper } from '../core/wrapper.js';

/**
 * Resets the environment automatically (`gymnasium.wrappers.Autoreset`, Gymnasium 1.x next-step
 * mode): the step after an episode ended ignores its action, resets, and returns the first
 * observation of the new episode with reward 0, `terminated = truncated = false` and the reset's info.
 */
export class AutoReset<O, A> extends Wrapper<O, A> {
  private pending = false;

  /** Wraps `env`. */
  constructor(env: Env<O, A>) {
    super(env);
  }

  /** Steps, or resets when the previous step ended the episode. */
  override step(action: A): StepResult<O> {
    let r: StepResult<O>;
    if (this.pending) {
      const reset = this.env.reset();
      r = {
        observation: reset.observation,
        reward: 0,
        terminated: false,
        truncated: false,
        info: reset.info,
      };
    } else r = this.env.step(action);
    this.pending = r.terminated || r.truncated;
    return r;
  }

  /** Resets and clears the pending autoreset. */
  override reset(args: ResetArgs = {}): ResetResult<O> {
    this.pending = false;
    return this.env.reset(args);
  }
}
