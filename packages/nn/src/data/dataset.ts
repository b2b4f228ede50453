/** Datasets (`torch.utils.data`): the `Dataset` interface, `TensorDataset`, `Subset`, `randomSplit`. */
import { type Generator, IndexError, randperm, ShapeError, type Tensor, ValueError } from '@kindling/core';

/**
 * A map-style dataset: `length` samples, read with `get(i)` for `0 <= i < length`. `get` may return
 * a Promise (data read from disk or the network); such datasets are iterated with `for await`.
 */
export interface Dataset<T> {
  /** Number of samples. */
  readonly length: number;
  /** The sample at `index`, or a Promise of it. */
  get(index: number): T | Promise<T>;
}

function checkIndex(op: string, index: number, length: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new IndexError(`${op}: index ${index} is out of range for a dataset of length ${length}`);
  }
}

/** A dataset of tensors sliced along their first dim: sample `i` is `[t0[i], t1[i], ...]` (`TensorDataset`). */
export class TensorDataset implements Dataset<Tensor[]> {
  /** The tensors, sharing their first dim. */
  readonly tensors: Tensor[];
  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new ValueError('TensorDataset: expected at least one tensor');
    for (const t of tensors) {
      if (t.ndim === 0)
        throw new ShapeError('TensorDataset: tensors must have at least one dimension, got a 0-d tensor');
    }
    const n = tensors[0].shape[0];
    const sizes = tensors.map((t) => t.shape[0]);
    if (sizes.some((s) => s !== n)) {
      throw new ShapeError(
        `TensorDataset: size mismatch between tensors: first dims are [${sizes.join(', ')}]`,
      );
    }
    this.tensors = tensors;
  }
  /** Number of samples (the shared first dim). */
  get length(): number {
    return this.tensors[0].shape[0];
  }
  /** Row `index` of every tensor (views). */
  get(index: number): Tensor[] {
    checkIndex('TensorDataset.get', index, this.length);
    return this.tensors.map((t) => t.select(0, index));
  }
}

/** The samples of `dataset` at `indices`, in that order (`Subset`). */
export class Subset<T> implements Dataset<T> {
  /** The underlying dataset. */
  readonly dataset: Dataset<T>;
  /** Indices into the underlying dataset. */
  readonly indices: number[];
  constructor(dataset: Dataset<T>, indices: Iterable<number>) {
    this.dataset = dataset;
    this.indices = [...indices];
    for (const i of this.indices) checkIndex('Subset', i, dataset.length);
  }
  /** Number of samples. */
  get length(): number {
    return this.indices.length;
  }
  /** Sample `index` of the subset. */
  get(index: number): T | Promise<T> {
    checkIndex('Subset.get', index, this.length);
    return this.dataset.get(this.indices[index]);
  }
}

/**
 * Splits `dataset` into non-overlapping random subsets (`random_split`). `lengths` are sizes that
 * add up to the dataset's length, or fractions that add up to 1 (each gets `floor(n * fraction)`,
 * and the remainder is dealt one by one from the first subset, as PyTorch 1.13). The permutation
 * is drawn from `generator` (default: the global one seeded by `manualSeed`).
 */
export function randomSplit<T>(
  dataset: Dataset<T>,
  lengths: readonly number[],
  options?: { generator?: Generator },
): Subset<T>[] {
  const n = dataset.length;
  const total = lengths.reduce((a, b) => a + b, 0);
  let sizes = [...lengths];
  if (Math.abs(total - 1) <= 1e-9 && total <= 1) {
    sizes = lengths.map((f, i) => {
      if (!(f >= 0 && f <= 1))
        throw new ValueError(`randomSplit: fraction at index ${i} is not between 0 and 1: ${f}`);
      return Math.floor(n * f);
    });
    const remainder = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) sizes[i % sizes.length] += 1;
  }
  if (sizes.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new ValueError(
      `randomSplit: lengths must be non-negative integers or fractions summing to 1, got [${lengths.join(', ')}]`,
    );
  }
  const sum = sizes.reduce((a, b) => a + b, 0);
  if (sum !== n) {
    throw new ValueError(
      `randomSplit: sum of input lengths (${sum}) does not equal the length of the input dataset (${n})`,
    );
  }
  const perm = Array.from(randperm(n, { generator: options?.generator }).dataSync());
  const out: Subset<T>[] = [];
  let offset = 0;
  for (const s of sizes) {
    out.push(new Subset(dataset, perm.slice(offset, offset + s)));
    offset += s;
  }
  return out;
}
