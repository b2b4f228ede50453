/**
 * CPU kernels of the convolution/pooling primitives. Every other neural-network op (conv1d,
 * conv2d, convTranspose2d, avgPool2d, adaptiveAvgPool2d, interpolate...) is a composite of these
 * and of matmul/sum, so autograd and other backends get them for free.
 *
 * Primitives (all spatial attrs are `[height, width]` pairs of integers):
 *
 * - `im2col`: inputs `[x]`, x `[N, C, H, W]` (any strides, float32/float64/int32).
 *   attrs `{ kernel: [kh, kw], dilation: [dh, dw], padding: [ph, pw], stride: [sh, sw],
 *   grid: [oh, ow], padValue: number }`. Output `[N, C*kh*kw, oh*ow]` with
 *   `out[n, (c*kh + i)*kw + j, y*ow + x] = x[n, c, y*sh - ph + i*dh, x*sw - pw + j*dw]`, or
 *   `padValue` where that position lies outside the input. `grid` is normally PyTorch's block
 *   count `floor((H + 2ph - dh(kh-1) - 1)/sh) + 1`, but may be larger (windows then run past the
 *   bottom/right padding and read `padValue`: asymmetric 'same' padding, ceil-mode pooling).
 *   Derivative: `dx = col2im(g, { outputSize: [H, W], kernel, dilation, padding, stride, grid })`.
 * - `col2im`: inputs `[cols]`, cols `[N, C*kh*kw, oh*ow]`. attrs `{ outputSize: [H, W], kernel,
 *   dilation, padding, stride, grid: [oh, ow] }`. Output `[N, C, H, W]`: the adjoint of `im2col`
 *   (every column entry is added to the input position it was read from; entries that fall in
 *   the padding are dropped). Derivative: `dcols = im2col(g, { kernel, dilation, padding, stride,
 *   grid, padValue: 0 })`.
 * - `maxPool2d`: inputs `[x]`, x `[N, C, H, W]` float32/float64. attrs `{ kernel, stride,
 *   padding, dilation, grid: [oh, ow] }`. Outputs `[values, indices]`, both `[N, C, oh, ow]`;
 *   indices are int32 positions in the flattened `H*W` plane (as PyTorch); the padding is -inf and
 *   NaN propagates (the last NaN in a window wins, as PyTorch). Derivative (indices get none):
 *   `dx = zeros([N, C, H*W]).scatterAdd(2, indices.view(N, C, -1), g.view(N, C, -1)).view(x.shape)`.
 * - `adaptiveMaxPool2d`: inputs `[x]` as above; attrs `{ outputSize: [oh, ow] }`; window of output
 *   row `i` is rows `floor(i*H/oh) .. ceil((i+1)*H/oh)` (same for columns). Outputs `[values,
 *   indices]` like `maxPool2d`, with the same derivative.
 *
 * Max pooling is a primitive (not im2col + amax) so it never materialises the `kh*kw`-times larger
 * column tensor and its indices follow PyTorch's flattened-plane convention directly.
 */
import type { Kernel } from '../../backend.js';
import type { Attrs } from '../../dispatch.js';
import type { TypedArray } from '../../dtype.js';
import { cpuContiguousData, newCpuTensor } from './memory.js';

type Pair = [number, number];

interface WindowAttrs {
  kernel: Pair;
  dilation: Pair;
  padding: Pair;
  stride: Pair;
  grid: Pair;
}

function windowAttrs(a: Attrs): WindowAttrs {
  return {
    kernel: a.kernel as Pair,
    dilation: a.dilation as Pair,
    padding: a.padding as Pair,
    stride: a.stride as Pair,
    grid: a.grid as Pair,
  };
}

/** The output columns `[x0, x1)` whose input column `x*s + off` lies in `[0, W)`. */
function validRange(off: number, s: number, W: number, ow: number): Pair {
  const x0 = off >= 0 ? 0 : Math.ceil(-off / s);
  const x1 = W - 1 - off < 0 ? 0 : Math.min(ow, Math.floor((W - 1 - off) / s) + 1);
  return x0 >= x1 ? [0, 0] : [x0, x1];
}

/** Copies (or, when `add`, accumulates) between the image and the column matrix. */
function transfer(
  img: TypedArray,
  cols: TypedArray,
  N: number,
  C: number,
  H: number,
  W: number,
  w: WindowAttrs,
  toCols: boolean,
  padValue: number,
): void {
  const [kh, kw] = w.kernel;
  const [dh, dw] = w.dilation;
  const [ph, pw] = w.padding;
  const [sh, sw] = w.stride;
  const [oh, ow] = w.grid;
  const L = oh * ow;
  const plane = H * W;
  const fillPad = toCols && padValue !== 0;
  let row = 0; // start of the current column-matrix row
  for (let nc = 0; nc < N * C; nc++) {
    const base = nc * plane;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++, row += L) {
        const offW = j * dw - pw;
        const [x0, x1] = validRange(offW, sw, W, ow);
        for (let y = 0; y < oh; y++) {
          const iy = y * sh - ph + i * dh;
          const o = row + y * ow;
          if (iy < 0 || iy >= H || x0 === x1) {
            if (fillPad) cols.fill(padValue, o, o + ow);
            continue;
          }
          if (fillPad) {
            if (x0 > 0) cols.fill(padValue, o, o + x0);
            if (x1 < ow) cols.fill(padValue, o + x1, o + ow);
          }
          const s = base + iy * W + offW;
          if (toCols) {
            if (sw === 1) for (let t = x0; t < x1; t++) cols[o + t] = img[s + t];
            else for (let t = x0; t < x1; t++) cols[o + t] = img[s + t * sw];
          } else if (sw === 1) {
            for (let t = x0; t < x1; t++) img[s + t] += cols[o + t];
          } else {
            for (let t = x0; t < x1; t++) img[s + t * sw] += cols[o + t];
          }
        }
      }
    }
  }
}

