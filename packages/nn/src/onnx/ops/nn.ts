/**
 * ONNX neural-network operators: Conv, ConvTranspose (1-D/2-D), MaxPool, AveragePool, global
 * pools, BatchNormalization, InstanceNormalization, LayerNormalization, LRN,
 * MeanVarianceNormalization, NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.
 *
 * Pools follow ONNX's own output-size rule (`floor`/`ceil` of `(in + pads - window) / stride + 1`,
 * no PyTorch-style adjustment) by padding explicitly and unfolding, so asymmetric pads, auto_pad,
 * ceil_mode and dilations all work; AveragePool divides by the window's cells inside the padded
 * input (count_include_pad=1) or inside the input (0), as ONNX's reference does.
 */
import * as K from '@kindling/core';
import { type Tensor, tensor } from '@kindling/core';
import { attrInt, attrOf, attrStr, type OpContext, type OpDef, type StaticInfo } from './context.js';
import type { OnnxNode } from '../schema.js';

interface Geometry {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** Pads at the start and end of each spatial dim. */
  begin: number[];
  end: number[];
}

/** Resolves kernel/strides/dilations/pads/auto_pad of a conv or pool node. */
function geometry(c: OpContext, spatial: number[], kernel: number[]): Geometry {
  const n = spatial.length;
  const strides = c.ints('strides') ?? new Array(n).fill(1);
  const dilations = c.ints('dilations') ?? new Array(n).fill(1);
  const pads = c.ints('pads') ?? new Array(2 * n).fill(0);
  const begin = pads.slice(0, n);
  const end = pads.slice(n, 2 * n);
  const auto = c.str('auto_pad', 'NOTSET');
  if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
    for (let i = 0; i < n; i++) {
      const out = Math.ceil(spatial[i] / strides[i]);
      const total = Math.max((out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - spatial[i], 0);
      const small = Math.floor(total / 2);
      begin[i] = auto === 'SAME_UPPER' ? small : total - small;
      end[i] = total - begin[i];
    }
  } else if (auto === 'VALID') {
    begin.fill(0);
    end.fill(0);
  }
  return { kernel, strides, dilations, begin, end };
}

/** `[left, right]` pairs for core's `pad`, last dim first. */
function padAmounts(begin: number[], end: number[]): number[] {
  const out: number[] = [];
  for (let i = begin.length - 1; i >= 0; i--) out.push(begin[i], end[i]);
  return out;
}

function spatialRank(node: OnnxNode, info: StaticInfo, input = 0): number | undefined {
  const r = info.rank(node.inputs[input]);
  if (r !== undefined) return r - 2;
  const k = attrOf(node, 'kernel_shape')?.ints;
  if (k) return k.length;
  const w = node.inputs[1] ? info.rank(node.inputs[1]) : undefined;
  return w === undefined ? undefined : w - 2;
}

/** Load-time check: at most `max` spatial dims. */
export function upTo(what: string, max: number) {
  return (node: OnnxNode, info: StaticInfo) => {
    const n = spatialRank(node, info);
    return n !== undefined && (n < 1 || n > max) ? `${what} with ${n} spatial dims` : undefined;
  };
}

/** Views a 1-D op input `[N, C, L]` as 2-D `[N, C, 1, L]`. */
function as2d(x: Tensor): Tensor {
  return x.ndim === 3 ? K.unsqueeze(x, 2) : x;
}

/** Conv of `x` by `w` (plus `b`) with the node's geometry attributes. */
export function convWith(c: OpContext, x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const spatial = x.shape.slice(2);
  const kernel = c.ints('kernel_shape') ?? w.shape.slice(2);
  const g = geometry(c, spatial, kernel);
  const groups = c.int('group', 1);
  const symmetric = g.begin.every((p, i) => p === g.end[i]);
  const xin = symmetric ? x : K.pad(x, padAmounts(g.begin, g.end));
  const padding = symmetric ? g.begin : g.begin.map(() => 0);
  const opts = { stride: g.strides, padding, dilation: g.dilations, groups };
  if (spatial.length === 1) return K.conv1d(xin, w, b, opts);
  if (spatial.length === 2) return K.conv2d(xin, w, b, opts as K.Conv2dOptions);
  return conv3d(K.pad(x, padAmounts(g.begin, g.end)), w, b, g, groups);
}

