/**
 * CPU matrix-multiplication kernel: the one linear-algebra primitive.
 *
 * Primitive `bmm`
 * - inputs: `a` of shape [B, M, K] and `b` of shape [B, K, N], same dtype (float32, float64 or
 *   int32). Either may be any strided view; a batch stride of 0 (an expanded operand) is used as
 *   is, without materialising the expansion.
 * - attrs: none.
 * - output: one contiguous tensor [B, M, N] of the inputs' dtype, `out[p] = a[p] @ b[p]`.
 * - derivative: `grad_a = bmm(grad, b.transpose(1, 2))`, `grad_b = bmm(a.transpose(1, 2), grad)`.
 *   Every other linear-algebra op (matmul, mm, dot, linear, addmm, einsum...) is a composite of
 *   views, elementwise ops and this primitive.
 *
 * The front end (`ops/linalg.ts`) validates shapes and dtypes; the kernel trusts them. int32
 * products wrap around like two's-complement integers (as in PyTorch).
 */
import type { Kernel } from '../../backend.js';
import type { TypedArray } from '../../dtype.js';
import { cpuData, newCpuTensor } from './memory.js';

/**
 * `C[cOff + i*N + j] += sum_k A[aOff + i*lda + k] * B[bOff + k*ldb + j]`: rows of A and B are
 * unit-stride. Register-blocked: 4 rows of C share each load of 4 rows of B (16 multiply-adds
 * per 8 loads), k is processed in blocks so the rows of B in use stay in cache.
 */
type GemmFn = (
  A: TypedArray,
  aOff: number,
  lda: number,
  B: TypedArray,
  bOff: number,
  ldb: number,
  C: TypedArray,
  cOff: number,
  M: number,
  K: number,
  N: number,
) => void;

/** `C[cOff + i] += sum_k A[aOff + i*lda + k] * x[xOff + k*incx]` (the N = 1 fast path). */
type GemvFn = (
  A: TypedArray,
  aOff: number,
  lda: number,
  x: TypedArray,
  xOff: number,
  incx: number,
  C: TypedArray,
  cOff: number,
  M: number,
  K: number,
) => void;

const KB = 256;

/** Expression builders for one dtype: a product and a running sum. */
interface Ops {
  mul(x: string, y: string): string;
  acc(x: string, y: string): string;
}

/** Source of the blocked kernel (see `GemmFn`). */
function gemmSource({ mul: m }: Ops): string {
  const dot4 = (p: string, j: string) =>
    `${m(`${p}0`, `B[b0 + ${j}]`)} + ${m(`${p}1`, `B[b1 + ${j}]`)} + ${m(`${p}2`, `B[b2 + ${j}]`)} + ${m(`${p}3`, `B[b3 + ${j}]`)}`;
  const row4 = (p: string) =>
    `${m(`${p}0`, 'x0')} + ${m(`${p}1`, 'x1')} + ${m(`${p}2`, 'x2')} + ${m(`${p}3`, 'x3')}`;
  return `
return function gemm(A, aOff, lda, B, bOff, ldb, C, cOff, M, K, N) {
  for (let k0 = 0; k0 < K; k0 += ${KB}) {
    const k1 = Math.min(K, k0 + ${KB});
    let i = 0;
    for (; i + 3 < M; i += 4) {
      const c0 = cOff + i * N, c1 = c0 + N, c2 = c1 + N, c3 = c2 + N;
      const a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
      let k = k0;
      for (; k + 3 < k1; k += 4) {
        const p0 = A[a0 + k], p1 = A[a0 + k + 1], p2 = A[a0 + k + 2], p3 = A[a0 + k + 3];
        const q0 = A[a1 + k], q1 = A[a1 + k + 1], q2 = A[a1 + k + 2], q3 = A[a1 + k + 3];
        const r0 = A[a2 + k], r1 = A[a2 + k + 1], r2 = A[a2 + k + 2], r3 = A[a2 + k + 3];
        const s0 = A[a3 + k], s1 = A[a3 + k + 1], s2 = A[a3 + k + 2], s3 = A[a3 + k + 3];
        const b0 = bOff + k * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
        for (let j = 0; j < N; j++) {
          const x0 = B[b0 + j], x1 = B[b1 + j], x2 = B[b2 + j], x3 = B[b3 + j];
          C[c0 + j] += ${row4('p')};
          C[c1 + j] += ${row4('q')};
          C[c2 + j] += ${row4('r')};
          C[c3 + j] += ${row4('s')};
        }
      }
      for (; k < k1; k++) {
        const p = A[a0 + k], q = A[a1 + k], r = A[a2 + k], s = A[a3 + k];
        const b0 = bOff + k * ldb;
        for (let j = 0; j < N; j++) {
          const x = B[b0 + j];
          C[c0 + j] += ${m('p', 'x')};
          C[c1 + j] += ${m('q', 'x')};
          C[c2 + j] += ${m('r', 'x')};
          C[c3 + j] += ${m('s', 'x')};
        }
      }
    }
    for (; i < M; i++) {
      const c0 = cOff + i * N;
      const a0 = aOff + i * lda;
      let k = k0;
      for (; k + 3 < k1; k += 4) {
        const p0 = A[a0 + k], p1 = A[a0 + k + 1], p2 = A[a0 + k + 2], p3 = A[a0 + k + 3];
        const b0 = bOff + k * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
        let j = 0;
        for (; j + 3 < N; j += 4) {
          C[c0 + j] += ${dot4('p', 'j')};
          C[c0 + j + 1] += ${dot4('p', 'j + 1')};
          C[c0 + j + 2] += ${dot4('p', 'j + 2')};
          C[c0 + j + 3] += ${dot4('p', 'j + 3')};
        }
        for (; j < N; j++) C[c0 + j] += ${dot4('p', 'j')};
      }
      for (; k < k1; k++) {
        const p = A[a0 + k];
        const b0 = bOff + k * ldb;
        for (let j = 0; j < N; j++) C[c0 + j] += ${m('p', 'B[b0 + j]')};
      }
    }
  }
};`;
}

