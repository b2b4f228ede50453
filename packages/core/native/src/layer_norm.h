// Fused float32 layer normalisation over rows of `size` contiguous elements (see
// src/backends/cpu/layer-norm.ts for the contract); statistics and sums in double.
#pragma once

#include "common.h"

namespace kd {

/** y = (x - mean) * rstd (* w) (+ b) per row; writes mean and rstd per row. w/b may be null. */
void layer_norm_f32(const float* x, const float* w, const float* b, float* y, float* mean, float* rstd, i64 rows,
                    i64 size, double eps);

/** dx, and dw/db (overwritten; null when absent) from the output gradient g. */
void layer_norm_backward_f32(const float* g, const float* x, const float* mean, const float* rstd, const float* w,
                             float* dx, float* dw, float* db, i64 rows, i64 size);

}  // namespace kd
