/**
 * Less common ONNX operators: the quantization family (QuantizeLinear, DequantizeLinear,
 * DynamicQuantizeLinear, MatMulInteger, ConvInteger, QLinearMatMul, QLinearConv), BitShift,
 * Unique, ReverseSequence, Scatter, the window functions, MaxUnpool, NonMaxSuppression and Det.
 *
 * Quantized values are Kindling int32 tensors holding the uint8/int8 values; the range to saturate
 * to comes from the zero point's declared element type (UINT8 when absent, as ONNX defaults).
 * Unique, NonMaxSuppression and Det compute on the host (their outputs are data-dependent indices
 * or a scalar per matrix) and are not differentiable.
 */
import * as K from '@kindling/core';
import { type Tensor, tensor } from '@kindling/core';
import { DataType } from '../schema.js';
import { attrStr, dtypeAttr, type OpContext, type OpDef } from './context.js';
import { convWith, upTo } from './nn.js';

const i32 = (values: readonly number[], shape: readonly number[] = [values.length]) =>
  tensor(Int32Array.from(values)).reshape([...shape]);

/** Saturation range of a quantized type. */
function range(type: number | undefined): [number, number] {
  return type === DataType.INT8 ? [-128, 127] : [0, 255];
}

/** Reshapes a per-axis (1-D) parameter to broadcast along `axis` of `x`. */
function alongAxis(c: OpContext, p: Tensor, x: Tensor): Tensor {
  if (p.ndim === 0 || p.numel === 1) return p.reshape([]);
  const axis = c.int('axis', 1) < 0 ? c.int('axis', 1) + x.ndim : c.int('axis', 1);
  return p.reshape(x.shape.map((s, i) => (i === axis ? s : 1)));
}

/** round-half-even, add the zero point, saturate, as int32. */
function quantize(v: Tensor, zp: Tensor | number, type: number | undefined): Tensor {
  const [lo, hi] = range(type);
  return K.cast(K.clamp(K.add(K.round(v), zp), lo, hi), 'int32');
}

function roundEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function f64(t: Tensor): Tensor {
  return K.cast(t, 'float64');
}

function minus(x: Tensor, zp: Tensor | null): Tensor {
  return zp ? K.sub(f64(x), f64(zp)) : f64(x);
}

function windowOp(f: (n: number, N: number) => number): OpDef {
  return {
    run(c) {
      const size = Number(c.input(0).itemSync());
      const N = c.int('periodic', 1) ? size : size - 1;
      const vals = Array.from({ length: size }, (_, n) => f(n, N));
      return [tensor(Float64Array.from(vals)).to(dtypeAttr(c, c.int('output_datatype', DataType.FLOAT)))];
    },
    host: [0],
  };
}

function iou(a: number[], b: number[]): number {
  const area = (r: number[]) => Math.max(r[2] - r[0], 0) * Math.max(r[3] - r[1], 0);
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (area(a) + area(b) - inter);
}

function det(m: number[], n: number): number {
  const a = [...m];
  let d = 1;
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]) > Math.abs(a[piv * n + col])) piv = r;
    if (a[piv * n + col] === 0) return 0;
    if (piv !== col) {
      for (let k = 0; k < n; k++) [a[col * n + k], a[piv * n + k]] = [a[piv * n + k], a[col * n + k]];
      d = -d;
    }
    d *= a[col * n + col];
    for (let r = col + 1; r < n; r++) {
      const f = a[r * n + col] / a[col * n + col];
      for (let k = col; k < n; k++) a[r * n + k] -= f * a[col * n + k];
    }
  }
  return d;
}

