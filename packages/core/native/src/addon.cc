// Node-API bindings of the native kernel library (loaded by src/backends/cpu/native.ts).
//
// Every kernel takes its typed arrays and one Float64Array "spec" of sizes, offsets and strides
// (one typed-array argument instead of a dozen numbers keeps the call cheap). Operands are
// validated: wrong array types or any element index outside an array throw a JavaScript error,
// never read or write out of bounds. The kernels run synchronously on the calling thread (and,
// when setNumThreads(n > 1), on the library's thread pool).
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#ifndef NAPI_DISABLE_CPP_EXCEPTIONS
#define NAPI_DISABLE_CPP_EXCEPTIONS
#endif
#define NODE_ADDON_API_DISABLE_DEPRECATED
#include <napi.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "common.h"
#include "elementwise.h"
#include "gemm.h"
#include "im2col.h"
#include "layer_norm.h"
#include "conv.h"
#include "optim.h"
#include "threads.h"

namespace {

using kd::i64;
using kd::Isa;

/** A typed array argument: its data pointer and element count, or null after throwing. */
template <class T>
struct ArrayArg {
  T* data = nullptr;
  i64 length = 0;
  bool ok = false;
};

template <class T>
ArrayArg<T> array_arg(const Napi::CallbackInfo& info, size_t i, napi_typedarray_type type, const char* what) {
  ArrayArg<T> r;
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) {
    Napi::TypeError::New(info.Env(), std::string("kindling native: argument ") + std::to_string(i) + " (" + what +
                                         ") has the wrong array type")
        .ThrowAsJavaScriptException();
    return r;
  }
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  r.data = reinterpret_cast<T*>(static_cast<uint8_t*>(ta.ArrayBuffer().Data()) + ta.ByteOffset());
  r.length = static_cast<i64>(ta.ElementLength());
  r.ok = true;
  return r;
}

/** The spec argument as integers (and the raw doubles for float parameters). */
struct Spec {
  const double* v = nullptr;
  i64 n = 0;
  bool ok = false;
  i64 operator[](i64 i) const { return static_cast<i64>(v[i]); }
};

Spec spec_arg(const Napi::CallbackInfo& info, size_t i, i64 need) {
  Spec s;
  ArrayArg<double> a = array_arg<double>(info, i, napi_float64_array, "spec");
  if (!a.ok) return s;
  if (a.length < need) {
    Napi::RangeError::New(info.Env(), "kindling native: spec too short").ThrowAsJavaScriptException();
    return s;
  }
  s.v = a.data;
  s.n = a.length;
  s.ok = true;
  return s;
}

/** Whether every index off + sum_d i_d * strides[d] (0 <= i_d < shape[d]) lies in [0, length). */
bool in_bounds(i64 length, i64 off, int nd, const i64* shape, const i64* strides) {
  i64 lo = off, hi = off;
  for (int d = 0; d < nd; d++) {
    if (shape[d] <= 0) return true;  // empty: nothing is read
    const i64 span = (shape[d] - 1) * strides[d];
    if (span >= 0) hi += span;
    else lo += span;
  }
  return lo >= 0 && hi < length;
}

void throw_range(const Napi::Env& env, const char* op) {
  Napi::RangeError::New(env, std::string("kindling native: ") + op + ": operand indices out of bounds")
      .ThrowAsJavaScriptException();
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("isa", kd::isa_name(kd::active_isa()));
  o.Set("detectedIsa", kd::isa_name(kd::detected_isa()));
  o.Set("threads", kd::num_threads());
  o.Set("hardwareThreads", kd::hardware_threads());
  return o;
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  const int n = info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 1;
  return Napi::Number::New(info.Env(), kd::set_num_threads(n));
}

Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  const std::string name = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  Isa isa = kd::detected_isa();
  if (name == "generic") isa = Isa::Generic;
  else if (name == "avx2") isa = Isa::Avx2;
  else if (name == "avx512") isa = Isa::Avx512;
  return Napi::String::New(info.Env(), kd::isa_name(kd::set_isa(isa)));
}

