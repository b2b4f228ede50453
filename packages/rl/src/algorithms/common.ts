/** What the algorithms share: environment sources, observation features, callbacks, episode bookkeeping. */
import { ValueError } from '@kindling/core';
import { type Module, save } from '@kindling/nn';
import type { Env, Info } from '../core/env.js';
import { make } from '../registry.js';
import { Box } from '../spaces/box.js';
import { Discrete } from '../spaces/discrete.js';
import type { Space } from '../spaces/space.js';
import { SyncVectorEnv } from '../vector/sync.js';

/** Where an algorithm gets its environments: a registered id (`make(id)`) or a factory. */
export type EnvSource = string | (() => Env<any, any>);

/** Builds one environment from a source. */
export function buildEnv(source: EnvSource, op: string): Env<any, any> {
  if (typeof source === 'string') return make(source);
  if (typeof source === 'function') return source();
  throw new ValueError(`${op}: env must be an environment id or a function returning an environment`);
}

/**
 * The vector environment of an on-policy algorithm: `numEnvs` copies of `source` in a
 * `SyncVectorEnv` with `same-step` autoreset (the algorithms read `final_obs` to bootstrap
 * truncated episodes).
 */
export function buildVectorEnv(source: EnvSource, numEnvs: number, op: string): SyncVectorEnv<any, any> {
  if (!Number.isSafeInteger(numEnvs) || numEnvs <= 0)
    throw new ValueError(`${op}: numEnvs must be a positive integer, got ${String(numEnvs)}`);
  if (typeof source !== 'string' && typeof source !== 'function')
    throw new ValueError(`${op}: env must be an environment id or a function returning an environment`);
  return new SyncVectorEnv(
    Array.from({ length: numEnvs }, () => () => buildEnv(source, op)),
    { autoresetMode: 'same-step' },
  );
}

/**
 * Turns observations of a space into flat float32 features for a network: a `Box` is flattened
 * as is, a `Discrete(n)` becomes a one-hot vector of length `n`.
 */
export class FeatureEncoder {
  /** Number of features per observation. */
  readonly size: number;
  private readonly discrete: Discrete | null;

  /** An encoder for observations of `space`. */
  constructor(space: Space<unknown>, op: string) {
    if (space instanceof Box) {
      this.size = space.size;
      this.discrete = null;
    } else if (space instanceof Discrete) {
      this.size = space.n;
      this.discrete = space;
    } else
      throw new ValueError(
        `${op}: observations must come from a Box or Discrete space, got ${space.toString()} (wrap the environment to flatten them)`,
      );
  }

  /** Writes the features of observation `obs` at `dst[offset ...]`. */
  write(obs: unknown, dst: Float32Array, offset = 0): void {
    if (this.discrete) {
      dst.fill(0, offset, offset + this.size);
      dst[offset + (obs as number) - this.discrete.start] = 1;
    } else dst.set(obs as ArrayLike<number>, offset);
  }

  /** Features of a batch of `n` observations in a vector env's layout, `[n × size]`. */
  batch(observations: unknown, n: number): Float32Array {
    const out = new Float32Array(n * this.size);
    if (this.discrete) {
      const o = observations as ArrayLike<number>;
      for (let i = 0; i < n; i++) out[i * this.size + o[i] - this.discrete.start] = 1;
    } else out.set(observations as ArrayLike<number>);
    return out;
  }

  /** Features of one observation. */
  single(obs: unknown): Float32Array {
    const out = new Float32Array(this.size);
    this.write(obs, out);
    return out;
  }
}

/** One finished episode. */
export interface EpisodeLog {
  /** The episode's return: from `RecordEpisodeStatistics` when the environment has it (unnormalised), else the sum of the rewards seen. */
  return: number;
  /** Its length in steps. */
  length: number;
  /** Environment steps taken so far (all environments together). */
  step: number;
  /** Index of the sub-environment it ran in. */
  envIndex: number;
}

