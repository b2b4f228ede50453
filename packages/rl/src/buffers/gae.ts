/**
 * Generalised advantage estimation and discounted returns, on plain arrays (time-major: element
 * `t * numEnvs + e` is step `t` of environment `e`).
 */
import { ValueError } from '@kindling/core';

/** Inputs of `computeGae`. All per-step arrays are time-major `[T, numEnvs]`, flattened. */
export interface GaeInput {
  /** Reward of each step. */
  rewards: ArrayLike<number>;
  /** `V(s_t)`: the value estimate of the observation each step acted on. */
  values: ArrayLike<number>;
  /** Whether each step reached a terminal state (no bootstrap: the next state is worth 0). */
  terminations: ArrayLike<boolean | number>;
  /**
   * Whether each step was cut short by a time limit (the episode ends, but the next state still
   * has a value: bootstrap from `truncationValues`). Default: no truncations.
   */
  truncations?: ArrayLike<boolean | number>;
  /**
   * `V(final observation)` of each truncated step (read only where `truncations` is set and
   * `terminations` is not); required when some step is truncated.
   */
  truncationValues?: ArrayLike<number>;
  /** `V(s_T)` of the observation after the last step, one per environment (bootstrap of unfinished episodes). */
  lastValues: ArrayLike<number>;
  /** Discount factor in [0, 1]. */
  gamma: number;
  /** GAE λ in [0, 1] (1: Monte-Carlo advantages, 0: one-step TD errors). */
  lambda: number;
  /** Number of environments (default 1). */
  numEnvs?: number;
}

/** Advantages and returns (`advantages + values`, the value targets), float64, time-major. */
export interface GaeResult {
  /** GAE(λ) advantage of each step. */
  advantages: Float64Array;
  /** λ-returns: `advantages[i] + values[i]`. */
  returns: Float64Array;
}

function checkUnit(op: string, name: string, v: number): void {
  if (typeof v !== 'number' || !(v >= 0 && v <= 1))
    throw new ValueError(`${op}: ${name} must be a number in [0, 1], got ${String(v)}`);
}

function checkLength(op: string, name: string, a: ArrayLike<unknown> | undefined, n: number): void {
  if (a === undefined || a.length !== n)
    throw new ValueError(
      `${op}: ${name} must have ${n} elements, got ${a === undefined ? 'none' : a.length}`,
    );
}

/**
 * GAE(λ) (Schulman et al. 2016) over a rollout of `T` steps of `numEnvs` environments:
 *
 *     nextValue_t = 0                     if terminated_t
 *                 = truncationValues_t    if truncated_t (the time limit cut a live episode)
 *                 = values_{t+1}          otherwise (lastValues after the last step)
 *     δ_t = r_t + γ · nextValue_t − V(s_t)
 *     A_t = δ_t + γλ · (1 − done_t) · A_{t+1},   done_t = terminated_t or truncated_t
 *
 * An episode end cuts the recursion (the next step belongs to a new episode), but only a
 * termination drops the bootstrap: a truncated episode is credited with the value of the state it
 * was cut at, so time limits do not look like failures.
 */
export function computeGae(input: GaeInput): GaeResult {
  const op = 'computeGae';
  const numEnvs = input.numEnvs ?? 1;
  if (!Number.isSafeInteger(numEnvs) || numEnvs <= 0)
    throw new ValueError(`${op}: numEnvs must be a positive integer, got ${String(numEnvs)}`);
  checkUnit(op, 'gamma', input.gamma);
  checkUnit(op, 'lambda', input.lambda);
  const n = input.rewards.length;
  if (n % numEnvs !== 0)
    throw new ValueError(`${op}: ${n} rewards is not a whole number of steps of ${numEnvs} environments`);
  checkLength(op, 'values', input.values, n);
  checkLength(op, 'terminations', input.terminations, n);
  if (input.truncations !== undefined) checkLength(op, 'truncations', input.truncations, n);
  checkLength(op, 'lastValues', input.lastValues, numEnvs);
  const { rewards, values, terminations, truncations, truncationValues, lastValues, gamma } = input;
  const gl = gamma * input.lambda;
  if (truncations !== undefined) {
    for (let i = 0; i < n; i++)
      if (truncations[i] && !terminations[i]) {
        checkLength(op, 'truncationValues (needed because a step is truncated)', truncationValues, n);
        break;
      }
  }
  const steps = n / numEnvs;
  const advantages = new Float64Array(n);
  const returns = new Float64Array(n);
  for (let e = 0; e < numEnvs; e++) {
    let next = 0; // A_{t+1}
    for (let t = steps - 1; t >= 0; t--) {
      const i = t * numEnvs + e;
      const term = Boolean(terminations[i]);
      const trunc = !term && truncations !== undefined && Boolean(truncations[i]);
      const nextValue = term
        ? 0
        : trunc
          ? (truncationValues as ArrayLike<number>)[i]
          : t === steps - 1
            ? lastValues[e]
            : values[i + numEnvs];
      const delta = rewards[i] + gamma * nextValue - values[i];
      const a = delta + (term || trunc ? 0 : gl * next);
      advantages[i] = a;
      returns[i] = a + values[i];
      next = a;
    }
  }
  return { advantages, returns };
}

/** Options of `discountedReturns`. */
export interface DiscountedReturnsOptions {
  /** Episode ends (either kind): the sum restarts before each end (default: none). */
  dones?: ArrayLike<boolean | number>;
  /** Value added (discounted) after the last step, e.g. `V(s_T)` of a cut-off episode (default 0). */
  bootstrapValue?: number;
}

/**
 * Discounted returns-to-go of one trajectory: `G_t = r_t + γ · G_{t+1}`, with `G_T =
 * bootstrapValue`, restarting at 0 after every step flagged in `dones`. Float64.
 */
export function discountedReturns(
  rewards: ArrayLike<number>,
  gamma: number,
  options: DiscountedReturnsOptions = {},
): Float64Array {
  const op = 'discountedReturns';
  checkUnit(op, 'gamma', gamma);
  const { dones } = options;
  if (dones !== undefined) checkLength(op, 'dones', dones, rewards.length);
  const out = new Float64Array(rewards.length);
  let g = options.bootstrapValue ?? 0;
  for (let t = rewards.length - 1; t >= 0; t--) {
    if (dones?.[t]) g = 0;
    g = rewards[t] + gamma * g;
    out[t] = g;
  }
  return out;
}
