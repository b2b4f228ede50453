/**
 * The recording half of `exportOnnx`: a core dispatch layer (`installLayer`) sees every primitive
 * op (elementwise, views, reductions, matmul, gather/scatter, cat, sort...) with its attributes
 * while `forward` runs, and `record` maps it to ONNX nodes. Parameters and buffers become
 * initializers under their state-dict names; other tensors the forward pass reads (scalars, masks
 * made inside forward) become constant initializers. Reshapes copy unchanged leading dims (`0`)
 * and broadcasts keep input dims (`1`) so dynamic axes flow through. Primitives with no ONNX form
 * are collected as problems (reported together by `exportOnnx`); their outputs are poisoned so a
 * later use is reported too.
 */
import {
  type Attrs,
  type DType,
  encodeValues,
  fromHost,
  installLayer,
  type Tensor,
  ValueError,
} from '@kindling/core';
import { AttrType, type OnnxAttribute, type OnnxNode, type OnnxTensor } from './schema.js';
import { int64Tensor, onnxTypeOf, tensorToOnnx } from './tensor-proto.js';

const INT64_MAX = 2 ** 63;

/** Attribute builders. */
export const attr = {
  i: (name: string, i: number): OnnxAttribute => ({ name, type: AttrType.INT, i }),
  f: (name: string, f: number): OnnxAttribute => ({ name, type: AttrType.FLOAT, f }),
  s: (name: string, s: string): OnnxAttribute => ({
    name,
    type: AttrType.STRING,
    s: new TextEncoder().encode(s),
  }),
  ints: (name: string, ints: readonly number[]): OnnxAttribute => ({
    name,
    type: AttrType.INTS,
    ints: [...ints],
  }),
};

const UNARY: Record<string, string> = {
  neg: 'Neg',
  abs: 'Abs',
  sign: 'Sign',
  sqrt: 'Sqrt',
  exp: 'Exp',
  log: 'Log',
  sin: 'Sin',
  cos: 'Cos',
  tan: 'Tan',
  asin: 'Asin',
  acos: 'Acos',
  atan: 'Atan',
  sinh: 'Sinh',
  cosh: 'Cosh',
  tanh: 'Tanh',
  sigmoid: 'Sigmoid',
  relu: 'Relu',
  erf: 'Erf',
  reciprocal: 'Reciprocal',
  isnan: 'IsNaN',
  isinf: 'IsInf',
};
const BINARY: Record<string, string> = {
  add: 'Add',
  sub: 'Sub',
  mul: 'Mul',
  div: 'Div',
  pow: 'Pow',
  maximum: 'Max',
  minimum: 'Min',
  eq: 'Equal',
  lt: 'Less',
  le: 'LessOrEqual',
  gt: 'Greater',
  ge: 'GreaterOrEqual',
};

/** Records a forward pass as an ONNX graph. */
export class Tracer {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  readonly names = new Map<Tensor, string>();
  readonly params = new Map<Tensor, string>();
  readonly poison = new Map<Tensor, string>();
  readonly problems = new Map<string, number>();
  private readonly used = new Set<string>();
  private readonly int64Consts = new Map<string, string>();
  suspend = 0;
  depth = 0;

  problem(what: string): void {
    this.problems.set(what, (this.problems.get(what) ?? 0) + 1);
  }

  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  reserve(name: string): void {
    if (this.used.has(name)) throw new ValueError(`exportOnnx: the name '${name}' is used twice`);
    this.used.add(name);
  }

  /** The ONNX value name of a tensor: a traced value, a parameter/buffer, or a new constant. */
  nameOf(t: Tensor): string {
    const known = this.names.get(t);
    if (known) return known;
    const why = this.poison.get(t);
    if (why) {
      this.problem(why);
      return why;
    }
    this.suspend++;
    try {
      const pname = this.params.get(t);
      const name = pname ?? this.fresh('const');
      if (pname) this.used.add(pname);
      this.initializers.push(tensorToOnnx(name, t));
      this.names.set(t, name);
      return name;
    } finally {
      this.suspend--;
    }
  }

