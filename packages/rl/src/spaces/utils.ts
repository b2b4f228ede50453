import { type DType, fromHost, ShapeError, type Tensor, ValueError } from '@kindling/core';
import { Box } from './box.js';
import { Dict } from './dict.js';
import { Discrete } from './discrete.js';
import { MultiBinary } from './multi-binary.js';
import { MultiDiscrete } from './multi-discrete.js';
import {
  describe,
  isArrayLike,
  type NumericArray,
  newArray,
  numel,
  type Space,
  type SpaceDType,
} from './space.js';
import { Tuple } from './tuple.js';

function tile(a: ArrayLike<number>, n: number, out: NumericArray): NumericArray {
  for (let i = 0; i < n; i++) for (let j = 0; j < a.length; j++) out[i * a.length + j] = a[j];
  return out;
}

function subspaces(space: Tuple): readonly Space<unknown>[] {
  return space.spaces as readonly Space<unknown>[];
}

function unsupported(op: string, space: Space<unknown>): never {
  throw new ValueError(`${op}: unsupported space ${space.toString()}`);
}

/**
 * The space of `n` stacked elements of `space` (Gymnasium's `batch_space`): a `Box` gets a leading
 * dimension `n`, `Discrete` becomes a `MultiDiscrete`, `MultiDiscrete`/`MultiBinary` get a leading
 * dimension, and `Tuple`/`Dict` batch each sub-space. The batched space is not seeded.
 */
export function batchSpace(space: Space<unknown>, n: number): Space<unknown> {
  if (!Number.isSafeInteger(n) || n < 1)
    throw new ValueError(`batchSpace: n must be a positive integer, got ${n}`);
  if (space instanceof Box) {
    const k = space.size;
    return new Box(
      tile(space.low, n, new Float64Array(n * k)),
      tile(space.high, n, new Float64Array(n * k)),
      {
        shape: [n, ...space.shape],
        dtype: space.dtype,
      },
    );
  }
  if (space instanceof Discrete)
    return new MultiDiscrete(new Array(n).fill(space.n), { start: new Array(n).fill(space.start) });
  if (space instanceof MultiDiscrete)
    return new MultiDiscrete(tile(space.nvec, n, new Int32Array(n * space.nvec.length)), {
      start: tile(space.start, n, new Int32Array(n * space.nvec.length)),
      shape: [n, ...space.shape],
    });
  if (space instanceof MultiBinary) return new MultiBinary([n, ...space.shape]);
  if (space instanceof Tuple) return new Tuple(subspaces(space).map((s) => batchSpace(s, n)));
  if (space instanceof Dict)
    return new Dict(Object.fromEntries(space.keys().map((k) => [k, batchSpace(space.spaces[k], n)])));
  return unsupported('batchSpace', space);
}

/** Number of scalars in one element of an array-valued space (1 for `Discrete`). */
function elementSize(space: Space<unknown>): number {
  return space instanceof Discrete ? 1 : numel(space.shape ?? []);
}

/**
 * A zero-filled batch of `n` elements of `space` (Gymnasium's `create_empty_array`): a typed array
 * of `n * size` elements for array-valued spaces (`Int32Array` for `Discrete`), arrays/objects of
 * batches for `Tuple`/`Dict`.
 */
export function createEmptyArray(space: Space<unknown>, n: number): unknown {
  if (space instanceof Tuple) return subspaces(space).map((s) => createEmptyArray(s, n));
  if (space instanceof Dict)
    return Object.fromEntries(space.keys().map((k) => [k, createEmptyArray(space.spaces[k], n)]));
  if (space.dtype === null) return unsupported('createEmptyArray', space);
  return newArray(space.dtype, n * elementSize(space));
}

/**
 * Writes the elements `items` of `space` into the batch `out` (from `createEmptyArray(space,
 * items.length)`) and returns it (Gymnasium's `concatenate`).
 */
