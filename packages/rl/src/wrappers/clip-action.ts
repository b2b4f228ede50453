import { ValueError } from '@kindling/core';
import type { Env } from '../core/env.js';
import { ActionWrapper } from '../core/wrapper.js';
import { Box } from '../spaces/box.js';
import type { NumericArray } from '../spaces/space.js';

/**
 * Clips continuous actions into the inner `Box` bounds (`gymnasium.wrappers.ClipAction`); the
 * wrapper's action space is the unbounded `Box` of the same shape, so any finite action is
 * accepted (NaN still fails the inner check).
 */
export class ClipAction<O> extends ActionWrapper<O, ArrayLike<number>, ArrayLike<number>> {
  private readonly inner: Box;

  /** Clips the actions of `env` (which must have a `Box` action space). */
  constructor(env: Env<O, ArrayLike<number>>) {
    super(env);
    const space = env.actionSpace;
    if (!(space instanceof Box))
      throw new ValueError(`ClipAction: expected a Box action space, got ${space.toString()}`);
    this.inner = space;
    this.actionSpace = new Box(-Infinity, Infinity, { shape: space.shape, dtype: space.dtype });
  }

  /** `clip(action, low, high)`, in the inner dtype. */
  action(action: ArrayLike<number>): NumericArray {
    this.actionSpace.check(action, `${this.name}.step`);
    const { low, high } = this.inner;
    const out = new (low.constructor as new (n: number) => NumericArray)(low.length);
    for (let i = 0; i < low.length; i++) out[i] = Math.min(Math.max(action[i], low[i]), high[i]);
    return out;
  }
}
