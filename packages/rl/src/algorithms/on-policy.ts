/** The rollout machinery PPO and A2C share: vector envs, policy stepping, GAE bootstrap values. @internal */
import { noGrad } from '@kindling/autograd';
import { Generator, manualSeed, type Tensor, tensor, ValueError } from '@kindling/core';
import type { Env, Info } from '../core/env.js';
import { Wrapper } from '../core/wrapper.js';
import { RolloutBuffer } from '../buffers/rollout-buffer.js';
import { Rng } from '../utils/rng.js';
import { NormalizeObservation, NormalizeReward } from '../wrappers/normalize.js';
import { RecordEpisodeStatistics } from '../wrappers/record-episode-statistics.js';
import { TransformObservation, TransformReward } from '../wrappers/transform.js';
import type { SyncVectorEnv } from '../vector/sync.js';
import {
  type ActionAdapter,
  actionAdapter,
  buildEnv,
  buildVectorEnv,
  type Callbacks,
  checkNumber,
  type EnvSource,
  FeatureEncoder,
  RunLogger,
} from './common.js';
import { type ActorCriticPolicy, MlpActorCritic, type MlpActorCriticOptions } from './networks.js';

/** Options every on-policy algorithm accepts. */
export interface OnPolicyConfig extends Callbacks {
  /** The environment: a registered id or a factory (one copy per sub-environment). */
  env: EnvSource;
  /** Environment steps to train for (all sub-environments together). */
  totalTimesteps: number;
  /** Number of environments stepped together in a `SyncVectorEnv`. */
  numEnvs?: number;
  /** Seed of the networks' initialisation (core's `manualSeed`), the action sampling, the shuffles and the environments. */
  seed?: number;
  /** The policy: a module, or a factory from (feature size, action head). Default `MlpActorCritic` with `policyOptions`. */
  policy?: ActorCriticPolicy | ((inputSize: number, head: MlpActorCritic['head']) => ActorCriticPolicy);
  /** Options of the default `MlpActorCritic`. */
  policyOptions?: MlpActorCriticOptions;
  /** Clip continuous actions into the action space's bounds before stepping (default true). */
  clipActions?: boolean;
  /**
   * Wrap each environment in `NormalizeObservation` (observations then clipped to ±`clipObservations`).
   * The statistics live in the environments: evaluate with the same wrappers, frozen. Leave it
   * off when observations are already well scaled: statistics that keep drifting as the policy
   * changes which states it visits can undo what was learned (on Pendulum-v1 every normalised
   * run stalled around -600 and then got worse, while the same runs without it reached -150).
   */
  normalizeObservations?: boolean;
  /** Wrap each environment in `NormalizeReward` (rewards then clipped to ±`clipRewards`). */
  normalizeRewards?: boolean;
  /** Bound of normalised observations (default 10). */
  clipObservations?: number;
  /** Bound of normalised rewards (default 10). */
  clipRewards?: number;
}

function hasEpisodeStats(env: Env<any, any>): boolean {
  for (let e: Env<any, any> = env; ; e = (e as Wrapper<any, any>).env) {
    if (e instanceof RecordEpisodeStatistics) return true;
    if (!(e instanceof Wrapper)) return false;
  }
}

/**
 * The environment factory with the optional normalisation wrappers (CleanRL's continuous-action
 * stack): `RecordEpisodeStatistics` first (so returns are reported unnormalised), then
 * `NormalizeObservation` + clip, `NormalizeReward` + clip.
 */
export function wrappedSource(config: OnPolicyConfig, gamma: number, op: string): EnvSource {
  const { normalizeObservations, normalizeRewards } = config;
  if (!normalizeObservations && !normalizeRewards) return config.env;
  const clipObs = checkNumber(op, 'clipObservations', config.clipObservations ?? 10, 0);
  const clipRew = checkNumber(op, 'clipRewards', config.clipRewards ?? 10, 0);
  return () => {
    let env: Env<any, any> = buildEnv(config.env, op);
    if (!hasEpisodeStats(env)) env = new RecordEpisodeStatistics(env);
    if (normalizeObservations) {
      env = new NormalizeObservation(env);
      env = new TransformObservation(
        env,
        (o: Float32Array) => o.map((v) => Math.min(Math.max(v, -clipObs), clipObs)),
        env.observationSpace,
      );
    }
    if (normalizeRewards) {
      env = new NormalizeReward(env, { gamma });
      env = new TransformReward(env, (r) => Math.min(Math.max(r, -clipRew), clipRew));
    }
    return env;
  };
}

/** Runs a policy in a vector env and fills a rollout buffer. @internal */
export class OnPolicyRunner {
  readonly venv: SyncVectorEnv<any, any>;
  readonly encoder: FeatureEncoder;
  readonly adapter: ActionAdapter;
  readonly policy: ActorCriticPolicy;
  readonly buffer: RolloutBuffer;
  readonly generator: Generator;
  readonly rng: Rng;
  readonly logger: RunLogger;
  readonly numEnvs: number;
  private features: Float32Array;

