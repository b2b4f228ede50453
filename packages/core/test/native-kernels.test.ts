// The native CPU kernels (packages/core/native) against independent references computed here
// from the raw float32 data: GEMM over every blocking edge, transposed / sliced / broadcast
// operands and threads; elementwise ops (bit-exact: the addon computes what the JavaScript
// kernels compute); sums; im2col / col2im. Each instruction set the CPU supports is exercised
// (AVX-512, AVX2, generic) by lowering the addon's ISA. Skipped where the addon is not built or
// KINDLING_NATIVE=0 (the golden suites then cover the JavaScript kernels, which js-kernels.test.ts
// re-runs anyway).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import * as K from '@kindling/core';
import { lcgValues } from './helpers/lcg.js';
import { nativeAddon } from '../src/backends/cpu/native.js';

const built = existsSync(
  fileURLToPath(new URL('../native/build/Release/kindling_native.node', import.meta.url)),
);
const addon = nativeAddon();
// Built and not switched off: then the addon must have loaded (a load failure is a bug).
const enabled = built && process.env.KINDLING_NATIVE !== '0';
const ISAS = ['avx512', 'avx2', 'generic'];

type T = K.Tensor;

const { values, rand } = lcgValues(7);

/** The float32 storage of a tensor and the flat index of an element (for strided references). */
function raw(t: T): Float32Array {
  return t.storage.handle as Float32Array;
}
function at(t: T, idx: number[]): number {
  let p = t.offset;
  for (let d = 0; d < idx.length; d++) p += idx[d] * t.strides[d];
  return raw(t)[p];
}

/** Checks bmm(a, b) ([B,M,K] @ [B,K,N], any strides) against a float64 product of the raw data. */
function checkBmm(a: T, b: T): void {
  const [B, M, Kd] = a.shape;
  const N = b.shape[2];
  const out = K.bmm(a, b);
  expect(out.shape).toEqual([B, M, N]);
  const got = out.dataSync() as Float32Array;
  for (let p = 0; p < B; p++) {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        let mag = 0;
        for (let k = 0; k < Kd; k++) {
          const v = at(a, [p, i, k]) * at(b, [p, k, j]);
          s += v;
          mag += Math.abs(v);
        }
        const g = got[(p * M + i) * N + j];
        if (!(Math.abs(g - s) <= 2e-6 * mag + 1e-7)) {
          throw new Error(`bmm ${a.shape}x${b.shape}: [${p},${i},${j}] = ${g}, expected ${s}`);
        }
      }
    }
  }
}

describe('native kernels: build', () => {
  // CI installs with a compiler, so a failed build must fail the run rather than skip these tests.
  it.skipIf(!process.env.CI || process.env.KINDLING_NATIVE === '0')('is built by the install in CI', () => {
    expect(built).toBe(true);
  });
});

describe.skipIf(!enabled)('native kernels: loading', () => {
  it('loads the built addon and reports it', () => {
    const info = K.getBackendInfo();
    expect(addon).not.toBeNull();
    expect(info.kernels).toBe('native');
    expect(info.nativeAvailable).toBe(true);
    expect(ISAS).toContain(info.isa);
    expect(info.threads).toBe(1);
  });

  it('switches to the JavaScript kernels and back', () => {
    expect(K.useNativeKernels(false)).toBe(false);
    expect(K.getBackendInfo()).toMatchObject({ kernels: 'js', nativeAvailable: true, isa: null });
    const a = rand([3, 4]);
    expect(Array.from(K.matmul(a, a.t()).dataSync()).length).toBe(9);
    expect(K.useNativeKernels(true)).toBe(true);
    expect(K.getBackendInfo().kernels).toBe('native');
  });

  it('validates setNumThreads and reports the thread count', () => {
    expect(() => K.setNumThreads(0)).toThrow(K.ValueError);
    expect(() => K.setNumThreads(1.5)).toThrow(K.ValueError);
    expect(K.setNumThreads(2)).toBe(2);
    expect(K.getNumThreads()).toBe(2);
    expect(K.setNumThreads(1)).toBe(1);
  });

  it('refuses out-of-bounds specs and wrong array types instead of touching memory', () => {
    const a = new Float32Array(4);
    const spec = new Float64Array([1, 2, 2, 2, 0, 4, 2, 1, 1, 4, 2, 1]); // b's offset 1 runs past its end
    expect(() => addon!.bmm(a, a, new Float32Array(4), spec)).toThrow(RangeError);
    expect(() => addon!.bmm(new Float64Array(4) as never, a, a, spec)).toThrow(TypeError);
    const ew = new Float64Array([1, 8, 0, 1, 0, 1]); // 8 elements of 4-element arrays
    expect(() => addon!.binary(0, new Float32Array(8), a, a, ew)).toThrow(RangeError);
    expect(() => addon!.sum(a, a, new Float64Array([1, 5, 1, 0]))).toThrow(RangeError);
    expect(() =>
      addon!.im2col(a, a, new Float64Array([1, 1, 2, 2, 1, 1, 1, 1, 0, 0, 1, 1, 3, 3, 0])),
    ).toThrow(RangeError);
  });
});

