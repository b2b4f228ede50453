/** `DataLoader`: batches of a dataset, shuffled with a seeded generator, iterated sync or async with prefetching. */
import { type Generator, randperm, ValueError } from '@kindling/core';
import { type Collated, defaultCollate } from './collate.js';
import type { Dataset } from './dataset.js';

/** Options of `DataLoader`. */
export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Reshuffle the samples at the start of every epoch (default false). */
  shuffle?: boolean;
  /** Generator for shuffling (default: the global one seeded by `manualSeed`). */
  generator?: Generator;
  /** Drop the last batch when it would be smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Turns the list of samples into a batch (default `defaultCollate`). */
  collate?: (samples: T[]) => B;
  /**
   * With `for await`: how many batches to load ahead while the caller works on the current one
   * (default 2; 0 loads each batch only when asked for it). Sync iteration ignores it.
   */
  prefetch?: number;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** A plain array seen as a dataset. */
function asDataset<T>(data: Dataset<T> | readonly T[]): Dataset<T> {
  if (Array.isArray(data)) {
    const arr = data as readonly T[];
    return { length: arr.length, get: (i) => arr[i] };
  }
  const d = data as Dataset<T>;
  if (
    typeof d !== 'object' ||
    d === null ||
    typeof d.get !== 'function' ||
    !Number.isInteger(d.length) ||
    d.length < 0
  ) {
    throw new ValueError('DataLoader: expected a dataset with a length and a get(index) method, or an array');
  }
  return d;
}

/**
 * Iterates a dataset in batches (`torch.utils.data.DataLoader`, single process). Each iteration is
 * one epoch: the order is `0..n-1`, or with `shuffle` a new permutation drawn from `generator`, so
 * a seeded generator gives the same sequence of epochs every run and a different order each epoch.
 * `for (const batch of loader)` needs a synchronous `get`; `for await (const batch of loader)` also
 * accepts async datasets, loads the samples of a batch concurrently and keeps `prefetch` batches
 * loading while the loop body runs.
 */
export class DataLoader<T, B = Collated<T>> implements Iterable<B>, AsyncIterable<B> {
  /** The dataset. */
  readonly dataset: Dataset<T>;
  /** Samples per batch. */
  readonly batchSize: number;
  /** Whether every epoch is shuffled. */
  readonly shuffle: boolean;
  /** Whether a smaller last batch is dropped. */
  readonly dropLast: boolean;
  /** Batches loaded ahead by async iteration. */
  readonly prefetch: number;
  /** Generator used for shuffling (undefined: the global one). */
  readonly generator: Generator | undefined;
  private readonly collateFn: (samples: T[]) => B;

  constructor(dataset: Dataset<T> | readonly T[], options?: DataLoaderOptions<T, B>) {
    this.dataset = asDataset(dataset);
    const bs = options?.batchSize ?? 1;
    if (!Number.isInteger(bs) || bs <= 0)
      throw new ValueError(`DataLoader: batchSize must be a positive integer, got ${bs}`);
    const prefetch = options?.prefetch ?? 2;
    if (!Number.isInteger(prefetch) || prefetch < 0) {
      throw new ValueError(`DataLoader: prefetch must be a non-negative integer, got ${prefetch}`);
    }
    this.batchSize = bs;
    this.shuffle = options?.shuffle ?? false;
    this.dropLast = options?.dropLast ?? false;
    this.prefetch = prefetch;
    this.generator = options?.generator;
    this.collateFn = options?.collate ?? ((samples: T[]) => defaultCollate(samples) as B);
  }

  /** Number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The sample indices of each batch of a new epoch (draws the shuffle permutation). */
  private epochBatches(): number[][] {
    const n = this.dataset.length;
    const order = this.shuffle
      ? Array.from(randperm(n, { generator: this.generator }).dataSync())
      : Array.from({ length: n }, (_, i) => i);
    const batches: number[][] = [];
    for (let b = 0; b < this.length; b++)
      batches.push(order.slice(b * this.batchSize, (b + 1) * this.batchSize));
    return batches;
  }

  /** Iterates one epoch synchronously; the dataset's `get` must not return Promises. */
  *[Symbol.iterator](): Iterator<B> {
    for (const indices of this.epochBatches()) {
      const samples = indices.map((i) => {
        const s = this.dataset.get(i);
        if (isThenable(s)) {
          Promise.resolve(s).catch(() => {}); // nobody can await it: avoid an unhandled rejection
          throw new ValueError(
            `DataLoader: dataset.get(${i}) returned a Promise; iterate an async dataset with \`for await (const batch of loader)\``,
          );
        }
        return s as T;
      });
      yield this.collateFn(samples);
    }
  }

  private async loadBatch(indices: number[]): Promise<B> {
    const samples = await Promise.all(indices.map((i) => this.dataset.get(i)));
    return this.collateFn(samples);
  }

  /** Iterates one epoch asynchronously, keeping `prefetch` batches loading ahead of the loop body. */
  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    const batches = this.epochBatches();
    const queue: Promise<B>[] = [];
    let next = 0;
    while (next < batches.length || queue.length > 0) {
      while (next < batches.length && queue.length <= this.prefetch) {
        const p = this.loadBatch(batches[next++]);
        p.catch(() => {}); // reported when awaited below; silences batches dropped by an early break
        queue.push(p);
      }
      yield await (queue.shift() as Promise<B>);
    }
  }
}
