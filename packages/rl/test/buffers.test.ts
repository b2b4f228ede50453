import { ShapeError, ValueError } from '@kindling/core';
import { describe, expect, it } from 'vitest';
import {
  computeGae,
  discountedReturns,
  MinTree,
  PrioritizedReplayBuffer,
  ReplayBuffer,
  RolloutBuffer,
  Rng,
  SumTree,
} from '../src/index.js';

function close(a: ArrayLike<number>, b: readonly number[], tol = 1e-9): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(tol);
}

describe('computeGae', () => {
  // Two environments, three steps, time-major [t0e0, t0e1, t1e0, t1e1, t2e0, t2e1]; γ = 0.9, λ = 0.8.
  // env 0 is truncated at t1 (V(final obs) = 4): δ1 bootstraps from 4 and the recursion is cut.
  // env 1 terminates at t0: δ0 has no bootstrap and the recursion is cut.
  //   env 0: t2: δ = 3 + .9·2 − 1.5 = 3.3;  t1: δ = 2 + .9·4 − 1 = 4.6;  t0: δ = 1 + .9·1 − .5 = 1.4, A = 1.4 + .72·4.6 = 4.712
  //   env 1: t2: δ = 2 + .9·1 − .6 = 2.3;   t1: δ = 0 + .9·.6 − .4 = .14, A = .14 + .72·2.3 = 1.796;  t0: A = 1 − .2 = .8
  const input = {
    rewards: [1, 1, 2, 0, 3, 2],
    values: [0.5, 0.2, 1.0, 0.4, 1.5, 0.6],
    terminations: [false, true, false, false, false, false],
    truncations: [false, false, true, false, false, false],
    truncationValues: [0, 0, 4, 0, 0, 0],
    lastValues: [2, 1],
    gamma: 0.9,
    lambda: 0.8,
    numEnvs: 2,
  };

  it('matches a hand-computed case with a termination and a truncation', () => {
    const { advantages, returns } = computeGae(input);
    close(advantages, [4.712, 0.8, 4.6, 1.796, 3.3, 2.3]);
    close(returns, [5.212, 1.0, 5.6, 2.196, 4.8, 2.9]);
  });

  it('treats a truncation without its value as an error, and a truncation as a termination only if it is one', () => {
    expect(() => computeGae({ ...input, truncationValues: undefined })).toThrow(ValueError);
    // Truncated and terminated on the same step: termination wins (no bootstrap needed).
    const r = computeGae({
      ...input,
      terminations: [false, true, true, false, false, false],
      truncationValues: undefined,
    });
    expect(r.advantages[2]).toBeCloseTo(2 - 1.0, 12);
  });

  it('with λ = 1 and no value function gives discounted returns', () => {
    const rewards = [1, 2, 3, 4];
    const { advantages } = computeGae({
      rewards,
      values: [0, 0, 0, 0],
      terminations: [0, 1, 0, 0],
      lastValues: [10],
      gamma: 0.5,
      lambda: 1,
    });
    close(advantages, [2, 2, 3 + 0.5 * (4 + 5), 4 + 5]);
    close(discountedReturns(rewards, 0.5, { dones: [0, 1, 0, 0], bootstrapValue: 10 }), [2, 2, 7.5, 9]);
  });

  it('validates its inputs', () => {
    expect(() => computeGae({ ...input, values: [1, 2] })).toThrow(ValueError);
    expect(() => computeGae({ ...input, gamma: 1.5 })).toThrow(ValueError);
    expect(() => computeGae({ ...input, numEnvs: 4 })).toThrow(ValueError);
    expect(() => discountedReturns([1, 2], 0.9, { dones: [1] })).toThrow(ValueError);
  });
});

describe('SumTree / MinTree', () => {
  it('keeps sums and minima and finds prefix sums', () => {
    const t = new SumTree(5);
    const m = new MinTree(5);
    [1, 0, 3, 2, 4].forEach((p, i) => {
      t.set(i, p);
      m.set(i, p === 0 ? Infinity : p);
    });
    expect(t.total()).toBe(10);
    expect(m.min()).toBe(1);
    expect(t.find(0)).toBe(0);
    expect(t.find(0.999)).toBe(0);
    expect(t.find(1)).toBe(2); // leaf 1 has priority 0 and is skipped
    expect(t.find(3.999)).toBe(2);
    expect(t.find(4)).toBe(3);
    expect(t.find(9.999)).toBe(4);
    expect(t.find(10)).toBe(4); // a prefix at the total (rounding) still lands on a positive leaf
    t.set(2, 0.5);
    expect(t.total()).toBe(7.5);
    expect(t.get(2)).toBe(0.5);
    expect(() => t.set(5, 1)).toThrow(ValueError);
    expect(() => t.set(0, -1)).toThrow(ValueError);
    expect(() => new SumTree(3).find(0)).toThrow(ValueError);
  });

  it('samples leaves in proportion to their priorities (seeded)', () => {
    const priorities = [1, 0, 3, 2, 4, 0.5, 0, 1.5];
    const t = new SumTree(priorities.length);
    priorities.forEach((p, i) => {
      t.set(i, p);
    });
    const rng = new Rng(123);
    const counts = new Array(priorities.length).fill(0);
    const n = 40_000;
    for (let k = 0; k < n; k++) counts[t.find(rng.next() * t.total())] += 1;
    const total = priorities.reduce((a, b) => a + b, 0);
    priorities.forEach((p, i) => {
      const expected = p / total;
      // binomial standard error is at most 0.0025 here; allow 4 of them
      expect(Math.abs(counts[i] / n - expected)).toBeLessThan(0.01);
      if (p === 0) expect(counts[i]).toBe(0);
    });
  });
});

