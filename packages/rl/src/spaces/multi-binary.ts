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

/** Options of `MultiBinary`. */
export interface MultiBinaryOptions {
  /** Seed of the sampling stream. */
  seed?: number;
}

/** Arrays of 0/1 values (`gymnasium.spaces.MultiBinary`); elements are `Int8Array`s, as Gymnasium's int8. */
export class MultiBinary extends Space<Int8Array> {
  /** The `n` it was built with: a length or a shape. */
  readonly n: number | readonly number[];
  declare readonly shape: readonly number[];

  /** `n` binary values, or a binary array of shape `n`. */
  constructor(n: number | readonly number[], options: MultiBinaryOptions = {}) {
    if (typeof n === 'number' && !(Number.isSafeInteger(n) && n > 0))
      throw new ValueError(`MultiBinary: n must be a positive integer, got ${n}`);
    const shape = typeof n === 'number' ? [n] : checkShape(n, 'MultiBinary');
    super(shape, 'int8');
    this.n = typeof n === 'number' ? n : Object.freeze([...n]);
    if (options.seed !== undefined) this.seed(options.seed);
  }

  /** A uniformly random 0/1 array. */
  sample(): Int8Array {
    const out = new Int8Array(numel(this.shape));
    for (let i = 0; i < out.length; i++) out[i] = this.rng.next() < 0.5 ? 0 : 1;
    return out;
  }

  /** Why `x` is not a flat array of 0/1 values of the right length. */
  explain(x: unknown): Rejection | null {
    const t = tensorRejection(x);
    if (t) return t;
    const n = numel(this.shape);
    if (!isArrayLike(x) || x.length !== n)
      return {
        shape: true,
        reason: `expected ${n} binary values (shape ${fmtShape(this.shape)}), got ${describe(x)}`,
      };
    for (let i = 0; i < n; i++) {
      const v = x[i];
      if (typeof v !== 'number') return { shape: true, reason: `element ${i} is ${describe(v)}` };
      if (v !== 0 && v !== 1) return { shape: false, reason: `element ${i} = ${v} is not 0 or 1` };
    }
    return null;
  }

  /** Same shape. */
  equals(other: unknown): boolean {
    return (
      other instanceof MultiBinary &&
      other.shape.length === this.shape.length &&
      other.shape.every((d, i) => d === this.shape[i])
    );
  }

  /** `MultiBinary(n)`. */
  toString(): string {
    return `MultiBinary(${typeof this.n === 'number' ? this.n : fmtShape(this.shape)})`;
  }
}
