// Elementwise float32 kernels: one strided N-d loop whose innermost dim has contiguous and
// broadcast (stride 0) fast paths, instantiated per op and per ISA (AVX-512, AVX2, baseline) with
// target attributes, so the compiler vectorizes the same source for each.
//
// Results are bit-identical to the JavaScript kernels: add/sub/mul/div/sqrt of float32 values
// computed in double and rounded to float32 equal the float32 operation (double has more than
// 2 * 24 + 2 bits), and comparisons and max/min are exact. The transcendental ops compute in
// double and round once, as the JavaScript kernels do, except exp, sigmoid, tanh and GELU-tanh
// (and its gradient): branch-free float approximations within 1-3 ULP that vectorise, as
// PyTorch's are.
#include "elementwise.h"

#include <cmath>
#include <cstring>
#include <vector>

#include "threads.h"

namespace kd {

namespace {

#define KD_INLINE KD_ALWAYS_INLINE
// Lambdas do not inherit their enclosing function's target attribute: unless inlined, a loop
// body would be compiled for the baseline ISA (no AVX, libm calls for floor).
#if defined(__GNUC__)
#define KD_INLINE_LAMBDA __attribute__((always_inline))
#else
#define KD_INLINE_LAMBDA
#endif

struct Add { static KD_INLINE float f(float a, float b) { return a + b; } };
struct Sub { static KD_INLINE float f(float a, float b) { return a - b; } };
struct Mul { static KD_INLINE float f(float a, float b) { return a * b; } };
struct Div { static KD_INLINE float f(float a, float b) { return a / b; } };
// NaN in either operand gives NaN (PyTorch's maximum/minimum).
struct Max { static KD_INLINE float f(float a, float b) { return (a != a || b != b) ? NAN : (a > b ? a : b); } };
struct Min { static KD_INLINE float f(float a, float b) { return (a != a || b != b) ? NAN : (a < b ? a : b); } };
struct Eq { static KD_INLINE uint8_t f(float a, float b) { return a == b; } };
struct Ne { static KD_INLINE uint8_t f(float a, float b) { return a != b; } };
struct Lt { static KD_INLINE uint8_t f(float a, float b) { return a < b; } };
struct Le { static KD_INLINE uint8_t f(float a, float b) { return a <= b; } };
struct Gt { static KD_INLINE uint8_t f(float a, float b) { return a > b; } };
struct Ge { static KD_INLINE uint8_t f(float a, float b) { return a >= b; } };

struct Neg { static KD_INLINE float f(float a) { return -a; } };
struct Abs { static KD_INLINE float f(float a) { return std::fabs(a); } };
// relu keeps NaN (as the JavaScript kernel and PyTorch).
struct Relu { static KD_INLINE float f(float a) { return a > 0.0f ? a : (a != a ? a : 0.0f); } };
struct Sqrt { static KD_INLINE float f(float a) { return std::sqrt(a); } };
struct Square { static KD_INLINE float f(float a) { return a * a; } };
struct Copy { static KD_INLINE float f(float a) { return a; } };

// Transcendental ops in double, rounded once (the JavaScript kernels' Math.* on float32 values).
#define KD_UNARY_D(NAME, EXPR) \
  struct NAME { static KD_INLINE float f(float v) { const double a = v; return static_cast<float>(EXPR); } };
KD_INLINE double sigmoid_d(double a) {
  if (a >= 0) return 1 / (1 + std::exp(-a));
  const double e = std::exp(a);
  return e / (1 + e);
}

/**
 * e^x in float (Cephes expf: 2^n e^r, |r| <= ln2/2, degree-6 polynomial, 2^n applied in two
 * halves so results down to the subnormals are right): within 1 ULP, and branch-free so loops
 * over it vectorise (glibc's scalar exp and tanh cost 3 and 16 ns per element here).
 */
KD_INLINE float exp_f(float v) {
  const float x = v < -104.0f ? -104.0f : (v > 88.7f ? 88.7f : v);
  const float n = std::floor(x * 1.44269504088896341f + 0.5f);
  const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int32_t n1 = static_cast<int32_t>(n) / 2;
  const int32_t n2 = static_cast<int32_t>(n) - n1;
  const float e = p * __builtin_bit_cast(float, (n1 + 127) << 23) * __builtin_bit_cast(float, (n2 + 127) << 23);
  return v > 88.7228394f ? INFINITY : e;
}

/**
 * tanh in float: Cephes' odd polynomial below |x| = 0.625, 1 - 2/(e^2|x| + 1) above (exactly 1
 * from |x| = 9.1). Within 1 ULP of the correctly rounded result over [-12, 12]; NaN stays NaN.
 */
KD_INLINE float tanh_f(float x) {
  const float a = std::fabs(x);
  const float z = x * x;
  float small = -5.70498872745e-3f;
  small = small * z + 2.06390887954e-2f;
  small = small * z - 5.37397155531e-2f;
  small = small * z + 1.33314422036e-1f;
  small = small * z - 3.33332819422e-1f;
  small = small * z * a + a;
  // From |x| = 9.1 on, tanh rounds to exactly 1 in float (GELU-tanh relies on 1 + tanh = 0).
  const float big = a >= 9.1f ? 1.0f : 1.0f - 2.0f / (exp_f(2.0f * (a > 9.1f ? 9.1f : a)) + 1.0f);
  return std::copysign(a < 0.625f ? small : big, x);  // the sign of x, -0 included
}

constexpr float kGeluKf = 0.7978845608028654f;
constexpr float kGeluCf = 0.044715f;

/** gelu'(x) of the tanh form, in float. */
KD_INLINE float gelu_tanh_grad_f(float v) {
  const float t = tanh_f(kGeluKf * (v + kGeluCf * v * v * v));
  return 0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * kGeluKf * (1.0f + 3.0f * kGeluCf * v * v);
}

struct Tanh { static KD_INLINE float f(float a) { return tanh_f(a); } };
struct Exp { static KD_INLINE float f(float a) { return exp_f(a); } };
// 1 / (1 + e^-x): e^-x overflows to inf for x < -88.7, giving the right 0.
struct Sigmoid { static KD_INLINE float f(float a) { return 1.0f / (1.0f + exp_f(-a)); } };
struct GeluTanh { static KD_INLINE float f(float a) { return 0.5f * a * (1.0f + tanh_f(kGeluKf * (a + kGeluCf * a * a * a))); } };
KD_UNARY_D(Expm1, std::expm1(a))
KD_UNARY_D(Log, std::log(a))
KD_UNARY_D(Log1p, std::log1p(a))
KD_UNARY_D(Sin, std::sin(a))
KD_UNARY_D(Cos, std::cos(a))
KD_UNARY_D(Silu, a * sigmoid_d(a))
KD_UNARY_D(Gelu, 0.5 * a * (1 + std::erf(a / 1.4142135623730951)))
KD_UNARY_D(Erf, std::erf(a))
KD_UNARY_D(Rsqrt, 1 / std::sqrt(a))
KD_UNARY_D(Reciprocal, 1 / a)
#undef KD_UNARY_D

/** Walks the outer dims of `s` (all but the last), calling `row(out_index, in_offsets)` per row. */
template <class Row>
KD_INLINE void for_each_row(const EwSpec& s, Row row) {
  const int nd = s.ndim;
  if (nd == 0) {
    row(0L, s.offset);
    return;
  }
  i64 rows = 1;
  for (int d = 0; d < nd - 1; d++) rows *= s.shape[d];
  const i64 inner = s.shape[nd - 1];
  i64 idx[kMaxDims] = {0};
  i64 off[3] = {s.offset[0], s.offset[1], s.offset[2]};
  for (i64 r = 0; r < rows; r++) {
    row(r * inner, off);
    for (int d = nd - 2; d >= 0; d--) {
      idx[d]++;
      for (int k = 0; k < s.ninputs; k++) off[k] += s.strides[k][d];
      if (idx[d] < s.shape[d]) break;
      for (int k = 0; k < s.ninputs; k++) off[k] -= s.strides[k][d] * s.shape[d];
      idx[d] = 0;
    }
  }
}

template <class Op, class Out>
KD_INLINE void binary_impl(const EwSpec& s, Out* __restrict out, const float* __restrict a, const float* __restrict b) {
  const i64 n = s.ndim == 0 ? 1 : s.shape[s.ndim - 1];
  const i64 ta = s.ndim == 0 ? 0 : s.strides[0][s.ndim - 1];
  const i64 tb = s.ndim == 0 ? 0 : s.strides[1][s.ndim - 1];
  for_each_row(s, [&](i64 o, const i64* off) KD_INLINE_LAMBDA {
    Out* __restrict y = out + o;
    const float* __restrict x0 = a + off[0];
    const float* __restrict x1 = b + off[1];
    if (ta == 1 && tb == 1) {
      for (i64 j = 0; j < n; j++) y[j] = Op::f(x0[j], x1[j]);
    } else if (ta == 1 && tb == 0) {
      const float v = x1[0];
      for (i64 j = 0; j < n; j++) y[j] = Op::f(x0[j], v);
    } else if (ta == 0 && tb == 1) {
      const float v = x0[0];
      for (i64 j = 0; j < n; j++) y[j] = Op::f(v, x1[j]);
    } else {
      for (i64 j = 0; j < n; j++) y[j] = Op::f(x0[j * ta], x1[j * tb]);
    }
  });
}

template <class Op>
KD_INLINE void unary_impl(const EwSpec& s, float* __restrict out, const float* __restrict a) {
  const i64 n = s.ndim == 0 ? 1 : s.shape[s.ndim - 1];
  const i64 ta = s.ndim == 0 ? 0 : s.strides[0][s.ndim - 1];
  for_each_row(s, [&](i64 o, const i64* off) KD_INLINE_LAMBDA {
    float* __restrict y = out + o;
    const float* __restrict x = a + off[0];
    if (ta == 1) {
      for (i64 j = 0; j < n; j++) y[j] = Op::f(x[j]);
    } else {
      for (i64 j = 0; j < n; j++) y[j] = Op::f(x[j * ta]);
    }
  });
}

KD_INLINE void where_impl(const EwSpec& s, float* __restrict out, const uint8_t* __restrict cond,
                          const float* __restrict a, const float* __restrict b) {
  const i64 n = s.ndim == 0 ? 1 : s.shape[s.ndim - 1];
  const i64 tc = s.ndim == 0 ? 0 : s.strides[0][s.ndim - 1];
  const i64 ta = s.ndim == 0 ? 0 : s.strides[1][s.ndim - 1];
  const i64 tb = s.ndim == 0 ? 0 : s.strides[2][s.ndim - 1];
  for_each_row(s, [&](i64 o, const i64* off) KD_INLINE_LAMBDA {
    float* __restrict y = out + o;
    const uint8_t* __restrict c = cond + off[0];
    const float* __restrict x0 = a + off[1];
    const float* __restrict x1 = b + off[2];
    if (tc == 1 && ta == 1 && tb == 0) {
      const float v = x1[0];
      for (i64 j = 0; j < n; j++) y[j] = c[j] ? x0[j] : v;
    } else if (tc == 1 && ta == 1 && tb == 1) {
      for (i64 j = 0; j < n; j++) y[j] = c[j] ? x0[j] : x1[j];
    } else {
      for (i64 j = 0; j < n; j++) y[j] = c[j * tc] ? x0[j * ta] : x1[j * tb];
    }
  });
}

KD_INLINE void sum_impl(const float* __restrict x, float* __restrict out, i64 outer, i64 reduce, i64 inner,
                        double* __restrict acc) {
  if (inner == 1) {
    // Sixteen independent double lanes (vectorizable without reassociating a single chain).
    for (i64 o = 0; o < outer; o++) {
      const float* __restrict p = x + o * reduce;
      double lane[16] = {0};
      i64 r = 0;
      for (; r + 16 <= reduce; r += 16) {
        for (int j = 0; j < 16; j++) lane[j] += p[r + j];
      }
      double s = 0;
      for (; r < reduce; r++) s += p[r];
      for (int j = 0; j < 16; j++) s += lane[j];
      out[o] = static_cast<float>(s);
    }
    return;
  }
  for (i64 o = 0; o < outer; o++) {
    const float* __restrict p = x + o * reduce * inner;
    for (i64 i = 0; i < inner; i++) acc[i] = 0;
    for (i64 r = 0; r < reduce; r++) {
      const float* __restrict row = p + r * inner;
      for (i64 i = 0; i < inner; i++) acc[i] += row[i];
    }
    float* __restrict y = out + o * inner;
    for (i64 i = 0; i < inner; i++) y[i] = static_cast<float>(acc[i]);
  }
}

/**
 * One softmax row (see src/backends/cpu/softmax.ts): the maximum (NaN wins), exp of the shifted
 * values kept in y, their sum in double, then the scaling (or, for log-softmax, the log-sum).
 */
KD_INLINE void softmax_row(const float* __restrict x, float* __restrict y, i64 n, bool log) {
  // Sixteen independent lanes for the maximum and the sum, so both loops vectorise without
  // reassociating one chain (as sum_impl).
  float mlane[16];
  double slane[16];
  for (int j = 0; j < 16; j++) {
    mlane[j] = -INFINITY;
    slane[j] = 0;
  }
  bool nan = false;
  i64 i = 0;
  for (; i + 16 <= n; i += 16) {
    for (int j = 0; j < 16; j++) {
      const float v = x[i + j];
      mlane[j] = v > mlane[j] ? v : mlane[j];
      nan |= v != v;
    }
  }
  float m = -INFINITY;
  for (; i < n; i++) {
    m = x[i] > m ? x[i] : m;
    nan |= x[i] != x[i];
  }
  for (int j = 0; j < 16; j++) m = mlane[j] > m ? mlane[j] : m;
  const float shift = nan ? NAN : (m == -INFINITY ? 0.0f : m);
  for (i = 0; i < n; i++) y[i] = exp_f(x[i] - shift);
  double s = 0;
  for (i = 0; i + 16 <= n; i += 16) {
    for (int j = 0; j < 16; j++) slane[j] += y[i + j];
  }
  for (; i < n; i++) s += y[i];
  for (int j = 0; j < 16; j++) s += slane[j];
  if (log) {
    const float ls = static_cast<float>(std::log(s));
    for (i = 0; i < n; i++) y[i] = (x[i] - shift) - ls;
  } else {
    const float inv = static_cast<float>(1.0 / s);
    for (i = 0; i < n; i++) y[i] *= inv;
  }
}

/** One softmax-gradient row: y (g - sum g y), or for log-softmax g - exp(y) sum g. */
KD_INLINE void softmax_backward_row(const float* __restrict g, const float* __restrict y, float* __restrict dx, i64 n,
                                    bool log) {
  double s = 0;
  if (log) {
    for (i64 i = 0; i < n; i++) s += g[i];
    const float sf = static_cast<float>(s);
    for (i64 i = 0; i < n; i++) dx[i] = g[i] - exp_f(y[i]) * sf;
  } else {
    for (i64 i = 0; i < n; i++) s += static_cast<double>(g[i]) * y[i];
    const float sf = static_cast<float>(s);
    for (i64 i = 0; i < n; i++) dx[i] = y[i] * (g[i] - sf);
  }
}

/** The kernels of one ISA: the same templates, compiled under that ISA's target attribute. */
#define KD_DEFINE_KERNELS(NAME, ATTR)                                                                \
  ATTR void binary_##NAME(BinaryOp op, const EwSpec& s, void* out, const float* a, const float* b) { \
    float* f = static_cast<float*>(out);                                                             \
    uint8_t* u = static_cast<uint8_t*>(out);                                                         \
    switch (op) {                                                                                    \
      case BinaryOp::Add: return binary_impl<Add>(s, f, a, b);                                       \
      case BinaryOp::Sub: return binary_impl<Sub>(s, f, a, b);                                       \
      case BinaryOp::Mul: return binary_impl<Mul>(s, f, a, b);                                       \
      case BinaryOp::Div: return binary_impl<Div>(s, f, a, b);                                       \
      case BinaryOp::Maximum: return binary_impl<Max>(s, f, a, b);                                   \
      case BinaryOp::Minimum: return binary_impl<Min>(s, f, a, b);                                   \
      case BinaryOp::Eq: return binary_impl<Eq>(s, u, a, b);                                         \
      case BinaryOp::Ne: return binary_impl<Ne>(s, u, a, b);                                         \
      case BinaryOp::Lt: return binary_impl<Lt>(s, u, a, b);                                         \
      case BinaryOp::Le: return binary_impl<Le>(s, u, a, b);                                         \
      case BinaryOp::Gt: return binary_impl<Gt>(s, u, a, b);                                         \
      case BinaryOp::Ge: return binary_impl<Ge>(s, u, a, b);                                         \
      default: return;                                                                               \
    }                                                                                                \
  }                                                                                                  \
  ATTR void unary_##NAME(UnaryOp op, const EwSpec& s, float* out, const float* a) {                  \
    switch (op) {                                                                                    \
      case UnaryOp::Neg: return unary_impl<Neg>(s, out, a);                                          \
      case UnaryOp::Abs: return unary_impl<Abs>(s, out, a);                                          \
      case UnaryOp::Relu: return unary_impl<Relu>(s, out, a);                                        \
      case UnaryOp::Sqrt: return unary_impl<Sqrt>(s, out, a);                                        \
      case UnaryOp::Square: return unary_impl<Square>(s, out, a);                                    \
      case UnaryOp::Copy: return unary_impl<Copy>(s, out, a);                                        \
      case UnaryOp::Exp: return unary_impl<Exp>(s, out, a);                                         \
      case UnaryOp::Expm1: return unary_impl<Expm1>(s, out, a);                                     \
      case UnaryOp::Log: return unary_impl<Log>(s, out, a);                                         \
      case UnaryOp::Log1p: return unary_impl<Log1p>(s, out, a);                                     \
      case UnaryOp::Sin: return unary_impl<Sin>(s, out, a);                                         \
      case UnaryOp::Cos: return unary_impl<Cos>(s, out, a);                                         \
      case UnaryOp::Tanh: return unary_impl<Tanh>(s, out, a);                                       \
      case UnaryOp::Sigmoid: return unary_impl<Sigmoid>(s, out, a);                                 \
      case UnaryOp::Silu: return unary_impl<Silu>(s, out, a);                                       \
      case UnaryOp::Gelu: return unary_impl<Gelu>(s, out, a);                                       \
      case UnaryOp::GeluTanh: return unary_impl<GeluTanh>(s, out, a);                               \
      case UnaryOp::Erf: return unary_impl<Erf>(s, out, a);                                         \
      case UnaryOp::Rsqrt: return unary_impl<Rsqrt>(s, out, a);                                     \
      case UnaryOp::Reciprocal: return unary_impl<Reciprocal>(s, out, a);                           \
      default: return;                                                                               \
    }                                                                                                \
  }                                                                                                  \
  ATTR void where_##NAME(const EwSpec& s, float* out, const uint8_t* c, const float* a, const float* b) { \
    where_impl(s, out, c, a, b);                                                                     \
  }                                                                                                  \
  ATTR void sum_##NAME(const float* x, float* out, i64 outer, i64 reduce, i64 inner, double* acc) { \
    sum_impl(x, out, outer, reduce, inner, acc);                                                     \
  }                                                                                                  \
  ATTR void gelu_tanh_backward_##NAME(const float* __restrict g, const float* __restrict x,          \
                                      float* __restrict out, i64 n) {                                \
    for (i64 i = 0; i < n; i++) out[i] = g[i] * gelu_tanh_grad_f(x[i]);                              \
  }                                                                                                  \
  ATTR void softmax_##NAME(const float* x, float* y, i64 rows, i64 size, bool log) {                  \
    for (i64 r = 0; r < rows; r++) softmax_row(x + r * size, y + r * size, size, log);               \
  }                                                                                                  \
  ATTR void softmax_backward_##NAME(const float* g, const float* y, float* dx, i64 rows, i64 size,    \
                                    bool log) {                                                      \
    for (i64 r = 0; r < rows; r++) softmax_backward_row(g + r * size, y + r * size, dx + r * size, size, log); \
  }

