/**
 * RNG kernels of the WebGPU backend: `uniform` and `normal` (primitive contracts:
 * backends/cpu/random.ts), reproducing the CPU's Philox4x32-10 stream layout of random/philox.ts
 * exactly: one invocation per Philox block (4 float32 outputs), the same counters and keys.
 *
 * Philox itself is integer arithmetic (the 32×32→64-bit products via 16-bit halves), so the bits
 * are identical. The CPU maps them to floats in float64 and rounds once; here that arithmetic runs
 * in float-float (≈48-bit) precision: uniform `low + (high - low) * u` and Box–Muller's
 * `mean + std * sqrt(-2 ln u1) * cos/sin(2 pi u2)` — the log as an atanh series, the angle reduced
 * exactly with integer arithmetic (u2 is k / 2^24) and sin/cos by Taylor series on [0, pi/4]. The
 * float32 results equal the CPU's, or differ by one ulp when the exact value lies extremely close
 * to a rounding boundary.
 */
import type { Kernel } from '../../backend.js';
import type { PhiloxKey } from '../../random/philox.js';
import { newGpuTensor, bufferOf } from './memory.js';
import { decl, f32word, launch, main1d, metaDecl } from './shader.js';
import { ffConst } from './wgsl-math.js';

const PHILOX = `
fn mulhilo(a: u32, b: u32) -> vec2<u32> {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let ll = al * bl;
  let lh = al * bh;
  let hl = ah * bl;
  let mid = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return vec2<u32>(ah * bh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u), a * b);
}
fn philox(c: vec4<u32>, k: vec2<u32>) -> vec4<u32> {
  var x = c;
  var key = k;
  for (var r = 0; r < 10; r = r + 1) {
    if (r > 0) { key = key + vec2<u32>(0x9e3779b9u, 0xbb67ae85u); }
    let p0 = mulhilo(0xd2511f53u, x.x);
    let p1 = mulhilo(0xcd9e8d57u, x.z);
    x = vec4<u32>(p1.x ^ x.y ^ key.x, p1.y, p0.x ^ x.w ^ key.y, p0.y);
  }
  return x;
}
fn block_bits(b: i32) -> vec4<u32> {
  let c0 = bitcast<u32>(prm[4]);
  let c = c0 + u32(b);
  let c1 = bitcast<u32>(prm[5]) + select(0u, 1u, c < c0);
  return philox(vec4<u32>(c, c1, 0u, 0u), vec2<u32>(bitcast<u32>(prm[2]), bitcast<u32>(prm[3])));
}
fn ff_param(at: i32) -> vec2<f32> { return vec2<f32>(bitcast<f32>(prm[at]), bitcast<f32>(prm[at + 1])); }
`;

/** Meta words of a draw: [blocks, n, k0, k1, c0, c1, a_hi, a_lo, b_hi, b_lo]. */
function drawMeta(n: number, key: PhiloxKey, offset: number, a: number, b: number): number[] {
  const ff = (v: number) => {
    const hi = Math.fround(v);
    return [f32word(hi), f32word(v - hi)];
  };
  return [
    0,
    n,
    key[0] | 0,
    key[1] | 0,
    (offset % 4294967296) | 0,
    Math.floor(offset / 4294967296) | 0,
    ...ff(a),
    ...ff(b),
  ];
}

const uniform: Kernel = (_inputs, attrs) => {
  const shape = attrs.shape as number[];
  const out = newGpuTensor(shape, attrs.dtype as 'float32');
  const n = out.numel;
  if (n === 0) return [out];
  const low = (attrs.low as number | undefined) ?? 0;
  const high = (attrs.high as number | undefined) ?? 1;
  const source = () => `${decl(0, 'out', 'f32', true)}
${metaDecl(1)}
${PHILOX}
${main1d(`let bits = block_bits(i);
  let n = prm[1];
  let low = ff_param(8);
  let span = ff_param(6);
  for (var l = 0; l < 4; l = l + 1) {
    let e = i * 4 + l;
    if (e >= n) { break; }
    let u = f32(bits[l] >> 8u) * ${ffConst(2 ** -24)}.x;
    out[e] = ff_add(ff_mul_f(span, u), low).x;
  }`)}`;
  const meta = drawMeta(n, attrs.key as PhiloxKey, attrs.offset as number, high - low, low);
  launch('uniform', source, [bufferOf(out)], meta, Math.ceil(n / 4));
  return [out];
};

const normal: Kernel = (_inputs, attrs) => {
  const shape = attrs.shape as number[];
  const out = newGpuTensor(shape, attrs.dtype as 'float32');
  const n = out.numel;
  if (n === 0) return [out];
  const mean = (attrs.mean as number | undefined) ?? 0;
  const std = (attrs.std as number | undefined) ?? 1;
  const source = () => `${decl(0, 'out', 'f32', true)}
${metaDecl(1)}
${PHILOX}
// (r cos, r sin) of Box-Muller for u1 = k1 / 2^24 (k1 in [1, 2^24]), u2 = k2 / 2^24.
fn box_muller(k1: u32, k2: u32) -> array<vec2<f32>, 2> {
  let l = ff_add(ff_mul_f(${ffConst(Math.LN2)}, 24.0), -ff_log(f32(k1)));
  let r = ff_sqrt(ff_mul_f(l, 2.0));
  let q = k2 >> 22u;
  let r22 = k2 & 0x3fffffu;
  let swap = r22 > 0x200000u;
  let jj = select(r22, 0x400000u - r22, swap);
  let sc = ff_sincos_small(ff_mul_f(${ffConst((2 * Math.PI) / 2 ** 24)}, f32(jj)));
  var s = select(sc[0], sc[1], swap);
  var c = select(sc[1], sc[0], swap);
  var cs = c;
  var sn = s;
  if (q == 1u) { cs = -s; sn = c; }
  else if (q == 2u) { cs = -c; sn = -s; }
  else if (q == 3u) { cs = s; sn = -c; }
  return array<vec2<f32>, 2>(ff_mul(r, cs), ff_mul(r, sn));
}
${main1d(`let bits = block_bits(i);
  let n = prm[1];
  let mean = ff_param(6);
  let sd = ff_param(8);
  for (var p = 0; p < 4; p = p + 2) {
    let e = i * 4 + p;
    if (e >= n) { break; }
    let z = box_muller((bits[p] >> 8u) + 1u, bits[p + 1] >> 8u);
    out[e] = ff_add(mean, ff_mul(sd, z[0])).x;
    if (e + 1 < n) { out[e + 1] = ff_add(mean, ff_mul(sd, z[1])).x; }
  }`)}`;
  const meta = drawMeta(n, attrs.key as PhiloxKey, attrs.offset as number, mean, std);
  launch('normal', source, [bufferOf(out)], meta, Math.ceil(n / 4));
  return [out];
};

/** RNG kernels of the WebGPU backend. */
export const randomKernels: Record<string, Kernel> = { uniform, normal };
