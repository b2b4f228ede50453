import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noGrad } from '@kindling/autograd';
import { type Tensor, tensor, ValueError } from '@kindling/core';
import { load, type Module } from '@kindling/nn';
import { afterAll, describe, expect, it } from 'vitest';
import {
  a2c,
  type ActorCriticPolicy,
  Box,
  type Categorical,
  type DiagGaussian,
  Discrete,
  dqn,
  Env,
  evaluate,
  exponentialSchedule,
  linearSchedule,
  MlpActorCritic,
  ppo,
  ppoLoss,
  type ResetResult,
  reinforce,
  type StepResult,
  TimeLimit,
  type UpdateLog,
} from '../src/index.js';

/** One-step episodes; action 1 pays 1, action 0 pays 0. */
class BanditEnv extends Env<Float32Array, number> {
  readonly observationSpace = new Box<Float32Array>(-1, 1, { shape: [1] });
  readonly actionSpace = new Discrete(2);
  protected resetEnv(): ResetResult<Float32Array> {
    return { observation: Float32Array.of(0), info: {} };
  }
  protected stepEnv(action: number): StepResult<Float32Array> {
    return { observation: Float32Array.of(0), reward: action, terminated: true, truncated: false, info: {} };
  }
}

/** One-step episodes with a continuous action in [-2, 2]; reward −(a − 1)². */
class ContinuousBanditEnv extends Env<Float32Array, Float32Array> {
  readonly observationSpace = new Box<Float32Array>(-1, 1, { shape: [1] });
  readonly actionSpace = new Box<Float32Array>(-2, 2, { shape: [1] });
  protected resetEnv(): ResetResult<Float32Array> {
    return { observation: Float32Array.of(0), info: {} };
  }
  protected stepEnv(action: Float32Array): StepResult<Float32Array> {
    return {
      observation: Float32Array.of(0),
      reward: -((action[0] - 1) ** 2),
      terminated: true,
      truncated: false,
      info: {},
    };
  }
}

/**
 * A two-state chain with Discrete observations, where the best first move pays nothing at once:
 * in state 0, action 0 ends the episode with 0.5 and action 1 moves to state 1 (reward 0); in
 * state 1, action 0 ends with 1 and action 1 ends with 0. With γ = 0.9: Q(0,·) = [0.5, 0.9], Q(1,·) = [1, 0].
 */
class ChainEnv extends Env<number, number> {
  readonly observationSpace = new Discrete(2);
  readonly actionSpace = new Discrete(2);
  private s = 0;
  protected resetEnv(): ResetResult<number> {
    this.s = 0;
    return { observation: 0, info: {} };
  }
  protected stepEnv(action: number): StepResult<number> {
    if (this.s === 0) {
      if (action === 0) return { observation: 0, reward: 0.5, terminated: true, truncated: false, info: {} };
      this.s = 1;
      return { observation: 1, reward: 0, terminated: false, truncated: false, info: {} };
    }
    return { observation: 1, reward: action === 0 ? 1 : 0, terminated: true, truncated: false, info: {} };
  }
}

const zeroObs = () => tensor([[0]], { dtype: 'float32' });
const oneHot = (s: number) => tensor([s === 0 ? [1, 0] : [0, 1]], { dtype: 'float32' });

function probOf(policy: ActorCriticPolicy, obs: Tensor, action: number): number {
  return noGrad(() => (policy.distribution(obs) as Categorical).probs.dataSync()[action]);
}

const dir = mkdtempSync(join(tmpdir(), 'kindling-rl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('schedules', () => {
  it('linear and exponential', () => {
    const lin = linearSchedule(1, 0.1, 100);
    expect(lin(0)).toBe(1);
    expect(lin(50)).toBeCloseTo(0.55, 12);
    expect(lin(100)).toBeCloseTo(0.1, 12);
    expect(lin(1000)).toBeCloseTo(0.1, 12);
    const exp = exponentialSchedule(1, 0.1, 0.9);
    expect(exp(0)).toBe(1);
    expect(exp(2)).toBeCloseTo(0.1 + 0.9 * 0.81, 12);
    expect(exp(10_000)).toBeCloseTo(0.1, 12);
    expect(() => exponentialSchedule(1, 0, 1.5)).toThrow(ValueError);
    expect(() => linearSchedule(1, 0, -1)).toThrow(ValueError);
  });
});

