// Fused float32 convolution (groups = 1): forward, input gradient and weight gradient.
//
// With AVX-512, the passes run on direct kernels (no GEMM packing, no batch-sized buffers):
//
// - Forward, stride 1 (and strided 1x1, on the sampled image): each image is copied once into a
//   zero-padded buffer [C, Hp, Wp]. On the "wide" output grid (oh rows of Wp columns, the last
//   Wp - ow of each row junk) the window element k = (c, i, j) of position P is the padded-plane
//   entry P + c*Hp*Wp + i*dh*Wp + j*dw, so the operand of out[co, P] = sum_k W[co, k] * X[k, P] is
//   read in place, 16 consecutive positions per vector: no im2col at all. A register-blocked tile
//   (up to 14 output channels x 2 vectors, or fewer channels x more vectors; 28 accumulators)
//   broadcasts the weights (packed once per call) and stores into the output rows through masks
//   that drop the junk columns and add the bias. The junk costs (Wp - ow) / Wp of the arithmetic
//   (2/16 for 14x14 with pad 1), less than building columns costs.
// - Forward, other strides: per block of output rows, window columns built with 16-wide vector
//   loads (gathers across the stride) and the same kind of tile over 32-position panels of them.
// - Input gradient, stride 1: the wide-grid kernel again (dx is the stride-1 convolution of g
//   padded by d*(k-1) - p with the flipped, transposed weights), unless the padding makes that
//   over 3x the work (large valid kernels on small grids), which takes the column path.
// - Weight gradient, any stride and dilation: dW[co, k] = sum_P g[co, P] * patch[P, k], with g
//   transposed to [P, Cout] and the positions as the reduction (blocks of ~512 positions, two-level
//   sums); the patches are read in place from a channels-last padded copy of the images when each
//   window row is kw*C contiguous floats filling whole 32-lane panels, and materialised (16
//   positions at a time, transposed in registers) otherwise.
//
// Other ISAs, and the strided input gradient, take the column path: over chunks of images, the
// window columns of B images go side by side into one [K, B*L] buffer (about 1 MiB, reused across
// chunks and calls), so each pass is one GEMM with a long dimension B*L.
#include "conv.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "threads.h"

#if KD_X86
#include <immintrin.h>
#endif

