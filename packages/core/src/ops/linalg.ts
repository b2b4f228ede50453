/**
 * Matrix products with PyTorch semantics. One primitive, `bmm` ([B, M, K] @ [B, K, N] -> [B, M, N],
 * see `backends/cpu/matmul.ts`); everything here is a composite of views, elementwise ops and that
 * primitive, so autograd and every backend get these ops for free.
 */
import { dispatch1 } from '../dispatch.js';
import { type DType, isFloating } from '../dtype.js';
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import { broadcastShapes, fmtShape, sameShape, shapeNumel } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { expand, reshape, transpose } from '../views.js';
import { add, mul } from './elementwise.js';
import { checkComputable } from './promote.js';

/** `2x3`, as PyTorch writes matrix shapes in messages. */
const dims = (s: readonly number[]) => s.join('x');

/** Checks that two operands share a dtype that matrix products support; returns it. */
function checkMatmulDTypes(op: string, a: Tensor, b: Tensor): DType {
  if (a.dtype !== b.dtype) {
    throw new DTypeError(
      `${op}: expected both operands to have the same dtype, but got ${a.dtype} and ${b.dtype} (convert one with .to())`,
    );
  }
  if (a.dtype === 'bool') throw new DTypeError(`${op}: not supported for bool tensors`);
  checkComputable(op, a.dtype);
  return a.dtype;
}

/**
 * The `bmm` primitive without argument checks: `a` [B, M, K] and `b` [B, K, N] of one dtype
 * (either may be a strided view, batch stride 0 included) to a contiguous [B, M, N].
 */
function bmmPrimitive(a: Tensor, b: Tensor): Tensor {
  return dispatch1('bmm', [a, b]);
}

