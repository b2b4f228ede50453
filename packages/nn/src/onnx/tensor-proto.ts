/**
 * TensorProto ↔ Kindling tensors. ONNX element types map onto Kindling's dtypes: FLOAT → float32,
 * DOUBLE → float64, FLOAT16/BFLOAT16 → float16/bfloat16 (storage dtypes), BOOL → bool, and every
 * integer type (INT8..INT64, UINT8..UINT64) → int32. INT64/UINT64/UINT32 values outside int32 are
 * saturated to ±(2^31 − 1) and the tensor is marked, so ops that read shape-like integers (Slice's
 * INT64_MAX ends...) still work while any other use of the out-of-range values is refused.
 * STRING and COMPLEX tensors and external data are not supported.
 */
import {
  type DType,
  fromHost,
  getBackend,
  NotSupportedError,
  type Tensor,
  type TypedArray,
  ValueError,
} from '@kindling/core';
import { DATA_TYPE_NAMES, DataType, type OnnxTensor } from './schema.js';

/** Tensors whose int64 values were saturated to the int32 range when decoded. */
export const saturated = new WeakSet<Tensor>();

const INT32_MAX = 2147483647;

/** The Kindling dtype an ONNX element type loads as, or undefined if it is not supported. */
export function dtypeOf(dataType: number): DType | undefined {
  switch (dataType) {
    case DataType.FLOAT:
      return 'float32';
    case DataType.DOUBLE:
      return 'float64';
    case DataType.FLOAT16:
      return 'float16';
    case DataType.BFLOAT16:
      return 'bfloat16';
    case DataType.BOOL:
      return 'bool';
    case DataType.UINT8:
    case DataType.INT8:
    case DataType.UINT16:
    case DataType.INT16:
    case DataType.INT32:
    case DataType.INT64:
    case DataType.UINT32:
    case DataType.UINT64:
      return 'int32';
    default:
      return undefined;
  }
}

/** The ONNX element type a Kindling dtype is written as. */
export function onnxTypeOf(dtype: DType): number {
  return {
    float32: DataType.FLOAT,
    float64: DataType.DOUBLE,
    float16: DataType.FLOAT16,
    bfloat16: DataType.BFLOAT16,
    bool: DataType.BOOL,
    int32: DataType.INT32,
  }[dtype];
}

const RAW_SIZE: Record<number, number> = {
  [DataType.FLOAT]: 4,
  [DataType.UINT8]: 1,
  [DataType.INT8]: 1,
  [DataType.UINT16]: 2,
  [DataType.INT16]: 2,
  [DataType.INT32]: 4,
  [DataType.INT64]: 8,
  [DataType.BOOL]: 1,
  [DataType.FLOAT16]: 2,
  [DataType.DOUBLE]: 8,
  [DataType.UINT32]: 4,
  [DataType.UINT64]: 8,
  [DataType.BFLOAT16]: 2,
};