/** Miscellaneous operators by ONNX name. */
export const miscOps: Record<string, OpDef> = {
  QuantizeLinear: {
    run(c) {
      const x = c.input(0);
      const scale = alongAxis(c, c.input(1), x);
      const zp = c.optional(2);
      // x / scale in x's precision (float32 for float32 inputs), as the reference.
      return [quantize(K.div(x, scale.to(x.dtype)), zp ? f64(alongAxis(c, zp, x)) : 0, c.elemType(2))];
    },
  },
  DequantizeLinear: {
    run(c) {
      const x = c.input(0);
      const scale = alongAxis(c, c.input(1), x);
      const zp = c.optional(2);
      const v = zp ? K.sub(f64(x), f64(alongAxis(c, zp, x))) : f64(x);
      return [K.cast(K.mul(v, f64(scale)), scale.dtype)];
    },
  },
  DynamicQuantizeLinear: {
    run(c) {
      const x = c.input(0);
      const xmax = Math.max(0, Number(K.amax(x).itemSync()));
      const xmin = Math.min(0, Number(K.amin(x).itemSync()));
      // float32 arithmetic, as the reference computes it.
      const scale = Math.fround((xmax - xmin) / 255);
      const z = scale === 0 ? 0 : Math.min(Math.max(roundEven(Math.fround(-xmin / scale)), 0), 255);
      const y =
        scale === 0 ? K.zerosLike(x, { dtype: 'int32' }) : quantize(K.div(x, scale), z, DataType.UINT8);
      return [y, tensor(scale, { dtype: 'float32' }), tensor(z, { dtype: 'int32' })];
    },
  },
  MatMulInteger: {
    run(c) {
      const a = minus(c.input(0), c.optional(2));
      const bzp = c.optional(3);
      const b = minus(c.input(1), bzp && bzp.ndim === 1 ? bzp.reshape([1, -1]) : bzp);
      return [K.cast(K.matmul(a, b), 'int32')];
    },
  },
  ConvInteger: {
    run(c) {
      const xzp = c.optional(2);
      const wzp = c.optional(3);
      const w = c.input(1);
      const wq = wzp && wzp.numel > 1 ? K.sub(f64(w), f64(wzp).reshape([-1, 1, 1, 1])) : minus(w, wzp);
      return [K.cast(convWith(c, minus(c.input(0), xzp), wq, null), 'int32')];
    },
    check: upTo('ConvInteger', 2),
  },
  QLinearMatMul: {
    run(c) {
      const [a, as, azp, b, bs, bzp, ys, yzp] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => c.input(i));
      const acc = K.matmul(K.sub(f64(a), f64(azp)), K.sub(f64(b), f64(bzp)));
      const y = K.mul(acc, K.div(K.mul(f64(as), f64(bs)), f64(ys)));
      return [quantize(y, f64(yzp), c.elemType(7))];
    },
  },
  QLinearConv: {
    run(c) {
      const [x, xs, xzp, w, ws, wzp, ys, yzp] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => c.input(i));
      const bias = c.optional(8);
      const per = (t: Tensor) => (t.numel > 1 ? f64(t).reshape([1, -1, 1, 1]) : f64(t).reshape([]));
      const wq =
        wzp.numel > 1 ? K.sub(f64(w), f64(wzp).reshape([-1, 1, 1, 1])) : K.sub(f64(w), f64(wzp).reshape([]));
      let acc = convWith(c, K.sub(f64(x), f64(xzp).reshape([])), wq, null);
      if (bias) acc = K.add(acc, f64(bias).reshape([1, -1, 1, 1]));
      const y = K.mul(acc, K.div(K.mul(f64(xs).reshape([]), per(ws)), f64(ys).reshape([])));
      return [quantize(y, f64(yzp).reshape([]), c.elemType(7))];
    },
    check: upTo('QLinearConv', 2),
  },
  BitShift: {
    run(c) {
      const x = f64(c.input(0));
      const p = K.pow(2, f64(c.input(1)));
      const left = c.str('direction', '') === 'LEFT';
      return [K.cast(left ? K.mul(x, p) : K.floor(K.div(x, p)), 'int32')];
    },
    check: (node) =>
      ['LEFT', 'RIGHT'].includes(attrStr(node, 'direction', '')) ? undefined : 'BitShift without a direction',
  },
  Unique: {
    run(c) {
      const x = c.input(0);
      const axisAttr = c.int('axis');
      const src = axisAttr === undefined ? K.reshape(x, [-1]) : x;
      const axis = axisAttr === undefined ? 0 : axisAttr < 0 ? axisAttr + x.ndim : axisAttr;
      const n = src.shape[axis];
      const moved = K.permute(src, [axis, ...src.shape.map((_, i) => i).filter((i) => i !== axis)]);
      const flat = Array.from(K.reshape(moved.contiguous(), [n, -1]).dataSync(), Number);
      const width = n === 0 ? 0 : flat.length / n;
      const rows = Array.from({ length: n }, (_, i) => flat.slice(i * width, (i + 1) * width));
      const key = (r: number[]) => r.join(',');
      const first = new Map<string, number>();
      rows.forEach((r, i) => {
        if (!first.has(key(r))) first.set(key(r), i);
      });
      let order = [...first.values()];
      if (c.int('sorted', 1)) {
        order = order.sort((a, b) => {
          for (let k = 0; k < width; k++) if (rows[a][k] !== rows[b][k]) return rows[a][k] - rows[b][k];
          return 0;
        });
      }
      const pos = new Map(order.map((r, i) => [key(rows[r]), i]));
      const inverse = rows.map((r) => pos.get(key(r)) as number);
      const counts = order.map(() => 0);
      for (const v of inverse) counts[v]++;
      return [K.indexSelect(src, axis, i32(order)), i32(order), i32(inverse), i32(counts)];
    },
  },
  ReverseSequence: {
    run(c) {
      const x = c.input(0);
      const lens = c.hostInts(1) ?? [];
      const bAxis = c.int('batch_axis', 1);
      const tAxis = c.int('time_axis', 0);
      const idx: number[] = [];
      const shape = x.shape.map((s, i) => (i === tAxis || i === bAxis ? s : 1));
      // index[t, b] (in the order of the two axes) = reversed position within b's length.
      for (let i = 0; i < shape[Math.min(tAxis, bAxis)]; i++)
        for (let j = 0; j < shape[Math.max(tAxis, bAxis)]; j++) {
          const [t, b] = tAxis < bAxis ? [i, j] : [j, i];
          idx.push(t < lens[b] ? lens[b] - 1 - t : t);
        }
      return [K.gather(x, tAxis, K.expand(i32(idx, shape), [...x.shape]).contiguous())];
    },
    host: [1],
  },
  Scatter: {
    run(c) {
      const x = c.input(0);
      const axis = c.int('axis', 0) < 0 ? c.int('axis', 0) + x.ndim : c.int('axis', 0);
      const idx = c.input(1);
      const wrapped = K.where(K.lt(idx, 0), K.add(idx, x.shape[axis]), idx).to('int32');
      return [K.scatter(x, axis, wrapped, c.input(2))];
    },
  },
  HannWindow: windowOp((n, N) => Math.sin((Math.PI * n) / N) ** 2),
  HammingWindow: windowOp((n, N) => 25 / 46 - (21 / 46) * Math.cos((2 * Math.PI * n) / N)),
  BlackmanWindow: windowOp(
    (n, N) => 0.42 - 0.5 * Math.cos((2 * Math.PI * n) / N) + 0.08 * Math.cos((4 * Math.PI * n) / N),
  ),
  MaxUnpool: {
    run(c) {
      const x = c.input(0);
      const idx = c.input(1);
      const spatial = x.shape.slice(2);
      const kernel = c.ints('kernel_shape') ?? [];
      const strides = c.ints('strides') ?? kernel.map(() => 1);
      const pads = c.ints('pads') ?? new Array(2 * kernel.length).fill(0);
      const natural = spatial.map(
        (s, i) => (s - 1) * strides[i] + kernel[i] - pads[i] - pads[i + kernel.length],
      );
      const given = c.hostInts(2);
      const outSpatial = given ? given.slice(2) : natural;
      const outShape = [x.shape[0], x.shape[1], ...outSpatial];
      const total = outShape.reduce((a, b) => a * b, 1);
      // Indices address the natural (default-size) output; re-address them in the requested shape.
      const natShape = [x.shape[0], x.shape[1], ...natural];
      const positions = Array.from(idx.dataSync(), Number).map((f) => {
        let rem = f;
        let pos = 0;
        let stride = 1;
        for (let d = natShape.length - 1; d >= 0; d--) {
          pos += (rem % natShape[d]) * stride;
          rem = Math.floor(rem / natShape[d]);
          stride *= outShape[d];
        }
        return pos;
      });
      const flat = K.scatter(K.zeros([total], { dtype: x.dtype }), 0, i32(positions), K.reshape(x, [-1]));
      return [K.reshape(flat, outShape)];
    },
    host: [1, 2],
  },
  NonMaxSuppression: {
    run(c) {
      const boxes = c.input(0);
      const scores = c.input(1);
      const maxOut = c.optional(2) ? Number(c.input(2).itemSync()) : 0;
      const iouT = c.optional(3) ? Number(c.input(3).itemSync()) : 0;
      const scoreT = c.optional(4) ? Number(c.input(4).itemSync()) : Number.NEGATIVE_INFINITY;
      const center = c.int('center_point_box', 0) === 1;
      const [B, C, n] = scores.shape;
      const bx = Array.from(boxes.dataSync(), Number);
      const sc = Array.from(scores.dataSync(), Number);
      const corner = (b: number, i: number): number[] => {
        const v = bx.slice((b * n + i) * 4, (b * n + i) * 4 + 4);
        if (center) return [v[1] - v[3] / 2, v[0] - v[2] / 2, v[1] + v[3] / 2, v[0] + v[2] / 2];
        return [Math.min(v[0], v[2]), Math.min(v[1], v[3]), Math.max(v[0], v[2]), Math.max(v[1], v[3])];
      };
      const out: number[] = [];
      for (let b = 0; b < B; b++)
        for (let k = 0; k < C; k++) {
          const cand = Array.from({ length: n }, (_, i) => i)
            .filter((i) => sc[(b * C + k) * n + i] > scoreT)
            .sort((p, q) => sc[(b * C + k) * n + q] - sc[(b * C + k) * n + p] || p - q);
          const kept: number[] = [];
          for (const i of cand) {
            if (kept.length >= maxOut) break;
            if (kept.every((j) => iou(corner(b, i), corner(b, j)) <= iouT)) kept.push(i);
          }
          for (const i of kept) out.push(b, k, i);
        }
      return [i32(out, [out.length / 3, 3])];
    },
    host: [2, 3, 4],
  },
  Det: {
    run(c) {
      const x = c.input(0);
      const n = x.shape[x.ndim - 1];
      const lead = x.shape.slice(0, -2);
      const data = Array.from(x.contiguous().dataSync(), Number);
      const count = lead.reduce((a, b) => a * b, 1);
      const dets = Array.from({ length: count }, (_, i) => det(data.slice(i * n * n, (i + 1) * n * n), n));
      return [tensor(Float64Array.from(dets)).reshape(lead).to(x.dtype)];
    },
  },
};