namespace kd {
namespace {

/** Column-buffer budget per chunk: well inside the L2 of current CPUs. */
constexpr i64 kChunkBytes = i64{1} << 20;

/** A buffer grown on demand; kernels run on the JavaScript thread, one at a time. */
float* buffer(std::vector<float>& v, i64 n) {
  if (static_cast<i64>(v.size()) < n) v.resize(static_cast<size_t>(n));
  return v.data();
}
std::vector<float> cols_buf, rows_buf;

struct Dims {
  i64 K, L, image, B;
};

Dims dims_of(const ConvShape& s) {
  Dims d;
  d.K = static_cast<i64>(s.C) * s.w.kh * s.w.kw;
  d.L = static_cast<i64>(s.w.oh) * s.w.ow;
  d.image = static_cast<i64>(s.C) * s.H * s.W;
  const i64 per_image = std::max<i64>(1, (d.K + s.Cout) * d.L * static_cast<i64>(sizeof(float)));
  d.B = std::max<i64>(1, std::min<i64>(s.N, kChunkBytes / per_image));
  return d;
}

/** Image n's columns into column block b of a [K, B*L] buffer (row stride ld = B*L). */
void image_to_cols(const float* x, int n, const ConvShape& s, const Dims& d, float* cols, i64 b, i64 ld) {
  const i64 plane = static_cast<i64>(s.H) * s.W;
  const i64 plane_rows = static_cast<i64>(s.w.kh) * s.w.kw;
  const float* img = x + n * d.image;
  for (int c = 0; c < s.C; c++) {
    transfer_plane(const_cast<float*>(img + c * plane), cols + c * plane_rows * ld + b * d.L, s.H, s.W, s.w, true,
                   0.0f, ld);
  }
}

/** Adds column block b of a [K, B*L] buffer into image n of dx. */
void cols_to_image(float* dx, int n, const ConvShape& s, const Dims& d, float* cols, i64 b, i64 ld) {
  const i64 plane = static_cast<i64>(s.H) * s.W;
  const i64 plane_rows = static_cast<i64>(s.w.kh) * s.w.kw;
  float* img = dx + n * d.image;
  for (int c = 0; c < s.C; c++) {
    transfer_plane(img + c * plane, cols + c * plane_rows * ld + b * d.L, s.H, s.W, s.w, false, 0.0f, ld);
  }
}

void columns_forward(const float* x, const float* weight, const float* bias, float* out, const ConvShape& s) {
  const Dims d = dims_of(s);
  float* cols = buffer(cols_buf, d.K * d.B * d.L);
  float* rows = buffer(rows_buf, s.Cout * d.B * d.L);
  for (int n0 = 0; n0 < s.N; n0 += static_cast<int>(d.B)) {
    const i64 nb = std::min<i64>(d.B, s.N - n0);
    const i64 ld = nb * d.L;
    for (i64 b = 0; b < nb; b++) image_to_cols(x, static_cast<int>(n0 + b), s, d, cols, b, ld);
    // rows [Cout, nb*L] = weight [Cout, K] @ cols [K, nb*L]
    sgemm({s.Cout, static_cast<int>(ld), static_cast<int>(d.K), weight, d.K, 1, cols, ld, 1, rows, ld, 1, false}, true);
    for (i64 b = 0; b < nb; b++) {
      float* o = out + (n0 + b) * s.Cout * d.L;
      for (int c = 0; c < s.Cout; c++) {
        const float* r = rows + c * ld + b * d.L;
        const float add = bias != nullptr ? bias[c] : 0.0f;
        for (i64 l = 0; l < d.L; l++) o[c * d.L + l] = r[l] + add;
      }
    }
  }
}

void columns_backward_input(const float* g, const float* weight, float* dx, const ConvShape& s) {
  const Dims d = dims_of(s);
  float* cols = buffer(cols_buf, d.K * d.B * d.L);
  float* rows = buffer(rows_buf, s.Cout * d.B * d.L);
  for (int n0 = 0; n0 < s.N; n0 += static_cast<int>(d.B)) {
    const i64 nb = std::min<i64>(d.B, s.N - n0);
    const i64 ld = nb * d.L;
    for (i64 b = 0; b < nb; b++) {
      for (int c = 0; c < s.Cout; c++) {
        std::memcpy(rows + c * ld + b * d.L, g + ((n0 + b) * s.Cout + c) * d.L, sizeof(float) * d.L);
      }
    }
    // dcols [K, nb*L] = weight^T [K, Cout] @ rows [Cout, nb*L]
    sgemm({static_cast<int>(d.K), static_cast<int>(ld), s.Cout, weight, 1, d.K, rows, ld, 1, cols, ld, 1, false},
          true);
    for (i64 b = 0; b < nb; b++) cols_to_image(dx, static_cast<int>(n0 + b), s, d, cols, b, ld);
  }
}

void columns_backward_weight(const float* g, const float* x, float* dw, const ConvShape& s) {
  const Dims d = dims_of(s);
  float* cols = buffer(cols_buf, d.K * d.B * d.L);
  float* rows = buffer(rows_buf, s.Cout * d.B * d.L);
  if (s.N == 0) std::memset(dw, 0, sizeof(float) * static_cast<size_t>(s.Cout * d.K));
  for (int n0 = 0; n0 < s.N; n0 += static_cast<int>(d.B)) {
    const i64 nb = std::min<i64>(d.B, s.N - n0);
    const i64 ld = nb * d.L;
    for (i64 b = 0; b < nb; b++) {
      image_to_cols(x, static_cast<int>(n0 + b), s, d, cols, b, ld);
      for (int c = 0; c < s.Cout; c++) {
        std::memcpy(rows + c * ld + b * d.L, g + ((n0 + b) * s.Cout + c) * d.L, sizeof(float) * d.L);
      }
    }
    // dw [Cout, K] (+)= rows [Cout, nb*L] @ cols^T [nb*L, K]
    sgemm({s.Cout, static_cast<int>(d.K), static_cast<int>(ld), rows, ld, 1, cols, 1, ld, dw, d.K, 1, n0 > 0}, true);
  }
}

#if KD_X86

#define KD_FN KD_TARGET_AVX512
// GCC 12 reports the intrinsics' own `__Y = __Y` placeholders (shuffles of the transposes).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

/** Most broadcast rows per micro-tile: 2*14 accumulators + 2 operand vectors + 1 broadcast. */
constexpr int kMaxRows = 14;

/** Row tiles: M rows cut into ceil(M / 14) tiles of nearly equal height (64 -> 13,13,13,13,12). */
inline int tile_count(int M) { return (M + kMaxRows - 1) / kMaxRows; }
inline int tile_start(int M, int T, int t) { return static_cast<int>(static_cast<i64>(M) * t / T); }

/** An aligned, growing per-thread buffer. */
struct Aligned {
  float* data = nullptr;
  i64 size = 0;
  float* get(i64 n) {
    if (n > size) {
      std::free(data);
      data = static_cast<float*>(std::aligned_alloc(64, static_cast<size_t>((n * 4 + 63) / 64 * 64)));
      size = data != nullptr ? n : 0;
    }
    return data;
  }
  ~Aligned() { std::free(data); }
};
/** Per-thread scratch (kernels may run on pool threads). */
thread_local Aligned t_pad, t_image, t_rows, t_grad;

/** Lanes [0, n) of a 16-lane mask (n clamped to [0, 16]). */
inline __mmask16 lanes(i64 n) {
  return n <= 0 ? 0 : n >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << n) - 1);
}

/** A masked store of one vector of 16 wide-grid positions into one output row. */
struct Seg {
  i64 off;  // output element of lane 0 (relative to the output plane)
  __mmask16 mask;
};

/** Packs rows [r0, r0 + h) of an M x K operand (element (r, k) = get(r, k)) as Ap[k*h + i]. */
template <class Get>
void pack_rows(int r0, int h, int K, float* Ap, Get get) {
  for (int k = 0; k < K; k++) {
    for (int i = 0; i < h; i++) Ap[static_cast<i64>(k) * h + i] = get(r0 + i, k);
  }
}

/**
 * Position vectors (16 lanes each) per wide tile of `rows` output rows: as many accumulators as the
 * registers allow (rows*nv + nv operand vectors + 1 broadcast <= 32, at most 28 accumulators).
 */
constexpr int wide_vectors(int rows) {
  int nv = 8;
  while (nv > 1 && (rows * nv > 28 || rows * nv + nv + 1 > 32)) nv--;
  return nv;
}

/**
 * One wide-grid tile: out rows [0, MR) (row stride ldo) of NV vectors of 16 positions whose operand
 * rows start at xb + off[k] (vector v at + 16v), k < K; Ap holds the MR weights of each k. Vector v
 * goes out through its masked segments segs[first[v]], ..., segs[first[v+1] - 1]; bias (when not
 * null) is added per row.
 */
