import { type Tensor, ValueError } from '@kindling/core';
import { Env, type ResetResult, type StepResult } from '../core/env.js';
import { Canvas } from '../render/canvas.js';
import { Discrete } from '../spaces/discrete.js';

/** Options of `GridWorldEnv`. */
export interface GridWorldOptions {
  /**
   * The map, one string per row (row 0 at the top): `S` start (one is drawn uniformly if several),
   * `.` free, `#` wall, `H` hole (terminal), `G` goal (terminal). Default: `DEFAULT_GRID`.
   */
  map?: readonly string[];
  /** Probability that the agent slips to one of the two perpendicular moves (half each; default 0). */
  slip?: number;
  /** Reward for entering `G` (default 1). */
  goalReward?: number;
  /** Reward for entering `H` (default 0). */
  holeReward?: number;
  /** Reward of every other step (default 0). */
  stepReward?: number;
}

/** One outcome of an action: `[probability, next state, reward, terminated]`, like FrozenLake's `P`. */
export type Transition = readonly [prob: number, next: number, reward: number, terminated: boolean];

/** The default 4 x 4 map. */
export const DEFAULT_GRID: readonly string[] = ['S...', '.#.H', '...H', 'H..G'];

/** Row and column moves of the actions 0 left, 1 down, 2 right, 3 up (FrozenLake's order). */
const MOVES: readonly (readonly [number, number])[] = [
  [0, -1],
  [1, 0],
  [0, 1],
  [-1, 0],
];

/**
 * A small grid world for tabular methods (value iteration, Q-learning): observation = cell index
 * `row * ncol + col` (`Discrete(nrow * ncol)`), actions 0 left, 1 down, 2 right, 3 up
 * (`Discrete(4)`). Moving into a wall or off the grid leaves the agent in place. The full model
 * is exposed as `P[state][action]` (a list of `Transition`s, FrozenLake-style), so tests can
 * compare a learned policy with the one planning gives. Registered as `GridWorld-v0` (100 steps).
 */
export class GridWorldEnv extends Env<number, number> {
  /** The map rows. */
  readonly map: readonly string[];
  /** Number of rows. */
  readonly nrow: number;
  /** Number of columns. */
  readonly ncol: number;
  /** Probability of slipping sideways. */
  readonly slip: number;
  /** `P[s][a]`: the transitions of action `a` in state `s`. */
  readonly P: readonly (readonly (readonly Transition[])[])[];
  readonly actionSpace = new Discrete(4);
  readonly observationSpace: Discrete;
  private readonly starts: number[];
  private _state: number | null = null;

