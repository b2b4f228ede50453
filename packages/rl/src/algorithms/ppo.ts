/** Proximal policy optimisation with a clipped objective (Schulman et al. 2017), CleanRL-style. */
import type { Tensor } from '@kindling/core';
import { Adam, clipGradNorm_ } from '@kindling/nn';
import { checkNumber, type TrainResult } from './common.js';
import type { ActorCriticPolicy } from './networks.js';
import { type OnPolicyConfig, OnPolicyRunner } from './on-policy.js';

/** Configuration of `ppo` (defaults: CleanRL's `ppo.py`). */
export interface PPOConfig extends OnPolicyConfig {
  /** Environments stepped together (default 4). */
  numEnvs?: number;
  /** Steps per environment per rollout (default 128). */
  numSteps?: number;
  /** Adam learning rate (default 2.5e-4). */
  learningRate?: number;
  /** Anneal the learning rate linearly to 0 over `totalTimesteps` (default true). */
  annealLr?: boolean;
  /** Discount (default 0.99). */
  gamma?: number;
  /** GAE λ (default 0.95). */
  gaeLambda?: number;
  /** Minibatches per epoch (default 4). */
  numMinibatches?: number;
  /** Passes over each rollout (default 4). */
  updateEpochs?: number;
  /** Normalise advantages per minibatch (default true). */
  normalizeAdvantages?: boolean;
  /** Ratio clip ε of the surrogate objective (default 0.2). */
  clipCoef?: number;
  /** Clip the value loss around the old values with the same ε (default true). */
  clipValueLoss?: boolean;
  /** Entropy bonus coefficient (default 0.01). */
  entCoef?: number;
  /** Value loss coefficient (default 0.5). */
  vfCoef?: number;
  /** Global gradient-norm clip (default 0.5). */
  maxGradNorm?: number;
  /** Stop the epochs of an update early once the approximate KL exceeds this (default: never). */
  targetKl?: number | null;
  /** Adam ε (default 1e-5). */
  adamEps?: number;
}

/** The inputs of `ppoLoss` for one minibatch (all `[B]` tensors). */
export interface PPOLossInput {
  /** `log π_θ(a|s)` under the current parameters (differentiable). */
  newLogProbs: Tensor;
  /** `log π_old(a|s)` recorded when the data was collected. */
  oldLogProbs: Tensor;
  /** Advantages (normalised or not). */
  advantages: Tensor;
  /** Entropies of the current policy at the states (differentiable). */
  entropy: Tensor;
  /** `V_θ(s)` under the current parameters (differentiable). */
  newValues: Tensor;
  /** Values recorded when the data was collected. */
  oldValues: Tensor;
  /** Value targets. */
  returns: Tensor;
  /** Ratio clip ε (also the value clip). */
  clipCoef: number;
  /** Clip the value loss around `oldValues`. */
  clipValueLoss: boolean;
  /** Entropy bonus coefficient. */
  entCoef: number;
  /** Value loss coefficient. */
  vfCoef: number;
}

/** What `ppoLoss` returns: the total to minimise and its parts, for logging. */
export interface PPOLossResult {
  /** Scalar to minimise: `policyLoss - entCoef * entropy + vfCoef * valueLoss` (differentiable). */
  loss: Tensor;
  /** Scalar clipped surrogate loss, `mean(max(-r A, -clip(r, 1-ε, 1+ε) A))`. */
  policyLoss: Tensor;
  /** Scalar half mean squared value error (clipped around `oldValues` with `clipValueLoss`). */
  valueLoss: Tensor;
  /** Scalar mean entropy of the current policy. */
  entropy: Tensor;
  /** `[B]` probability ratios `exp(newLogProbs - oldLogProbs)` (for approximate KL and clip fraction). */
  ratio: Tensor;
}

/**
 * The clipped PPO loss: `-min(r A, clip(r, 1-ε, 1+ε) A)` averaged, plus `vfCoef` times the
 * (optionally clipped) squared value error halved, minus `entCoef` times the mean entropy.
 */
export function ppoLoss(x: PPOLossInput): PPOLossResult {
  const logRatio = x.newLogProbs.sub(x.oldLogProbs);
  const ratio = logRatio.exp();
  const pg1 = x.advantages.neg().mul(ratio);
  const pg2 = x.advantages.neg().mul(ratio.clamp(1 - x.clipCoef, 1 + x.clipCoef));
  const policyLoss = pg1.maximum(pg2).mean();
  let valueLoss: Tensor;
  const unclipped = x.newValues.sub(x.returns).square();
  if (x.clipValueLoss) {
    const clippedV = x.oldValues.add(x.newValues.sub(x.oldValues).clamp(-x.clipCoef, x.clipCoef));
    valueLoss = unclipped.maximum(clippedV.sub(x.returns).square()).mean().mul(0.5);
  } else valueLoss = unclipped.mean().mul(0.5);
  const entropy = x.entropy.mean();
  const loss = policyLoss.sub(entropy.mul(x.entCoef)).add(valueLoss.mul(x.vfCoef));
  return { loss, policyLoss, valueLoss, entropy, ratio };
}

