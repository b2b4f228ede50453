// Elementwise float32 kernels over strided operands and last-block sums.
#pragma once

#include "common.h"

namespace kd {

/** At most this many dims (after merging contiguous ones) per elementwise loop. */
constexpr int kMaxDims = 8;

/**
 * The iteration space of one elementwise op: `ndim` dims of `shape`, a contiguous output, and
 * per input its element offset and strides (0 where broadcast).
 */
struct EwSpec {
  int ndim;
  i64 shape[kMaxDims];
  int ninputs;
  i64 offset[3];
  i64 strides[3][kMaxDims];
};

/** Binary ops (float32 x float32 -> float32 or -> bool for comparisons). */
enum class BinaryOp : int { Add = 0, Sub, Mul, Div, Maximum, Minimum, Eq, Ne, Lt, Le, Gt, Ge, Count };
/**
 * Unary ops (float32 -> float32); Copy is the identity (casts and copies of strided views). The
 * transcendental ones (from Exp on) compute in double and round once, like the JavaScript kernels,
 * except exp, sigmoid, tanh and GELU-tanh: vectorised float approximations within 1-3 ULP.
 */
enum class UnaryOp : int {
  Neg = 0,
  Abs,
  Relu,
  Sqrt,
  Square,
  Copy,
  Exp,
  Expm1,
  Log,
  Log1p,
  Sin,
  Cos,
  Tanh,
  Sigmoid,
  Silu,
  Gelu,
  GeluTanh,
  Erf,
  Rsqrt,
  Reciprocal,
  Count
};

/** True when the op writes bool (uint8) output. */
inline bool binary_is_compare(BinaryOp op) { return static_cast<int>(op) >= static_cast<int>(BinaryOp::Eq); }

/** out = op(a, b); out is float* or uint8_t* (comparisons). */
void ew_binary(BinaryOp op, const EwSpec& s, void* out, const float* a, const float* b);
/** out = op(a). */
void ew_unary(UnaryOp op, const EwSpec& s, float* out, const float* a);
/** out = cond != 0 ? a : b (cond is bool storage). */
void ew_where(const EwSpec& s, float* out, const uint8_t* cond, const float* a, const float* b);

/**
 * Sums a contiguous [outer, reduce, inner] float32 block over its middle dim into [outer, inner],
 * accumulating in double (as the JavaScript kernels do).
 */
void sum_middle(const float* x, float* out, i64 outer, i64 reduce, i64 inner);

/** out = g * gelu'(x) over n contiguous elements: exact (in double), or the tanh form (vectorised float). */
void gelu_backward_f32(const float* g, const float* x, float* out, i64 n, bool tanh_form);

/** Softmax (or log-softmax) of `rows` contiguous rows of `size` elements. */
void softmax_f32(const float* x, float* y, i64 rows, i64 size, bool log);

/** Its gradient from the output gradient g and the output y. */
void softmax_backward_f32(const float* g, const float* y, float* dx, i64 rows, i64 size, bool log);

}  // namespace kd