/**
 * 3-D convolution of a padded input as a sum of 2-D convolutions: output depth `od` adds, over the
 * kernel's depth taps `kd`, the 2-D convolution of input plane `od*stride + kd*dilation` with
 * kernel slice `kd`.
 */
function conv3d(x: Tensor, w: Tensor, b: Tensor | null, g: Geometry, groups: number): Tensor {
  const [sd, sh, sw] = g.strides;
  const [dd, dh, dw] = g.dilations;
  const kd = w.shape[2];
  const outD = Math.floor((x.shape[2] - ((kd - 1) * dd + 1)) / sd) + 1;
  const planes: Tensor[] = [];
  for (let od = 0; od < outD; od++) {
    let acc: Tensor | null = null;
    for (let k = 0; k < kd; k++) {
      const plane = K.select(x, 2, od * sd + k * dd);
      const y = K.conv2d(plane, K.select(w, 2, k), null, { stride: [sh, sw], dilation: [dh, dw], groups });
      acc = acc ? K.add(acc, y) : y;
    }
    planes.push(acc as Tensor);
  }
  const out = K.stack(planes, 2);
  return b ? K.add(out, K.reshape(b, [1, b.numel, 1, 1, 1])) : out;
}

function convTranspose(c: OpContext): Tensor {
  const x = c.input(0);
  const w = c.input(1);
  const b = c.optional(2);
  const nd = x.ndim - 2;
  const x2 = as2d(x);
  const w2 = as2d(w);
  const strides = c.ints('strides') ?? new Array(nd).fill(1);
  const dilations = c.ints('dilations') ?? new Array(nd).fill(1);
  const outPad = c.ints('output_padding') ?? new Array(nd).fill(0);
  const groups = c.int('group', 1);
  const s2 = nd === 1 ? [1, strides[0]] : strides;
  const d2 = nd === 1 ? [1, dilations[0]] : dilations;
  let y = K.convTranspose2d(x2, w2, b, {
    stride: s2 as [number, number],
    dilation: d2 as [number, number],
    groups,
  });
  if (nd === 1) y = K.squeeze(y, 2);
  // Full output (no padding) is (in-1)*s + (k-1)*d + 1 per dim; crop pads or pad to output_shape.
  const full = y.shape.slice(2);
  const inSp = x.shape.slice(2);
  let begin: number[];
  let end: number[];
  const outputShape = c.ints('output_shape');
  const auto = c.str('auto_pad', 'NOTSET');
  if (outputShape?.length) {
    const want = outputShape.slice(-nd);
    begin = [];
    end = [];
    for (let i = 0; i < nd; i++) {
      const total = full[i] + outPad[i] - want[i];
      if (total < 0) {
        begin.push(0);
        end.push(total);
      } else {
        const small = Math.floor(total / 2);
        begin.push(auto === 'SAME_UPPER' ? small : total - small);
        end.push(total - begin[i]);
      }
    }
    end = end.map((e, i) => e - outPad[i]);
  } else if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
    begin = [];
    end = [];
    for (let i = 0; i < nd; i++) {
      const want = inSp[i] * strides[i];
      const total = Math.max(full[i] + outPad[i] - want, 0);
      const small = Math.floor(total / 2);
      begin.push(auto === 'SAME_UPPER' ? small : total - small);
      end.push(total - begin[i] - outPad[i]);
    }
  } else {
    const pads = c.ints('pads') ?? new Array(2 * nd).fill(0);
    begin = pads.slice(0, nd);
    end = pads.slice(nd).map((p, i) => p - outPad[i]);
  }
  if (begin.some((p) => p !== 0) || end.some((p) => p !== 0)) {
    const amounts = padAmounts(
      begin.map((p) => -p),
      end.map((p) => -p),
    );
    y = K.pad(y, amounts);
  }
  return y;
}

