// Convolution benchmark: conv2d forward (float32, 3x3 filters, padding 1) on a 64x1x28x28 batch
// with 32 filters and on a 64x32x14x14 batch with 64 filters, plus the im2col primitive alone.
// Prints median ms, GFLOP/s (2 * N * Cout * Cin * kh * kw * oh * ow flops) and the ratio against
// a plain JS direct convolution over Float32Arrays (the reference). Run after `pnpm build`:
//   node bench/conv.bench.mjs
import { conv2d, tensor, unfold } from '@kindling/core';

/** Median seconds per call of `fn`, after warm-up. */
function time(fn, reps = 9) {
  for (let i = 0; i < 2; i++) fn();
  const samples = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

// Deterministic pseudo-random values in [-1, 1) (no dependency on the RNG module).
let seed = 12345;
function randomArray(n) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    a[i] = (seed / 2 ** 32) * 2 - 1;
  }
  return a;
}

/** Direct 3x3 convolution, stride 1, padding 1, in plain JS: the reference. */
function referenceConv(x, w, N, C, H, W, O) {
  const out = new Float32Array(N * O * H * W);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      const ob = (n * O + o) * H * W;
      for (let c = 0; c < C; c++) {
        const xb = (n * C + c) * H * W;
        const wb = (o * C + c) * 9;
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 3; j++) {
            const wv = w[wb + i * 3 + j];
            for (let y = 0; y < H; y++) {
              const iy = y + i - 1;
              if (iy < 0 || iy >= H) continue;
              const x0 = Math.max(0, 1 - j);
              const x1 = Math.min(W, W + 1 - j);
              const src = xb + iy * W + j - 1;
              const dst = ob + y * W;
              for (let xx = x0; xx < x1; xx++) out[dst + xx] += wv * x[src + xx];
            }
          }
        }
      }
    }
  }
  return out;
}

const fmt = (v, d = 2) => v.toFixed(d).padStart(8);
console.log('case                              ms   GFLOP/s   ref ms  speed-up vs ref');
for (const [N, C, H, W, O] of [
  [64, 1, 28, 28, 32],
  [64, 32, 14, 14, 64],
]) {
  const xh = randomArray(N * C * H * W);
  const wh = randomArray(O * C * 9);
  const x = tensor(xh).reshape([N, C, H, W]);
  const w = tensor(wh).reshape([O, C, 3, 3]);
  const flops = 2 * N * O * C * 9 * H * W;
  const t = time(() => conv2d(x, w, null, { padding: 1 }));
  const tRef = time(() => referenceConv(xh, wh, N, C, H, W, O), 3);
  const tCols = time(() => unfold(x, 3, { padding: 1 }));
  const name = `conv2d ${N}x${C}x${H}x${W} * ${O}x${C}x3x3`.padEnd(30);
  console.log(
    `${name}${fmt(t * 1e3)}${fmt(flops / t / 1e9)}${fmt(tRef * 1e3)}${fmt(tRef / t)}x   (im2col alone ${(tCols * 1e3).toFixed(2)} ms)`,
  );
}