export function concatenate(space: Space<unknown>, items: readonly unknown[], out: unknown): unknown {
  if (space instanceof Tuple) {
    const o = out as unknown[];
    subspaces(space).forEach((s, j) => {
      concatenate(
        s,
        items.map((it) => (it as unknown[])[j]),
        o[j],
      );
    });
    return out;
  }
  if (space instanceof Dict) {
    const o = out as Record<string, unknown>;
    for (const k of space.keys())
      concatenate(
        space.spaces[k],
        items.map((it) => (it as Record<string, unknown>)[k]),
        o[k],
      );
    return out;
  }
  const o = out as NumericArray;
  if (space instanceof Discrete) {
    items.forEach((v, i) => {
      o[i] = v as number;
    });
    return out;
  }
  const k = elementSize(space);
  items.forEach((v, i) => {
    o.set(v as ArrayLike<number>, i * k);
  });
  return out;
}

/**
 * Splits a batch of `space`'s batched form into its `n` elements (Gymnasium's `iterate`), checking
 * the batch's length: numbers for `Discrete`, sub-arrays for array-valued spaces.
 */
export function iterate(space: Space<unknown>, batch: unknown, n: number, op = 'iterate'): unknown[] {
  if (space instanceof Tuple) {
    if (!Array.isArray(batch) || batch.length !== space.spaces.length)
      throw new ShapeError(
        `${op}: expected an array of ${space.spaces.length} batches, got ${describe(batch)}`,
      );
    const parts = subspaces(space).map((s, j) => iterate(s, batch[j], n, op));
    return Array.from({ length: n }, (_, i) => parts.map((p) => p[i]));
  }
  if (space instanceof Dict) {
    if (typeof batch !== 'object' || batch === null)
      throw new ShapeError(`${op}: expected an object of batches, got ${describe(batch)}`);
    const keys = space.keys();
    const parts = keys.map((k) => iterate(space.spaces[k], (batch as Record<string, unknown>)[k], n, op));
    return Array.from({ length: n }, (_, i) => Object.fromEntries(keys.map((k, j) => [k, parts[j][i]])));
  }
  const k = elementSize(space);
  if (!isArrayLike(batch) || batch.length !== n * k)
    throw new ShapeError(
      `${op}: expected a batch of ${n} x ${k} = ${n * k} values for ${space.toString()}, got ${describe(batch)}`,
    );
  if (space instanceof Discrete) return Array.from({ length: n }, (_, i) => batch[i]);
  const arr = batch as ArrayLike<number> & { subarray?: (a: number, b: number) => ArrayLike<number> };
  return Array.from({ length: n }, (_, i) =>
    arr.subarray ? arr.subarray(i * k, (i + 1) * k) : Array.prototype.slice.call(arr, i * k, (i + 1) * k),
  );
}

const TENSOR_DTYPE: Record<SpaceDType, DType> = {
  float32: 'float32',
  float64: 'float64',
  int32: 'int32',
  int8: 'int32',
  uint8: 'int32',
};

/**
 * An element (or a batch from a vector env, given the batched space) of an array-valued space as
 * a core `Tensor` of the space's shape: float32/float64 keep their dtype, integer dtypes become
 * int32. `Discrete` elements become 0-d int32 tensors.
 */
export function toTensor(space: Space<unknown>, value: unknown): Tensor {
  if (space.dtype === null || space.shape === null)
    throw new ValueError(`toTensor: ${space.toString()} is not array-valued; convert its parts`);
  if (space instanceof Discrete) {
    if (typeof value !== 'number')
      throw new ShapeError(`toTensor: expected a number, got ${describe(value)}`);
    return fromHost(Int32Array.of(value), [], 'int32');
  }
  const n = numel(space.shape);
  if (!isArrayLike(value) || value.length !== n)
    throw new ShapeError(`toTensor: expected ${n} values for ${space.toString()}, got ${describe(value)}`);
  const dtype = TENSOR_DTYPE[space.dtype];
  const data =
    dtype === 'float32' ? new Float32Array(n) : dtype === 'float64' ? new Float64Array(n) : new Int32Array(n);
  data.set(value as ArrayLike<number>);
  return fromHost(data, space.shape, dtype);
}