// bmm(A, B, C, spec): spec = [batch, M, K, N, aOff, asb, asm, ask, bOff, bsb, bsk, bsn];
// C is a contiguous [batch, M, N] array that receives the products (overwritten).
Napi::Value Bmm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto A = array_arg<float>(info, 0, napi_float32_array, "a");
  if (!A.ok) return env.Undefined();
  auto B = array_arg<float>(info, 1, napi_float32_array, "b");
  if (!B.ok) return env.Undefined();
  auto C = array_arg<float>(info, 2, napi_float32_array, "out");
  if (!C.ok) return env.Undefined();
  Spec s = spec_arg(info, 3, 12);
  if (!s.ok) return env.Undefined();
  const i64 batch = s[0], M = s[1], K = s[2], N = s[3];
  const i64 ashape[3] = {batch, M, K}, astr[3] = {s[5], s[6], s[7]};
  const i64 bshape[3] = {batch, K, N}, bstr[3] = {s[9], s[10], s[11]};
  if (batch < 0 || M < 0 || K < 0 || N < 0 || batch * M * N > C.length ||
      !in_bounds(A.length, s[4], 3, ashape, astr) || !in_bounds(B.length, s[8], 3, bshape, bstr)) {
    throw_range(env, "bmm");
    return env.Undefined();
  }
  if (batch == 0 || M == 0 || N == 0) return env.Undefined();
  if (K == 0) {  // empty sums; C may be uninitialised
    std::fill(C.data, C.data + batch * M * N, 0.0f);
    return env.Undefined();
  }
  kd::GemmArgs g{static_cast<int>(M), static_cast<int>(N), static_cast<int>(K), A.data + s[4], astr[1], astr[2],
                 B.data + s[8], bstr[1], bstr[2], C.data, N, 1, false};
  kd::sgemm_batched(static_cast<int>(batch), g, astr[0], bstr[0], M * N);
  return env.Undefined();
}

/** Reads the iteration space of an elementwise spec: [ndim, shape..., per input: offset, strides...]. */
bool read_ew_spec(const Spec& s, i64 at, int ninputs, kd::EwSpec* e) {
  const i64 nd = s[at];
  if (nd < 0 || nd > kd::kMaxDims || s.n < at + 1 + nd + ninputs * (1 + nd)) return false;
  e->ndim = static_cast<int>(nd);
  e->ninputs = ninputs;
  i64 p = at + 1;
  for (int d = 0; d < nd; d++) e->shape[d] = s[p++];
  for (int k = 0; k < 3; k++) e->offset[k] = 0;
  for (int k = 0; k < ninputs; k++) {
    e->offset[k] = s[p++];
    for (int d = 0; d < nd; d++) e->strides[k][d] = s[p++];
  }
  return true;
}

i64 numel(const kd::EwSpec& e) {
  i64 n = 1;
  for (int d = 0; d < e.ndim; d++) n *= e.shape[d];
  return n;
}

// binary(op, out, a, b, spec): spec = [ndim, shape..., aOff, aStrides..., bOff, bStrides...];
// out is float32 (arithmetic) or uint8 (comparisons), contiguous.
Napi::Value Binary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int op = info[0].As<Napi::Number>().Int32Value();
  if (op < 0 || op >= static_cast<int>(kd::BinaryOp::Count)) {
    Napi::RangeError::New(env, "kindling native: unknown binary op").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const kd::BinaryOp bop = static_cast<kd::BinaryOp>(op);
  const bool cmp = kd::binary_is_compare(bop);
  void* out = nullptr;
  i64 out_len = 0;
  if (cmp) {
    auto o = array_arg<uint8_t>(info, 1, napi_uint8_array, "out");
    if (!o.ok) return env.Undefined();
    out = o.data;
    out_len = o.length;
  } else {
    auto o = array_arg<float>(info, 1, napi_float32_array, "out");
    if (!o.ok) return env.Undefined();
    out = o.data;
    out_len = o.length;
  }
  auto a = array_arg<float>(info, 2, napi_float32_array, "a");
  if (!a.ok) return env.Undefined();
  auto b = array_arg<float>(info, 3, napi_float32_array, "b");
  if (!b.ok) return env.Undefined();
  Spec s = spec_arg(info, 4, 1);
  if (!s.ok) return env.Undefined();
  kd::EwSpec e;
  if (!read_ew_spec(s, 0, 2, &e) || numel(e) > out_len || !in_bounds(a.length, e.offset[0], e.ndim, e.shape, e.strides[0]) ||
      !in_bounds(b.length, e.offset[1], e.ndim, e.shape, e.strides[1])) {
    throw_range(env, "binary");
    return env.Undefined();
  }
  if (numel(e) > 0) kd::ew_binary(bop, e, out, a.data, b.data);
  return env.Undefined();
}

