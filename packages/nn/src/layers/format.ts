/**
 * Helpers that print values the way Python prints them, so `extraRepr()` matches PyTorch's module
 * repr character for character (internal).
 */
import { ValueError } from '@kindling/core';

/** A float as Python's `repr` prints it: `0.1`, `1.0`, `1e-05`, `1e+16`, `nan`, `inf`. */
export function pyFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const sign = v < 0 ? '-' : '';
  const [mant, expStr] = Math.abs(v).toExponential().split('e');
  const exp = Number(expStr);
  const digits = mant.replace('.', '');
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${intPart}.${frac || '0'}`;
}

/** A number that PyTorch keeps as given (int or float): integers print without `.0`. */
export function pyNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : pyFloat(v);
}

/** A Python tuple of numbers: `(3,)`, `(3, 3)`. */
export function pyTuple(values: readonly (number | null)[]): string {
  const items = values.map((v) => (v === null ? 'None' : String(v)));
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
}

/** A size given as a number or a list, printed as Python would print the same argument. */
export function pySize(v: number | readonly (number | null)[]): string {
  return typeof v === 'number' ? String(v) : pyTuple(v);
}

/** Python's `True` / `False`. */
export function pyBool(v: boolean): string {
  return v ? 'True' : 'False';
}

/** A shape as `[2, 3]` for error messages. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Expands a size argument to `n` entries (a number repeats; a list must have 1 or `n` entries). */
export function tupleOf(v: number | readonly number[], n: number, name: string, layer: string): number[] {
  const arr = typeof v === 'number' ? Array(n).fill(v) : v.length === 1 ? Array(n).fill(v[0]) : [...v];
  if (arr.length !== n || arr.some((s) => !Number.isInteger(s)))
    throw new ValueError(`${layer}: ${name} must be an integer or ${n} integers, got ${JSON.stringify(v)}`);
  return arr;
}
