/**
 * ONNX Resize (opsets 10–17) and Upsample, separably per axis: for each resized axis the source
 * positions and weights are computed on the host from the coordinate transformation mode, then the
 * output is a weighted sum of `indexSelect`s along that axis (nearest: one tap; linear: two;
 * cubic: four, with `cubic_coeff_a` and `exclude_outside`). `tf_crop_and_resize` is not supported.
 */
import * as K from '@kindling/core';
import { type Tensor, tensor } from '@kindling/core';
import { attrStr, type OpContext, type OpDef } from './context.js';

interface Plan {
  mode: string;
  coord: string;
  nearest: string;
  cubicA: number;
  excludeOutside: boolean;
}

/** Source coordinate of output position `o`; `outLength` is `in * scale` (not rounded) when scales are given. */
function source(plan: Plan, o: number, inSize: number, outLength: number, scale: number): number {
  switch (plan.coord) {
    case 'half_pixel':
      return (o + 0.5) / scale - 0.5;
    case 'pytorch_half_pixel':
      return outLength > 1 ? (o + 0.5) / scale - 0.5 : 0;
    case 'align_corners':
      return outLength === 1 ? 0 : (o * (inSize - 1)) / (outLength - 1);
    case 'tf_half_pixel_for_nn':
      return (o + 0.5) / scale;
    default:
      return o / scale;
  }
}

function nearestIndex(plan: Plan, x: number, inSize: number): number {
  let i: number;
  switch (plan.nearest) {
    case 'floor':
      i = Math.floor(x);
      break;
    case 'ceil':
      i = Math.ceil(x);
      break;
    case 'round_prefer_ceil':
      i = Math.floor(x + 0.5);
      break;
    default:
      i = x === Math.floor(x) + 0.5 ? Math.floor(x) : Math.round(x);
  }
  return Math.min(Math.max(i, 0), inSize - 1);
}

function cubicWeights(a: number, t: number): number[] {
  const w = (d: number) => {
    const x = Math.abs(d);
    if (x <= 1) return (a + 2) * x ** 3 - (a + 3) * x ** 2 + 1;
    if (x < 2) return a * x ** 3 - 5 * a * x ** 2 + 8 * a * x - 4 * a;
    return 0;
  };
  return [w(t + 1), w(t), w(1 - t), w(2 - t)];
}

/** Resizes one axis: taps[k][o] source index and weights[k][o]. */
function resizeAxis(
  x: Tensor,
  axis: number,
  outSize: number,
  scale: number,
  plan: Plan,
  outLength: number,
): Tensor {
  const inSize = x.shape[axis];
  const taps: number[][] = [];
  const weights: number[][] = [];
  const nTaps = plan.mode === 'nearest' ? 1 : plan.mode === 'linear' ? 2 : 4;
  for (let k = 0; k < nTaps; k++) {
    taps.push([]);
    weights.push([]);
  }
  for (let o = 0; o < outSize; o++) {
    const xs = source(plan, o, inSize, outLength, scale);
    if (plan.mode === 'nearest') {
      taps[0].push(nearestIndex(plan, xs, inSize));
      weights[0].push(1);
    } else if (plan.mode === 'linear') {
      const c = Math.min(Math.max(xs, 0), inSize - 1);
      const i0 = Math.floor(c);
      const i1 = Math.min(i0 + 1, inSize - 1);
      const t = c - i0;
      taps[0].push(i0);
      taps[1].push(i1);
      weights[0].push(1 - t);
      weights[1].push(t);
    } else {
      const i0 = Math.floor(xs);
      const w = cubicWeights(plan.cubicA, xs - i0);
      let total = 0;
      for (let k = 0; k < 4; k++) {
        const i = i0 - 1 + k;
        if (plan.excludeOutside && (i < 0 || i >= inSize)) w[k] = 0;
        total += w[k];
      }
      for (let k = 0; k < 4; k++) {
        taps[k].push(Math.min(Math.max(i0 - 1 + k, 0), inSize - 1));
        weights[k].push(plan.excludeOutside ? w[k] / total : w[k]);
      }
    }
  }
  const bshape = x.shape.map((_s, i) => (i === axis ? outSize : 1));
  let out: Tensor | null = null;
  for (let k = 0; k < nTaps; k++) {
    const picked = K.indexSelect(x, axis, tensor(Int32Array.from(taps[k])));
    if (plan.mode === 'nearest') return picked;
    const w = tensor(Float64Array.from(weights[k])).reshape(bshape).to(x.dtype);
    const term = K.mul(picked, w);
    out = out ? K.add(out, term) : term;
  }
  return out as Tensor;
}

function resize(
  c: OpContext,
  x: Tensor,
  scales: number[] | undefined,
  sizes: number[] | undefined,
  plan: Plan,
): Tensor {
  const xf = x.dtype === 'float32' || x.dtype === 'float64' ? x : K.cast(x, 'float32');
  let y = xf;
  for (let axis = 0; axis < x.ndim; axis++) {
    const inSize = x.shape[axis];
    let outSize: number;
    let scale: number;
    let outLength: number;
    if (sizes?.length) {
      outSize = sizes[axis];
      scale = outSize / inSize;
      outLength = outSize;
    } else if (scales?.length) {
      scale = scales[axis];
      outSize = Math.floor(inSize * scale);
      outLength = inSize * scale;
    } else return c.fail('needs scales or sizes');
    if (outSize === inSize && scale === 1) continue;
    y = resizeAxis(y, axis, outSize, scale, plan, outLength);
  }
  return y.dtype === x.dtype ? y : K.cast(K.round(y), x.dtype);
}

/** Resize and Upsample by ONNX name. */
export const resizeOps: Record<string, OpDef> = {
  Resize: {
    run(c) {
      const plan: Plan = {
        mode: c.str('mode', 'nearest'),
        coord: c.opset >= 11 ? c.str('coordinate_transformation_mode', 'half_pixel') : 'asymmetric',
        nearest: c.opset >= 11 ? c.str('nearest_mode', 'round_prefer_floor') : 'floor',
        cubicA: c.float('cubic_coeff_a', -0.75),
        excludeOutside: c.int('exclude_outside', 0) === 1,
      };
      const scales = c.opset >= 11 ? c.hostFloats(2) : c.hostFloats(1);
      const sizes = c.opset >= 11 ? c.hostInts(3) : undefined;
      return [resize(c, c.input(0), scales, sizes, plan)];
    },
    host: [1, 2, 3],
    check(node) {
      if (attrStr(node, 'coordinate_transformation_mode', 'half_pixel') === 'tf_crop_and_resize')
        return "Resize with coordinate_transformation_mode='tf_crop_and_resize'";
      const mode = attrStr(node, 'mode', 'nearest');
      if (!['nearest', 'linear', 'cubic'].includes(mode)) return `Resize with mode='${mode}'`;
      return undefined;
    },
  },
  Upsample: {
    run(c) {
      const mode = c.str('mode', 'nearest');
      const plan: Plan = {
        mode,
        coord: 'asymmetric',
        nearest: 'floor',
        cubicA: -0.75,
        excludeOutside: false,
      };
      const scales = c.opset >= 9 ? c.hostFloats(1) : c.floats('scales');
      return [resize(c, c.input(0), scales, undefined, plan)];
    },
    host: [1],
    check(node) {
      const mode = attrStr(node, 'mode', 'nearest');
      return mode === 'nearest' || mode === 'linear' ? undefined : `Upsample with mode='${mode}'`;
    },
  },
};
