import { getBackend } from '../backend.js';
import { arrayTypeOf, checkDType, type DType, defaultFloat, type TypedArray } from '../dtype.js';
import { ValueError } from '../errors.js';
import { floatToBf16, floatToHalf } from '../io/half.js';
import { checkShape, fmtShape, shapeNumel } from '../shape.js';
import type { DeviceName } from '../storage.js';
import { Tensor } from '../tensor.js';

/** Options every creation function accepts. */
export interface TensorOptions {
  /** Element type (default: inferred from data, or float32). */
  dtype?: DType;
  /** Device (default `cpu`). */
  device?: DeviceName;
  /** Track gradients for this leaf (needs `@kindling/autograd`). */
  requiresGrad?: boolean;
}

/** Data `tensor()` accepts: a scalar, nested arrays, or a typed array. */
export type TensorData = number | boolean | TensorData[] | readonly TensorData[] | TypedArray;

/** Wraps host values (already in storage encoding) as a tensor on the requested device. */
export function fromHost(
  values: TypedArray,
  shape: readonly number[],
  dtype: DType,
  options?: TensorOptions,
): Tensor {
  const storage = getBackend(options?.device ?? 'cpu').fromHost(values, dtype);
  const t = new Tensor(storage, [...shape]);
  if (options?.requiresGrad) t.requiresGrad = true;
  return t;
}

/** Encodes JS numbers into the storage representation of `dtype`. */
export function encodeValues(values: ArrayLike<number>, dtype: DType): TypedArray {
  const Ctor = arrayTypeOf(dtype);
  const out = new Ctor(values.length);
  if (dtype === 'float16' || dtype === 'bfloat16') {
    const enc = dtype === 'float16' ? floatToHalf : floatToBf16;
    for (let i = 0; i < values.length; i++) out[i] = enc(values[i]);
  } else if (dtype === 'bool') {
    for (let i = 0; i < values.length; i++) out[i] = values[i] !== 0 ? 1 : 0;
  } else if (dtype === 'int32') {
    for (let i = 0; i < values.length; i++) out[i] = Math.trunc(values[i]);
  } else {
    out.set(values as ArrayLike<number>);
  }
  return out;
}

function inferDType(data: TensorData): DType {
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'bool';
  if (ArrayBuffer.isView(data)) return defaultFloat();
  let sawBool = false;
  let sawInt = false;
  let sawFloat = false;
  const walk = (d: TensorData) => {
    if (typeof d === 'boolean') sawBool = true;
    else if (typeof d === 'number') {
      if (Number.isInteger(d)) sawInt = true;
      else sawFloat = true;
    } else for (const v of Array.from(d as ArrayLike<TensorData>)) walk(v);
  };
  walk(data);
  if (sawFloat) return defaultFloat();
  if (sawInt) return 'int32';
  if (sawBool) return 'bool';
  return defaultFloat();
}

function flattenNested(data: TensorData): { shape: number[]; values: number[] } {
  const shape: number[] = [];
  let probe: TensorData = data;
  while (Array.isArray(probe) || ArrayBuffer.isView(probe)) {
    const arr = probe as ArrayLike<TensorData>;
    shape.push(arr.length);
    if (arr.length === 0) break;
    probe = arr[0] as TensorData;
  }
  const values: number[] = [];
  const walk = (d: TensorData, depth: number) => {
    if (depth === shape.length) {
      if (typeof d !== 'number' && typeof d !== 'boolean') {
        throw new ValueError(
          `tensor: ragged nested array: expected a number at depth ${depth} for shape ${fmtShape(shape)}`,
        );
      }
      values.push(Number(d));
      return;
    }
    const arr = d as ArrayLike<TensorData>;
    if (typeof d !== 'object' || arr.length !== shape[depth]) {
      throw new ValueError(
        `tensor: ragged nested array: expected length ${shape[depth]} at depth ${depth} for shape ${fmtShape(shape)}`,
      );
    }
    for (let i = 0; i < arr.length; i++) walk(arr[i] as TensorData, depth + 1);
  };
  walk(data, 0);
  return { shape, values };
}

/** Creates a tensor from a scalar, nested arrays or a typed array (copied). */
export function tensor(data: TensorData, options?: TensorOptions): Tensor {
  const dtype = options?.dtype ? checkDType(options.dtype, 'tensor') : inferDType(data);
  if (ArrayBuffer.isView(data)) {
    return fromHost(encodeValues(data as TypedArray, dtype), [data.length], dtype, options);
  }
  const { shape, values } = flattenNested(data);
  return fromHost(encodeValues(values, dtype), shape, dtype, options);
}