/** Converts a TensorProto to a tensor on the CPU. */
export function tensorFromOnnx(t: OnnxTensor, what = `tensor '${t.name}'`): Tensor {
  const name = DATA_TYPE_NAMES[t.dataType] ?? `type ${t.dataType}`;
  if (t.external)
    throw new NotSupportedError(`onnx: ${what} stores its data in an external file, which is not supported`);
  const dtype = dtypeOf(t.dataType);
  if (!dtype)
    throw new NotSupportedError(`onnx: ${what} has element type ${name}, which Kindling does not support`);
  let n = 1;
  for (const d of t.dims) n *= d;
  if (!Number.isSafeInteger(n) || n > 2 ** 31)
    throw new ValueError(`onnx: ${what} has too many elements (${n})`);
  let values: ArrayLike<number>;
  const dt = t.dataType;
  let sat = false;
  if (t.rawData) {
    const size = RAW_SIZE[dt];
    if (t.rawData.length !== n * size)
      throw new ValueError(
        `onnx: ${what} (${name}, shape [${t.dims.join(', ')}]) has ${t.rawData.length} bytes of raw data, expected ${n * size}`,
      );
    const raw = t.rawData;
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out =
      dtype === 'float32'
        ? new Float32Array(n)
        : dtype === 'float64'
          ? new Float64Array(n)
          : new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const o = i * size;
      switch (dt) {
        case DataType.FLOAT:
          out[i] = dv.getFloat32(o, true);
          break;
        case DataType.DOUBLE:
          out[i] = dv.getFloat64(o, true);
          break;
        case DataType.UINT8:
        case DataType.BOOL:
          out[i] = raw[o];
          break;
        case DataType.INT8:
          out[i] = dv.getInt8(o);
          break;
        case DataType.UINT16:
        case DataType.FLOAT16:
        case DataType.BFLOAT16:
          out[i] = dv.getUint16(o, true);
          break;
        case DataType.INT16:
          out[i] = dv.getInt16(o, true);
          break;
        case DataType.INT32:
          out[i] = dv.getInt32(o, true);
          break;
        case DataType.UINT32:
          out[i] = dv.getUint32(o, true);
          break;
        case DataType.INT64:
          out[i] = dv.getInt32(o + 4, true) * 4294967296 + dv.getUint32(o, true);
          break;
        case DataType.UINT64:
          out[i] = dv.getUint32(o + 4, true) * 4294967296 + dv.getUint32(o, true);
          break;
      }
    }
    values = out;
  } else {
    const src =
      dt === DataType.FLOAT
        ? t.floatData
        : dt === DataType.DOUBLE
          ? t.doubleData
          : dt === DataType.INT64
            ? t.int64Data
            : dt === DataType.UINT64 || dt === DataType.UINT32
              ? t.uint64Data
              : t.int32Data;
    const arr = src ?? [];
    if (arr.length !== n)
      throw new ValueError(
        `onnx: ${what} (${name}, shape [${t.dims.join(', ')}]) holds ${arr.length} values, expected ${n}`,
      );
    values = arr;
  }
  let host: TypedArray;
  if (dtype === 'float32') host = values instanceof Float32Array ? values : Float32Array.from(values);
  else if (dtype === 'float64') host = values instanceof Float64Array ? values : Float64Array.from(values);
  else if (dtype === 'float16' || dtype === 'bfloat16') host = Uint16Array.from(values);
  else if (dtype === 'bool') host = Uint8Array.from(values, (v) => (v !== 0 ? 1 : 0));
  else {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v > INT32_MAX || v < -INT32_MAX - 1) {
        sat = true;
        out[i] = v > 0 ? INT32_MAX : -INT32_MAX - 1;
      } else out[i] = v;
    }
    host = out;
  }
  const tensor = fromHost(host, t.dims, dtype);
  if (sat) saturated.add(tensor);
  return tensor;
}

/** Converts a tensor to a TensorProto with little-endian raw data (reads the CPU synchronously). */
export function tensorToOnnx(name: string, x: Tensor, dataType = onnxTypeOf(x.dtype)): OnnxTensor {
  if (x.dtype === 'float16' || x.dtype === 'bfloat16') {
    // Half tensors keep their 16-bit words (dataSync would decode them).
    const c = x.contiguous();
    const backend = getBackend(c.device);
    if (!backend.readSync)
      throw new NotSupportedError(`onnx: '${name}' is on ${c.device}; move it to the CPU first`);
    const words = (backend.readSync(c.storage) as Uint16Array).subarray(c.offset, c.offset + c.numel);
    const raw = new Uint8Array(words.length * 2);
    const dv = new DataView(raw.buffer);
    words.forEach((w, i) => {
      dv.setUint16(i * 2, w, true);
    });
    return { name, dims: [...x.shape], dataType, rawData: raw };
  }
  const data = x.contiguous().dataSync();
  const n = x.numel;
  const size = RAW_SIZE[dataType];
  const raw = new Uint8Array(n * size);
  const dv = new DataView(raw.buffer);
  for (let i = 0; i < n; i++) {
    const v = Number(data[i]);
    switch (dataType) {
      case DataType.FLOAT:
        dv.setFloat32(i * 4, v, true);
        break;
      case DataType.DOUBLE:
        dv.setFloat64(i * 8, v, true);
        break;
      case DataType.INT32:
        dv.setInt32(i * 4, v, true);
        break;
      case DataType.INT64:
        dv.setBigInt64(i * 8, BigInt(Math.trunc(v)), true);
        break;
      case DataType.BOOL:
        raw[i] = v ? 1 : 0;
        break;
      default:
        throw new NotSupportedError(
          `onnx: cannot write ${x.dtype} tensor '${name}' as ${DATA_TYPE_NAMES[dataType]}`,
        );
    }
  }
  return { name, dims: [...x.shape], dataType, rawData: raw };
}

/** An int64 TensorProto of the given values (shapes, axes...). */
export function int64Tensor(
  name: string,
  values: readonly number[],
  dims: number[] = [values.length],
): OnnxTensor {
  const raw = new Uint8Array(values.length * 8);
  const dv = new DataView(raw.buffer);
  values.forEach((v, i) => {
    dv.setBigInt64(i * 8, v >= 2 ** 63 ? 0x7fffffffffffffffn : BigInt(Math.trunc(v)), true);
  });
  return { name, dims, dataType: DataType.INT64, rawData: raw };
}