// unary(op, out, a, spec): spec = [ndim, shape..., aOff, aStrides...].
Napi::Value Unary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int op = info[0].As<Napi::Number>().Int32Value();
  if (op < 0 || op >= static_cast<int>(kd::UnaryOp::Count)) {
    Napi::RangeError::New(env, "kindling native: unknown unary op").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto o = array_arg<float>(info, 1, napi_float32_array, "out");
  if (!o.ok) return env.Undefined();
  auto a = array_arg<float>(info, 2, napi_float32_array, "a");
  if (!a.ok) return env.Undefined();
  Spec s = spec_arg(info, 3, 1);
  if (!s.ok) return env.Undefined();
  kd::EwSpec e;
  if (!read_ew_spec(s, 0, 1, &e) || numel(e) > o.length || !in_bounds(a.length, e.offset[0], e.ndim, e.shape, e.strides[0])) {
    throw_range(env, "unary");
    return env.Undefined();
  }
  if (numel(e) > 0) kd::ew_unary(static_cast<kd::UnaryOp>(op), e, o.data, a.data);
  return env.Undefined();
}

// where(out, cond, a, b, spec): spec = [ndim, shape..., then offset and strides of cond, a, b].
Napi::Value Where(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto o = array_arg<float>(info, 0, napi_float32_array, "out");
  if (!o.ok) return env.Undefined();
  auto c = array_arg<uint8_t>(info, 1, napi_uint8_array, "condition");
  if (!c.ok) return env.Undefined();
  auto a = array_arg<float>(info, 2, napi_float32_array, "a");
  if (!a.ok) return env.Undefined();
  auto b = array_arg<float>(info, 3, napi_float32_array, "b");
  if (!b.ok) return env.Undefined();
  Spec s = spec_arg(info, 4, 1);
  if (!s.ok) return env.Undefined();
  kd::EwSpec e;
  if (!read_ew_spec(s, 0, 3, &e) || numel(e) > o.length ||
      !in_bounds(c.length, e.offset[0], e.ndim, e.shape, e.strides[0]) ||
      !in_bounds(a.length, e.offset[1], e.ndim, e.shape, e.strides[1]) ||
      !in_bounds(b.length, e.offset[2], e.ndim, e.shape, e.strides[2])) {
    throw_range(env, "where");
    return env.Undefined();
  }
  if (numel(e) > 0) kd::ew_where(e, o.data, c.data, a.data, b.data);
  return env.Undefined();
}

// sum(x, out, spec): spec = [outer, reduce, inner, xOff]; x holds a contiguous
// [outer, reduce, inner] block from xOff, out a contiguous [outer, inner] array.
Napi::Value Sum(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto x = array_arg<float>(info, 0, napi_float32_array, "x");
  if (!x.ok) return env.Undefined();
  auto o = array_arg<float>(info, 1, napi_float32_array, "out");
  if (!o.ok) return env.Undefined();
  Spec s = spec_arg(info, 2, 4);
  if (!s.ok) return env.Undefined();
  const i64 outer = s[0], reduce = s[1], inner = s[2], off = s[3];
  if (outer < 0 || reduce < 0 || inner < 0 || off < 0 || outer * inner > o.length ||
      off + outer * reduce * inner > x.length) {
    throw_range(env, "sum");
    return env.Undefined();
  }
  if (outer * inner == 0) return env.Undefined();
  kd::sum_middle(x.data + off, o.data, outer, reduce, inner);
  return env.Undefined();
}