/** What `onUpdate` receives after each learning update. */
export interface UpdateLog {
  /** Updates done (1 after the first). */
  update: number;
  /** Environment steps so far. */
  step: number;
  /** Episodes finished so far. */
  episodes: number;
  /** Mean return of the last `window` episodes (NaN before the first). */
  meanReturn: number;
  /** Mean length of the last `window` episodes (NaN before the first). */
  meanLength: number;
  /** Scalar diagnostics of the update (losses, entropy, KL, clip fraction, epsilon, learning rate...). */
  metrics: Record<string, number>;
  /** Seconds since training started. */
  elapsed: number;
  /** Environment steps per second so far. */
  fps: number;
  /** The network being trained (to evaluate or save it from a callback). */
  model: Module;
}

/** Where and how often to save checkpoints (safetensors state dicts via `@kindling/nn`'s `save`). */
export interface CheckpointOptions {
  /** File path; `{update}` and `{step}` are replaced by the counters. */
  path: string;
  /** Save every this many updates (default: only at the end). */
  every?: number;
}

/** Callbacks and logging shared by every algorithm. Callbacks may be async. */
export interface Callbacks {
  /**
   * Called after each learning update. Return `false` to stop training (as Stable-Baselines3's
   * callbacks do); anything else continues.
   */
  onUpdate?: (log: UpdateLog) => unknown;
  /** Called when an episode finishes. Return `false` to stop training after the current step. */
  onEpisode?: (episode: EpisodeLog) => unknown;
  /** Saves the policy's state dict (with metadata: algorithm, update, step) now and then and at the end. */
  checkpoint?: CheckpointOptions;
  /** Number of recent episodes `meanReturn` averages over (default 20). */
  window?: number;
}

/** What a training run returns. */
export interface TrainResult<M extends Module> {
  /** The trained network. */
  model: M;
  /** Every finished episode, in order. */
  episodes: EpisodeLog[];
  /** Environment steps taken. */
  steps: number;
  /** Learning updates done. */
  updates: number;
  /** Whether a callback stopped training before the step budget. */
  stoppedEarly: boolean;
  /** Wall-clock seconds. */
  elapsed: number;
}

/** The bookkeeping of a run: episode returns, callbacks, checkpoints. @internal */
export class RunLogger {
  readonly episodes: EpisodeLog[] = [];
  stopRequested = false;
  steps = 0;
  updates = 0;
  private readonly start = performance.now();
  private readonly window: number;
  private readonly running: Float64Array;
  private readonly lengths: Int32Array;

  constructor(
    private readonly algorithm: string,
    private readonly callbacks: Callbacks,
    numEnvs: number,
  ) {
    this.window = callbacks.window ?? 20;
    if (!Number.isSafeInteger(this.window) || this.window <= 0)
      throw new ValueError(
        `${algorithm}: window must be a positive integer, got ${String(callbacks.window)}`,
      );
    const every = callbacks.checkpoint?.every;
    if (every !== undefined && (!Number.isSafeInteger(every) || every <= 0))
      throw new ValueError(`${algorithm}: checkpoint.every must be a positive integer, got ${String(every)}`);
    this.running = new Float64Array(numEnvs);
    this.lengths = new Int32Array(numEnvs);
  }

  /** Seconds since the start. */
  elapsed(): number {
    return (performance.now() - this.start) / 1000;
  }

  /**
   * Accounts for one step of environment `i` with reward `r`; when it ended the episode, records
   * it (preferring `RecordEpisodeStatistics`' `info.episode`) and runs `onEpisode`.
   */
  async record(i: number, reward: number, done: boolean, info: Info | undefined): Promise<void> {
    this.running[i] += reward;
    this.lengths[i] += 1;
    if (!done) return;
    const stats = info?.episode as { r?: number; l?: number } | undefined;
    const ep: EpisodeLog = {
      return: typeof stats?.r === 'number' ? stats.r : this.running[i],
      length: typeof stats?.l === 'number' ? stats.l : this.lengths[i],
      step: this.steps,
      envIndex: i,
    };
    this.running[i] = 0;
    this.lengths[i] = 0;
    this.episodes.push(ep);
    if (this.callbacks.onEpisode && (await this.callbacks.onEpisode(ep)) === false) this.stopRequested = true;
  }

