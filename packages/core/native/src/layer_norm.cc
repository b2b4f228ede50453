// Fused layer normalisation: one read for the statistics and one for the output per row forward;
// backward, one pass for the row sums and one for dx, with the parameter gradients accumulated
// across rows in double.
#include "layer_norm.h"

#include <cmath>
#include <vector>

namespace kd {

void layer_norm_f32(const float* x, const float* w, const float* b, float* y, float* mean, float* rstd, i64 rows,
                    i64 size, double eps) {
  for (i64 r = 0; r < rows; r++) {
    const float* xr = x + r * size;
    float* yr = y + r * size;
    double s = 0;
    for (i64 i = 0; i < size; i++) s += xr[i];
    const double m = s / static_cast<double>(size);
    double v = 0;
    for (i64 i = 0; i < size; i++) v += (xr[i] - m) * (xr[i] - m);
    const double rs = 1 / std::sqrt(v / static_cast<double>(size) + eps);
    mean[r] = static_cast<float>(m);
    rstd[r] = static_cast<float>(rs);
    for (i64 i = 0; i < size; i++) {
      double t = (xr[i] - m) * rs;
      if (w != nullptr) t *= w[i];
      if (b != nullptr) t += b[i];
      yr[i] = static_cast<float>(t);
    }
  }
}

void layer_norm_backward_f32(const float* g, const float* x, const float* mean, const float* rstd, const float* w,
                             float* dx, float* dw, float* db, i64 rows, i64 size) {
  std::vector<double> dw_acc(dw != nullptr ? size : 0, 0.0), db_acc(db != nullptr ? size : 0, 0.0);
  for (i64 r = 0; r < rows; r++) {
    const float* gr = g + r * size;
    const float* xr = x + r * size;
    float* dxr = dx + r * size;
    const double m = mean[r], rs = rstd[r];
    double sh = 0, shx = 0;
    for (i64 i = 0; i < size; i++) {
      const double xhat = (xr[i] - m) * rs;
      const double h = w != nullptr ? static_cast<double>(gr[i]) * w[i] : gr[i];
      sh += h;
      shx += h * xhat;
      if (dw != nullptr) dw_acc[i] += gr[i] * xhat;
      if (db != nullptr) db_acc[i] += gr[i];
    }
    sh /= static_cast<double>(size);
    shx /= static_cast<double>(size);
    for (i64 i = 0; i < size; i++) {
      const double xhat = (xr[i] - m) * rs;
      const double h = w != nullptr ? static_cast<double>(gr[i]) * w[i] : gr[i];
      dxr[i] = static_cast<float>(rs * (h - sh - xhat * shx));
    }
  }
  for (i64 i = 0; i < static_cast<i64>(dw_acc.size()); i++) dw[i] = static_cast<float>(dw_acc[i]);
  for (i64 i = 0; i < static_cast<i64>(db_acc.size()); i++) db[i] = static_cast<float>(db_acc[i]);
}

}  // namespace kd