/** Reads [N, C, H, W, kh, kw, dh, dw, ph, pw, sh, sw, oh, ow] and checks both array sizes. */
bool read_window(const Napi::CallbackInfo& info, const Spec& s, i64 img_len, i64 cols_len, int* dims,
                 kd::Window* w) {
  for (int i = 0; i < 4; i++) dims[i] = static_cast<int>(s[i]);
  *w = kd::Window{static_cast<int>(s[4]),  static_cast<int>(s[5]),  static_cast<int>(s[6]),
                  static_cast<int>(s[7]),  static_cast<int>(s[8]),  static_cast<int>(s[9]),
                  static_cast<int>(s[10]), static_cast<int>(s[11]), static_cast<int>(s[12]),
                  static_cast<int>(s[13])};
  const i64 N = dims[0], C = dims[1], H = dims[2], W = dims[3];
  const bool ok = N >= 0 && C >= 0 && H >= 0 && W >= 0 && w->kh >= 0 && w->kw >= 0 && w->dh >= 1 && w->dw >= 1 &&
                  w->sh >= 1 && w->sw >= 1 && w->oh >= 0 && w->ow >= 0 && N * C * H * W <= img_len &&
                  N * C * w->kh * w->kw * static_cast<i64>(w->oh) * w->ow <= cols_len;
  if (!ok) throw_range(info.Env(), "im2col/col2im");
  return ok;
}

// im2col(img, cols, spec): spec = [N, C, H, W, kh, kw, dh, dw, ph, pw, sh, sw, oh, ow, padValue].
Napi::Value Im2col(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto img = array_arg<float>(info, 0, napi_float32_array, "x");
  if (!img.ok) return env.Undefined();
  auto cols = array_arg<float>(info, 1, napi_float32_array, "out");
  if (!cols.ok) return env.Undefined();
  Spec s = spec_arg(info, 2, 15);
  if (!s.ok) return env.Undefined();
  int d[4];
  kd::Window w;
  if (!read_window(info, s, img.length, cols.length, d, &w)) return env.Undefined();
  kd::im2col_f32(img.data, cols.data, d[0], d[1], d[2], d[3], w, static_cast<float>(s.v[14]));
  return env.Undefined();
}

// col2im(cols, img, spec): spec as im2col without padValue; img must be zero-filled.
Napi::Value Col2im(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto cols = array_arg<float>(info, 0, napi_float32_array, "cols");
  if (!cols.ok) return env.Undefined();
  auto img = array_arg<float>(info, 1, napi_float32_array, "out");
  if (!img.ok) return env.Undefined();
  Spec s = spec_arg(info, 2, 14);
  if (!s.ok) return env.Undefined();
  int d[4];
  kd::Window w;
  if (!read_window(info, s, img.length, cols.length, d, &w)) return env.Undefined();
  kd::col2im_f32(cols.data, img.data, d[0], d[1], d[2], d[3], w);
  return env.Undefined();
}

// maxPool2d(x, values, indices, spec): spec = [N, C, H, W, kh, kw, dh, dw, ph, pw, sh, sw, oh, ow];
// values (float32) and indices (int32) are contiguous [N, C, oh, ow].
Napi::Value MaxPool2d(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto img = array_arg<float>(info, 0, napi_float32_array, "x");
  if (!img.ok) return env.Undefined();
  auto values = array_arg<float>(info, 1, napi_float32_array, "values");
  if (!values.ok) return env.Undefined();
  auto indices = array_arg<int32_t>(info, 2, napi_int32_array, "indices");
  if (!indices.ok) return env.Undefined();
  Spec s = spec_arg(info, 3, 14);
  if (!s.ok) return env.Undefined();
  int d[4];
  kd::Window w;
  // Windows read only inside the image; the outputs take N*C*oh*ow elements each.
  if (!read_window(info, s, img.length, std::numeric_limits<i64>::max(), d, &w)) return env.Undefined();
  const i64 out = static_cast<i64>(d[0]) * d[1] * w.oh * w.ow;
  if (out > values.length || out > indices.length) {
    throw_range(env, "maxPool2d");
    return env.Undefined();
  }
  if (out > 0) kd::maxpool2d_f32(img.data, values.data, indices.data, d[0], d[1], d[2], d[3], w);
  return env.Undefined();
}