template <int MR, int NV>
KD_FN void wide_tile(int K, const float* __restrict Ap, const float* xb, const int32_t* __restrict off, float* out,
                     i64 ldo, const Seg* segs, const int* first, const float* bias) {
  __m512 c[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++) {
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) c[i][v] = _mm512_setzero_ps();
  }
  for (int k = 0; k < K; k++) {
    const float* b = xb + off[k];
    __m512 bv[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) bv[v] = _mm512_loadu_ps(b + 16 * v);
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++) {
      const __m512 a = _mm512_set1_ps(Ap[i]);
#pragma GCC unroll 8
      for (int v = 0; v < NV; v++) c[i][v] = _mm512_fmadd_ps(a, bv[v], c[i][v]);
    }
    Ap += MR;
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++) {
    const __m512 bi = bias != nullptr ? _mm512_set1_ps(bias[i]) : _mm512_setzero_ps();
    float* o = out + i * ldo;
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) {
      const __m512 r = _mm512_add_ps(c[i][v], bi);
      for (int e = first[v]; e < first[v + 1]; e++) _mm512_mask_storeu_ps(o + segs[e].off, segs[e].mask, r);
    }
  }
}

using WideFn = void (*)(int, const float*, const float*, const int32_t*, float*, i64, const Seg*, const int*,
                        const float*);
template <int MR, int NV>
constexpr WideFn wide_fn() {
  return wide_tile<MR, (NV < wide_vectors(MR) ? NV : wide_vectors(MR))>;
}
template <int MR>
constexpr std::array<WideFn, 9> wide_row() {
  return {nullptr,          wide_fn<MR, 1>(), wide_fn<MR, 2>(), wide_fn<MR, 3>(), wide_fn<MR, 4>(),
          wide_fn<MR, 5>(), wide_fn<MR, 6>(), wide_fn<MR, 7>(), wide_fn<MR, 8>()};
}
/** kWide[rows][nv]: the tile of `rows` output rows and nv position vectors (nv <= wide_vectors(rows)). */
constexpr std::array<WideFn, 9> kWide[kMaxRows + 1] = {
    {},           wide_row<1>(),  wide_row<2>(),  wide_row<3>(),  wide_row<4>(),  wide_row<5>(),
    wide_row<6>(), wide_row<7>(),  wide_row<8>(),  wide_row<9>(),  wide_row<10>(), wide_row<11>(),
    wide_row<12>(), wide_row<13>(), wide_row<14>()};

/**
 * A stride-1 convolution on the wide grid: src [N, Cin, H, W] placed at (ph, pw) (negative: cropped)
 * in a zero-padded plane of Hp = oh + dh*(kh-1) rows and Wp = ow + dw*(kw-1) columns (so any extra
 * bottom / right padding, as 'same' with an even kernel, is zeros too), weights packed by tile (Ap:
 * tile rows [r0, r0+h) at Ap + r0*K, as pack_rows), dst [N, M, oh, ow] overwritten (plus bias).
 */
struct Wide {
  int N, Cin, H, W, ph, pw, kh, kw, dh, dw, M, oh, ow;
  int sy = 1, sx = 1;  // sampling of the source (1x1 strided convolutions: the sampled image, unpadded)
  i64 Hp() const { return static_cast<i64>(oh) + static_cast<i64>(dh) * (kh - 1); }
  i64 Wp() const { return static_cast<i64>(ow) + static_cast<i64>(dw) * (kw - 1); }
};

bool wide_fits(const Wide& w) {
  return w.oh >= 1 && w.ow >= 1 && static_cast<i64>(w.Cin) * w.Hp() * w.Wp() + w.Wp() * 64 < (i64{1} << 30);
}

/**
 * dst [C, Hp, Wp] from img [C, H, W]: dst[c, y, x] = img[c, y*sy - ph, x*sx - pw], zero outside
 * the image (sy = sx = 1: the image at (ph, pw), zeros around, what falls outside cropped).
 */
void pad_image(const float* img, int C, i64 H, i64 W, i64 ph, i64 pw, i64 Hp, i64 Wp, float* dst, i64 sy = 1,
               i64 sx = 1) {
  const i64 plane = Hp * Wp;
  // Rows [y0, y1) and columns [x0, x1) read the image.
  const i64 y0 = std::clamp<i64>((ph + sy - 1) / sy, 0, Hp), y1 = std::clamp<i64>((H - 1 + ph) / sy + 1, y0, Hp);
  const i64 x0 = std::clamp<i64>((pw + sx - 1) / sx, 0, Wp), x1 = std::clamp<i64>((W - 1 + pw) / sx + 1, x0, Wp);
  for (int c = 0; c < C; c++) {
    float* pc = dst + c * plane;
    const float* sc = img + c * H * W;
    if (y0 > 0) std::memset(pc, 0, sizeof(float) * y0 * Wp);
    for (i64 y = y0; y < y1; y++) {
      float* d = pc + y * Wp;
      const float* r = sc + (y * sy - ph) * W;
      for (i64 x = 0; x < x0; x++) d[x] = 0.0f;
      if (sx == 1) {
        if (x1 > x0) std::memcpy(d + x0, r + (x0 - pw), sizeof(float) * (x1 - x0));
      } else {
        for (i64 x = x0; x < x1; x++) d[x] = r[x * sx - pw];
      }
      for (i64 x = x1; x < Wp; x++) d[x] = 0.0f;
    }
    if (y1 < Hp) std::memset(pc + y1 * Wp, 0, sizeof(float) * (Hp - y1) * Wp);
  }
}