/** Source of the matrix-vector kernel (see `GemvFn`): four partial sums per row. */
function gemvSource({ mul: m, acc: a }: Ops): string {
  return `
return function gemv(A, aOff, lda, x, xOff, incx, C, cOff, M, K) {
  for (let i = 0; i < M; i++) {
    const r = aOff + i * lda;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    let k = 0;
    for (; k + 3 < K; k += 4) {
      const xo = xOff + k * incx;
      s0 = ${a('s0', m('A[r + k]', 'x[xo]'))};
      s1 = ${a('s1', m('A[r + k + 1]', 'x[xo + incx]'))};
      s2 = ${a('s2', m('A[r + k + 2]', 'x[xo + 2 * incx]'))};
      s3 = ${a('s3', m('A[r + k + 3]', 'x[xo + 3 * incx]'))};
    }
    for (; k < K; k++) s0 = ${a('s0', m('A[r + k]', 'x[xOff + k * incx]'))};
    C[cOff + i] += ${a(a('s0', 's1'), a('s2', 's3'))};
  }
};`;
}

interface Kernels {
  gemm: GemmFn;
  gemv: GemvFn;
}

const FLOAT_OPS: Ops = { mul: (x, y) => `${x} * ${y}`, acc: (x, y) => `(${x} + ${y})` };
// int32: products wrap like C integers, and partial sums are kept to 32 bits so they stay exact.
const INT_OPS: Ops = { mul: (x, y) => `Math.imul(${x}, ${y})`, acc: (x, y) => `((${x} + ${y}) | 0)` };

/** One compiled pair per dtype, so each loop stays monomorphic in V8. */
function compileKernels(int: boolean): Kernels {
  const ops = int ? INT_OPS : FLOAT_OPS;
  return {
    gemm: new Function(gemmSource(ops))() as GemmFn,
    gemv: new Function(gemvSource(ops))() as GemvFn,
  };
}

const compiled = new Map<string, Kernels>();
function kernelsFor(dtype: string): Kernels {
  let k = compiled.get(dtype);
  if (!k) {
    k = compileKernels(dtype === 'int32');
    compiled.set(dtype, k);
  }
  return k;
}

/** A matrix operand of one batch entry: data, offset and row stride with unit column stride. */
interface Packed {
  data: TypedArray;
  offset: number;
  ld: number;
}

/**
 * The matrix `t[batch]` (rows x cols, strides rs, cs) as rows with unit stride: the storage
 * itself when columns are already unit-stride, else a packed copy.
 */
function packMatrix(
  src: TypedArray,
  offset: number,
  rows: number,
  cols: number,
  rs: number,
  cs: number,
  buf: TypedArray | null,
): Packed {
  if (cs === 1 || cols === 1) return { data: src, offset, ld: rs };
  const out = buf ?? new (src.constructor as new (n: number) => TypedArray)(rows * cols);
  let o = 0;
  for (let i = 0; i < rows; i++) {
    let s = offset + i * rs;
    for (let j = 0; j < cols; j++, s += cs) out[o++] = src[s];
  }
  return { data: out, offset: 0, ld: cols };
}

/** The `bmm` kernel: `[B, M, K] @ [B, K, N] -> [B, M, N]` (see the file comment). */
const bmm: Kernel = ([a, b]) => {
  const [B, M, K] = a.shape;
  const N = b.shape[2];
  const { tensor: out, data: C } = newCpuTensor([B, M, N], a.dtype);
  if (B === 0 || M === 0 || N === 0 || K === 0) return [out];
  const { gemm, gemv } = kernelsFor(a.dtype);
  const A = cpuData(a);
  const Bd = cpuData(b);
  const [asb, asm, ask] = a.strides;
  const [bsb, bsk, bsn] = b.strides;
  // Packing buffers are reused across batch entries; a stride-0 batch is packed only once.
  let aBuf: TypedArray | null = null;
  let bBuf: TypedArray | null = null;
  let aPacked: Packed | null = null;
  let bPacked: Packed | null = null;
  let aLast = -1;
  let bLast = -1;
  for (let p = 0; p < B; p++) {
    const ao = a.offset + p * asb;
    const bo = b.offset + p * bsb;
    const co = p * M * N;
    if (N === 1) {
      // Matrix-vector: rows of A dotted with the column of B (read with its stride).
      if (ao !== aLast || !aPacked) {
        aPacked = packMatrix(A, ao, M, K, asm, ask, aBuf);
        if (aPacked.data !== A) aBuf = aPacked.data;
        aLast = ao;
      }
      gemv(aPacked.data, aPacked.offset, aPacked.ld, Bd, bo, bsk, C, co, M, K);
      continue;
    }
    if (ao !== aLast || !aPacked) {
      aPacked = packMatrix(A, ao, M, K, asm, ask, aBuf);
      if (aPacked.data !== A) aBuf = aPacked.data;
      aLast = ao;
    }
    if (bo !== bLast || !bPacked) {
      bPacked = packMatrix(Bd, bo, K, N, bsk, bsn, bBuf);
      if (bPacked.data !== Bd) bBuf = bPacked.data;
      bLast = bo;
    }
    gemm(aPacked.data, aPacked.offset, aPacked.ld, bPacked.data, bPacked.offset, bPacked.ld, C, co, M, K, N);
  }
  return [out];
};

/** Linear-algebra kernels of the CPU backend. */
export const matmulKernels: Record<string, Kernel> = { bmm };
