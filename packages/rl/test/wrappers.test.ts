import { ValueError } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import {
  AutoReset,
  Box,
  ClipAction,
  FrameStackObservation,
  MultiDiscrete,
  make,
  NormalizeObservation,
  NormalizeReward,
  PendulumEnv,
  RecordEpisodeStatistics,
  ResetNeededError,
  RunningMeanStd,
  TimeLimit,
  TransformObservation,
  TransformReward,
} from '../src/index.js';
import { CountdownEnv } from './helpers/countdown-env.js';
import { ScriptedEnv } from './helpers/scripted-env.js';

/**
 * Closed form of RunningMeanStd after the values `xs` (one coordinate): the prior (count 1e-4,
 * mean 0, variance 1) pooled with the data, `mean = sum / (eps + k)`,
 * `var = (eps * (1 + mean^2) + sum (x - mean)^2) / (eps + k)`.
 */
function pooled(xs: number[], eps = 1e-4): { mean: number; var: number } {
  const n = eps + xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const ss = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
  return { mean, var: (eps * (1 + mean * mean) + ss) / n };
}

describe('RunningMeanStd', () => {
  it('matches the pooled closed form', () => {
    const rms = new RunningMeanStd(2);
    const rows = [
      [1, 10],
      [3, -2],
      [5, 7],
      [-4, 0.5],
    ];
    for (const r of rows.slice(0, 2)) rms.update(r);
    rms.update([...rows[2], ...rows[3]]); // a batch of two rows
    for (let j = 0; j < 2; j++) {
      const ref = pooled(rows.map((r) => r[j]));
      expect(rms.mean[j]).toBeCloseTo(ref.mean, 12);
      expect(rms.var[j]).toBeCloseTo(ref.var, 12);
    }
    expect(rms.count).toBeCloseTo(4.0001, 12);
  });

  it('after one value x: mean = x / 1.0001 (hand computed)', () => {
    const rms = new RunningMeanStd(1);
    rms.update([2]);
    expect(rms.mean[0]).toBeCloseTo(1.99980002, 8);
    // delta = 2, M2 = 1 * 1e-4 + 0 + 2^2 * 1e-4 * 1 / 1.0001 = 4.99960004e-4, var = M2 / 1.0001
    expect(rms.var[0]).toBeCloseTo(4.99910013e-4, 11);
  });
});

describe('NormalizeObservation', () => {
  it('normalises with statistics that include the current observation', () => {
    const obs = [
      [1, -2],
      [3, 4],
      [5, 0],
      [-1, 8],
    ];
    const env = new NormalizeObservation(
      new ScriptedEnv({ obs, rewards: [0, 0, 0], terminated: [false, false, false] }),
    );
    expect(env.observationSpace.toString()).toBe('Box(-inf, inf, (2,), float32)');
    const outs = [env.reset().observation, ...[0, 1, 2].map(() => env.step(0).observation)];
    outs.forEach((o, t) => {
      expect(o).toBeInstanceOf(Float32Array);
      for (let j = 0; j < 2; j++) {
        const ref = pooled(obs.slice(0, t + 1).map((r) => r[j]));
        expect(o[j]).toBeCloseTo(Math.fround((obs[t][j] - ref.mean) / Math.sqrt(ref.var + 1e-8)), 5);
      }
    });
    env.updateRunningMean = false;
    const mean = Array.from(env.obsRms.mean);
    env.reset();
    expect(Array.from(env.obsRms.mean)).toEqual(mean);
    expect(() => new NormalizeObservation(make('GridWorld-v0') as never)).toThrow(ValueError);
  });
});

describe('NormalizeReward', () => {
  it("scales by the running std of Gymnasium's discounted return", () => {
    const rewards = [1, 2, 3, 4];
    const terminated = [false, true, false, false];
    const env = new NormalizeReward(
      new AutoReset(new ScriptedEnv({ obs: [[0], [0], [0], [0], [0]], rewards, terminated })),
      { gamma: 0.9 },
    );
    env.reset();
    const got = [env.step(0), env.step(0), env.step(0), env.step(0)];
    // G = G * gamma * (1 - terminated) + r with the *current* step's flag:
    // step 1: 1; step 2 (terminated): 1 * 0.9 * 0 + 2 = 2; step 3 is AutoReset's reset step
    // (reward 0): 2 * 0.9 = 1.8; step 4 replays the script's first reward: 1.8 * 0.9 + 1 = 2.62
    const G = [1, 2, 1.8, 2.62];
    const r = [1, 2, 0, 1];
    got.forEach((s, t) => {
      const ref = pooled(G.slice(0, t + 1));
      expect(s.reward).toBeCloseTo(r[t] / Math.sqrt(ref.var + 1e-8), 10);
    });
    expect(env.discountedReward).toBeCloseTo(2.62, 12);
  });

  it('hand computed: a first reward of 2 is divided by sqrt(4.99910013e-4 + 1e-8)', () => {
    const env = new NormalizeReward(new ScriptedEnv({ obs: [[0], [0]], rewards: [2], terminated: [false] }));
    env.reset();
    expect(env.step(0).reward).toBeCloseTo(2 / Math.sqrt(4.99910013e-4 + 1e-8), 6);
  });
});

