/** Advantage actor-critic (synchronous A3C, Mnih et al. 2016), as Stable-Baselines3's A2C. */
import { Adam, clipGradNorm_, mseLoss, type Optimizer, RMSprop } from '@kindling/nn';
import { ValueError } from '@kindling/core';
import { checkNumber, type TrainResult } from './common.js';
import type { ActorCriticPolicy } from './networks.js';
import { type OnPolicyConfig, OnPolicyRunner } from './on-policy.js';
import { explainedVariance } from './ppo.js';

/** Configuration of `a2c` (defaults: Stable-Baselines3's A2C). */
export interface A2CConfig extends OnPolicyConfig {
  /** Environments stepped together (default 8). */
  numEnvs?: number;
  /** Steps per environment per update (default 5). */
  numSteps?: number;
  /** Learning rate (default 7e-4). */
  learningRate?: number;
  /** Anneal the learning rate linearly to 0 (default false). */
  annealLr?: boolean;
  /** Discount (default 0.99). */
  gamma?: number;
  /** GAE λ (default 1: n-step returns). */
  gaeLambda?: number;
  /** Entropy bonus coefficient (default 0). */
  entCoef?: number;
  /** Value loss coefficient (default 0.5). */
  vfCoef?: number;
  /** Global gradient-norm clip (default 0.5). */
  maxGradNorm?: number;
  /** Normalise the advantages of each update (default false). */
  normalizeAdvantages?: boolean;
  /** `rmsprop` (default, α 0.99, ε 1e-5) or `adam`. */
  optimizer?: 'rmsprop' | 'adam';
}

/**
 * Trains an actor-critic with A2C on `numEnvs` copies of `config.env`: every `numSteps` steps per
 * environment, one gradient step on `-mean(log π(a|s) · A) + vfCoef · MSE(V, R) - entCoef ·
 * entropy`, with GAE(λ) advantages (λ = 1 gives the classic n-step returns; truncated episodes
 * bootstrap from the value of their final observation).
 */
export async function a2c(config: A2CConfig): Promise<TrainResult<ActorCriticPolicy>> {
  const op = 'a2c';
  const numSteps = checkNumber(op, 'numSteps', config.numSteps ?? 5, 1, Infinity, true);
  const gamma = checkNumber(op, 'gamma', config.gamma ?? 0.99, 0, 1);
  const gaeLambda = checkNumber(op, 'gaeLambda', config.gaeLambda ?? 1, 0, 1);
  const lr = checkNumber(op, 'learningRate', config.learningRate ?? 7e-4, 0);
  const entCoef = checkNumber(op, 'entCoef', config.entCoef ?? 0, -Infinity);
  const vfCoef = checkNumber(op, 'vfCoef', config.vfCoef ?? 0.5, 0);
  const maxGradNorm = checkNumber(op, 'maxGradNorm', config.maxGradNorm ?? 0.5, 0);
  const kind = config.optimizer ?? 'rmsprop';
  if (kind !== 'rmsprop' && kind !== 'adam')
    throw new ValueError(`a2c: optimizer must be 'rmsprop' or 'adam', got ${String(kind)}`);
  const runner = new OnPolicyRunner(config, op, { numEnvs: 8, numSteps, gamma, gaeLambda });
  const { policy, buffer, logger } = runner;
  const params = [...policy.parameters()];
  const optimizer: Optimizer =
    kind === 'rmsprop' ? new RMSprop(params, { lr, alpha: 0.99, eps: 1e-5 }) : new Adam(params, { lr });
  const numUpdates = Math.ceil(config.totalTimesteps / buffer.bufferSize);
  const all = Int32Array.from({ length: buffer.bufferSize }, (_, i) => i);
  let stopped = false;
  try {
    for (let update = 0; update < numUpdates; update++) {
      const lrNow = config.annealLr ? lr * (1 - update / numUpdates) : lr;
      optimizer.paramGroups[0].lr = lrNow;
      if (!(await runner.collect())) {
        stopped = true;
        break;
      }
      const b = buffer.batch(all, config.normalizeAdvantages ?? false);
      const dist = policy.distribution(b.observations);
      const logProbs = dist.logProb(b.actions);
      const entropy = dist.entropy().mean();
      const policyLoss = logProbs.mul(b.advantages).mean().neg();
      const valueLoss = mseLoss(policy.value(b.observations), b.returns);
      const loss = policyLoss.sub(entropy.mul(entCoef)).add(valueLoss.mul(vfCoef));
      optimizer.zeroGrad();
      loss.backward();
      clipGradNorm_(params, maxGradNorm);
      optimizer.step();
      await logger.update(policy, {
        loss: Number(loss.itemSync()),
        policyLoss: Number(policyLoss.itemSync()),
        valueLoss: Number(valueLoss.itemSync()),
        entropy: Number(entropy.itemSync()),
        explainedVariance: explainedVariance(buffer.values, buffer.returns),
        learningRate: lrNow,
      });
      if (logger.stopRequested) {
        stopped = true;
        break;
      }
    }
  } finally {
    runner.close();
  }
  return logger.finish(policy, stopped);
}
