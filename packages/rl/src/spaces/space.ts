import { ShapeError, Tensor, ValueError } from '@kindling/core';
import { Rng } from '../utils/rng.js';

/** Element types of array-valued spaces (Gymnasium's numpy dtypes that Kindling supports). */
export type SpaceDType = 'float32' | 'float64' | 'int32' | 'int8' | 'uint8';

/** The typed array holding the elements of an array-valued space. */
export type NumericArray = Float32Array | Float64Array | Int32Array | Int8Array | Uint8Array;

/** Seeds a space accepts: a number, or one per sub-space for `Tuple` (array) and `Dict` (object). */
export type SpaceSeed = number | readonly SpaceSeed[] | { readonly [key: string]: SpaceSeed };

/** Why a value is not an element of a space; `shape` says whether it is a shape/type problem. */
export interface Rejection {
  /** True for a wrong shape, length or kind of value (reported as `ShapeError`), false for a bad value (`ValueError`). */
  shape: boolean;
  /** A sentence naming what was got and what was expected. */
  reason: string;
}

/** The element type of a space (what `sample()` returns). */
export type SampleOf<S> = S extends Space<infer T> ? T : never;

/** Constructors of the typed arrays for each space dtype. */
export const ARRAY_TYPES = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  int8: Int8Array,
  uint8: Uint8Array,
} as const;

/** `[min, max]` of the integer space dtypes. */
export const INT_RANGES: Record<string, readonly [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int8: [-128, 127],
  uint8: [0, 255],
};

/** Allocates a zero-filled typed array of `dtype`. */
export function newArray(dtype: SpaceDType, n: number): NumericArray {
  return new ARRAY_TYPES[dtype](n);
}

/** True for any typed array or plain array. */
export function isArrayLike(x: unknown): x is ArrayLike<unknown> {
  return Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView));
}

/** Describes a value briefly for error messages. */
export function describe(x: unknown): string {
  if (x instanceof Tensor) return `a Tensor of shape [${x.shape.join(', ')}]`;
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (ArrayBuffer.isView(x))
    return `a ${x.constructor.name} of length ${(x as unknown as ArrayLike<number>).length}`;
  if (typeof x === 'string') return `the string ${JSON.stringify(x)}`;
  if (x === null || x === undefined) return String(x);
  if (typeof x === 'object') return 'an object';
  return `${typeof x} ${String(x)}`;
}

/** Rejects a Tensor with a hint on how to pass its values. */
export function tensorRejection(x: unknown): Rejection | null {
  if (!(x instanceof Tensor)) return null;
  return {
    shape: true,
    reason: `got ${describe(x)}; spaces hold typed arrays and numbers, pass x.dataSync() (or x.itemSync() for a scalar)`,
  };
}

/**
 * A set of values an environment accepts as actions or returns as observations (Gymnasium's
 * `gymnasium.spaces.Space`). Each space owns a seeded random stream for `sample()`; `seed(n)`
 * makes its samples reproducible. `contains(x)` tests membership, `check(x, op)` throws a clear
 * `ShapeError` / `ValueError` instead.
 */
export abstract class Space<T = unknown> {
  /** The shape of array-valued elements (`[]` for a scalar like `Discrete`, null for composites). */
  readonly shape: readonly number[] | null;
  /** The element dtype of array-valued spaces, null for composites. */
  readonly dtype: SpaceDType | null;
  /** @internal The random stream, created on first use. */
  protected _rng: Rng | null = null;

  /** @internal */
  protected constructor(shape: readonly number[] | null, dtype: SpaceDType | null) {
    this.shape = shape === null ? null : Object.freeze([...shape]);
    this.dtype = dtype;
  }

  /** The space's random stream (seeded non-deterministically on first use unless `seed()` was called). */
  get rng(): Rng {
    if (this._rng === null) this._rng = new Rng();
    return this._rng;
  }

  /** Seeds the space's random stream and returns the seed(s) used (a fresh random seed when omitted). */
  seed(seed?: SpaceSeed): SpaceSeed {
    if (seed !== undefined && typeof seed !== 'number')
      throw new ValueError(`${this.toString()}.seed: expected a number, got ${describe(seed)}`);
    this._rng = new Rng(seed);
    return this._rng.seed;
  }

  /** A random element of the space, drawn from the space's own stream. */
  abstract sample(): T;

  /** Why `x` is not an element of the space, or null when it is. */
  abstract explain(x: unknown): Rejection | null;

  /** Whether `x` is an element of the space. */
  contains(x: unknown): boolean {
    return this.explain(x) === null;
  }

  /** Throws a `ShapeError` or `ValueError` naming `op` unless `x` is an element of the space. */
  check(x: unknown, op: string): void {
    const r = this.explain(x);
    if (r === null) return;
    const msg = `${op}: ${r.reason} (space ${this.toString()})`;
    throw r.shape ? new ShapeError(msg) : new ValueError(msg);
  }

  /** Whether `other` is the same space (same type, bounds, shape and dtype). */
  abstract equals(other: unknown): boolean;

  /** A short description, like Gymnasium's repr (`Discrete(2)`, `Box(-1.0, 1.0, (3,), float32)`). */
  abstract toString(): string;
}

/** Checks that `shape` is a list of non-negative integers. */
export function checkShape(shape: readonly number[], op: string): number[] {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0))
    throw new ValueError(
      `${op}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`,
    );
  return [...shape];
}

/** Number of elements of a shape. */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Formats a shape the way numpy prints tuples: `(3,)`, `(2, 3)`. */
export function fmtShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}