  /** Mean return and length of the last `window` episodes. */
  recent(): { meanReturn: number; meanLength: number } {
    const last = this.episodes.slice(-this.window);
    if (last.length === 0) return { meanReturn: Number.NaN, meanLength: Number.NaN };
    return {
      meanReturn: last.reduce((a, e) => a + e.return, 0) / last.length,
      meanLength: last.reduce((a, e) => a + e.length, 0) / last.length,
    };
  }

  /** Counts an update, saves a checkpoint when due, runs `onUpdate`. */
  async update(model: Module, metrics: Record<string, number>): Promise<void> {
    this.updates += 1;
    const every = this.callbacks.checkpoint?.every;
    if (every !== undefined && this.updates % every === 0) await this.checkpoint(model);
    if (this.callbacks.onUpdate) {
      const elapsed = this.elapsed();
      const log: UpdateLog = {
        update: this.updates,
        step: this.steps,
        episodes: this.episodes.length,
        ...this.recent(),
        metrics,
        elapsed,
        fps: elapsed > 0 ? this.steps / elapsed : 0,
        model,
      };
      if ((await this.callbacks.onUpdate(log)) === false) this.stopRequested = true;
    }
  }

  /** Saves the model to the checkpoint path (no-op without one). */
  async checkpoint(model: Module): Promise<void> {
    const c = this.callbacks.checkpoint;
    if (!c) return;
    const path = c.path.replaceAll('{update}', String(this.updates)).replaceAll('{step}', String(this.steps));
    await save(model, path, {
      algorithm: this.algorithm,
      update: String(this.updates),
      step: String(this.steps),
    });
  }

  /** Final checkpoint and the result object. */
  async finish<M extends Module>(model: M, stoppedEarly: boolean): Promise<TrainResult<M>> {
    await this.checkpoint(model);
    return {
      model,
      episodes: this.episodes,
      steps: this.steps,
      updates: this.updates,
      stoppedEarly,
      elapsed: this.elapsed(),
    };
  }
}

/** Throws a `ValueError` unless `v` is a number in `[min, max]` (`integer`: a safe integer). */
export function checkNumber(
  op: string,
  name: string,
  v: unknown,
  min: number,
  max = Infinity,
  integer = false,
): number {
  if (typeof v !== 'number' || !(v >= min && v <= max) || (integer && !Number.isSafeInteger(v)))
    throw new ValueError(
      `${op}: ${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${String(v)}`,
    );
  return v;
}

/** How a policy's raw actions map to the environment's action space. @internal */
export interface ActionAdapter {
  /** `{ type: 'discrete', n }` or `{ type: 'continuous', dim }`. */
  head: { type: 'discrete'; n: number } | { type: 'continuous'; dim: number };
  /** Converts `n` raw actions (indices, or unclipped vectors) to the vector env's batched action. */
  toEnv(raw: Int32Array | Float32Array, n: number): Int32Array | Float32Array;
}

/**
 * The action head for `space`: discrete indices are shifted by `Discrete.start`; continuous actions
 * are clipped into a bounded `Box` when `clip` (the stored, unclipped action keeps its log-probability).
 */
export function actionAdapter(space: Space<unknown>, clip: boolean, op: string): ActionAdapter {
  if (space instanceof Discrete) {
    const start = space.start;
    return {
      head: { type: 'discrete', n: space.n },
      toEnv: (raw) => (start === 0 ? raw : Int32Array.from(raw, (a) => a + start)),
    };
  }
  if (space instanceof Box && space.shape.length <= 1) {
    const dim = space.size;
    const { low, high } = space;
    return {
      head: { type: 'continuous', dim },
      toEnv: (raw, n) => {
        const out = new Float32Array(n * dim);
        for (let i = 0; i < n * dim; i++) {
          const k = i % dim;
          const v = raw[i];
          out[i] = clip ? Math.min(Math.max(v, low[k]), high[k]) : v;
        }
        return out;
      },
    };
  }
  throw new ValueError(`${op}: the action space must be Discrete or a 1-D Box, got ${space.toString()}`);
}
