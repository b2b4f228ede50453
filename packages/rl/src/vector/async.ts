import { Worker } from 'node:worker_threads';
import { fromHost, type Tensor, ValueError } from '@kindling/core';
import type { EnvMetadata, Info } from '../core/env.js';
import { WorkerError } from '../errors.js';
import { make, type MakeOptions } from '../registry.js';
import { describe } from '../spaces/space.js';
import type { Space } from '../spaces/space.js';
import { batchSpace, concatenate, createEmptyArray, iterate } from '../spaces/utils.js';
import {
  type AutoresetMode,
  addInfo,
  checkAutoresetMode,
  splitResetArgs,
  type SubStep,
  type VectorEnvOptions,
  type VectorResetArgs,
  type VectorResetResult,
  type VectorStepResult,
} from './common.js';
import { reviveError, type WorkerCommand, type WorkerReply } from './protocol.js';
import { splitValues } from './sync.js';

/** How a worker builds its environment: a registry id and `make` options (structured-cloneable). */
export interface EnvRecipe {
  /** Registered id, e.g. `CartPole-v1`. */
  id: string;
  /** Options of `make` (JSON-like values only: they are cloned into the worker). */
  options?: MakeOptions;
}

/** Options of `AsyncVectorEnv`. */
export interface AsyncVectorEnvOptions extends VectorEnvOptions {
  /**
   * A module (path or URL) each worker imports before `make`, to register environments that are
   * not built in. This thread must have registered them too (it builds one copy to read the spaces).
   */
  module?: string | URL;
  /** Overrides the worker entry (default: `dist/worker.js` next to the built package, see README). */
  workerUrl?: string | URL;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/** The worker entry: the built `worker.js` next to this module, or the TypeScript dev boot from sources. */
function defaultWorkerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('./dev/boot.mjs', here) : new URL('./worker.js', here);
}

class WorkerHandle {
  readonly worker: Worker;
  private readonly queue: Pending[] = [];
  private failure: Error | null = null;

  constructor(url: URL | string, index: number) {
    this.worker = new Worker(url);
    this.worker.unref();
    this.worker.on('message', (reply: WorkerReply) => {
      const p = this.queue.shift();
      if (this.queue.length === 0) this.worker.unref();
      if (!p) return;
      if (reply.ok) p.resolve(reply.value);
      else p.reject(reviveError(reply.name, reply.message));
    });
    const fail = (err: Error) => {
      this.failure = err;
      for (const p of this.queue.splice(0)) p.reject(err);
    };
    this.worker.on('error', (e) =>
      fail(new WorkerError(`AsyncVectorEnv: worker ${index} crashed: ${e.message}`)),
    );
    this.worker.on('exit', (code) =>
      fail(new WorkerError(`AsyncVectorEnv: worker ${index} exited (code ${code})`)),
    );
  }

  send(cmd: WorkerCommand): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.worker.ref();
      try {
        this.worker.postMessage(cmd);
      } catch (e) {
        this.queue.pop();
        reject(new ValueError(`AsyncVectorEnv: could not send ${cmd.type} to a worker: ${String(e)}`));
      }
    });
  }
}

/** Copies typed-array views so that a clone does not carry their whole buffer. */
function detach(value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return (value as Float64Array).slice();
  return value;
}

