// float32 sliding-window kernels: im2col / col2im (convolutions) and max pooling.
#pragma once

#include "common.h"

namespace kd {

/** Window geometry: kernel, dilation, padding, stride ([height, width] each) and the output grid. */
struct Window {
  int kh, kw, dh, dw, ph, pw, sh, sw, oh, ow;
};

/** img [N, C, H, W] (contiguous) -> cols [N, C*kh*kw, oh*ow]; positions outside read padValue. */
void im2col_f32(const float* img, float* cols, int N, int C, int H, int W, const Window& w, float pad_value);

/**
 * One image plane's window columns: copies `img` [H, W] into (to_cols) or adds it from the plane's
 * kh*kw column rows of oh*ow entries starting `ld` elements apart (positions outside read `pad`).
 */
void transfer_plane(float* img, float* cols, i64 H, i64 W, const Window& w, bool to_cols, float pad, i64 ld);

/** Adds cols [N, C*kh*kw, oh*ow] into img [N, C, H, W] (the adjoint of im2col; img pre-zeroed). */
void col2im_f32(const float* cols, float* img, int N, int C, int H, int W, const Window& w);

/**
 * Max pooling of img [N, C, H, W] into values / indices [N, C, oh, ow]: each window's maximum (the
 * last NaN wins, padding is -inf) and its flat index in the H*W plane (as PyTorch).
 */
void maxpool2d_f32(const float* img, float* values, int32_t* indices, int N, int C, int H, int W, const Window& w);

}  // namespace kd
