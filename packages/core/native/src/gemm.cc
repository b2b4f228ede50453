// GEMM entry points: ISA dispatch, the choice of orientation, and batches.
#include "gemm.h"

#include <algorithm>

#include "threads.h"

namespace kd {

namespace {

/** Columns per micro-tile of the active kernels (the vector width the N dim is cut into). */
int tile_width(Isa isa) { return isa == Isa::Avx512 ? 32 : isa == Isa::Avx2 ? 16 : 8; }

/** Share of useful lanes when n columns are cut into tiles of width w. */
double lane_use(int n, int w) { return static_cast<double>(n) / (((n + w - 1) / w) * w); }

}  // namespace

void sgemm(const GemmArgs& g0, bool threads) {
  if (g0.M <= 0 || g0.N <= 0) return;
  if (g0.K <= 0) {  // an empty sum: C = 0 (or unchanged)
    if (!g0.accumulate) {
      for (int i = 0; i < g0.M; i++) {
        for (int j = 0; j < g0.N; j++) g0.C[i * g0.rsc + j * g0.csc] = 0.0f;
      }
    }
    return;
  }
  const Isa isa = active_isa();
  GemmArgs g = g0;
  // The micro-kernels vectorize along N; a narrow N (a matrix-vector product, a 10-class output
  // layer) wastes most lanes, so compute the transposed product C^T = B^T A^T instead when M
  // fills the lanes better.
  const int w = tile_width(isa);
  if (g.N < w && lane_use(g.M, w) > lane_use(g.N, w)) {
    g = GemmArgs{g0.N, g0.M, g0.K, g0.B, g0.csb, g0.rsb, g0.A, g0.csa, g0.rsa, g0.C, g0.csc, g0.rsc, g0.accumulate};
  }
  switch (isa) {
    case Isa::Avx512:
      sgemm_avx512(g, threads);
      break;
    case Isa::Avx2:
      sgemm_avx2(g, threads);
      break;
    default:
      sgemm_generic(g, threads);
  }
}

void sgemm_batched(int batch, const GemmArgs& g, i64 sA, i64 sB, i64 sC) {
  if (batch <= 0) return;
  const double flops = 2.0 * g.M * g.N * g.K;
  const int nthreads = num_threads();
  // Many small products: one per task (each single-threaded); otherwise parallelize inside each.
  if (nthreads > 1 && batch >= nthreads && flops < 2.0e7 && flops * batch >= 2.0e6) {
    parallel_for(batch, [&](int p) {
      GemmArgs e = g;
      e.A += p * sA;
      e.B += p * sB;
      e.C += p * sC;
      sgemm(e, false);
    });
    return;
  }
  for (int p = 0; p < batch; p++) {
    GemmArgs e = g;
    e.A += p * sA;
    e.B += p * sB;
    e.C += p * sC;
    sgemm(e, true);
  }
}

}  // namespace kd
