import { ValueError } from '@kindling/core';
import {
  ARRAY_TYPES,
  checkShape,
  describe,
  fmtShape,
  INT_RANGES,
  isArrayLike,
  type NumericArray,
  newArray,
  numel,
  type Rejection,
  Space,
  type SpaceDType,
  tensorRejection,
} from './space.js';

/** Options of `Box`. */
export interface BoxOptions {
  /** Element shape; inferred from `low`/`high` arrays when omitted (`[1]` when both are numbers). */
  shape?: readonly number[];
  /** Element dtype (default float32, as Gymnasium). */
  dtype?: SpaceDType;
  /** Seed of the sampling stream. */
  seed?: number;
}

function bound(value: number | ArrayLike<number>, n: number, name: string): Float64Array {
  if (typeof value === 'number') return new Float64Array(n).fill(value);
  if (!isArrayLike(value))
    throw new ValueError(`Box: ${name} must be a number or an array, got ${describe(value)}`);
  if (value.length !== n)
    throw new ValueError(`Box: ${name} has ${value.length} elements, expected ${n} for the shape`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = value[i];
    if (typeof v !== 'number') throw new ValueError(`Box: ${name}[${i}] is not a number: ${describe(v)}`);
    out[i] = v;
  }
  return out;
}

/**
 * A (possibly unbounded) box in R^n (`gymnasium.spaces.Box`): elements are typed arrays of
 * `dtype`, row-major for `shape`. Bounds are cast to `dtype` (float32 bounds are rounded to
 * float32); infinite bounds of integer boxes become the dtype's limits and count as unbounded.
 * `sample()` follows Gymnasium: uniform on bounded coordinates, shifted exponential on
 * half-bounded ones, standard normal on unbounded ones; integer boxes sample `[low, high + 1)`
 * and floor. The type parameter names the typed array of `dtype` (e.g. `Box<Float32Array>`).
 */
export class Box<T extends NumericArray = NumericArray> extends Space<T> {
  /** Lower bounds, one per element, in `dtype`. */
  readonly low: T;
  /** Upper bounds, one per element, in `dtype`. */
  readonly high: T;
  /** 1 where the lower bound is finite. */
  readonly boundedBelow: Uint8Array;
  /** 1 where the upper bound is finite. */
  readonly boundedAbove: Uint8Array;
  declare readonly shape: readonly number[];
  declare readonly dtype: SpaceDType;

