import { getBackend } from '../../backend.js';
import { arrayTypeOf, type DType, type TypedArray } from '../../dtype.js';
import { shapeNumel } from '../../shape.js';
import { Storage } from '../../storage.js';
import { Tensor } from '../../tensor.js';

/** Allocates zeroed CPU storage. */
export function cpuAlloc(dtype: DType, length: number): Storage {
  const Ctor = arrayTypeOf(dtype);
  return new Storage('cpu', dtype, length, new Ctor(length));
}

/**
 * Node's allocator of uninitialised memory (`Buffer.allocUnsafeSlow`), absent in browsers. Large
 * zero-filled buffers cost a memset or fresh zero pages on every allocation; kernels that write
 * every output element do not need them.
 */
const allocUnsafe = (globalThis as { Buffer?: { allocUnsafeSlow(size: number): Uint8Array } }).Buffer
  ?.allocUnsafeSlow;

/**
 * A new contiguous CPU tensor whose elements are NOT initialised (zero-filled where the host has
 * no uninitialised allocator): only for kernels that write every element.
 */
export function newCpuTensorUninitialized(
  shape: readonly number[],
  dtype: DType,
): { tensor: Tensor; data: TypedArray } {
  const length = shapeNumel(shape);
  if (!allocUnsafe) return newCpuTensor(shape, dtype);
  const Ctor = arrayTypeOf(dtype);
  const data = new Ctor(allocUnsafe(length * Ctor.BYTES_PER_ELEMENT).buffer as ArrayBuffer, 0, length);
  return { tensor: new Tensor(new Storage('cpu', dtype, length, data), [...shape]), data };
}

/** A new contiguous CPU tensor (zero-filled) and its typed array, for kernels to fill. */
export function newCpuTensor(shape: readonly number[], dtype: DType): { tensor: Tensor; data: TypedArray } {
  const storage = cpuAlloc(dtype, shapeNumel(shape));
  return { tensor: new Tensor(storage, [...shape]), data: storage.handle as TypedArray };
}

/** The typed array behind a CPU tensor (index it with the tensor's strides and offset). */
export function cpuData(t: Tensor): TypedArray {
  return t.storage.handle as TypedArray;
}

/** A CPU tensor's elements as a contiguous array in row-major order (no copy when already contiguous and dense). */
export function cpuContiguousData(t: Tensor): TypedArray {
  const data = cpuData(t);
  if (t.isContiguous()) return data.subarray(t.offset, t.offset + t.numel);
  const out = new (data.constructor as new (n: number) => TypedArray)(t.numel);
  const nd = t.ndim;
  const idx = new Array<number>(nd).fill(0);
  let src = t.offset;
  for (let i = 0; i < out.length; i++) {
    out[i] = data[src];
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]++;
      src += t.strides[d];
      if (idx[d] < t.shape[d]) break;
      src -= t.strides[d] * t.shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * A contiguous copy of a CPU tensor's elements as `dtype`, made by the active kernel set's `cast`
 * (native for float32: much faster than an element-by-element copy of a strided view). Always a
 * copy, so it may be read while the tensor's storage is written.
 */
export function contiguousCopy(t: Tensor, dtype: DType = t.dtype): TypedArray {
  return cpuData(getBackend('cpu').kernels.cast([t], { dtype })[0]);
}
