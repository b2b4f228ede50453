/**
 * The WASM kernel set's `bmm` (the contract is in `../matmul.ts`): float32 products run on the
 * packed SIMD GEMM of `gemm.wat`; other dtypes and matrix-vector products (N = 1, where the
 * JavaScript kernel's dot-product loop does as well) go to the JavaScript kernel.
 *
 * Per batch entry the operands are copied into the module's memory as they lie in storage (one
 * `set` of the span they cover, so transposed and expanded layouts cost no gather in JavaScript),
 * packed there by `packA`/`packB` with their own strides, and C is computed into a buffer padded
 * to whole register tiles, then copied out. The copies are O(MK + KN + MN) against the product's
 * O(MNK): 2-5% of the time at the MLP's and square shapes (the `copy%` column of
 * bench/wasm.bench.mjs).
 */
import type { Kernel } from '../../../backend.js';
import type { Tensor } from '../../../tensor.js';
import { cpuData, newCpuTensor } from '../memory.js';
import { type WasmInstance, type WasmVariant, wasmInstance, wasmRelease, wasmReserve } from './runtime.js';

/**
 * Register tile and cache blocks of a module variant: the tile is mr rows of A by nr columns of B
 * (gemm.wat's `tile4x8` for separate mul + add, `tile3x12` for fused multiply-adds); blocks of kc
 * depth (a kc x nr panel of B stays in L1), mc rows (an mc x kc block of A stays in L2) and nc
 * columns (multiples of the tile).
 */
interface Tiling {
  mr: number;
  nr: number;
  kc: number;
  mc: number;
  nc: number;
}

const TILINGS: Record<WasmVariant, Tiling> = {
  simd128: { mr: 4, nr: 8, kc: 256, mc: 128, nc: 2048 },
  'relaxed-simd': { mr: 3, nr: 12, kc: 256, mc: 120, nc: 2040 },
};

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;
const align = (bytes: number) => roundUp(bytes, 64);

/** One matrix operand of a batch entry: where it lies in storage and its element strides. */
interface Operand {
  data: Float32Array;
  offset: number;
  rows: number;
  cols: number;
  rs: number;
  cs: number;
}

/** The storage span `m` covers, or -1 when it is to be gathered instead. */
function span(m: Operand): number {
  if (m.rs < 0 || m.cs < 0) return -1;
  const s = (m.rows - 1) * m.rs + (m.cols - 1) * m.cs + 1;
  // A sparse view (a few columns of a wide matrix) is gathered rather than copied whole.
  return s <= 2 * m.rows * m.cols + 64 ? s : -1;
}

/** Floats the copy of `m` takes in linear memory. */
function copyLength(m: Operand): number {
  const s = span(m);
  return s >= 0 ? s : m.rows * m.cols;
}

/**
 * Copies `m` to float index `at` of `mem`; returns the element strides of the copy (the storage's
 * own when its span was copied, row-major when it was gathered).
 */
function copyIn(m: Operand, mem: Float32Array, at: number): [number, number] {
  const s = span(m);
  if (s >= 0) {
    mem.set(m.data.subarray(m.offset, m.offset + s), at);
    return [m.rs, m.cs];
  }
  let o = at;
  for (let i = 0; i < m.rows; i++) {
    let src = m.offset + i * m.rs;
    for (let j = 0; j < m.cols; j++, src += m.cs) mem[o++] = m.data[src];
  }
  return [m.cols, 1];
}

/** Byte offsets of the regions of linear memory one bmm call uses. */
interface Layout {
  packA: number;
  packB: number;
  c: number;
  a: number;
  b: number;
  end: number;
}

function layout(t: Tiling, M: number, K: number, N: number, aFloats: number, bFloats: number): Layout {
  const kc = Math.min(t.kc, K);
  const packA = 0;
  const packB = align(packA + Math.min(t.mc, roundUp(M, t.mr)) * kc * 4);
  const c = align(packB + kc * Math.min(t.nc, roundUp(N, t.nr)) * 4);
  const a = align(c + roundUp(M, t.mr) * roundUp(N, t.nr) * 4);
  const b = align(a + aFloats * 4);
  return { packA, packB, c, a, b, end: b + bFloats * 4 };
}