/** Whether every array of `arrays` (null entries skipped) holds at least n elements. */
bool all_hold(i64 n, std::initializer_list<i64> lengths) {
  for (i64 len : lengths) if (len < n) return false;
  return true;
}

// adamUpdate(p, g, m, v, vmax, spec): spec = [n, lr, beta1, beta2, eps, weightDecay, step,
// decoupled, maximize]; vmax is an empty Float32Array unless AMSGrad. Writes p, m, v, vmax.
Napi::Value AdamUpdate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto p = array_arg<float>(info, 0, napi_float32_array, "param");
  if (!p.ok) return env.Undefined();
  auto g = array_arg<float>(info, 1, napi_float32_array, "grad");
  if (!g.ok) return env.Undefined();
  auto m = array_arg<float>(info, 2, napi_float32_array, "expAvg");
  if (!m.ok) return env.Undefined();
  auto v = array_arg<float>(info, 3, napi_float32_array, "expAvgSq");
  if (!v.ok) return env.Undefined();
  auto vmax = array_arg<float>(info, 4, napi_float32_array, "maxExpAvgSq");
  if (!vmax.ok) return env.Undefined();
  Spec s = spec_arg(info, 5, 9);
  if (!s.ok) return env.Undefined();
  const i64 n = s[0];
  const bool amsgrad = vmax.length > 0;
  if (n < 0 || !all_hold(n, {p.length, g.length, m.length, v.length}) || (amsgrad && vmax.length < n)) {
    throw_range(env, "adamUpdate");
    return env.Undefined();
  }
  const kd::AdamParams a{s.v[1], s.v[2], s.v[3], s.v[4], s.v[5], s.v[6], s.v[7] != 0, s.v[8] != 0};
  kd::adam_update_f32(p.data, g.data, m.data, v.data, amsgrad ? vmax.data : nullptr, n, a);
  return env.Undefined();
}

// sgdUpdate(p, g, buf, spec): spec = [n, lr, momentum, dampening, weightDecay, nesterov, maximize,
// initBuffer]; buf is an empty Float32Array when momentum is 0. Writes p and buf.
Napi::Value SgdUpdate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto p = array_arg<float>(info, 0, napi_float32_array, "param");
  if (!p.ok) return env.Undefined();
  auto g = array_arg<float>(info, 1, napi_float32_array, "grad");
  if (!g.ok) return env.Undefined();
  auto buf = array_arg<float>(info, 2, napi_float32_array, "momentumBuffer");
  if (!buf.ok) return env.Undefined();
  Spec s = spec_arg(info, 3, 8);
  if (!s.ok) return env.Undefined();
  const i64 n = s[0];
  const bool momentum = buf.length > 0;
  if (n < 0 || !all_hold(n, {p.length, g.length}) || (momentum && buf.length < n)) {
    throw_range(env, "sgdUpdate");
    return env.Undefined();
  }
  const kd::SgdParams o{s.v[1], s.v[2], s.v[3], s.v[4], s.v[5] != 0, s.v[6] != 0, s.v[7] != 0};
  kd::sgd_update_f32(p.data, g.data, momentum ? buf.data : nullptr, n, o);
  return env.Undefined();
}

/**
 * Reads a convolution spec [N, C, H, W, Cout, kh, kw, dh, dw, ph, pw, sh, sw, oh, ow] and checks
 * the geometry and that x/img, weight and out/grad hold the elements the kernel touches.
 */
bool read_conv(const Napi::CallbackInfo& info, const Spec& s, i64 img_len, i64 weight_len, i64 out_len,
               kd::ConvShape* c) {
  int v[15];
  for (int i = 0; i < 15; i++) v[i] = static_cast<int>(s[i]);
  *c = kd::ConvShape{v[0], v[1], v[2], v[3], v[4], kd::Window{v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]}};
  const kd::Window& w = c->w;
  const i64 N = c->N, C = c->C, H = c->H, W = c->W, Co = c->Cout;
  const bool ok = N >= 0 && C >= 1 && H >= 0 && W >= 0 && Co >= 1 && w.kh >= 1 && w.kw >= 1 && w.dh >= 1 &&
                  w.dw >= 1 && w.sh >= 1 && w.sw >= 1 && w.ph >= 0 && w.pw >= 0 && w.oh >= 0 && w.ow >= 0 &&
                  N * C * H * W <= img_len && Co * C * w.kh * w.kw <= weight_len &&
                  N * Co * static_cast<i64>(w.oh) * w.ow <= out_len;
  if (!ok) throw_range(info.Env(), "conv2d");
  return ok;
}

