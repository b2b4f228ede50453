// The fused convolution primitives and their derivatives (derivatives/conv.ts) on inputs large
// enough that the native kernels work through several image chunks (their column buffer holds
// about 1 MiB), checked against a direct float64 convolution and its adjoint written out in this
// file, on the native and the JavaScript kernels.
import { describe, expect, it } from 'vitest';
import '../src/index.js';
import {
  conv2d,
  getBackendInfo,
  manualSeed,
  maxPool2d,
  randn,
  type Tensor,
  useNativeKernels,
} from '@kindling/core';

const [N, C, H, W, CO, KH, KW, PAD] = [3, 2, 90, 90, 3, 3, 3, 1];
const OH = H + 2 * PAD - KH + 1;
const OW = W + 2 * PAD - KW + 1;

const at = (d: ArrayLike<number>, dims: number[], idx: number[]) =>
  d[idx.reduce((acc, v, i) => acc * dims[i] + v, 0)];

/** Direct convolution (stride 1, zero padding PAD) and its gradients for the upstream gradient g. */
function reference(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number>, g: ArrayLike<number>) {
  const out = new Float64Array(N * CO * OH * OW);
  const dx = new Float64Array(N * C * H * W);
  const dw = new Float64Array(CO * C * KH * KW);
  const db = new Float64Array(CO);
  for (let n = 0; n < N; n++) {
    for (let co = 0; co < CO; co++) {
      for (let y = 0; y < OH; y++) {
        for (let xo = 0; xo < OW; xo++) {
          const o = ((n * CO + co) * OH + y) * OW + xo;
          const go = g[o];
          let s = b[co];
          db[co] += go;
          for (let ci = 0; ci < C; ci++) {
            for (let i = 0; i < KH; i++) {
              const iy = y + i - PAD;
              if (iy < 0 || iy >= H) continue;
              for (let j = 0; j < KW; j++) {
                const ix = xo + j - PAD;
                if (ix < 0 || ix >= W) continue;
                const xi = ((n * C + ci) * H + iy) * W + ix;
                const wi = ((co * C + ci) * KH + i) * KW + j;
                s += x[xi] * w[wi];
                dx[xi] += go * w[wi];
                dw[wi] += go * x[xi];
              }
            }
          }
          out[o] = s;
        }
      }
    }
  }
  return { out, dx, dw, db };
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  }
  expect(worst, `${what}: worst relative error`).toBeLessThan(1e-4);
}

describe.each(['native', 'js'] as const)('fused conv2d over several image chunks (%s kernels)', (set) => {
  it('output and the input, weight and bias gradients match a direct convolution', () => {
    useNativeKernels(set === 'native');
    if (set === 'native' && !getBackendInfo().nativeAvailable) return;
    manualSeed(11);
    const x = randn([N, C, H, W]).requiresGrad_();
    const w = randn([CO, C, KH, KW]).requiresGrad_();
    const b = randn([CO]).requiresGrad_();
    const g = randn([N, CO, OH, OW]);
    const out = conv2d(x, w, b, { padding: PAD });
    out.mul(g).sum().backward();
    const ref = reference(x.dataSync(), w.dataSync(), b.dataSync(), g.dataSync());
    expectClose(out.dataSync(), ref.out, 'output');
    expectClose((x.grad as Tensor).dataSync(), ref.dx, 'input gradient');
    expectClose((w.grad as Tensor).dataSync(), ref.dw, 'weight gradient');
    expectClose((b.grad as Tensor).dataSync(), ref.db, 'bias gradient');
    expect(getBackendInfo().kernels).toBe(set);
  });

  it('max pooling 2x2 sends each gradient to the maximum of its window', () => {
    useNativeKernels(set === 'native');
    if (set === 'native' && !getBackendInfo().nativeAvailable) return;
    manualSeed(12);
    const x = randn([2, 3, 10, 8]).requiresGrad_();
    const y = maxPool2d(x, 2);
    const g = randn(y.shape);
    y.mul(g).sum().backward();
    const xd = x.dataSync();
    const gd = g.dataSync();
    const want = new Float64Array(xd.length);
    for (let p = 0; p < 6; p++) {
      for (let oy = 0; oy < 5; oy++) {
        for (let ox = 0; ox < 4; ox++) {
          let best = -Infinity;
          let bi = -1;
          for (let i = 0; i < 2; i++) {
            for (let j = 0; j < 2; j++) {
              const k = p * 80 + (2 * oy + i) * 8 + 2 * ox + j;
              if (xd[k] > best) [best, bi] = [xd[k], k];
            }
          }
          want[bi] += gd[p * 20 + oy * 4 + ox];
          expect(at(y.dataSync(), [6, 5, 4], [p, oy, ox])).toBe(best);
        }
      }
    }
    expectClose((x.grad as Tensor).dataSync(), want, 'pooling gradient');
  });
});

/** A convolution geometry: input [n, c, h, w], cout filters of k = [kh, kw], stride, padding, dilation. */
interface Geometry {
  name: string;
  n: number;
  c: number;
  h: number;
  w: number;
  cout: number;
  k: [number, number];
  stride?: [number, number];
  padding?: [number, number] | 'same';
  dilation?: [number, number];
}

