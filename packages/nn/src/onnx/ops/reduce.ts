/** ONNX reductions, arg-reductions, softmax family, MatMul, Gemm and Einsum. */
import * as K from '@kindling/core';
import type { Tensor } from '@kindling/core';
import { axisOf, type OpContext, type OpDef } from './context.js';
import { axesOf } from './shape.js';

type Reducer = (x: Tensor, dims: number[], keepdim: boolean) => Tensor;

function sumOf(x: Tensor, dims: number[], keepdim: boolean): Tensor {
  return K.sum(x, dims, { keepdim });
}

function prodOf(x: Tensor, dims: number[], keepdim: boolean): Tensor {
  let out = x;
  for (const d of [...dims].sort((a, b) => b - a)) out = K.prod(out, d, { keepdim });
  return out;
}

const REDUCERS: Record<string, Reducer> = {
  ReduceSum: sumOf,
  ReduceMean: (x, d, k) => K.mean(x, d, { keepdim: k }),
  ReduceMax: (x, d, k) => K.amax(x, d, { keepdim: k }),
  ReduceMin: (x, d, k) => K.amin(x, d, { keepdim: k }),
  ReduceProd: prodOf,
  ReduceL1: (x, d, k) => sumOf(K.abs(x), d, k),
  ReduceL2: (x, d, k) => K.sqrt(sumOf(K.mul(x, x), d, k)),
  ReduceSumSquare: (x, d, k) => sumOf(K.mul(x, x), d, k),
  ReduceLogSum: (x, d, k) => K.log(sumOf(x, d, k)),
  ReduceLogSumExp: (x, d, k) => K.logsumexp(x, d, { keepdim: k }),
};

function reduction(name: string): OpDef {
  const f = REDUCERS[name];
  const inputSince = name === 'ReduceSum' ? 13 : 18;
  return {
    run(c) {
      const x = c.input(0);
      const keep = c.int('keepdims', 1) === 1;
      const axes = axesOf(c, inputSince);
      if (!axes || axes.length === 0) {
        if (c.int('noop_with_empty_axes', 0)) return [x];
        if (x.ndim === 0) return [f(x.reshape([1]), [0], false)];
        return [
          f(
            x,
            x.shape.map((_, i) => i),
            keep,
          ),
        ];
      }
      const dims = [...new Set(axes.map((a) => axisOf(c, a, x.ndim)))];
      const out = f(x, dims, keep);
      return [x.dtype === 'int32' && out.dtype !== 'int32' ? K.cast(out, 'int32') : out];
    },
    host: [1],
  };
}

function argReduce(largest: boolean): OpDef {
  return {
    run(c) {
      const x = c.input(0);
      const axis = axisOf(c, c.int('axis', 0), x.ndim);
      const keepdim = c.int('keepdims', 1) === 1;
      const fn = largest ? K.argmax : K.argmin;
      if (c.int('select_last_index', 0)) {
        const n = x.shape[axis];
        const r = fn(K.flip(x, [axis]), axis, { keepdim });
        return [K.sub(n - 1, r).to('int32')];
      }
      return [fn(x, axis, { keepdim })];
    },
  };
}

/** Applies `f` along `axis` (opset >= 13) or on the 2-D coercion at `axis` (older opsets). */
function softmaxLike(f: (x: Tensor, dim: number) => Tensor): OpDef {
  return {
    run(c) {
      const x = c.input(0);
      if (c.opset >= 13) return [f(x, axisOf(c, c.int('axis', -1), x.ndim))];
      const axis = axisOf(c, c.int('axis', 1), x.ndim);
      const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
      const flat = K.reshape(x, [outer, x.numel / Math.max(outer, 1)]);
      return [K.reshape(f(flat, 1), [...x.shape])];
    },
  };
}

function hardmax(x: Tensor, dim: number): Tensor {
  const idx = K.argmax(x, dim, { keepdim: true });
  const pos = K.arange(0, x.shape[dim], 1, { dtype: 'int32' }).reshape(
    x.shape.map((s, i) => (i === dim ? s : 1)),
  );
  return K.eq(idx, pos).to(x.dtype);
}

function gemm(c: OpContext): Tensor {
  let a = c.input(0);
  let b = c.input(1);
  if (c.int('transA', 0)) a = K.t(a);
  if (c.int('transB', 0)) b = K.t(b);
  let y = K.matmul(a, b);
  const alpha = c.float('alpha', 1);
  if (alpha !== 1) y = K.mul(y, alpha);
  const bias = c.optional(2);
  if (bias) {
    const beta = c.float('beta', 1);
    y = K.add(y, beta === 1 ? bias : K.mul(bias, beta));
  }
  return y;
}

/** Reductions and linear algebra by ONNX name. */
export const reduceOps: Record<string, OpDef> = {
  ...Object.fromEntries(Object.keys(REDUCERS).map((n) => [n, reduction(n)])),
  ArgMax: argReduce(true),
  ArgMin: argReduce(false),
  Softmax: softmaxLike((x, d) => K.softmax(x, d)),
  LogSoftmax: softmaxLike((x, d) => K.logSoftmax(x, d)),
  Hardmax: softmaxLike(hardmax),
  MatMul: { run: (c) => [K.matmul(c.input(0), c.input(1))] },
  Gemm: { run: (c) => [gemm(c)] },
  Einsum: {
    run: (c) => [
      K.einsum(
        c.str('equation', ''),
        c.inputs.filter((t): t is Tensor => t !== null),
      ),
    ],
  },
};