// conv2dForward(x, weight, bias, out, spec): bias empty when absent; spec as read_conv.
Napi::Value Conv2dForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto x = array_arg<float>(info, 0, napi_float32_array, "x");
  if (!x.ok) return env.Undefined();
  auto w = array_arg<float>(info, 1, napi_float32_array, "weight");
  if (!w.ok) return env.Undefined();
  auto b = array_arg<float>(info, 2, napi_float32_array, "bias");
  if (!b.ok) return env.Undefined();
  auto out = array_arg<float>(info, 3, napi_float32_array, "out");
  if (!out.ok) return env.Undefined();
  Spec s = spec_arg(info, 4, 15);
  if (!s.ok) return env.Undefined();
  kd::ConvShape c;
  if (!read_conv(info, s, x.length, w.length, out.length, &c)) return env.Undefined();
  if (b.length > 0 && b.length < c.Cout) {
    throw_range(env, "conv2d");
    return env.Undefined();
  }
  kd::conv2d_forward_f32(x.data, w.data, b.length > 0 ? b.data : nullptr, out.data, c);
  return env.Undefined();
}

// conv2dBackwardInput(grad, weight, dx, spec): dx zero-filled.
Napi::Value Conv2dBackwardInput(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto g = array_arg<float>(info, 0, napi_float32_array, "grad");
  if (!g.ok) return env.Undefined();
  auto w = array_arg<float>(info, 1, napi_float32_array, "weight");
  if (!w.ok) return env.Undefined();
  auto dx = array_arg<float>(info, 2, napi_float32_array, "out");
  if (!dx.ok) return env.Undefined();
  Spec s = spec_arg(info, 3, 15);
  if (!s.ok) return env.Undefined();
  kd::ConvShape c;
  if (!read_conv(info, s, dx.length, w.length, g.length, &c)) return env.Undefined();
  kd::conv2d_backward_input_f32(g.data, w.data, dx.data, c);
  return env.Undefined();
}

// conv2dBackwardWeight(grad, x, dw, spec).
Napi::Value Conv2dBackwardWeight(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto g = array_arg<float>(info, 0, napi_float32_array, "grad");
  if (!g.ok) return env.Undefined();
  auto x = array_arg<float>(info, 1, napi_float32_array, "x");
  if (!x.ok) return env.Undefined();
  auto dw = array_arg<float>(info, 2, napi_float32_array, "out");
  if (!dw.ok) return env.Undefined();
  Spec s = spec_arg(info, 3, 15);
  if (!s.ok) return env.Undefined();
  kd::ConvShape c;
  if (!read_conv(info, s, x.length, dw.length, g.length, &c)) return env.Undefined();
  kd::conv2d_backward_weight_f32(g.data, x.data, dw.data, c);
  return env.Undefined();
}

// maxPool2dBackward(grad, indices, dx, spec): spec = [planes, hw, l]; every index must lie in
// [0, hw); dx zero-filled.
Napi::Value MaxPool2dBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto g = array_arg<float>(info, 0, napi_float32_array, "grad");
  if (!g.ok) return env.Undefined();
  auto idx = array_arg<int32_t>(info, 1, napi_int32_array, "indices");
  if (!idx.ok) return env.Undefined();
  auto dx = array_arg<float>(info, 2, napi_float32_array, "out");
  if (!dx.ok) return env.Undefined();
  Spec s = spec_arg(info, 3, 3);
  if (!s.ok) return env.Undefined();
  const i64 planes = s[0], hw = s[1], l = s[2];
  bool ok = planes >= 0 && hw >= 0 && l >= 0 && planes * l <= g.length && planes * l <= idx.length &&
            planes * hw <= dx.length;
  for (i64 i = 0; ok && i < planes * l; i++) ok = idx.data[i] >= 0 && idx.data[i] < hw;
  if (!ok) {
    throw_range(env, "maxPool2dBackward");
    return env.Undefined();
  }
  kd::maxpool2d_backward_f32(g.data, idx.data, dx.data, planes, hw, l);
  return env.Undefined();
}

