// Fused optimizer updates: one pass over the parameter and its state, arithmetic in float32 as
// PyTorch's CPU kernels do it; plain loops the compiler vectorises.
#include "optim.h"

#include <cmath>

namespace kd {

void adam_update_f32(float* p, const float* g, float* m, float* v, float* vmax, i64 n, const AdamParams& a) {
  const float sign = a.maximize ? -1.0f : 1.0f;
  const float decay = a.decoupled ? static_cast<float>(1.0 - a.lr * a.weight_decay) : 1.0f;
  const float l2 = a.decoupled ? 0.0f : static_cast<float>(a.weight_decay);
  const float b1 = static_cast<float>(a.beta1), b2 = static_cast<float>(a.beta2);
  const float c1 = static_cast<float>(1.0 - a.beta1), c2 = static_cast<float>(1.0 - a.beta2);
  const float eps = static_cast<float>(a.eps);
  const float step_size = static_cast<float>(a.lr / (1.0 - std::pow(a.beta1, a.step)));
  const float inv_bc2_sqrt = static_cast<float>(1.0 / std::sqrt(1.0 - std::pow(a.beta2, a.step)));
  if (vmax == nullptr) {
    for (i64 i = 0; i < n; i++) {
      const float pi = p[i] * decay;
      const float gi = sign * g[i] + l2 * pi;
      const float mi = b1 * m[i] + c1 * gi;
      const float vi = b2 * v[i] + c2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] = pi - step_size * mi / (std::sqrt(vi) * inv_bc2_sqrt + eps);
    }
    return;
  }
  for (i64 i = 0; i < n; i++) {
    const float pi = p[i] * decay;
    const float gi = sign * g[i] + l2 * pi;
    const float mi = b1 * m[i] + c1 * gi;
    const float vi = b2 * v[i] + c2 * gi * gi;
    const float second = vmax[i] > vi ? vmax[i] : vi;
    m[i] = mi;
    v[i] = vi;
    vmax[i] = second;
    p[i] = pi - step_size * mi / (std::sqrt(second) * inv_bc2_sqrt + eps);
  }
}

void sgd_update_f32(float* p, const float* g, float* buf, i64 n, const SgdParams& s) {
  const float sign = s.maximize ? -1.0f : 1.0f;
  const float lr = static_cast<float>(s.lr), wd = static_cast<float>(s.weight_decay);
  const float mom = static_cast<float>(s.momentum), keep = static_cast<float>(1.0 - s.dampening);
  if (buf == nullptr) {
    for (i64 i = 0; i < n; i++) p[i] -= lr * (sign * g[i] + wd * p[i]);
    return;
  }
  for (i64 i = 0; i < n; i++) {
    const float d = sign * g[i] + wd * p[i];
    const float b = s.init_buffer ? d : mom * buf[i] + keep * d;
    buf[i] = b;
    p[i] -= lr * (s.nesterov ? d + mom * b : b);
  }
}

}  // namespace kd
