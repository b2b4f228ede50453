import { Generator, rand, type Seed, ValueError } from '@kindling/core';

const BUFFER = 512;

/**
 * The random stream of an environment or a space (Gymnasium's `np_random`): a Kindling core
 * `Generator` (Philox) seeded once, read through a small buffer of float64 uniforms so that scalar
 * draws stay cheap. A seed gives the same draws on every platform; they are not numpy's PCG64
 * draws, so the same seed gives other (equally distributed) start states than Gymnasium.
 */
export class Rng {
  /** The core generator the uniforms come from. */
  readonly generator: Generator;
  /** The seed this stream was created with. */
  readonly seed: number;
  private buf: Float64Array = new Float64Array(0);
  private pos = 0;

  /** Seeds the stream with `seed` (a non-negative safe integer), or non-deterministically when omitted. */
  constructor(seed?: number) {
    this.generator = new Generator();
    if (seed === undefined) this.seed = this.generator.seed();
    else {
      checkSeed(seed, 'Rng');
      this.generator.manualSeed(seed as Seed);
      this.seed = seed;
    }
  }

  /** One uniform value in [0, 1) (53-bit resolution). */
  next(): number {
    if (this.pos >= this.buf.length) {
      this.buf = rand([BUFFER], { dtype: 'float64', generator: this.generator }).dataSync() as Float64Array;
      this.pos = 0;
    }
    return this.buf[this.pos++];
  }

  /** A uniform value in [low, high) (`np_random.uniform`: `low + (high - low) * u`). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.next();
  }

  /** `n` uniform values in [low, high). */
  uniformArray(n: number, low = 0, high = 1): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = low + (high - low) * this.next();
    return out;
  }

  /** A standard normal value (Box–Muller on two uniforms). */
  normal(): number {
    const u1 = 1 - this.next(); // (0, 1]
    const u2 = this.next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** A standard exponential value (`-log(1 - u)`). */
  exponential(): number {
    return -Math.log(1 - this.next());
  }

  /** An integer uniformly in [low, high) (`np_random.integers(low, high)`). */
  integers(low: number, high: number): number {
    if (!(high > low))
      throw new ValueError(`Rng.integers: expected low < high, got low=${low}, high=${high}`);
    const span = high - low;
    return low + Math.min(Math.floor(this.next() * span), span - 1);
  }

  /** A non-negative 31-bit integer, used to derive seeds of sub-streams. */
  seedInt(): number {
    return this.integers(0, 2 ** 31 - 1);
  }
}

/** Throws a `ValueError` unless `seed` is a non-negative safe integer. */
export function checkSeed(seed: unknown, op: string): asserts seed is number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0)
    throw new ValueError(`${op}: seed must be a non-negative safe integer, got ${String(seed)}`);
}