// geluBackward(grad, x, out, spec): spec = [n, tanhForm]; all contiguous float32 of >= n elements.
Napi::Value GeluBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto g = array_arg<float>(info, 0, napi_float32_array, "grad");
  if (!g.ok) return env.Undefined();
  auto x = array_arg<float>(info, 1, napi_float32_array, "x");
  if (!x.ok) return env.Undefined();
  auto out = array_arg<float>(info, 2, napi_float32_array, "out");
  if (!out.ok) return env.Undefined();
  Spec s = spec_arg(info, 3, 2);
  if (!s.ok) return env.Undefined();
  const i64 n = s[0];
  if (n < 0 || !all_hold(n, {g.length, x.length, out.length})) {
    throw_range(env, "geluBackward");
    return env.Undefined();
  }
  kd::gelu_backward_f32(g.data, x.data, out.data, n, s.v[1] != 0);
  return env.Undefined();
}

// layerNorm(x, w, b, y, mean, rstd, spec): spec = [rows, size, eps]; w/b empty when absent.
Napi::Value LayerNorm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto x = array_arg<float>(info, 0, napi_float32_array, "x");
  if (!x.ok) return env.Undefined();
  auto w = array_arg<float>(info, 1, napi_float32_array, "weight");
  if (!w.ok) return env.Undefined();
  auto b = array_arg<float>(info, 2, napi_float32_array, "bias");
  if (!b.ok) return env.Undefined();
  auto y = array_arg<float>(info, 3, napi_float32_array, "out");
  if (!y.ok) return env.Undefined();
  auto mean = array_arg<float>(info, 4, napi_float32_array, "mean");
  if (!mean.ok) return env.Undefined();
  auto rstd = array_arg<float>(info, 5, napi_float32_array, "rstd");
  if (!rstd.ok) return env.Undefined();
  Spec s = spec_arg(info, 6, 3);
  if (!s.ok) return env.Undefined();
  const i64 rows = s[0], size = s[1];
  if (rows < 0 || size < 1 || !all_hold(rows * size, {x.length, y.length}) || !all_hold(rows, {mean.length, rstd.length}) ||
      (w.length > 0 && w.length < size) || (b.length > 0 && b.length < size)) {
    throw_range(env, "layerNorm");
    return env.Undefined();
  }
  kd::layer_norm_f32(x.data, w.length > 0 ? w.data : nullptr, b.length > 0 ? b.data : nullptr, y.data, mean.data,
                     rstd.data, rows, size, s.v[2]);
  return env.Undefined();
}

// layerNormBackward(g, x, mean, rstd, w, dx, dw, db, spec): spec = [rows, size]; w/dw/db empty
// when absent.
Napi::Value LayerNormBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* names[8] = {"grad", "x", "mean", "rstd", "weight", "dx", "dweight", "dbias"};
  ArrayArg<float> a[8];
  for (int i = 0; i < 8; i++) {
    a[i] = array_arg<float>(info, i, napi_float32_array, names[i]);
    if (!a[i].ok) return env.Undefined();
  }
  Spec s = spec_arg(info, 8, 2);
  if (!s.ok) return env.Undefined();
  const i64 rows = s[0], size = s[1];
  const auto ok_opt = [&](int i) { return a[i].length == 0 || a[i].length >= size; };
  if (rows < 0 || size < 1 || !all_hold(rows * size, {a[0].length, a[1].length, a[5].length}) ||
      !all_hold(rows, {a[2].length, a[3].length}) || !ok_opt(4) || !ok_opt(6) || !ok_opt(7)) {
    throw_range(env, "layerNormBackward");
    return env.Undefined();
  }
  const auto ptr = [&](int i) { return a[i].length > 0 ? a[i].data : nullptr; };
  kd::layer_norm_backward_f32(a[0].data, a[1].data, a[2].data, a[3].data, ptr(4), a[5].data, ptr(6), ptr(7), rows,
                              size);
  return env.Undefined();
}

