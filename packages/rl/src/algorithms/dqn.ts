/** Deep Q-learning (Mnih et al. 2015) with target network, double DQN and prioritized replay options. */
import { noGrad } from '@kindling/autograd';
import { argmax, gather, manualSeed, type Tensor, tensor, ValueError } from '@kindling/core';
import { Adam, clipGradNorm_, huberLoss, type Module, mseLoss } from '@kindling/nn';
import {
  PrioritizedReplayBuffer,
  type PrioritizedReplayBufferOptions,
} from '../buffers/prioritized-replay-buffer.js';
import { ReplayBuffer } from '../buffers/replay-buffer.js';
import type { Env } from '../core/env.js';
import { Discrete } from '../spaces/discrete.js';
import { Rng } from '../utils/rng.js';
import {
  buildEnv,
  type Callbacks,
  checkNumber,
  type EnvSource,
  FeatureEncoder,
  RunLogger,
  type TrainResult,
} from './common.js';
import { QNetwork, type QNetworkOptions } from './networks.js';
import { linearSchedule, type Schedule } from './schedules.js';

/** Configuration of `dqn` (defaults: CleanRL's `dqn.py`, except the tighter target update). */
export interface DQNConfig extends Callbacks {
  /** The environment (a `Discrete` action space): a registered id or a factory. */
  env: EnvSource;
  /** Environment steps to train for. */
  totalTimesteps: number;
  /** Seed of the network initialisation, exploration, replay sampling and the environment. */
  seed?: number;
  /**
   * Builds the Q-network, a module mapping `[B, features]` to `[B, actions]` (default `QNetwork`
   * with `networkOptions`). Called twice: the second instance is the target network.
   */
  qNetwork?: (inputSize: number, numActions: number) => Module;
  /** Options of the default `QNetwork`. */
  networkOptions?: QNetworkOptions;
  /** Adam learning rate (default 2.5e-4). */
  learningRate?: number;
  /** Replay capacity (default 10,000). */
  bufferSize?: number;
  /** Discount (default 0.99). */
  gamma?: number;
  /** Target network update: 1 copies the online weights, < 1 is Polyak averaging `τ θ + (1 - τ) θ'` (default 1). */
  tau?: number;
  /** Environment steps between target updates (default 500). */
  targetNetworkFrequency?: number;
  /** Minibatch size (default 128). */
  batchSize?: number;
  /** Exploration rate as a function of the step (default linear from 1 to 0.05 over half the run). */
  epsilon?: Schedule;
  /** Steps of random actions before learning starts (default 10,000). */
  learningStarts?: number;
  /** Environment steps between gradient updates (default 10). */
  trainFrequency?: number;
  /** Gradient steps per update (default 1). */
  gradientSteps?: number;
  /** Use the online network to pick the next action and the target network to value it (van Hasselt et al. 2016; default true). */
  doubleDqn?: boolean;
  /** `huber` (default, smooth L1 with δ = 1) or `mse`. */
  loss?: 'huber' | 'mse';
  /** Global gradient-norm clip (default 10; null for none). */
  maxGradNorm?: number | null;
  /** Prioritized replay (default off): `true`, or its α / β / annealing options (β is annealed to 1 over the run by default). */
  prioritized?: boolean | Pick<PrioritizedReplayBufferOptions, 'alpha' | 'beta' | 'epsilon'>;
}

function copyInto(dst: Module, src: Module, tau: number): void {
  noGrad(() => {
    const s = [...src.parameters()];
    const d = [...dst.parameters()];
    d.forEach((p, i) => {
      if (tau >= 1) p.copy_(s[i]);
      else p.mul_(1 - tau).add_(s[i].mul(tau));
    });
  });
}

/**
 * Trains a Q-network with DQN on one environment with discrete actions: ε-greedy exploration
 * (`epsilon` schedule), a replay buffer (uniform, or prioritized with importance weights), a
 * target network updated every `targetNetworkFrequency` steps, double-DQN targets
 * `r + γ (1 - terminated) Q'(s', argmax_a Q(s', a))` (or `max_a Q'(s', a)`), the Huber loss and
 * gradient-norm clipping. Truncated transitions keep their bootstrap (only termination ends the
 * target). `onUpdate` runs after each gradient update with the loss, mean Q, ε and β.
 */