  constructor(
    config: OnPolicyConfig,
    op: string,
    defaults: { numEnvs: number; numSteps: number; gamma: number; gaeLambda: number },
  ) {
    this.numEnvs = checkNumber(op, 'numEnvs', config.numEnvs ?? defaults.numEnvs, 1, Infinity, true);
    checkNumber(op, 'totalTimesteps', config.totalTimesteps, 1, Infinity, true);
    const seed = config.seed;
    if (seed !== undefined) checkNumber(op, 'seed', seed, 0, Number.MAX_SAFE_INTEGER, true);
    if (seed !== undefined) manualSeed(seed);
    this.venv = buildVectorEnv(wrappedSource(config, defaults.gamma, op), this.numEnvs, op);
    this.encoder = new FeatureEncoder(this.venv.singleObservationSpace, op);
    this.adapter = actionAdapter(this.venv.singleActionSpace, config.clipActions ?? true, op);
    const p = config.policy;
    if (p === undefined)
      this.policy = new MlpActorCritic(this.encoder.size, this.adapter.head, config.policyOptions);
    else if (typeof p === 'function') this.policy = p(this.encoder.size, this.adapter.head);
    else this.policy = p;
    if (typeof this.policy?.distribution !== 'function' || typeof this.policy?.value !== 'function')
      throw new ValueError(`${op}: policy must have distribution(obs) and value(obs) methods`);
    const head = this.adapter.head;
    this.buffer = new RolloutBuffer({
      numSteps: defaults.numSteps,
      numEnvs: this.numEnvs,
      observationShape: [this.encoder.size],
      actionShape: head.type === 'discrete' ? [] : [head.dim],
      actionDtype: head.type === 'discrete' ? 'int32' : 'float32',
      gamma: defaults.gamma,
      gaeLambda: defaults.gaeLambda,
    });
    this.generator = seed === undefined ? new Generator() : new Generator(seed + 1);
    if (seed === undefined) this.generator.seed();
    this.rng = new Rng(seed === undefined ? undefined : seed + 2);
    this.logger = new RunLogger(op, config, this.numEnvs);
    const { observations } = this.venv.reset(seed === undefined ? {} : { seed });
    this.features = this.encoder.batch(observations, this.numEnvs);
  }

  private input(features: Float32Array, n: number): Tensor {
    return tensor(features).reshape([n, this.encoder.size]);
  }

  /** Values of a batch of feature rows (no gradient). */
  values(features: Float32Array, n: number): Float64Array {
    return noGrad(() => Float64Array.from(this.policy.value(this.input(features, n)).dataSync()));
  }

  /**
   * Collects `buffer.numSteps` steps and computes the advantages. Returns false when a callback
   * asked to stop (the rollout is then incomplete and must not be learned from).
   */
  async collect(): Promise<boolean> {
    const N = this.numEnvs;
    const buf = this.buffer;
    buf.reset();
    for (let t = 0; t < buf.numSteps; t++) {
      const obs = this.features;
      const { actions, logProbs, values } = noGrad(() => {
        const x = this.input(obs, N);
        const dist = this.policy.distribution(x);
        const a = dist.sample({ generator: this.generator });
        return {
          actions: a.dataSync() as Int32Array | Float32Array,
          logProbs: dist.logProb(a).dataSync(),
          values: this.policy.value(x).dataSync(),
        };
      });
      const r = this.venv.step(this.adapter.toEnv(actions, N));
      this.logger.steps += N;
      const truncationValues = this.truncationValues(r.terminations, r.truncations, r.infos);
      buf.add({
        observations: obs,
        actions,
        rewards: r.rewards,
        terminations: r.terminations,
        truncations: r.truncations,
        truncationValues,
        values,
        logProbs,
      });
      this.features = this.encoder.batch(r.observations, N);
      const finalInfo = r.infos.final_info as (Info | null)[] | undefined;
      for (let i = 0; i < N; i++) {
        const done = r.terminations[i] || r.truncations[i];
        await this.logger.record(i, r.rewards[i], done, done ? (finalInfo?.[i] ?? undefined) : undefined);
      }
      if (this.logger.stopRequested) return false;
    }
    buf.computeReturnsAndAdvantages(this.values(this.features, N));
    return true;
  }

  /** `V(final observation)` of the environments that were truncated (0 elsewhere). */
  private truncationValues(term: boolean[], trunc: boolean[], infos: Info): Float64Array | undefined {
    const idx: number[] = [];
    for (let i = 0; i < this.numEnvs; i++) if (trunc[i] && !term[i]) idx.push(i);
    if (idx.length === 0) return undefined;
    const finals = infos.final_obs as unknown[] | undefined;
    const feats = new Float32Array(idx.length * this.encoder.size);
    idx.forEach((i, k) => {
      if (!finals || finals[i] === null || finals[i] === undefined)
        throw new ValueError('on-policy rollout: a truncated environment reported no final observation');
      this.encoder.write(finals[i], feats, k * this.encoder.size);
    });
    const v = this.values(feats, idx.length);
    const out = new Float64Array(this.numEnvs);
    idx.forEach((i, k) => {
      out[i] = v[k];
    });
    return out;
  }

  /** Closes the environments. */
  close(): void {
    this.venv.close();
  }
}