/** Direct float64 convolution of any geometry (as PyTorch: 'same' puts the odd extra zero bottom / right). */
function referenceOf(
  gm: Geometry,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  b: ArrayLike<number>,
  g: ArrayLike<number>,
) {
  const { n: N_, c: C_, h: H_, w: W_, cout: CO_ } = gm;
  const [kh, kw] = gm.k;
  const [sh, sw] = gm.stride ?? [1, 1];
  const [dh, dw] = gm.dilation ?? [1, 1];
  const same = gm.padding === 'same';
  const [ph, pw] = same
    ? [Math.floor((dh * (kh - 1)) / 2), Math.floor((dw * (kw - 1)) / 2)]
    : ((gm.padding as [number, number]) ?? [0, 0]);
  const oh = same ? H_ : Math.floor((H_ + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
  const ow = same ? W_ : Math.floor((W_ + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
  const out = new Float64Array(N_ * CO_ * oh * ow);
  const dx = new Float64Array(N_ * C_ * H_ * W_);
  const dwt = new Float64Array(CO_ * C_ * kh * kw);
  for (let n = 0; n < N_; n++) {
    for (let co = 0; co < CO_; co++) {
      for (let y = 0; y < oh; y++) {
        for (let xo = 0; xo < ow; xo++) {
          const o = ((n * CO_ + co) * oh + y) * ow + xo;
          let s = b[co];
          for (let ci = 0; ci < C_; ci++) {
            for (let i = 0; i < kh; i++) {
              const iy = y * sh + i * dh - ph;
              if (iy < 0 || iy >= H_) continue;
              for (let j = 0; j < kw; j++) {
                const ix = xo * sw + j * dw - pw;
                if (ix < 0 || ix >= W_) continue;
                const xi = ((n * C_ + ci) * H_ + iy) * W_ + ix;
                const wi = ((co * C_ + ci) * kh + i) * kw + j;
                s += x[xi] * w[wi];
                dx[xi] += g[o] * w[wi];
                dwt[wi] += g[o] * x[xi];
              }
            }
          }
          out[o] = s;
        }
      }
    }
  }
  return { out, dx, dw: dwt, shape: [N_, CO_, oh, ow] };
}

// The geometries the native kernels treat differently: stride 1 (direct kernels; junk columns of
// the padded grid, flipped-weight input gradient), strides and dilations, 1x1, padding beyond the
// kernel, 'same' with an even kernel (one more zero bottom / right), one image, many channels
// (whole 32-lane panels, several row tiles), a valid 5x5 on a small grid (the column path for the
// input gradient).
const GEOMETRIES: Geometry[] = [
  { name: 'stride 2, pad 1', n: 2, c: 3, h: 11, w: 10, cout: 5, k: [3, 3], stride: [2, 2], padding: [1, 1] },
  {
    name: 'dilation 2, pad 2',
    n: 2,
    c: 4,
    h: 12,
    w: 9,
    cout: 3,
    k: [3, 3],
    padding: [2, 2],
    dilation: [2, 2],
  },
  {
    name: 'dilation (2, 1), stride (1, 2)',
    n: 2,
    c: 3,
    h: 10,
    w: 11,
    cout: 4,
    k: [3, 2],
    stride: [1, 2],
    padding: [1, 0],
    dilation: [2, 1],
  },
  { name: '1x1', n: 3, c: 5, h: 7, w: 6, cout: 9, k: [1, 1] },
  { name: 'padding larger than the kernel', n: 2, c: 2, h: 5, w: 6, cout: 3, k: [2, 3], padding: [3, 4] },
  { name: "'same', even kernel", n: 2, c: 3, h: 9, w: 8, cout: 4, k: [4, 2], padding: 'same' },
  { name: 'one image', n: 1, c: 3, h: 13, w: 12, cout: 7, k: [3, 3], padding: [1, 1] },
  {
    name: 'C 32 -> 64 (whole panels, several row tiles)',
    n: 2,
    c: 32,
    h: 7,
    w: 6,
    cout: 64,
    k: [3, 3],
    padding: [1, 1],
  },
  { name: 'C 33 -> 35', n: 2, c: 33, h: 6, w: 7, cout: 35, k: [3, 3], padding: [1, 1] },
  { name: 'valid 5x5, 6 -> 16 (LeNet conv2)', n: 3, c: 6, h: 14, w: 14, cout: 16, k: [5, 5] },
  {
    name: 'one input channel, 5x5 pad 2 (LeNet conv1)',
    n: 2,
    c: 1,
    h: 28,
    w: 28,
    cout: 6,
    k: [5, 5],
    padding: [2, 2],
  },
];

describe.each(['native', 'js'] as const)('fused conv2d geometries (%s kernels)', (set) => {
  it.each(GEOMETRIES)('$name: output and gradients match a direct convolution', (gm) => {
    useNativeKernels(set === 'native');
    if (set === 'native' && !getBackendInfo().nativeAvailable) return;
    manualSeed(13);
    const x = randn([gm.n, gm.c, gm.h, gm.w]).requiresGrad_();
    const w = randn([gm.cout, gm.c, ...gm.k]).requiresGrad_();
    const b = randn([gm.cout]).requiresGrad_();
    const out = conv2d(x, w, b, { stride: gm.stride, padding: gm.padding, dilation: gm.dilation });
    const g = randn(out.shape);
    out.mul(g).sum().backward();
    const ref = referenceOf(gm, x.dataSync(), w.dataSync(), b.dataSync(), g.dataSync());
    expect(out.shape).toEqual(ref.shape);
    expectClose(out.dataSync(), ref.out, 'output');
    expectClose((x.grad as Tensor).dataSync(), ref.dx, 'input gradient');
    expectClose((w.grad as Tensor).dataSync(), ref.dw, 'weight gradient');
    expect(getBackendInfo().kernels).toBe(set);
  });
});
