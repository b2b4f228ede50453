import { ShapeError, ValueError } from '@kindling/core';
import { describe, isArrayLike } from '../../spaces/space.js';

/** Reads a number option, or returns the default when it is absent. */
export function numberOption(
  options: Record<string, unknown> | undefined,
  key: string,
  fallback: number,
  op: string,
): number {
  if (options === undefined || options === null || !(key in options) || options[key] === undefined)
    return fallback;
  const v = options[key];
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ValueError(`${op}: option ${key} must be a finite number, got ${describe(v)}`);
  return v;
}

/**
 * Gymnasium's `maybe_parse_reset_bounds`: the `low`/`high` reset options, or the defaults; throws
 * a `ValueError` when low > high.
 */
export function resetBounds(
  options: Record<string, unknown> | undefined,
  low: number,
  high: number,
  op: string,
): [number, number] {
  const lo = numberOption(options, 'low', low, op);
  const hi = numberOption(options, 'high', high, op);
  if (lo > hi) throw new ValueError(`${op}: lower bound (${lo}) must be lower than higher bound (${hi})`);
  return [lo, hi];
}

/** Checks a physical state given to a `state` setter: `n` finite numbers. */
export function checkState(state: unknown, n: number, names: string, op: string): Float64Array {
  if (!isArrayLike(state) || state.length !== n)
    throw new ShapeError(`${op}: expected ${n} numbers (${names}), got ${describe(state)}`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = state[i];
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new ValueError(`${op}: state[${i}] must be a finite number, got ${describe(v)}`);
    out[i] = v;
  }
  return out;
}

/** Throws unless the state exists (the environment was reset or its state was set). */
export function requireState(state: Float64Array | null, op: string): Float64Array {
  if (state === null) throw new ValueError(`${op}: the state is not set; call reset() first`);
  return state;
}
