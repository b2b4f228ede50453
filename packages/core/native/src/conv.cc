// Fused convolution over chunks of images: the window columns of B images go side by side into one
// [K, B*L] buffer (sized to stay in L2 and reused across chunks and calls), so each pass is one
// GEMM with a long dimension B*L instead of B small per-image products (whose packing and edge
// tiles cost more than their arithmetic when channels are few), and no batch-sized column tensor
// is allocated, filled and freed.
#include "conv.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "gemm.h"

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

}  // namespace

void conv2d_forward_f32(const float* x, const float* weight, const float* bias, float* out, const ConvShape& s) {
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

void conv2d_backward_input_f32(const float* g, const float* weight, float* dx, const ConvShape& s) {
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

void conv2d_backward_weight_f32(const float* g, const float* x, float* dw, const ConvShape& s) {
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

void maxpool2d_backward_f32(const float* g, const int32_t* idx, float* dx, i64 planes, i64 hw, i64 l) {
  for (i64 p = 0; p < planes; p++) {
    const float* gp = g + p * l;
    const int32_t* ip = idx + p * l;
    float* dp = dx + p * hw;
    for (i64 o = 0; o < l; o++) dp[ip[o]] += gp[o];
  }
}

}  // namespace kd