KD_FN void wide_conv(const float* src, const float* Ap, const float* bias, float* dst, const Wide& w, bool threads) {
  const i64 Hp = w.Hp(), Wp = w.Wp();
  const i64 plane = Hp * Wp;
  const i64 L = static_cast<i64>(w.oh) * w.ow;
  const i64 wide = static_cast<i64>(w.oh) * Wp;
  const int K = w.Cin * w.kh * w.kw;
  std::vector<int32_t> off(static_cast<size_t>(K));
  for (int c = 0, k = 0; c < w.Cin; c++) {
    for (int i = 0; i < w.kh; i++) {
      for (int j = 0; j < w.kw; j++, k++) off[k] = static_cast<int32_t>(c * plane + i * w.dh * Wp + j * w.dw);
    }
  }
  // Output segments of each vector of 16 positions: lanes of one output row, junk columns left out.
  const int nvec = static_cast<int>((wide + 15) / 16);
  std::vector<Seg> segs;
  std::vector<int> first(static_cast<size_t>(nvec + 1));
  for (int v = 0; v < nvec; v++) {
    first[v] = static_cast<int>(segs.size());
    const i64 p0 = static_cast<i64>(v) * 16;
    i64 row = -1;
    for (int t = 0; t < 16; t++) {
      const i64 P = p0 + t;
      if (P >= wide) break;
      const i64 y = P / Wp, x = P % Wp;
      if (x >= w.ow) continue;
      if (y != row) {
        segs.push_back(Seg{p0 - y * (Wp - w.ow), 0});
        row = y;
      }
      segs.back().mask = static_cast<__mmask16>(segs.back().mask | (1u << t));
    }
  }
  first[nvec] = static_cast<int>(segs.size());
  // The padded image, then a zero guard for the junk lanes of the last vectors.
  const i64 guard = static_cast<i64>(nvec + 8) * 16 + off[K - 1] + 16;
  const i64 padded = std::max<i64>(static_cast<i64>(w.Cin) * plane, guard);
  const i64 src_image = static_cast<i64>(w.Cin) * w.H * w.W;
  const int T = tile_count(w.M);
  // Position vectors per group: the groups run one after the other through all row tiles, so the
  // group's window rows (all channels) stay in L2 across the tiles (large images).
  const i64 row_bytes = static_cast<i64>(w.Cin) * Wp * 4;
  const i64 group_rows =
      std::max<i64>(1, (i64{512} << 10) / std::max<i64>(1, row_bytes) - static_cast<i64>(w.dh) * (w.kh - 1));
  int gv = static_cast<int>(std::min<i64>(nvec, std::max<i64>(24, (group_rows * Wp + 15) / 16 / 24 * 24)));
  const int nthreads = threads ? num_threads() : 1;
  const double flops = 2.0 * w.N * w.M * K * wide;
  const bool parallel = nthreads > 1 && flops >= 2.0e6;
  if (parallel && w.N < nthreads) {  // few images: split each image's positions
    gv = std::max(1, std::min(gv, (nvec + 2 * nthreads - 1) / (2 * nthreads)));
  }
  const int groups = (nvec + gv - 1) / gv;
  /** Position vectors [v0, v1) of image n, padded into xp, through every row tile. */
  auto run = [&](const float* xp, int n, int v0, int v1) {
    float* o = dst + n * static_cast<i64>(w.M) * L;
    for (int t = 0; t < T; t++) {
      const int r0 = tile_start(w.M, T, t), h = tile_start(w.M, T, t + 1) - r0;
      const int nv = wide_vectors(h);
      const float* ap = Ap + static_cast<i64>(r0) * K;
      const float* bt = bias != nullptr ? bias + r0 : nullptr;
      for (int v = v0; v < v1; v += nv) {
        const int m = std::min(nv, v1 - v);
        kWide[h][m](K, ap, xp + static_cast<i64>(v) * 16, off.data(), o + r0 * L, L, segs.data(), first.data() + v,
                    bt);
      }
    }
  };
  auto pad = [&](int n) {
    float* xp = t_pad.get(padded + 16);
    std::memset(xp + static_cast<i64>(w.Cin) * plane, 0, sizeof(float) * (padded + 16 - w.Cin * plane));
    pad_image(src + n * src_image, w.Cin, w.H, w.W, w.ph, w.pw, Hp, Wp, xp, w.sy, w.sx);
    return xp;
  };
  auto one = [&](int n) {
    const float* xp = pad(n);
    for (int g = 0; g < groups; g++) run(xp, n, g * gv, std::min(nvec, (g + 1) * gv));
  };
  if (parallel && w.N >= nthreads) {
    parallel_for(w.N, one);
  } else if (parallel) {
    for (int n = 0; n < w.N; n++) {
      const float* xp = pad(n);
      parallel_for(groups, [&](int g) { run(xp, n, g * gv, std::min(nvec, (g + 1) * gv)); });
    }
  } else {
    for (int n = 0; n < w.N; n++) one(n);
  }
}

/** The 16 x 16 transpose of r (r[i] lane j -> r[j] lane i). */
KD_FN inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int k = 0; k < 8; k++) {
    t[2 * k] = _mm512_unpacklo_ps(r[2 * k], r[2 * k + 1]);
    t[2 * k + 1] = _mm512_unpackhi_ps(r[2 * k], r[2 * k + 1]);
  }
  for (int k = 0; k < 4; k++) {
    r[4 * k] = _mm512_shuffle_ps(t[4 * k], t[4 * k + 2], 0x44);
    r[4 * k + 1] = _mm512_shuffle_ps(t[4 * k], t[4 * k + 2], 0xEE);
    r[4 * k + 2] = _mm512_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0x44);
    r[4 * k + 3] = _mm512_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0xEE);
  }
  for (int m = 0; m < 4; m++) {
    t[m] = _mm512_shuffle_f32x4(r[m], r[4 + m], 0x88);
    t[4 + m] = _mm512_shuffle_f32x4(r[m], r[4 + m], 0xDD);
    t[8 + m] = _mm512_shuffle_f32x4(r[8 + m], r[12 + m], 0x88);
    t[12 + m] = _mm512_shuffle_f32x4(r[8 + m], r[12 + m], 0xDD);
  }
  for (int m = 0; m < 4; m++) {
    r[m] = _mm512_shuffle_f32x4(t[m], t[8 + m], 0x88);
    r[8 + m] = _mm512_shuffle_f32x4(t[m], t[8 + m], 0xDD);
    r[4 + m] = _mm512_shuffle_f32x4(t[4 + m], t[12 + m], 0x88);
    r[12 + m] = _mm512_shuffle_f32x4(t[4 + m], t[12 + m], 0xDD);
  }
}

