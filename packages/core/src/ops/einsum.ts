/**
 * `einsum`: Einstein summation over any valid subscript string, as a composite of differentiable
 * ops (permute, reshape, `where` with an identity mask, `mul`) and the `bmm` primitive.
 *
 * How it runs: repeated subscripts within an operand take the diagonal (mask with `eye`, then sum);
 * size-1 dims that broadcast against a larger size are dropped from their operand; operands are
 * then contracted left to right, each pair as one `bmm` ([shared kept labels] x [left labels] x
 * [summed labels] @ ... ), with labels that no later operand or the output needs summed away
 * first. Sums also run through `bmm` (a product with a vector of ones), so no reduction kernel is
 * needed. Outer products (nothing to sum) use a broadcast `mul`.
 */
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import { fmtShape, isContiguousLayout, shapeNumel } from '../shape.js';
import { Tensor } from '../tensor.js';
import { permute, reshape } from '../views.js';
import { cast } from './copy.js';
import { eye, ones } from './creation.js';
import { mul, where } from './elementwise.js';
import { bmm } from './linalg.js';
import { checkComputable } from './promote.js';

/** One parsed term: its letters and where its ellipsis sits (-1 when it has none). */
interface Term {
  labels: string[];
  ellipsisAt: number;
}

/** An intermediate operand: a tensor and the label of each of its dims (unique). */
interface Labeled {
  t: Tensor;
  keys: string[];
}

const isLetter = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

/** Parses one side of the equation from `start`; `what` names the term in messages. */
function parseTerm(eq: string, start: number, end: number, what: string): Term {
  const labels: string[] = [];
  let ellipsisAt = -1;
  for (let i = start; i < end; i++) {
    const c = eq[i];
    if (c === ' ') continue;
    if (c === '.') {
      if (ellipsisAt >= 0) {
        throw new ValueError(`einsum: found '.' for ${what} for which an ellipsis was already found`);
      }
      if (eq[i + 1] !== '.' || eq[i + 2] !== '.' || i + 2 >= end) {
        throw new ValueError(`einsum: found '.' for ${what} that is not part of any ellipsis ('...')`);
      }
      ellipsisAt = labels.length;
      i += 2;
    } else if (isLetter(c)) {
      labels.push(c);
    } else {
      throw new ValueError(
        `einsum: invalid subscript '${c}' at index ${i} of the equation '${eq}'; subscripts must be letters in [a-zA-Z]`,
      );
    }
  }
  return { labels, ellipsisAt };
}

/** Splits `equation` into input terms and the output term (null when implicit). */
function parseEquation(eq: string): { inputs: Term[]; output: Term | null } {
  const arrow = eq.indexOf('->');
  const lhsEnd = arrow >= 0 ? arrow : eq.length;
  const inputs: Term[] = [];
  let start = 0;
  for (let i = 0; i <= lhsEnd; i++) {
    if (i === lhsEnd || eq[i] === ',') {
      inputs.push(parseTerm(eq, start, i, `operand ${inputs.length}`));
      start = i + 1;
    }
  }
  const output = arrow >= 0 ? parseTerm(eq, arrow + 2, eq.length, 'the output') : null;
  return { inputs, output };
}

/** Key of ellipsis dim `k` (counted from the left of the broadcast ellipsis); letters are their own keys. */
const ellKey = (k: number) => `.${k}`;

/**
 * Einstein summation, like `torch.einsum`: `einsum('ij,jk->ik', a, b)` is `a @ b`, `einsum('ii', x)`
 * the trace, `einsum('bij,bjk->bik', x, y)` a batched product, `einsum('...ij->...ji', x)` a
 * transpose. Without `->` the output holds the ellipsis dims and then every subscript that
 * appears exactly once, in alphabetical order (uppercase first). Size-1 dims broadcast; all
 * operands must share one dtype. Operands may also be passed as one array.
 */
