/**
 * ONNX shape and data-movement operators: Reshape, Flatten, Transpose, (Un)Squeeze, Concat, Split,
 * Slice, Gather*, Scatter*, Expand, Tile, Pad, Shape, Size, Constant*, Range, EyeLike, OneHot,
 * Trilu, NonZero, TopK, CumSum, Compress, DepthToSpace, SpaceToDepth, Cast. Index-valued inputs are
 * read on the host (they decide shapes); data flows through core ops, so gradients reach it.
 */
import * as K from '@kindling/core';
import { type Tensor, tensor } from '@kindling/core';
import { DataType, type OnnxNode } from '../schema.js';
import { dtypeOf } from '../tensor-proto.js';
import {
  attrInt,
  attrOf,
  attrStr,
  attrTensor,
  axisOf,
  dtypeAttr,
  type OpContext,
  type OpDef,
} from './context.js';

const one = (f: (ctx: OpContext) => Tensor): OpDef => ({ run: (ctx) => [f(ctx)] });
const i32 = (values: readonly number[], shape: readonly number[] = [values.length]) =>
  tensor(Int32Array.from(values)).reshape([...shape]);

/** Wraps negative indices (`idx < 0 → idx + n`). */
function wrapIndices(idx: Tensor, n: number): Tensor {
  return K.where(K.lt(idx, 0), K.add(idx, n), idx).to('int32');
}

/** Selects `indices` (host numbers) along `axis`. */
function selectHost(x: Tensor, axis: number, indices: readonly number[]): Tensor {
  return K.indexSelect(x, axis, i32(indices));
}

/** The axes of (Un)Squeeze/Reduce*: the attribute before `inputSince`, the second input after. */
export function axesOf(ctx: OpContext, inputSince: number): number[] | undefined {
  if (ctx.opset >= inputSince) return ctx.hostInts(1);
  return ctx.ints('axes');
}

function reshapeTo(ctx: OpContext, x: Tensor, target: number[], allowzero: boolean): Tensor {
  const shape = target.map((d, i) =>
    d === 0 && !allowzero ? (i < x.ndim ? x.shape[i] : ctx.fail('0 dim beyond input rank')) : d,
  );
  return K.reshape(x, shape);
}

function sliceAxis(x: Tensor, axis: number, start: number, end: number, step: number): Tensor {
  const n = x.shape[axis];
  if (step > 0) {
    const s = Math.min(Math.max(start < 0 ? start + n : start, 0), n);
    const e = Math.min(Math.max(end < 0 ? end + n : end, 0), n);
    if (e <= s) return K.narrow(x, axis, 0, 0);
    return K.slice(x, axis, s, e, step);
  }
  const s = Math.min(Math.max(start < 0 ? start + n : start, -1), n - 1);
  const e = Math.min(Math.max(end < 0 ? end + n : end, -1), n - 1);
  const idx: number[] = [];
  for (let i = s; i > e; i += step) idx.push(i);
  return selectHost(x, axis, idx);
}

function splitSizes(ctx: OpContext, n: number, outputs: number): number[] {
  const given = ctx.opset >= 13 ? ctx.hostInts(1) : ctx.ints('split');
  if (given?.length) {
    if (given.reduce((a, b) => a + b, 0) !== n)
      ctx.fail(`split sizes ${JSON.stringify(given)} do not sum to ${n}`);
    return given;
  }
  if (n % outputs !== 0) ctx.fail(`cannot split ${n} into ${outputs} equal parts`);
  return new Array(outputs).fill(n / outputs);
}

