import type { TypedArray } from '../../dtype.js';

/** Functions the generated kernels may call (`H.erf(a)`), passed in so expressions stay inlinable. */
export interface KernelHelpers {
  [name: string]: (...args: number[]) => number;
}

/** One strided operand of an elementwise loop. */
export interface Operand {
  data: TypedArray;
  strides: readonly number[];
  offset: number;
}

type Compiled = (
  o: TypedArray,
  shape: number[],
  ops: TypedArray[],
  strides: number[][],
  offsets: number[],
  p: number[],
) => void;

const cache = new Map<string, Compiled>();
const NAMES = ['a', 'b', 'c', 'd'];

/**
 * Compiles an n-ary elementwise loop for one expression (in operands `a`, `b`, `c`, `d` and
 * parameters `p[0]...`). Each expression gets its own function, so V8 inlines it in a monomorphic
 * loop: no per-element closure calls. The innermost dim runs in a tight loop, with a separate
 * unit-stride path.
 */
function compile(expr: string, arity: number, helpers: KernelHelpers): Compiled {
  const key = `${arity}|${expr}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const ins = NAMES.slice(0, arity);
  const decl = (idx: (k: number) => string) => ins.map((n, k) => `const ${n} = A${k}[${idx(k)}];`).join(' ');
  const src = `
return function kernel(o, shape, ops, strides, offsets, p) {
  ${ins.map((_, k) => `const A${k} = ops[${k}], S${k} = strides[${k}];`).join('\n  ')}
  const nd = shape.length;
  if (nd === 0) { ${decl((k) => `offsets[${k}]`)} o[0] = (${expr}); return; }
  let total = 1;
  for (let d = 0; d < nd; d++) total *= shape[d];
  if (total === 0) return;
  const inner = shape[nd - 1];
  ${ins.map((_, k) => `const T${k} = S${k}[nd - 1]; let B${k} = offsets[${k}];`).join('\n  ')}
  const unit = ${ins.map((_, k) => `T${k} === 1`).join(' && ') || 'true'};
  const idx = new Int32Array(nd);
  let bo = 0;
  for (let outer = total / inner; outer > 0; outer--) {
    if (unit) {
      for (let j = 0; j < inner; j++) { ${decl((k) => `B${k} + j`)} o[bo + j] = (${expr}); }
    } else {
      for (let j = 0; j < inner; j++) { ${decl((k) => `B${k} + j * T${k}`)} o[bo + j] = (${expr}); }
    }
    bo += inner;
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      ${ins.map((_, k) => `B${k} += S${k}[d];`).join(' ')}
      if (idx[d] < shape[d]) break;
      ${ins.map((_, k) => `B${k} -= S${k}[d] * shape[d];`).join(' ')}
      idx[d] = 0;
    }
  }
};`;
  const fn = new Function('H', src)(helpers) as Compiled;
  cache.set(key, fn);
  return fn;
}

/**
 * Merges adjacent dims that are laid out contiguously in every operand and drops size-1 dims, so
 * a contiguous (or uniformly strided) problem becomes a single flat loop.
 */
export function coalesce(
  shape: readonly number[],
  strides: (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k][last] === s[d] * shape[d])) {
      outShape[last] *= shape[d];
      for (let k = 0; k < strides.length; k++) outStrides[k][last] = strides[k][d];
    } else {
      outShape.push(shape[d]);
      for (let k = 0; k < strides.length; k++) outStrides[k].push(strides[k][d]);
    }
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * Runs `expr` over operands that all have `shape` (broadcast operands carry stride 0), writing a
 * contiguous output.
 */
export function runElementwise(
  expr: string,
  out: TypedArray,
  shape: readonly number[],
  operands: Operand[],
  helpers: KernelHelpers,
  params: number[] = [],
): void {
  const outStrides: number[] = [];
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    outStrides[d] = s;
    s *= shape[d];
  }
  const c = coalesce(shape, [outStrides, ...operands.map((o) => o.strides)]);
  compile(expr, operands.length, helpers)(
    out,
    c.shape,
    operands.map((o) => o.data),
    c.strides.slice(1),
    operands.map((o) => o.offset),
    params,
  );
}
