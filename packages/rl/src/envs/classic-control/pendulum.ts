import type { Tensor } from '@kindling/core';
import { Env, type ResetResult, type StepResult } from '../../core/env.js';
import { Canvas, type Point, rotate } from '../../render/canvas.js';
import { Box } from '../../spaces/box.js';
import { checkState, numberOption, requireState } from './utils.js';

/** Options of `PendulumEnv`. */
export interface PendulumOptions {
  /** Gravity (default 10.0). */
  g?: number;
}

/** Wraps an angle into [-pi, pi) like Gymnasium's `angle_normalize` (floored modulo, as numpy's `%`). */
export function angleNormalize(x: number): number {
  const m = 2 * Math.PI;
  let r = (x + Math.PI) % m;
  if (r !== 0 && r < 0 !== m < 0) r += m;
  return r - Math.PI;
}

/**
 * Pendulum-v1, as Gymnasium's `PendulumEnv`: a torque in [-2, 2] (a float32 `Box` of shape [1])
 * swings a pendulum up. With u clipped to ±2, in float64:
 * `cost = angle_normalize(th)^2 + 0.1 thdot^2 + 0.001 u^2`,
 * `thdot' = clip(thdot + (3 g / (2 l) sin th + 3 / (m l^2) u) dt, ±8)`, `th' = th + thdot' dt`
 * (dt = 0.05); reward `-cost`. Observation `[cos th, sin th, thdot]` (float32). Never terminates;
 * 200 steps. Reset: th uniform in [-pi, pi], thdot in [-1, 1] (options `{ x_init, y_init }`).
 */
export class PendulumEnv extends Env<Float32Array, ArrayLike<number>> {
  /** Angular speed limit. */
  readonly maxSpeed = 8;
  /** Torque limit. */
  readonly maxTorque = 2.0;
  /** Time step. */
  readonly dt = 0.05;
  /** Gravity. */
  readonly g: number;
  /** Mass. */
  readonly m = 1.0;
  /** Length. */
  readonly l = 1.0;
  readonly actionSpace: Box<Float32Array>;
  readonly observationSpace: Box<Float32Array>;
  /** The last (clipped) torque, for rendering. */
  lastU: number | null = null;
  private _state: Float64Array | null = null;

  /** A pendulum; see `PendulumOptions`. */
  constructor(options: PendulumOptions = {}) {
    super();
    this.g = numberOption(options as Record<string, unknown>, 'g', 10.0, 'PendulumEnv');
    this.actionSpace = new Box<Float32Array>(-this.maxTorque, this.maxTorque, {
      shape: [1],
      dtype: 'float32',
    });
    this.observationSpace = new Box<Float32Array>([-1, -1, -this.maxSpeed], [1, 1, this.maxSpeed], {
      dtype: 'float32',
    });
    this.metadata = { renderModes: ['rgb_array'], renderFps: 30 };
  }

  /** The physical state `[theta, theta_dot]` (float64 copy); setting it lets `step` run. */
  get state(): Float64Array | null {
    return this._state === null ? null : this._state.slice();
  }
  /**
   * Sets the state `[theta, theta_dot]` (2 finite numbers, copied) and readies `step`
   * as a reset would; throws a `ShapeError` or `ValueError` for anything else.
   */
  set state(s: ArrayLike<number>) {
    this._state = checkState(s, 2, 'theta, theta_dot', 'PendulumEnv.state');
    this.markReady();
  }

  private obs(): Float32Array {
    const s = this._state as Float64Array;
    return Float32Array.of(Math.cos(s[0]), Math.sin(s[0]), s[1]);
  }

  protected resetEnv(options?: Record<string, unknown>): ResetResult<Float32Array> {
    const x = numberOption(options, 'x_init', Math.PI, 'PendulumEnv.reset');
    const y = numberOption(options, 'y_init', 1.0, 'PendulumEnv.reset');
    this._state = Float64Array.of(this.rng.uniform(-x, x), this.rng.uniform(-y, y));
    this.lastU = null;
    return { observation: this.obs(), info: {} };
  }

  protected stepEnv(action: ArrayLike<number>): StepResult<Float32Array> {
    const s = requireState(this._state, 'PendulumEnv.step');
    const th = s[0];
    const thdot = s[1];
    const { g, m, l, dt } = this;
    const u = Math.min(Math.max(action[0], -this.maxTorque), this.maxTorque);
    this.lastU = u;
    const an = angleNormalize(th);
    const costs = an * an + 0.1 * (thdot * thdot) + 0.001 * (u * u);
    let newthdot = thdot + (((3 * g) / (2 * l)) * Math.sin(th) + (3.0 / (m * (l * l))) * u) * dt;
    newthdot = Math.min(Math.max(newthdot, -this.maxSpeed), this.maxSpeed);
    const newth = th + newthdot * dt;
    s[0] = newth;
    s[1] = newthdot;
    return { observation: this.obs(), reward: -costs, terminated: false, truncated: false, info: {} };
  }

  /** A 500 x 500 frame: the rod (red) around its axle, with a bar showing the last torque. */
  override render(): Tensor {
    const dim = 500;
    const c = new Canvas(dim, dim);
    const th = this._state?.[0] ?? 0;
    const scale = dim / (2.2 * 2);
    const offset = Math.trunc(dim / 2);
    const rodLength = 1 * scale;
    const rodWidth = 0.2 * scale;
    const red = [204, 77, 77] as const;
    const rod: Point[] = [
      [0, -rodWidth / 2],
      [0, rodWidth / 2],
      [rodLength, rodWidth / 2],
      [rodLength, -rodWidth / 2],
    ];
    c.polygon(
      rod.map((p) => {
        const [x, y] = rotate(p, th + Math.PI / 2);
        return [x + offset, y + offset] as Point;
      }),
      red,
    );
    c.circle(offset, offset, Math.trunc(rodWidth / 2), red);
    const [ex, ey] = rotate([rodLength, 0], th + Math.PI / 2);
    c.circle(Math.trunc(ex + offset), Math.trunc(ey + offset), Math.trunc(rodWidth / 2), red);
    if (this.lastU !== null && this.lastU !== 0) {
      // Gymnasium draws a clockwise-arrow image scaled by |u|; a horizontal bar stands in for it.
      const len = (Math.abs(this.lastU) / this.maxTorque) * scale;
      c.line(
        [offset, offset - 0.5 * scale],
        [offset + Math.sign(this.lastU) * len, offset - 0.5 * scale],
        [0, 0, 0],
        6,
      );
    }
    c.circle(offset, offset, Math.trunc(0.05 * scale), [0, 0, 0]);
    return c.toTensor();
  }
}
