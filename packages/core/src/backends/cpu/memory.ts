import { arrayTypeOf, type DType, type TypedArray } from '../../dtype.js';
import { shapeNumel } from '../../shape.js';
import { Storage } from '../../storage.js';
import { Tensor } from '../../tensor.js';

/** Allocates zeroed CPU storage. */
export function cpuAlloc(dtype: DType, length: number): Storage {
  const Ctor = arrayTypeOf(dtype);
  return new Storage('cpu', dtype, length, new Ctor(length));
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