describe('PPO', () => {
  it('ppoLoss clips the probability ratio and the value error', () => {
    const f = (x: number[]) => tensor(x, { dtype: 'float64' });
    const newLogProbs = f([Math.log(1.5), Math.log(0.5)]);
    newLogProbs.requiresGrad = true;
    const newValues = f([1, 3]);
    newValues.requiresGrad = true;
    const out = ppoLoss({
      newLogProbs,
      oldLogProbs: f([0, 0]),
      advantages: f([1, -1]),
      entropy: f([0.5, 0.7]),
      newValues,
      oldValues: f([0, 0]),
      returns: f([2, 2]),
      clipCoef: 0.2,
      clipValueLoss: true,
      entCoef: 0.01,
      vfCoef: 0.5,
    });
    // policy: -min(1.5·1, 1.2·1) = -1.2 and -min(0.5·-1, 0.8·-1) = 0.8; both clipped, so no gradient
    expect(Number(out.policyLoss.itemSync())).toBeCloseTo(-0.2, 12);
    // value: max((V-R)², (V_old + clip(V - V_old, ±0.2) - R)²) = max(1, 3.24) for both, halved
    expect(Number(out.valueLoss.itemSync())).toBeCloseTo(1.62, 12);
    expect(Number(out.loss.itemSync())).toBeCloseTo(-0.2 - 0.01 * 0.6 + 0.5 * 1.62, 12);
    out.loss.backward();
    expect([...(newLogProbs.grad as Tensor).dataSync()]).toEqual([0, 0]);
    expect([...(newValues.grad as Tensor).dataSync()]).toEqual([0, 0]);
    // inside the clip range the gradient is -A·ratio / B
    const lp = f([Math.log(1.1)]);
    lp.requiresGrad = true;
    const one = f([1]);
    ppoLoss({
      newLogProbs: lp,
      oldLogProbs: f([0]),
      advantages: one,
      entropy: one,
      newValues: one,
      oldValues: one,
      returns: one,
      clipCoef: 0.2,
      clipValueLoss: false,
      entCoef: 0,
      vfCoef: 0.5,
    }).loss.backward();
    expect((lp.grad as Tensor).dataSync()[0]).toBeCloseTo(-1.1, 12);
  });

  it('learns a two-armed bandit, logs each update, checkpoints', async () => {
    const logs: UpdateLog[] = [];
    const result = await ppo({
      env: () => new BanditEnv(),
      seed: 0,
      totalTimesteps: 640,
      numEnvs: 4,
      numSteps: 8,
      updateEpochs: 2,
      numMinibatches: 2,
      learningRate: 0.01,
      onUpdate: (log) => {
        logs.push(log);
      },
      checkpoint: { path: join(dir, 'ppo-{update}.safetensors'), every: 10 },
    });
    expect(result.steps).toBe(640);
    expect(result.updates).toBe(20);
    expect(logs).toHaveLength(20);
    expect(Object.keys(logs[0].metrics)).toEqual(
      expect.arrayContaining([
        'policyLoss',
        'valueLoss',
        'entropy',
        'approxKl',
        'clipFraction',
        'learningRate',
      ]),
    );
    expect(logs[19].metrics.learningRate).toBeLessThan(0.01);
    expect(result.episodes).toHaveLength(640);
    expect(probOf(result.model, zeroObs(), 1)).toBeGreaterThan(0.9);
    expect(logs[19].meanReturn).toBeGreaterThan(0.8);
    // checkpoints at updates 10 and 20 (and the final save), loadable into the same architecture
    expect(
      readdirSync(dir)
        .filter((f) => f.startsWith('ppo-'))
        .sort(),
    ).toEqual(['ppo-10.safetensors', 'ppo-20.safetensors']);
    const restored = new MlpActorCritic(1, { type: 'discrete', n: 2 });
    restored.loadStateDict(await load(join(dir, 'ppo-20.safetensors')));
    expect(probOf(restored, zeroObs(), 1)).toBeCloseTo(probOf(result.model, zeroObs(), 1), 6);
  });

  it('learns a continuous bandit with a state-independent log-std (actions clipped to the box)', async () => {
    const result = await ppo({
      env: () => new ContinuousBanditEnv(),
      seed: 1,
      totalTimesteps: 2048,
      numEnvs: 4,
      numSteps: 16,
      updateEpochs: 4,
      numMinibatches: 2,
      learningRate: 0.01,
      entCoef: 0,
    });
    const policy = result.model as MlpActorCritic;
    const d = noGrad(() => policy.distribution(zeroObs())) as DiagGaussian;
    expect(Math.abs(d.mean.dataSync()[0] - 1)).toBeLessThan(0.25);
    expect(policy.logStd?.dataSync()[0]).toBeLessThan(-0.3); // it became more certain
    const recent = result.episodes.slice(-64).reduce((a, e) => a + e.return, 0) / 64;
    expect(recent).toBeGreaterThan(-0.6);
  });

  it('stops when a callback returns false, and validates its config', async () => {
    const result = await ppo({
      env: () => new BanditEnv(),
      seed: 0,
      totalTimesteps: 10_000,
      numEnvs: 2,
      numSteps: 4,
      onEpisode: (ep) => (ep.step >= 6 ? false : undefined),
    });
    expect(result.stoppedEarly).toBe(true);
    expect(result.steps).toBe(6);
    expect(result.updates).toBe(0); // the unfinished rollout is not learned from
    await expect(ppo({ env: () => new BanditEnv(), totalTimesteps: 0 })).rejects.toThrow(ValueError);
    await expect(ppo({ env: () => new BanditEnv(), totalTimesteps: 10, clipCoef: -1 })).rejects.toThrow(
      ValueError,
    );
  });
});

