// Fused in-place optimizer updates over contiguous float32 arrays (see src/ops/optim.ts).
#pragma once

#include "common.h"

namespace kd {

/** Adam/AdamW hyper-parameters of one step (`step` counts from 1). */
struct AdamParams {
  double lr, beta1, beta2, eps, weight_decay;
  double step;
  bool decoupled, maximize;
};

/** One Adam step over n elements; vmax is null unless AMSGrad. */
void adam_update_f32(float* p, const float* g, float* m, float* v, float* vmax, i64 n, const AdamParams& a);

/** SGD hyper-parameters of one step. */
struct SgdParams {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize, init_buffer;
};

/** One SGD step over n elements; buf is null when momentum is 0. */
void sgd_update_f32(float* p, const float* g, float* buf, i64 n, const SgdParams& s);

}  // namespace kd