  /** A grid world; see `GridWorldOptions`. */
  constructor(options: GridWorldOptions = {}) {
    super();
    const map = options.map ?? DEFAULT_GRID;
    if (
      !Array.isArray(map) ||
      map.length === 0 ||
      map.some((r) => typeof r !== 'string' || r.length !== map[0].length)
    )
      throw new ValueError('GridWorldEnv: map must be a non-empty array of equally long strings');
    const bad = map.join('').replace(/[SGH.#]/g, '');
    if (bad.length > 0) throw new ValueError(`GridWorldEnv: unknown map characters ${JSON.stringify(bad)}`);
    const slip = options.slip ?? 0;
    if (!(slip >= 0 && slip <= 1)) throw new ValueError(`GridWorldEnv: slip must be in [0, 1], got ${slip}`);
    this.map = Object.freeze([...map]);
    this.nrow = map.length;
    this.ncol = map[0].length;
    this.slip = slip;
    this.observationSpace = new Discrete(this.nrow * this.ncol);
    this.starts = [];
    for (let s = 0; s < this.nrow * this.ncol; s++) if (this.cell(s) === 'S') this.starts.push(s);
    if (this.starts.length === 0) throw new ValueError('GridWorldEnv: the map has no start cell S');
    const goal = options.goalReward ?? 1;
    const hole = options.holeReward ?? 0;
    const stepR = options.stepReward ?? 0;
    const P: Transition[][][] = [];
    for (let s = 0; s < this.nrow * this.ncol; s++) {
      const row: Transition[][] = [];
      for (let a = 0; a < 4; a++) {
        const c = this.cell(s);
        if (c === 'G' || c === 'H' || c === '#') {
          row.push([[1, s, 0, true]]);
          continue;
        }
        const outcomes: [number, number][] =
          slip > 0
            ? [
                [1 - slip, a],
                [slip / 2, (a + 3) % 4],
                [slip / 2, (a + 1) % 4],
              ]
            : [[1, a]];
        row.push(
          outcomes
            .filter(([p]) => p > 0)
            .map(([p, move]) => {
              const next = this.move(s, move);
              const nc = this.cell(next);
              const reward = nc === 'G' ? goal : nc === 'H' ? hole : stepR;
              return [p, next, reward, nc === 'G' || nc === 'H'] as Transition;
            }),
        );
      }
      P.push(row);
    }
    this.P = P;
    this.metadata = { renderModes: ['rgb_array'], renderFps: 4 };
  }

  /** The map character of cell `s`. */
  cell(s: number): string {
    return this.map[Math.floor(s / this.ncol)][s % this.ncol];
  }

  private move(s: number, a: number): number {
    const r = Math.floor(s / this.ncol) + MOVES[a][0];
    const c = (s % this.ncol) + MOVES[a][1];
    if (r < 0 || r >= this.nrow || c < 0 || c >= this.ncol || this.map[r][c] === '#') return s;
    return r * this.ncol + c;
  }

  /** The agent's cell index; setting it lets `step` run. */
  get state(): number | null {
    return this._state;
  }
  /** Moves the agent to cell `s` (`row * ncol + col`, checked by the observation space); readies `step`. */
  set state(s: number) {
    this.observationSpace.check(s, 'GridWorldEnv.state');
    this._state = s;
    this.markReady();
  }

  protected resetEnv(): ResetResult<number> {
    this._state = this.starts[this.rng.integers(0, this.starts.length)];
    return { observation: this._state, info: { prob: 1 } };
  }

  protected stepEnv(action: number): StepResult<number> {
    if (this._state === null)
      throw new ValueError('GridWorldEnv.step: the state is not set; call reset() first');
    const outcomes = this.P[this._state][action];
    let k = 0;
    if (outcomes.length > 1) {
      const u = this.rng.next();
      let acc = 0;
      for (k = 0; k < outcomes.length - 1; k++) {
        acc += outcomes[k][0];
        if (u < acc) break;
      }
    }
    const [prob, next, reward, terminated] = outcomes[k];
    this._state = next;
    return { observation: next, reward, terminated, truncated: false, info: { prob } };
  }

  /** A frame with 32-pixel cells: start grey, walls black, holes blue, goal green, the agent red. */
  override render(): Tensor {
    const cellPx = 32;
    const c = new Canvas(this.ncol * cellPx, this.nrow * cellPx, [255, 255, 255], false);
    const colors: Record<string, readonly [number, number, number]> = {
      S: [200, 200, 200],
      '.': [255, 255, 255],
      '#': [0, 0, 0],
      H: [40, 60, 160],
      G: [40, 160, 60],
    };
    for (let s = 0; s < this.nrow * this.ncol; s++) {
      const x = (s % this.ncol) * cellPx;
      const y = Math.floor(s / this.ncol) * cellPx;
      c.polygon(
        [
          [x + 1, y + 1],
          [x + cellPx - 1, y + 1],
          [x + cellPx - 1, y + cellPx - 1],
          [x + 1, y + cellPx - 1],
        ],
        colors[this.cell(s)],
      );
    }
    if (this._state !== null) {
      const x = (this._state % this.ncol) * cellPx + cellPx / 2;
      const y = Math.floor(this._state / this.ncol) * cellPx + cellPx / 2;
      c.circle(x, y, cellPx / 3, [220, 40, 40]);
    }
    return c.toTensor();
  }
}
