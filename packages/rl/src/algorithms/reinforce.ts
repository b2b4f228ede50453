/** REINFORCE (Williams 1992) with a learned state-value baseline. */
import { noGrad } from '@kindling/autograd';
import { Generator, manualSeed, type Tensor, tensor, ValueError } from '@kindling/core';
import { Adam, clipGradNorm_, mseLoss } from '@kindling/nn';
import { discountedReturns } from '../buffers/gae.js';
import type { Env } from '../core/env.js';
import {
  actionAdapter,
  buildEnv,
  checkNumber,
  FeatureEncoder,
  RunLogger,
  type TrainResult,
} from './common.js';
import { type ActorCriticPolicy, MlpActorCritic } from './networks.js';
import { type OnPolicyConfig, wrappedSource } from './on-policy.js';

/** Configuration of `reinforce`. */
export interface ReinforceConfig extends Omit<OnPolicyConfig, 'numEnvs'> {
  /** Complete episodes per gradient step (default 4). */
  episodesPerUpdate?: number;
  /** Adam learning rate (default 1e-3). */
  learningRate?: number;
  /** Discount (default 0.99). */
  gamma?: number;
  /** Subtract a learned `V(s)` from the returns (default true). */
  baseline?: boolean;
  /** Weight of the baseline's squared error (default 0.5). */
  vfCoef?: number;
  /** Entropy bonus coefficient (default 0). */
  entCoef?: number;
  /** Normalise the advantages of each update to zero mean and unit std (default true). */
  normalizeAdvantages?: boolean;
  /** Global gradient-norm clip (default: none). */
  maxGradNorm?: number | null;
  /**
   * When a time limit truncates an episode, add `γ^k V(final observation)` to its returns
   * (default true; needs `baseline`). Otherwise truncations count as the end of the return.
   */
  bootstrapTruncated?: boolean;
}

/**
 * Trains a policy with REINFORCE on one environment: play `episodesPerUpdate` whole episodes,
 * compute each step's discounted return-to-go `G_t`, and take one Adam step on
 * `-mean(log π(a_t|s_t) · (G_t - V(s_t))) + vfCoef · MSE(V(s_t), G_t) - entCoef · entropy`. The
 * baseline `V` is the policy's critic (the `MlpActorCritic` default); without `baseline` the
 * advantage is `G_t` itself. The budget `totalTimesteps` is checked between episodes.
 */