KD_DEFINE_KERNELS(generic, )
#if KD_X86
KD_DEFINE_KERNELS(avx2, KD_TARGET_AVX2)
KD_DEFINE_KERNELS(avx512, KD_TARGET_AVX512)
#endif

}  // namespace

void ew_binary(BinaryOp op, const EwSpec& s, void* out, const float* a, const float* b) {
#if KD_X86
  switch (active_isa()) {
    case Isa::Avx512: return binary_avx512(op, s, out, a, b);
    case Isa::Avx2: return binary_avx2(op, s, out, a, b);
    default: break;
  }
#endif
  binary_generic(op, s, out, a, b);
}

void ew_unary(UnaryOp op, const EwSpec& s, float* out, const float* a) {
#if KD_X86
  switch (active_isa()) {
    case Isa::Avx512: return unary_avx512(op, s, out, a);
    case Isa::Avx2: return unary_avx2(op, s, out, a);
    default: break;
  }
#endif
  unary_generic(op, s, out, a);
}

void ew_where(const EwSpec& s, float* out, const uint8_t* cond, const float* a, const float* b) {
#if KD_X86
  switch (active_isa()) {
    case Isa::Avx512: return where_avx512(s, out, cond, a, b);
    case Isa::Avx2: return where_avx2(s, out, cond, a, b);
    default: break;
  }
#endif
  where_generic(s, out, cond, a, b);
}

