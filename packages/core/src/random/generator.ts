import { ValueError } from '../errors.js';
import type { PhiloxKey } from './philox.js';

/** A seed: a non-negative safe integer, or a bigint in `[0, 2^64)`. */
export type Seed = number | bigint;

/** A generator's full state: its seed and how many Philox blocks it has consumed. */
export interface GeneratorState {
  /** The seed (the Philox key). */
  seed: Seed;
  /** Philox blocks consumed so far (the next draw's first counter). */
  offset: number;
}

/** PyTorch's default seed, used until `manualSeed` is called. */
const DEFAULT_SEED = 67280421310721;
const TWO_POW_64 = 1n << 64n;

function checkSeed(seed: unknown, op: string): Seed {
  if (typeof seed === 'bigint') {
    if (seed < 0n || seed >= TWO_POW_64)
      throw new ValueError(`${op}: seed must be in [0, 2^64), got ${seed}`);
    return seed;
  }
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new ValueError(
      `${op}: seed must be a non-negative safe integer or a bigint in [0, 2^64), got ${String(seed)}`,
    );
  }
  return seed;
}

function keyOf(seed: Seed): PhiloxKey {
  if (typeof seed === 'bigint') return [Number(seed & 0xffffffffn), Number(seed >> 32n)];
  return [seed % 4294967296, Math.floor(seed / 4294967296)];
}

/**
 * A counter-based random generator (Philox4x32-10), like `torch.Generator`. Its state is a seed and
 * an offset; each draw uses counters from the offset on and then advances it, so draws are
 * reproducible on every backend and independent generators never disturb each other.
 */
export class Generator {
  private _seed: Seed = DEFAULT_SEED;
  private _key: PhiloxKey = keyOf(DEFAULT_SEED);
  private _offset = 0;

  /** Creates a generator, seeded with `seed` (PyTorch's default seed when omitted). */
  constructor(seed?: Seed) {
    if (seed !== undefined) this.manualSeed(seed);
  }

  /** Sets the seed and restarts the stream; returns this generator. */
  manualSeed(seed: Seed): this {
    this._seed = checkSeed(seed, 'manualSeed');
    this._key = keyOf(this._seed);
    this._offset = 0;
    return this;
  }

  /** Seeds from a non-deterministic source and returns the new seed. */
  seed(): number {
    const words = new Uint32Array(2);
    const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint32Array) => Uint32Array } }).crypto;
    if (c?.getRandomValues) c.getRandomValues(words);
    else {
      words[0] = Math.floor(Math.random() * 4294967296);
      words[1] = Math.floor(Math.random() * 4294967296);
    }
    const s = (words[1] & 0x1fffff) * 4294967296 + words[0]; // 53 bits: a safe integer
    this.manualSeed(s);
    return s;
  }

  /** The seed this generator was last seeded with. */
  initialSeed(): Seed {
    return this._seed;
  }

  /** A copy of the state, to restore later with `setState`. */
  getState(): GeneratorState {
    return { seed: this._seed, offset: this._offset };
  }

  /** Restores a state from `getState`. */
  setState(state: GeneratorState): this {
    if (typeof state !== 'object' || state === null)
      throw new ValueError(`setState: expected { seed, offset }, got ${String(state)}`);
    const seed = checkSeed(state.seed, 'setState');
    if (!Number.isSafeInteger(state.offset) || state.offset < 0)
      throw new ValueError(
        `setState: offset must be a non-negative safe integer, got ${String(state.offset)}`,
      );
    this._seed = seed;
    this._key = keyOf(seed);
    this._offset = state.offset;
    return this;
  }

  /**
   * @internal Reserves `blocks` Philox counters for one draw: returns the key and the first
   * counter, and advances the offset past them.
   */
  _reserve(blocks: number): { key: PhiloxKey; offset: number } {
    const offset = this._offset;
    this._offset += blocks;
    return { key: this._key, offset };
  }
}

/** The generator random functions use when none is given (`torch.default_generator`). */
export const defaultGenerator = new Generator();

/** Seeds the default generator (`torch.manual_seed`); returns it. */
export function manualSeed(seed: Seed): Generator {
  return defaultGenerator.manualSeed(seed);
}

/** Seeds the default generator non-deterministically and returns the seed (`torch.seed`). */
export function seed(): number {
  return defaultGenerator.seed();
}

/** The default generator's seed (`torch.initial_seed`). */
export function initialSeed(): Seed {
  return defaultGenerator.initialSeed();
}

/** The default generator's state (`torch.get_rng_state`, as `{ seed, offset }`). */
export function getRngState(): GeneratorState {
  return defaultGenerator.getState();
}

/** Restores the default generator's state (`torch.set_rng_state`). */
export function setRngState(state: GeneratorState): void {
  defaultGenerator.setState(state);
}
