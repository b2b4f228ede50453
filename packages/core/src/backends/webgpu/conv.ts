/**
 * Convolution/pooling kernels of the WebGPU backend (primitive contracts: backends/cpu/conv.ts).
 * Every kernel runs one invocation per output element and reads its input through strides.
 * `col2im` is written as a gather (each image pixel sums the column entries that read it, in the
 * CPU's (i, j) order), so it needs no atomics and gives the CPU's sums bit for bit.
 */
import type { Kernel } from '../../backend.js';
import type { Attrs } from '../../dispatch.js';
import { bufferOf, gpuType, newGpuTensor } from './memory.js';
import { decl, f32word, launch, main1d, metaDecl } from './shader.js';

type Pair = [number, number];

/** Window attrs as meta words: kh, kw, dh, dw, ph, pw, sh, sw, oh, ow. */
function windowWords(a: Attrs): number[] {
  const k = a.kernel as Pair;
  const d = a.dilation as Pair;
  const p = a.padding as Pair;
  const s = a.stride as Pair;
  const g = a.grid as Pair;
  return [k[0], k[1], d[0], d[1], p[0], p[1], s[0], s[1], g[0], g[1]];
}

/** WGSL `let` bindings of the window words stored from `prm[at]` on. */
function windowLets(at: number): string {
  return ['kh', 'kw', 'dh', 'dw', 'ph', 'pw', 'sh', 'sw', 'oh', 'ow']
    .map((n, i) => `let ${n} = prm[${at + i}];`)
    .join(' ');
}

const im2col: Kernel = ([x], a) => {
  const [N, C, H, W] = x.shape;
  const w = windowWords(a);
  const K = C * w[0] * w[1];
  const L = w[8] * w[9];
  const out = newGpuTensor([N, K, L], x.dtype);
  if (out.numel === 0) return [out];
  const t = gpuType(x.dtype);
  const pad = (a.padValue as number) ?? 0;
  const source = () => `${decl(0, 'x', t)}
${decl(1, 'out', t, true)}
${metaDecl(2)}
${main1d(`let xoff = prm[1]; let sN = prm[2]; let sC = prm[3]; let sH = prm[4]; let sW = prm[5];
  let C = prm[6]; let H = prm[7]; let W = prm[8];
  ${windowLets(9)}
  let L = oh * ow;
  let K = C * kh * kw;
  let l = i % L;
  let row = (i / L) % K;
  let n = i / (L * K);
  let j = row % kw;
  let ii = (row / kw) % kh;
  let c = row / (kw * kh);
  let iy = (l / ow) * sh - ph + ii * dh;
  let ix = (l % ow) * sw - pw + j * dw;
  if (iy < 0 || iy >= H || ix < 0 || ix >= W) { out[i] = ${t === 'f32' ? 'bitcast<f32>(prm[19])' : 'prm[19]'}; return; }
  out[i] = x[xoff + n * sN + c * sC + iy * sH + ix * sW];`)}`;
  const meta = [0, x.offset, ...x.strides, C, H, W, ...w, t === 'f32' ? f32word(pad) : pad | 0];
  launch(`im2col|${t}`, source, [bufferOf(x), bufferOf(out)], meta, out.numel);
  return [out];
};

const col2im: Kernel = ([cols], a) => {
  const [H, W] = a.outputSize as Pair;
  const w = windowWords(a);
  const N = cols.shape[0];
  const C = cols.shape[1] / (w[0] * w[1]);
  const out = newGpuTensor([N, C, H, W], cols.dtype);
  if (out.numel === 0) return [out];
  const t = gpuType(cols.dtype);
  const source = () => `${decl(0, 'cols', t)}
${decl(1, 'out', t, true)}
${metaDecl(2)}
${main1d(`let coff = prm[1]; let s0 = prm[2]; let s1 = prm[3]; let s2 = prm[4];
  let C = prm[5]; let H = prm[6]; let W = prm[7];
  ${windowLets(8)}
  let wq = i % W;
  let hq = (i / W) % H;
  let c = (i / (W * H)) % C;
  let n = i / (W * H * C);
  var acc: ${t} = ${t}(0);
  for (var ii = 0; ii < kh; ii = ii + 1) {
    let ty = hq + ph - ii * dh;
    if (ty < 0 || ty % sh != 0 || ty / sh >= oh) { continue; }
    let y = ty / sh;
    for (var j = 0; j < kw; j = j + 1) {
      let tx = wq + pw - j * dw;
      if (tx < 0 || tx % sw != 0 || tx / sw >= ow) { continue; }
      acc = acc + cols[coff + n * s0 + ((c * kh + ii) * kw + j) * s1 + (y * ow + tx / sw) * s2];
    }
  }
  out[i] = acc;`)}`;
  const meta = [0, cols.offset, ...cols.strides, C, H, W, ...w];
  launch(`col2im|${t}`, source, [bufferOf(cols), bufferOf(out)], meta, out.numel);
  return [out];
};

