import { ShapeError, ValueError } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import {
  type Box,
  CartPoleEnv,
  make,
  makeVec,
  MultiDiscrete,
  RecordEpisodeStatistics,
  SyncVectorEnv,
} from '../src/index.js';
import { CountdownEnv } from './helpers/countdown-env.js';

const countdowns = (...starts: number[]) => starts.map((start) => () => new CountdownEnv({ start }));

describe('SyncVectorEnv', () => {
  it('batches spaces as Gymnasium does', () => {
    const v = makeVec('CartPole-v1', 3);
    expect(v.numEnvs).toBe(3);
    expect((v.observationSpace as Box).shape).toEqual([3, 4]);
    expect(v.actionSpace).toBeInstanceOf(MultiDiscrete);
    expect(v.actionSpace.toString()).toBe('MultiDiscrete([2 2 2])');
    const r = v.reset({ seed: 0 });
    expect(r.observations).toBeInstanceOf(Float32Array);
    expect((r.observations as Float32Array).length).toBe(12);
    expect(v.observationSpace.contains(r.observations)).toBe(true);
  });

  it('seeds environment i with seed + i', () => {
    const v = makeVec('CartPole-v1', 3);
    const obs = v.reset({ seed: 10 }).observations as Float32Array;
    for (let i = 0; i < 3; i++)
      expect(Array.from(obs.subarray(4 * i, 4 * i + 4))).toEqual(
        Array.from(make('CartPole-v1').reset({ seed: 10 + i }).observation),
      );
    const again = v.reset({ seed: [10, undefined, 12] }).observations as Float32Array;
    expect(Array.from(again.subarray(0, 4))).toEqual(Array.from(obs.subarray(0, 4)));
    expect(Array.from(again.subarray(8, 12))).toEqual(Array.from(obs.subarray(8, 12)));
    expect(() => v.reset({ seed: [1, 2] })).toThrow(ValueError);
  });

  it('next-step autoreset: the step after an episode ends resets that environment', () => {
    const v = new SyncVectorEnv(countdowns(2, 3));
    expect(Array.from(v.reset().observations as Float32Array)).toEqual([2, 3]);
    let r = v.step([1, 1]);
    expect(Array.from(r.observations as Float32Array)).toEqual([1, 2]);
    expect(r.infos.count).toEqual(Float64Array.of(1, 2));
    expect(r.infos._count).toEqual([true, true]);
    r = v.step([1, 2]);
    expect(Array.from(r.observations as Float32Array)).toEqual([0, 1]);
    expect(r.terminations).toEqual([true, false]);
    expect(Array.from(r.rewards)).toEqual([1, 2]);
    // env 0 ignores its action and resets: reward 0, not terminated, the reset's info
    r = v.step([2, 2]);
    expect(Array.from(r.observations as Float32Array)).toEqual([2, 0]);
    expect(Array.from(r.rewards)).toEqual([0, 2]);
    expect(r.terminations).toEqual([false, true]);
    expect(r.truncations).toEqual([false, false]);
    expect(r.infos._resets).toEqual([true, false]);
    expect((r.infos.resets as Float64Array)[0]).toBe(2);
    expect(r.infos._count).toEqual([false, true]);
    r = v.step([1, 1]);
    expect(Array.from(r.observations as Float32Array)).toEqual([1, 3]);
    expect(Array.from(r.rewards)).toEqual([1, 0]);
  });

  it('same-step autoreset: resets at once and reports final_obs / final_info', () => {
    const v = new SyncVectorEnv(countdowns(1, 3), { autoresetMode: 'same-step' });
    v.reset();
    const r = v.step([2, 1]);
    expect(Array.from(r.observations as Float32Array)).toEqual([1, 2]);
    expect(r.terminations).toEqual([true, false]);
    expect(Array.from(r.rewards)).toEqual([2, 1]);
    expect(r.infos._final_obs).toEqual([true, false]);
    expect(Array.from((r.infos.final_obs as Float32Array[])[0])).toEqual([0]);
    expect((r.infos.final_obs as unknown[])[1]).toBeNull();
    expect((r.infos.final_info as unknown[])[0]).toEqual({ count: 0 });
    expect(() => new SyncVectorEnv(countdowns(1), { autoresetMode: 'later' as never })).toThrow(ValueError);
  });

  it('merges nested infos (RecordEpisodeStatistics) with masks', () => {
    const v = new SyncVectorEnv(
      [1, 2].map((start) => () => new RecordEpisodeStatistics(new CountdownEnv({ start }))),
    );
    v.reset();
    const r = v.step([2, 1]);
    const ep = r.infos.episode as { r: Float64Array; l: Float64Array };
    expect(r.infos._episode).toEqual([true, false]);
    expect(Array.from(ep.r)).toEqual([2, 0]);
    expect(Array.from(ep.l)).toEqual([1, 0]);
    expect((r.infos.episode as Record<string, unknown>)._r).toEqual([true, false]);
  });

  it('checks batched actions', () => {
    const v = makeVec('CartPole-v1', 2);
    v.reset({ seed: 0 });
    expect(() => v.step([0])).toThrow(ShapeError);
    expect(() => v.step([0, 3])).toThrow(ValueError);
    const p = makeVec('Pendulum-v1', 2);
    p.reset({ seed: 0 });
    expect(() => p.step([0.1, 0.2, 0.3])).toThrow(/expected a batch of 2 x 1 = 2 values/);
    expect(p.step(Float32Array.of(0.1, -0.2)).rewards.length).toBe(2);
  });

  it('reads and sets attributes of the wrapped environments', () => {
    const v = makeVec('CartPole-v1', 2);
    v.reset({ seed: 0 });
    v.setAttr('state', [Float64Array.of(0, 0, 0, 0), Float64Array.of(0.1, 0, 0, 0)]);
    const states = v.getAttr('state') as Float64Array[];
    expect(Array.from(states[1])).toEqual([0.1, 0, 0, 0]);
    expect(v.getAttr('maxEpisodeSteps')).toEqual([500, 500]);
    expect(v.call('toString')).toEqual([
      '<TimeLimit<CartPoleEnv<CartPole-v1>>>',
      '<TimeLimit<CartPoleEnv<CartPole-v1>>>',
    ]);
    expect(() => v.getAttr('nope')).toThrow(ValueError);
    expect(v.render().map((f) => f.shape)).toEqual([
      [400, 600, 3],
      [400, 600, 3],
    ]);
    v.close();
    expect(() => v.step([0, 0])).toThrow(/closed/);
  });

  it('refuses environments with different spaces', () => {
    expect(
      () => new SyncVectorEnv<unknown, unknown>([() => new CartPoleEnv(), () => make('Pendulum-v1')]),
    ).toThrow(ValueError);
  });
});