/** dst[j*ldd + i] = src[i*lds + j] for i < rows, j < cols (16 x 16 blocks transposed in registers). */
KD_FN void transpose(const float* src, i64 rows, i64 cols, i64 lds, float* dst, i64 ldd) {
  for (i64 i0 = 0; i0 < rows; i0 += 16) {
    const int ni = static_cast<int>(std::min<i64>(16, rows - i0));
    for (i64 j0 = 0; j0 < cols; j0 += 16) {
      const int nj = static_cast<int>(std::min<i64>(16, cols - j0));
      const __mmask16 mj = lanes(nj), mi = lanes(ni);
      __m512 r[16];
      for (int i = 0; i < 16; i++) {
        r[i] = i < ni ? _mm512_maskz_loadu_ps(mj, src + (i0 + i) * lds + j0) : _mm512_setzero_ps();
      }
      transpose16(r);
      for (int j = 0; j < nj; j++) _mm512_mask_storeu_ps(dst + (j0 + j) * ldd + i0, mi, r[j]);
    }
  }
}

/**
 * C[i*ldc + j] (+)= sum over steps of A[s*sa + i] * B[s*sb + j] for i < MR, j < 32 (lanes of m0 / m1
 * stored; adds to C when acc). The steps run in nrows rows of row_len: row r reads B from
 * B + rowoff[r] (B itself when rowoff is null: one row) on; A runs on across rows.
 */
template <int MR>
KD_FN void rows_tile(int nrows, int row_len, const float* __restrict A, i64 sa, const float* B, const i64* rowoff,
                     i64 sb, float* C, i64 ldc, __mmask16 m0, __mmask16 m1, bool acc, const float* bias) {
  __m512 c0[MR], c1[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++) {
    c0[i] = _mm512_setzero_ps();
    c1[i] = _mm512_setzero_ps();
  }
  for (int r = 0; r < nrows; r++) {
    const float* b = rowoff != nullptr ? B + rowoff[r] : B;
    for (int s = 0; s < row_len; s++) {
      const __m512 b0 = _mm512_loadu_ps(b);
      const __m512 b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 16
      for (int i = 0; i < MR; i++) {
        const __m512 a = _mm512_set1_ps(A[i]);
        c0[i] = _mm512_fmadd_ps(a, b0, c0[i]);
        c1[i] = _mm512_fmadd_ps(a, b1, c1[i]);
      }
      A += sa;
      b += sb;
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; i++) {
    float* c = C + i * ldc;
    __m512 v0 = c0[i], v1 = c1[i];
    if (acc) {
      v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, c));
      v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, c + 16));
    } else if (bias != nullptr) {
      v0 = _mm512_add_ps(v0, _mm512_set1_ps(bias[i]));
      v1 = _mm512_add_ps(v1, _mm512_set1_ps(bias[i]));
    }
    _mm512_mask_storeu_ps(c, m0, v0);
    _mm512_mask_storeu_ps(c + 16, m1, v1);
  }
}

using RowsFn = void (*)(int, int, const float*, i64, const float*, const i64*, i64, float*, i64, __mmask16, __mmask16,
                        bool, const float*);
constexpr RowsFn kRows[kMaxRows + 1] = {nullptr,      rows_tile<1>,  rows_tile<2>,  rows_tile<3>,  rows_tile<4>,
                                        rows_tile<5>, rows_tile<6>,  rows_tile<7>,  rows_tile<8>,  rows_tile<9>,
                                        rows_tile<10>, rows_tile<11>, rows_tile<12>, rows_tile<13>, rows_tile<14>};


/**
 * Forward of any stride and dilation through column panels: per image, blocks of output rows get
 * their window columns [K, positions] built with 16-position vector loads (gathers when strided)
 * from the padded image, and the row tiles of the packed weights (Ap as for wide_conv) run over
 * 32-position panels of them straight into the output (plus bias): no GEMM packing, no row copies.
 */
