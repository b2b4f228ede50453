import { ValueError } from '@kindling/core';
import type { Env, ResetArgs, ResetResult, StepResult } from '../core/env.js';
import { Wrapper } from '../core/wrapper.js';
import { Discrete } from '../spaces/discrete.js';
import type { Space } from '../spaces/space.js';
import { batchSpace, concatenate, createEmptyArray } from '../spaces/utils.js';

/** Options of `FrameStackObservation`. */
export interface FrameStackOptions {
  /** How the stack is filled after a reset: `reset` repeats the first observation (default), `zero` uses zeros. */
  paddingType?: 'reset' | 'zero';
}

/**
 * Stacks the last `stackSize` observations (`gymnasium.wrappers.FrameStackObservation`): the
 * observation space is `batchSpace(inner, stackSize)` (a `Box` gets a leading dimension), oldest
 * first. After a reset the stack is padded with the first observation (or zeros).
 */
export class FrameStackObservation<O, A> extends Wrapper<unknown, A, O, A> {
  /** Number of stacked observations. */
  readonly stackSize: number;
  private readonly paddingType: 'reset' | 'zero';
  private frames: unknown[] = [];
  private readonly single: Space<unknown>;

  /** Stacks `stackSize` observations of `env`. */
  constructor(env: Env<O, A>, stackSize: number, options: FrameStackOptions = {}) {
    super(env);
    if (!Number.isSafeInteger(stackSize) || stackSize <= 0)
      throw new ValueError(`FrameStackObservation: stackSize must be a positive integer, got ${stackSize}`);
    this.paddingType = options.paddingType ?? 'reset';
    if (this.paddingType !== 'reset' && this.paddingType !== 'zero')
      throw new ValueError(
        `FrameStackObservation: paddingType must be 'reset' or 'zero', got ${this.paddingType}`,
      );
    this.stackSize = stackSize;
    this.single = env.observationSpace as Space<unknown>;
    this.observationSpace = batchSpace(this.single, stackSize);
  }

  private zero(): unknown {
    if (this.single instanceof Discrete) return 0;
    return createEmptyArray(this.single, 1);
  }

  private stacked(): unknown {
    return concatenate(this.single, this.frames, createEmptyArray(this.single, this.stackSize));
  }

  /** Resets and fills the stack with padding plus the first observation. */
  override reset(args: ResetArgs = {}): ResetResult<unknown> {
    const r = this.env.reset(args);
    const pad = this.paddingType === 'reset' ? r.observation : this.zero();
    this.frames = [...new Array(this.stackSize - 1).fill(pad), r.observation];
    return { observation: this.stacked(), info: r.info };
  }

  /** Steps and pushes the observation onto the stack. */
  override step(action: A): StepResult<unknown> {
    const r = this.env.step(action);
    this.frames.push(r.observation);
    if (this.frames.length > this.stackSize) this.frames.shift();
    return { ...r, observation: this.stacked() };
  }
}
