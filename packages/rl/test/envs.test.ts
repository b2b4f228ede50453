import { NotSupportedError, ShapeError, tensor, ValueError } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import {
  AcrobotEnv,
  angleNormalize,
  Box,
  CartPoleEnv,
  ContinuousMountainCarEnv,
  Discrete,
  Env,
  GridWorldEnv,
  MountainCarEnv,
  make,
  PendulumEnv,
  register,
  registry,
  ResetNeededError,
  type ResetResult,
  spec,
  type StepResult,
  TimeLimit,
  wrap,
} from '../src/index.js';

describe('reset distributions', () => {
  it('CartPole starts uniformly in [-0.05, 0.05]^4 and honours { low, high }', () => {
    const env = new CartPoleEnv();
    env.reset({ seed: 0 });
    for (let i = 0; i < 200; i++) {
      const { observation } = env.reset();
      expect(observation).toBeInstanceOf(Float32Array);
      expect(observation.every((v) => Math.abs(v) <= 0.05)).toBe(true);
      expect(Float32Array.from(env.state as Float64Array)).toEqual(observation);
    }
    const { observation } = env.reset({ options: { low: 0.2, high: 0.3 } });
    expect(observation.every((v) => v >= Math.fround(0.2) && v <= Math.fround(0.3))).toBe(true);
    expect(() => env.reset({ options: { low: 1, high: 0 } })).toThrow(ValueError);
    expect(() => env.reset({ options: { low: 'a' } })).toThrow(ValueError);
  });

  it('MountainCar starts with position in [-0.6, -0.4] and zero velocity', () => {
    for (const env of [new MountainCarEnv(), new ContinuousMountainCarEnv()]) {
      env.reset({ seed: 1 });
      for (let i = 0; i < 100; i++) {
        const { observation } = env.reset();
        expect(observation[0]).toBeGreaterThanOrEqual(Math.fround(-0.6));
        expect(observation[0]).toBeLessThanOrEqual(Math.fround(-0.4));
        expect(observation[1]).toBe(0);
      }
    }
    // the continuous car keeps a float32 state, as Gymnasium
    const c = new ContinuousMountainCarEnv();
    c.reset({ seed: 2 });
    const s = c.state as Float64Array;
    expect(s[0]).toBe(Math.fround(s[0]));
  });

  it('Acrobot starts in [-0.1, 0.1]^4, rounded to float32', () => {
    const env = new AcrobotEnv();
    env.reset({ seed: 3 });
    for (let i = 0; i < 100; i++) {
      const { observation } = env.reset();
      const s = env.state as Float64Array;
      expect(s.every((v) => Math.abs(v) <= 0.1 && v === Math.fround(v))).toBe(true);
      expect(observation[0]).toBe(Math.fround(Math.cos(s[0])));
      expect(observation[4]).toBe(Math.fround(s[2]));
    }
  });

  it('Pendulum starts with theta in [-pi, pi] and theta_dot in [-1, 1] (options x_init, y_init)', () => {
    const env = new PendulumEnv();
    env.reset({ seed: 4 });
    let maxTh = 0;
    for (let i = 0; i < 300; i++) {
      env.reset();
      const [th, thdot] = env.state as Float64Array;
      expect(Math.abs(th)).toBeLessThanOrEqual(Math.PI);
      expect(Math.abs(thdot)).toBeLessThanOrEqual(1);
      maxTh = Math.max(maxTh, Math.abs(th));
    }
    expect(maxTh).toBeGreaterThan(2.5);
    env.reset({ options: { x_init: 0.1, y_init: 0.01 } });
    const [th, thdot] = env.state as Float64Array;
    expect(Math.abs(th)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(thdot)).toBeLessThanOrEqual(0.01);
  });

  it('seeding: the same seed gives the same episode, later resets continue the stream', () => {
    const a = make('CartPole-v1');
    const b = make('CartPole-v1');
    const first = a.reset({ seed: 123 }).observation;
    expect(b.reset({ seed: 123 }).observation).toEqual(first);
    const second = a.reset().observation;
    expect(second).not.toEqual(first);
    expect(b.reset().observation).toEqual(second);
    expect(make('CartPole-v1').reset({ seed: 124 }).observation).not.toEqual(first);
    expect(() => a.reset({ seed: -1 })).toThrow(ValueError);
  });
});