/** Computes the flat positions of GatherND/ScatterND index tuples (host side). */
function ndPositions(ctx: OpContext, data: Tensor, indices: Tensor, batchDims: number) {
  const idx = Array.from(indices.dataSync(), Number);
  const k = indices.shape[indices.ndim - 1];
  const lead = indices.shape.slice(0, -1);
  if (batchDims + k > data.ndim) ctx.fail(`index tuples of length ${k} exceed the data rank ${data.ndim}`);
  const strides = data.shape.map((_, i) => data.shape.slice(i + 1).reduce((a, b) => a * b, 1));
  let batch = 1;
  for (let i = 0; i < batchDims; i++) batch *= data.shape[i];
  const tuples = idx.length / Math.max(k, 1);
  const perBatch = tuples / Math.max(batch, 1);
  const positions: number[] = [];
  for (let t = 0; t < (k === 0 ? lead.reduce((a, b) => a * b, 1) : tuples); t++) {
    const b = Math.floor(t / perBatch);
    let pos = 0;
    let rem = b;
    for (let i = batchDims - 1; i >= 0; i--) {
      pos += (rem % data.shape[i]) * strides[i];
      rem = Math.floor(rem / data.shape[i]);
    }
    for (let j = 0; j < k; j++) {
      const dim = data.shape[batchDims + j];
      let v = idx[t * k + j];
      if (v < 0) v += dim;
      if (v < 0 || v >= dim)
        ctx.fail(`index ${idx[t * k + j]} is out of bounds for dim ${batchDims + j} of size ${dim}`);
      pos += v * strides[batchDims + j];
    }
    positions.push(pos);
  }
  const sliceShape = data.shape.slice(batchDims + k);
  const sliceSize = sliceShape.reduce((a, b) => a * b, 1);
  return { positions, lead, sliceShape, sliceSize };
}

/** Expands slice starts into every element position of each slice. */
function expandSlices(positions: number[], sliceSize: number): number[] {
  const out: number[] = [];
  for (const p of positions) for (let i = 0; i < sliceSize; i++) out.push(p + i);
  return out;
}

function constantValue(ctx: OpContext): Tensor {
  const t = ctx.tensor('value');
  if (t) return attrTensor(ctx, t);
  const f = attrOf(ctx.node, 'value_float');
  if (f) return tensor(f.f ?? 0, { dtype: 'float32' });
  const fs = attrOf(ctx.node, 'value_floats');
  if (fs) return tensor(Float32Array.from(fs.floats ?? []));
  const i = attrOf(ctx.node, 'value_int');
  if (i) return tensor(i.i ?? 0, { dtype: 'int32' });
  const is = attrOf(ctx.node, 'value_ints');
  if (is) return i32(is.ints ?? []);
  return ctx.fail('no supported value attribute');
}

/** Cast's target type: an INT attribute, or (before opset 6) a type name such as 'FLOAT'. */
function castTarget(node: OnnxNode): number {
  const a = attrOf(node, 'to');
  if (a?.s) return (DataType as Record<string, number>)[new TextDecoder().decode(a.s).toUpperCase()] ?? -1;
  return attrInt(node, 'to', DataType.FLOAT);
}

