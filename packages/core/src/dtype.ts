import { DTypeError } from './errors.js';

/** Element types. `float16`/`bfloat16` are storage types: convert with `.to('float32')` to compute. */
export type DType = 'float32' | 'float64' | 'int32' | 'bool' | 'float16' | 'bfloat16';

/** Every dtype, in promotion order within each category. */
export const DTYPES: readonly DType[] = ['bool', 'int32', 'float16', 'bfloat16', 'float32', 'float64'];

/** A typed array that can hold a dtype's elements. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array | Uint16Array;

/** Bytes per element. */
export function itemSize(dtype: DType): number {
  switch (dtype) {
    case 'float64':
      return 8;
    case 'float32':
    case 'int32':
      return 4;
    case 'float16':
    case 'bfloat16':
      return 2;
    case 'bool':
      return 1;
  }
}

/** The typed array constructor used to store a dtype on the CPU. */
export function arrayTypeOf(dtype: DType) {
  switch (dtype) {
    case 'float64':
      return Float64Array;
    case 'float32':
      return Float32Array;
    case 'int32':
      return Int32Array;
    case 'bool':
      return Uint8Array;
    case 'float16':
    case 'bfloat16':
      return Uint16Array;
  }
}

/** Whether the dtype is a floating-point type. */
export function isFloating(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}

/** Whether the dtype only exists as storage (no arithmetic kernels): float16 and bfloat16. */
export function isStorageOnly(dtype: DType): boolean {
  return dtype === 'float16' || dtype === 'bfloat16';
}

/** Throws unless `dtype` is a known dtype. */
export function checkDType(dtype: unknown, op: string): DType {
  if (typeof dtype === 'string' && (DTYPES as readonly string[]).includes(dtype)) return dtype as DType;
  throw new DTypeError(`${op}: unknown dtype ${String(dtype)}; expected one of ${DTYPES.join(', ')}`);
}

const category = (d: DType) => (d === 'bool' ? 0 : d === 'int32' ? 1 : 2);

/** PyTorch's promotion of two tensor dtypes (`torch.promote_types`). */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  const ca = category(a);
  const cb = category(b);
  if (ca !== cb) return ca > cb ? a : b;
  // both floating and different
  if (a === 'float64' || b === 'float64') return 'float64';
  if (a === 'float32' || b === 'float32') return 'float32';
  return 'float32'; // float16 with bfloat16, as in PyTorch
}

/** The kind of a plain JS number/boolean operand, used for PyTorch's "wrapped number" promotion. */
export type ScalarKind = 'bool' | 'int' | 'float';

/** The kind of a JS scalar: booleans are bool, integral numbers int, the rest float. */
export function scalarKind(v: number | boolean): ScalarKind {
  if (typeof v === 'boolean') return 'bool';
  return Number.isInteger(v) ? 'int' : 'float';
}

/**
 * Result dtype of combining a tensor dtype with a scalar: a scalar only changes the dtype when it is
 * of a higher category (an int tensor plus 1.5 is float32; a float16 tensor plus 1.5 stays float16).
 */
export function promoteWithScalar(t: DType, kind: ScalarKind): DType {
  const ck = kind === 'bool' ? 0 : kind === 'int' ? 1 : 2;
  if (ck <= category(t)) return t;
  return ck === 1 ? 'int32' : defaultFloat();
}

let defaultFloatDType: DType = 'float32';

/** The dtype new floating tensors get (`torch.get_default_dtype`). */
export function defaultFloat(): DType {
  return defaultFloatDType;
}

/** Sets the dtype new floating tensors get: `float32` (default) or `float64`. */
export function setDefaultDType(dtype: 'float32' | 'float64'): void {
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new DTypeError(`setDefaultDType: expected float32 or float64, got ${String(dtype)}`);
  }
  defaultFloatDType = dtype;
}

/** The dtype a unary float op (exp, sqrt...) computes in: integers and bools become the default float. */
export function toFloating(dtype: DType): DType {
  return isFloating(dtype) ? dtype : defaultFloat();
}
