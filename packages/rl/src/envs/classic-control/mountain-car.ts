import type { Tensor } from '@kindling/core';
import { Env, type ResetResult, type StepResult } from '../../core/env.js';
import { Canvas, type Point, rotate } from '../../render/canvas.js';
import { Box } from '../../spaces/box.js';
import { Discrete } from '../../spaces/discrete.js';
import { checkState, numberOption, requireState, resetBounds } from './utils.js';

/** Options of `MountainCarEnv` and `ContinuousMountainCarEnv`. */
export interface MountainCarOptions {
  /** Minimum velocity at the goal for the episode to terminate (default 0). */
  goalVelocity?: number;
}

/** Height of the valley at position `x` (Gymnasium's `_height`). */
export function mountainHeight(x: number): number {
  return Math.sin(3 * x) * 0.45 + 0.55;
}

/** @internal Draws the valley, the car and the flag (shared by both mountain cars). */
export function renderMountainCar(pos: number, goalPosition: number): Tensor {
  const minPosition = -1.2;
  const maxPosition = 0.6;
  const width = 600;
  const height = 400;
  const scale = width / (maxPosition - minPosition);
  const carwidth = 40;
  const carheight = 20;
  const c = new Canvas(width, height);
  const track: Point[] = [];
  for (let i = 0; i < 100; i++) {
    const x = minPosition + ((maxPosition - minPosition) * i) / 99;
    track.push([(x - minPosition) * scale, mountainHeight(x) * scale]);
  }
  c.polyline(track, [0, 0, 0]);
  const clearance = 10;
  const angle = Math.cos(3 * pos);
  const body: Point[] = [
    [-carwidth / 2, 0],
    [-carwidth / 2, carheight],
    [carwidth / 2, carheight],
    [carwidth / 2, 0],
  ];
  const base = (p: Point): Point => {
    const [x, y] = rotate(p, angle);
    return [x + (pos - minPosition) * scale, y + clearance + mountainHeight(pos) * scale];
  };
  c.polygon(body.map(base), [0, 0, 0]);
  for (const w of [
    [carwidth / 4, 0],
    [-carwidth / 4, 0],
  ] as Point[]) {
    const [wx, wy] = base(w);
    c.circle(Math.trunc(wx), Math.trunc(wy), Math.trunc(carheight / 2.5), [128, 128, 128]);
  }
  const flagx = Math.trunc((goalPosition - minPosition) * scale);
  const flagy1 = Math.trunc(mountainHeight(goalPosition) * scale);
  const flagy2 = flagy1 + 50;
  c.line([flagx, flagy1], [flagx, flagy2], [0, 0, 0]);
  c.polygon(
    [
      [flagx, flagy2],
      [flagx, flagy2 - 10],
      [flagx + 25, flagy2 - 5],
    ],
    [204, 204, 0],
  );
  return c.toTensor();
}

/**
 * MountainCar-v0 (Moore 1990), as Gymnasium's `MountainCarEnv`: an under-powered car in a valley
 * accelerates left (0), not at all (1) or right (2). In float64:
 * `v += (a - 1) * 0.001 - 0.0025 * cos(3 p)`, clipped to ±0.07; `p += v`, clipped to
 * [-1.2, 0.6], and the velocity is zeroed at the left wall. Reward -1 per step; terminates when
 * p >= 0.5 and v >= goalVelocity. Reset: p uniform in [-0.6, -0.4], v = 0. 200 steps.
 */
export class MountainCarEnv extends Env<Float32Array, number> {
  /** Leftmost position. */
  readonly minPosition = -1.2;
  /** Rightmost position. */
  readonly maxPosition = 0.6;
  /** Speed limit. */
  readonly maxSpeed = 0.07;
  /** Position of the flag. */
  readonly goalPosition = 0.5;
  /** Minimum velocity at the flag. */
  readonly goalVelocity: number;
  /** Engine acceleration per unit of action. */
  readonly force = 0.001;
  /** Gravity factor. */
  readonly gravity = 0.0025;
  readonly actionSpace = new Discrete(3);
  readonly observationSpace: Box<Float32Array>;
  private _state: Float64Array | null = null;

  /** A mountain car; see `MountainCarOptions`. */
  constructor(options: MountainCarOptions = {}) {
    super();
    this.goalVelocity = numberOption(options as Record<string, unknown>, 'goalVelocity', 0, 'MountainCarEnv');
    this.observationSpace = new Box<Float32Array>(
      [this.minPosition, -this.maxSpeed],
      [this.maxPosition, this.maxSpeed],
      {
        dtype: 'float32',
      },
    );
    this.metadata = { renderModes: ['rgb_array'], renderFps: 30 };
  }

  /** The physical state `[position, velocity]` (float64 copy); setting it lets `step` run. */
  get state(): Float64Array | null {
    return this._state === null ? null : this._state.slice();
  }
  /**
   * Sets the state `[position, velocity]` (2 finite numbers, copied) and readies `step`
   * as a reset would; throws a `ShapeError` or `ValueError` for anything else.
   */
  set state(s: ArrayLike<number>) {
    this._state = checkState(s, 2, 'position, velocity', 'MountainCarEnv.state');
    this.markReady();
  }

  protected resetEnv(options?: Record<string, unknown>): ResetResult<Float32Array> {
    const [low, high] = resetBounds(options, -0.6, -0.4, 'MountainCarEnv.reset');
    this._state = Float64Array.of(this.rng.uniform(low, high), 0);
    return { observation: Float32Array.from(this._state), info: {} };
  }

  protected stepEnv(action: number): StepResult<Float32Array> {
    const s = requireState(this._state, 'MountainCarEnv.step');
    let position = s[0];
    let velocity = s[1];
    velocity += (action - 1) * this.force + Math.cos(3 * position) * -this.gravity;
    velocity = Math.min(Math.max(velocity, -this.maxSpeed), this.maxSpeed);
    position += velocity;
    position = Math.min(Math.max(position, this.minPosition), this.maxPosition);
    if (position === this.minPosition && velocity < 0) velocity = 0;
    const terminated = position >= this.goalPosition && velocity >= this.goalVelocity;
    s[0] = position;
    s[1] = velocity;
    return { observation: Float32Array.from(s), reward: -1.0, terminated, truncated: false, info: {} };
  }

  /** A 600 x 400 frame: the valley, the car and the flag. */
  override render(): Tensor {
    return renderMountainCar(this._state?.[0] ?? -0.5, this.goalPosition);
  }
}