  /** Adds a node; returns its output names. */
  node(op: string, inputs: string[], outputs: number | string[], attrs: OnnxAttribute[] = []): string[] {
    const outs =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, () => this.fresh(`/${op}_output`))
        : outputs;
    this.nodes.push({
      opType: op,
      domain: '',
      name: this.fresh(`/${op}`),
      inputs,
      outputs: outs,
      attributes: attrs,
    });
    return outs;
  }

  /** One-output node. */
  op(op: string, inputs: string[], attrs: OnnxAttribute[] = []): string {
    return this.node(op, inputs, 1, attrs)[0];
  }

  /** An int64 constant (shapes, axes), shared by content. */
  ints(values: readonly number[], scalar = false): string {
    const key = `${scalar ? 's' : 'v'}${values.join(',')}`;
    const known = this.int64Consts.get(key);
    if (known) return known;
    const name = this.fresh('const_i64');
    this.initializers.push(int64Tensor(name, values, scalar ? [] : [values.length]));
    this.int64Consts.set(key, name);
    return name;
  }

  /** A scalar constant of a Kindling dtype. */
  scalar(v: number, dtype: DType): string {
    const name = this.fresh('const');
    const t: OnnxTensor = { name, dims: [], dataType: onnxTypeOf(dtype) };
    if (dtype === 'float64') t.doubleData = [v];
    else if (dtype === 'int32' || dtype === 'bool') t.int32Data = [v];
    else t.floatData = [v];
    this.initializers.push(t);
    return name;
  }

  cast(name: string, to: DType): string {
    return this.op('Cast', [name], [attr.i('to', onnxTypeOf(to))]);
  }

  bind(t: Tensor, name: string): void {
    this.names.set(t, name);
  }
}

let active: Tracer | null = null;
let layerInstalled = false;

/** Makes `tracer` the one that records (null stops recording). */
export function setActiveTracer(tracer: Tracer | null): void {
  active = tracer;
}

/** Installs the recording dispatch layer once (it passes calls through when no tracer is active). */
export function ensureLayer(): void {
  if (layerInstalled) return;
  installLayer({
    name: 'onnx-export',
    handle(op, inputs, attrs, next) {
      const tr = active;
      if (!tr || tr.suspend > 0) return next(op, inputs, attrs);
      tr.depth++;
      let outs: Tensor[];
      try {
        outs = next(op, inputs, attrs);
      } finally {
        tr.depth--;
      }
      if (tr.depth === 0) record(tr, op, inputs, attrs, outs);
      return outs;
    },
  });
  layerInstalled = true;
}

/** Reshape target: leading dims equal to the input's are copied (0), one other dim is -1. */
function reshapeTarget(inShape: readonly number[], outShape: readonly number[]): number[] {
  if (outShape.some((d) => d === 0)) return [...outShape];
  const target = [...outShape];
  let i = 0;
  while (i < target.length && i < inShape.length && target[i] === inShape[i]) target[i++] = 0;
  if (i < target.length) target[i] = -1;
  return target;
}

function isFloat(t: Tensor): boolean {
  return t.dtype === 'float32' || t.dtype === 'float64' || t.dtype === 'float16' || t.dtype === 'bfloat16';
}

function asBool(tr: Tracer, t: Tensor): string {
  const n = tr.nameOf(t);
  return t.dtype === 'bool' ? n : tr.cast(n, 'bool');
}