/** Waits for every promise, then rethrows the first failure (so no worker is left mid-command). */
async function all<T>(promises: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

/**
 * Runs each environment in its own worker thread (`gymnasium.vector.AsyncVectorEnv`, with
 * `node:worker_threads` instead of processes) and steps them in parallel. Workers build their
 * environment with `make(id, options)` from an `EnvRecipe`, so only registered ids (built in, or
 * registered by `options.module`) can be used. The API is `SyncVectorEnv`'s with promises:
 * `await venv.reset({ seed })`, `await venv.step(actions)`, `await venv.close()`. For the same
 * recipes, seeds and actions it returns exactly what `SyncVectorEnv` returns. Workers do not keep
 * the process alive while idle; still, call `close()` when done.
 */
export class AsyncVectorEnv {
  /** Number of sub-environments (workers). */
  readonly numEnvs: number;
  /** One environment's observation space. */
  readonly singleObservationSpace: Space<unknown>;
  /** One environment's action space. */
  readonly singleActionSpace: Space<unknown>;
  /** The batched observation space. */
  readonly observationSpace: Space<unknown>;
  /** The batched action space. */
  readonly actionSpace: Space<unknown>;
  /** The autoreset mode. */
  readonly autoresetMode: AutoresetMode;
  /** The environments' metadata. */
  readonly metadata: EnvMetadata;
  private readonly workers: WorkerHandle[];
  private readonly ready: Promise<unknown[]>;
  private closed = false;

  /** Starts one worker per recipe (all recipes must give the same spaces). */
  constructor(recipes: readonly EnvRecipe[], options: AsyncVectorEnvOptions = {}) {
    if (!Array.isArray(recipes) || recipes.length === 0)
      throw new ValueError('AsyncVectorEnv: expected a non-empty array of { id, options } recipes');
    this.autoresetMode = checkAutoresetMode(options.autoresetMode);
    const probes = recipes.map((r, i) => {
      if (typeof r?.id !== 'string')
        throw new ValueError(`AsyncVectorEnv: recipe ${i} must be { id, options }, got ${describe(r)}`);
      try {
        structuredClone(r.options ?? {});
      } catch {
        throw new ValueError(
          `AsyncVectorEnv: the options of recipe ${i} (${r.id}) cannot be cloned into a worker`,
        );
      }
      return make(r.id, r.options ?? {});
    });
    this.singleObservationSpace = probes[0].observationSpace;
    this.singleActionSpace = probes[0].actionSpace;
    probes.forEach((e, i) => {
      if (
        !e.observationSpace.equals(this.singleObservationSpace) ||
        !e.actionSpace.equals(this.singleActionSpace)
      )
        throw new ValueError(
          `AsyncVectorEnv: recipe ${i} (${recipes[i].id}) has different spaces than recipe 0`,
        );
    });
    this.metadata = probes[0].metadata;
    for (const e of probes) e.close();
    this.numEnvs = recipes.length;
    this.observationSpace = batchSpace(this.singleObservationSpace, this.numEnvs);
    this.actionSpace = batchSpace(this.singleActionSpace, this.numEnvs);
    const url = options.workerUrl ?? defaultWorkerUrl();
    const module = options.module === undefined ? null : String(options.module);
    this.workers = recipes.map((_, i) => new WorkerHandle(url, i));
    this.ready = all(
      this.workers.map((w, i) =>
        w.send({
          type: 'init',
          id: recipes[i].id,
          options: { ...(recipes[i].options ?? {}) },
          module,
          autoresetMode: this.autoresetMode,
        }),
      ),
    );
    this.ready.catch(() => {});
  }

  private async broadcast(op: string, cmds: WorkerCommand[]): Promise<unknown[]> {
    if (this.closed) throw new ValueError(`AsyncVectorEnv.${op}: the vector env is closed`);
    await this.ready;
    return all(this.workers.map((w, i) => w.send(cmds[i])));
  }

  /** Resets every environment (seeds: `seed + i`, or one per environment). */
  async reset(args: VectorResetArgs = {}): Promise<VectorResetResult> {
    const perEnv = splitResetArgs(args, this.numEnvs);
    const results = (await this.broadcast(
      'reset',
      perEnv.map((a) => ({ type: 'reset', args: a })),
    )) as { observation: unknown; info: Info }[];
    let infos: Info = {};
    results.forEach((r, i) => {
      infos = addInfo(infos, r.info, i, this.numEnvs);
    });
    return {
      observations: concatenate(
        this.singleObservationSpace,
        results.map((r) => r.observation),
        createEmptyArray(this.singleObservationSpace, this.numEnvs),
      ),
      infos,
    };
  }

  /** Steps every environment in parallel with its slice of the batched `actions`. */
  async step(actions: unknown): Promise<VectorStepResult> {
    const parts = iterate(this.singleActionSpace, actions, this.numEnvs, 'AsyncVectorEnv.step');
    const results = (await this.broadcast(
      'step',
      parts.map((a) => ({ type: 'step', action: detach(a) })),
    )) as SubStep[];
    const rewards = new Float64Array(this.numEnvs);
    const terminations = new Array<boolean>(this.numEnvs).fill(false);
    const truncations = new Array<boolean>(this.numEnvs).fill(false);
    let infos: Info = {};
    results.forEach((r, i) => {
      rewards[i] = r.reward;
      terminations[i] = r.terminated;
      truncations[i] = r.truncated;
      infos = addInfo(infos, r.info, i, this.numEnvs);
    });
    return {
      observations: concatenate(
        this.singleObservationSpace,
        results.map((r) => r.observation),
        createEmptyArray(this.singleObservationSpace, this.numEnvs),
      ),
      rewards,
      terminations,
      truncations,
      infos,
    };
  }

  /** One frame per environment. */
  async render(): Promise<Tensor[]> {
    const frames = (await this.broadcast(
      'render',
      this.workers.map(() => ({ type: 'render' })),
    )) as { data: Int32Array; shape: number[] }[];
    return frames.map((f) => fromHost(f.data, f.shape, 'int32'));
  }

  /** Calls method `name` (or reads attribute `name`) on every environment; results must be cloneable. */
  async call(name: string, ...args: unknown[]): Promise<unknown[]> {
    return this.broadcast(
      'call',
      this.workers.map(() => ({ type: 'call', name, args })),
    );
  }

  /** Reads attribute `name` of every environment (e.g. `state`). */
  async getAttr(name: string): Promise<unknown[]> {
    return this.broadcast(
      'getAttr',
      this.workers.map(() => ({ type: 'getAttr', name })),
    );
  }

  /** Sets attribute `name`: one value for all, or an array with one value per environment. */
  async setAttr(name: string, values: unknown): Promise<void> {
    const list = splitValues(values, this.numEnvs, 'AsyncVectorEnv.setAttr');
    await this.broadcast(
      'setAttr',
      list.map((value) => ({ type: 'setAttr', name, value: detach(value) })),
    );
  }

  /** Closes the environments and stops the workers; later calls throw. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.ready;
      await Promise.allSettled(this.workers.map((w) => w.send({ type: 'close' })));
    } catch {
      // a worker that failed to start has nothing to close
    } finally {
      await Promise.all(this.workers.map((w) => w.worker.terminate()));
    }
  }
}