void sum_middle(const float* x, float* out, i64 outer, i64 reduce, i64 inner) {
  thread_local std::vector<double> acc;
  if (inner > 1 && static_cast<i64>(acc.size()) < inner) acc.resize(inner);
  double* buf = acc.data();
#if KD_X86
  switch (active_isa()) {
    case Isa::Avx512: return sum_avx512(x, out, outer, reduce, inner, buf);
    case Isa::Avx2: return sum_avx2(x, out, outer, reduce, inner, buf);
    default: break;
  }
#endif
  sum_generic(x, out, outer, reduce, inner, buf);
}

void gelu_backward_f32(const float* g, const float* x, float* out, i64 n, bool tanh_form) {
  if (tanh_form) {
#if KD_X86
    switch (active_isa()) {
      case Isa::Avx512: return gelu_tanh_backward_avx512(g, x, out, n);
      case Isa::Avx2: return gelu_tanh_backward_avx2(g, x, out, n);
      default: break;
    }
#endif
    return gelu_tanh_backward_generic(g, x, out, n);
  }
  constexpr double kInvSqrt2Pi = 0.3989422804014327;
  for (i64 i = 0; i < n; i++) {
    const double v = x[i];
    const double d = 0.5 * (1 + std::erf(v / 1.4142135623730951)) + v * std::exp(-0.5 * v * v) * kInvSqrt2Pi;
    out[i] = static_cast<float>(g[i] * d);
  }
}

void softmax_f32(const float* x, float* y, i64 rows, i64 size, bool log) {
#if KD_X86
  switch (active_isa()) {
    case Isa::Avx512: return softmax_avx512(x, y, rows, size, log);
    case Isa::Avx2: return softmax_avx2(x, y, rows, size, log);
    default: break;
  }
#endif
  softmax_generic(x, y, rows, size, log);
}

void softmax_backward_f32(const float* g, const float* y, float* dx, i64 rows, i64 size, bool log) {
#if KD_X86
  switch (active_isa()) {
    case Isa::Avx512: return softmax_backward_avx512(g, y, dx, rows, size, log);
    case Isa::Avx2: return softmax_backward_avx2(g, y, dx, rows, size, log);
    default: break;
  }
#endif
  softmax_backward_generic(g, y, dx, rows, size, log);
}

}  // namespace kd
