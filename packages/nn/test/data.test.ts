import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  arange,
  Generator,
  IndexError,
  manualSeed,
  ShapeError,
  type Tensor,
  tensor,
  ValueError,
} from '@kindling/core';
import {
  DataLoader,
  type Dataset,
  defaultCollate,
  randomSplit,
  Subset,
  TensorDataset,
} from '../src/index.js';

/** A dataset whose sample i is the number i. */
const numbers = (n: number): Dataset<number> => ({ length: n, get: (i) => i });

/** All sample ids of one epoch, in order. */
const epoch = (loader: Iterable<Tensor>) => [...loader].flatMap((b) => Array.from(b.dataSync()));

describe('TensorDataset, Subset, randomSplit', () => {
  const x = arange(12, undefined, 1, { dtype: 'float32' }).reshape([6, 2]);
  const y = arange(6);
  it('TensorDataset slices every tensor along dim 0', () => {
    const ds = new TensorDataset(x, y);
    expect(ds.length).toBe(6);
    const [xi, yi] = ds.get(4);
    expect(Array.from(xi.dataSync())).toEqual([8, 9]);
    expect(yi.itemSync()).toBe(4);
    expect(() => ds.get(6)).toThrow(IndexError);
    expect(() => new TensorDataset(x, arange(5))).toThrow(ShapeError);
  });
  it('Subset reads the listed indices', () => {
    const s = new Subset(numbers(10), [7, 2, 9]);
    expect(s.length).toBe(3);
    expect([0, 1, 2].map((i) => s.get(i))).toEqual([7, 2, 9]);
    expect(() => new Subset(numbers(3), [3])).toThrow(IndexError);
  });
  it('randomSplit partitions the dataset, reproducibly with a generator', () => {
    const parts = randomSplit(numbers(10), [3, 7], { generator: new Generator(1) });
    expect(parts.map((p) => p.length)).toEqual([3, 7]);
    const ids = parts.flatMap((p) => p.indices);
    expect([...ids].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(ids).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const again = randomSplit(numbers(10), [3, 7], { generator: new Generator(1) });
    expect(again.flatMap((p) => p.indices)).toEqual(ids);
    const other = randomSplit(numbers(10), [3, 7], { generator: new Generator(2) });
    expect(other.flatMap((p) => p.indices)).not.toEqual(ids);
  });
  it('randomSplit takes fractions and deals the remainder from the first subset, as PyTorch', () => {
    const parts = randomSplit(numbers(10), [0.33, 0.33, 0.34], { generator: new Generator(0) });
    expect(parts.map((p) => p.length)).toEqual([4, 3, 3]);
    expect(() => randomSplit(numbers(10), [3, 3])).toThrow(/does not equal the length/);
    expect(() => randomSplit(numbers(10), [1.5, -0.5])).toThrow(ValueError);
  });
});

describe('DataLoader (sync iteration)', () => {
  it('covers the dataset exactly once per epoch, in batches', () => {
    const loader = new DataLoader(numbers(10), { batchSize: 3, shuffle: true, generator: new Generator(5) });
    expect(loader.length).toBe(4);
    const batches = [...loader];
    expect(batches.map((b) => b.shape[0])).toEqual([3, 3, 3, 1]);
    const ids = batches.flatMap((b) => Array.from(b.dataSync()));
    expect([...ids].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
  it('keeps the order without shuffle', () => {
    expect(epoch(new DataLoader(numbers(5), { batchSize: 2 }))).toEqual([0, 1, 2, 3, 4]);
  });
  it('is deterministic with a seeded generator and reshuffles every epoch', () => {
    const a = new DataLoader(numbers(20), { batchSize: 4, shuffle: true, generator: new Generator(42) });
    const b = new DataLoader(numbers(20), { batchSize: 4, shuffle: true, generator: new Generator(42) });
    const a1 = epoch(a);
    const a2 = epoch(a);
    expect(epoch(b)).toEqual(a1);
    expect(epoch(b)).toEqual(a2);
    expect(a2).not.toEqual(a1);
    expect([...a2].sort((x, y) => x - y)).toEqual([...a1].sort((x, y) => x - y));
  });
  it('uses the global generator when none is given (manualSeed)', () => {
    const loader = new DataLoader(numbers(20), { batchSize: 5, shuffle: true });
    manualSeed(7);
    const first = epoch(loader);
    manualSeed(7);
    expect(epoch(loader)).toEqual(first);
  });
  it('drops the last incomplete batch with dropLast', () => {
    const loader = new DataLoader(numbers(10), { batchSize: 4, dropLast: true });
    expect(loader.length).toBe(2);
    expect([...loader].map((b) => b.shape[0])).toEqual([4, 4]);
    expect(new DataLoader(numbers(8), { batchSize: 4, dropLast: true }).length).toBe(2);
    expect(new DataLoader(numbers(3), { batchSize: 4, dropLast: true }).length).toBe(0);
  });
  it('batches a TensorDataset into stacked tensors', () => {
    const x = arange(12, undefined, 1, { dtype: 'float32' }).reshape([6, 2]);
    const loader = new DataLoader(new TensorDataset(x, arange(6)), { batchSize: 4 });
    const [[bx, by], [cx, cy]] = [...loader];
    expect(bx.shape).toEqual([4, 2]);
    expect(Array.from(by.dataSync())).toEqual([0, 1, 2, 3]);
    expect(cx.shape).toEqual([2, 2]);
    expect(Array.from(cx.dataSync())).toEqual([8, 9, 10, 11]);
    expect(cy.dtype).toBe('int32');
  });
  it('applies a custom collate', () => {
    const loader = new DataLoader(numbers(5), { batchSize: 2, collate: (s) => s.join('+') });
    expect([...loader]).toEqual(['0+1', '2+3', '4']);
  });
  it('refuses async datasets in sync iteration, and bad options', () => {
    const slow: Dataset<number> = { length: 2, get: async (i) => i };
    expect(() => [...new DataLoader(slow)]).toThrow(/for await/);
    expect(() => new DataLoader(numbers(3), { batchSize: 0 })).toThrow(ValueError);
    expect(() => new DataLoader(numbers(3), { prefetch: -1 })).toThrow(ValueError);
    expect(() => new DataLoader({} as Dataset<number>)).toThrow(ValueError);
  });
});

describe('defaultCollate', () => {
  it('collates dict samples key by key, recursively, like PyTorch', () => {
    const samples = [0, 1, 2].map((i) => ({
      image: tensor([i, i + 0.5]),
      label: i,
      weight: i + 0.25,
      flag: i % 2 === 0,
      name: `s${i}`,
      extra: { pair: [tensor([[i]], { dtype: 'float32' }), i * 10] },
    }));
    const batch = defaultCollate(samples);
    expect(batch.image.shape).toEqual([3, 2]);
    expect(Array.from(batch.image.dataSync())).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    expect(batch.label.dtype).toBe('int32');
    expect(Array.from(batch.label.dataSync())).toEqual([0, 1, 2]);
    expect(batch.weight.dtype).toBe('float32');
    expect(batch.flag.dtype).toBe('bool');
    expect(batch.name).toEqual(['s0', 's1', 's2']);
    expect(batch.extra.pair[0].shape).toEqual([3, 1, 1]);
    expect(Array.from(batch.extra.pair[1].dataSync())).toEqual([0, 10, 20]);
  });
  it('collates dict samples through a DataLoader', () => {
    const ds: Dataset<{ x: Tensor; y: number }> = { length: 4, get: (i) => ({ x: tensor([i, -i]), y: i }) };
    const [first] = [...new DataLoader(ds, { batchSize: 3 })];
    expect(first.x.shape).toEqual([3, 2]);
    expect(Array.from(first.y.dataSync())).toEqual([0, 1, 2]);
  });
  it('names structural mismatches', () => {
    expect(() => defaultCollate([[1, 2], [3]])).toThrow(/equal size/);
    expect(() => defaultCollate([{ a: 1 }, { b: 2 }] as { a?: number }[])).toThrow(/lacks the key 'a'/);
    expect(() => defaultCollate([1, 'a'] as unknown[])).toThrow(/mix different types/);
    expect(() => defaultCollate([null])).toThrow(ValueError);
    expect(() => defaultCollate([tensor([1, 2]), tensor([1])])).toThrow(ShapeError);
  });
});

describe('DataLoader (async iteration)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A dataset whose `get` resolves after `delay` ms (fake timers), counting calls in flight. */
  function slowDataset(n: number, delay: number) {
    const stats = { inFlight: 0, maxInFlight: 0, started: 0 };
    const ds: Dataset<number> = {
      length: n,
      get: (i) =>
        new Promise<number>((resolve) => {
          stats.started++;
          stats.inFlight++;
          stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
          setTimeout(() => {
            stats.inFlight--;
            resolve(i);
          }, delay);
        }),
    };
    return { ds, stats };
  }

  /** Runs one epoch with `compute` ms of (fake) work per batch; returns the virtual time taken and what was seen. */
  async function timedEpoch(loader: DataLoader<number>, compute: number, stats: { started: number }) {
    const start = Date.now();
    const ids: number[] = [];
    const startedAtCompute: number[] = [];
    const run = (async () => {
      for await (const batch of loader) {
        ids.push(...Array.from(batch.dataSync()));
        startedAtCompute.push(stats.started);
        await new Promise((r) => setTimeout(r, compute));
      }
    })();
    await vi.runAllTimersAsync();
    await run;
    return { elapsed: Date.now() - start, ids, startedAtCompute };
  }

  it('yields the same batches as sync iteration for the same seed', async () => {
    const sync = epoch(
      new DataLoader(numbers(11), { batchSize: 3, shuffle: true, generator: new Generator(3) }),
    );
    const asyncIds: number[] = [];
    for await (const b of new DataLoader(numbers(11), {
      batchSize: 3,
      shuffle: true,
      generator: new Generator(3),
    })) {
      asyncIds.push(...Array.from(b.dataSync()));
    }
    expect(asyncIds).toEqual(sync);
  });

  it('overlaps loading with compute when prefetching', async () => {
    vi.useFakeTimers();
    const batches = 8;
    const { ds: ds0, stats: s0 } = slowDataset(batches * 4, 100);
    const sequential = await timedEpoch(new DataLoader(ds0, { batchSize: 4, prefetch: 0 }), 100, s0);
    // Without prefetch each batch is loaded (100 ms, its samples concurrently), then computed (100 ms).
    expect(sequential.elapsed).toBe(batches * 200);
    expect(sequential.startedAtCompute).toEqual(Array.from({ length: batches }, (_, b) => (b + 1) * 4));

    const { ds, stats } = slowDataset(batches * 4, 100);
    const overlapped = await timedEpoch(new DataLoader(ds, { batchSize: 4, prefetch: 2 }), 100, stats);
    expect(overlapped.ids).toEqual(sequential.ids);
    // While batch b is being computed, batches b+1 and b+2 are already loading.
    expect(overlapped.startedAtCompute.slice(0, batches - 2)).toEqual(
      Array.from({ length: batches - 2 }, (_, b) => (b + 3) * 4),
    );
    expect(stats.maxInFlight).toBe(12);
    // Loading hides behind compute: one load up front, then one compute per batch.
    expect(overlapped.elapsed).toBe(100 + batches * 100);
    expect(overlapped.elapsed).toBeLessThan(0.6 * sequential.elapsed);
  });

  it('reports a failing batch where it occurs and tolerates an early break', async () => {
    const failing: Dataset<number> = {
      length: 6,
      get: async (i) => {
        if (i === 4) throw new Error('disk error at 4');
        return i;
      },
    };
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const b of new DataLoader(failing, { batchSize: 2, prefetch: 3 }))
          seen.push(...Array.from(b.dataSync()));
      })(),
    ).rejects.toThrow('disk error at 4');
    expect(seen).toEqual([0, 1, 2, 3]);
    for await (const b of new DataLoader(failing, { batchSize: 2, prefetch: 3 })) {
      expect(Array.from(b.dataSync())).toEqual([0, 1]);
      break; // batch [4, 5] is loading and fails: no unhandled rejection
    }
  });
});
