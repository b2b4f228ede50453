import type { Tensor } from '@kindling/core';
import { Env, type ResetResult, type StepResult } from '../../core/env.js';
import { Box } from '../../spaces/box.js';
import type { MountainCarOptions } from './mountain-car.js';
import { renderMountainCar } from './mountain-car.js';
import { checkState, numberOption, requireState, resetBounds } from './utils.js';

/**
 * MountainCarContinuous-v0, as Gymnasium's `Continuous_MountainCarEnv`: the action is a force in
 * [-1, 1] (a float32 `Box` of shape [1]); `v += f * 0.0015 - 0.0025 * cos(3 p)`, clipped to
 * ±0.07; `p += v`, clipped to [-1.2, 0.6] (velocity zeroed at the left wall). Reward: +100 on
 * reaching p >= 0.45 with v >= goalVelocity, minus 0.1 f^2 every step. The state is stored as
 * float32 after every step (as Gymnasium), the step itself is computed in float64 (NumPy 1.x
 * promotion; NumPy 2 would compute parts of it in float32). Reset: p uniform in [-0.6, -0.4],
 * v = 0, rounded to float32. 999 steps.
 */
export class ContinuousMountainCarEnv extends Env<Float32Array, ArrayLike<number>> {
  /** Smallest force. */
  readonly minAction = -1.0;
  /** Largest force. */
  readonly maxAction = 1.0;
  /** Leftmost position. */
  readonly minPosition = -1.2;
  /** Rightmost position. */
  readonly maxPosition = 0.6;
  /** Speed limit. */
  readonly maxSpeed = 0.07;
  /** Position of the flag (0.45). */
  readonly goalPosition = 0.45;
  /** Minimum velocity at the flag. */
  readonly goalVelocity: number;
  /** Acceleration per unit of force. */
  readonly power = 0.0015;
  readonly actionSpace: Box<Float32Array>;
  readonly observationSpace: Box<Float32Array>;
  private _state: Float64Array | null = null;

  /** A continuous mountain car; see `MountainCarOptions`. */
  constructor(options: MountainCarOptions = {}) {
    super();
    this.goalVelocity = numberOption(
      options as Record<string, unknown>,
      'goalVelocity',
      0,
      'ContinuousMountainCarEnv',
    );
    this.actionSpace = new Box<Float32Array>(this.minAction, this.maxAction, {
      shape: [1],
      dtype: 'float32',
    });
    this.observationSpace = new Box<Float32Array>(
      [this.minPosition, -this.maxSpeed],
      [this.maxPosition, this.maxSpeed],
      {
        dtype: 'float32',
      },
    );
    this.metadata = { renderModes: ['rgb_array'], renderFps: 30 };
  }

  /** The physical state `[position, velocity]` (a copy); setting it lets `step` run. */
  get state(): Float64Array | null {
    return this._state === null ? null : this._state.slice();
  }
  /**
   * Sets the state `[position, velocity]` (2 finite numbers, copied) and readies `step`
   * as a reset would; throws a `ShapeError` or `ValueError` for anything else.
   */
  set state(s: ArrayLike<number>) {
    this._state = checkState(s, 2, 'position, velocity', 'ContinuousMountainCarEnv.state');
    this.markReady();
  }

  protected resetEnv(options?: Record<string, unknown>): ResetResult<Float32Array> {
    const [low, high] = resetBounds(options, -0.6, -0.4, 'ContinuousMountainCarEnv.reset');
    this._state = Float64Array.of(Math.fround(this.rng.uniform(low, high)), 0);
    return { observation: Float32Array.from(this._state), info: {} };
  }

  protected stepEnv(action: ArrayLike<number>): StepResult<Float32Array> {
    const s = requireState(this._state, 'ContinuousMountainCarEnv.step');
    let position = s[0];
    let velocity = s[1];
    const a = action[0];
    const force = Math.min(Math.max(a, this.minAction), this.maxAction);
    velocity += force * this.power - 0.0025 * Math.cos(3 * position);
    if (velocity > this.maxSpeed) velocity = this.maxSpeed;
    if (velocity < -this.maxSpeed) velocity = -this.maxSpeed;
    position += velocity;
    if (position > this.maxPosition) position = this.maxPosition;
    if (position < this.minPosition) position = this.minPosition;
    if (position === this.minPosition && velocity < 0) velocity = 0;
    const terminated = position >= this.goalPosition && velocity >= this.goalVelocity;
    let reward = 0;
    if (terminated) reward = 100.0;
    reward -= a * a * 0.1;
    s[0] = Math.fround(position);
    s[1] = Math.fround(velocity);
    return { observation: Float32Array.from(s), reward, terminated, truncated: false, info: {} };
  }

  /** A 600 x 400 frame: the valley, the car and the flag. */
  override render(): Tensor {
    return renderMountainCar(this._state?.[0] ?? -0.5, this.goalPosition);
  }
}