describe('spaces of the classic-control environments match Gymnasium', () => {
  it('observation and action spaces', () => {
    const cp = new CartPoleEnv();
    const t = (12 * 2 * Math.PI) / 360;
    expect(Array.from(cp.observationSpace.high)).toEqual([
      Math.fround(4.8),
      Infinity,
      Math.fround(t * 2),
      Infinity,
    ]);
    expect(cp.actionSpace.toString()).toBe('Discrete(2)');
    expect(cp.observationSpace.toString()).toBe(
      'Box([-4.8 -inf -0.41887903 -inf], [4.8 inf 0.41887903 inf], (4,), float32)',
    );
    expect(new MountainCarEnv().observationSpace.toString()).toBe(
      'Box([-1.2 -0.07], [0.6 0.07], (2,), float32)',
    );
    expect(new MountainCarEnv().actionSpace.n).toBe(3);
    expect(new ContinuousMountainCarEnv().actionSpace.toString()).toBe('Box(-1.0, 1.0, (1,), float32)');
    expect(new PendulumEnv().actionSpace.toString()).toBe('Box(-2.0, 2.0, (1,), float32)');
    expect(Array.from(new PendulumEnv().observationSpace.high)).toEqual([1, 1, 8]);
    expect(Array.from(new AcrobotEnv().observationSpace.high)).toEqual([
      1,
      1,
      1,
      1,
      Math.fround(4 * Math.PI),
      Math.fround(9 * Math.PI),
    ]);
    expect(new AcrobotEnv().actionSpace.n).toBe(3);
  });

  it('observations stay in the observation space along random episodes', () => {
    for (const id of [
      'CartPole-v1',
      'MountainCar-v0',
      'MountainCarContinuous-v0',
      'Pendulum-v1',
      'Acrobot-v1',
    ]) {
      const env = make(id);
      env.actionSpace.seed(5);
      let { observation } = env.reset({ seed: 5 });
      for (let i = 0; i < 300; i++) {
        expect(env.observationSpace.contains(observation), `${id} step ${i}`).toBe(true);
        const r = env.step(env.actionSpace.sample());
        observation = r.observation;
        if (r.terminated || r.truncated) observation = env.reset().observation;
      }
    }
  });
});

describe('helpers follow numpy', () => {
  it('angleNormalize is a floored modulo into [-pi, pi)', () => {
    expect(angleNormalize(0)).toBe(0);
    expect(angleNormalize(Math.PI)).toBe(-Math.PI);
    expect(angleNormalize(-Math.PI)).toBe(-Math.PI);
    expect(angleNormalize((3 * Math.PI) / 2)).toBeCloseTo(-Math.PI / 2, 14);
    expect(angleNormalize((-3 * Math.PI) / 2)).toBeCloseTo(Math.PI / 2, 14);
    expect(angleNormalize(-7.5)).toBeCloseTo(-7.5 + 2 * Math.PI, 13);
  });

  it('wrap shifts by whole periods', () => {
    expect(wrap(4, -Math.PI, Math.PI)).toBeCloseTo(4 - 2 * Math.PI, 15);
    expect(wrap(-10, -Math.PI, Math.PI)).toBeCloseTo(-10 + 4 * Math.PI, 14);
    expect(wrap(1, -Math.PI, Math.PI)).toBe(1);
  });
});

describe('bad input gives clear errors', () => {
  it('stepping before reset throws ResetNeededError', () => {
    const env = make('CartPole-v1');
    expect(() => env.step(0)).toThrow(ResetNeededError);
    expect(() => env.step(0)).toThrow(/never reset/);
  });

  it('actions outside the action space throw ValueError, wrong shapes ShapeError', () => {
    const cp = make('CartPole-v1');
    cp.reset({ seed: 0 });
    expect(() => cp.step(2)).toThrow(ValueError);
    expect(() => cp.step(2)).toThrow(/CartPole-v1\.step: 2 is outside \[0, 1\] \(space Discrete\(2\)\)/);
    expect(() => cp.step(0.5)).toThrow(ValueError);
    expect(() => cp.step([1] as unknown as number)).toThrow(ShapeError);
    expect(() => cp.step(tensor(1) as unknown as number)).toThrow(/itemSync/);
    const pend = make('Pendulum-v1');
    pend.reset({ seed: 0 });
    expect(() => pend.step([3])).toThrow(ValueError);
    expect(() => pend.step([Number.NaN])).toThrow(ValueError);
    expect(() => pend.step([0, 0])).toThrow(ShapeError);
    expect(() => pend.step(1 as unknown as number[])).toThrow(ShapeError);
    // a rejected action leaves the environment usable
    expect(pend.step([1]).truncated).toBe(false);
  });

  it('stepping after termination throws ResetNeededError until reset', () => {
    const env = make('CartPole-v1');
    env.reset({ seed: 0 });
    let r: StepResult<Float32Array>;
    do r = env.step(1);
    while (!r.terminated);
    expect(() => env.step(1)).toThrow(ResetNeededError);
    expect(() => env.step(1)).toThrow(/already ended \(terminated\)/);
    env.reset();
    expect(env.step(1).terminated).toBe(false);
  });

  it('stepping after a TimeLimit truncation throws ResetNeededError', () => {
    const env = make('Pendulum-v1', { maxEpisodeSteps: 3 });
    env.reset({ seed: 0 });
    expect([env.step([0]), env.step([0]), env.step([0])].map((r) => r.truncated)).toEqual([
      false,
      false,
      true,
    ]);
    expect(() => env.step([0])).toThrow(ResetNeededError);
    env.reset();
    expect(env.step([0]).truncated).toBe(false);
  });

  it('setting a malformed state throws', () => {
    const env = new CartPoleEnv();
    expect(() => {
      env.state = [0, 0, 0];
    }).toThrow(ShapeError);
    expect(() => {
      env.state = [0, 0, Number.NaN, 0];
    }).toThrow(ValueError);
  });
});

