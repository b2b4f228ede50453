// Fused float32 2-D convolution (groups = 1) and the max-pooling gradient: one image at a time
// through a reused column buffer, instead of a column tensor for the whole batch.
#pragma once

#include "common.h"
#include "im2col.h"

namespace kd {

/** Geometry of a convolution: input [N, C, H, W], weight [Cout, C, kh, kw], output [N, Cout, oh, ow]. */
struct ConvShape {
  int N, C, H, W, Cout;
  Window w;
};

/** out = conv(x, weight) (+ bias, when not null); all contiguous. */
void conv2d_forward_f32(const float* x, const float* weight, const float* bias, float* out, const ConvShape& s);

/** dx += the input gradient of out's gradient g (dx pre-zeroed). */
void conv2d_backward_input_f32(const float* g, const float* weight, float* dx, const ConvShape& s);

/** dw = the weight gradient from g and x (overwritten). */
void conv2d_backward_weight_f32(const float* g, const float* x, float* dw, const ConvShape& s);

/** dx[p, idx[p, o]] += g[p, o] for each of `planes` planes of `hw` inputs and `l` outputs (dx pre-zeroed). */
void maxpool2d_backward_f32(const float* g, const int32_t* idx, float* dx, i64 planes, i64 hw, i64 l);

}  // namespace kd