for (const isa of ISAS) {
  describe.skipIf(!addon)(`native kernels (${isa})`, () => {
    const active = () => addon!.setIsa(isa) === isa;
    afterAll(() => {
      addon?.setIsa('best');
      K.setNumThreads(1);
    });

    it('bmm over blocking edges, transposed, sliced and broadcast operands', ({ skip }) => {
      if (!active()) skip(`CPU lacks ${isa}`);
      const sizes = [1, 5, 13, 14, 15, 17, 31, 32, 33, 47];
      for (const m of sizes) {
        for (const n of sizes) checkBmm(rand([1, m, 9]), rand([1, 9, n]));
      }
      // Depth over the KC block, rows over MC, columns over NC; transposed operands; K = 1.
      checkBmm(rand([1, 20, 400]), rand([1, 400, 37]));
      checkBmm(rand([1, 200, 3]), rand([1, 3, 50]));
      checkBmm(rand([1, 3, 5]), rand([1, 5, 4200]));
      checkBmm(rand([2, 30, 1]), rand([2, 1, 40]));
      checkBmm(rand([2, 40, 30]).transpose(1, 2), rand([2, 50, 40]).transpose(1, 2));
      checkBmm(rand([3, 7, 33]), rand([1, 33, 19]).expand([3, 33, 19]));
      checkBmm(rand([1, 16, 8]).expand([4, 16, 8]), rand([4, 8, 70]));
      // Matrix-vector and vector-matrix shapes (the transposed-product path) and a sliced view.
      checkBmm(rand([1, 300, 64]), rand([1, 64, 1]));
      checkBmm(rand([1, 1, 64]), rand([1, 64, 300]));
      checkBmm(rand([2, 50, 10]), rand([2, 10, 3]));
      const big = rand([2, 30, 50]);
      checkBmm(big.index([K.sliceOf(), K.sliceOf(1, 25, 2), K.sliceOf(3, 43)]), rand([2, 40, 21]));
      // Empty products.
      expect(K.bmm(rand([2, 3, 0]), rand([2, 0, 4])).dataSync()).toEqual(new Float32Array(24));
      expect(K.bmm(rand([0, 3, 2]), rand([0, 2, 4])).shape).toEqual([0, 3, 4]);
    });

    it('bmm with two threads (one large product, many small ones)', ({ skip }) => {
      if (!active()) skip(`CPU lacks ${isa}`);
      K.setNumThreads(2);
      checkBmm(rand([1, 150, 130]), rand([1, 130, 120]));
      checkBmm(rand([1, 5, 300]), rand([1, 300, 700]));
      checkBmm(rand([8, 64, 64]), rand([8, 64, 64]));
      K.setNumThreads(1);
    });

    it('elementwise ops equal the float32 result of the same JavaScript arithmetic', ({ skip }) => {
      if (!active()) skip(`CPU lacks ${isa}`);
      const data = values(40 * 33);
      data[5] = Number.NaN;
      data[6] = Number.POSITIVE_INFINITY;
      data[7] = -0;
      data[8] = Number.NEGATIVE_INFINITY;
      const x = K.tensor(data).reshape([40, 33]);
      const y = rand([40, 33]);
      const row = rand([33]);
      const f = Math.fround;
      const binary: [string, (a: T, b: T) => T, (a: number, b: number) => number][] = [
        ['add', K.add, (a, b) => f(a + b)],
        ['sub', K.sub, (a, b) => f(a - b)],
        ['mul', K.mul, (a, b) => f(a * b)],
        ['div', K.div, (a, b) => f(a / b)],
        // biome-ignore lint/complexity/useMathMinMax: the kernels' order of ±0 (a > b ? a : b), not Math.max's
        ['maximum', K.maximum, (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : a > b ? a : b)],
        // biome-ignore lint/complexity/useMathMinMax: the kernels' order of ±0 (a < b ? a : b), not Math.min's
        ['minimum', K.minimum, (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : a < b ? a : b)],
        ['lt', K.lt, (a, b) => +(a < b)],
        ['ge', K.ge, (a, b) => +(a >= b)],
        ['eq', K.eq, (a, b) => +(a === b)],
        ['ne', K.ne, (a, b) => +(a !== b)],
      ];
      // Same shape; a broadcast row (stride 0 outer dim); a transposed operand; a scalar.
      const pairs: [T, T][] = [
        [x, y],
        [x, row],
        [x, y.t().contiguous().t()],
        [x.t(), y.t()],
        [x, K.tensor(0.5)],
      ];
      for (const [name, op, ref] of binary) {
        for (const [a, b] of pairs) {
          const out = op(a, b);
          const bb = b.expand(a.shape);
          const got = out.dataSync();
          const [R, C] = a.shape;
          for (let i = 0; i < R; i++) {
            for (let j = 0; j < C; j++) {
              const want = ref(at(a, [i, j]), bb.ndim === 0 ? at(bb, []) : at(bb, [i, j]));
              const g = got[i * C + j];
              if (!Object.is(g, want) && !(Number.isNaN(g) && Number.isNaN(want))) {
                throw new Error(`${name} ${a.shape} [${i},${j}]: ${g}, expected ${want}`);
              }
            }
          }
        }
      }
      const unary: [string, (a: T) => T, (a: number) => number][] = [
        ['neg', K.neg, (a) => -a],
        ['abs', K.abs, (a) => Math.abs(a)],
        ['relu', K.relu, (a) => (a > 0 ? a : Number.isNaN(a) ? a : 0)],
        ['sqrt', K.sqrt, (a) => f(Math.sqrt(a))],
        ['square', K.square, (a) => f(a * a)],
      ];
      for (const [name, op, ref] of unary) {
        for (const a of [x, x.t()]) {
          const got = op(a).dataSync();
          const [R, C] = a.shape;
          for (let i = 0; i < R; i++) {
            for (let j = 0; j < C; j++) {
              const want = ref(at(a, [i, j]));
              const g = got[i * C + j];
              if (!Object.is(g, want) && !(Number.isNaN(g) && Number.isNaN(want))) {
                throw new Error(`${name} [${i},${j}]: ${g}, expected ${want}`);
              }
            }
          }
        }
      }
      const cond = K.gt(y, 0);
      const w = K.where(cond, x, 0).dataSync();
      const c = cond.dataSync();
      for (let i = 0; i < w.length; i++) {
        if (!Object.is(w[i], c[i] ? data[i] : 0))
          throw new Error(`where [${i}]: ${w[i]}, expected ${data[i]}`);
      }
    });

    it('transcendental ops: within 1 ULP of the double-precision formula (the float approximations: 3)', ({
      skip,
    }) => {
      if (!active()) skip(`CPU lacks ${isa}`);
      // Every float32 in [-12, 12] at 1/64 steps, tiny values and the special cases.
      const list: number[] = [];
      for (let v = -12; v <= 12; v += 1 / 64) list.push(v);
      list.push(1e-30, -1e-30, 3e-8, -3e-8, 1e-4, 0.6249, 0.6251, Number.NaN, 0, -0, 40, -40);
      list.push(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY);
      const x = K.tensor(Float32Array.from(list));
      const bits = new Float32Array(2);
      const ints = new Int32Array(bits.buffer);
      const ulps = (a: number, b: number) => {
        bits[0] = a;
        bits[1] = b;
        return Math.abs(ints[0] - ints[1]);
      };
      const sigmoid = (a: number) => (a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a)));
      const gk = Math.sqrt(2 / Math.PI);
      const cases: [string, (t: T) => T, (a: number) => number, number][] = [
        ['exp', K.exp, Math.exp, 1],
        ['log', K.log, Math.log, 1],
        ['sigmoid', K.sigmoid, sigmoid, 3],
        ['tanh', K.tanh, Math.tanh, 3],
        [
          'gelu (tanh)',
          (t) => K.gelu(t, { approximate: 'tanh' }),
          (a) => 0.5 * a * (1 + Math.tanh(gk * (a + 0.044715 * a ** 3))),
          3,
        ],
      ];
      for (const [name, op, ref, tol] of cases) {
        const got = op(x).dataSync();
        for (let i = 0; i < list.length; i++) {
          const want = Math.fround(ref(list[i]));
          const g = got[i];
          // GELU's left tail is 0.5 x (1 + tanh), which float cancels to 0 (so does PyTorch's):
          // there, an absolute error below 1e-7 is the float result.
          const close =
            Object.is(g, want) ||
            ulps(g, want) <= tol ||
            (name.startsWith('gelu') && Math.abs(g - want) < 1e-7);
          if (Number.isNaN(want) ? !Number.isNaN(g) : !close) {
            throw new Error(`${name}(${list[i]}): ${g}, expected ${want} (within ${tol} ULP)`);
          }
        }
      }
    });

    it('copies strided views (contiguous, copy_) without touching anything else', ({ skip }) => {
      if (!active()) skip(`CPU lacks ${isa}`);
      const x = rand([30, 40]);
      const xt = x.t();
      const c = K.contiguous(xt).dataSync();
      for (let i = 0; i < 40; i++) {
        for (let j = 0; j < 30; j++) expect(c[i * 30 + j]).toBe(at(x, [j, i]));
      }
      // copy_ into rows 2..31 of a larger tensor, from a transposed source and from a broadcast row.
      const big = K.zeros([34, 30]);
      const rows = big.index([K.sliceOf(2, 32)]);
      const version = big.storage.version;
      K.copy_(rows, xt.index([K.sliceOf(0, 30)]));
      expect(big.storage.version).toBeGreaterThan(version);
      const b = big.dataSync();
      for (let i = 0; i < 34; i++) {
        for (let j = 0; j < 30; j++) expect(b[i * 30 + j]).toBe(i < 2 || i >= 32 ? 0 : at(x, [j, i - 2]));
      }
      const row = rand([30]);
      K.copy_(rows, row);
      const r = big.dataSync();
      for (let i = 2; i < 32; i++) {
        for (let j = 0; j < 30; j++) expect(r[i * 30 + j]).toBe(at(row, [j]));
      }
      // A source that shares the destination's storage goes through a separate copy.
      const sq = rand([32, 32]);
      const before = Float32Array.from(sq.dataSync());
      K.copy_(sq, sq.t());
      const sd = sq.dataSync();
      for (let i = 0; i < 32; i++) {
        for (let j = 0; j < 32; j++) expect(sd[i * 32 + j]).toBe(before[j * 32 + i]);
      }
    });

    it('max pooling with padding, dilation, ceil mode and NaN', ({ skip }) => {
      if (!active()) skip(`CPU lacks ${isa}`);
      const data = values(2 * 3 * 11 * 13);
      data[40] = Number.NaN;
      const x = K.tensor(data).reshape([2, 3, 11, 13]);
      for (const [k, s, p, d, ceil] of [
        [2, 2, 0, 1, false],
        [3, 2, 1, 1, true],
        [3, 1, 1, 2, false],
      ] as [number, number, number, number, boolean][]) {
        const { values: vals, indices: idx } = K.maxPool2d(x, k, {
          stride: s,
          padding: p,
          dilation: d,
          ceilMode: ceil,
          returnIndices: true,
        });
        const [, , oh, ow] = vals.shape;
        const v = vals.dataSync();
        const ix = idx.dataSync();
        for (let n = 0; n < 6; n++) {
          for (let y = 0; y < oh; y++) {
            for (let z = 0; z < ow; z++) {
              let best = Number.NEGATIVE_INFINITY;
              let bestIdx = -1;
              for (let i = 0; i < k; i++) {
                for (let j = 0; j < k; j++) {
                  const iy = y * s - p + i * d;
                  const iz = z * s - p + j * d;
                  if (iy < 0 || iy >= 11 || iz < 0 || iz >= 13) continue;
                  const e = data[n * 143 + iy * 13 + iz];
                  if (bestIdx < 0 || e > best || Number.isNaN(e)) {
                    best = e;
                    bestIdx = iy * 13 + iz;
                  }
                }
              }
              const o = (n * oh + y) * ow + z;
              expect(Object.is(v[o], best) || (Number.isNaN(v[o]) && Number.isNaN(best))).toBe(true);
              expect(ix[o]).toBe(bestIdx);
            }
          }
        }
      }
    });

    it('sums over leading, middle, trailing and all dims', ({ skip }) => {
      if (!active()) skip(`CPU lacks ${isa}`);
      const x = rand([6, 50, 7]);
      const [A, B, C] = x.shape;
      const ref = (keep: (i: number, j: number, k: number) => number, n: number) => {
        const out = new Float64Array(n);
        for (let i = 0; i < A; i++) {
          for (let j = 0; j < B; j++) for (let k = 0; k < C; k++) out[keep(i, j, k)] += at(x, [i, j, k]);
        }
        return out;
      };
      const cases: [T, Float64Array, number[]][] = [
        [K.sum(x, 2), ref((i, j) => i * B + j, A * B), [A, B]],
        [K.sum(x, 1, { keepdim: true }), ref((i, _j, k) => i * C + k, A * C), [A, 1, C]],
        [K.sum(x, 0), ref((_i, j, k) => j * C + k, B * C), [B, C]],
        [K.sum(x, [0, 1]), ref((_i, _j, k) => k, C), [C]],
        [K.sum(x), ref(() => 0, 1), []],
      ];
      for (const [got, want, shape] of cases) {
        expect(got.shape).toEqual(shape);
        const g = got.dataSync();
        for (let i = 0; i < want.length; i++) expect(Math.abs(g[i] - want[i])).toBeLessThanOrEqual(1e-5);
      }
    });

    it('im2col / col2im with padding, stride, dilation and a pad value', ({ skip }) => {
      if (!active()) skip(`CPU lacks ${isa}`);
      const N = 2;
      const Cc = 3;
      const H = 9;
      const W = 11;
      const x = rand([N, Cc, H, W]);
      for (const [kh, kw, sh, sw, ph, pw, dh, dw] of [
        [3, 3, 1, 1, 1, 1, 1, 1],
        [2, 3, 2, 3, 0, 2, 2, 1],
        [5, 5, 1, 2, 2, 2, 1, 1],
      ]) {
        const oh = Math.floor((H + 2 * ph - dh * (kh - 1) - 1) / sh) + 1;
        const ow = Math.floor((W + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
        const cols = K.unfold(x, [kh, kw], { stride: [sh, sw], padding: [ph, pw], dilation: [dh, dw] });
        expect(cols.shape).toEqual([N, Cc * kh * kw, oh * ow]);
        const got = cols.dataSync();
        const back = new Float64Array(N * Cc * H * W);
        let o = 0;
        for (let n = 0; n < N; n++) {
          for (let c = 0; c < Cc; c++) {
            for (let i = 0; i < kh; i++) {
              for (let j = 0; j < kw; j++) {
                for (let y = 0; y < oh; y++) {
                  for (let z = 0; z < ow; z++, o++) {
                    const iy = y * sh - ph + i * dh;
                    const ix = z * sw - pw + j * dw;
                    const inside = iy >= 0 && iy < H && ix >= 0 && ix < W;
                    expect(got[o]).toBe(inside ? at(x, [n, c, iy, ix]) : 0);
                    if (inside) back[((n * Cc + c) * H + iy) * W + ix] += got[o];
                  }
                }
              }
            }
          }
        }
        const folded = K.fold(cols, [H, W], [kh, kw], {
          stride: [sh, sw],
          padding: [ph, pw],
          dilation: [dh, dw],
        });
        const f = folded.dataSync();
        for (let i = 0; i < f.length; i++) expect(Math.abs(f[i] - back[i])).toBeLessThanOrEqual(1e-5);
      }
      // A pad value other than zero (max pooling's -inf through the im2col primitive).
      const padded = K.dispatch1('im2col', [x], {
        kernel: [2, 2],
        dilation: [1, 1],
        padding: [1, 1],
        stride: [2, 2],
        grid: [5, 6],
        padValue: Number.NEGATIVE_INFINITY,
      });
      expect(padded.dataSync()[0]).toBe(Number.NEGATIVE_INFINITY);
      expect(padded.dataSync()[3 * 30 + 7]).toBe(at(x, [0, 0, 2, 2]));
    });
  });
}