/** Maps one recorded primitive to ONNX nodes and names its outputs. */
function record(tr: Tracer, op: string, inputs: Tensor[], a: Attrs, outs: Tensor[]): void {
  tr.suspend++;
  try {
    const out = outs[0];
    const x = inputs[0];
    const name = (i: number) => tr.nameOf(inputs[i]);
    const bind = (n: string) => tr.bind(out, n);
    const params = (a.params as number[] | undefined) ?? [];
    if (UNARY[op] && !(op === 'isinf' && !isFloat(x))) {
      if ((op === 'sqrt' || op === 'exp' || op === 'log' || op === 'reciprocal') && !isFloat(x)) {
        bind(tr.op(UNARY[op], [tr.cast(name(0), out.dtype)]));
      } else bind(tr.op(UNARY[op], [name(0)]));
      return;
    }
    if (BINARY[op]) {
      bind(tr.op(BINARY[op], [name(0), name(1)]));
      return;
    }
    switch (op) {
      case 'floor':
      case 'ceil':
      case 'round':
        bind(
          isFloat(x)
            ? tr.op(op === 'round' ? 'Round' : op === 'floor' ? 'Floor' : 'Ceil', [name(0)])
            : tr.op('Identity', [name(0)]),
        );
        return;
      case 'trunc':
        bind(
          isFloat(x)
            ? tr.op('Mul', [tr.op('Sign', [name(0)]), tr.op('Floor', [tr.op('Abs', [name(0)])])])
            : tr.op('Identity', [name(0)]),
        );
        return;
      case 'rsqrt':
        bind(tr.op('Reciprocal', [tr.op('Sqrt', [name(0)])]));
        return;
      case 'square':
        bind(tr.op('Mul', [name(0), name(0)]));
        return;
      case 'expm1':
        bind(tr.op('Sub', [tr.op('Exp', [name(0)]), tr.scalar(1, x.dtype)]));
        return;
      case 'log1p':
        bind(tr.op('Log', [tr.op('Add', [name(0), tr.scalar(1, x.dtype)])]));
        return;
      case 'log2':
      case 'log10':
        bind(tr.op('Div', [tr.op('Log', [name(0)]), tr.scalar(Math.log(op === 'log2' ? 2 : 10), x.dtype)]));
        return;
      case 'silu':
        bind(tr.op('Mul', [name(0), tr.op('Sigmoid', [name(0)])]));
        return;
      case 'gelu': {
        const e = tr.op('Erf', [tr.op('Div', [name(0), tr.scalar(Math.SQRT2, x.dtype)])]);
        bind(
          tr.op('Mul', [
            tr.op('Mul', [name(0), tr.scalar(0.5, x.dtype)]),
            tr.op('Add', [e, tr.scalar(1, x.dtype)]),
          ]),
        );
        return;
      }
      case 'geluTanh': {
        const cube = tr.op('Mul', [tr.op('Mul', [name(0), name(0)]), name(0)]);
        const inner = tr.op('Mul', [
          tr.op('Add', [name(0), tr.op('Mul', [cube, tr.scalar(0.044715, x.dtype)])]),
          tr.scalar(Math.sqrt(2 / Math.PI), x.dtype),
        ]);
        const t = tr.op('Add', [tr.op('Tanh', [inner]), tr.scalar(1, x.dtype)]);
        bind(tr.op('Mul', [tr.op('Mul', [name(0), tr.scalar(0.5, x.dtype)]), t]));
        return;
      }
      case 'softplus': {
        const [beta, threshold] = params;
        const bx = tr.op('Mul', [name(0), tr.scalar(beta, x.dtype)]);
        const sp = tr.op('Div', [tr.op('Softplus', [bx]), tr.scalar(beta, x.dtype)]);
        bind(tr.op('Where', [tr.op('Greater', [bx, tr.scalar(threshold, x.dtype)]), name(0), sp]));
        return;
      }
      case 'elu':
        bind(tr.op('Elu', [name(0)], [attr.f('alpha', params[0])]));
        return;
      case 'leakyRelu':
        bind(tr.op('LeakyRelu', [name(0)], [attr.f('alpha', params[0])]));
        return;
      case 'isfinite':
        bind(tr.op('Not', [tr.op('Or', [tr.op('IsNaN', [name(0)]), tr.op('IsInf', [name(0)])])]));
        return;
      case 'logicalNot':
        bind(tr.op('Not', [asBool(tr, x)]));
        return;
      case 'nanToNum': {
        const [nan, pos, neg] = params;
        let r = tr.op('Where', [
          tr.op('IsInf', [name(0)], [attr.i('detect_positive', 0)]),
          tr.scalar(neg, x.dtype),
          name(0),
        ]);
        r = tr.op('Where', [
          tr.op('IsInf', [name(0)], [attr.i('detect_negative', 0)]),
          tr.scalar(pos, x.dtype),
          r,
        ]);
        bind(tr.op('Where', [tr.op('IsNaN', [name(0)]), tr.scalar(nan, x.dtype), r]));
        return;
      }
      case 'ne':
        bind(tr.op('Not', [tr.op('Equal', [name(0), name(1)])]));
        return;
      case 'logicalAnd':
      case 'logicalOr':
      case 'logicalXor':
        bind(
          tr.op({ logicalAnd: 'And', logicalOr: 'Or', logicalXor: 'Xor' }[op] as string, [
            asBool(tr, x),
            asBool(tr, inputs[1]),
          ]),
        );
        return;
      case 'remainder':
        if (isFloat(x)) {
          const q = tr.op('Floor', [tr.op('Div', [name(0), name(1)])]);
          bind(tr.op('Sub', [name(0), tr.op('Mul', [q, name(1)])]));
        } else bind(tr.op('Mod', [name(0), name(1)], [attr.i('fmod', 0)]));
        return;
      case 'fmod':
        bind(tr.op('Mod', [name(0), name(1)], [attr.i('fmod', 1)]));
        return;
      case 'floorDivide':
        if (isFloat(x)) bind(tr.op('Floor', [tr.op('Div', [name(0), name(1)])]));
        else {
          const q = tr.op('Floor', [
            tr.op('Div', [tr.cast(name(0), 'float64'), tr.cast(name(1), 'float64')]),
          ]);
          bind(tr.cast(q, out.dtype));
        }
        return;
      case 'atan2': {
        const q = tr.op('Atan', [tr.op('Div', [name(0), name(1)])]);
        const zero = tr.scalar(0, x.dtype);
        const adj = tr.op('Where', [
          tr.op('Less', [name(1), zero]),
          tr.op('Where', [
            tr.op('GreaterOrEqual', [name(0), zero]),
            tr.scalar(Math.PI, x.dtype),
            tr.scalar(-Math.PI, x.dtype),
          ]),
          zero,
        ]);
        const r = tr.op('Add', [q, adj]);
        const axis = tr.op('Mul', [tr.op('Sign', [name(0)]), tr.scalar(Math.PI / 2, x.dtype)]);
        bind(tr.op('Where', [tr.op('Equal', [name(1), zero]), axis, r]));
        return;
      }
      case 'where':
        bind(tr.op('Where', [asBool(tr, x), name(1), name(2)]));
        return;
      case 'cast':
        bind(out.dtype === x.dtype ? tr.op('Identity', [name(0)]) : tr.cast(name(0), out.dtype));
        return;
      case 'view':
        bind(tr.op('Reshape', [name(0), tr.ints(reshapeTarget(x.shape, out.shape))]));
        return;
      case 'permute':
        bind(tr.op('Transpose', [name(0)], [attr.ints('perm', a.dims as number[])]));
        return;
      case 'expand': {
        const shape = out.shape;
        const lead = shape.length - x.ndim;
        const target = shape.map((s, i) => (i >= lead && x.shape[i - lead] === s ? 1 : s));
        bind(tr.op('Expand', [name(0), tr.ints(target)]));
        return;
      }
      case 'slice': {
        const { dim, start, end, step } = a as { dim: number; start: number; end: number; step: number };
        const e = end >= x.shape[dim] ? INT64_MAX : end;
        bind(tr.op('Slice', [name(0), tr.ints([start]), tr.ints([e]), tr.ints([dim]), tr.ints([step])]));
        return;
      }
      case 'split': {
        const sizes = a.sizes as number[];
        const names = tr.node('Split', [name(0), tr.ints(sizes)], sizes.length, [
          attr.i('axis', a.dim as number),
        ]);
        for (const [i, o] of outs.entries()) tr.bind(o, names[i]);
        return;
      }
      case 'asStrided': {
        if (!x.isContiguous()) {
          tr.problem('asStrided of a non-contiguous tensor');
          return;
        }
        const shape = a.shape as number[];
        const strides = a.strides as number[];
        const idx: number[] = [];
        const n = shape.reduce((p, q) => p * q, 1);
        for (let f = 0; f < n; f++) {
          let rem = f;
          let pos = (a.offset as number) - x.offset;
          for (let d = shape.length - 1; d >= 0; d--) {
            pos += (rem % shape[d]) * strides[d];
            rem = Math.floor(rem / shape[d]);
          }
          if (pos < 0 || pos >= x.numel) {
            tr.problem('asStrided reaching outside its input');
            return;
          }
          idx.push(pos);
        }
        const flat = tr.op('Reshape', [name(0), tr.ints([-1])]);
        const indices = tr.fresh('const_i64');
        tr.initializers.push(int64Tensor(indices, idx, shape));
        bind(tr.op('Gather', [flat, indices], [attr.i('axis', 0)]));
        return;
      }
      case 'sum':
      case 'prod':
      case 'amax':
      case 'amin': {
        const dims = a.dims as number[];
        const keep = a.keepdim ? 1 : 0;
        let input = name(0);
        if (x.dtype !== out.dtype) input = tr.cast(input, out.dtype);
        if (dims.length === 0) {
          bind(tr.op('Identity', [input]));
          return;
        }
        const onnxOp = { sum: 'ReduceSum', prod: 'ReduceProd', amax: 'ReduceMax', amin: 'ReduceMin' }[
          op
        ] as string;
        bind(
          op === 'sum'
            ? tr.op(onnxOp, [input, tr.ints(dims)], [attr.i('keepdims', keep)])
            : tr.op(onnxOp, [input], [attr.ints('axes', dims), attr.i('keepdims', keep)]),
        );
        return;
      }
      case 'maxDim':
      case 'minDim':
      case 'argmax':
      case 'argmin': {
        const dim = a.dim as number;
        const keep = a.keepdim ? 1 : 0;
        const isMax = op === 'maxDim' || op === 'argmax';
        const arg = tr.op(
          isMax ? 'ArgMax' : 'ArgMin',
          [name(0)],
          [attr.i('axis', dim), attr.i('keepdims', keep)],
        );
        if (op === 'argmax' || op === 'argmin') {
          bind(tr.cast(arg, 'int32'));
          return;
        }
        tr.bind(
          outs[0],
          tr.op(
            isMax ? 'ReduceMax' : 'ReduceMin',
            [name(0)],
            [attr.ints('axes', [dim]), attr.i('keepdims', keep)],
          ),
        );
        tr.bind(outs[1], tr.cast(arg, 'int32'));
        return;
      }
      case 'cumsum': {
        let input = name(0);
        if (x.dtype !== out.dtype) input = tr.cast(input, out.dtype);
        bind(tr.op('CumSum', [input, tr.ints([a.dim as number], true)]));
        return;
      }
      case 'cat':
        bind(
          tr.op(
            'Concat',
            inputs.map((t) => tr.nameOf(t)),
            [attr.i('axis', a.dim as number)],
          ),
        );
        return;
      case 'gather':
        bind(tr.op('GatherElements', [name(0), name(1)], [attr.i('axis', a.dim as number)]));
        return;
      case 'indexSelect':
        bind(tr.op('Gather', [name(0), name(1)], [attr.i('axis', a.dim as number)]));
        return;
      case 'scatter':
      case 'scatterAdd':
        bind(
          tr.op(
            'ScatterElements',
            [name(0), name(1), name(2)],
            [attr.i('axis', a.dim as number), ...(op === 'scatterAdd' ? [attr.s('reduction', 'add')] : [])],
          ),
        );
        return;
      case 'bmm':
        bind(tr.op('MatMul', [name(0), name(1)]));
        return;
      case 'sort': {
        const dim = a.dim as number;
        const [v, i] = tr.node('TopK', [name(0), tr.ints([x.shape[dim]])], 2, [
          attr.i('axis', dim),
          attr.i('largest', a.descending ? 1 : 0),
          attr.i('sorted', 1),
        ]);
        tr.bind(outs[0], v);
        tr.bind(outs[1], tr.cast(i, 'int32'));
        return;
      }
      case 'nonzero':
        bind(tr.cast(tr.op('Transpose', [tr.op('NonZero', [name(0)])]), 'int32'));
        return;
      case 'im2col':
        bind(im2col(tr, x, a));
        return;
      case 'softmax':
        bind(tr.op(a.log === true ? 'LogSoftmax' : 'Softmax', [name(0)], [attr.i('axis', -1)]));
        return;
      case 'layerNorm': {
        // Normalised dims: the weight's (it has their shape), else the fewest trailing dims
        // holding `size` elements.
        const size = a.size as number;
        let k = inputs[1] ? inputs[1].ndim : 1;
        for (let p = x.shape[x.ndim - 1]; !inputs[1] && p < size && k < x.ndim; k++)
          p *= x.shape[x.ndim - 1 - k];
        const scale = inputs[1]
          ? name(1)
          : tr.op('Reshape', [filled(tr, size, 1, x), tr.ints(x.shape.slice(x.ndim - k))]);
        const ins = [name(0), scale, ...(inputs[2] ? [name(2)] : [])];
        tr.bind(
          outs[0],
          tr.op('LayerNormalization', ins, [attr.i('axis', -k), attr.f('epsilon', a.eps as number)]),
        );
        tr.poison.set(outs[1], 'the statistics of layer normalisation');
        tr.poison.set(outs[2], 'the statistics of layer normalisation');
        return;
      }
      case 'conv2d': {
        const kernel = a.kernel as number[];
        const pads = poolPads(
          x,
          kernel,
          a.stride as number[],
          a.padding as number[],
          a.dilation as number[],
          a.grid as number[],
        );
        bind(
          tr.op(
            'Conv',
            inputs.map((_, i) => name(i)),
            [
              attr.ints('kernel_shape', kernel),
              attr.ints('strides', a.stride as number[]),
              attr.ints('pads', pads),
              attr.ints('dilations', a.dilation as number[]),
            ],
          ),
        );
        return;
      }
      case 'maxPool2d': {
        const [oh, ow] = a.grid as number[];
        const pads = poolPads(
          x,
          a.kernel as number[],
          a.stride as number[],
          a.padding as number[],
          a.dilation as number[],
          [oh, ow],
        );
        tr.bind(
          outs[0],
          tr.op(
            'MaxPool',
            [name(0)],
            [
              attr.ints('kernel_shape', a.kernel as number[]),
              attr.ints('strides', a.stride as number[]),
              attr.ints('pads', pads),
              attr.ints('dilations', a.dilation as number[]),
            ],
          ),
        );
        tr.poison.set(outs[1], 'the indices of max pooling');
        return;
      }
      case 'uniform':
      case 'normal':
        tr.problem(`random op '${op}' (dropout in training mode? call module.eval() first)`);
        for (const o of outs) tr.poison.set(o, `random op '${op}'`);
        return;
      default:
        tr.problem(`primitive '${op}'`);
        for (const o of outs) tr.poison.set(o, `primitive '${op}'`);
    }
  } finally {
    tr.suspend--;
  }
}