/** ONNX pooling output sizes and the extra end padding they need. */
function poolPlan(c: OpContext, x: Tensor, g: Geometry) {
  const ceil = c.int('ceil_mode', 0) === 1;
  const spatial = x.shape.slice(2);
  const out: number[] = [];
  const extra: number[] = [];
  for (let i = 0; i < spatial.length; i++) {
    const span = (g.kernel[i] - 1) * g.dilations[i] + 1;
    const q = (spatial[i] + g.begin[i] + g.end[i] - span) / g.strides[i];
    const o = (ceil ? Math.ceil(q) : Math.floor(q)) + 1;
    out.push(o);
    extra.push(Math.max((o - 1) * g.strides[i] + span - (spatial[i] + g.begin[i] + g.end[i]), 0));
  }
  return { out, extra };
}

/**
 * Reduces windows along each spatial axis in turn (max and sum over a box are separable):
 * output position `o` of an axis combines input positions `o*stride + k*dilation`.
 */
function separable(x: Tensor, g: Geometry, out: number[], combine: (a: Tensor, b: Tensor) => Tensor): Tensor {
  let y = x;
  for (let i = 0; i < out.length; i++) {
    const axis = i + 2;
    let acc: Tensor | null = null;
    for (let k = 0; k < g.kernel[i]; k++) {
      const start = k * g.dilations[i];
      const part = K.slice(y, axis, start, start + (out[i] - 1) * g.strides[i] + 1, g.strides[i]);
      acc = acc ? combine(acc, part) : part;
    }
    y = acc as Tensor;
  }
  return y;
}

/** Pads each spatial axis by its begin and end (plus the ceil-mode extra). */
function padSpatial(x: Tensor, begin: number[], end: number[], value = 0): Tensor {
  return K.pad(x, padAmounts(begin, end), value === 0 ? undefined : { value });
}

function maxPool(c: OpContext): (Tensor | null)[] {
  const x = c.input(0);
  const nd = x.ndim - 2;
  const kernel = c.ints('kernel_shape') ?? [];
  const g = geometry(c, x.shape.slice(2), kernel);
  const { out, extra } = poolPlan(c, x, g);
  const xf = x.dtype === 'float32' || x.dtype === 'float64' ? x : K.cast(x, 'float64');
  const padded = padSpatial(
    xf,
    g.begin,
    g.end.map((e, i) => e + extra[i]),
    Number.NEGATIVE_INFINITY,
  );
  let y = separable(padded, g, out, (a, b) => K.maximum(a, b));
  if (y.dtype !== x.dtype) y = K.cast(y, x.dtype);
  let indices: Tensor | null = null;
  if (c.wants(1)) {
    // 1-D/2-D, symmetric pads, no ceil overflow (checked at load): core's max pooling has the indices.
    const pair = (v: number[], d: number) => (nd === 1 ? [d, v[0]] : v) as [number, number];
    const r = K.maxPool2d(as2d(xf), pair(g.kernel, 1), {
      stride: pair(g.strides, 1),
      padding: pair(g.begin, 0),
      dilation: pair(g.dilations, 1),
      returnIndices: true,
    });
    const [n, ch, h, w] = as2d(x).shape;
    let idx = r.indices;
    if (c.int('storage_order', 0) === 1) {
      // Column-major positions: (row, col) -> col * H + row.
      idx = K.add(K.mul(K.remainder(idx, w), h), K.floorDivide(idx, w));
    }
    const base = K.mul(K.arange(0, n * ch, 1, { dtype: 'int32' }).reshape([n, ch, 1, 1]), h * w);
    indices = K.add(idx, base);
    if (nd === 1) indices = K.squeeze(indices, 2);
  }
  return [y, indices];
}

function avgPool(c: OpContext): Tensor {
  const x = c.input(0);
  const kernel = c.ints('kernel_shape') ?? [];
  const spatial = x.shape.slice(2);
  const g = geometry(c, spatial, kernel);
  const { out, extra } = poolPlan(c, x, g);
  const end = g.end.map((e, i) => e + extra[i]);
  const sums = separable(padSpatial(x, g.begin, end), g, out, (a, b) => K.add(a, b));
  // Divisor: the window's cells inside the padded input (count_include_pad) or inside the input.
  const includePad = c.int('count_include_pad', 0) === 1;
  const ones = K.ones([1, 1, ...spatial.map((s, i) => (includePad ? s + g.begin[i] + g.end[i] : s))], {
    dtype: x.dtype,
  });
  const mask = includePad
    ? padSpatial(
        ones,
        g.begin.map(() => 0),
        extra,
      )
    : padSpatial(ones, g.begin, end);
  const counts = separable(mask, g, out, (a, b) => K.add(a, b));
  return K.div(sums, counts);
}

