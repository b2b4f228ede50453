/** Runs a trained policy or Q-network for a few episodes and reports the returns. */
import { noGrad } from '@kindling/autograd';
import { argmax, Generator, type Tensor, tensor, ValueError } from '@kindling/core';
import type { Module } from '@kindling/nn';
import { Env } from '../core/env.js';
import { actionAdapter, buildEnv, checkNumber, type EnvSource, FeatureEncoder } from './common.js';
import type { ActorCriticPolicy } from './networks.js';

/** Options of `evaluate`. */
export interface EvaluateOptions {
  /** Episodes to run (default 10). */
  episodes?: number;
  /** Act with the distribution's mode (default true); otherwise sample (policies only). */
  deterministic?: boolean;
  /** Seed of the first reset (later resets continue the stream) and of the sampling. */
  seed?: number;
  /** Clip continuous actions into the action space (default true). */
  clipActions?: boolean;
}

/** Returns and lengths of the evaluation episodes. */
export interface EvaluateResult {
  /** Each episode's return. */
  returns: number[];
  /** Each episode's length. */
  lengths: number[];
  /** Mean return. */
  mean: number;
  /** Standard deviation of the returns (population). */
  std: number;
}

function isPolicy(m: unknown): m is ActorCriticPolicy {
  return typeof (m as ActorCriticPolicy).distribution === 'function';
}

/**
 * Plays `episodes` episodes of `env` (an id, a factory, or an environment, which is reset but not
 * closed) with `model`: an actor-critic policy (its mode by default) or a Q-network (greedy).
 * The environment should apply the same observation wrappers as in training.
 */
export function evaluate(
  model: ActorCriticPolicy | Module,
  env: EnvSource | Env<any, any>,
  options: EvaluateOptions = {},
): EvaluateResult {
  const op = 'evaluate';
  const episodes = checkNumber(op, 'episodes', options.episodes ?? 10, 1, Infinity, true);
  const e = env instanceof Env ? env : buildEnv(env, op);
  const encoder = new FeatureEncoder(e.observationSpace, op);
  const adapter = actionAdapter(e.actionSpace, options.clipActions ?? true, op);
  const deterministic = options.deterministic ?? true;
  const generator = options.seed === undefined ? new Generator() : new Generator(options.seed);
  if (options.seed === undefined) generator.seed();
  if (typeof (model as Module).forward !== 'function')
    throw new ValueError(`${op}: expected a policy or a Q-network`);
  const act = (x: Tensor): Int32Array | Float32Array =>
    noGrad(() => {
      if (isPolicy(model)) {
        const d = model.distribution(x);
        return (deterministic ? d.mode() : d.sample({ generator })).dataSync() as Int32Array | Float32Array;
      }
      return argmax((model as Module).call(x) as Tensor, -1).dataSync() as Int32Array;
    });
  const returns: number[] = [];
  const lengths: number[] = [];
  try {
    for (let k = 0; k < episodes; k++) {
      let { observation } = e.reset(k === 0 && options.seed !== undefined ? { seed: options.seed } : {});
      let ret = 0;
      let len = 0;
      for (;;) {
        const a = act(tensor(encoder.single(observation)).reshape([1, encoder.size]));
        const envAction = adapter.toEnv(a, 1);
        const r = e.step(adapter.head.type === 'discrete' ? envAction[0] : envAction);
        ret += r.reward;
        len += 1;
        if (r.terminated || r.truncated) break;
        observation = r.observation;
      }
      returns.push(ret);
      lengths.push(len);
    }
  } finally {
    if (!(env instanceof Env)) e.close();
  }
  const mean = returns.reduce((a, b) => a + b, 0) / episodes;
  const std = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / episodes);
  return { returns, lengths, mean, std };
}
