import type { Tensor } from '@kindling/core';
import { Env, type ResetResult, type StepResult } from '../../core/env.js';
import { Canvas, type Point, rotate } from '../../render/canvas.js';
import { Box } from '../../spaces/box.js';
import { Discrete } from '../../spaces/discrete.js';
import { checkState, requireState, resetBounds } from './utils.js';

/** Gymnasium's `wrap`: shifts `x` by multiples of `M - m` into [m, M]. */
export function wrap(x: number, m: number, M: number): number {
  const diff = M - m;
  while (x > M) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}

/**
 * Acrobot-v1 (Sutton 1996; Sutton & Barto's book dynamics), as Gymnasium's `AcrobotEnv`: two
 * links hang from a pivot; the action (0, 1, 2) applies torque -1, 0 or +1 at the joint. The
 * state `[theta1, theta2, dtheta1, dtheta2]` is integrated over dt = 0.2 s with one classical RK4
 * step in float64, then the angles are wrapped into [-pi, pi] and the velocities bounded to
 * ±4 pi and ±9 pi. Terminates when `-cos(theta1) - cos(theta1 + theta2) > 1`; reward -1 per step,
 * 0 on the terminal step. Observation `[cos t1, sin t1, cos t2, sin t2, dt1, dt2]` (float32).
 * Reset: each coordinate uniform in [-0.1, 0.1], rounded to float32. 500 steps.
 */
export class AcrobotEnv extends Env<Float32Array, number> {
  /** Integration time of one step. */
  readonly dt = 0.2;
  /** Length of link 1. */
  readonly LINK_LENGTH_1 = 1.0;
  /** Length of link 2. */
  readonly LINK_LENGTH_2 = 1.0;
  /** Mass of link 1. */
  readonly LINK_MASS_1 = 1.0;
  /** Mass of link 2. */
  readonly LINK_MASS_2 = 1.0;
  /** Centre of mass of link 1. */
  readonly LINK_COM_POS_1 = 0.5;
  /** Centre of mass of link 2. */
  readonly LINK_COM_POS_2 = 0.5;
  /** Moment of inertia of both links. */
  readonly LINK_MOI = 1.0;
  /** Bound on dtheta1. */
  readonly MAX_VEL_1 = 4 * Math.PI;
  /** Bound on dtheta2. */
  readonly MAX_VEL_2 = 9 * Math.PI;
  /** Torque of each action. */
  readonly AVAIL_TORQUE = [-1.0, 0.0, +1] as const;
  /** Uniform noise added to the torque (0, as Gymnasium). */
  torqueNoiseMax = 0.0;
  /** `book` (Gymnasium's default) or `nips` dynamics. */
  bookOrNips: 'book' | 'nips' = 'book';
  readonly actionSpace = new Discrete(3);
  readonly observationSpace: Box<Float32Array>;
  private _state: Float64Array | null = null;

  /** An acrobot. */
  constructor(_options: Record<string, never> = {}) {
    super();
    const high = [1.0, 1.0, 1.0, 1.0, this.MAX_VEL_1, this.MAX_VEL_2];
    this.observationSpace = new Box<Float32Array>(
      high.map((h) => -h),
      high,
      { dtype: 'float32' },
    );
    this.metadata = { renderModes: ['rgb_array'], renderFps: 15 };
  }

  /** The physical state `[theta1, theta2, dtheta1, dtheta2]` (float64 copy); setting it lets `step` run. */
  get state(): Float64Array | null {
    return this._state === null ? null : this._state.slice();
  }
  /**
   * Sets the state `[theta1, theta2, dtheta1, dtheta2]` (4 finite numbers, copied) and readies `step`
   * as a reset would; throws a `ShapeError` or `ValueError` for anything else.
   */
  set state(s: ArrayLike<number>) {
    this._state = checkState(s, 4, 'theta1, theta2, dtheta1, dtheta2', 'AcrobotEnv.state');
    this.markReady();
  }

  private obs(): Float32Array {
    const s = this._state as Float64Array;
    return Float32Array.of(Math.cos(s[0]), Math.sin(s[0]), Math.cos(s[1]), Math.sin(s[1]), s[2], s[3]);
  }

  private terminal(): boolean {
    const s = this._state as Float64Array;
    return -Math.cos(s[0]) - Math.cos(s[1] + s[0]) > 1.0;
  }

  protected resetEnv(options?: Record<string, unknown>): ResetResult<Float32Array> {
    const [low, high] = resetBounds(options, -0.1, 0.1, 'AcrobotEnv.reset');
    this._state = this.rng.uniformArray(4, low, high).map(Math.fround);
    return { observation: this.obs(), info: {} };
  }

