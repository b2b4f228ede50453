// Portable GEMM (any CPU): a 6 x 8 micro-kernel in plain C++ that the compiler vectorizes for
// the architecture's baseline (SSE2 on x86-64, NEON on arm64).
#include <algorithm>
#include <cstdlib>

#include "gemm.h"
#include "threads.h"

namespace kd {
namespace {

#define KD_FN

/** C[i*ldc + j] (+)= sum_k Ap[k*MR_ + i] * Bp[k*8 + j], i < MR_, j < nr (adds when acc). */
template <int MR_>
void micro_kernel(int nr, int kc, const float* __restrict Ap, const float* __restrict Bp, float* __restrict C,
                  i64 ldc, bool acc) {
  float sum[MR_][8] = {};
  for (int k = 0; k < kc; k++) {
    for (int i = 0; i < MR_; i++) {
      const float a = Ap[i];
      for (int j = 0; j < 8; j++) sum[i][j] += a * Bp[j];
    }
    Ap += MR_;
    Bp += 8;
  }
  for (int i = 0; i < MR_; i++) {
    float* c = C + i * ldc;
    if (acc) {
      for (int j = 0; j < nr; j++) c[j] += sum[i][j];
    } else {
      for (int j = 0; j < nr; j++) c[j] = sum[i][j];
    }
  }
}

struct GenericKernel {
  static constexpr int MR = 6;
  static constexpr int NR = 8;
  static constexpr int KC = 256;
  static constexpr int MC = 6 * 24;
  static constexpr int NC = 8 * 512;

  static void kernel(int mr, int nr, int kc, const float* Ap, const float* Bp, float* C, i64 ldc, bool acc) {
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

void sgemm_generic(const GemmArgs& g, bool threads) { gemm<GenericKernel>(g, threads); }

}  // namespace kd