/** Batched matrix product of 3-D tensors `[B, M, K] @ [B, K, N] -> [B, M, N]` (no broadcasting). */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 3 || b.ndim !== 3) {
    throw new ShapeError(
      `bmm: expected 3-D tensors, but got ${a.ndim}-D and ${b.ndim}-D tensors (shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)})`,
    );
  }
  checkMatmulDTypes('bmm', a, b);
  if (a.shape[0] !== b.shape[0] || a.shape[2] !== b.shape[1]) {
    throw new ShapeError(
      `bmm: expected batch1 and batch2 to have the same batch size and matching inner dimensions, but got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
  return bmmPrimitive(a, b);
}

/** Matrix product of 2-D tensors `[M, K] @ [K, N] -> [M, N]`. */
export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 2 || b.ndim !== 2) {
    throw new ShapeError(
      `mm: expected 2-D tensors, but got ${a.ndim}-D and ${b.ndim}-D tensors (shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)})`,
    );
  }
  checkMatmulDTypes('mm', a, b);
  return mm2d('mm', a, b);
}

function mm2d(op: string, a: Tensor, b: Tensor): Tensor {
  const [M, K] = a.shape;
  const [K2, N] = b.shape;
  if (K !== K2) {
    throw new ShapeError(
      `${op}: mat1 and mat2 shapes cannot be multiplied (${dims(a.shape)} and ${dims(b.shape)})`,
    );
  }
  return reshape(bmmPrimitive(reshape(a, [1, M, K]), reshape(b, [1, K, N])), [M, N]);
}

/** `[M, K] @ [K] -> [M]`. */
function mv(op: string, a: Tensor, v: Tensor): Tensor {
  const [M, K] = a.shape;
  if (v.shape[0] !== K) {
    throw new ShapeError(
      `${op}: size mismatch, matrix of shape ${fmtShape(a.shape)} cannot be multiplied by a vector of shape ${fmtShape(v.shape)}`,
    );
  }
  return reshape(bmmPrimitive(reshape(a, [1, M, K]), reshape(v, [1, K, 1])), [M]);
}

/** Dot product of two 1-D tensors of the same length and dtype (a 0-d tensor). */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new ShapeError(`dot: 1-D tensors expected, but got ${a.ndim}-D and ${b.ndim}-D tensors`);
  }
  if (a.dtype !== b.dtype) {
    throw new DTypeError(
      `dot: expected both vectors to have the same dtype, but found ${a.dtype} and ${b.dtype}`,
    );
  }
  checkMatmulDTypes('dot', a, b);
  return dot1d('dot', a, b);
}

function dot1d(op: string, a: Tensor, b: Tensor): Tensor {
  const n = a.shape[0];
  if (b.shape[0] !== n) {
    throw new ShapeError(
      `${op}: inconsistent tensor size, expected tensors ${fmtShape(a.shape)} and ${fmtShape(b.shape)} to have the same number of elements`,
    );
  }
  return reshape(bmmPrimitive(reshape(a, [1, 1, n]), reshape(b, [1, n, 1])), []);
}

/** Outer product of two 1-D tensors: `out[i, j] = a[i] * b[j]` (dtypes promote, as in PyTorch). */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new ShapeError(
      `outer: expected 1-D arguments, but got ${a.ndim}-D and ${b.ndim}-D tensors (shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)})`,
    );
  }
  return mul(reshape(a, [a.shape[0], 1]), b);
}

/**
 * Matrix product with PyTorch's rules: 1-D @ 1-D is a dot product; a 1-D first operand gets a
 * leading dim of 1 and a 1-D second operand a trailing dim of 1 (removed from the result); 2-D @ 2-D
 * is `mm`; otherwise the leading (batch) dims broadcast and each matrix pair is multiplied.
 * Both operands must have the same dtype (float32, float64 or int32).
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const da = a.ndim;
  const db = b.ndim;
  if (da === 0 || db === 0) {
    throw new ShapeError(`matmul: both arguments need to be at least 1-D, but they are ${da}-D and ${db}-D`);
  }
  checkMatmulDTypes('matmul', a, b);
  if (da === 1 && db === 1) return dot1d('matmul', a, b);
  if (da === 2 && db === 1) return mv('matmul', a, b);
  if (da === 1 && db === 2) {
    if (a.shape[0] !== b.shape[0]) {
      throw new ShapeError(
        `matmul: mat1 and mat2 shapes cannot be multiplied (1x${a.shape[0]} and ${dims(b.shape)})`,
      );
    }
    return reshape(mm2d('matmul', reshape(a, [1, a.shape[0]]), b), [b.shape[1]]);
  }
  if (da === 2 && db === 2) return mm2d('matmul', a, b);
  if (da >= 3 && db <= 2) {
    // Fold the batch dims of `a` into its rows: one large matrix product instead of many small ones.
    const K = a.shape[da - 1];
    if (b.shape[0] !== K) {
      throw new ShapeError(
        `matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${K} vs ${b.shape[0]} in the contracted dimension)`,
      );
    }
    const lead = a.shape.slice(0, -1);
    const flat = reshape(a, [shapeNumel(lead), K]);
    return db === 1
      ? reshape(mv('matmul', flat, b), lead)
      : reshape(mm2d('matmul', flat, b), [...lead, b.shape[1]]);
  }
  return batchedMatmul(a, b);
}

/** The general case: at least one operand has batch dims; they broadcast without being copied. */
function batchedMatmul(a: Tensor, b: Tensor): Tensor {
  const a2 = a.ndim === 1 ? reshape(a, [1, a.shape[0]]) : a;
  const b2 = b.ndim === 1 ? reshape(b, [b.shape[0], 1]) : b;
  const [M, K] = a2.shape.slice(-2);
  const [K2, N] = b2.shape.slice(-2);
  if (K !== K2) {
    throw new ShapeError(
      `matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${K} vs ${K2} in the contracted dimension)`,
    );
  }
  let batch: number[];
  try {
    batch = broadcastShapes('matmul', a2.shape.slice(0, -2), b2.shape.slice(0, -2));
  } catch {
    throw new ShapeError(
      `matmul: the batch dimensions of shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be broadcast together`,
    );
  }
  const B = shapeNumel(batch);
  // Expanded batch dims have stride 0 and merge into one stride-0 dim as a view; only a
  // partially broadcast batch (e.g. [2, 1] against [2, 3]) needs a copy to become 3-D.
  const a3 = reshape(expand(a2, [...batch, M, K]), [B, M, K]);
  const b3 = reshape(expand(b2, [...batch, K, N]), [B, K, N]);
  const out = bmmPrimitive(a3, b3);
  const shape = [...batch];
  if (a.ndim > 1) shape.push(M);
  if (b.ndim > 1) shape.push(N);
  return reshape(out, shape);
}

/** Checks that `input` broadcasts to `shape` without growing it. */
function checkBias(op: string, input: Tensor, shape: readonly number[], name: string): void {
  let ok = input.ndim <= shape.length;
  if (ok) {
    try {
      ok = sameShape(broadcastShapes(op, input.shape, shape), shape);
    } catch {
      ok = false;
    }
  }
  if (!ok) {
    throw new ShapeError(
      `${op}: ${name} of shape ${fmtShape(input.shape)} cannot be broadcast to the result shape ${fmtShape(shape)}`,
    );
  }
}

/** Checks `alpha`/`beta`: finite numbers, integral for integer tensors. */
function checkScale(op: string, dtype: DType, name: string, v: number): void {
  if (typeof v !== 'number' || Number.isNaN(v))
    throw new ValueError(`${op}: ${name} must be a number, got ${v}`);
  if (!isFloating(dtype) && !Number.isInteger(v)) {
    throw new ValueError(`${op}: for integer tensors, ${name} must be an integer, got ${v}`);
  }
}

/** `beta * input + alpha * product`; with `beta = 0` the input is ignored (its NaNs do not propagate). */
function scaledSum(input: Tensor, product: Tensor, beta: number, alpha: number): Tensor {
  const scaledProduct = alpha === 1 ? product : mul(product, alpha);
  if (beta === 0) return scaledProduct;
  return add(beta === 1 ? input : mul(input, beta), scaledProduct);
}

/** Options of `addmm` and `baddbmm` (PyTorch's keyword arguments). */
export interface AddMatmulOptions {
  /** Multiplier of `input` (default 1; 0 ignores `input`, NaNs included). */
  beta?: number;
  /** Multiplier of the product (default 1). */
  alpha?: number;
}

function checkThree(op: string, input: Tensor, a: Tensor, b: Tensor): void {
  checkMatmulDTypes(op, a, b);
  if (input.dtype !== a.dtype) {
    throw new DTypeError(
      `${op}: expected input and the matrices to have the same dtype, but got ${input.dtype} and ${a.dtype}`,
    );
  }
}

/** `beta * input + alpha * (mat1 @ mat2)` for 2-D `mat1` [M, K], `mat2` [K, N]; `input` broadcasts to [M, N]. */
export function addmm(input: Tensor, mat1: Tensor, mat2: Tensor, options?: AddMatmulOptions): Tensor {
  const beta = options?.beta ?? 1;
  const alpha = options?.alpha ?? 1;
  if (mat1.ndim !== 2 || mat2.ndim !== 2) {
    throw new ShapeError(
      `addmm: expected 2-D matrices, but got ${mat1.ndim}-D and ${mat2.ndim}-D tensors (shapes ${fmtShape(mat1.shape)} and ${fmtShape(mat2.shape)})`,
    );
  }
  checkThree('addmm', input, mat1, mat2);
  checkScale('addmm', input.dtype, 'beta', beta);
  checkScale('addmm', input.dtype, 'alpha', alpha);
  const product = mm2d('addmm', mat1, mat2);
  checkBias('addmm', input, product.shape, 'input');
  return scaledSum(input, product, beta, alpha);
}

/** `beta * input + alpha * bmm(batch1, batch2)` for 3-D batches; `input` broadcasts to [B, M, N]. */
export function baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, options?: AddMatmulOptions): Tensor {
  const beta = options?.beta ?? 1;
  const alpha = options?.alpha ?? 1;
  const product = bmm(batch1, batch2);
  checkThree('baddbmm', input, batch1, batch2);
  checkScale('baddbmm', input.dtype, 'beta', beta);
  checkScale('baddbmm', input.dtype, 'alpha', alpha);
  checkBias('baddbmm', input, product.shape, 'input');
  return scaledSum(input, product, beta, alpha);
}

/**
 * A linear layer's map `input @ weight^T + bias`: `input` [..., in], `weight` [out, in] (or [in]),
 * `bias` broadcastable to the result (usually [out]). All three share a dtype.
 */
export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.ndim !== 1 && weight.ndim !== 2) {
    throw new ShapeError(`linear: weight must be 1-D or 2-D, but got shape ${fmtShape(weight.shape)}`);
  }
  if (input.ndim === 0 || input.shape[input.ndim - 1] !== weight.shape[weight.ndim - 1]) {
    throw new ShapeError(
      `linear: input of shape ${fmtShape(input.shape)} cannot be multiplied by weight of shape ${fmtShape(weight.shape)} (expected input's last dim to be ${weight.shape[weight.ndim - 1]})`,
    );
  }
  checkMatmulDTypes('linear', input, weight);
  const out = matmul(input, weight.ndim === 2 ? transpose(weight, 0, 1) : weight);
  if (bias === undefined || bias === null) return out;
  if (bias.dtype !== input.dtype) {
    throw new DTypeError(
      `linear: expected bias to have the same dtype as input and weight (${input.dtype}), but got ${bias.dtype}`,
    );
  }
  checkBias('linear', bias, out.shape, 'bias');
  return add(out, bias);
}
