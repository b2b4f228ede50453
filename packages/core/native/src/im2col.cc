// Sliding-window kernels over float32, one (n, c) plane per task. im2col / col2im: Each output row of the column matrix
// is a strided window row of the image: the valid span is copied (memcpy for stride 1), the
// padded ends are filled.
#include "im2col.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "threads.h"

namespace kd {

namespace {

/** Output columns [x0, x1) whose input column x*s + off lies in [0, W). */
inline void valid_range(i64 off, i64 s, i64 W, i64 ow, i64* x0, i64* x1) {
  i64 a = off >= 0 ? 0 : (-off + s - 1) / s;
  i64 b = W - 1 - off < 0 ? 0 : std::min(ow, (W - 1 - off) / s + 1);
  if (a >= b) a = b = 0;
  *x0 = a;
  *x1 = b;
}

void fill(float* p, i64 n, float v) {
  for (i64 i = 0; i < n; i++) p[i] = v;
}

}  // namespace

/**
 * One (n, c) plane: copies to (to_cols) or accumulates from the plane's kh*kw column rows, which
 * start `ld` elements apart.
 */
void transfer_plane(float* img, float* cols, i64 H, i64 W, const Window& w, bool to_cols, float pad, i64 ld) {
  float* row = cols;
  for (int i = 0; i < w.kh; i++) {
    for (int j = 0; j < w.kw; j++, row += ld) {
      const i64 offw = static_cast<i64>(j) * w.dw - w.pw;
      i64 x0, x1;
      valid_range(offw, w.sw, W, w.ow, &x0, &x1);
      for (int y = 0; y < w.oh; y++) {
        const i64 iy = static_cast<i64>(y) * w.sh - w.ph + static_cast<i64>(i) * w.dh;
        float* o = row + static_cast<i64>(y) * w.ow;
        if (iy < 0 || iy >= H || x0 == x1) {
          if (to_cols) fill(o, w.ow, pad);
          continue;
        }
        if (to_cols) {
          fill(o, x0, pad);
          fill(o + x1, w.ow - x1, pad);
        }
        float* s = img + iy * W + offw;
        if (to_cols) {
          if (w.sw == 1) {
            std::memcpy(o + x0, s + x0, (x1 - x0) * sizeof(float));
          } else {
            for (i64 t = x0; t < x1; t++) o[t] = s[t * w.sw];
          }
        } else if (w.sw == 1) {
          for (i64 t = x0; t < x1; t++) s[t] += o[t];
        } else {
          for (i64 t = x0; t < x1; t++) s[t * w.sw] += o[t];
        }
      }
    }
  }
}

namespace {

void transfer(float* img, float* cols, int N, int C, int H, int W, const Window& w, bool to_cols, float pad) {
  const i64 plane = static_cast<i64>(H) * W;
  const i64 block = static_cast<i64>(w.kh) * w.kw * w.oh * w.ow;  // column entries per plane
  const int planes = N * C;
  const double work = static_cast<double>(block) * planes;
  const i64 L = static_cast<i64>(w.oh) * w.ow;
  auto one = [&](int p) { transfer_plane(img + p * plane, cols + p * block, H, W, w, to_cols, pad, L); };
  if (num_threads() > 1 && planes > 1 && work >= 1.0e5) {
    parallel_for(planes, one);
  } else {
    for (int p = 0; p < planes; p++) one(p);
  }
}

/** One plane of max pooling (the loop of the JavaScript kernel, cpu/conv.ts). */
void maxpool_plane(const float* src, float* out, int32_t* idx, i64 H, i64 W, const Window& w) {
  i64 o = 0;
  for (i64 y = 0; y < w.oh; y++) {
    i64 h0 = y * w.sh - w.ph;
    const i64 h1 = std::min<i64>(h0 + static_cast<i64>(w.kh - 1) * w.dh + 1, H);
    while (h0 < 0) h0 += w.dh;
    for (i64 x = 0; x < w.ow; x++, o++) {
      i64 w0 = x * w.sw - w.pw;
      const i64 w1 = std::min<i64>(w0 + static_cast<i64>(w.kw - 1) * w.dw + 1, W);
      while (w0 < 0) w0 += w.dw;
      float best = -INFINITY;
      i64 best_idx = h0 * W + w0;
      for (i64 ih = h0; ih < h1; ih += w.dh) {
        const float* row = src + ih * W;
        for (i64 iw = w0; iw < w1; iw += w.dw) {
          // Branch-free select: on real data the comparison is a coin flip, and mispredicted
          // branches cost more than the whole window.
          const float v = row[iw];
          const bool take = (v > best) | (v != v);
          best = take ? v : best;
          best_idx = take ? ih * W + iw : best_idx;
        }
      }
      out[o] = best;
      idx[o] = static_cast<int32_t>(best_idx);
    }
  }
}

}  // namespace

/**
 * 2x2 windows at stride 2 lying inside the plane (`MaxPool2d(2)`, by far the most common pooling):
 * straight-line selects per output, about 10x faster than the general loop's data-dependent trip
 * counts. Same tie and NaN rules (first maximum wins, a NaN replaces anything).
 */
static void maxpool_plane_2x2(const float* KD_RESTRICT src, float* KD_RESTRICT out, int32_t* KD_RESTRICT idx, int W,
                       int oh, int ow) {
  for (int y = 0; y < oh; y++) {
    const float* r0 = src + static_cast<i64>(2 * y) * W;
    const float* r1 = r0 + W;
    const int base = 2 * y * W;
    for (int x = 0; x < ow; x++) {
      const float b = r0[2 * x + 1], c = r1[2 * x], d = r1[2 * x + 1];
      float best = r0[2 * x];
      int bi = base + 2 * x;
      bool t = (b > best) | (b != b);
      best = t ? b : best;
      bi = t ? base + 2 * x + 1 : bi;
      t = (c > best) | (c != c);
      best = t ? c : best;
      bi = t ? base + W + 2 * x : bi;
      t = (d > best) | (d != d);
      best = t ? d : best;
      bi = t ? base + W + 2 * x + 1 : bi;
      out[y * ow + x] = best;
      idx[y * ow + x] = bi;
    }
  }
}

static bool is_inside_2x2(int H, int W, const Window& w) {
  return w.kh == 2 && w.kw == 2 && w.sh == 2 && w.sw == 2 && w.ph == 0 && w.pw == 0 && w.dh == 1 && w.dw == 1 && 2 * w.oh <= H &&
         2 * w.ow <= W;
}

void maxpool2d_f32(const float* img, float* values, int32_t* indices, int N, int C, int H, int W, const Window& w) {
  const i64 plane = static_cast<i64>(H) * W;
  const i64 out_plane = static_cast<i64>(w.oh) * w.ow;
  const int planes = N * C;
  const bool fast = is_inside_2x2(H, W, w);
  auto one = [&](int p) {
    if (fast) maxpool_plane_2x2(img + p * plane, values + p * out_plane, indices + p * out_plane, W, w.oh, w.ow);
    else maxpool_plane(img + p * plane, values + p * out_plane, indices + p * out_plane, H, W, w);
  };
  if (num_threads() > 1 && planes > 1 && static_cast<double>(out_plane) * planes * w.kh * w.kw >= 1.0e5) {
    parallel_for(planes, one);
  } else {
    for (int p = 0; p < planes; p++) one(p);
  }
}

void im2col_f32(const float* img, float* cols, int N, int C, int H, int W, const Window& w, float pad_value) {
  transfer(const_cast<float*>(img), cols, N, C, H, W, w, true, pad_value);
}

void col2im_f32(const float* cols, float* img, int N, int C, int H, int W, const Window& w) {
  transfer(img, const_cast<float*>(cols), N, C, H, W, w, false, 0.0f);
}

}  // namespace kd