describe('ReplayBuffer', () => {
  it('wraps around, overwriting the oldest transitions', () => {
    const b = new ReplayBuffer({ capacity: 3, observationShape: [2], seed: 0 });
    for (let i = 0; i < 5; i++)
      b.add({
        observation: [i, -i],
        action: i % 2,
        reward: i,
        nextObservation: [i + 1, 0],
        terminated: i === 4,
      });
    expect(b.size).toBe(3);
    expect(b.full).toBe(true);
    expect(b.position).toBe(2);
    const batch = b.sample(64);
    expect(batch.observations.shape).toEqual([64, 2]);
    expect(batch.actions.shape).toEqual([64]);
    expect(batch.actions.dtype).toBe('int32');
    const obs = batch.observations.dataSync();
    const rew = batch.rewards.dataSync();
    const next = batch.nextObservations.dataSync();
    const term = batch.terminations.dataSync();
    const act = batch.actions.dataSync();
    const seen = new Set<number>();
    for (let k = 0; k < 64; k++) {
      const i = rew[k];
      seen.add(i);
      expect([2, 3, 4]).toContain(i);
      expect(obs[2 * k]).toBe(i);
      expect(obs[2 * k + 1]).toBe(-i);
      expect(next[2 * k]).toBe(i + 1);
      expect(act[k]).toBe(i % 2);
      expect(term[k]).toBe(i === 4 ? 1 : 0);
      // slot of transition i is i % 3
      expect(batch.indices[k]).toBe(i % 3);
    }
    expect(seen.size).toBe(3);
    expect([...batch.weights.dataSync()].every((w) => w === 1)).toBe(true);
  });

  it('samples reproducibly from a seed, and stores continuous actions', () => {
    const fill = (b: ReplayBuffer) => {
      for (let i = 0; i < 10; i++)
        b.add({ observation: i, action: [i / 10, 1], reward: i, nextObservation: i, terminated: false });
      return b;
    };
    const opts = { capacity: 10, actionShape: [2], actionDtype: 'float32' as const, seed: 7 };
    const a = fill(new ReplayBuffer(opts)).sample(16);
    const b = fill(new ReplayBuffer(opts)).sample(16);
    expect([...a.indices]).toEqual([...b.indices]);
    expect(a.actions.shape).toEqual([16, 2]);
    expect(a.actions.dataSync()[0]).toBeCloseTo(a.indices[0] / 10, 6);
  });

  it('rejects bad input', () => {
    const b = new ReplayBuffer({ capacity: 2, observationShape: [3] });
    expect(() => b.sample(1)).toThrow(ValueError);
    expect(() =>
      b.add({ observation: [1, 2], action: 0, reward: 0, nextObservation: [1, 2, 3], terminated: false }),
    ).toThrow(ShapeError);
    expect(() => new ReplayBuffer({ capacity: 0 })).toThrow(ValueError);
  });
});