function channelShape(x: Tensor): number[] {
  return x.shape.map((s, i) => (i === 1 ? s : 1));
}

function batchNorm(c: OpContext): (Tensor | null)[] {
  const x = c.input(0);
  const [scale, bias, mean, varIn] = [1, 2, 3, 4].map((i) => K.reshape(c.input(i), [c.input(i).numel]));
  const eps = c.float('epsilon', 1e-5);
  const shape = channelShape(x);
  // Training mode: an attribute since opset 14, several outputs in opsets 7-13, is_test=0 before 7.
  const training =
    c.opset >= 14
      ? c.int('training_mode', 0) === 1
      : c.opset >= 7
        ? c.node.outputs.filter(Boolean).length > 1
        : c.int('is_test', 0) === 0;
  if (training) {
    const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
    const bm = K.mean(x, dims);
    const bv = K.variance(x, dims, { correction: 0 });
    const y = K.add(
      K.mul(K.div(K.sub(x, bm.reshape(shape)), K.sqrt(K.add(bv.reshape(shape), eps))), scale.reshape(shape)),
      bias.reshape(shape),
    );
    const m = c.float('momentum', 0.9);
    const rm = K.add(K.mul(mean, m), K.mul(bm, 1 - m));
    const rv = K.add(K.mul(varIn, m), K.mul(bv, 1 - m));
    return [y, rm, rv];
  }
  const inv = K.div(scale, K.sqrt(K.add(varIn, eps)));
  const y = K.add(K.mul(K.sub(x, mean.reshape(shape)), inv.reshape(shape)), bias.reshape(shape));
  return [y];
}

function instanceNorm(c: OpContext): Tensor {
  const x = c.input(0);
  const eps = c.float('epsilon', 1e-5);
  const dims = x.shape.map((_, i) => i).slice(2);
  const m = K.mean(x, dims, { keepdim: true });
  const v = K.variance(x, dims, { keepdim: true, correction: 0 });
  const shape = channelShape(x);
  const norm = K.div(K.sub(x, m), K.sqrt(K.add(v, eps)));
  return K.add(K.mul(norm, c.input(1).reshape(shape)), c.input(2).reshape(shape));
}

function layerNorm(c: OpContext): (Tensor | null)[] {
  const x = c.input(0);
  const r = x.ndim;
  const a = c.int('axis', -1) < 0 ? c.int('axis', -1) + r : c.int('axis', -1);
  const dims = x.shape.map((_, i) => i).slice(a);
  const eps = c.float('epsilon', 1e-5);
  const xf = x.dtype === 'float64' ? x : K.cast(x, 'float32');
  const m = K.mean(xf, dims, { keepdim: true });
  const v = K.variance(xf, dims, { keepdim: true, correction: 0 });
  const inv = K.rsqrt(K.add(v, eps));
  let y = K.mul(K.mul(K.sub(xf, m), inv), c.input(1));
  const b = c.optional(2);
  if (b) y = K.add(y, b);
  return [y, c.wants(1) ? m : null, c.wants(2) ? inv : null];
}

function lrn(c: OpContext): Tensor {
  const x = c.input(0);
  const size = c.int('size', 1);
  const alpha = c.float('alpha', 1e-4);
  const beta = c.float('beta', 0.75);
  const bias = c.float('bias', 1);
  const before = Math.floor((size - 1) / 2);
  const after = Math.ceil((size - 1) / 2);
  const sq = K.mul(x, x);
  const amounts = new Array(2 * (x.ndim - 2)).fill(0);
  const padded = K.pad(sq, [...amounts, before, after]);
  let sum = K.narrow(padded, 1, 0, x.shape[1]);
  for (let i = 1; i < size; i++) sum = K.add(sum, K.narrow(padded, 1, i, x.shape[1]));
  return K.div(x, K.pow(K.add(K.mul(sum, alpha / size), bias), beta));
}