// softmax(x, y, spec) / softmaxBackward(g, y, dx, spec): spec = [rows, size, log]; contiguous.
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto x = array_arg<float>(info, 0, napi_float32_array, "x");
  if (!x.ok) return env.Undefined();
  auto y = array_arg<float>(info, 1, napi_float32_array, "out");
  if (!y.ok) return env.Undefined();
  Spec s = spec_arg(info, 2, 3);
  if (!s.ok) return env.Undefined();
  const i64 rows = s[0], size = s[1];
  if (rows < 0 || size < 1 || !all_hold(rows * size, {x.length, y.length})) {
    throw_range(env, "softmax");
    return env.Undefined();
  }
  kd::softmax_f32(x.data, y.data, rows, size, s.v[2] != 0);
  return env.Undefined();
}

Napi::Value SoftmaxBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto g = array_arg<float>(info, 0, napi_float32_array, "grad");
  if (!g.ok) return env.Undefined();
  auto y = array_arg<float>(info, 1, napi_float32_array, "y");
  if (!y.ok) return env.Undefined();
  auto dx = array_arg<float>(info, 2, napi_float32_array, "out");
  if (!dx.ok) return env.Undefined();
  Spec s = spec_arg(info, 3, 3);
  if (!s.ok) return env.Undefined();
  const i64 rows = s[0], size = s[1];
  if (rows < 0 || size < 1 || !all_hold(rows * size, {g.length, y.length, dx.length})) {
    throw_range(env, "softmaxBackward");
    return env.Undefined();
  }
  kd::softmax_backward_f32(g.data, y.data, dx.data, rows, size, s.v[2] != 0);
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads, "setNumThreads"));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa, "setIsa"));
  exports.Set("bmm", Napi::Function::New(env, Bmm, "bmm"));
  exports.Set("binary", Napi::Function::New(env, Binary, "binary"));
  exports.Set("unary", Napi::Function::New(env, Unary, "unary"));
  exports.Set("where", Napi::Function::New(env, Where, "where"));
  exports.Set("sum", Napi::Function::New(env, Sum, "sum"));
  exports.Set("im2col", Napi::Function::New(env, Im2col, "im2col"));
  exports.Set("col2im", Napi::Function::New(env, Col2im, "col2im"));
  exports.Set("maxPool2d", Napi::Function::New(env, MaxPool2d, "maxPool2d"));
  exports.Set("adamUpdate", Napi::Function::New(env, AdamUpdate, "adamUpdate"));
  exports.Set("sgdUpdate", Napi::Function::New(env, SgdUpdate, "sgdUpdate"));
  exports.Set("conv2dForward", Napi::Function::New(env, Conv2dForward, "conv2dForward"));
  exports.Set("conv2dBackwardInput", Napi::Function::New(env, Conv2dBackwardInput, "conv2dBackwardInput"));
  exports.Set("conv2dBackwardWeight", Napi::Function::New(env, Conv2dBackwardWeight, "conv2dBackwardWeight"));
  exports.Set("maxPool2dBackward", Napi::Function::New(env, MaxPool2dBackward, "maxPool2dBackward"));
  exports.Set("geluBackward", Napi::Function::New(env, GeluBackward, "geluBackward"));
  exports.Set("layerNorm", Napi::Function::New(env, LayerNorm, "layerNorm"));
  exports.Set("layerNormBackward", Napi::Function::New(env, LayerNormBackward, "layerNormBackward"));
  exports.Set("softmax", Napi::Function::New(env, Softmax, "softmax"));
  exports.Set("softmaxBackward", Napi::Function::New(env, SoftmaxBackward, "softmaxBackward"));
  exports.Set("abiVersion", Napi::Number::New(env, 8));
  return exports;
}

}  // namespace

NODE_API_MODULE(kindling_native, Init)