export async function reinforce(config: ReinforceConfig): Promise<TrainResult<ActorCriticPolicy>> {
  const op = 'reinforce';
  checkNumber(op, 'totalTimesteps', config.totalTimesteps, 1, Infinity, true);
  const perUpdate = checkNumber(op, 'episodesPerUpdate', config.episodesPerUpdate ?? 4, 1, Infinity, true);
  const gamma = checkNumber(op, 'gamma', config.gamma ?? 0.99, 0, 1);
  const lr = checkNumber(op, 'learningRate', config.learningRate ?? 1e-3, 0);
  const vfCoef = checkNumber(op, 'vfCoef', config.vfCoef ?? 0.5, 0);
  const entCoef = checkNumber(op, 'entCoef', config.entCoef ?? 0, -Infinity);
  const maxGradNorm = config.maxGradNorm ?? null;
  if (maxGradNorm !== null) checkNumber(op, 'maxGradNorm', maxGradNorm, 0);
  const useBaseline = config.baseline ?? true;
  const bootstrap = useBaseline && (config.bootstrapTruncated ?? true);
  const seed = config.seed;
  if (seed !== undefined) {
    checkNumber(op, 'seed', seed, 0, Number.MAX_SAFE_INTEGER, true);
    manualSeed(seed);
  }
  const env: Env<any, any> = buildEnv(wrappedSource(config as OnPolicyConfig, gamma, op), op);
  const encoder = new FeatureEncoder(env.observationSpace, op);
  const adapter = actionAdapter(env.actionSpace, config.clipActions ?? true, op);
  const p = config.policy;
  const policy: ActorCriticPolicy =
    p === undefined
      ? new MlpActorCritic(encoder.size, adapter.head, config.policyOptions)
      : typeof p === 'function'
        ? p(encoder.size, adapter.head)
        : p;
  if (typeof policy?.distribution !== 'function' || typeof policy?.value !== 'function')
    throw new ValueError(`${op}: policy must have distribution(obs) and value(obs) methods`);
  const generator = seed === undefined ? new Generator() : new Generator(seed + 1);
  if (seed === undefined) generator.seed();
  const params = [...policy.parameters()];
  const optimizer = new Adam(params, { lr });
  const logger = new RunLogger(op, config, 1);
  const continuous = adapter.head.type === 'continuous';
  const actSize = adapter.head.type === 'continuous' ? adapter.head.dim : 1;
  const act = (x: Float32Array): Int32Array | Float32Array =>
    noGrad(() => {
      const dist = policy.distribution(tensor(x).reshape([1, encoder.size]));
      return dist.sample({ generator }).dataSync() as Int32Array | Float32Array;
    });
  let first = true;
  let stopped = false;
  try {
    while (logger.steps < config.totalTimesteps && !stopped) {
      const feats: number[] = [];
      const actions: number[] = [];
      const returns: number[] = [];
      for (let e = 0; e < perUpdate; e++) {
        let { observation } = env.reset(first && seed !== undefined ? { seed } : {});
        first = false;
        const rewards: number[] = [];
        let bootstrapValue = 0;
        for (;;) {
          const x = encoder.single(observation);
          const a = act(x);
          const r = env.step(continuous ? adapter.toEnv(a, 1) : adapter.toEnv(a, 1)[0]);
          for (const v of x) feats.push(v);
          for (let k = 0; k < actSize; k++) actions.push(a[k]);
          rewards.push(r.reward);
          logger.steps += 1;
          const done = r.terminated || r.truncated;
          await logger.record(0, r.reward, done, done ? r.info : undefined);
          if (done) {
            if (r.truncated && !r.terminated && bootstrap)
              bootstrapValue = noGrad(() =>
                Number(
                  policy.value(tensor(encoder.single(r.observation)).reshape([1, encoder.size])).itemSync(),
                ),
              );
            break;
          }
          observation = r.observation;
        }
        for (const g of discountedReturns(rewards, gamma, { bootstrapValue })) returns.push(g);
        if (logger.stopRequested) {
          stopped = true;
          break;
        }
      }
      if (stopped) break;
      const T = returns.length;
      const obs = tensor(Float32Array.from(feats)).reshape([T, encoder.size]);
      const acts: Tensor = continuous
        ? tensor(Float32Array.from(actions)).reshape([T, actSize])
        : tensor(Int32Array.from(actions), { dtype: 'int32' });
      const G = tensor(Float32Array.from(returns));
      const dist = policy.distribution(obs);
      const logProbs = dist.logProb(acts);
      const values = useBaseline ? policy.value(obs) : null;
      let adv = values ? G.sub(values.detach()) : G;
      if ((config.normalizeAdvantages ?? true) && T > 1) adv = adv.sub(adv.mean()).div(adv.std().add(1e-8));
      const policyLoss = logProbs.mul(adv).mean().neg();
      const entropy = dist.entropy().mean();
      let loss = policyLoss.sub(entropy.mul(entCoef));
      const valueLoss = values ? mseLoss(values, G) : null;
      if (valueLoss) loss = loss.add(valueLoss.mul(vfCoef));
      optimizer.zeroGrad();
      loss.backward();
      if (maxGradNorm !== null) clipGradNorm_(params, maxGradNorm);
      optimizer.step();
      await logger.update(policy, {
        loss: Number(loss.itemSync()),
        policyLoss: Number(policyLoss.itemSync()),
        valueLoss: valueLoss ? Number(valueLoss.itemSync()) : 0,
        entropy: Number(entropy.itemSync()),
        learningRate: lr,
      });
      if (logger.stopRequested) stopped = true;
    }
  } finally {
    env.close();
  }
  return logger.finish(policy, stopped);
}
