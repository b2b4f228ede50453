/**
 * `bmm` on the GPU (primitive contract: backends/cpu/matmul.ts): `a [B, M, K] @ b [B, K, N]`,
 * float32 or int32, any strides (a batch stride of 0 is used as is). Workgroup-tiled: a 16×16
 * workgroup stages 16×16 tiles of A and B in workgroup memory and each invocation accumulates one
 * output element; the batch is the grid's z dimension.
 */
import type { Kernel } from '../../backend.js';
import { bufferOf, gpuType, newGpuTensor, rt } from './memory.js';
import { decl, launchGrid, metaDecl } from './shader.js';

const TILE = 16;

const bmm: Kernel = ([a, b]) => {
  const [B, M, K] = a.shape;
  const N = b.shape[2];
  const out = newGpuTensor([B, M, N], a.dtype);
  if (out.numel === 0) return [out];
  const t = gpuType(a.dtype);
  const zero = t === 'f32' ? '0.0' : '0';
  const source = () => `${decl(0, 'A', t)}
${decl(1, 'B', t)}
${decl(2, 'C', t, true)}
${metaDecl(3)}
var<workgroup> As: array<${t}, ${TILE * TILE}>;
var<workgroup> Bs: array<${t}, ${TILE * TILE}>;
@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = prm[0];
  let K = prm[1];
  let N = prm[2];
  let bt = i32(wid.z) + prm[11];
  let tx = i32(lid.x);
  let ty = i32(lid.y);
  let row = i32(wid.y) * ${TILE} + ty;
  let col = i32(wid.x) * ${TILE} + tx;
  let abase = prm[3] + bt * prm[4] + row * prm[5];
  let bbase = prm[7] + bt * prm[8] + col * prm[10];
  var acc: ${t} = ${zero};
  for (var k0 = 0; k0 < K; k0 = k0 + ${TILE}) {
    let ka = k0 + tx;
    var av: ${t} = ${zero};
    if (row < M && ka < K) { av = A[abase + ka * prm[6]]; }
    As[ty * ${TILE} + tx] = av;
    let kb = k0 + ty;
    var bv: ${t} = ${zero};
    if (kb < K && col < N) { bv = B[bbase + kb * prm[9]]; }
    Bs[ty * ${TILE} + tx] = bv;
    workgroupBarrier();
    for (var kk = 0; kk < ${TILE}; kk = kk + 1) {
      acc = acc + As[ty * ${TILE} + kk] * Bs[kk * ${TILE} + tx];
    }
    workgroupBarrier();
  }
  if (row < M && col < N) { C[(bt * M + row) * N + col] = acc; }
}`;
  const maxZ = rt().device.limits.maxComputeWorkgroupsPerDimension;
  for (let base = 0; base < B; base += maxZ) {
    const meta = [M, K, N, a.offset, a.strides[0], a.strides[1], a.strides[2]];
    meta.push(b.offset, b.strides[0], b.strides[1], b.strides[2], base);
    const groups: [number, number, number] = [
      Math.ceil(N / TILE),
      Math.ceil(M / TILE),
      Math.min(maxZ, B - base),
    ];
    launchGrid(`bmm|${t}`, source, [bufferOf(a), bufferOf(b), bufferOf(out)], meta, groups);
  }
  return [out];
};

/** Linear-algebra kernels of the WebGPU backend. */
export const matmulKernels: Record<string, Kernel> = { bmm };