/**
 * `C = A @ B` for one batch entry whose operands are already in memory (A at byte `a` with
 * element strides ars/acs, B likewise); C is written to `L.c` with a row pitch of `ldc` floats.
 */
function gemm(
  w: WasmInstance,
  t: Tiling,
  L: Layout,
  M: number,
  K: number,
  N: number,
  [ars, acs]: [number, number],
  [brs, bcs]: [number, number],
  ldc: number,
): void {
  const { packA, packB, macro } = w.gemm;
  const { mr, nr } = t;
  for (let jc = 0; jc < N; jc += t.nc) {
    const nc = Math.min(t.nc, N - jc);
    for (let pc = 0; pc < K; pc += t.kc) {
      const kc = Math.min(t.kc, K - pc);
      packB(L.b + (pc * brs + jc * bcs) * 4, brs, bcs, kc, nc, L.packB, nr);
      for (let ic = 0; ic < M; ic += t.mc) {
        const mc = Math.min(t.mc, M - ic);
        packA(L.a + (ic * ars + pc * acs) * 4, ars, acs, mc, kc, L.packA, mr);
        const add = pc > 0 ? 1 : 0; // the first depth block stores, so C needs no zeroing
        macro(
          L.packA,
          L.packB,
          L.c + (ic * ldc + jc) * 4,
          kc,
          roundUp(mc, mr),
          roundUp(nc, nr),
          ldc * 4,
          add,
          mr,
        );
      }
    }
  }
}

/** Runs the product into `out` ([B, M, N] contiguous); false when memory could not grow. */
function runBmm(a: Tensor, b: Tensor, out: Float32Array): boolean {
  const [B, M, K] = a.shape;
  const N = b.shape[2];
  const opA = (p: number): Operand => ({
    data: cpuData(a) as Float32Array,
    offset: a.offset + p * a.strides[0],
    rows: M,
    cols: K,
    rs: a.strides[1],
    cs: a.strides[2],
  });
  const opB = (p: number): Operand => ({
    data: cpuData(b) as Float32Array,
    offset: b.offset + p * b.strides[0],
    rows: K,
    cols: N,
    rs: b.strides[1],
    cs: b.strides[2],
  });
  const variant = wasmInstance()?.variant;
  if (!variant) return false;
  const t = TILINGS[variant];
  const L = layout(t, M, K, N, copyLength(opA(0)), copyLength(opB(0)));
  const w = wasmReserve(L.end);
  if (!w) return false;
  const mem = new Float32Array(w.memory.buffer);
  const ldc = roundUp(N, t.nr);
  let aStrides: [number, number] = [0, 0];
  let bStrides: [number, number] = [0, 0];
  for (let p = 0; p < B; p++) {
    // An expanded (batch-stride 0) operand is copied once.
    if (p === 0 || a.strides[0] !== 0) aStrides = copyIn(opA(p), mem, L.a / 4);
    if (p === 0 || b.strides[0] !== 0) bStrides = copyIn(opB(p), mem, L.b / 4);
    gemm(w, t, L, M, K, N, aStrides, bStrides, ldc);
    const c = L.c / 4;
    if (ldc === N) out.set(mem.subarray(c, c + M * N), p * M * N);
    else for (let i = 0; i < M; i++) out.set(mem.subarray(c + i * ldc, c + i * ldc + N), (p * M + i) * N);
  }
  wasmRelease();
  return true;
}

/** The WASM `bmm` kernel over the JavaScript one (`fallback`) for everything but float32 products. */
export function wasmBmmKernel(fallback: Kernel): Kernel {
  return (inputs, attrs) => {
    const [a, b] = inputs;
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || b.shape[2] === 1) return fallback(inputs, attrs);
    const [B, M, K] = a.shape;
    const { tensor, data } = newCpuTensor([B, M, b.shape[2]], 'float32');
    if (data.length === 0 || K === 0) return [tensor];
    return runBmm(a, b, data as Float32Array) ? [tensor] : fallback(inputs, attrs);
  };
}
