import { ValueError } from '@kindling/core';
import type { Env, EnvSpec } from './core/env.js';
import { BUILTIN_ENVS } from './envs/builtins.js';
import { describe } from './spaces/space.js';
import { AutoReset } from './wrappers/autoreset.js';
import { TimeLimit } from './wrappers/time-limit.js';

/** What `register` accepts (Gymnasium's `register` keyword arguments). */
export interface RegisterOptions {
  /** Builds the bare environment from its options. */
  entryPoint: (options: Record<string, unknown>) => Env<any, any>;
  /** Steps after which `make` truncates episodes (default: none). */
  maxEpisodeSteps?: number | null;
  /** Return at which the task counts as solved. */
  rewardThreshold?: number | null;
  /** Whether the environment is non-deterministic even after seeding. */
  nondeterministic?: boolean;
  /** Default options of the entry point. */
  kwargs?: Record<string, unknown>;
}

/**
 * Options of `make`: `maxEpisodeSteps` (overrides the spec's limit; `null` removes the
 * `TimeLimit`), `autoreset` (adds an `AutoReset` wrapper), and everything else goes to the
 * environment's constructor (merged over the spec's `kwargs`). Keep them JSON-like when they are
 * meant for an `AsyncVectorEnv`, whose workers receive them by structured clone.
 */
export interface MakeOptions {
  /** Episode step limit (default: the spec's; null: no limit). */
  maxEpisodeSteps?: number | null;
  /** Wrap in `AutoReset` (default false). */
  autoreset?: boolean;
  /** Options of the environment's constructor. */
  [option: string]: unknown;
}

const ID_RE = /^(?:(?<ns>[\w:.-]+)\/)?(?<name>[\w:.-]+?)(?:-v(?<version>\d+))?$/;

/** The registered specs by id (Gymnasium's `gymnasium.registry`). */
export const registry = new Map<string, EnvSpec>();

/** Registers an environment id (`Name-vN`); re-registering an id replaces it. */
export function register(id: string, options: RegisterOptions): EnvSpec {
  if (typeof id !== 'string' || !ID_RE.test(id))
    throw new ValueError(`register: malformed id ${JSON.stringify(id)}; expected "Name-vN"`);
  if (typeof options?.entryPoint !== 'function')
    throw new ValueError(`register(${id}): entryPoint must be a function (options) => Env`);
  const max = options.maxEpisodeSteps ?? null;
  if (max !== null && !(Number.isSafeInteger(max) && max > 0))
    throw new ValueError(`register(${id}): maxEpisodeSteps must be a positive integer, got ${max}`);
  const spec: EnvSpec = Object.freeze({
    id,
    entryPoint: options.entryPoint as EnvSpec['entryPoint'],
    rewardThreshold: options.rewardThreshold ?? null,
    nondeterministic: options.nondeterministic ?? false,
    maxEpisodeSteps: max,
    kwargs: Object.freeze({ ...(options.kwargs ?? {}) }),
  });
  registry.set(id, spec);
  return spec;
}

/** The spec of a registered id; a `ValueError` lists the versions that exist when it is not. */
export function spec(id: string): EnvSpec {
  const found = registry.get(id);
  if (found) return found;
  const name = ID_RE.exec(String(id))?.groups?.name;
  const others = [...registry.keys()].filter((k) => ID_RE.exec(k)?.groups?.name === name);
  const hint = others.length > 0 ? ` Registered versions: ${others.join(', ')}.` : '';
  throw new ValueError(`make: no registered environment with id ${JSON.stringify(id)}.${hint}`);
}

/**
 * Observation and action types of registered ids, so that `make('CartPole-v1')` is typed
 * `Env<Float32Array, number>`. Packages registering their own environments may augment it.
 */
export interface EnvTypes {
  /** `CartPoleEnv`, 200 steps: `[x, x_dot, theta, theta_dot]`; push left (0) or right (1). */
  'CartPole-v0': [Float32Array, number];
  /** `CartPoleEnv`, 500 steps: `[x, x_dot, theta, theta_dot]`; push left (0) or right (1). */
  'CartPole-v1': [Float32Array, number];
  /** `MountainCarEnv`: `[position, velocity]`; accelerate left (0), not at all (1) or right (2). */
  'MountainCar-v0': [Float32Array, number];
  /** `ContinuousMountainCarEnv`: `[position, velocity]`; one force in [-1, 1]. */
  'MountainCarContinuous-v0': [Float32Array, ArrayLike<number>];
  /** `PendulumEnv`: `[cos θ, sin θ, θ_dot]`; one torque in [-2, 2]. */
  'Pendulum-v1': [Float32Array, ArrayLike<number>];
  /** `AcrobotEnv`: cos/sin of both joint angles and their velocities; torque -1 (0), 0 (1) or +1 (2). */
  'Acrobot-v1': [Float32Array, number];
  /** `GridWorldEnv`: the agent's cell index; a move left (0), down (1), right (2) or up (3). */
  'GridWorld-v0': [number, number];
}

/**
 * Creates a registered environment (Gymnasium's `make`): builds it with the spec's `kwargs`
 * overridden by `options`, sets its `spec`, then wraps it in `TimeLimit` when the spec (or
 * `options.maxEpisodeSteps`) gives a limit, and in `AutoReset` when `options.autoreset` is set.
 * The protocol checks of Gymnasium's `OrderEnforcing` are built into every `Env`.
 */
export function make<K extends keyof EnvTypes>(
  id: K,
  options?: MakeOptions,
): Env<EnvTypes[K][0], EnvTypes[K][1]>;
export function make(id: string | EnvSpec, options?: MakeOptions): Env<any, any>;
export function make(id: string | EnvSpec, options: MakeOptions = {}): Env<any, any> {
  const s = typeof id === 'string' ? spec(id) : id;
  if (typeof options !== 'object' || options === null)
    throw new ValueError(`make(${s.id}): options must be an object, got ${describe(options)}`);
  const { maxEpisodeSteps, autoreset, ...kwargs } = options;
  const merged = { ...s.kwargs, ...kwargs };
  let env: Env<any, any> = s.entryPoint(merged);
  const max = maxEpisodeSteps === undefined ? s.maxEpisodeSteps : maxEpisodeSteps;
  env.spec = { ...s, kwargs: merged, maxEpisodeSteps: max ?? null };
  if (max !== null && max !== undefined) env = new TimeLimit(env, max);
  if (autoreset) env = new AutoReset(env);
  return env;
}

/** Registers (again) the built-in environments, e.g. after a test replaced one of them. */
export function registerBuiltins(): void {
  for (const [id, options] of BUILTIN_ENVS) register(id, options);
}

registerBuiltins();