/**
 * Trains an actor-critic with PPO on `numEnvs` copies of `config.env` (a `SyncVectorEnv` with
 * same-step autoreset): each update collects `numSteps` steps per environment, computes GAE(λ)
 * advantages (terminations cut the bootstrap, time-limit truncations bootstrap from the value of
 * the final observation), then runs `updateEpochs` passes of `numMinibatches` shuffled minibatches
 * of the clipped surrogate loss with value clipping, an entropy bonus, advantage normalisation and
 * gradient-norm clipping (Adam, learning rate annealed linearly). Discrete (`Discrete`) and
 * continuous (1-D `Box`, a Gaussian with state-independent log-std) actions.
 *
 * `onUpdate` gets the losses, entropy, approximate KL, clip fraction, explained variance and
 * learning rate after each update; return `false` from a callback to stop.
 */
export async function ppo(config: PPOConfig): Promise<TrainResult<ActorCriticPolicy>> {
  const op = 'ppo';
  const numSteps = checkNumber(op, 'numSteps', config.numSteps ?? 128, 1, Infinity, true);
  const gamma = checkNumber(op, 'gamma', config.gamma ?? 0.99, 0, 1);
  const gaeLambda = checkNumber(op, 'gaeLambda', config.gaeLambda ?? 0.95, 0, 1);
  const lr = checkNumber(op, 'learningRate', config.learningRate ?? 2.5e-4, 0);
  const numMinibatches = checkNumber(op, 'numMinibatches', config.numMinibatches ?? 4, 1, Infinity, true);
  const epochs = checkNumber(op, 'updateEpochs', config.updateEpochs ?? 4, 1, Infinity, true);
  const clipCoef = checkNumber(op, 'clipCoef', config.clipCoef ?? 0.2, 0);
  const entCoef = checkNumber(op, 'entCoef', config.entCoef ?? 0.01, -Infinity);
  const vfCoef = checkNumber(op, 'vfCoef', config.vfCoef ?? 0.5, 0);
  const maxGradNorm = checkNumber(op, 'maxGradNorm', config.maxGradNorm ?? 0.5, 0);
  const targetKl = config.targetKl ?? null;
  if (targetKl !== null) checkNumber(op, 'targetKl', targetKl, 0);
  const runner = new OnPolicyRunner(config, op, { numEnvs: 4, numSteps, gamma, gaeLambda });
  const { policy, buffer, logger } = runner;
  const batchSize = buffer.bufferSize;
  const minibatchSize = Math.max(1, Math.floor(batchSize / numMinibatches));
  const params = [...policy.parameters()];
  const optimizer = new Adam(params, { lr, eps: config.adamEps ?? 1e-5 });
  const numUpdates = Math.ceil(config.totalTimesteps / batchSize);
  let stopped = false;
  try {
    for (let update = 0; update < numUpdates; update++) {
      const lrNow = config.annealLr === false ? lr : lr * (1 - update / numUpdates);
      optimizer.paramGroups[0].lr = lrNow;
      if (!(await runner.collect())) {
        stopped = true;
        break;
      }
      let kl = 0;
      let clipFracSum = 0;
      let clipFracCount = 0;
      let last = { loss: 0, policyLoss: 0, valueLoss: 0, entropy: 0 };
      for (let epoch = 0; epoch < epochs; epoch++) {
        for (const mb of buffer.minibatches(minibatchSize, {
          rng: runner.rng,
          normalizeAdvantages: config.normalizeAdvantages ?? true,
        })) {
          const dist = policy.distribution(mb.observations);
          const out = ppoLoss({
            newLogProbs: dist.logProb(mb.actions),
            oldLogProbs: mb.oldLogProbs,
            advantages: mb.advantages,
            entropy: dist.entropy(),
            newValues: policy.value(mb.observations),
            oldValues: mb.oldValues,
            returns: mb.returns,
            clipCoef,
            clipValueLoss: config.clipValueLoss ?? true,
            entCoef,
            vfCoef,
          });
          optimizer.zeroGrad();
          out.loss.backward();
          clipGradNorm_(params, maxGradNorm);
          optimizer.step();
          const r = out.ratio.detach().dataSync();
          let k = 0;
          for (let i = 0; i < r.length; i++) {
            k += r[i] - 1 - Math.log(r[i]); // the low-variance estimator of KL(old || new)
            if (Math.abs(r[i] - 1) > clipCoef) clipFracSum += 1;
          }
          kl = k / r.length;
          clipFracCount += r.length;
          last = {
            loss: Number(out.loss.itemSync()),
            policyLoss: Number(out.policyLoss.itemSync()),
            valueLoss: Number(out.valueLoss.itemSync()),
            entropy: Number(out.entropy.itemSync()),
          };
        }
        if (targetKl !== null && kl > targetKl) break;
      }
      await logger.update(policy, {
        ...last,
        approxKl: kl,
        clipFraction: clipFracCount > 0 ? clipFracSum / clipFracCount : 0,
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

/** `1 - Var(returns - values) / Var(returns)` (NaN when the returns are constant). */
export function explainedVariance(values: ArrayLike<number>, returns: ArrayLike<number>): number {
  const n = returns.length;
  let my = 0;
  let md = 0;
  for (let i = 0; i < n; i++) {
    my += returns[i];
    md += returns[i] - values[i];
  }
  my /= n;
  md /= n;
  let vy = 0;
  let vd = 0;
  for (let i = 0; i < n; i++) {
    vy += (returns[i] - my) ** 2;
    vd += (returns[i] - values[i] - md) ** 2;
  }
  return vy === 0 ? Number.NaN : 1 - vd / vy;
}
