import { IndexError, ShapeError, ValueError } from './errors.js';

/** A tensor shape: sizes of each dimension, outermost first. */
export type Shape = readonly number[];

/** Number of elements of a shape (1 for a 0-d shape). */
export function shapeNumel(shape: Shape): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** Row-major strides of a contiguous tensor of this shape. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= Math.max(shape[i], 1);
  }
  return strides;
}

/** Whether strides describe a row-major contiguous layout (size-1 dims may have any stride; empty is contiguous). */
export function isContiguousLayout(shape: Shape, strides: readonly number[]): boolean {
  if (shape.includes(0)) return true; // an empty tensor has no layout to violate, as in PyTorch
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

/** Formats a shape as PyTorch prints it: `[2, 3]`. */
export function fmtShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Normalises a possibly negative dim into `[0, ndim)`, or throws an IndexError naming the op. */
export function normalizeDim(dim: number, ndim: number, op: string): number {
  const n = Math.max(ndim, 1); // like PyTorch, a 0-d tensor accepts dim 0 and -1
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    throw new IndexError(
      `${op}: dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`,
    );
  }
  return dim < 0 ? dim + n : dim;
}

/** Normalises a list of dims, rejecting repeats. */
export function normalizeDims(dims: readonly number[], ndim: number, op: string): number[] {
  const out = dims.map((d) => normalizeDim(d, ndim, op));
  if (new Set(out).size !== out.length)
    throw new ValueError(`${op}: dim ${dims.join(', ')} appears multiple times`);
  return out;
}

/** PyTorch/NumPy broadcasting of two or more shapes; throws a ShapeError with all shapes on mismatch. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const ndim = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(ndim).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = ndim - s.length + i;
      const d = s[i];
      if (d === out[o] || d === 1) continue;
      if (out[o] === 1) out[o] = d;
      else {
        throw new ShapeError(
          `${op}: shapes ${shapes.map(fmtShape).join(' and ')} cannot be broadcast together (dimension ${o}: ${out[o]} vs ${d})`,
        );
      }
    }
  }
  return out;
}

/** Checks that every entry is a non-negative integer size. */
export function checkShape(shape: Shape, op: string): number[] {
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0)
      throw new ValueError(`${op}: invalid shape ${fmtShape(shape)}; sizes must be non-negative integers`);
  }
  return [...shape];
}

/** Resolves one `-1` in a view/reshape shape against the element count. */
export function inferViewShape(shape: Shape, numel: number, op: string): number[] {
  const out = [...shape];
  const neg = out.indexOf(-1);
  if (out.filter((s) => s === -1).length > 1)
    throw new ValueError(`${op}: only one dimension can be inferred, got ${fmtShape(shape)}`);
  for (const s of out)
    if (s !== -1 && (!Number.isInteger(s) || s < 0))
      throw new ValueError(`${op}: invalid size ${s} in ${fmtShape(shape)}`);
  if (neg >= 0) {
    const rest = out.reduce((a, s, i) => (i === neg ? a : a * s), 1);
    if (rest === 0 || numel % rest !== 0) {
      throw new ShapeError(`${op}: shape ${fmtShape(shape)} is invalid for input of size ${numel}`);
    }
    out[neg] = numel / rest;
  }
  if (shapeNumel(out) !== numel)
    throw new ShapeError(`${op}: shape ${fmtShape(shape)} is invalid for input of size ${numel}`);
  return out;
}

/** Whether two shapes are equal. */
export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}