describe('RecordEpisodeStatistics', () => {
  it('reports return, length and time at the end of each episode', () => {
    const env = new RecordEpisodeStatistics(new CountdownEnv({ start: 3 }), { bufferLength: 2 });
    for (let ep = 0; ep < 3; ep++) {
      env.reset();
      const r1 = env.step(1);
      expect(r1.info.episode).toBeUndefined();
      env.step(2);
      const last = env.step(ep);
      expect(last.terminated).toBe(true);
      const stats = last.info.episode as { r: number; l: number; t: number };
      expect(stats.r).toBe(3 + ep);
      expect(stats.l).toBe(3);
      expect(stats.t).toBeGreaterThanOrEqual(0);
    }
    expect(env.episodeCount).toBe(3);
    expect(env.returnQueue).toEqual([4, 5]);
    expect(env.lengthQueue).toEqual([3, 3]);
    expect(env.timeQueue.length).toBe(2);
  });

  it('counts truncated episodes too', () => {
    const env = new RecordEpisodeStatistics(make('Pendulum-v1', { maxEpisodeSteps: 5 }));
    env.reset({ seed: 0 });
    let total = 0;
    let r = env.step([0]);
    total += r.reward;
    while (!r.truncated) {
      r = env.step([0]);
      total += r.reward;
    }
    expect((r.info.episode as { l: number }).l).toBe(5);
    expect((r.info.episode as { r: number }).r).toBeCloseTo(total, 12);
  });
});

describe('ClipAction', () => {
  it('clips into the inner bounds and accepts any finite action', () => {
    const a = new ClipAction(new PendulumEnv());
    const b = new PendulumEnv();
    expect(a.actionSpace.toString()).toBe('Box(-inf, inf, (1,), float32)');
    a.reset({ seed: 1 });
    b.reset({ seed: 1 });
    expect(a.step([5]).observation).toEqual(b.step([2]).observation);
    expect(a.step([-1e9]).observation).toEqual(b.step([-2]).observation);
    expect(a.step([0.5]).observation).toEqual(b.step([0.5]).observation);
    expect(() => a.step([Number.NaN])).toThrow(ValueError);
    expect(() => a.step([1, 2])).toThrow(/expected 1 values/);
  });
});

describe('FrameStackObservation', () => {
  it('stacks Box observations oldest first, padded with the reset observation', () => {
    const env = new FrameStackObservation(make('CartPole-v1'), 3);
    const space = env.observationSpace as Box;
    expect(space.shape).toEqual([3, 4]);
    const first = env.reset({ seed: 0 }).observation as Float32Array;
    expect(Array.from(first.subarray(0, 4))).toEqual(Array.from(first.subarray(8, 12)));
    const o1 = env.step(1).observation as Float32Array;
    const o2 = env.step(0).observation as Float32Array;
    expect(Array.from(o2.subarray(0, 4))).toEqual(Array.from(first.subarray(8, 12)));
    expect(Array.from(o2.subarray(4, 8))).toEqual(Array.from(o1.subarray(8, 12)));
    expect(space.contains(o2)).toBe(true);
  });

  it('pads with zeros and stacks Discrete observations', () => {
    const env = new FrameStackObservation(make('GridWorld-v0'), 2, { paddingType: 'zero' });
    expect(env.observationSpace).toBeInstanceOf(MultiDiscrete);
    env.reset({ seed: 0 });
    expect(Array.from(env.step(2).observation as Int32Array)).toEqual([0, 1]);
    expect(Array.from(env.step(2).observation as Int32Array)).toEqual([1, 2]);
    expect(() => new FrameStackObservation(make('GridWorld-v0'), 0)).toThrow(ValueError);
  });
});

describe('TransformObservation and TransformReward', () => {
  it('apply the functions and can replace the observation space', () => {
    const space = new Box(-2, 2, { shape: [4] });
    const env = new TransformReward(
      new TransformObservation(make('CartPole-v1'), (o: Float32Array) => o.map((v) => v * 2), space),
      (r) => r * 10,
    );
    expect(env.observationSpace).toBe(space);
    const raw = make('CartPole-v1');
    const o = env.reset({ seed: 3 }).observation;
    expect(Array.from(o)).toEqual(Array.from(raw.reset({ seed: 3 }).observation.map((v) => v * 2)));
    expect(env.step(0).reward).toBe(10);
  });
});

describe('AutoReset and TimeLimit', () => {
  it('AutoReset resets on the step after the episode ended (next-step mode)', () => {
    const env = new AutoReset(new CountdownEnv({ start: 2 }));
    env.reset();
    expect(env.step(1).terminated).toBe(false);
    const end = env.step(1);
    expect([end.terminated, end.observation[0]]).toEqual([true, 0]);
    const reset = env.step(2);
    expect([reset.observation[0], reset.reward, reset.terminated, reset.truncated]).toEqual([
      2,
      0,
      false,
      false,
    ]);
    expect(reset.info).toEqual({ resets: 2 });
    expect(env.step(2).reward).toBe(2);
  });

  it('TimeLimit truncates at the limit and counts from the reset', () => {
    const env = new TimeLimit(new CountdownEnv({ start: 10 }), 2);
    env.reset();
    expect(env.step(0).truncated).toBe(false);
    expect(env.step(0).truncated).toBe(true);
    expect(env.elapsedSteps).toBe(2);
    expect(() => env.step(0)).toThrow(ResetNeededError);
    env.reset();
    expect(env.elapsedSteps).toBe(0);
    expect(() => new TimeLimit(new CountdownEnv(), 0)).toThrow(ValueError);
  });
});