  /** Time derivative of `[theta1, theta2, dtheta1, dtheta2, torque]` (Gymnasium's `_dsdt`). */
  private dsdt(y: Float64Array, out: Float64Array): void {
    const m1 = this.LINK_MASS_1;
    const m2 = this.LINK_MASS_2;
    const l1 = this.LINK_LENGTH_1;
    const lc1 = this.LINK_COM_POS_1;
    const lc2 = this.LINK_COM_POS_2;
    const I1 = this.LINK_MOI;
    const I2 = this.LINK_MOI;
    const g = 9.8;
    const a = y[4];
    const theta1 = y[0];
    const theta2 = y[1];
    const dtheta1 = y[2];
    const dtheta2 = y[3];
    const d1 = m1 * (lc1 * lc1) + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * Math.cos(theta2)) + I1 + I2;
    const d2 = m2 * (lc2 * lc2 + l1 * lc2 * Math.cos(theta2)) + I2;
    const phi2 = m2 * lc2 * g * Math.cos(theta1 + theta2 - Math.PI / 2.0);
    const phi1 =
      -m2 * l1 * lc2 * (dtheta2 * dtheta2) * Math.sin(theta2) -
      2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * Math.sin(theta2) +
      (m1 * lc1 + m2 * l1) * g * Math.cos(theta1 - Math.PI / 2) +
      phi2;
    let ddtheta2: number;
    if (this.bookOrNips === 'nips')
      ddtheta2 = (a + (d2 / d1) * phi1 - phi2) / (m2 * (lc2 * lc2) + I2 - (d2 * d2) / d1);
    else
      ddtheta2 =
        (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * Math.sin(theta2) - phi2) /
        (m2 * (lc2 * lc2) + I2 - (d2 * d2) / d1);
    const ddtheta1 = -(d1 * ddtheta2 + phi1) / d1;
    out[0] = dtheta1;
    out[1] = dtheta2;
    out[2] = ddtheta1;
    out[3] = ddtheta2;
    out[4] = 0.0;
  }

  protected stepEnv(action: number): StepResult<Float32Array> {
    const s = requireState(this._state, 'AcrobotEnv.step');
    let torque: number = this.AVAIL_TORQUE[action];
    if (this.torqueNoiseMax > 0) torque += this.rng.uniform(-this.torqueNoiseMax, this.torqueNoiseMax);
    // One RK4 step over [0, dt] of the augmented state, as Gymnasium's `rk4`.
    const y0 = Float64Array.of(s[0], s[1], s[2], s[3], torque);
    const dt = this.dt - 0;
    const dt2 = dt / 2.0;
    const k1 = new Float64Array(5);
    const k2 = new Float64Array(5);
    const k3 = new Float64Array(5);
    const k4 = new Float64Array(5);
    const tmp = new Float64Array(5);
    this.dsdt(y0, k1);
    for (let i = 0; i < 5; i++) tmp[i] = y0[i] + dt2 * k1[i];
    this.dsdt(tmp, k2);
    for (let i = 0; i < 5; i++) tmp[i] = y0[i] + dt2 * k2[i];
    this.dsdt(tmp, k3);
    for (let i = 0; i < 5; i++) tmp[i] = y0[i] + dt * k3[i];
    this.dsdt(tmp, k4);
    const ns = new Float64Array(4);
    for (let i = 0; i < 4; i++) ns[i] = y0[i] + (dt / 6.0) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    ns[0] = wrap(ns[0], -Math.PI, Math.PI);
    ns[1] = wrap(ns[1], -Math.PI, Math.PI);
    ns[2] = Math.min(Math.max(ns[2], -this.MAX_VEL_1), this.MAX_VEL_1);
    ns[3] = Math.min(Math.max(ns[3], -this.MAX_VEL_2), this.MAX_VEL_2);
    this._state = ns;
    const terminated = this.terminal();
    return {
      observation: this.obs(),
      reward: terminated ? 0.0 : -1.0,
      terminated,
      truncated: false,
      info: {},
    };
  }

  /** A 500 x 500 frame: the two links (cyan) with their joints (yellow) and the target line. */
  override render(): Tensor {
    const dim = 500;
    const c = new Canvas(dim, dim);
    const s = this._state ?? new Float64Array(4);
    const bound = this.LINK_LENGTH_1 + this.LINK_LENGTH_2 + 0.2;
    const scale = dim / (bound * 2);
    const offset = dim / 2;
    const p1: Point = [
      -this.LINK_LENGTH_1 * Math.cos(s[0]) * scale,
      this.LINK_LENGTH_1 * Math.sin(s[0]) * scale,
    ];
    const p2: Point = [
      p1[0] - this.LINK_LENGTH_2 * Math.cos(s[0] + s[1]) * scale,
      p1[1] + this.LINK_LENGTH_2 * Math.sin(s[0] + s[1]) * scale,
    ];
    const xys: Point[] = [[0, 0], p1, p2].map(([a, b]) => [b, a] as Point);
    const thetas = [s[0] - Math.PI / 2, s[0] + s[1] - Math.PI / 2];
    const lengths = [this.LINK_LENGTH_1 * scale, this.LINK_LENGTH_2 * scale];
    c.line(
      [-2.2 * scale + offset, 1 * scale + offset],
      [2.2 * scale + offset, 1 * scale + offset],
      [0, 0, 0],
    );
    for (let i = 0; i < 2; i++) {
      const x = xys[i][0] + offset;
      const y = xys[i][1] + offset;
      const link: Point[] = [
        [0, -0.1 * scale],
        [0, 0.1 * scale],
        [lengths[i], 0.1 * scale],
        [lengths[i], -0.1 * scale],
      ];
      c.polygon(
        link.map((p) => {
          const [rx, ry] = rotate(p, thetas[i]);
          return [rx + x, ry + y] as Point;
        }),
        [0, 204, 204],
      );
      c.circle(Math.trunc(x), Math.trunc(y), Math.trunc(0.1 * scale), [204, 204, 0]);
    }
    return c.toTensor();
  }
}
