import type { Tensor } from '@kindling/core';
import { Env, type ResetResult, type StepResult } from '../../core/env.js';
import { Canvas, type Point, rotate } from '../../render/canvas.js';
import { Box } from '../../spaces/box.js';
import { Discrete } from '../../spaces/discrete.js';
import { checkState, requireState, resetBounds } from './utils.js';

/** Options of `CartPoleEnv`. */
export interface CartPoleOptions {
  /** Sutton & Barto's reward: 0 per step and -1 on failure, instead of +1 per step (default false). */
  suttonBartoReward?: boolean;
}

/**
 * CartPole-v1 (Barto, Sutton & Anderson 1983), as Gymnasium's `CartPoleEnv`: a pole on a cart
 * pushed left (action 0) or right (action 1) by 10 N. State `[x, x_dot, theta, theta_dot]` is
 * integrated in float64 with explicit Euler (tau = 0.02 s); observations are float32. The episode
 * terminates when |x| > 2.4 or |theta| > 12 degrees; reward +1 per step (including the last).
 * Reset draws each state coordinate uniformly from [-0.05, 0.05] (options `{ low, high }`).
 * Registered as `CartPole-v1` (500 steps) and `CartPole-v0` (200 steps).
 */
export class CartPoleEnv extends Env<Float32Array, number> {
  /** Gravity (m/s^2). */
  readonly gravity = 9.8;
  /** Cart mass (kg). */
  readonly masscart = 1.0;
  /** Pole mass (kg). */
  readonly masspole = 0.1;
  /** Cart + pole mass. */
  readonly totalMass = this.masspole + this.masscart;
  /** Half the pole's length (m). */
  readonly length = 0.5;
  /** Pole mass times half length. */
  readonly polemassLength = this.masspole * this.length;
  /** Force of a push (N). */
  readonly forceMag = 10.0;
  /** Seconds between state updates. */
  readonly tau = 0.02;
  /** `euler` (Gymnasium's default) or `semi-implicit euler`. */
  kinematicsIntegrator: 'euler' | 'semi-implicit euler' = 'euler';
  /** Pole angle at which the episode fails (12 degrees). */
  readonly thetaThresholdRadians = (12 * 2 * Math.PI) / 360;
  /** Cart position at which the episode fails. */
  readonly xThreshold = 2.4;
  readonly actionSpace = new Discrete(2);
  readonly observationSpace: Box<Float32Array>;
  private readonly suttonBartoReward: boolean;
  private _state: Float64Array | null = null;

  /** A cart-pole; see `CartPoleOptions`. */
  constructor(options: CartPoleOptions = {}) {
    super();
    this.suttonBartoReward = options.suttonBartoReward ?? false;
    const high = [this.xThreshold * 2, Infinity, this.thetaThresholdRadians * 2, Infinity];
    this.observationSpace = new Box<Float32Array>(
      high.map((h) => -h),
      high,
      { dtype: 'float32' },
    );
    this.metadata = { renderModes: ['rgb_array'], renderFps: 50 };
  }

  /** The physical state `[x, x_dot, theta, theta_dot]` (float64 copy); setting it lets `step` run. */
  get state(): Float64Array | null {
    return this._state === null ? null : this._state.slice();
  }
  /**
   * Sets the state `[x, x_dot, theta, theta_dot]` (4 finite numbers, copied) and readies `step`
   * as a reset would; throws a `ShapeError` or `ValueError` for anything else.
   */
  set state(s: ArrayLike<number>) {
    this._state = checkState(s, 4, 'x, x_dot, theta, theta_dot', 'CartPoleEnv.state');
    this.markReady();
  }

  protected resetEnv(options?: Record<string, unknown>): ResetResult<Float32Array> {
    const [low, high] = resetBounds(options, -0.05, 0.05, 'CartPoleEnv.reset');
    this._state = this.rng.uniformArray(4, low, high);
    return { observation: Float32Array.from(this._state), info: {} };
  }

  protected stepEnv(action: number): StepResult<Float32Array> {
    const s = requireState(this._state, 'CartPoleEnv.step');
    let x = s[0];
    let xDot = s[1];
    let theta = s[2];
    let thetaDot = s[3];
    const force = action === 1 ? this.forceMag : -this.forceMag;
    const costheta = Math.cos(theta);
    const sintheta = Math.sin(theta);
    const temp = (force + this.polemassLength * (thetaDot * thetaDot) * sintheta) / this.totalMass;
    const thetaacc =
      (this.gravity * sintheta - costheta * temp) /
      (this.length * (4.0 / 3.0 - (this.masspole * (costheta * costheta)) / this.totalMass));
    const xacc = temp - (this.polemassLength * thetaacc * costheta) / this.totalMass;
    if (this.kinematicsIntegrator === 'euler') {
      x = x + this.tau * xDot;
      xDot = xDot + this.tau * xacc;
      theta = theta + this.tau * thetaDot;
      thetaDot = thetaDot + this.tau * thetaacc;
    } else {
      xDot = xDot + this.tau * xacc;
      x = x + this.tau * xDot;
      thetaDot = thetaDot + this.tau * thetaacc;
      theta = theta + this.tau * thetaDot;
    }
    s[0] = x;
    s[1] = xDot;
    s[2] = theta;
    s[3] = thetaDot;
    const terminated =
      x < -this.xThreshold ||
      x > this.xThreshold ||
      theta < -this.thetaThresholdRadians ||
      theta > this.thetaThresholdRadians;
    let reward: number;
    if (!terminated) reward = this.suttonBartoReward ? 0.0 : 1.0;
    else reward = this.suttonBartoReward ? -1.0 : 1.0;
    return { observation: Float32Array.from(s), reward, terminated, truncated: false, info: {} };
  }

  /** A 600 x 400 frame: the cart (black), the pole (brown), the axle (blue) and the track. */
  override render(): Tensor {
    const width = 600;
    const height = 400;
    const c = new Canvas(width, height);
    const s = this._state ?? new Float64Array(4);
    const scale = width / (this.xThreshold * 2);
    const polewidth = 10.0;
    const polelen = scale * (2 * this.length);
    const cartwidth = 50.0;
    const cartheight = 30.0;
    const cartx = s[0] * scale + width / 2.0;
    const carty = 100;
    const axleoffset = cartheight / 4.0;
    c.line([0, carty], [width, carty], [0, 0, 0]);
    const [l, r, t, b] = [-cartwidth / 2, cartwidth / 2, cartheight / 2, -cartheight / 2];
    const cart: Point[] = [
      [l, b],
      [l, t],
      [r, t],
      [r, b],
    ];
    c.polygon(
      cart.map(([px, py]) => [px + cartx, py + carty]),
      [0, 0, 0],
    );
    const [pl, pr, pt, pb] = [-polewidth / 2, polewidth / 2, polelen - polewidth / 2, -polewidth / 2];
    const pole: Point[] = [
      [pl, pb],
      [pl, pt],
      [pr, pt],
      [pr, pb],
    ];
    c.polygon(
      pole.map((p) => {
        const [qx, qy] = rotate(p, -s[2]);
        return [qx + cartx, qy + carty + axleoffset] as Point;
      }),
      [202, 152, 101],
    );
    c.circle(Math.trunc(cartx), Math.trunc(carty + axleoffset), Math.trunc(polewidth / 2), [129, 132, 203]);
    return c.toTensor();
  }
}
