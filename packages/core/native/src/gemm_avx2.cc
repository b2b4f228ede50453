// AVX2 + FMA GEMM: a 6 x 16 micro-kernel (12 ymm accumulators, two B vectors, one broadcast).
#include <algorithm>
#include <cstdlib>

#include "gemm.h"
#include "threads.h"

#if KD_X86
#include <immintrin.h>

namespace kd {
namespace {

#define KD_FN KD_TARGET_AVX2

alignas(32) const int kMaskLanes[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

/** A lane mask with the first n (0..8) lanes set. */
KD_FN inline __m256i first_lanes(int n) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMaskLanes + 8 - n));
}

/** C[i*ldc + j] (+)= sum_k Ap[k*MR_ + i] * Bp[k*16 + j], i < MR_, j < nr (adds when acc). */
template <int MR_>
KD_FN void micro_kernel(int nr, int kc, const float* __restrict Ap, const float* __restrict Bp, float* __restrict C,
                        i64 ldc, bool acc) {
  __m256 c0[MR_];
  __m256 c1[MR_];
#pragma GCC unroll 8
  for (int i = 0; i < MR_; i++) {
    c0[i] = _mm256_setzero_ps();
    c1[i] = _mm256_setzero_ps();
  }
  for (int k = 0; k < kc; k++) {
    const __m256 b0 = _mm256_load_ps(Bp);
    const __m256 b1 = _mm256_load_ps(Bp + 8);
#pragma GCC unroll 8
    for (int i = 0; i < MR_; i++) {
      const __m256 a = _mm256_broadcast_ss(Ap + i);
      c0[i] = _mm256_fmadd_ps(a, b0, c0[i]);
      c1[i] = _mm256_fmadd_ps(a, b1, c1[i]);
    }
    Ap += MR_;
    Bp += 16;
  }
  if (nr == 16) {
#pragma GCC unroll 8
    for (int i = 0; i < MR_; i++) {
      float* c = C + i * ldc;
      if (acc) {
        c0[i] = _mm256_add_ps(_mm256_loadu_ps(c), c0[i]);
        c1[i] = _mm256_add_ps(_mm256_loadu_ps(c + 8), c1[i]);
      }
      _mm256_storeu_ps(c, c0[i]);
      _mm256_storeu_ps(c + 8, c1[i]);
    }
  } else {
    const __m256i m0 = first_lanes(std::min(nr, 8));
    const __m256i m1 = first_lanes(std::max(nr - 8, 0));
#pragma GCC unroll 8
    for (int i = 0; i < MR_; i++) {
      float* c = C + i * ldc;
      if (acc) {
        c0[i] = _mm256_add_ps(_mm256_maskload_ps(c, m0), c0[i]);
        c1[i] = _mm256_add_ps(_mm256_maskload_ps(c + 8, m1), c1[i]);
      }
      _mm256_maskstore_ps(c, m0, c0[i]);
      _mm256_maskstore_ps(c + 8, m1, c1[i]);
    }
  }
}

struct Avx2Kernel {
  static constexpr int MR = 6;
  static constexpr int NR = 16;
  static constexpr int KC = 192;
  static constexpr int MC = 6 * 24;
  static constexpr int NC = 16 * 256;

  KD_FN static void kernel(int mr, int nr, int kc, const float* Ap, const float* Bp, float* C, i64 ldc, bool acc) {
    switch (mr) {
      case 6: return micro_kernel<6>(nr, kc, Ap, Bp, C, ldc, acc);
      case 5: return micro_kernel<5>(nr, kc, Ap, Bp, C, ldc, acc);
      case 4: return micro_kernel<4>(nr, kc, Ap, Bp, C, ldc, acc);
      case 3: return micro_kernel<3>(nr, kc, Ap, Bp, C, ldc, acc);
      case 2: return micro_kernel<2>(nr, kc, Ap, Bp, C, ldc, acc);
      default: return micro_kernel<1>(nr, kc, Ap, Bp, C, ldc, acc);
    }
  }
};

#include "gemm_driver.inc"

}  // namespace

KD_TARGET_AVX2 void sgemm_avx2(const GemmArgs& g, bool threads) { gemm<Avx2Kernel>(g, threads); }

}  // namespace kd

#else  // not x86-64: never dispatched

namespace kd {
void sgemm_avx2(const GemmArgs& g, bool threads) { sgemm_generic(g, threads); }
}  // namespace kd

#endif
