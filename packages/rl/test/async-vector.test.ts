import { ShapeError, ValueError } from '@kindling/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AsyncVectorEnv,
  makeVec,
  ResetNeededError,
  SyncVectorEnv,
  type VectorStepResult,
} from '../src/index.js';
import { CountdownEnv } from './helpers/countdown-env.js';

// Workers run the TypeScript sources through src/vector/dev/boot.mjs (see the README); each one
// takes a few hundred milliseconds to start, so the tests share a few vector envs.
const COUNTDOWN_MODULE = new URL('./helpers/countdown-env.ts', import.meta.url);
const opened: AsyncVectorEnv[] = [];
function open(...args: ConstructorParameters<typeof AsyncVectorEnv>): AsyncVectorEnv {
  const v = new AsyncVectorEnv(...args);
  opened.push(v);
  return v;
}
afterAll(async () => {
  await Promise.all(opened.map((v) => v.close()));
});

function expectSameStep(a: VectorStepResult, b: VectorStepResult, where: string): void {
  expect(a.observations, where).toEqual(b.observations);
  expect(a.rewards, where).toEqual(b.rewards);
  expect(a.terminations, where).toEqual(b.terminations);
  expect(a.truncations, where).toEqual(b.truncations);
  expect(a.infos, where).toEqual(b.infos);
}

describe('AsyncVectorEnv', () => {
  it('gives the same trajectories as SyncVectorEnv (CartPole, with autoresets)', async () => {
    const n = 3;
    const av = open(
      Array.from({ length: n }, () => ({ id: 'CartPole-v1', options: { maxEpisodeSteps: 40 } })),
    );
    const sv = makeVec('CartPole-v1', n, { maxEpisodeSteps: 40 });
    expect(av.observationSpace.equals(sv.observationSpace)).toBe(true);
    expect(av.actionSpace.equals(sv.actionSpace)).toBe(true);
    const ra = await av.reset({ seed: 42 });
    const rs = sv.reset({ seed: 42 });
    expect(ra.observations).toEqual(rs.observations);
    sv.actionSpace.seed(1);
    let ends = 0;
    for (let t = 0; t < 120; t++) {
      const actions = sv.actionSpace.sample();
      const a = await av.step(actions);
      const s = sv.step(actions);
      expectSameStep(a, s, `step ${t}`);
      ends += s.terminations.filter(Boolean).length + s.truncations.filter(Boolean).length;
    }
    expect(ends).toBeGreaterThan(3); // the comparison covered several autoresets
  });

  it('gives the same trajectories for Box actions (MountainCarContinuous)', async () => {
    const av = open([{ id: 'MountainCarContinuous-v0' }, { id: 'MountainCarContinuous-v0' }]);
    const sv = makeVec('MountainCarContinuous-v0', 2);
    expect((await av.reset({ seed: 5 })).observations).toEqual(sv.reset({ seed: 5 }).observations);
    sv.actionSpace.seed(2);
    for (let t = 0; t < 30; t++) {
      const actions = sv.actionSpace.sample();
      expectSameStep(await av.step(actions), sv.step(actions), `step ${t}`);
    }
    expect(await av.getAttr('state')).toEqual(sv.getAttr('state'));
    const frames = await av.render();
    expect(frames.map((f) => f.shape)).toEqual([
      [400, 600, 3],
      [400, 600, 3],
    ]);
    const [a, b] = [frames[0].dataSync(), sv.render()[0].dataSync()];
    expect(a.length).toBe(b.length);
    expect(a.every((v, i) => v === b[i])).toBe(true);
  });

  it('loads a user module that registers environments, in same-step mode', async () => {
    const recipes = [1, 2].map((start) => ({ id: 'Countdown-v0', options: { start } }));
    const av = open(recipes, { module: COUNTDOWN_MODULE, autoresetMode: 'same-step' });
    const sv = new SyncVectorEnv(
      [1, 2].map((start) => () => new CountdownEnv({ start })),
      { autoresetMode: 'same-step' },
    );
    expect((await av.reset()).observations).toEqual(sv.reset().observations);
    for (let t = 0; t < 5; t++) {
      const a = await av.step([t % 3, 1]);
      const s = sv.step([t % 3, 1]);
      expect(a.observations).toEqual(s.observations);
      expect(a.rewards).toEqual(s.rewards);
      expect(a.terminations).toEqual(s.terminations);
      expect(a.infos._final_obs).toEqual(s.infos._final_obs);
      expect(a.infos.final_info).toEqual(s.infos.final_info);
    }
    await av.setAttr('count', 5);
    expect(await av.getAttr('count')).toEqual([5, 5]);
    expect(await av.call('toString')).toEqual([
      '<TimeLimit<CountdownEnv<Countdown-v0>>>',
      '<TimeLimit<CountdownEnv<Countdown-v0>>>',
    ]);
  });

  it('rethrows errors from the workers as the same Kindling error classes', async () => {
    const av = open([{ id: 'CartPole-v1' }, { id: 'CartPole-v1' }]);
    await expect(av.step([0, 0])).rejects.toThrow(ResetNeededError);
    await av.reset({ seed: 0 });
    await expect(av.step([0, 2])).rejects.toThrow(ValueError);
    await expect(av.step([0, 2])).rejects.toThrow(/CartPole-v1\.step: 2 is outside \[0, 1\]/);
    await expect(av.step([0])).rejects.toThrow(ShapeError);
    await expect(av.getAttr('nope')).rejects.toThrow(ValueError);
    await av.close();
    await expect(av.step([0, 0])).rejects.toThrow(/closed/);
  });

  it('validates recipes up front', () => {
    expect(() => new AsyncVectorEnv([])).toThrow(ValueError);
    expect(() => new AsyncVectorEnv([{ id: 'Nope-v0' }])).toThrow(/no registered environment/);
    expect(() => new AsyncVectorEnv([{ id: 'CartPole-v1', options: { f: () => 1 } }])).toThrow(/cloned/);
    expect(() => new AsyncVectorEnv([{ id: 'CartPole-v1' }, { id: 'Pendulum-v1' }])).toThrow(
      /different spaces/,
    );
  });
});