KD_FN void column_conv(const float* x, const float* Ap, const float* bias, float* out, const ConvShape& s,
                       bool threads) {
  const Window& w = s.w;
  const int K = s.C * w.kh * w.kw, M = s.Cout;
  const i64 Hp = static_cast<i64>(w.oh - 1) * w.sh + static_cast<i64>(w.kh - 1) * w.dh + 1;
  const i64 Wp = static_cast<i64>(w.ow - 1) * w.sw + static_cast<i64>(w.kw - 1) * w.dw + 1, plane = Hp * Wp;
  const i64 L = static_cast<i64>(w.oh) * w.ow;
  const i64 image = static_cast<i64>(s.C) * s.H * s.W;
  // Output rows per block: its columns within about 512 KiB.
  const int rb = static_cast<int>(std::clamp<i64>((i64{512} << 10) / (i64{4} * K * w.ow), 1, w.oh));
  const i64 ldb = (static_cast<i64>(rb) * w.ow + 15) / 16 * 16 + 32;
  std::vector<int32_t> off(static_cast<size_t>(K));
  for (int c = 0, k = 0; c < s.C; c++) {
    for (int i = 0; i < w.kh; i++) {
      for (int j = 0; j < w.kw; j++, k++) off[k] = static_cast<int32_t>(c * plane + i * w.dh * Wp + j * w.dw);
    }
  }
  const int T = tile_count(M);
  const __m512i step = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                          _mm512_set1_epi32(w.sw));
  auto one = [&](int n) KD_FN {
    float* xp = t_pad.get(static_cast<i64>(s.C) * plane + 16);
    pad_image(x + n * image, s.C, s.H, s.W, w.ph, w.pw, Hp, Wp, xp);
    float* cols = t_rows.get(K * ldb);
    float* o = out + n * static_cast<i64>(M) * L;
    for (int y0 = 0; y0 < w.oh; y0 += rb) {
      const int y1 = std::min(w.oh, y0 + rb);
      const i64 bp = static_cast<i64>(y1 - y0) * w.ow;  // positions of the block
      for (int k = 0; k < K; k++) {
        float* row = cols + k * ldb;
        for (int y = y0; y < y1; y++) {
          const float* base = xp + off[k] + static_cast<i64>(y) * w.sh * Wp;
          float* d = row + static_cast<i64>(y - y0) * w.ow;
          for (int x0 = 0; x0 < w.ow; x0 += 16) {
            const __mmask16 mp = lanes(w.ow - x0);
            const __m512 v = w.sw == 1 ? _mm512_maskz_loadu_ps(mp, base + x0)
                                       : _mm512_mask_i32gather_ps(_mm512_setzero_ps(), mp, step,
                                                                  base + static_cast<i64>(x0) * w.sw, 4);
            _mm512_mask_storeu_ps(d + x0, mp, v);
          }
        }
      }
      for (i64 p0 = 0; p0 < bp; p0 += 32) {
        const __mmask16 m0 = lanes(bp - p0), m1 = lanes(bp - p0 - 16);
        float* dst = o + static_cast<i64>(y0) * w.ow + p0;
        for (int t = 0; t < T; t++) {
          const int r0 = tile_start(M, T, t), h = tile_start(M, T, t + 1) - r0;
          kRows[h](1, K, Ap + static_cast<i64>(r0) * K, h, cols + p0, nullptr, ldb, dst + r0 * L, L, m0, m1, false,
                   bias != nullptr ? bias + r0 : nullptr);
        }
      }
    }
  };
  const double flops = 2.0 * s.N * M * static_cast<double>(K) * L;
  if (threads && num_threads() > 1 && s.N > 1 && flops >= 2.0e6) {
    parallel_for(s.N, one);
  } else {
    for (int n = 0; n < s.N; n++) one(n);
  }
}

/**
 * Weight gradient as one product per chunk of images, the positions being the reduction:
 * dW[co, k] = sum_P g[co, P] * patch[P, k], with g transposed to gt [P, Cout] and the patches
 *
 * - channels-last (k = (i, j, c)) read in place from a channels-last padded copy of the images, when
 *   dw = 1 and kw*C is a multiple of 32 (each 32-lane panel of k lies in one window row i and is
 *   contiguous there);
 * - otherwise materialised as rows of k = (c, i, j) (16 positions at a time: 16-wide loads of the
 *   padded image per k, transposed in registers), the product vectorised over k or, when Cout
 *   fills the lanes better, over Cout.
 *
 * Partial sums per task (image range) are added at the end.
 */