const im2col: Kernel = ([x], a) => {
  const w = windowAttrs(a);
  const [N, C, H, W] = x.shape;
  const K = C * w.kernel[0] * w.kernel[1];
  const L = w.grid[0] * w.grid[1];
  const { tensor, data } = newCpuTensor([N, K, L], x.dtype);
  if (data.length > 0) transfer(cpuContiguousData(x), data, N, C, H, W, w, true, (a.padValue as number) ?? 0);
  return [tensor];
};

const col2im: Kernel = ([cols], a) => {
  const w = windowAttrs(a);
  const [H, W] = a.outputSize as Pair;
  const N = cols.shape[0];
  const C = cols.shape[1] / (w.kernel[0] * w.kernel[1]);
  const { tensor, data } = newCpuTensor([N, C, H, W], cols.dtype);
  if (data.length > 0 && cols.numel > 0) transfer(data, cpuContiguousData(cols), N, C, H, W, w, false, 0);
  return [tensor];
};

const maxPool2d: Kernel = ([x], a) => {
  const { kernel, dilation, padding, stride, grid } = windowAttrs(a);
  const [N, C, H, W] = x.shape;
  const [kh, kw] = kernel;
  const [dh, dw] = dilation;
  const [oh, ow] = grid;
  const values = newCpuTensor([N, C, oh, ow], x.dtype);
  const indices = newCpuTensor([N, C, oh, ow], 'int32');
  const src = cpuContiguousData(x);
  const out = values.data;
  const idx = indices.data;
  const plane = H * W;
  let o = 0;
  for (let nc = 0; nc < N * C; nc++) {
    const base = nc * plane;
    for (let y = 0; y < oh; y++) {
      let h0 = y * stride[0] - padding[0];
      const h1 = Math.min(h0 + (kh - 1) * dh + 1, H);
      while (h0 < 0) h0 += dh;
      for (let xo = 0; xo < ow; xo++, o++) {
        let w0 = xo * stride[1] - padding[1];
        const w1 = Math.min(w0 + (kw - 1) * dw + 1, W);
        while (w0 < 0) w0 += dw;
        let best = -Infinity;
        let bestIdx = h0 * W + w0;
        for (let ih = h0; ih < h1; ih += dh) {
          const r = ih * W;
          for (let iw = w0; iw < w1; iw += dw) {
            const v = src[base + r + iw];
            if (v > best || Number.isNaN(v)) {
              best = v;
              bestIdx = r + iw;
            }
          }
        }
        out[o] = best;
        idx[o] = bestIdx;
      }
    }
  }
  return [values.tensor, indices.tensor];
};

const adaptiveMaxPool2d: Kernel = ([x], a) => {
  const [oh, ow] = a.outputSize as Pair;
  const [N, C, H, W] = x.shape;
  const values = newCpuTensor([N, C, oh, ow], x.dtype);
  const indices = newCpuTensor([N, C, oh, ow], 'int32');
  const src = cpuContiguousData(x);
  const out = values.data;
  const idx = indices.data;
  const plane = H * W;
  let o = 0;
  for (let nc = 0; nc < N * C; nc++) {
    const base = nc * plane;
    for (let y = 0; y < oh; y++) {
      const h0 = Math.floor((y * H) / oh);
      const h1 = Math.ceil(((y + 1) * H) / oh);
      for (let xo = 0; xo < ow; xo++, o++) {
        const w0 = Math.floor((xo * W) / ow);
        const w1 = Math.ceil(((xo + 1) * W) / ow);
        let best = -Infinity;
        let bestIdx = h0 * W + w0;
        for (let ih = h0; ih < h1; ih++) {
          const r = ih * W;
          for (let iw = w0; iw < w1; iw++) {
            const v = src[base + r + iw];
            if (v > best || Number.isNaN(v)) {
              best = v;
              bestIdx = r + iw;
            }
          }
        }
        out[o] = best;
        idx[o] = bestIdx;
      }
    }
  }
  return [values.tensor, indices.tensor];
};

/** Convolution and pooling kernels of the CPU backend. */
export const convKernels: Record<string, Kernel> = { im2col, col2im, maxPool2d, adaptiveMaxPool2d };