export function einsum(equation: string, ...operands: Tensor[] | [readonly Tensor[]]): Tensor {
  const ops: readonly Tensor[] =
    operands.length === 1 && Array.isArray(operands[0])
      ? (operands[0] as readonly Tensor[])
      : (operands as Tensor[]);
  if (typeof equation !== 'string')
    throw new ValueError(`einsum: the equation must be a string, got ${typeof equation}`);
  if (ops.length === 0) throw new ValueError('einsum: must provide at least one operand');
  for (const [i, t] of ops.entries()) {
    if (!(t instanceof Tensor)) throw new ValueError(`einsum: operand ${i} is not a Tensor`);
  }
  const { inputs, output } = parseEquation(equation);
  if (ops.length > inputs.length) {
    throw new ValueError(
      `einsum: more operands were provided (${ops.length}) than specified in the equation '${equation}' (${inputs.length})`,
    );
  }
  if (ops.length < inputs.length) {
    throw new ValueError(
      `einsum: fewer operands were provided (${ops.length}) than specified in the equation '${equation}' (${inputs.length})`,
    );
  }

  // dtype: one for all operands; bool only for a single operand (computed in int32).
  const dtype = ops[0].dtype;
  for (const [i, t] of ops.entries()) {
    if (t.dtype !== dtype) {
      throw new DTypeError(
        `einsum: expected all operands to have the same dtype, but operand 0 is ${dtype} and operand ${i} is ${t.dtype}`,
      );
    }
  }
  checkComputable('einsum', dtype);
  if (dtype === 'bool' && ops.length > 1) {
    throw new DTypeError('einsum: products of bool tensors are not supported; convert them with .to()');
  }

  // Keys of every dim of every operand; the ellipsis dims are right-aligned and broadcast.
  let ellDims = 0;
  for (const [i, term] of inputs.entries()) {
    const nd = ops[i].ndim;
    const n = term.labels.length;
    if (term.ellipsisAt < 0 && n !== nd) {
      throw new ShapeError(
        `einsum: the number of subscripts in the equation (${n}) does not match the number of dimensions (${nd}) of operand ${i} (shape ${fmtShape(ops[i].shape)}) and no ellipsis was given`,
      );
    }
    if (term.ellipsisAt >= 0 && n > nd) {
      throw new ShapeError(
        `einsum: the number of subscripts in the equation (${n}) is more than the number of dimensions (${nd}) of operand ${i} (shape ${fmtShape(ops[i].shape)})`,
      );
    }
    if (term.ellipsisAt >= 0) ellDims = Math.max(ellDims, nd - n);
  }
  const keysOf = inputs.map((term, i) => {
    if (term.ellipsisAt < 0) return [...term.labels];
    const e = ops[i].ndim - term.labels.length;
    const ell = Array.from({ length: e }, (_, k) => ellKey(ellDims - e + k));
    return [...term.labels.slice(0, term.ellipsisAt), ...ell, ...term.labels.slice(term.ellipsisAt)];
  });

  // Sizes: a subscript repeated within an operand needs equal sizes; across operands, 1 broadcasts.
  const size = new Map<string, number>();
  for (const [i, keys] of keysOf.entries()) {
    const own = new Map<string, number>();
    for (const [d, k] of keys.entries()) {
      const s = ops[i].shape[d];
      const seen = own.get(k);
      if (seen !== undefined && seen !== s) {
        throw new ShapeError(
          `einsum: subscript ${k} is repeated for operand ${i} but the sizes don't match, ${seen} != ${s}`,
        );
      }
      own.set(k, s);
    }
    for (const [k, s] of own) {
      const prev = size.get(k);
      if (prev === undefined || prev === 1) size.set(k, s);
      else if (s !== prev && s !== 1) {
        const what = k.startsWith('.') ? `ellipsis dimension ${k.slice(1)}` : `subscript ${k}`;
        throw new ShapeError(
          `einsum: ${what} has size ${s} for operand ${i} (shape ${fmtShape(ops[i].shape)}) which does not broadcast with previously seen size ${prev}`,
        );
      }
    }
  }

  const outKeys = outputKeys(inputs, output, ellDims);
  const outSet = new Set(outKeys);
  const needsArithmetic =
    ops.length > 1 || keysOf[0].some((k) => !outSet.has(k)) || new Set(keysOf[0]).size !== keysOf[0].length;
  const boolToInt = dtype === 'bool' && needsArithmetic;

  // Per operand: diagonals of repeated subscripts, then drop broadcast size-1 dims.
  const labeled: Labeled[] = ops.map((t0, i) => {
    let t = boolToInt ? cast(t0, 'int32') : t0;
    const keys = [...keysOf[i]];
    for (let p = 0; p < keys.length; p++) {
      for (let q = keys.length - 1; q > p; q--) {
        if (keys[q] === keys[p]) {
          t = diagonal(t, p, q);
          keys.splice(q, 1);
        }
      }
    }
    const keep = keys.map((k, d) => !(t.shape[d] === 1 && size.get(k) !== 1));
    if (keep.includes(false)) {
      t = reshape(
        t,
        t.shape.filter((_, d) => keep[d]),
      );
      return { t, keys: keys.filter((_, d) => keep[d]) };
    }
    return { t, keys };
  });

  // Contract left to right, summing away what nothing later needs.
  let summed = false;
  const sumAway = (x: Labeled, drop: (k: string) => boolean): Labeled => {
    const dims = x.keys.flatMap((k, d) => (drop(k) ? [d] : []));
    if (dims.length === 0) return x;
    summed = true;
    return sumDims(x, dims);
  };
  let acc = labeled[0];
  for (let i = 1; i < labeled.length; i++) {
    const later = new Set(outKeys);
    for (let j = i + 1; j < labeled.length; j++) for (const k of labeled[j].keys) later.add(k);
    const right = labeled[i];
    acc = sumAway(acc, (k) => !later.has(k) && !right.keys.includes(k));
    const rightReduced = sumAway(right, (k) => !later.has(k) && !acc.keys.includes(k));
    acc = contract(acc, rightReduced, later);
  }
  acc = sumAway(acc, (k) => !outSet.has(k));
  const perm = outKeys.map((k) => acc.keys.indexOf(k));
  let out = perm.every((p, i) => p === i) ? acc.t : permute(acc.t, perm);
  if (boolToInt && !summed) out = cast(out, 'bool');
  return out;
}

