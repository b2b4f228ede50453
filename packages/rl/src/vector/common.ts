import { ValueError } from '@kindling/core';
import type { Env, Info, ResetArgs, StepResult } from '../core/env.js';
import { Wrapper } from '../core/wrapper.js';
import { checkSeed } from '../utils/rng.js';

/**
 * When a vector env resets a finished sub-environment (Gymnasium 1.x `AutoresetMode`):
 * - `next-step` (Gymnasium's default): the step that ends an episode returns its last observation;
 *   the *next* `step` call ignores that environment's action, resets it, and returns the first
 *   observation of the new episode with reward 0 and `terminated = truncated = false`.
 * - `same-step`: the ending step resets at once and returns the new episode's first observation;
 *   the last observation and info are in `infos.final_obs` / `infos.final_info` (masked by
 *   `infos._final_obs`).
 */
export type AutoresetMode = 'next-step' | 'same-step';

/** Options shared by the vector environments. */
export interface VectorEnvOptions {
  /** Autoreset mode (default `next-step`). */
  autoresetMode?: AutoresetMode;
}

/** Arguments of a vector env's `reset`. */
export interface VectorResetArgs {
  /** A seed (environment `i` gets `seed + i`) or one seed per environment (undefined: not re-seeded). */
  seed?: number | readonly (number | undefined)[];
  /** Reset options passed to every environment. */
  options?: Record<string, unknown>;
}

/** What a vector env's `reset` returns. */
export interface VectorResetResult<O = unknown> {
  /** The batched first observations (see `concatenate`). */
  observations: O;
  /** Infos merged per key into arrays with `_key` masks (Gymnasium's vector info layout). */
  infos: Info;
}

/** What a vector env's `step` returns. */
export interface VectorStepResult<O = unknown> {
  /** The batched observations. */
  observations: O;
  /** One reward per environment. */
  rewards: Float64Array;
  /** One termination flag per environment. */
  terminations: boolean[];
  /** One truncation flag per environment. */
  truncations: boolean[];
  /** Infos merged per key into arrays with `_key` masks. */
  infos: Info;
}

/** Checks an autoreset mode. */
export function checkAutoresetMode(mode: unknown): AutoresetMode {
  if (mode === undefined) return 'next-step';
  if (mode !== 'next-step' && mode !== 'same-step')
    throw new ValueError(`vector env: autoresetMode must be 'next-step' or 'same-step', got ${String(mode)}`);
  return mode;
}

/** The per-environment reset arguments of a vector reset. */
export function splitResetArgs(args: VectorResetArgs, n: number): ResetArgs[] {
  const { seed, options } = args;
  let seeds: (number | undefined)[];
  if (seed === undefined) seeds = new Array(n).fill(undefined);
  else if (typeof seed === 'number') {
    checkSeed(seed, 'VectorEnv.reset');
    seeds = Array.from({ length: n }, (_, i) => seed + i);
  } else {
    if (!Array.isArray(seed) || seed.length !== n)
      throw new ValueError(`VectorEnv.reset: expected ${n} seeds, got ${String(seed)}`);
    seeds = [...seed];
  }
  return seeds.map((s) => (s === undefined ? { options } : { seed: s, options }));
}

/** Result of stepping one sub-environment, with its new autoreset flag. */
export interface SubStep extends StepResult<unknown> {
  /** Whether the next step must reset this environment (next-step mode). */
  pending: boolean;
}

/** Steps (or autoresets) one sub-environment: the logic both vector envs share. */
export function stepSubEnv(
  env: Env<any, any>,
  action: unknown,
  pending: boolean,
  mode: AutoresetMode,
): SubStep {
  if (mode === 'next-step') {
    if (pending) {
      const r = env.reset();
      return {
        observation: r.observation,
        reward: 0,
        terminated: false,
        truncated: false,
        info: r.info,
        pending: false,
      };
    }
    const r = env.step(action);
    return { ...r, pending: r.terminated || r.truncated };
  }
  const r = env.step(action);
  if (!(r.terminated || r.truncated)) return { ...r, pending: false };
  const reset = env.reset();
  return {
    ...r,
    observation: reset.observation,
    info: { final_obs: r.observation, final_info: r.info, ...reset.info },
    pending: false,
  };
}

/**
 * Adds environment `i`'s info to the vector info (Gymnasium's `_add_info`): each key becomes an
 * array over environments (`Float64Array` for numbers, `boolean[]` for booleans, an array of
 * values otherwise; nested objects recursively) plus a boolean mask `_key` of the environments
 * that reported it. `final_obs` / `final_info` are kept as plain arrays of per-environment values.
 */
export function addInfo(infos: Info, info: Info, i: number, n: number): Info {
  for (const [key, value] of Object.entries(info)) {
    let array: unknown;
    if (key === 'final_obs' || key === 'final_info') {
      const a = (infos[key] as unknown[] | undefined) ?? new Array(n).fill(null);
      a[i] = value;
      array = a;
    } else if (
      typeof value === 'object' &&
      value !== null &&
      !ArrayBuffer.isView(value) &&
      !Array.isArray(value)
    ) {
      array = addInfo((infos[key] as Info | undefined) ?? {}, value as Info, i, n);
    } else {
      let a = infos[key] as Float64Array | boolean[] | unknown[] | undefined;
      if (a === undefined)
        a =
          typeof value === 'number'
            ? new Float64Array(n)
            : typeof value === 'boolean'
              ? new Array<boolean>(n).fill(false)
              : new Array<unknown>(n).fill(null);
      (a as unknown[])[i] = value;
      array = a;
    }
    const mask = (infos[`_${key}`] as boolean[] | undefined) ?? new Array<boolean>(n).fill(false);
    mask[i] = true;
    infos[key] = array;
    infos[`_${key}`] = mask;
  }
  return infos;
}

/**
 * Gymnasium's `get_wrapper_attr`: the attribute of the outermost wrapper (or the environment
 * itself) that has it.
 */
export function getWrapperAttr(env: Env<unknown, unknown>, name: string): unknown {
  let e: Env<unknown, unknown> = env;
  for (;;) {
    if (name in e) return (e as unknown as Record<string, unknown>)[name];
    if (!(e instanceof Wrapper)) break;
    e = e.env as Env<unknown, unknown>;
  }
  throw new ValueError(
    `getAttr: no environment in the wrapper stack has an attribute ${JSON.stringify(name)}`,
  );
}

/** Gymnasium's `set_wrapper_attr`: sets it on the outermost layer that has it, else on the outermost. */
export function setWrapperAttr(env: Env<unknown, unknown>, name: string, value: unknown): void {
  let e: Env<unknown, unknown> = env;
  for (;;) {
    if (name in e) {
      (e as unknown as Record<string, unknown>)[name] = value;
      return;
    }
    if (!(e instanceof Wrapper)) break;
    e = e.env as Env<unknown, unknown>;
  }
  (env as unknown as Record<string, unknown>)[name] = value;
}

/** Calls method `name` of the outermost layer that has it (`VectorEnv.call`); non-functions are returned as is. */
export function callWrapperAttr(env: Env<unknown, unknown>, name: string, args: unknown[]): unknown {
  let e: Env<unknown, unknown> = env;
  for (;;) {
    if (name in e) {
      const v = (e as unknown as Record<string, unknown>)[name];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).apply(e, args) : v;
    }
    if (!(e instanceof Wrapper)) break;
    e = e.env as Env<unknown, unknown>;
  }
  throw new ValueError(`call: no environment in the wrapper stack has an attribute ${JSON.stringify(name)}`);
}