export async function dqn(config: DQNConfig): Promise<TrainResult<Module>> {
  const op = 'dqn';
  const total = checkNumber(op, 'totalTimesteps', config.totalTimesteps, 1, Infinity, true);
  const lr = checkNumber(op, 'learningRate', config.learningRate ?? 2.5e-4, 0);
  const capacity = checkNumber(op, 'bufferSize', config.bufferSize ?? 10_000, 1, Infinity, true);
  const gamma = checkNumber(op, 'gamma', config.gamma ?? 0.99, 0, 1);
  const tau = checkNumber(op, 'tau', config.tau ?? 1, 0, 1);
  const targetFreq = checkNumber(
    op,
    'targetNetworkFrequency',
    config.targetNetworkFrequency ?? 500,
    1,
    Infinity,
    true,
  );
  const batchSize = checkNumber(op, 'batchSize', config.batchSize ?? 128, 1, Infinity, true);
  const learningStarts = checkNumber(
    op,
    'learningStarts',
    config.learningStarts ?? 10_000,
    0,
    Infinity,
    true,
  );
  const trainFreq = checkNumber(op, 'trainFrequency', config.trainFrequency ?? 10, 1, Infinity, true);
  const gradientSteps = checkNumber(op, 'gradientSteps', config.gradientSteps ?? 1, 1, Infinity, true);
  const maxGradNorm = config.maxGradNorm === undefined ? 10 : config.maxGradNorm;
  if (maxGradNorm !== null) checkNumber(op, 'maxGradNorm', maxGradNorm, 0);
  const lossKind = config.loss ?? 'huber';
  if (lossKind !== 'huber' && lossKind !== 'mse')
    throw new ValueError(`${op}: loss must be 'huber' or 'mse', got ${String(lossKind)}`);
  const epsilon = config.epsilon ?? linearSchedule(1, 0.05, 0.5 * total);
  if (typeof epsilon !== 'function') throw new ValueError(`${op}: epsilon must be a schedule function`);
  const seed = config.seed;
  if (seed !== undefined) {
    checkNumber(op, 'seed', seed, 0, Number.MAX_SAFE_INTEGER, true);
    manualSeed(seed);
  }
  const env: Env<any, any> = buildEnv(config.env, op);
  const space = env.actionSpace;
  if (!(space instanceof Discrete))
    throw new ValueError(`${op}: DQN needs a Discrete action space, got ${space.toString()}`);
  const numActions = space.n;
  const encoder = new FeatureEncoder(env.observationSpace, op);
  const makeNet = (): Module => {
    const f = config.qNetwork;
    if (f === undefined) return new QNetwork(encoder.size, numActions, config.networkOptions);
    if (typeof f !== 'function')
      throw new ValueError(`${op}: qNetwork must be a function (inputSize, numActions) => Module`);
    return f(encoder.size, numActions);
  };
  const qNet = makeNet();
  const targetNet = makeNet();
  const shapes = (m: Module) => [...m.parameters()].map((p) => p.shape.join('x')).join(',');
  if (targetNet === qNet || shapes(targetNet) !== shapes(qNet))
    throw new ValueError(`${op}: qNetwork must build a new module of the same architecture on each call`);
  copyInto(targetNet, qNet, 1);
  targetNet.eval();
  const pri = config.prioritized;
  const bufferOptions = {
    capacity,
    observationShape: [encoder.size],
    seed: seed === undefined ? undefined : seed + 1,
  };
  const gradientUpdates = Math.max(1, Math.ceil((total - learningStarts) / trainFreq) * gradientSteps);
  const buffer = pri
    ? new PrioritizedReplayBuffer({
        ...bufferOptions,
        ...(typeof pri === 'object' ? pri : {}),
        betaAnnealSteps: gradientUpdates,
      })
    : new ReplayBuffer(bufferOptions);
  const rng = new Rng(seed === undefined ? undefined : seed + 2);
  const params = [...qNet.parameters()];
  const optimizer = new Adam(params, { lr });
  const logger = new RunLogger(op, config, 1);
  const doubleDqn = config.doubleDqn ?? true;
  const q = (x: Tensor): Tensor => qNet.call(x) as Tensor;
  let stopped = false;
  try {
    let { observation } = env.reset(seed === undefined ? {} : { seed });
    let feats = encoder.single(observation);
    for (let step = 0; step < total; step++) {
      const eps = epsilon(step);
      let action: number;
      if (rng.next() < eps) action = rng.integers(0, numActions);
      else
        action = noGrad(() => Number(argmax(q(tensor(feats).reshape([1, encoder.size])), -1).dataSync()[0]));
      const r = env.step(action + space.start);
      logger.steps += 1;
      const nextFeats = encoder.single(r.observation);
      buffer.add({
        observation: feats,
        action,
        reward: r.reward,
        nextObservation: nextFeats,
        terminated: r.terminated,
      });
      const done = r.terminated || r.truncated;
      await logger.record(0, r.reward, done, done ? r.info : undefined);
      if (logger.stopRequested) {
        stopped = true;
        break;
      }
      if (done) {
        observation = env.reset().observation;
        feats = encoder.single(observation);
      } else feats = nextFeats;

      if (step >= learningStarts && (step - learningStarts) % trainFreq === 0) {
        let lossValue = 0;
        let qMean = 0;
        for (let g = 0; g < gradientSteps; g++) {
          const batch = buffer.sample(batchSize);
          const target = noGrad(() => {
            const nextQ = targetNet.call(batch.nextObservations) as Tensor;
            let best: Tensor;
            if (doubleDqn) {
              const a = argmax(q(batch.nextObservations), -1, { keepdim: true });
              best = gather(nextQ, 1, a).squeeze(-1);
            } else best = nextQ.amax(-1);
            return batch.rewards.add(best.mul(batch.terminations.neg().add(1)).mul(gamma));
          });
          const qa = gather(q(batch.observations), 1, batch.actions.unsqueeze(-1)).squeeze(-1);
          const perSample =
            lossKind === 'huber'
              ? huberLoss(qa, target, { reduction: 'none' })
              : mseLoss(qa, target, { reduction: 'none' });
          const loss = perSample.mul(batch.weights).mean();
          optimizer.zeroGrad();
          loss.backward();
          if (maxGradNorm !== null) clipGradNorm_(params, maxGradNorm);
          optimizer.step();
          if (buffer instanceof PrioritizedReplayBuffer)
            buffer.updatePriorities(batch.indices, qa.detach().sub(target));
          lossValue = Number(loss.itemSync());
          qMean = Number(qa.detach().mean().itemSync());
        }
        await logger.update(qNet, {
          loss: lossValue,
          qMean,
          epsilon: eps,
          ...(buffer instanceof PrioritizedReplayBuffer ? { beta: buffer.beta } : {}),
        });
        if (logger.stopRequested) {
          stopped = true;
          break;
        }
      }
      if ((step + 1) % targetFreq === 0) copyInto(targetNet, qNet, tau);
    }
  } finally {
    env.close();
  }
  return logger.finish(qNet, stopped);
}