/** The output's keys: explicit ones (validated), or PyTorch's implicit order. */
function outputKeys(inputs: Term[], output: Term | null, ellDims: number): string[] {
  const ell = Array.from({ length: ellDims }, (_, k) => ellKey(k));
  const counts = new Map<string, number>();
  for (const term of inputs) for (const c of term.labels) counts.set(c, (counts.get(c) ?? 0) + 1);
  if (!output) {
    const once = [...counts.keys()].filter((c) => counts.get(c) === 1).sort();
    return [...ell, ...once];
  }
  const seen = new Set<string>();
  for (const c of output.labels) {
    if (seen.has(c))
      throw new ValueError(`einsum: output subscript ${c} appears more than once in the output`);
    if (!counts.has(c)) {
      throw new ValueError(
        `einsum: output subscript ${c} does not appear in the equation for any input operand`,
      );
    }
    seen.add(c);
  }
  if (output.ellipsisAt < 0) return [...output.labels];
  return [...output.labels.slice(0, output.ellipsisAt), ...ell, ...output.labels.slice(output.ellipsisAt)];
}

/** The diagonal over dims `p < q` (same size): keeps dim `p`, removes dim `q`. */
function diagonal(t: Tensor, p: number, q: number): Tensor {
  const n = t.shape[p];
  const maskShape = t.shape.map((_, d) => (d === p || d === q ? n : 1));
  const mask = reshape(eye(n, n, { dtype: 'bool', device: t.device }), maskShape);
  // `where`, not a product with the mask: off-diagonal NaN/inf must not leak into the sum.
  const masked = where(mask, t, 0);
  return sumDims({ t: masked, keys: t.shape.map((_, d) => String(d)) }, [q]).t;
}

/** Sums `x` over `dims` as a product with a vector of ones (one `bmm`, no copy when the layout allows). */
function sumDims(x: Labeled, dims: number[]): Labeled {
  const { t } = x;
  const drop = new Set(dims);
  const keepDims = t.shape.map((_, d) => d).filter((d) => !drop.has(d));
  const keys = keepDims.map((d) => x.keys[d]);
  const keepShape = keepDims.map((d) => t.shape[d]);
  const R = shapeNumel(keepShape);
  const S = shapeNumel(dims.map((d) => t.shape[d]));
  // Summed dims first ([1, S] @ [S, R]) when that layout is already a view, else last ([R, S] @ [S, 1]).
  const first = permute(t, [...dims, ...keepDims]);
  let flat: Tensor;
  if (isContiguousLayout(first.shape, first.strides)) {
    const vec = ones([1, 1, S], { dtype: t.dtype, device: t.device });
    flat = bmm(vec, reshape(first, [1, S, R]));
  } else {
    const last = permute(t, [...keepDims, ...dims]);
    const vec = ones([1, S, 1], { dtype: t.dtype, device: t.device });
    flat = bmm(reshape(last, [1, R, S]), vec);
  }
  return { t: reshape(flat, keepShape), keys };
}

/** Contracts two operands with unique keys; keys in `later` are kept, other shared keys are summed. */
function contract(left: Labeled, right: Labeled, later: Set<string>): Labeled {
  const inRight = new Set(right.keys);
  const inLeft = new Set(left.keys);
  const batch = left.keys.filter((k) => inRight.has(k) && later.has(k));
  const summed = left.keys.filter((k) => inRight.has(k) && !later.has(k));
  const lOnly = left.keys.filter((k) => !inRight.has(k));
  const rOnly = right.keys.filter((k) => !inLeft.has(k));
  const sizeOf = (x: Labeled, k: string) => x.t.shape[x.keys.indexOf(k)];
  const bShape = batch.map((k) => sizeOf(left, k));
  const lShape = lOnly.map((k) => sizeOf(left, k));
  const rShape = rOnly.map((k) => sizeOf(right, k));
  const order = (x: Labeled, ks: string[]) => {
    const perm = ks.map((k) => x.keys.indexOf(k));
    return perm.every((p, i) => p === i) ? x.t : permute(x.t, perm);
  };
  const keys = [...batch, ...lOnly, ...rOnly];
  if (summed.length === 0) {
    // Nothing to sum: a broadcast elementwise product.
    const l = reshape(order(left, [...batch, ...lOnly]), [...bShape, ...lShape, ...rShape.map(() => 1)]);
    const r = reshape(order(right, [...batch, ...rOnly]), [...bShape, ...lShape.map(() => 1), ...rShape]);
    return { t: mul(l, r), keys };
  }
  const kShape = summed.map((k) => sizeOf(left, k));
  const B = shapeNumel(bShape);
  const M = shapeNumel(lShape);
  const K = shapeNumel(kShape);
  const N = shapeNumel(rShape);
  const l = reshape(order(left, [...batch, ...lOnly, ...summed]), [B, M, K]);
  const r = reshape(order(right, [...batch, ...summed, ...rOnly]), [B, K, N]);
  return { t: reshape(bmm(l, r), [...bShape, ...lShape, ...rShape]), keys };
}
