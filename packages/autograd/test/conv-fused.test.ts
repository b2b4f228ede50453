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