describe('PrioritizedReplayBuffer', () => {
  const make = (opts = {}) => {
    const b = new PrioritizedReplayBuffer({ capacity: 4, alpha: 0.5, beta: 0.4, seed: 3, ...opts });
    for (let i = 0; i < 4; i++)
      b.add({ observation: i, action: 0, reward: i, nextObservation: i, terminated: false });
    return b;
  };

  it('gives new transitions the largest priority, samples ∝ p^α with importance weights', () => {
    const b = make();
    for (let i = 0; i < 4; i++) expect(b.probability(i)).toBeCloseTo(0.25, 12);
    b.updatePriorities([0, 1, 2, 3], [1, 4, 9, 16]);
    // p = |δ| + 1e-6, P ∝ sqrt(p): 1 : 2 : 3 : 4
    const P = [0.1, 0.2, 0.3, 0.4];
    P.forEach((p, i) => {
      expect(b.probability(i)).toBeCloseTo(p, 6);
    });
    const counts = [0, 0, 0, 0];
    const n = 5000;
    for (let k = 0; k < n / 10; k++) {
      const batch = b.sample(10, { beta: 0.5 });
      const w = batch.weights.dataSync();
      const r = batch.rewards.dataSync();
      for (let j = 0; j < 10; j++) {
        const i = r[j];
        counts[i] += 1;
        // w = (N P(i))^-β / max_k (N P(k))^-β, the max at the smallest P = 0.1
        expect(w[j]).toBeCloseTo((4 * P[i]) ** -0.5 / (4 * 0.1) ** -0.5, 5);
      }
    }
    P.forEach((p, i) => {
      expect(Math.abs(counts[i] / n - p)).toBeLessThan(0.03);
    });
    // a new transition overwrites slot 0 with the largest priority seen (16)
    b.add({ observation: 9, action: 0, reward: 9, nextObservation: 9, terminated: false });
    expect(b.probability(0)).toBeCloseTo(4 / (4 + 2 + 3 + 4), 5);
  });

  it('anneals beta linearly over sample calls', () => {
    const b = make({ betaAnnealSteps: 4, betaFinal: 1 });
    expect(b.beta).toBeCloseTo(0.4, 12);
    b.sample(2);
    expect(b.beta).toBeCloseTo(0.55, 12);
    b.sample(2);
    b.sample(2);
    b.sample(2);
    expect(b.beta).toBeCloseTo(1, 12);
    b.sample(2);
    expect(b.beta).toBeCloseTo(1, 12);
  });

  it('rejects bad priorities', () => {
    const b = make();
    expect(() => b.updatePriorities([0], [1, 2])).toThrow(ValueError);
    expect(() => b.updatePriorities([7], [1])).toThrow(ValueError);
    expect(() => b.updatePriorities([0], [Number.NaN])).toThrow(ValueError);
  });
});

describe('RolloutBuffer', () => {
  function filled(): RolloutBuffer {
    const b = new RolloutBuffer({
      numSteps: 3,
      numEnvs: 2,
      observationShape: [1],
      gamma: 0.9,
      gaeLambda: 0.8,
    });
    const rewards = [1, 1, 2, 0, 3, 2];
    const values = [0.5, 0.2, 1.0, 0.4, 1.5, 0.6];
    for (let t = 0; t < 3; t++)
      b.add({
        observations: [10 * t, 10 * t + 1],
        actions: [t, 1 - (t % 2)],
        rewards: rewards.slice(2 * t, 2 * t + 2),
        terminations: [false, t === 0],
        truncations: [t === 1, false],
        truncationValues: [t === 1 ? 4 : 0, 0],
        values: values.slice(2 * t, 2 * t + 2),
        logProbs: [-t, -t - 0.5],
      });
    return b;
  }

  it('computes GAE over the stored steps (truncations bootstrap)', () => {
    const b = filled();
    expect(b.full).toBe(true);
    b.computeReturnsAndAdvantages([2, 1]);
    close(b.advantages, [4.712, 0.8, 4.6, 1.796, 3.3, 2.3]);
    close(b.returns, [5.212, 1.0, 5.6, 2.196, 4.8, 2.9]);
  });

  it('serves every sample once per epoch in shuffled minibatches', () => {
    const b = filled();
    b.computeReturnsAndAdvantages([2, 1]);
    const seen: number[] = [];
    const sizes: number[] = [];
    for (const mb of b.minibatches(4, { rng: new Rng(0) })) {
      sizes.push(mb.observations.shape[0]);
      expect(mb.observations.shape[1]).toBe(1);
      const obs = mb.observations.dataSync();
      const adv = mb.advantages.dataSync();
      const lp = mb.oldLogProbs.dataSync();
      for (let k = 0; k < obs.length; k++) {
        const flat = (obs[k] - (obs[k] % 10)) / 5 + (obs[k] % 10); // t·2 + e
        seen.push(flat);
        expect(adv[k]).toBeCloseTo(b.advantages[flat], 5);
        expect(lp[k]).toBeCloseTo(b.logProbs[flat], 6);
      }
    }
    expect(sizes).toEqual([4, 2]);
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const [all] = [...b.minibatches(6, { normalizeAdvantages: true, shuffle: false })];
    const adv = [...all.advantages.dataSync()];
    const mean = adv.reduce((a, c) => a + c, 0) / 6;
    const std = Math.sqrt(adv.reduce((a, c) => a + (c - mean) ** 2, 0) / 5);
    expect(mean).toBeCloseTo(0, 5);
    expect(std).toBeCloseTo(1, 5);
  });

  it('checks its protocol and shapes', () => {
    const b = new RolloutBuffer({ numSteps: 1, numEnvs: 2 });
    expect(() => [...b.minibatches(1)]).toThrow(ValueError);
    expect(() => b.computeReturnsAndAdvantages([0, 0])).toThrow(ValueError);
    const step = {
      observations: [0, 0],
      actions: [0, 1],
      rewards: [0, 0],
      terminations: [0, 0],
      values: [0, 0],
      logProbs: [0, 0],
    };
    expect(() => b.add({ ...step, rewards: [0] })).toThrow(ShapeError);
    b.add(step);
    expect(() => b.add(step)).toThrow(ValueError);
  });
});
