/**
 * Building blocks of the generated WGSL kernels: buffer declarations, the 1-D entry point, strided
 * index math and typed loads/stores, plus `launch`, which compiles (once, cached by key) and records
 * a kernel over `n` invocations.
 *
 * Conventions: every kernel binds its storage buffers at bindings 0..k-1 and its parameter block
 * `meta: array<i32>` at binding k. 1-D kernels use `@workgroup_size(256)` and a 2-D grid of
 * workgroups when `n` exceeds the per-dimension limit; `i` is the flat invocation index.
 */
import type { DType } from '../../dtype.js';
import { gpuType, rt } from './memory.js';
import { WG } from './runtime.js';
import { withHelpers } from './wgsl-math.js';

/** A storage buffer declaration. */
export function decl(binding: number, name: string, type: string, write = false): string {
  return `@group(0) @binding(${binding}) var<storage, ${write ? 'read_write' : 'read'}> ${name}: array<${type}>;`;
}

/** The meta block declaration at `binding`. */
export function metaDecl(binding: number): string {
  return `@group(0) @binding(${binding}) var<storage, read> prm: array<i32>;`;
}

/** The error buffer declaration (see runtime.ts). */
export function errDecl(binding: number): string {
  return `@group(0) @binding(${binding}) var<storage, read_write> err: array<atomic<u32>, 4>;`;
}

/** WGSL reporting a bad index `k` for a dimension of `size` (error code from runtime `ERR`). */
export function reportBadIndex(code: number, k: string, size: string): string {
  return `if (atomicOr(&err[0], 1u) == 0u) { atomicStore(&err[1], ${code}u); atomicStore(&err[2], bitcast<u32>(${k})); atomicStore(&err[3], u32(${size})); }`;
}

/** The entry point of a 1-D kernel over `prm[0]` invocations (`i` is the flat index). */
export function main1d(body: string): string {
  return `@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = i32(gid.x + gid.y * nwg.x * ${WG}u);
  if (i >= prm[0]) { return; }
  ${body}
}`;
}

/**
 * WGSL computing, for a flat row-major index `idx` over a shape of `nd` dims stored at
 * `prm[shapeAt..]`, the offsets `o0, o1, ...` of several operands (offset at `prm[offAt[k]]`, or 0,
 * strides at `prm[strideAt[k]..]`).
 */
export function stridedOffsets(
  idx: string,
  nd: number,
  shapeAt: number,
  offAt: (number | null)[],
  strideAt: number[],
  names: string[],
): string {
  const lines = names.map((n, k) => `var ${n} = ${offAt[k] === null ? '0' : `prm[${offAt[k]}]`};`);
  if (nd > 0) {
    lines.push(`var rem = ${idx};`);
    for (let d = nd - 1; d >= 0; d--) {
      const q = d > 0 ? `rem % prm[${shapeAt + d}]` : 'rem';
      lines.push(`{ let q = ${q};`);
      for (let k = 0; k < names.length; k++)
        lines.push(`  ${names[k]} = ${names[k]} + q * prm[${strideAt[k] + d}];`);
      if (d > 0) lines.push(`  rem = rem / prm[${shapeAt + d}];`);
      lines.push('}');
    }
  }
  return lines.join('\n  ');
}

/** Expression converting a raw element of a `dtype` buffer to its compute value (f32 or i32). */
export function loadAs(dtype: DType, raw: string): string {
  if (dtype === 'bool') return `i32(${raw})`;
  if (dtype === 'float16') return `k_h2f(${raw})`;
  if (dtype === 'bfloat16') return `k_b2f(${raw})`;
  return raw;
}

/** The compute type of a dtype (bool and int32 compute as i32, floats as f32). */
export function computeType(dtype: DType): 'f32' | 'i32' {
  return dtype === 'int32' || dtype === 'bool' ? 'i32' : 'f32';
}

/** Expression converting a value of compute type `from` (or `bool`) to the storage of `to`. */
export function storeAs(to: DType, from: 'f32' | 'i32' | 'bool', v: string): string {
  if (from === 'bool') {
    if (to === 'bool') return `select(0u, 1u, ${v})`;
    if (to === 'int32') return `select(0, 1, ${v})`;
    return storeAs(to, 'f32', `select(0.0, 1.0, ${v})`);
  }
  switch (to) {
    case 'bool':
      return from === 'f32' ? `select(0u, 1u, k_nz(${v}))` : `select(0u, 1u, (${v}) != 0)`;
    case 'int32':
      return from === 'f32' ? `k_toi32(${v})` : `${v}`;
    case 'float32':
      return from === 'f32' ? `${v}` : `f32(${v})`;
    case 'float16':
      return `k_f2h(${from === 'f32' ? v : `f32(${v})`})`;
    case 'bfloat16':
      return `k_f2b(${from === 'f32' ? v : `f32(${v})`})`;
    default:
      gpuType(to);
      return v;
  }
}

/**
 * Records a 1-D kernel of `n` invocations: `prm[0]` is set to `n`. `source` builds the WGSL body
 * (helpers are added automatically); `key` identifies the pipeline in the cache.
 */
export function launch(
  key: string,
  source: () => string,
  buffers: readonly GPUBuffer[],
  meta: number[],
  n: number,
): void {
  if (n <= 0) return;
  const r = rt();
  const pipeline = r.pipeline(key, () => withHelpers(source()));
  meta[0] = n;
  r.dispatch(pipeline, buffers, meta, r.grid(Math.ceil(n / WG)));
}

/** Records a kernel with an explicit workgroup grid (tiled kernels). */
export function launchGrid(
  key: string,
  source: () => string,
  buffers: readonly GPUBuffer[],
  meta: number[],
  groups: [number, number, number],
): void {
  const r = rt();
  const pipeline = r.pipeline(key, () => withHelpers(source()));
  r.dispatch(pipeline, buffers, meta, groups);
}

const f32v = new Float32Array(1);
const i32v = new Int32Array(f32v.buffer);

/** The i32 word holding the float32 bits of `v` (read back in WGSL with `bitcast<f32>`). */
export function f32word(v: number): number {
  f32v[0] = v;
  return i32v[0];
}