KD_FN void patch_backward_weight(const float* g, const float* x, float* dw, const ConvShape& s, bool threads) {
  const Window& w = s.w;
  const int C = s.C, Co = s.Cout;
  // The padded extent the windows reach (the image at (ph, pw), zeros around, the rest cropped).
  const i64 Hp = static_cast<i64>(w.oh - 1) * w.sh + static_cast<i64>(w.kh - 1) * w.dh + 1;
  const i64 Wp = static_cast<i64>(w.ow - 1) * w.sw + static_cast<i64>(w.kw - 1) * w.dw + 1, plane = Hp * Wp;
  const i64 L = static_cast<i64>(w.oh) * w.ow;
  const int Kp = w.kh * w.kw * C;
  const i64 image = static_cast<i64>(C) * s.H * s.W;
  const bool direct = w.dw == 1 && (w.kw * C) % 32 == 0;
  auto lane_use = [](int n) { return static_cast<double>(n) / ((n + 31) / 32 * 32); };
  const bool over_co = !direct && lane_use(Co) > lane_use(Kp);  // vectorise over Cout
  // Product: rows (broadcast) x lanes (vectors).
  const int Mr = over_co ? Kp : Co, Nl = over_co ? Co : Kp;
  const i64 ldp = (Nl + 15) / 16 * 16;  // partial sums [Mr, ldp]
  const i64 ldx = (Kp + 15) / 16 * 16;  // materialised patch rows
  const i64 per_image = (direct ? C * plane : L * ldx) + L * Co;
  const i64 chunk = std::max<i64>(1, std::min<i64>(s.N, (kChunkBytes / 2) / std::max<i64>(1, per_image * 4)));
  const int panels = (Nl + 31) / 32;
  const int T = tile_count(Mr);
  const double flops = 2.0 * s.N * Co * static_cast<double>(Kp) * L;
  const int tasks = threads && num_threads() > 1 && flops >= 4.0e6 ? std::min(num_threads(), s.N) : 1;
  std::vector<float> partial(static_cast<size_t>(tasks) * Mr * ldp);
  // Window offsets in the padded NCHW image, for the materialised patches.
  std::vector<int32_t> off(direct ? 0 : static_cast<size_t>(Kp));
  for (int c = 0, k = 0; !direct && c < C; c++) {
    for (int i = 0; i < w.kh; i++) {
      for (int j = 0; j < w.kw; j++, k++) off[k] = static_cast<int32_t>(c * plane + i * w.dh * Wp + j * w.dw);
    }
  }
  auto task = [&](int t) KD_FN {
    const int nb = static_cast<int>(static_cast<i64>(s.N) * t / tasks);
    const int ne = static_cast<int>(static_cast<i64>(s.N) * (t + 1) / tasks);
    float* P = partial.data() + static_cast<i64>(t) * Mr * ldp;
    if (nb >= ne) return;
    float* gt = t_grad.get(chunk * L * Co + 32);
    std::vector<i64> rowoff(direct ? static_cast<size_t>(chunk * w.oh) : 0);
    float* xt = nullptr;  // direct: channels-last padded images [chunk, Hp, Wp, C]
    float* xs = nullptr;  // otherwise: patch rows [chunk*L, ldx]
    float* xp = nullptr;  // otherwise: one padded image [C, Hp, Wp]
    if (direct) {
      xt = t_image.get(chunk * plane * C + 32);
      std::memset(xt, 0, sizeof(float) * chunk * plane * C);
      for (i64 r = 0; r < chunk * w.oh; r++) rowoff[r] = (r / w.oh) * plane * C + (r % w.oh) * w.sh * Wp * C;
    } else {
      xs = t_rows.get(chunk * L * ldx + 32);
      const i64 guard = plane * C + off[Kp - 1] + static_cast<i64>(w.ow) * w.sw + 16 * w.sw + 16;
      xp = t_image.get(guard);
      std::memset(xp + plane * C, 0, sizeof(float) * (guard - plane * C));
    }
    for (int n0 = nb; n0 < ne; n0 += static_cast<int>(chunk)) {
      const int cb = static_cast<int>(std::min<i64>(chunk, ne - n0));
      for (int b = 0; b < cb; b++) {
        const int n = n0 + b;
        const float* img = x + n * image;
        if (direct) {
          float* xb = xt + b * plane * C;
          const i64 rows = std::min<i64>(s.H, Hp - w.ph), cols = std::min<i64>(s.W, Wp - w.pw);  // cropped
          for (i64 y = 0; y < rows; y++) {
            transpose(img + y * s.W, C, cols, static_cast<i64>(s.H) * s.W, xb + ((y + w.ph) * Wp + w.pw) * C, C);
          }
        } else {
          pad_image(img, C, s.H, s.W, w.ph, w.pw, Hp, Wp, xp);
          const __m512i step = _mm512_mullo_epi32(
              _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0), _mm512_set1_epi32(w.sw));
          float* rows = xs + static_cast<i64>(b) * L * ldx;
          for (int y = 0; y < w.oh; y++) {
            const float* base = xp + static_cast<i64>(y) * w.sh * Wp;
            for (int x0 = 0; x0 < w.ow; x0 += 16) {
              const int np = std::min(16, w.ow - x0);
              const __mmask16 mp = lanes(np);
              float* dst = rows + (static_cast<i64>(y) * w.ow + x0) * ldx;
              const float* bx = base + static_cast<i64>(x0) * w.sw;
              for (int k0 = 0; k0 < Kp; k0 += 16) {
                const int nk = std::min(16, Kp - k0);
                __m512 r[16];
                for (int q = 0; q < 16; q++) {
                  if (q >= nk) {
                    r[q] = _mm512_setzero_ps();
                  } else if (w.sw == 1) {
                    r[q] = _mm512_maskz_loadu_ps(mp, bx + off[k0 + q]);
                  } else {
                    r[q] = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), mp, step, bx + off[k0 + q], 4);
                  }
                }
                transpose16(r);
                for (int q = 0; q < np; q++) _mm512_storeu_ps(dst + q * ldx + k0, r[q]);
              }
            }
          }
        }
        // g transposed to [positions, Cout].
        transpose(g + static_cast<i64>(n) * Co * L, Co, L, L, gt + static_cast<i64>(b) * L * Co, Co);
      }
      // Blocks of about 512 positions: each block's operands stay in cache through every tile, and
      // the sums are two-level (block partials added into P), as accurate as a blocked GEMM.
      const int total = direct ? cb * w.oh : static_cast<int>(cb * L);  // rows (direct) or positions
      const int per_block = direct ? std::max(1, 512 / w.ow) : 512;
      for (int q0 = 0; q0 < total; q0 += per_block) {
        const int q1 = std::min(total, q0 + per_block);
        const bool acc = n0 > nb || q0 > 0;
        const i64 pos0 = direct ? static_cast<i64>(q0) * w.ow : q0;  // first position of the block
        for (int p = 0; p < panels; p++) {
          const i64 k0 = static_cast<i64>(p) * 32;
          const __mmask16 m0 = lanes(Nl - k0), m1 = lanes(Nl - k0 - 16);
          for (int tt = 0; tt < T; tt++) {
            const int r0 = tile_start(Mr, T, tt), h = tile_start(Mr, T, tt + 1) - r0;
            float* out = P + r0 * ldp + k0;
            if (direct) {
              // Panel k0 lies in window row i at channel-last offset k0 - i*kw*C.
              const i64 run = static_cast<i64>(w.kw) * C, i = k0 / run;
              const float* B = xt + i * w.dh * Wp * C + (k0 - i * run);
              kRows[h](q1 - q0, w.ow, gt + pos0 * Co + r0, Co, B, rowoff.data() + q0, static_cast<i64>(w.sw) * C, out,
                       ldp, m0, m1, acc, nullptr);
            } else if (over_co) {
              kRows[h](1, q1 - q0, xs + pos0 * ldx + r0, ldx, gt + pos0 * Co + k0, nullptr, Co, out, ldp, m0, m1, acc,
                       nullptr);
            } else {
              kRows[h](1, q1 - q0, gt + pos0 * Co + r0, Co, xs + pos0 * ldx + k0, nullptr, ldx, out, ldp, m0, m1, acc,
                       nullptr);
            }
          }
        }
      }
    }
  };
  if (tasks > 1) {
    parallel_for(tasks, task);
  } else {
    task(0);
  }
  for (int t = 1; t < tasks; t++) {
    const float* q = partial.data() + static_cast<i64>(t) * Mr * ldp;
    for (i64 e = 0; e < Mr * ldp; e++) partial[e] += q[e];
  }
  const int khw = w.kh * w.kw;
  for (int co = 0; co < Co; co++) {
    float* d = dw + static_cast<i64>(co) * Kp;
    if (direct) {  // [co, (i*kw + j)*C + c] -> [co, c, i, j]
      const float* src = partial.data() + co * ldp;
      for (int c = 0; c < C; c++) {
        for (int q = 0; q < khw; q++) d[c * khw + q] = src[q * C + c];
      }
    } else if (over_co) {  // [k, co]
      for (int k = 0; k < Kp; k++) d[k] = partial[k * ldp + co];
    } else {
      std::memcpy(d, partial.data() + co * ldp, sizeof(float) * Kp);
    }
  }
}

