// AVX-512 GEMM: a 14 x 32 micro-kernel (28 zmm accumulators, two B vectors, A broadcast from
// memory into each FMA). Compiled for the baseline; only these functions carry AVX-512 targets.
#include <algorithm>
#include <cstdlib>

#include "gemm.h"
#include "threads.h"

#if KD_X86
#include <immintrin.h>

namespace kd {
namespace {

#define KD_FN KD_TARGET_AVX512

#ifndef KD_AVX512_KC  // cache blocks (overridable for tuning)
#define KD_AVX512_KC 192
#define KD_AVX512_MC (14 * 12)
#define KD_AVX512_NC (32 * 128)
#endif

/** C[i*ldc + j] (+)= sum_k Ap[k*MR_ + i] * Bp[k*32 + j], i < MR_, j < nr (adds when acc). */
template <int MR_>
KD_FN void micro_kernel(int nr, int kc, const float* __restrict Ap, const float* __restrict Bp, float* __restrict C,
                        i64 ldc, bool acc) {
  __m512 c0[MR_];
  __m512 c1[MR_];
#pragma GCC unroll 16
  for (int i = 0; i < MR_; i++) {
    if (acc) {
      _mm_prefetch(reinterpret_cast<const char*>(C + i * ldc), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(C + i * ldc + 16), _MM_HINT_T0);
    }
    c0[i] = _mm512_setzero_ps();
    c1[i] = _mm512_setzero_ps();
  }
  for (int k = 0; k < kc; k++) {
    const __m512 b0 = _mm512_load_ps(Bp);
    const __m512 b1 = _mm512_load_ps(Bp + 16);
#pragma GCC unroll 16
    for (int i = 0; i < MR_; i++) {
      const __m512 a = _mm512_set1_ps(Ap[i]);
      c0[i] = _mm512_fmadd_ps(a, b0, c0[i]);
      c1[i] = _mm512_fmadd_ps(a, b1, c1[i]);
    }
    Ap += MR_;
    Bp += 32;
  }
  if (nr == 32) {
#pragma GCC unroll 16
    for (int i = 0; i < MR_; i++) {
      float* c = C + i * ldc;
      if (acc) {
        c0[i] = _mm512_add_ps(_mm512_loadu_ps(c), c0[i]);
        c1[i] = _mm512_add_ps(_mm512_loadu_ps(c + 16), c1[i]);
      }
      _mm512_storeu_ps(c, c0[i]);
      _mm512_storeu_ps(c + 16, c1[i]);
    }
  } else {
    const __mmask16 m0 = nr >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << nr) - 1);
    const __mmask16 m1 = nr <= 16 ? 0 : static_cast<__mmask16>((1u << (nr - 16)) - 1);
#pragma GCC unroll 16
    for (int i = 0; i < MR_; i++) {
      float* c = C + i * ldc;
      if (acc) {
        c0[i] = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, c), c0[i]);
        c1[i] = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, c + 16), c1[i]);
      }
      _mm512_mask_storeu_ps(c, m0, c0[i]);
      _mm512_mask_storeu_ps(c + 16, m1, c1[i]);
    }
  }
}

struct Avx512Kernel {
  static constexpr int MR = 14;
  static constexpr int NR = 32;
  static constexpr int KC = KD_AVX512_KC;
  static constexpr int MC = KD_AVX512_MC;
  static constexpr int NC = KD_AVX512_NC;

  KD_FN static void kernel(int mr, int nr, int kc, const float* Ap, const float* Bp, float* C, i64 ldc, bool acc) {
    switch (mr) {
      case 14: return micro_kernel<14>(nr, kc, Ap, Bp, C, ldc, acc);
      case 13: return micro_kernel<13>(nr, kc, Ap, Bp, C, ldc, acc);
      case 12: return micro_kernel<12>(nr, kc, Ap, Bp, C, ldc, acc);
      case 11: return micro_kernel<11>(nr, kc, Ap, Bp, C, ldc, acc);
      case 10: return micro_kernel<10>(nr, kc, Ap, Bp, C, ldc, acc);
      case 9: return micro_kernel<9>(nr, kc, Ap, Bp, C, ldc, acc);
      case 8: return micro_kernel<8>(nr, kc, Ap, Bp, C, ldc, acc);
      case 7: return micro_kernel<7>(nr, kc, Ap, Bp, C, ldc, acc);
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

KD_TARGET_AVX512 void sgemm_avx512(const GemmArgs& g, bool threads) { gemm<Avx512Kernel>(g, threads); }

}  // namespace kd

#else  // not x86-64: never dispatched

namespace kd {
void sgemm_avx512(const GemmArgs& g, bool threads) { sgemm_generic(g, threads); }
}  // namespace kd

#endif
