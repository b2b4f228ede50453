import { ValueError } from '@kindling/core';
import type { Env, ResetArgs, ResetResult, StepResult } from '../core/env.js';
import { Wrapper } from '../core/wrapper.js';
import { ResetNeededError } from '../errors.js';

/**
 * Truncates episodes after `maxEpisodeSteps` steps (`gymnasium.wrappers.TimeLimit`): the step that
 * reaches the limit returns `truncated: true`. Stepping again without a reset throws
 * `ResetNeededError` (Gymnasium would keep counting).
 */
export class TimeLimit<O, A> extends Wrapper<O, A> {
  /** The step limit. */
  readonly maxEpisodeSteps: number;
  /** Steps taken in the current episode. */
  elapsedSteps: number | null = null;
  private ended = false;

  /** Limits episodes of `env` to `maxEpisodeSteps` steps. */
  constructor(env: Env<O, A>, maxEpisodeSteps: number) {
    super(env);
    if (!Number.isSafeInteger(maxEpisodeSteps) || maxEpisodeSteps <= 0)
      throw new ValueError(`TimeLimit: maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}`);
    this.maxEpisodeSteps = maxEpisodeSteps;
  }

  /** Counts the step and truncates at the limit. */
  override step(action: A): StepResult<O> {
    if (this.ended)
      throw new ResetNeededError(
        `${this.name}.step: the episode was truncated after ${this.maxEpisodeSteps} steps; call reset() before step()`,
      );
    const r = this.env.step(action);
    this.elapsedSteps = (this.elapsedSteps ?? 0) + 1;
    if (this.elapsedSteps >= this.maxEpisodeSteps) {
      this.ended = !r.terminated;
      return { ...r, truncated: true };
    }
    return r;
  }

  /** Resets the step count. */
  override reset(args: ResetArgs = {}): ResetResult<O> {
    const r = this.env.reset(args);
    this.elapsedSteps = 0;
    this.ended = false;
    return r;
  }
}