#pragma GCC diagnostic pop
#undef KD_FN

#endif  // KD_X86

bool avx512() {
#if KD_X86
  return active_isa() == Isa::Avx512;
#else
  return false;
#endif
}

}  // namespace

void conv2d_forward_f32(const float* x, const float* weight, const float* bias, float* out, const ConvShape& s) {
  if (s.N == 0) return;
#if KD_X86
  const Window& w = s.w;
  const i64 Hp = static_cast<i64>(w.oh - 1) * w.sh + static_cast<i64>(w.kh - 1) * w.dh + 1;
  const i64 Wp = static_cast<i64>(w.ow - 1) * w.sw + static_cast<i64>(w.kw - 1) * w.dw + 1;
  if (avx512() && w.oh > 0 && w.ow > 0 && s.C * Hp * Wp + Wp * 64 < (i64{1} << 30)) {
    const int K = s.C * w.kh * w.kw;
    std::vector<float> Ap(static_cast<size_t>(s.Cout) * K);
    const int T = tile_count(s.Cout);
    for (int t = 0; t < T; t++) {
      const int r0 = tile_start(s.Cout, T, t), h = tile_start(s.Cout, T, t + 1) - r0;
      pack_rows(r0, h, K, Ap.data() + static_cast<i64>(r0) * K,
                [&](int r, int k) { return weight[static_cast<i64>(r) * K + k]; });
    }
    // Stride 1 (or a strided 1x1 on the sampled image): the wide grid; otherwise column panels.
    Wide wd{s.N, s.C, s.H, s.W, w.ph, w.pw, w.kh, w.kw, w.dh, w.dw, s.Cout, w.oh, w.ow};
    const bool pointwise = w.kh == 1 && w.kw == 1;
    if (pointwise) {
      wd.sy = w.sh;
      wd.sx = w.sw;
    }
    if ((w.sh == 1 && w.sw == 1) || pointwise) {
      wide_conv(x, Ap.data(), bias, out, wd, true);
    } else {
      column_conv(x, Ap.data(), bias, out, s, true);
    }
    return;
  }
#endif
  columns_forward(x, weight, bias, out, s);
}

void conv2d_backward_input_f32(const float* g, const float* weight, float* dx, const ConvShape& s) {
  if (s.N == 0) return;
#if KD_X86
  const Window& w = s.w;
  if (avx512() && w.sh == 1 && w.sw == 1) {
    // dx = the stride-1 convolution of g, padded by d*(k-1) - p, with weight'[c, co, i, j] =
    // weight[co, c, kh-1-i, kw-1-j]. Worth it unless the padding makes it several times the work.
    const int ph = w.dh * (w.kh - 1) - w.ph, pw = w.dw * (w.kw - 1) - w.pw;
    const Wide wd{s.N, s.Cout, w.oh, w.ow, ph, pw, w.kh, w.kw, w.dh, w.dw, s.C, s.H, s.W};
    const double wide_work = static_cast<double>(s.H) * wd.Wp();
    const double direct_work = static_cast<double>(w.oh) * w.ow;
    if (wide_fits(wd) && wide_work <= 3.0 * direct_work) {
      const int khw = w.kh * w.kw;
      const int K = s.Cout * khw;
      std::vector<float> Ap(static_cast<size_t>(s.C) * K);
      const int T = tile_count(s.C);
      for (int t = 0; t < T; t++) {
        const int r0 = tile_start(s.C, T, t), h = tile_start(s.C, T, t + 1) - r0;
        pack_rows(r0, h, K, Ap.data() + static_cast<i64>(r0) * K, [&](int c, int k) {
          const int co = k / khw, q = khw - 1 - k % khw;  // flipped (i, j)
          return weight[(static_cast<i64>(co) * s.C + c) * khw + q];
        });
      }
      wide_conv(g, Ap.data(), nullptr, dx, wd, true);
      return;
    }
  }
#endif
  columns_backward_input(g, weight, dx, s);
}

void conv2d_backward_weight_f32(const float* g, const float* x, float* dw, const ConvShape& s) {
#if KD_X86
  const Window& w = s.w;
  const i64 Hp = static_cast<i64>(w.oh - 1) * w.sh + static_cast<i64>(w.kh - 1) * w.dh + 1;
  const i64 Wp = static_cast<i64>(w.ow - 1) * w.sw + static_cast<i64>(w.kw - 1) * w.dw + 1;
  if (avx512() && s.N > 0 && w.oh > 0 && w.ow > 0 && s.C * Hp * Wp < (i64{1} << 30)) {
    patch_backward_weight(g, x, dw, s, true);
    return;
  }
#endif
  columns_backward_weight(g, x, dw, s);
}

void maxpool2d_backward_f32(const float* g, const int32_t* idx, float* dx, i64 planes, i64 hw, i64 l) {
  for (i64 p = 0; p < planes; p++) {
    const float* gp = g + p * l;
    const int32_t* ip = idx + p * l;
    float* dp = dx + p * hw;
    for (i64 o = 0; o < l; o++) dp[ip[o]] += gp[o];
  }
}

}  // namespace kd