describe('registry', () => {
  it('make applies the TimeLimit of the spec, spec() describes it', () => {
    const env = make('CartPole-v1');
    expect(env).toBeInstanceOf(TimeLimit);
    expect((env as TimeLimit<unknown, unknown>).maxEpisodeSteps).toBe(500);
    expect(env.unwrapped).toBeInstanceOf(CartPoleEnv);
    expect(env.spec?.id).toBe('CartPole-v1');
    expect(env.spec?.rewardThreshold).toBe(475);
    expect(spec('CartPole-v0').maxEpisodeSteps).toBe(200);
    expect(spec('MountainCar-v0').maxEpisodeSteps).toBe(200);
    expect(spec('MountainCarContinuous-v0').maxEpisodeSteps).toBe(999);
    expect(spec('Pendulum-v1').maxEpisodeSteps).toBe(200);
    expect(spec('Acrobot-v1').maxEpisodeSteps).toBe(500);
    expect(String(env)).toBe('<TimeLimit<CartPoleEnv<CartPole-v1>>>');
  });

  it('options override the limit and go to the constructor', () => {
    const env = make('CartPole-v1', { maxEpisodeSteps: 7, suttonBartoReward: true });
    expect((env as TimeLimit<unknown, unknown>).maxEpisodeSteps).toBe(7);
    expect(env.spec?.kwargs).toEqual({ suttonBartoReward: true });
    env.reset({ seed: 0 });
    expect(env.step(0).reward).toBe(0);
    expect(make('CartPole-v1', { maxEpisodeSteps: null })).toBeInstanceOf(CartPoleEnv);
    expect((make('MountainCar-v0', { goalVelocity: 0.1 }).unwrapped as MountainCarEnv).goalVelocity).toBe(
      0.1,
    );
  });

  it('unknown ids list the registered versions', () => {
    expect(() => make('CartPole-v9')).toThrow(ValueError);
    expect(() => make('CartPole-v9')).toThrow(/CartPole-v0, CartPole-v1/);
    expect(() => make('Nope-v0')).toThrow(/no registered environment/);
    expect(() => register('bad id!', { entryPoint: () => new CartPoleEnv() })).toThrow(ValueError);
  });

  it('register adds custom environments', () => {
    class Coin extends Env<number, number> {
      readonly observationSpace = new Discrete(2);
      readonly actionSpace = new Discrete(2);
      protected resetEnv(): ResetResult<number> {
        return { observation: 0, info: {} };
      }
      protected stepEnv(action: number): StepResult<number> {
        const obs = this.rng.integers(0, 2);
        return {
          observation: obs,
          reward: obs === action ? 1 : 0,
          terminated: false,
          truncated: false,
          info: {},
        };
      }
    }
    register('TestCoin-v0', { entryPoint: () => new Coin(), maxEpisodeSteps: 4 });
    expect(registry.has('TestCoin-v0')).toBe(true);
    const env = make('TestCoin-v0');
    env.reset({ seed: 0 });
    const rs = [0, 1, 2, 3].map(() => env.step(1));
    expect(rs.map((r) => r.truncated)).toEqual([false, false, false, true]);
    expect(rs.every((r) => r.reward === 0 || r.reward === 1)).toBe(true);
    expect(() => env.render()).toThrow(NotSupportedError);
    registry.delete('TestCoin-v0');
  });
});

