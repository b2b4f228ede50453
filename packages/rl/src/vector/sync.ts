import { type Tensor, ValueError } from '@kindling/core';
import type { Env, EnvMetadata, Info } from '../core/env.js';
import { make, type MakeOptions } from '../registry.js';
import type { Space } from '../spaces/space.js';
import { batchSpace, concatenate, createEmptyArray, iterate } from '../spaces/utils.js';
import {
  type AutoresetMode,
  addInfo,
  callWrapperAttr,
  checkAutoresetMode,
  getWrapperAttr,
  setWrapperAttr,
  splitResetArgs,
  stepSubEnv,
  type VectorEnvOptions,
  type VectorResetArgs,
  type VectorResetResult,
  type VectorStepResult,
} from './common.js';

/**
 * Runs several environments one after the other in this thread (`gymnasium.vector.SyncVectorEnv`)
 * and batches their results: observations are concatenated along a leading dimension
 * (`observationSpace = batchSpace(singleObservationSpace, numEnvs)`), actions are given batched
 * the same way, and finished environments are reset automatically (`autoresetMode`, default
 * Gymnasium 1.x's `next-step`; see `AutoresetMode`). Every call returns fresh arrays.
 */
export class SyncVectorEnv<O = unknown, A = unknown> {
  /** The sub-environments. */
  readonly envs: Env<O, A>[];
  /** Number of sub-environments. */
  readonly numEnvs: number;
  /** One environment's observation space. */
  readonly singleObservationSpace: Space<O>;
  /** One environment's action space. */
  readonly singleActionSpace: Space<A>;
  /** The batched observation space. */
  readonly observationSpace: Space<unknown>;
  /** The batched action space. */
  readonly actionSpace: Space<unknown>;
  /** The autoreset mode. */
  readonly autoresetMode: AutoresetMode;
  /** The first environment's metadata. */
  readonly metadata: EnvMetadata;
  private pending: boolean[];
  private closed = false;

  /** Builds one environment per function (Gymnasium's `env_fns`). */
  constructor(envFns: ReadonlyArray<() => Env<O, A>>, options: VectorEnvOptions = {}) {
    if (!Array.isArray(envFns) || envFns.length === 0 || envFns.some((f) => typeof f !== 'function'))
      throw new ValueError('SyncVectorEnv: expected a non-empty array of functions returning environments');
    this.autoresetMode = checkAutoresetMode(options.autoresetMode);
    this.envs = envFns.map((f) => f());
    this.numEnvs = this.envs.length;
    this.singleObservationSpace = this.envs[0].observationSpace;
    this.singleActionSpace = this.envs[0].actionSpace;
    this.envs.forEach((e, i) => {
      if (
        !e.observationSpace.equals(this.singleObservationSpace) ||
        !e.actionSpace.equals(this.singleActionSpace)
      )
        throw new ValueError(
          `SyncVectorEnv: environment ${i} has spaces ${e.observationSpace.toString()} / ${e.actionSpace.toString()}, ` +
            `expected ${this.singleObservationSpace.toString()} / ${this.singleActionSpace.toString()}`,
        );
    });
    this.observationSpace = batchSpace(this.singleObservationSpace, this.numEnvs);
    this.actionSpace = batchSpace(this.singleActionSpace, this.numEnvs);
    this.metadata = this.envs[0].metadata;
    this.pending = new Array(this.numEnvs).fill(false);
  }

  private checkOpen(op: string): void {
    if (this.closed) throw new ValueError(`SyncVectorEnv.${op}: the vector env is closed`);
  }

  /** Resets every environment (seeds: `seed + i`, or one per environment). */
  reset(args: VectorResetArgs = {}): VectorResetResult {
    this.checkOpen('reset');
    const perEnv = splitResetArgs(args, this.numEnvs);
    const obs: unknown[] = [];
    let infos: Info = {};
    this.envs.forEach((env, i) => {
      const r = env.reset(perEnv[i]);
      obs.push(r.observation);
      infos = addInfo(infos, r.info, i, this.numEnvs);
    });
    this.pending.fill(false);
    return {
      observations: concatenate(
        this.singleObservationSpace,
        obs,
        createEmptyArray(this.singleObservationSpace, this.numEnvs),
      ),
      infos,
    };
  }

