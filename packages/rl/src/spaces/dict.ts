import { ValueError } from '@kindling/core';
import { checkSeed } from '../utils/rng.js';
import { describe, type Rejection, type SampleOf, Space, type SpaceSeed, tensorRejection } from './space.js';

/** Element type of a `Dict` of spaces `S`. */
export type DictSample<S extends Record<string, Space<unknown>>> = { [K in keyof S]: SampleOf<S[K]> };

/**
 * A product of named spaces (`gymnasium.spaces.Dict`): elements are objects with one element of
 * each sub-space under its key. Keys keep their insertion order (Gymnasium sorts keys of a plain
 * dict; JavaScript objects keep the order they were written in). Seeding works as for `Tuple`.
 */
export class Dict<S extends Record<string, Space<unknown>> = Record<string, Space<unknown>>> extends Space<
  DictSample<S>
> {
  /** The sub-spaces by key. */
  readonly spaces: Readonly<S>;

  /** The product of the named `spaces`. */
  constructor(spaces: S, options: { seed?: SpaceSeed } = {}) {
    super(null, null);
    if (typeof spaces !== 'object' || spaces === null || Array.isArray(spaces))
      throw new ValueError(`Dict: expected an object of spaces, got ${describe(spaces)}`);
    for (const [k, s] of Object.entries(spaces))
      if (!(s instanceof Space)) throw new ValueError(`Dict: entry ${k} is not a space: ${describe(s)}`);
    this.spaces = Object.freeze({ ...spaces });
    if (options.seed !== undefined) this.seed(options.seed);
  }

  /** The keys, in order. */
  keys(): string[] {
    return Object.keys(this.spaces);
  }

  /** Seeds this space and its sub-spaces; returns the seeds used by key (`__self__` for this space's own). */
  override seed(seed?: SpaceSeed): SpaceSeed {
    if (typeof seed === 'object' && seed !== null && !Array.isArray(seed)) {
      const given = seed as Record<string, SpaceSeed>;
      const keys = this.keys();
      if (Object.keys(given).length !== keys.length || keys.some((k) => !(k in given)))
        throw new ValueError(`Dict.seed: expected seeds for the keys ${keys.join(', ')}`);
      return Object.fromEntries(keys.map((k) => [k, this.spaces[k].seed(given[k])]));
    }
    if (seed !== undefined) checkSeed(seed, 'Dict.seed');
    const own = super.seed(seed) as number;
    const out: Record<string, SpaceSeed> = { __self__: own };
    for (const k of this.keys()) out[k] = this.spaces[k].seed(this.rng.seedInt());
    return out;
  }

  /** One sample of each sub-space. */
  sample(): DictSample<S> {
    const out: Record<string, unknown> = {};
    for (const k of this.keys()) out[k] = this.spaces[k].sample();
    return out as DictSample<S>;
  }

  /** Why `x` is not an object with exactly the keys of this space, each holding an element of its sub-space. */
  explain(x: unknown): Rejection | null {
    const t = tensorRejection(x);
    if (t) return t;
    const keys = this.keys();
    if (typeof x !== 'object' || x === null || Array.isArray(x) || ArrayBuffer.isView(x))
      return { shape: true, reason: `expected an object with keys ${keys.join(', ')}, got ${describe(x)}` };
    const got = Object.keys(x);
    if (got.length !== keys.length || keys.some((k) => !(k in x)))
      return { shape: true, reason: `expected the keys ${keys.join(', ')}, got ${got.join(', ')}` };
    for (const k of keys) {
      const r = this.spaces[k].explain((x as Record<string, unknown>)[k]);
      if (r) return { shape: r.shape, reason: `${k}: ${r.reason}` };
    }
    return null;
  }

  /** Same keys (in order) with equal sub-spaces. */
  equals(other: unknown): boolean {
    if (!(other instanceof Dict)) return false;
    const a = this.keys();
    const b = other.keys();
    return a.length === b.length && a.every((k, i) => k === b[i] && this.spaces[k].equals(other.spaces[k]));
  }

  /** `Dict('a': ..., 'b': ...)`. */
  toString(): string {
    return `Dict(${this.keys()
      .map((k) => `'${k}': ${this.spaces[k].toString()}`)
      .join(', ')})`;
  }
}