/** Shape and data-movement operators by ONNX name. */
export const shapeOps: Record<string, OpDef> = {
  Reshape: {
    run(c) {
      const shape = c.opset >= 5 ? (c.hostInts(1) ?? []) : (c.ints('shape') ?? []);
      return [reshapeTo(c, c.input(0), shape, c.int('allowzero', 0) === 1)];
    },
    host: [1],
  },
  Flatten: one((c) => {
    const x = c.input(0);
    const axis = c.int('axis', 1);
    const a = axis < 0 ? axis + x.ndim : axis;
    if (a < 0 || a > x.ndim) c.fail(`axis ${axis} out of range`);
    const outer = x.shape.slice(0, a).reduce((p, q) => p * q, 1);
    return K.reshape(x, [outer, x.numel === 0 ? 0 : x.numel / Math.max(outer, 1)]);
  }),
  Transpose: one((c) => {
    const x = c.input(0);
    const perm = c.ints('perm') ?? x.shape.map((_, i) => x.ndim - 1 - i);
    return K.permute(x, perm);
  }),
  Squeeze: {
    run(c) {
      const x = c.input(0);
      const axes = axesOf(c, 13);
      if (!axes || axes.length === 0)
        return [
          K.reshape(
            x,
            x.shape.filter((d) => d !== 1),
          ),
        ];
      const drop = new Set(axes.map((a) => axisOf(c, a, x.ndim)));
      for (const a of drop) if (x.shape[a] !== 1) c.fail(`cannot squeeze axis ${a} of size ${x.shape[a]}`);
      return [
        K.reshape(
          x,
          x.shape.filter((_, i) => !drop.has(i)),
        ),
      ];
    },
    host: [1],
  },
  Unsqueeze: {
    run(c) {
      const x = c.input(0);
      const axes = axesOf(c, 13) ?? [];
      const rank = x.ndim + axes.length;
      const set = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
      if (set.size !== axes.length || [...set].some((a) => a < 0 || a >= rank))
        c.fail(`invalid axes ${JSON.stringify(axes)}`);
      const shape: number[] = [];
      let k = 0;
      for (let i = 0; i < rank; i++) shape.push(set.has(i) ? 1 : x.shape[k++]);
      return [K.reshape(x, shape)];
    },
    host: [1],
  },
  Concat: one((c) => {
    const xs = c.inputs.filter((t): t is Tensor => t !== null);
    const axis = axisOf(c, c.int('axis', c.opset < 4 ? 1 : 0), xs[0].ndim);
    return K.cat(xs, axis);
  }),
  Split: {
    run(c) {
      const x = c.input(0);
      const axis = axisOf(c, c.int('axis', 0), x.ndim);
      const sizes = splitSizes(c, x.shape[axis], c.nOutputs);
      const out: Tensor[] = [];
      let start = 0;
      for (const s of sizes) {
        out.push(K.narrow(x, axis, start, s));
        start += s;
      }
      return out;
    },
    host: [1],
  },
  Slice: {
    run(c) {
      const x = c.input(0);
      let starts: number[];
      let ends: number[];
      let axes: number[] | undefined;
      let steps: number[] | undefined;
      if (c.opset >= 10) {
        starts = c.hostInts(1) ?? [];
        ends = c.hostInts(2) ?? [];
        axes = c.hostInts(3);
        steps = c.hostInts(4);
      } else {
        starts = c.ints('starts') ?? [];
        ends = c.ints('ends') ?? [];
        axes = c.ints('axes');
      }
      let out = x;
      starts.forEach((s, i) => {
        const axis = axisOf(c, axes ? axes[i] : i, x.ndim);
        const step = steps ? steps[i] : 1;
        if (step === 0) c.fail('step 0');
        out = sliceAxis(out, axis, s, ends[i], step);
      });
      return [out];
    },
    host: [1, 2, 3, 4],
  },
  Gather: one((c) => {
    const x = c.input(0);
    const idx = c.input(1);
    const axis = axisOf(c, c.int('axis', 0), x.ndim);
    const flat = wrapIndices(idx.reshape([-1]), x.shape[axis]);
    const picked = K.indexSelect(x, axis, flat);
    return K.reshape(picked, [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)]);
  }),
  GatherElements: one((c) => {
    const x = c.input(0);
    const axis = axisOf(c, c.int('axis', 0), x.ndim);
    return K.gather(x, axis, wrapIndices(c.input(1), x.shape[axis]));
  }),
  GatherND: {
    run(c) {
      const data = c.input(0);
      const { positions, lead, sliceShape, sliceSize } = ndPositions(
        c,
        data,
        c.input(1),
        c.int('batch_dims', 0),
      );
      const flat = K.indexSelect(K.reshape(data, [-1]), 0, i32(expandSlices(positions, sliceSize)));
      return [K.reshape(flat, [...lead, ...sliceShape])];
    },
    host: [1],
  },
  ScatterElements: {
    run(c) {
      const x = c.input(0);
      const axis = axisOf(c, c.int('axis', 0), x.ndim);
      const idx = wrapIndices(c.input(1), x.shape[axis]);
      const upd = c.input(2);
      const reduction = c.str('reduction', 'none');
      if (reduction === 'add') return [K.scatterAdd(x, axis, idx, upd)];
      return [K.scatter(x, axis, idx, upd)];
    },
    check: (node) =>
      ['none', 'add'].includes(attrStr(node, 'reduction', 'none'))
        ? undefined
        : `ScatterElements with reduction='${attrStr(node, 'reduction', 'none')}'`,
  },
  ScatterND: {
    run(c) {
      const data = c.input(0);
      const { positions, sliceSize } = ndPositions(c, data, c.input(1), 0);
      const pos = i32(expandSlices(positions, sliceSize));
      const flat = K.reshape(data, [-1]);
      const upd = K.reshape(c.input(2), [-1]);
      const out =
        c.str('reduction', 'none') === 'add' ? K.scatterAdd(flat, 0, pos, upd) : K.scatter(flat, 0, pos, upd);
      return [K.reshape(out, [...data.shape])];
    },
    host: [1],
    check: (node) =>
      ['none', 'add'].includes(attrStr(node, 'reduction', 'none'))
        ? undefined
        : `ScatterND with reduction='${attrStr(node, 'reduction', 'none')}'`,
  },
  Expand: {
    run(c) {
      const x = c.input(0);
      const shape = c.hostInts(1) ?? [];
      const out = K.broadcastShapes('Expand', x.shape, shape);
      return [K.expand(x, out).contiguous()];
    },
    host: [1],
  },
  Tile: {
    run: (c) => [K.tile(c.input(0), c.hostInts(1) ?? [])],
    host: [1],
    check: (_node, info) => (info.opset < 6 ? 'Tile before opset 6 (tiles/axis inputs)' : undefined),
  },
  Pad: {
    run(c) {
      const x = c.input(0);
      const pads = c.opset >= 11 ? (c.hostInts(1) ?? []) : (c.ints('pads') ?? c.ints('paddings') ?? []);
      const value = c.opset >= 11 ? (c.optional(2) ? Number(c.input(2).itemSync()) : 0) : c.float('value', 0);
      const mode = c.str('mode', 'constant');
      const n = x.ndim;
      const amounts: number[] = [];
      for (let d = n - 1; d >= 0; d--) amounts.push(pads[d], pads[d + n]);
      const m = mode === 'edge' ? 'replicate' : (mode as 'constant' | 'reflect');
      return [K.pad(x, amounts, m === 'constant' ? { mode: m, value } : { mode: m })];
    },
    host: [1, 2],
    check: (node) => (node.inputs[3] ? 'Pad with an axes input' : undefined),
  },
  Shape: one((c) => {
    const x = c.input(0);
    const r = x.ndim;
    const clampAxis = (a: number) => Math.min(Math.max(a < 0 ? a + r : a, 0), r);
    const start = clampAxis(c.int('start', 0));
    const end = clampAxis(c.int('end', r));
    return i32(x.shape.slice(start, Math.max(start, end)));
  }),
  Size: one((c) => tensor(c.input(0).numel, { dtype: 'int32' })),
  Constant: {
    run: (c) => [constantValue(c)],
    check: (node) =>
      attrOf(node, 'sparse_value') || attrOf(node, 'value_string') || attrOf(node, 'value_strings')
        ? 'Constant with a sparse or string value'
        : undefined,
  },
  ConstantOfShape: {
    run(c) {
      const shape = c.hostInts(0) ?? [];
      const t = c.tensor('value');
      const v = t ? attrTensor(c, t) : tensor(0, { dtype: 'float32' });
      return [K.full(shape, Number(v.reshape([-1]).dataSync()[0] ?? 0), { dtype: v.dtype })];
    },
    host: [0],
  },
  Range: {
    run(c) {
      const [start, limit, delta] = [0, 1, 2].map((i) => Number(c.input(i).itemSync()));
      const dtype = c.input(0).dtype;
      const n = Math.max(Math.ceil((limit - start) / delta), 0);
      const vals = Array.from({ length: n }, (_, i) => start + i * delta);
      return [tensor(vals, { dtype }).reshape([n])];
    },
    host: [0, 1, 2],
  },
  EyeLike: one((c) => {
    const x = c.input(0);
    const k = c.int('k', 0);
    const dtype = c.has('dtype') ? dtypeAttr(c, c.int('dtype', 1)) : x.dtype;
    const [n, m] = x.shape;
    const vals = new Float64Array(n * m);
    for (let i = 0; i < n; i++) if (i + k >= 0 && i + k < m) vals[i * m + i + k] = 1;
    return tensor(vals, { dtype: 'float64' }).reshape([n, m]).to(dtype);
  }),
  OneHot: {
    run(c) {
      const idx = c.input(0);
      const depth = Number(c.input(1).itemSync());
      const values = c.input(2);
      const rank = idx.ndim + 1;
      const axis = c.int('axis', -1) < 0 ? c.int('axis', -1) + rank : c.int('axis', -1);
      const i = K.trunc(idx.to('float64'));
      const wrapped = K.where(K.lt(i, 0), K.add(i, depth), i);
      const classes = K.arange(0, depth, 1, { dtype: 'float64' }).reshape([
        depth,
        ...new Array(rank - 1 - axis).fill(1),
      ]);
      const hot = K.eq(K.unsqueeze(wrapped, axis), classes);
      const [off, on] = [K.select(values, 0, 0), K.select(values, 0, 1)];
      return [K.where(hot, on, off)];
    },
    host: [1],
  },
  Trilu: {
    run(c) {
      const x = c.input(0);
      const k = c.optional(1) ? Number(c.input(1).itemSync()) : 0;
      return [c.int('upper', 1) ? K.triu(x, k) : K.tril(x, k)];
    },
    host: [1],
  },
  NonZero: one((c) => {
    const x = c.input(0);
    if (x.ndim === 0)
      return K.nonzero(x.reshape([1]))
        .reshape([0, -1])
        .t();
    return K.nonzero(x).t().contiguous();
  }),
  TopK: {
    run(c) {
      const x = c.input(0);
      const k = c.opset >= 10 ? Number(c.input(1).itemSync()) : c.int('k', 1);
      const axis = axisOf(c, c.int('axis', -1), x.ndim);
      const { values, indices } = K.topk(x, k, axis, { largest: c.int('largest', 1) === 1 });
      return [values, indices];
    },
    host: [1],
  },
  CumSum: {
    run(c) {
      const x = c.input(0);
      const axis = axisOf(c, Number(c.input(1).itemSync()), x.ndim);
      let v = c.int('reverse', 0) ? K.flip(x, [axis]) : x;
      let s = K.cumsum(v, axis);
      if (c.int('exclusive', 0)) s = K.sub(s, v);
      if (c.int('reverse', 0)) s = K.flip(s, [axis]);
      v = s;
      return [v.dtype === x.dtype ? v : K.cast(v, x.dtype)];
    },
    host: [1],
  },
  Compress: {
    run(c) {
      const x = c.input(0);
      const cond = Array.from(c.input(1).dataSync(), Number);
      const axisAttr = c.int('axis');
      const src = axisAttr === undefined ? K.reshape(x, [-1]) : x;
      const axis = axisAttr === undefined ? 0 : axisOf(c, axisAttr, x.ndim);
      const keep: number[] = [];
      for (let i = 0; i < Math.min(cond.length, src.shape[axis]); i++) if (cond[i]) keep.push(i);
      return [selectHost(src, axis, keep)];
    },
    host: [1],
  },
  DepthToSpace: one((c) => {
    const x = c.input(0);
    const b = c.int('blocksize', 1);
    const [n, ch, h, w] = x.shape;
    const crd = c.str('mode', 'DCR') === 'CRD';
    const t = crd ? K.reshape(x, [n, ch / (b * b), b, b, h, w]) : K.reshape(x, [n, b, b, ch / (b * b), h, w]);
    const p = crd ? K.permute(t, [0, 1, 4, 2, 5, 3]) : K.permute(t, [0, 3, 4, 1, 5, 2]);
    return K.reshape(p, [n, ch / (b * b), h * b, w * b]);
  }),
  SpaceToDepth: one((c) => {
    const x = c.input(0);
    const b = c.int('blocksize', 1);
    const [n, ch, h, w] = x.shape;
    const t = K.reshape(x, [n, ch, h / b, b, w / b, b]);
    return K.reshape(K.permute(t, [0, 3, 5, 1, 2, 4]), [n, ch * b * b, h / b, w / b]);
  }),
  Cast: {
    run(c) {
      const to = dtypeAttr(c, castTarget(c.node));
      const x = c.input(0);
      return [x.dtype === to ? x : K.cast(x, to)];
    },
    upcastHalf: false,
    check: (node) => {
      const to = castTarget(node);
      return dtypeOf(to) ? undefined : `Cast to element type ${to}`;
    },
  },
  CastLike: {
    run(c) {
      const x = c.input(0);
      const to = c.input(1).dtype;
      return [x.dtype === to ? x : K.cast(x, to)];
    },
    upcastHalf: false,
  },
};