/** A max-pooling kernel; `windowCode` sets h0, h1, w0, w1, dh, dw for output (y, xo). */
function poolKernel(
  name: string,
  outSize: (a: Attrs) => Pair,
  words: (a: Attrs) => number[],
  windowCode: string,
): Kernel {
  return ([x], a) => {
    const [N, C, H, W] = x.shape;
    const [oh, ow] = outSize(a);
    const values = newGpuTensor([N, C, oh, ow], x.dtype);
    const indices = newGpuTensor([N, C, oh, ow], 'int32');
    if (values.numel === 0) return [values, indices];
    const t = gpuType(x.dtype);
    const source = () => `${decl(0, 'x', t)}
${decl(1, 'vals', t, true)}
${decl(2, 'idx', 'i32', true)}
${metaDecl(3)}
${main1d(`let xoff = prm[1]; let sN = prm[2]; let sC = prm[3]; let sH = prm[4]; let sW = prm[5];
  let C = prm[6]; let H = prm[7]; let W = prm[8]; let oh = prm[9]; let ow = prm[10];
  let xo = i % ow;
  let y = (i / ow) % oh;
  let c = (i / (ow * oh)) % C;
  let n = i / (ow * oh * C);
  ${windowCode}
  let base = xoff + n * sN + c * sC;
  var best: ${t} = ${t === 'f32' ? '-k_inf()' : 'i32(-2147483647 - 1)'};
  var bi = h0 * W + w0;
  for (var ih = h0; ih < h1; ih = ih + dh) {
    for (var iw = w0; iw < w1; iw = iw + dw) {
      let v = x[base + ih * sH + iw * sW];
      if (v > best${t === 'f32' ? ' || k_isnan(v)' : ''}) { best = v; bi = ih * W + iw; }
    }
  }
  vals[i] = best;
  idx[i] = bi;`)}`;
    const meta = [0, x.offset, ...x.strides, C, H, W, oh, ow, ...words(a)];
    launch(`${name}|${t}`, source, [bufferOf(x), bufferOf(values), bufferOf(indices)], meta, values.numel);
    return [values, indices];
  };
}

const maxPool2d = poolKernel(
  'maxPool2d',
  (a) => a.grid as Pair,
  (a) => {
    const w = windowWords(a);
    return w.slice(0, 8);
  },
  `let kh = prm[11]; let kw = prm[12]; let dh = prm[13]; let dw = prm[14];
  let ph = prm[15]; let pw = prm[16]; let sh = prm[17]; let sw = prm[18];
  var h0 = y * sh - ph;
  let h1 = min(h0 + (kh - 1) * dh + 1, H);
  loop { if (h0 >= 0) { break; } h0 = h0 + dh; }
  var w0 = xo * sw - pw;
  let w1 = min(w0 + (kw - 1) * dw + 1, W);
  loop { if (w0 >= 0) { break; } w0 = w0 + dw; }`,
);

const adaptiveMaxPool2d = poolKernel(
  'adaptiveMaxPool2d',
  (a) => a.outputSize as Pair,
  () => [],
  `let dh = 1; let dw = 1;
  let h0 = (y * H) / oh;
  let h1 = ((y + 1) * H + oh - 1) / oh;
  let w0 = (xo * W) / ow;
  let w1 = ((xo + 1) * W + ow - 1) / ow;`,
);

/** Convolution and pooling kernels of the WebGPU backend. */
export const convKernels: Record<string, Kernel> = { im2col, col2im, maxPool2d, adaptiveMaxPool2d };