  /** A box with bounds `low` and `high` (numbers, or flat row-major arrays of the shape). */
  constructor(low: number | ArrayLike<number>, high: number | ArrayLike<number>, options: BoxOptions = {}) {
    const dtype = options.dtype ?? 'float32';
    if (!(dtype in ARRAY_TYPES)) throw new ValueError(`Box: unsupported dtype ${String(dtype)}`);
    let shape: number[];
    if (options.shape !== undefined) shape = checkShape(options.shape, 'Box');
    else if (typeof low !== 'number') {
      shape = [low.length];
      if (typeof high !== 'number' && high.length !== low.length)
        throw new ValueError(`Box: low has ${low.length} elements but high has ${high.length}`);
    } else if (typeof high !== 'number') shape = [high.length];
    else shape = [1];
    super(shape, dtype);
    const n = numel(shape);
    const lo = bound(low, n, 'low');
    const hi = bound(high, n, 'high');
    this.boundedBelow = new Uint8Array(n);
    this.boundedAbove = new Uint8Array(n);
    const range = INT_RANGES[dtype];
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(lo[i]) || Number.isNaN(hi[i])) throw new ValueError(`Box: bounds must not be NaN`);
      if (lo[i] === Infinity || hi[i] === -Infinity)
        throw new ValueError(`Box: low must not be +inf and high must not be -inf (element ${i})`);
      this.boundedBelow[i] = lo[i] > -Infinity ? 1 : 0;
      this.boundedAbove[i] = hi[i] < Infinity ? 1 : 0;
      if (range) {
        if (lo[i] === -Infinity) {
          if (range[0] === 0) throw new ValueError(`Box: an unsigned ${dtype} box cannot have low=-inf`);
          lo[i] = range[0];
        }
        if (hi[i] === Infinity) hi[i] = range[1];
        for (const v of [lo[i], hi[i]])
          if (!Number.isInteger(v) || v < range[0] || v > range[1])
            throw new ValueError(`Box: bound ${v} is not a valid ${dtype} value`);
      }
      if (lo[i] > hi[i])
        throw new ValueError(`Box: low must be <= high everywhere, got low=${lo[i]} > high=${hi[i]} at ${i}`);
    }
    this.low = newArray(dtype, n) as T;
    this.high = newArray(dtype, n) as T;
    this.low.set(lo);
    this.high.set(hi);
    if (options.seed !== undefined) this.seed(options.seed);
  }

  /** Whether every coordinate is bounded on both sides. */
  isBounded(manner: 'both' | 'below' | 'above' = 'both'): boolean {
    const below = this.boundedBelow.every((b) => b === 1);
    const above = this.boundedAbove.every((b) => b === 1);
    return manner === 'both' ? below && above : manner === 'below' ? below : above;
  }

  /** Number of elements. */
  get size(): number {
    return this.low.length;
  }

  /** A random element (see the class comment for the distribution of each kind of coordinate). */
  sample(): T {
    const n = this.low.length;
    const out = newArray(this.dtype, n) as T;
    const integer = this.dtype in INT_RANGES;
    const rng = this.rng;
    for (let i = 0; i < n; i++) {
      const lo = this.low[i];
      const hi = integer ? this.high[i] + 1 : this.high[i];
      const below = this.boundedBelow[i] === 1;
      const above = this.boundedAbove[i] === 1;
      let v: number;
      if (!below && !above) v = rng.normal();
      else if (below && !above) v = rng.exponential() + lo;
      else if (!below && above) v = hi - rng.exponential();
      else v = rng.uniform(lo, hi);
      if (integer) v = Math.min(Math.max(Math.floor(v), this.low[i]), this.high[i]);
      out[i] = v;
    }
    return out;
  }

  /** Why `x` is not in the box: it must be a flat array of `size` numbers within the bounds. */
  explain(x: unknown): Rejection | null {
    const t = tensorRejection(x);
    if (t) return t;
    const n = this.low.length;
    if (!isArrayLike(x))
      return { shape: true, reason: `expected an array of ${n} numbers, got ${describe(x)}` };
    if (x.length !== n)
      return {
        shape: true,
        reason: `expected ${n} values (shape ${fmtShape(this.shape)}, flat row-major), got ${describe(x)}`,
      };
    const integer = this.dtype in INT_RANGES;
    for (let i = 0; i < n; i++) {
      const v = x[i];
      if (typeof v !== 'number')
        return { shape: true, reason: `element ${i} is ${describe(v)}; expected a flat array of numbers` };
      if (!(v >= this.low[i] && v <= this.high[i]))
        return { shape: false, reason: `element ${i} = ${v} is outside [${this.low[i]}, ${this.high[i]}]` };
      if (integer && !Number.isInteger(v))
        return { shape: false, reason: `element ${i} = ${v} is not an integer (dtype ${this.dtype})` };
    }
    return null;
  }

  /** Same shape, dtype and bounds. */
  equals(other: unknown): boolean {
    if (!(other instanceof Box) || other.dtype !== this.dtype) return false;
    if (other.shape.length !== this.shape.length || other.shape.some((d, i) => d !== this.shape[i]))
      return false;
    for (let i = 0; i < this.low.length; i++)
      if (!Object.is(this.low[i], other.low[i]) || !Object.is(this.high[i], other.high[i])) return false;
    return true;
  }

  /**
   * `Box(low, high, shape, dtype)` as Gymnasium prints it: bounds collapsed to one number when
   * uniform, float32 bounds in their shortest form, infinities as `inf`.
   */
  toString(): string {
    const integer = this.dtype in INT_RANGES;
    const one = (v: number): string => {
      if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
      if (integer) return String(v);
      if (Number.isInteger(v)) return v.toFixed(1);
      if (this.dtype === 'float32')
        for (let p = 1; p < 9; p++) {
          const short = Number(v.toPrecision(p));
          if (Math.fround(short) === v) return String(short);
        }
      return String(v);
    };
    const fmt = (a: NumericArray) => {
      const same = a.every((v) => Object.is(v, a[0]));
      return same && a.length > 0 ? one(a[0]) : `[${Array.from(a, one).join(' ')}]`;
    };
    return `Box(${fmt(this.low)}, ${fmt(this.high)}, ${fmtShape(this.shape)}, ${this.dtype})`;
  }
}
