import { ValueError } from '@kindling/core';
import { checkSeed } from '../utils/rng.js';
import { describe, type Rejection, type SampleOf, Space, type SpaceSeed, tensorRejection } from './space.js';

/** Element type of a `Tuple` of spaces `S`. */
export type TupleSample<S extends readonly Space<unknown>[]> = { -readonly [K in keyof S]: SampleOf<S[K]> };

/**
 * A product of spaces (`gymnasium.spaces.Tuple`): elements are arrays with one element of each
 * sub-space. `seed(n)` seeds this space and derives one seed per sub-space from it; `seed([..])`
 * seeds each sub-space directly.
 */
export class Tuple<S extends readonly Space<unknown>[] = Space<unknown>[]> extends Space<TupleSample<S>> {
  /** The sub-spaces. */
  readonly spaces: S;

  /** The product of `spaces`. */
  constructor(spaces: S, options: { seed?: SpaceSeed } = {}) {
    super(null, null);
    if (!Array.isArray(spaces) || spaces.some((s) => !(s instanceof Space)))
      throw new ValueError(`Tuple: expected an array of spaces, got ${describe(spaces)}`);
    this.spaces = Object.freeze([...spaces]) as unknown as S;
    if (options.seed !== undefined) this.seed(options.seed);
  }

  /** Seeds this space and its sub-spaces; returns `[own seed, ...sub-space seeds]` or the sub-space seeds given. */
  override seed(seed?: SpaceSeed): SpaceSeed {
    if (Array.isArray(seed)) {
      if (seed.length !== this.spaces.length)
        throw new ValueError(`Tuple.seed: expected ${this.spaces.length} seeds, got ${seed.length}`);
      return this.spaces.map((s, i) => s.seed(seed[i]));
    }
    if (seed !== undefined) checkSeed(seed, 'Tuple.seed');
    const own = super.seed(seed) as number;
    return [own, ...this.spaces.map((s) => s.seed(this.rng.seedInt()))];
  }

  /** One sample of each sub-space. */
  sample(): TupleSample<S> {
    return this.spaces.map((s) => s.sample()) as unknown as TupleSample<S>;
  }

  /** Why `x` is not an array with an element of each sub-space. */
  explain(x: unknown): Rejection | null {
    const t = tensorRejection(x);
    if (t) return t;
    if (!Array.isArray(x) || x.length !== this.spaces.length)
      return {
        shape: true,
        reason: `expected an array of ${this.spaces.length} elements, got ${describe(x)}`,
      };
    for (let i = 0; i < this.spaces.length; i++) {
      const r = this.spaces[i].explain(x[i]);
      if (r) return { shape: r.shape, reason: `[${i}]: ${r.reason}` };
    }
    return null;
  }

  /** Same sub-spaces in the same order. */
  equals(other: unknown): boolean {
    return (
      other instanceof Tuple &&
      other.spaces.length === this.spaces.length &&
      this.spaces.every((s, i) => s.equals(other.spaces[i]))
    );
  }

  /** `Tuple(a, b, ...)`. */
  toString(): string {
    return `Tuple(${this.spaces.map((s) => s.toString()).join(', ')})`;
  }
}