function mvn(c: OpContext): Tensor {
  const x = c.input(0);
  const axes = (c.ints('axes') ?? [0, 2, 3]).map((a) => (a < 0 ? a + x.ndim : a));
  const m = K.mean(x, axes, { keepdim: true });
  const v = K.sub(K.mean(K.mul(x, x), axes, { keepdim: true }), K.mul(m, m));
  return K.div(K.sub(x, m), K.add(K.sqrt(v), 1e-9));
}

/** NegativeLogLikelihoodLoss on log-probabilities `[N, C, d...]` and targets `[N, d...]`. */
function nll(c: OpContext, logp: Tensor, target: Tensor, weight: Tensor | null): Tensor {
  const reduction = c.str('reduction', 'mean');
  const ignore = c.int('ignore_index');
  const C = logp.shape[1];
  const t = Array.from(target.dataSync(), Number);
  const keep = t.map((v) => (ignore !== undefined && v === ignore ? 0 : 1));
  for (let i = 0; i < t.length; i++)
    if (keep[i] && (t[i] < 0 || t[i] >= C)) c.fail(`target ${t[i]} is out of range [0, ${C})`);
  const safe = tensor(Int32Array.from(t, (v, i) => (keep[i] ? v : 0))).reshape([...target.shape]);
  const mask = tensor(Float64Array.from(keep))
    .reshape([...target.shape])
    .to(logp.dtype);
  const picked = K.squeeze(K.gather(logp, 1, K.unsqueeze(safe, 1)), 1);
  let w = mask;
  if (weight) w = K.mul(K.reshape(K.indexSelect(weight, 0, safe.reshape([-1])), [...target.shape]), mask);
  const loss = K.neg(K.mul(picked, w));
  if (reduction === 'none') return loss;
  if (reduction === 'sum') return K.sum(loss);
  return K.div(K.sum(loss), K.sum(w));
}

/** Neural-network operators by ONNX name. */
export const nnOps: Record<string, OpDef> = {
  Conv: { run: (c) => [convWith(c, c.input(0), c.input(1), c.optional(2))], check: upTo('Conv', 3) },
  ConvTranspose: {
    run: (c) => [convTranspose(c)],
    check: upTo('ConvTranspose', 2),
  },
  MaxPool: {
    run: maxPool,
    check(node, info) {
      const why = upTo('MaxPool', 3)(node, info);
      if (why) return why;
      if (node.outputs[1]) {
        if ((spatialRank(node, info) ?? 2) > 2) return 'MaxPool indices in 3-D';
        const pads = attrOf(node, 'pads')?.ints ?? [];
        const n = pads.length / 2;
        if (pads.some((p, i) => i < n && p !== pads[i + n])) return 'MaxPool indices with asymmetric pads';
        if (attrInt(node, 'ceil_mode', 0)) return 'MaxPool indices with ceil_mode';
        if (attrStr(node, 'auto_pad', 'NOTSET') !== 'NOTSET') return 'MaxPool indices with auto_pad';
      }
      return undefined;
    },
  },
  AveragePool: { run: (c) => [avgPool(c)], check: upTo('AveragePool', 3) },
  GlobalAveragePool: {
    run: (c) => {
      const x = c.input(0);
      return [K.mean(x, x.shape.map((_, i) => i).slice(2), { keepdim: true })];
    },
  },
  GlobalMaxPool: {
    run: (c) => {
      const x = c.input(0);
      return [K.amax(x, x.shape.map((_, i) => i).slice(2), { keepdim: true })];
    },
  },
  BatchNormalization: {
    run: batchNorm,
    check: (node, info) =>
      info.opset < 14 && node.outputs.filter(Boolean).length > 3
        ? 'BatchNormalization with saved mean/variance outputs'
        : undefined,
  },
  InstanceNormalization: { run: (c) => [instanceNorm(c)] },
  LayerNormalization: { run: layerNorm },
  LRN: { run: (c) => [lrn(c)] },
  MeanVarianceNormalization: { run: (c) => [mvn(c)] },
  NegativeLogLikelihoodLoss: {
    run: (c) => [nll(c, c.input(0), c.input(1), c.optional(2))],
    host: [1],
  },
  SoftmaxCrossEntropyLoss: {
    run(c) {
      const scores = c.input(0);
      const logp = K.logSoftmax(scores, 1);
      return [nll(c, logp, c.input(1), c.optional(2)), c.wants(1) ? logp : null];
    },
    host: [1],
  },
};
