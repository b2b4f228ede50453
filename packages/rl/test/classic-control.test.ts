import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Env, make, ResetNeededError, type TimeLimit } from '../src/index.js';

interface Step {
  obs: number[];
  reward: number;
  terminated: boolean;
  state: number[];
}
interface Case {
  env: string;
  options: Record<string, unknown>;
  attrs: Record<string, unknown>;
  state: number[];
  actions: (number | number[])[];
  steps: Step[];
}

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/rl_classic_control.json', import.meta.url), 'utf8'),
) as {
  cases: Record<string, Case>;
};

type Physical = Env<Float32Array, unknown> & {
  get state(): Float64Array | null;
  set state(s: ArrayLike<number>);
};

/** Relative-or-absolute closeness: float64 states may differ from numpy by libm ulps (sin/cos). */
function close(a: number, b: number, tol: number): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}

// Relative tolerances on the float64 state. The equations are evaluated in the same order as
// Gymnasium, but V8's Math.sin/cos and numpy's (SVML on AVX-512 machines, libm elsewhere) differ
// by an ulp for many arguments, so only arithmetic without trig (the continuous mountain car's
// float32 state) matches to the bit. Unstable dynamics (an upright pole, the acrobot) amplify the
// ulps: ~2e-11 after 150 balanced CartPole steps, ~4e-11 in the fast acrobot case.
const STATE_TOL: Record<string, number> = {
  'CartPole-v1': 1e-9,
  'MountainCar-v0': 1e-14,
  'MountainCarContinuous-v0': 0,
  'Pendulum-v1': 1e-12,
  'Acrobot-v1': 1e-9,
};

describe('classic control matches the Gymnasium reference trajectories', () => {
  for (const [name, c] of Object.entries(fixture.cases)) {
    it(name, () => {
      const env = make(c.env, c.options);
      env.reset({ seed: 0 });
      const inner = env.unwrapped as Physical;
      Object.assign(inner, c.attrs);
      inner.state = c.state;
      const max = (env as TimeLimit<unknown, unknown>).maxEpisodeSteps;
      const tol = STATE_TOL[c.env];
      let maxStateErr = 0;
      let obsMismatch = 0;
      c.steps.forEach((ref, i) => {
        const a = c.actions[i];
        const r = env.step(typeof a === 'number' ? a : Float32Array.from(a));
        expect(r.observation).toBeInstanceOf(Float32Array);
        const state = inner.state as Float64Array;
        for (let j = 0; j < ref.state.length; j++) {
          maxStateErr = Math.max(
            maxStateErr,
            Math.abs(state[j] - ref.state[j]) / Math.max(1, Math.abs(ref.state[j])),
          );
          expect(
            close(state[j], ref.state[j], tol),
            `${name} step ${i} state[${j}]: ${state[j]} vs ${ref.state[j]}`,
          ).toBe(true);
        }
        for (let j = 0; j < ref.obs.length; j++) {
          if (r.observation[j] !== ref.obs[j]) obsMismatch++;
          // float32 observations: equal, or one float32 ulp apart where float64 inputs straddle a rounding point
          expect(close(r.observation[j], ref.obs[j], 2 ** -22), `${name} step ${i} obs[${j}]`).toBe(true);
        }
        expect(
          close(r.reward, ref.reward, 1e-12),
          `${name} step ${i} reward ${r.reward} vs ${ref.reward}`,
        ).toBe(true);
        expect(r.terminated, `${name} step ${i} terminated`).toBe(ref.terminated);
        expect(r.truncated, `${name} step ${i} truncated`).toBe(!ref.terminated && i + 1 === max);
      });
      if (process.env.RL_GOLDEN_VERBOSE)
        console.log(name, 'max state err', maxStateErr, 'obs mismatches', obsMismatch);
      if (c.steps[c.steps.length - 1].terminated || c.steps.length === max)
        expect(() =>
          env.step(
            typeof c.actions[0] === 'number' ? c.actions[0] : Float32Array.from(c.actions[0] as number[]),
          ),
        ).toThrow(ResetNeededError);
    });
  }
});