describe('MlpActorCritic', () => {
  it('keeps a bounded Gaussian mean inside the box, and has PyTorch-style state-dict keys', () => {
    const net = new MlpActorCritic(
      2,
      { type: 'continuous', dim: 2 },
      { meanBounds: { low: [-2, 0], high: [2, 1] } },
    );
    for (const p of net.actor.parameters()) noGrad(() => p.fill_(3)); // drive the pre-tanh output far out
    const d = noGrad(() =>
      net.distribution(
        tensor(
          [
            [5, -5],
            [-5, 5],
          ],
          { dtype: 'float32' },
        ),
      ),
    ) as DiagGaussian;
    const m = [...d.mean.dataSync()];
    expect(m[0]).toBeLessThanOrEqual(2);
    expect(m[0]).toBeGreaterThan(1.99);
    expect(m[1]).toBeLessThanOrEqual(1);
    expect(m[1]).toBeGreaterThan(0.99);
    expect(Object.keys(net.stateDict())).toEqual([
      'logStd', // own parameters first, as PyTorch's state_dict
      'actor.0.weight',
      'actor.0.bias',
      'actor.2.weight',
      'actor.2.bias',
      'actor.4.weight',
      'actor.4.bias',
      'critic.0.weight',
      'critic.0.bias',
      'critic.2.weight',
      'critic.2.bias',
      'critic.4.weight',
      'critic.4.bias',
    ]);
    expect(
      () => new MlpActorCritic(2, { type: 'discrete', n: 2 }, { meanBounds: { low: [0], high: [1] } }),
    ).toThrow(ValueError);
  });
});

describe('A2C', () => {
  it('learns a two-armed bandit', async () => {
    const result = await a2c({
      env: () => new BanditEnv(),
      seed: 2,
      totalTimesteps: 1200,
      numEnvs: 8,
      numSteps: 5,
      learningRate: 0.01,
    });
    expect(result.updates).toBe(30);
    expect(probOf(result.model, zeroObs(), 1)).toBeGreaterThan(0.9);
  });
});