  /** Steps every environment with its slice of the batched `actions` (autoresetting finished ones). */
  step(actions: unknown): VectorStepResult {
    this.checkOpen('step');
    const parts = iterate(this.singleActionSpace, actions, this.numEnvs, 'SyncVectorEnv.step');
    const obs: unknown[] = [];
    const rewards = new Float64Array(this.numEnvs);
    const terminations = new Array<boolean>(this.numEnvs).fill(false);
    const truncations = new Array<boolean>(this.numEnvs).fill(false);
    let infos: Info = {};
    this.envs.forEach((env, i) => {
      const r = stepSubEnv(env, parts[i], this.pending[i], this.autoresetMode);
      this.pending[i] = r.pending;
      obs.push(r.observation);
      rewards[i] = r.reward;
      terminations[i] = r.terminated;
      truncations[i] = r.truncated;
      infos = addInfo(infos, r.info, i, this.numEnvs);
    });
    return {
      observations: concatenate(
        this.singleObservationSpace,
        obs,
        createEmptyArray(this.singleObservationSpace, this.numEnvs),
      ),
      rewards,
      terminations,
      truncations,
      infos,
    };
  }

  /** One frame per environment. */
  render(): Tensor[] {
    this.checkOpen('render');
    return this.envs.map((e) => e.render());
  }

  /** Calls method `name` (or reads attribute `name`) on every environment's wrapper stack. */
  call(name: string, ...args: unknown[]): unknown[] {
    this.checkOpen('call');
    return this.envs.map((e) => callWrapperAttr(e as Env<unknown, unknown>, name, args));
  }

  /** Reads attribute `name` of every environment (outermost layer that has it, e.g. `state` of the unwrapped env). */
  getAttr(name: string): unknown[] {
    this.checkOpen('getAttr');
    return this.envs.map((e) => getWrapperAttr(e as Env<unknown, unknown>, name));
  }

  /** Sets attribute `name` of every environment: one value for all, or an array with one per environment. */
  setAttr(name: string, values: unknown): void {
    this.checkOpen('setAttr');
    const list = splitValues(values, this.numEnvs, 'SyncVectorEnv.setAttr');
    this.envs.forEach((e, i) => {
      setWrapperAttr(e as Env<unknown, unknown>, name, list[i]);
    });
  }

  /** Closes every environment; later calls throw. */
  close(): void {
    if (this.closed) return;
    for (const e of this.envs) e.close();
    this.closed = true;
  }
}

/** One value per environment from `values` (an array of `n`) or the same value for all. */
export function splitValues(values: unknown, n: number, op: string): unknown[] {
  if (Array.isArray(values)) {
    if (values.length !== n) throw new ValueError(`${op}: expected ${n} values, got ${values.length}`);
    return values;
  }
  return new Array(n).fill(values);
}

/**
 * Gymnasium's `make_vec` for the synchronous case: `numEnvs` copies of a registered environment
 * in a `SyncVectorEnv` (use `new AsyncVectorEnv(...)` for worker threads).
 */
export function makeVec(
  id: string,
  numEnvs: number,
  options: MakeOptions & { autoresetMode?: AutoresetMode } = {},
): SyncVectorEnv<any, any> {
  if (!Number.isSafeInteger(numEnvs) || numEnvs <= 0)
    throw new ValueError(`makeVec: numEnvs must be a positive integer, got ${numEnvs}`);
  const { autoresetMode, ...makeOptions } = options;
  return new SyncVectorEnv(
    Array.from({ length: numEnvs }, () => () => make(id, makeOptions)),
    { autoresetMode },
  );
}