/** A constant of ones/zeros for an absent affine parameter. */
export function filled(tr: Tracer, n: number, v: number, like: Tensor): string {
  const name = tr.fresh('const');
  tr.initializers.push({
    name,
    dims: [n],
    dataType: like.dtype === 'float64' ? 11 : 1,
    ...(like.dtype === 'float64'
      ? { doubleData: new Array(n).fill(v) }
      : { floatData: new Array(n).fill(v) }),
  });
  return name;
}

/** End pads that make ONNX's floor rule produce `grid` windows. */
export function poolPads(
  x: Tensor,
  kernel: number[],
  stride: number[],
  padding: number[],
  dilation: number[],
  grid: number[],
): number[] {
  const [h, w] = x.shape.slice(-2);
  const end = [h, w].map((n, i) => {
    const span = (kernel[i] - 1) * dilation[i] + 1;
    const need = (grid[i] - 1) * stride[i] + span - (n + padding[i]);
    return Math.max(need, padding[i]);
  });
  return [padding[0], padding[1], end[0], end[1]];
}

/** im2col as a grouped Conv with one-hot weights (exact for finite inputs), then Reshape. */
function im2col(tr: Tracer, x: Tensor, a: Attrs): string {
  const c = x.shape[1];
  const kernel = a.kernel as number[];
  const kk = kernel[0] * kernel[1];
  const grid = a.grid as number[];
  const padValue = (a.padValue as number) ?? 0;
  const weights = new Float64Array(c * kk * kk);
  for (let ch = 0; ch < c; ch++) for (let k = 0; k < kk; k++) weights[(ch * kk + k) * kk + k] = 1;
  const wName = tr.fresh('im2col_weight');
  const w = fromHost(encodeValues(weights, x.dtype), [c * kk, 1, kernel[0], kernel[1]], x.dtype);
  tr.initializers.push(tensorToOnnx(wName, w));
  const pads = poolPads(x, kernel, a.stride as number[], a.padding as number[], a.dilation as number[], grid);
  let input = tr.nameOf(x);
  let convPads = pads;
  if (padValue !== 0) {
    input = tr.op('Pad', [
      input,
      tr.ints([0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3]]),
      tr.scalar(padValue, x.dtype),
    ]);
    convPads = [0, 0, 0, 0];
  }
  const y = tr.op(
    'Conv',
    [input, wName],
    [
      attr.ints('kernel_shape', kernel),
      attr.ints('strides', a.stride as number[]),
      attr.ints('pads', convPads),
      attr.ints('dilations', a.dilation as number[]),
      attr.i('group', c),
    ],
  );
  return tr.op('Reshape', [y, tr.ints([0, c * kk, grid[0] * grid[1]])]);
}