describe('REINFORCE', () => {
  it('learns the chain (credit for a delayed reward), with Discrete observations', async () => {
    const result = await reinforce({
      env: () => new ChainEnv(),
      seed: 3,
      totalTimesteps: 1200,
      episodesPerUpdate: 8,
      learningRate: 0.02,
      gamma: 0.9,
    });
    expect(probOf(result.model, oneHot(0), 1)).toBeGreaterThan(0.85);
    expect(probOf(result.model, oneHot(1), 0)).toBeGreaterThan(0.85);
    const ev = evaluate(result.model, () => new ChainEnv(), { episodes: 3 });
    expect(ev.returns).toEqual([1, 1, 1]);
  });

  it('bootstraps time-limit truncations from the baseline', async () => {
    // An endless task paying 1 per step, cut at 5 steps: with the bootstrap the value targets
    // converge towards 1 / (1 - γ) = 2, not to the truncated sums (at most 1.9375).
    class Endless extends Env<Float32Array, number> {
      readonly observationSpace = new Box<Float32Array>(-1, 1, { shape: [1] });
      readonly actionSpace = new Discrete(2);
      protected resetEnv(): ResetResult<Float32Array> {
        return { observation: Float32Array.of(0), info: {} };
      }
      protected stepEnv(): StepResult<Float32Array> {
        return { observation: Float32Array.of(0), reward: 1, terminated: false, truncated: false, info: {} };
      }
    }
    const result = await reinforce({
      env: () => new TimeLimit(new Endless(), 5),
      seed: 4,
      totalTimesteps: 1500,
      gamma: 0.5,
      learningRate: 0.01,
      vfCoef: 1,
    });
    const v = noGrad(() => result.model.value(zeroObs()).dataSync()[0]);
    expect(v).toBeGreaterThan(1.96);
    expect(v).toBeLessThan(2.1);
  });
});

describe('DQN', () => {
  const base = {
    env: () => new ChainEnv(),
    totalTimesteps: 1000,
    learningRate: 0.01,
    gamma: 0.9,
    bufferSize: 1000,
    batchSize: 32,
    learningStarts: 100,
    trainFrequency: 2,
    targetNetworkFrequency: 50,
    epsilon: linearSchedule(1, 0.1, 400),
    networkOptions: { hiddenSizes: [32] },
  };

  function qValues(model: Module, s: number): number[] {
    return noGrad(() => [...(model.call(oneHot(s)) as Tensor).dataSync()]);
  }

  it.each([
    { name: 'double DQN, uniform replay', doubleDqn: true, prioritized: false, seed: 5 },
    { name: 'DQN, prioritized replay', doubleDqn: false, prioritized: true, seed: 6 },
  ])('$name learns the chain Q-values', async ({ doubleDqn, prioritized, seed }) => {
    const logs: UpdateLog[] = [];
    const result = await dqn({ ...base, seed, doubleDqn, prioritized, onUpdate: (l) => void logs.push(l) });
    const q0 = qValues(result.model, 0);
    const q1 = qValues(result.model, 1);
    expect(Math.abs(q0[0] - 0.5)).toBeLessThan(0.15);
    expect(Math.abs(q0[1] - 0.9)).toBeLessThan(0.15);
    expect(Math.abs(q1[0] - 1)).toBeLessThan(0.15);
    expect(Math.abs(q1[1] - 0)).toBeLessThan(0.15);
    expect(evaluate(result.model, () => new ChainEnv(), { episodes: 2 }).mean).toBe(1);
    expect(logs.at(-1)?.metrics.epsilon).toBeCloseTo(0.1, 12);
    if (prioritized) expect(logs.at(-1)?.metrics.beta).toBeGreaterThan(0.95);
  });

  it('refuses continuous action spaces', async () => {
    await expect(dqn({ env: () => new ContinuousBanditEnv(), totalTimesteps: 10 })).rejects.toThrow(
      ValueError,
    );
  });
});
