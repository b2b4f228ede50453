// Single-precision matrix products: packed, cache-blocked GEMM with register-blocked
// micro-kernels per instruction set (AVX-512, AVX2+FMA, portable C++).
#pragma once

#include "common.h"

namespace kd {

/**
 * One product `C = A @ B` (or `C += A @ B` when `accumulate`) with A `M x K`, B `K x N`, C `M x N`,
 * each given by a pointer to its element [0, 0] and a row and column stride in elements (any
 * strides: transposed and broadcast operands are packed as they are read).
 */
struct GemmArgs {
  int M, N, K;
  const float* A;
  i64 rsa, csa;
  const float* B;
  i64 rsb, csb;
  float* C;
  i64 rsc, csc;
  bool accumulate;
};

/** `C (+)= A @ B` with the active ISA's kernels; `threads` allows the thread pool to be used. */
void sgemm(const GemmArgs& g, bool threads);

/**
 * `C[p] (+)= A[p] @ B[p]` for p in [0, batch), where operand p starts `p * sA` (`sB`, `sC`)
 * elements after `g.A` (`g.B`, `g.C`); a stride of 0 reuses one matrix for every p.
 */
void sgemm_batched(int batch, const GemmArgs& g, i64 sA, i64 sB, i64 sC);

// Per-ISA entry points (each compiled with its own target attributes; called after dispatch).
void sgemm_avx512(const GemmArgs& g, bool threads);
void sgemm_avx2(const GemmArgs& g, bool threads);
void sgemm_generic(const GemmArgs& g, bool threads);

}  // namespace kd
