import { ValueError } from '@kindling/core';
import { describe, isArrayLike, type Rejection, Space, tensorRejection } from './space.js';

/** Options of `Discrete`. */
export interface DiscreteOptions {
  /** The smallest element (default 0). */
  start?: number;
  /** Seed of the sampling stream. */
  seed?: number;
}

/** Options of `Discrete.sample`. */
export interface DiscreteSampleOptions {
  /** 1 for the elements that may be drawn, 0 for the others (length `n`); all zero gives `start`. */
  mask?: ArrayLike<number>;
  /** Probability of each element (length `n`, non-negative, summing to 1). */
  probability?: ArrayLike<number>;
}

/** The integers `start, start + 1, ..., start + n - 1` (`gymnasium.spaces.Discrete`); elements are plain numbers. */
export class Discrete extends Space<number> {
  /** Number of elements. */
  readonly n: number;
  /** The smallest element. */
  readonly start: number;

  /** `n` integers from `start` (default 0). */
  constructor(n: number, options: DiscreteOptions = {}) {
    super([], 'int32');
    if (!Number.isSafeInteger(n) || n <= 0)
      throw new ValueError(`Discrete: n must be a positive integer, got ${n}`);
    const start = options.start ?? 0;
    if (!Number.isSafeInteger(start))
      throw new ValueError(`Discrete: start must be an integer, got ${start}`);
    this.n = n;
    this.start = start;
    if (options.seed !== undefined) this.seed(options.seed);
  }

  /** A uniformly random element, or one drawn under `mask` / with `probability` (as Gymnasium). */
  sample(options: DiscreteSampleOptions = {}): number {
    const { mask, probability } = options;
    if (mask !== undefined && probability !== undefined)
      throw new ValueError('Discrete.sample: give a mask or a probability, not both');
    if (mask !== undefined) {
      this.checkWeights(mask, 'mask');
      const valid: number[] = [];
      for (let i = 0; i < this.n; i++) {
        if (mask[i] !== 0 && mask[i] !== 1)
          throw new ValueError(`Discrete.sample: mask values must be 0 or 1, got ${mask[i]} at ${i}`);
        if (mask[i] === 1) valid.push(i);
      }
      return valid.length === 0 ? this.start : this.start + valid[this.rng.integers(0, valid.length)];
    }
    if (probability !== undefined) {
      this.checkWeights(probability, 'probability');
      let total = 0;
      for (let i = 0; i < this.n; i++) {
        if (!(probability[i] >= 0))
          throw new ValueError(`Discrete.sample: probabilities must be >= 0, got ${probability[i]} at ${i}`);
        total += probability[i];
      }
      if (Math.abs(total - 1) > 1e-6)
        throw new ValueError(`Discrete.sample: probabilities must sum to 1, got ${total}`);
      const u = this.rng.next() * total;
      let acc = 0;
      let last = 0;
      for (let i = 0; i < this.n; i++) {
        if (probability[i] <= 0) continue;
        acc += probability[i];
        last = i;
        if (u < acc) return this.start + i;
      }
      return this.start + last;
    }
    return this.start + this.rng.integers(0, this.n);
  }

  private checkWeights(w: ArrayLike<number>, name: string): void {
    if (!isArrayLike(w) || w.length !== this.n)
      throw new ValueError(`Discrete.sample: ${name} must have ${this.n} elements, got ${describe(w)}`);
  }

  /** Why `x` is not an integer in `[start, start + n)`. */
  explain(x: unknown): Rejection | null {
    const t = tensorRejection(x);
    if (t) return t;
    if (typeof x !== 'number') return { shape: true, reason: `expected an integer, got ${describe(x)}` };
    if (!Number.isInteger(x)) return { shape: false, reason: `expected an integer, got ${x}` };
    if (x < this.start || x >= this.start + this.n)
      return { shape: false, reason: `${x} is outside [${this.start}, ${this.start + this.n - 1}]` };
    return null;
  }

  /** Same `n` and `start`. */
  equals(other: unknown): boolean {
    return other instanceof Discrete && other.n === this.n && other.start === this.start;
  }

  /** `Discrete(n)` or `Discrete(n, start=s)`. */
  toString(): string {
    return this.start === 0 ? `Discrete(${this.n})` : `Discrete(${this.n}, start=${this.start})`;
  }
}