/** A tensor filled with `value`. */
export function full(shape: readonly number[], value: number | boolean, options?: TensorOptions): Tensor {
  const s = checkShape(shape, 'full');
  const dtype =
    options?.dtype ??
    (typeof value === 'boolean' ? 'bool' : Number.isInteger(value) ? 'int32' : defaultFloat());
  const n = shapeNumel(s);
  const enc = encodeValues([Number(value)], dtype);
  const Ctor = arrayTypeOf(dtype);
  const arr = new Ctor(n);
  if (enc[0] !== 0) arr.fill(enc[0]);
  return fromHost(arr, s, dtype, options);
}

/** A tensor of zeros. */
export function zeros(shape: readonly number[], options?: TensorOptions): Tensor {
  return full(shape, 0, { ...options, dtype: options?.dtype ?? defaultFloat() });
}

/** A tensor of ones. */
export function ones(shape: readonly number[], options?: TensorOptions): Tensor {
  return full(shape, 1, { ...options, dtype: options?.dtype ?? defaultFloat() });
}

/** A tensor whose values are unspecified (zero here: memory is never read uninitialised). */
export function empty(shape: readonly number[], options?: TensorOptions): Tensor {
  return zeros(shape, options);
}

function likeOptions(x: Tensor, options?: TensorOptions): TensorOptions {
  return {
    dtype: options?.dtype ?? x.dtype,
    device: options?.device ?? x.device,
    requiresGrad: options?.requiresGrad,
  };
}

/** Zeros with `x`'s shape, dtype and device. */
export function zerosLike(x: Tensor, options?: TensorOptions): Tensor {
  return zeros(x.shape, likeOptions(x, options));
}
/** Ones with `x`'s shape, dtype and device. */
export function onesLike(x: Tensor, options?: TensorOptions): Tensor {
  return ones(x.shape, likeOptions(x, options));
}
/** `value` with `x`'s shape, dtype and device. */
export function fullLike(x: Tensor, value: number | boolean, options?: TensorOptions): Tensor {
  return full(x.shape, value, likeOptions(x, options));
}
/** An uninitialised-style (zeroed) tensor like `x`. */
export function emptyLike(x: Tensor, options?: TensorOptions): Tensor {
  return zeros(x.shape, likeOptions(x, options));
}

/**
 * Values from `start` (inclusive) to `end` (exclusive) by `step`, like `torch.arange`.
 * `arange(n)` counts from 0. The dtype is int32 when all arguments are integers.
 */
export function arange(start: number, end?: number, step = 1, options?: TensorOptions): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0) throw new ValueError('arange: step must be nonzero');
  if ((end - start) / step < 0) {
    throw new ValueError(
      `arange: upper bound and larger bound inconsistent with step sign (start ${start}, end ${end}, step ${step})`,
    );
  }
  const allInt = [start, end, step].every(Number.isInteger);
  const dtype = options?.dtype ?? (allInt ? 'int32' : defaultFloat());
  const n = Math.ceil((end - start) / step);
  const vals = new Float64Array(n);
  for (let i = 0; i < n; i++) vals[i] = start + i * step;
  return fromHost(encodeValues(vals, dtype), [n], dtype, options);
}

/** `steps` evenly spaced values from `start` to `end` inclusive. */
export function linspace(start: number, end: number, steps: number, options?: TensorOptions): Tensor {
  if (!Number.isInteger(steps) || steps < 0)
    throw new ValueError(`linspace: number of steps must be a non-negative integer, got ${steps}`);
  const dtype = options?.dtype ?? defaultFloat();
  const vals = new Float64Array(steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Symmetric evaluation from both ends, as PyTorch does, so the last value is exactly `end`.
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++)
    vals[i] = steps === 1 ? start : i < half ? start + step * i : end - step * (steps - 1 - i);
  return fromHost(encodeValues(vals, dtype), [steps], dtype, options);
}

/** An `n x m` identity matrix (`m` defaults to `n`). */
export function eye(n: number, m = n, options?: TensorOptions): Tensor {
  checkShape([n, m], 'eye');
  const dtype = options?.dtype ?? defaultFloat();
  const vals = new Float64Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) vals[i * m + i] = 1;
  return fromHost(encodeValues(vals, dtype), [n, m], dtype, options);
}
