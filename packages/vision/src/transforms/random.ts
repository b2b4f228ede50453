/** Scalar draws from a core `Generator` (or the global one) for the random transforms. */
import { type Generator, rand, randint, randperm } from '@kindling/core';

/** A uniform draw in `[low, high)`. */
export function uniform(low: number, high: number, generator?: Generator): number {
  const u = rand([1], { dtype: 'float64', generator }).dataSync()[0] as number;
  return low + (high - low) * u;
}

/** An integer draw in `[low, high)`. */
export function randInt(low: number, high: number, generator?: Generator): number {
  return randint(low, high, [1], { generator }).dataSync()[0] as number;
}

/** A random permutation of `0..n-1`. */
export function permutation(n: number, generator?: Generator): number[] {
  return Array.from(randperm(n, { generator }).dataSync() as Int32Array);
}
