import { ValueError } from '@kindling/core';
import {
  checkShape,
  describe,
  fmtShape,
  isArrayLike,
  numel,
  type Rejection,
  Space,
  tensorRejection,
} from './space.js';

/** Options of `MultiDiscrete`. */
export interface MultiDiscreteOptions {
  /** Smallest value of each coordinate: a number for all, or one per coordinate (default 0). */
  start?: number | ArrayLike<number>;
  /** Shape of an element when `nvec` is a flat row-major array of a multi-dimensional shape. */
  shape?: readonly number[];
  /** Seed of the sampling stream. */
  seed?: number;
}

/**
 * Several discrete coordinates (`gymnasium.spaces.MultiDiscrete`): coordinate `i` takes the
 * integers `start[i] .. start[i] + nvec[i] - 1`. Elements are `Int32Array`s (Gymnasium: int64).
 */
export class MultiDiscrete extends Space<Int32Array> {
  /** Number of values of each coordinate. */
  readonly nvec: Int32Array;
  /** Smallest value of each coordinate. */
  readonly start: Int32Array;
  declare readonly shape: readonly number[];

  /** Coordinates with `nvec[i]` values each. */
  constructor(nvec: ArrayLike<number>, options: MultiDiscreteOptions = {}) {
    if (!isArrayLike(nvec))
      throw new ValueError(`MultiDiscrete: nvec must be an array, got ${describe(nvec)}`);
    const shape = options.shape === undefined ? [nvec.length] : checkShape(options.shape, 'MultiDiscrete');
    if (numel(shape) !== nvec.length)
      throw new ValueError(
        `MultiDiscrete: nvec has ${nvec.length} elements, shape ${fmtShape(shape)} needs ${numel(shape)}`,
      );
    super(shape, 'int32');
    this.nvec = new Int32Array(nvec.length);
    this.start = new Int32Array(nvec.length);
    const s = options.start ?? 0;
    if (typeof s !== 'number' && s.length !== nvec.length)
      throw new ValueError(`MultiDiscrete: start has ${s.length} elements, expected ${nvec.length}`);
    for (let i = 0; i < nvec.length; i++) {
      const n = nvec[i];
      const st = typeof s === 'number' ? s : s[i];
      if (!Number.isInteger(n) || n <= 0 || n > 2 ** 31 - 1)
        throw new ValueError(`MultiDiscrete: nvec values must be positive integers, got ${n} at ${i}`);
      if (!Number.isInteger(st) || st < -(2 ** 31) || st + n - 1 > 2 ** 31 - 1)
        throw new ValueError(`MultiDiscrete: start ${st} at ${i} does not fit int32`);
      this.nvec[i] = n;
      this.start[i] = st;
    }
    if (options.seed !== undefined) this.seed(options.seed);
  }

  /** A uniformly random element. */
  sample(): Int32Array {
    const out = new Int32Array(this.nvec.length);
    for (let i = 0; i < out.length; i++) out[i] = this.start[i] + this.rng.integers(0, this.nvec[i]);
    return out;
  }

  /** Why `x` is not a flat array of integers with `start[i] <= x[i] < start[i] + nvec[i]`. */
  explain(x: unknown): Rejection | null {
    const t = tensorRejection(x);
    if (t) return t;
    const n = this.nvec.length;
    if (!isArrayLike(x) || x.length !== n)
      return {
        shape: true,
        reason: `expected ${n} integers (shape ${fmtShape(this.shape)}), got ${describe(x)}`,
      };
    for (let i = 0; i < n; i++) {
      const v = x[i];
      if (typeof v !== 'number') return { shape: true, reason: `element ${i} is ${describe(v)}` };
      if (!Number.isInteger(v) || v < this.start[i] || v >= this.start[i] + this.nvec[i])
        return {
          shape: false,
          reason: `element ${i} = ${v} is not an integer in [${this.start[i]}, ${this.start[i] + this.nvec[i] - 1}]`,
        };
    }
    return null;
  }

  /** Same shape, `nvec` and `start`. */
  equals(other: unknown): boolean {
    return (
      other instanceof MultiDiscrete &&
      other.shape.length === this.shape.length &&
      other.shape.every((d, i) => d === this.shape[i]) &&
      other.nvec.every((v, i) => v === this.nvec[i]) &&
      other.start.every((v, i) => v === this.start[i])
    );
  }

  /** `MultiDiscrete([n0 n1 ...])`. */
  toString(): string {
    const st = this.start.some((v) => v !== 0) ? `, start=[${this.start.join(' ')}]` : '';
    return `MultiDiscrete([${this.nvec.join(' ')}]${st})`;
  }
}