describe('render', () => {
  it('draws an [H, W, 3] int32 frame in 0..255 for each environment', () => {
    const sizes: Record<string, [number, number]> = {
      'CartPole-v1': [400, 600],
      'MountainCar-v0': [400, 600],
      'MountainCarContinuous-v0': [400, 600],
      'Pendulum-v1': [500, 500],
      'Acrobot-v1': [500, 500],
      'GridWorld-v0': [128, 128],
    };
    for (const [id, [h, w]] of Object.entries(sizes)) {
      const env = make(id);
      env.reset({ seed: 0 });
      const frame = env.render();
      expect(frame.shape, id).toEqual([h, w, 3]);
      expect(frame.dtype).toBe('int32');
      const px = frame.dataSync();
      let nonWhite = 0;
      let outOfRange = 0;
      for (let i = 0; i < px.length; i++) {
        if (px[i] < 0 || px[i] > 255 || !Number.isInteger(px[i])) outOfRange++;
        if (px[i] !== 255) nonWhite++;
      }
      expect(outOfRange, id).toBe(0);
      expect(nonWhite, id).toBeGreaterThan(100);
    }
  });

  it('CartPole draws the cart where the state puts it', () => {
    const env = new CartPoleEnv();
    env.reset({ seed: 0 });
    const pixel = (x: number, y: number) => {
      const d = env.render().dataSync();
      const i = ((400 - 1 - y) * 600 + x) * 3; // y up from the bottom row, as Gymnasium's flipped surface
      return [d[i], d[i + 1], d[i + 2]];
    };
    env.state = [0, 0, 0, 0];
    expect(pixel(300, 90)).toEqual([0, 0, 0]); // cart body spans y 85..115 around x = 300
    expect(pixel(300, 200)).toEqual([202, 152, 101]); // upright pole
    env.state = [1.2, 0, 0, 0]; // cart at 300 + 1.2 * 125 = 450
    expect(pixel(300, 90)).toEqual([255, 255, 255]);
    expect(pixel(450, 90)).toEqual([0, 0, 0]);
  });
});

describe('GridWorld', () => {
  it('exposes its model and follows it deterministically without slip', () => {
    const env = new GridWorldEnv();
    expect(env.observationSpace.n).toBe(16);
    expect(env.P[0][2]).toEqual([[1, 1, 0, false]]); // right from the start
    expect(env.P[0][0]).toEqual([[1, 0, 0, false]]); // left into the edge: stay
    expect(env.P[1][1]).toEqual([[1, 1, 0, false]]); // down into the wall: stay
    expect(env.P[14][2]).toEqual([[1, 15, 1, true]]); // into the goal
    env.reset({ seed: 0 });
    const path = [2, 2, 1, 1, 1, 2];
    let r!: StepResult<number>;
    for (const a of path) r = env.step(a);
    expect(r.observation).toBe(15);
    expect(r.reward).toBe(1);
    expect(r.terminated).toBe(true);
  });

  it('value iteration on P finds a path to the goal that the environment confirms', () => {
    const env = new GridWorldEnv({ slip: 0.2, stepReward: -0.01 });
    const V = new Float64Array(16);
    const q = (s: number, a: number) =>
      env.P[s][a].reduce((acc, [p, n, rew, done]) => acc + p * (rew + (done ? 0 : 0.95 * V[n])), 0);
    for (let it = 0; it < 200; it++)
      for (let s = 0; s < 16; s++) V[s] = Math.max(...[0, 1, 2, 3].map((a) => q(s, a)));
    const policy = Array.from({ length: 16 }, (_, s) =>
      [0, 1, 2, 3].reduce((b, a) => (q(s, a) > q(s, b) ? a : b), 0),
    );
    env.reset({ seed: 1 });
    let wins = 0;
    for (let ep = 0; ep < 200; ep++) {
      let s = env.reset().observation;
      for (let t = 0; t < 100; t++) {
        const r = env.step(policy[s]);
        s = r.observation;
        if (r.terminated) {
          wins += r.reward > 0 ? 1 : 0;
          break;
        }
      }
    }
    expect(wins).toBeGreaterThan(150);
    for (const row of env.P)
      for (const outcomes of row) expect(outcomes.reduce((a, [p]) => a + p, 0)).toBeCloseTo(1, 12);
  });

  it('rejects malformed maps', () => {
    expect(() => new GridWorldEnv({ map: ['S.', '.'] })).toThrow(ValueError);
    expect(() => new GridWorldEnv({ map: ['..', '.G'] })).toThrow(/no start/);
    expect(() => new GridWorldEnv({ map: ['SX'] })).toThrow(/unknown map characters/);
    expect(() => new GridWorldEnv({ slip: 2 })).toThrow(ValueError);
  });
});

it('continuous actions accept typed and plain arrays alike', () => {
  const a = make('MountainCarContinuous-v0');
  const b = make('MountainCarContinuous-v0');
  a.reset({ seed: 9 });
  b.reset({ seed: 9 });
  expect(a.step([0.5]).observation).toEqual(b.step(Float32Array.of(0.5)).observation);
  expect((a.unwrapped as ContinuousMountainCarEnv).actionSpace).toBeInstanceOf(Box);
});
