/**
 * `bmm` on the GPU (primitive contract: backends/cpu/matmul.ts): `a [B, M, K] @ b [B, K, N]`,
 * float32 or int32, any strides (a batch stride of 0 is used as is); the batch is the grid's z.
 *
 * Register-blocked: each invocation accumulates an 8×4 block of C in eight vec4 registers, so every
 * element it loads serves 4 or 8 multiply-adds, and there are no workgroup barriers. A workgroup
 * tiled kernel (16×16 invocations staging tiles in workgroup memory) was 8–10× slower on the
 * software adapters our tests run on (SwiftShader runs the invocations of a workgroup as coroutines
 * switched at every barrier) and no faster on small GPUs; each output is still summed over k in
 * order, as on the CPU.
 */
import type { Kernel } from '../../backend.js';
import { bufferOf, gpuType, newGpuTensor, rt } from './memory.js';
import { decl, launchGrid, metaDecl } from './shader.js';

/** Rows of C per invocation. */
const TM = 8;
/** Columns of C per invocation (one vec4). */
const TN = 4;
/** Invocations per workgroup along x (columns) and y (rows). */
const WG_X = 8;
const WG_Y = 8;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function source(t: 'f32' | 'i32'): string {
  const lanes = ['x', 'y', 'z', 'w'];
  // Rows and columns past the edge re-read the last one (loads stay in bounds); they are not stored.
  const rowPtrs = range(TM).map((i) => `var pa${i} = abase + min(row0 + ${i}, M - 1) * prm[5];`);
  const colPtrs = range(TN).map((j) => `var pb${j} = bbase + min(col0 + ${j}, N - 1) * prm[10];`);
  const accs = range(TM).map((i) => `var acc${i} = vec4<${t}>();`);
  const fmas = range(TM).map((i) => `acc${i} = acc${i} + A[pa${i}] * b; pa${i} = pa${i} + sak;`);
  const stores = range(TM).map((i) => {
    const cols = range(TN).map((j) => `if (col0 + ${j} < N) { C[o + ${j}] = acc${i}.${lanes[j]}; }`);
    return `if (row0 + ${i} < M) { let o = (bt * M + row0 + ${i}) * N + col0; ${cols.join(' ')} }`;
  });
  return `${decl(0, 'A', t)}
${decl(1, 'B', t)}
${decl(2, 'C', t, true)}
${metaDecl(3)}
@compute @workgroup_size(${WG_X}, ${WG_Y})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let M = prm[0];
  let K = prm[1];
  let N = prm[2];
  let bt = i32(gid.z) + prm[11];
  let row0 = i32(gid.y) * ${TM};
  let col0 = i32(gid.x) * ${TN};
  if (row0 >= M || col0 >= N) { return; }
  let abase = prm[3] + bt * prm[4];
  let bbase = prm[7] + bt * prm[8];
  let sak = prm[6];
  let sbk = prm[9];
  ${rowPtrs.join('\n  ')}
  ${colPtrs.join('\n  ')}
  ${accs.join('\n  ')}
  for (var k = 0; k < K; k = k + 1) {
    let b = vec4<${t}>(B[pb0], B[pb1], B[pb2], B[pb3]);
    ${fmas.join('\n    ')}
    pb0 = pb0 + sbk; pb1 = pb1 + sbk; pb2 = pb2 + sbk; pb3 = pb3 + sbk;
  }
  ${stores.join('\n  ')}
}`;
}

const bmm: Kernel = ([a, b]) => {
  const [B, M, K] = a.shape;
  const N = b.shape[2];
  const out = newGpuTensor([B, M, N], a.dtype);
  if (out.numel === 0) return [out];
  const t = gpuType(a.dtype) as 'f32' | 'i32';
  const maxZ = rt().device.limits.maxComputeWorkgroupsPerDimension;
  for (let base = 0; base < B; base += maxZ) {
    const meta = [M, K, N, a.offset, a.strides[0], a.strides[1], a.strides[2]];
    meta.push(b.offset, b.strides[0], b.strides[1], b.strides[2], base);
    const groups: [number, number, number] = [
      Math.ceil(N / (TN * WG_X)),
      Math.ceil(M / (TM * WG_Y)),
      Math.min(maxZ, B - base),
    ];
    launchGrid(`bmm8x4|${t}`, () => source(t), [bufferOf(a), bufferOf(b), bufferOf(out)], meta, groups);
  }
  return [out];
};

/** Linear-algebra kernels of the WebGPU backend. */
export const matmulKernels: Record<string, Kernel> = { bmm };
