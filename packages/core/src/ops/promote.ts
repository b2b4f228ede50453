import { type DType, defaultFloat, isStorageOnly, promoteTypes, scalarKind } from '../dtype.js';
import { DTypeError } from '../errors.js';
import { Tensor } from '../tensor.js';

/** An operand of an elementwise op: a tensor or a plain JS scalar. */
export type Operand = Tensor | number | boolean;

const rank = (d: DType) => (d === 'bool' ? 0 : d === 'int32' ? 1 : 2);

/**
 * PyTorch's `result_type`: dimensioned tensors decide first; 0-d tensors only raise the category,
 * and plain scalars only raise it to the default type of their category.
 */
export function resultType(op: string, operands: readonly Operand[]): DType {
  let dim: DType | null = null;
  let zero: DType | null = null;
  let scalar: DType | null = null;
  for (const v of operands) {
    if (v instanceof Tensor) {
      if (v.ndim > 0) dim = dim ? promoteTypes(dim, v.dtype) : v.dtype;
      else zero = zero ? promoteTypes(zero, v.dtype) : v.dtype;
    } else {
      const k = scalarKind(v);
      const d: DType = k === 'bool' ? 'bool' : k === 'int' ? 'int32' : defaultFloat();
      scalar = scalar ? promoteTypes(scalar, d) : d;
    }
  }
  let out: DType | null = dim;
  for (const next of [zero, scalar]) {
    if (!next) continue;
    if (!out) out = next;
    else if (rank(next) > rank(out)) out = next;
  }
  if (!out) throw new DTypeError(`${op}: no tensor operand`);
  return out;
}

/** Throws a clear error for arithmetic on storage-only dtypes. */
export function checkComputable(op: string, dtype: DType): void {
  if (isStorageOnly(dtype)) {
    throw new DTypeError(`${op}: ${dtype} is a storage dtype here; convert first with .to('float32')`);
  }
}
