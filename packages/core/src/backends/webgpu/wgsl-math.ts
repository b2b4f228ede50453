/**
 * WGSL helper functions shared by the generated kernels, included on demand (`withHelpers` scans a
 * kernel body for `k_`/`ff_` calls and prepends what it uses, transitively).
 *
 * Why our own math: WGSL only promises loose accuracy for its transcendental built-ins (software
 * adapters such as SwiftShader return `sin(0.001)` wrong in the 4th digit, `tanh(1e-8)` as 0,
 * `log(NaN)` as a finite number), and implementations may assume there are no NaNs. So NaN/inf
 * tests work on bit patterns, and exp/log/sin/cos/tan/atan/asin/tanh/erf/pow are f32 ports of the
 * Cephes single-precision routines (about 1-2 ulp), written so FMA contraction cannot hurt them.
 *
 * `ff_*` is float-float ("double-f32") arithmetic: a value is `vec2<f32>(hi, lo)` with ~48 bits of
 * precision. Products are made exact by splitting operands into 12-bit halves with a bit mask
 * (not Veltkamp's multiply-subtract, which contraction would break). The RNG uses it to reproduce
 * the CPU's float64 Box–Muller to within one float32 ulp.
 */

/** The bit pattern of `v` rounded to float32, as a WGSL expression (exact, independent of parsing). */
export function f32bits(v: number): string {
  const f = new Float32Array([v]);
  const u = new Uint32Array(f.buffer)[0];
  return `bitcast<f32>(0x${u.toString(16)}u)`;
}

/** A float-float constant `vec2<f32>(hi, lo)` approximating the double `v`. */
export function ffConst(v: number): string {
  const hi = Math.fround(v);
  const lo = Math.fround(v - hi);
  return `vec2<f32>(${f32bits(hi)}, ${f32bits(lo)})`;
}

/** A WGSL float literal that round-trips the float32 value of `v` (non-finite values via bits). */
export function f32lit(v: number): string {
  if (!Number.isFinite(v)) return f32bits(v);
  const f = Math.fround(v);
  if (Object.is(f, -0)) return '-0.0';
  let s = f.toPrecision(9);
  if (!/[.e]/.test(s)) s += '.0';
  return s;
}

/** Horner evaluation `((c0 * x + c1) * x + c2) ...` of f32 coefficients (highest degree first). */
function horner(x: string, coeffs: number[]): string {
  let s = f32lit(coeffs[0]);
  for (let i = 1; i < coeffs.length; i++) s = `(${s} * ${x} + ${f32lit(coeffs[i])})`;
  return s;
}

/** Unrolled float-float Horner evaluation in `x` (ff) of double coefficients (highest first). */
function hornerFF(x: string, coeffs: number[], v = 't'): string {
  const lines = [`var ${v} = ${ffConst(coeffs[0])};`];
  for (let i = 1; i < coeffs.length; i++)
    lines.push(`${v} = ff_add(ff_mul(${v}, ${x}), ${ffConst(coeffs[i])});`);
  return lines.join('\n  ');
}

const PI = Math.PI;

/** Helper sources by name; each may call others. */
const HELPERS: Record<string, string> = {
  k_isnan: `fn k_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }`,
  k_isinf: `fn k_isinf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }`,
  k_isfinite: `fn k_isfinite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u; }`,
  k_nz: `fn k_nz(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) != 0u; }`,
  k_signbit: `fn k_signbit(x: f32) -> bool { return (bitcast<u32>(x) & 0x80000000u) != 0u; }`,
  // Non-finite values come from a runtime variable: WGSL rejects them in constant expressions.
  k_nan: `fn k_nan() -> f32 { var b = 0x7fc00000u; return bitcast<f32>(b); }`,
  k_inf: `fn k_inf() -> f32 { var b = 0x7f800000u; return bitcast<f32>(b); }`,
  k_copysign: `fn k_copysign(x: f32, s: f32) -> f32 {
  return bitcast<f32>((bitcast<u32>(x) & 0x7fffffffu) | (bitcast<u32>(s) & 0x80000000u));
}`,
  k_pow2i: `fn k_pow2i(n: i32) -> f32 { return bitcast<f32>(u32(clamp(n, -126, 127) + 127) << 23u); }`,
  k_ldexp: `fn k_ldexp(x: f32, n: i32) -> f32 {
  var y = x;
  var m = n;
  if (m > 127) { y = y * k_pow2i(127); m = m - 127; if (m > 127) { y = y * k_pow2i(127); m = m - 127; } }
  if (m < -126) { y = y * k_pow2i(-126); m = m + 126; if (m < -126) { y = y * k_pow2i(-126); m = m + 126; } }
  return y * k_pow2i(m);
}`,
  // Truncation of a float to int32 with JS ToInt32 semantics (wraps modulo 2^32; NaN/inf give 0).
  k_toi32: `fn k_toi32(x: f32) -> i32 {
  let b = bitcast<u32>(x);
  let e = i32((b >> 23u) & 0xffu) - 150;
  if (e >= 32 || !k_isfinite(x)) { return 0; }
  if (abs(x) < 2147483648.0) { return i32(trunc(x)); }
  let m = (b & 0x7fffffu) | 0x800000u;
  let r = i32(m << u32(e));
  return select(r, -r, k_signbit(x));
}`,
  k_sign: `fn k_sign(x: f32) -> f32 { return select(select(0.0, -1.0, x < 0.0), 1.0, x > 0.0); }`,
  k_sqrt: `fn k_sqrt(x: f32) -> f32 { return select(sqrt(x), k_nan(), x < 0.0 || k_isnan(x)); }`,
  k_exp: `fn k_exp(xin: f32) -> f32 {
  if (k_isnan(xin)) { return xin; }
  if (xin > 88.7228394) { return k_inf(); }
  if (xin < -103.972084) { return 0.0; }
  let z = floor(xin * 1.44269504 + 0.5);
  let x = (xin - z * 0.693359375) - z * -2.12194440e-4;
  let xx = x * x;
  let p = ${horner('x', [1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1])} * xx + x + 1.0;
  return k_ldexp(p, i32(z));
}`,
  k_expm1: `fn k_expm1(x: f32) -> f32 {
  if (abs(x) < 0.5) {
    return x * ${horner('x', [1 / 40320, 1 / 5040, 1 / 720, 1 / 120, 1 / 24, 1 / 6, 0.5, 1])};
  }
  if (x < -20.0) { return -1.0; }
  return k_exp(x) - 1.0;
}`,
  // log(x) = e * ln2 + lm with the mantissa in [sqrt(1/2), sqrt(2)); returns (e, lm) for x > 0.
  k_logparts: `fn k_logparts(xin: f32) -> vec2<f32> {
  let b = bitcast<u32>(xin);
  var e = f32(i32((b >> 23u) & 0xffu) - 126);
  var m = bitcast<f32>((b & 0x807fffffu) | 0x3f000000u);
  if (m < 0.707106781) { e = e - 1.0; m = m + m - 1.0; } else { m = m - 1.0; }
  let z = m * m;
  var y = ${horner('m', [7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1])} * m * z;
  y = y - 0.5 * z;
  return vec2<f32>(e, m + y);
}`,
  k_logspecial: `fn k_logspecial(x: f32) -> vec2<f32> {
  // (handled, value): NaN, negatives, zero and +inf.
  if (k_isnan(x) || x < 0.0) { return vec2<f32>(1.0, k_nan()); }
  if ((bitcast<u32>(x) & 0x7f800000u) == 0u) { return vec2<f32>(1.0, -k_inf()); }
  if (k_isinf(x)) { return vec2<f32>(1.0, x); }
  return vec2<f32>(0.0, 0.0);
}`,
  k_log: `fn k_log(x: f32) -> f32 {
  let s = k_logspecial(x);
  if (s.x != 0.0) { return s.y; }
  let p = k_logparts(x);
  return (p.y + p.x * -2.12194440e-4) + p.x * 0.693359375;
}`,
  k_log2: `fn k_log2(x: f32) -> f32 {
  let s = k_logspecial(x);
  if (s.x != 0.0) { return s.y; }
  let p = k_logparts(x);
  return p.x + p.y * 1.44269504;
}`,
  k_log10: `fn k_log10(x: f32) -> f32 {
  let s = k_logspecial(x);
  if (s.x != 0.0) { return s.y; }
  let p = k_logparts(x);
  return (p.y * 0.434294482 + p.x * 7.90315e-7) + p.x * 0.301029205;
}`,
  // log1p: near 0 the Cephes log polynomial runs on x itself (no 1 + x rounding). Note: never
  // write (1 + x) - 1, which shader compilers may fold to x.
  k_log1p: `fn k_log1p(x: f32) -> f32 {
  if (k_isnan(x) || x < -1.0) { return k_nan(); }
  if (x == -1.0) { return -k_inf(); }
  if (k_isinf(x)) { return x; }
  if (x > -0.29289322 && x < 0.41421357) {
    let z = x * x;
    let y = ${horner('x', [7.0376836292e-2, -1.151461031e-1, 1.167699874e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1])} * x * z - 0.5 * z;
    return x + y;
  }
  return k_log(1.0 + x);
}`,
  // sin/cos share the Cephes reduction by pi/4 (three-part constant, exact for |x| < 8192).
  k_sincos: `fn k_sincos(xin: f32, want_cos: bool) -> f32 {
  if (!k_isfinite(xin)) { return k_nan(); }
  var sgn = 1.0;
  var x = xin;
  if (x < 0.0) { x = -x; if (!want_cos) { sgn = -1.0; } }
  var j = u32(x * 1.27323954);
  var y = f32(j);
  if ((j & 1u) != 0u) { j = j + 1u; y = y + 1.0; }
  j = j & 7u;
  if (want_cos) {
    if (j > 3u) { j = j - 4u; sgn = -sgn; }
    if (j > 1u) { sgn = -sgn; }
  } else if (j > 3u) { sgn = -sgn; j = j - 4u; }
  let z = ((x - y * 0.78515625) - y * 2.41875648e-4) - y * 3.77489497e-8;
  let zz = z * z;
  let c = ${horner('zz', [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2])} * zz * zz - 0.5 * zz + 1.0;
  let s = ${horner('zz', [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1])} * zz * z + z;
  var r: f32;
  if (want_cos) { r = select(c, s, j == 1u || j == 2u); } else { r = select(s, c, j == 1u || j == 2u); }
  return sgn * r;
}`,
  k_sin: `fn k_sin(x: f32) -> f32 { return k_sincos(x, false); }`,
  k_cos: `fn k_cos(x: f32) -> f32 { return k_sincos(x, true); }`,
  k_tan: `fn k_tan(xin: f32) -> f32 {
  if (!k_isfinite(xin)) { return k_nan(); }
  let x = abs(xin);
  var j = u32(x * 1.27323954);
  var y = f32(j);
  if ((j & 1u) != 0u) { j = j + 1u; y = y + 1.0; }
  let z = ((x - y * 0.78515625) - y * 2.41875648e-4) - y * 3.77489497e-8;
  let zz = z * z;
  var r = z;
  if (x > 1.0e-4) {
    r = ${horner('zz', [9.38540185543e-3, 3.11992232697e-3, 2.44301354525e-2, 5.34112807005e-2, 1.33387994085e-1, 3.33331568548e-1])} * zz * z + z;
  }
  if ((j & 2u) != 0u) { r = -1.0 / r; }
  return select(r, -r, xin < 0.0);
}`,
  k_atan: `fn k_atan(xin: f32) -> f32 {
  if (k_isnan(xin)) { return xin; }
  var x = abs(xin);
  var y = 0.0;
  if (x > 2.41421356) { y = ${f32lit(PI / 2)}; x = -1.0 / x; }
  else if (x > 0.414213562) { y = ${f32lit(PI / 4)}; x = (x - 1.0) / (x + 1.0); }
  let z = x * x;
  y = y + (${horner('z', [8.05374449538e-2, -1.38776856032e-1, 1.99777106478e-1, -3.33329491539e-1])} * z * x + x);
  return select(y, -y, xin < 0.0);
}`,
  k_atan2: `fn k_atan2(y: f32, x: f32) -> f32 {
  if (k_isnan(x) || k_isnan(y)) { return k_nan(); }
  let pi = ${f32lit(PI)};
  if (y == 0.0) {
    if (k_signbit(x)) { return k_copysign(pi, y); }
    return y;
  }
  if (k_isinf(x)) {
    if (k_isinf(y)) { return k_copysign(select(${f32lit((3 * PI) / 4)}, ${f32lit(PI / 4)}, x > 0.0), y); }
    return select(k_copysign(pi, y), k_copysign(0.0, y), x > 0.0);
  }
  if (k_isinf(y) || x == 0.0) { return k_copysign(${f32lit(PI / 2)}, y); }
  let z = k_atan(y / x);
  if (x > 0.0) { return z; }
  return select(z - pi, z + pi, y > 0.0);
}`,
  k_asin: `fn k_asin(xin: f32) -> f32 {
  let a = abs(xin);
  if (!(a <= 1.0)) { return k_nan(); }
  var x = a;
  var z: f32;
  let big = a > 0.5;
  if (big) { z = 0.5 * (1.0 - a); x = sqrt(z); } else { z = a * a; }
  var r = ${horner('z', [4.2163199048e-2, 2.4181311049e-2, 4.5470025998e-2, 7.4953002686e-2, 1.6666752422e-1])} * z * x + x;
  if (big) { r = ${f32lit(PI / 2)} - (r + r); }
  return select(r, -r, xin < 0.0);
}`,
  k_acos: `fn k_acos(x: f32) -> f32 {
  if (!(abs(x) <= 1.0)) { return k_nan(); }
  if (x < -0.5) { return ${f32lit(PI)} - 2.0 * k_asin(sqrt(0.5 * (1.0 + x))); }
  if (x > 0.5) { return 2.0 * k_asin(sqrt(0.5 * (1.0 - x))); }
  return ${f32lit(PI / 2)} - k_asin(x);
}`,
  k_sinh: `fn k_sinh(x: f32) -> f32 {
  if (k_isnan(x)) { return x; }
  let a = abs(x);
  var r: f32;
  if (a > 88.0) { let e = k_exp(0.5 * a); r = (0.5 * e) * e; }
  else if (a > 1.0) { let e = k_exp(a); r = 0.5 * e - 0.5 / e; }
  else { let z = a * a; r = ${horner('z', [2.03721912945e-4, 8.33028376239e-3, 1.66667160211e-1])} * z * a + a; }
  return select(r, -r, x < 0.0);
}`,
  k_cosh: `fn k_cosh(x: f32) -> f32 {
  if (k_isnan(x)) { return x; }
  let a = abs(x);
  if (a > 88.0) { let h = k_exp(0.5 * a); return (0.5 * h) * h; }
  let e = k_exp(a);
  return 0.5 * e + 0.5 / e;
}`,
  k_tanh: `fn k_tanh(x: f32) -> f32 {
  if (k_isnan(x)) { return x; }
  let a = abs(x);
  var r: f32;
  if (a > 44.0) { r = 1.0; }
  else if (a >= 0.625) { let s = k_exp(2.0 * a); r = 1.0 - 2.0 / (s + 1.0); }
  else {
    let z = a * a;
    r = ${horner('z', [-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1])} * z * a + a;
  }
  return select(r, -r, x < 0.0);
}`,
  k_sigmoid: `fn k_sigmoid(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + k_exp(-x)); }
  let e = k_exp(x);
  return e / (1.0 + e);
}`,
  // erfc(a) for a >= 1 (Cephes erfcf); `sq` is a^2 as a float-float, so exp(-a^2) does not suffer
  // from the rounding of a^2 (or of a, when the caller computed a = x / sqrt(2): it passes x^2 / 2).
  k_erfc_big: `fn k_erfc_big(a: f32) -> f32 { return k_erfc_big_sq(a, ff_two_prod(a, a)); }`,
  k_erfc_big_sq: `fn k_erfc_big_sq(a: f32, sq: vec2<f32>) -> f32 {
  if (a > 10.0) { return 0.0; }
  let z = k_exp(-sq.x) * (1.0 - sq.y);
  let q = 1.0 / a;
  let q2 = q * q;
  var p: f32;
  if (a < 2.0) {
    p = ${horner('q2', [2.326819970068386e-2, -1.387039388740657e-1, 3.687424674597105e-1, -5.824733027278666e-1, 6.210004621745983e-1, -4.944515323274145e-1, 3.404879937665872e-1, -2.741127028184656e-1, 5.638259427386472e-1])};
  } else {
    p = ${horner('q2', [-1.047766399936249e1, 1.297719955372516e1, -7.495518717768503, 2.921019019210786, -1.0152652792027, 4.218463358204948e-1, -2.820767439740514e-1, 5.641895067754075e-1])};
  }
  return z * q * p;
}`,
  k_erf: `fn k_erf(x: f32) -> f32 {
  if (k_isnan(x)) { return x; }
  let a = abs(x);
  if (a > 1.0) { let r = 1.0 - k_erfc_big(a); return select(r, -r, x < 0.0); }
  let z = x * x;
  return x * ${horner('z', [7.853861353153693e-5, -8.010193625184903e-4, 5.188327685732524e-3, -2.685381193529856e-2, 1.128358514861418e-1, -3.7612625824233e-1, 1.12837916572671])};
}`,
  k_erfc: `fn k_erfc(x: f32) -> f32 {
  if (k_isnan(x)) { return x; }
  if (x < 1.0) {
    if (x > -1.0) { return 1.0 - k_erf(x); }
    return 2.0 - k_erfc_big(-x);
  }
  return k_erfc_big(x);
}`,
  k_gelu: `fn k_gelu(x: f32) -> f32 {
  if (x < -1.5) { return 0.5 * x * k_erfc_big_sq(-x * ${f32lit(Math.SQRT1_2)}, ff_two_prod(x, x) * 0.5); }
  return 0.5 * x * (1.0 + k_erf(x * ${f32lit(Math.SQRT1_2)}));
}`,
  k_gelu_tanh: `fn k_gelu_tanh(x: f32) -> f32 {
  return 0.5 * x * (1.0 + k_tanh(${f32lit(Math.sqrt(2 / PI))} * (x + 0.044715 * x * x * x)));
}`,
  // fmod exactly (as JS %): subtract aligned multiples of |b| (each step is exact by Sterbenz).
  k_fmod: `fn k_fmod(a: f32, b: f32) -> f32 {
  if (k_isnan(a) || k_isnan(b) || k_isinf(a) || b == 0.0) { return k_nan(); }
  if (k_isinf(b)) { return a; }
  var r = abs(a);
  let d = abs(b);
  if (r < d) { return a; }
  let eb = i32((bitcast<u32>(d) >> 23u) & 0xffu);
  for (var it = 0; it < 300 && r >= d; it = it + 1) {
    let er = i32((bitcast<u32>(r) >> 23u) & 0xffu);
    var t = k_ldexp(d, er - eb);
    if (t > r) { t = t * 0.5; }
    r = r - t;
  }
  return k_copysign(r, a);
}`,
  k_remainder: `fn k_remainder(a: f32, b: f32) -> f32 {
  let r = k_fmod(a, b);
  if (r != 0.0 && ((r < 0.0) != (b < 0.0))) { return r + b; }
  return r;
}`,
  k_floordiv: `fn k_floordiv(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return a / b; }
  let m = k_fmod(a, b);
  var d = (a - m) / b;
  if (m != 0.0 && ((b < 0.0) != (m < 0.0))) { d = d - 1.0; }
  if (d == 0.0) { return select(0.0, -0.0, k_signbit(a) != k_signbit(b)); }
  var f = floor(d);
  if (d - f > 0.5) { f = f + 1.0; }
  return f;
}`,
  k_ipow: `fn k_ipow(a: i32, b: i32) -> i32 {
  if (b < 0) { return select(select(0, select(-1, 1, (b & 1) == 0), a == -1), 1, a == 1); }
  var r = 1;
  var base = a;
  var e = u32(b);
  loop {
    if (e == 0u) { break; }
    if ((e & 1u) != 0u) { r = r * base; }
    base = base * base;
    e = e >> 1u;
  }
  return r;
}`,
  k_powi: `fn k_powi(a: f32, n: i32) -> f32 {
  var r = 1.0;
  var base = a;
  var e = u32(abs(n));
  loop {
    if (e == 0u) { break; }
    if ((e & 1u) != 0u) { r = r * base; }
    base = base * base;
    e = e >> 1u;
  }
  return select(r, 1.0 / r, n < 0);
}`,
  // Math.pow semantics (JS: pow(1, NaN) and pow(+-1, +-inf) are NaN).
  k_pow: `fn k_pow(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (k_isnan(a) || k_isnan(b)) { return k_nan(); }
  let ab = abs(a);
  if (k_isinf(b)) {
    if (ab == 1.0) { return k_nan(); }
    return select(0.0, k_inf(), (ab > 1.0) == (b > 0.0));
  }
  let bint = floor(b) == b;
  let odd = bint && abs(b) < 16777216.0 && (i32(abs(b)) & 1) == 1;
  if (a == 0.0 || k_isinf(a)) {
    let big = (a == 0.0) == (b < 0.0);
    let mag = select(0.0, k_inf(), big);
    return select(mag, k_copysign(mag, a), odd);
  }
  if (a < 0.0 && !bint) { return k_nan(); }
  var r: f32;
  if (bint && abs(b) <= 64.0) { r = k_powi(ab, i32(b)); }
  else {
    let t = ff_mul_f(ff_log(ab), b);
    if (t.x > 88.7228394) { r = k_inf(); } else { r = k_exp(t.x) * (1.0 + t.y); }
  }
  return select(r, -r, a < 0.0 && odd);
}`,
  k_maximum: `fn k_maximum(a: f32, b: f32) -> f32 {
  if (k_isnan(a) || k_isnan(b)) { return k_nan(); }
  return select(b, a, a > b);
}`,
  k_minimum: `fn k_minimum(a: f32, b: f32) -> f32 {
  if (k_isnan(a) || k_isnan(b)) { return k_nan(); }
  return select(b, a, a < b);
}`,
  k_nantonum: `fn k_nantonum(a: f32, nan: f32, pinf: f32, ninf: f32) -> f32 {
  if (k_isnan(a)) { return nan; }
  if (k_isinf(a)) { return select(ninf, pinf, a > 0.0); }
  return a;
}`,
  k_softplus: `fn k_softplus(a: f32, beta: f32, threshold: f32) -> f32 {
  if (a * beta > threshold) { return a; }
  return k_log1p(k_exp(a * beta)) / beta;
}`,
  // Exact float16/bfloat16 <-> float32 conversions on 16-bit words held in u32.
  k_h2f: `fn k_h2f(h: u32) -> f32 {
  let s = (h & 0x8000u) << 16u;
  let e = (h >> 10u) & 0x1fu;
  let m = h & 0x3ffu;
  if (e == 0u) { return k_copysign(f32(m) * 5.96046448e-8, bitcast<f32>(s)); }
  if (e == 31u) { return bitcast<f32>(s | 0x7f800000u | (m << 13u)); }
  return bitcast<f32>(s | ((e + 112u) << 23u) | (m << 13u));
}`,
  k_f2h: `fn k_f2h(v: f32) -> u32 {
  let x = bitcast<u32>(v);
  let sign = (x >> 16u) & 0x8000u;
  let exp = i32((x >> 23u) & 0xffu);
  var mant = x & 0x7fffffu;
  if (exp == 0xff) { return sign | 0x7c00u | select(0u, 0x200u, mant != 0u); }
  let e = exp - 127 + 15;
  if (e >= 31) { return sign | 0x7c00u; }
  if (e <= 0) {
    if (e < -10) { return sign; }
    mant = mant | 0x800000u;
    let shift = u32(14 - e);
    var h = mant >> shift;
    let rem = mant & ((1u << shift) - 1u);
    let half = 1u << (shift - 1u);
    if (rem > half || (rem == half && (h & 1u) != 0u)) { h = h + 1u; }
    return sign | h;
  }
  var h = (u32(e) << 10u) | (mant >> 13u);
  let rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u) != 0u)) { h = h + 1u; }
  return sign | h;
}`,
  k_b2f: `fn k_b2f(h: u32) -> f32 { return bitcast<f32>(h << 16u); }`,
  k_f2b: `fn k_f2b(v: f32) -> u32 {
  let x = bitcast<u32>(v);
  if ((x & 0x7f800000u) == 0x7f800000u && (x & 0x7fffffu) != 0u) { return ((x >> 16u) | 0x40u) & 0xffffu; }
  return ((x + 0x7fffu + ((x >> 16u) & 1u)) >> 16u) & 0xffffu;
}`,

  // ---- float-float -------------------------------------------------------------------------------
  ff_quick: `fn ff_quick(a: f32, b: f32) -> vec2<f32> { let s = a + b; return vec2<f32>(s, b - (s - a)); }`,
  ff_two_sum: `fn ff_two_sum(a: f32, b: f32) -> vec2<f32> {
  let s = a + b;
  let bb = s - a;
  return vec2<f32>(s, (a - (s - bb)) + (b - bb));
}`,
  ff_split: `fn ff_split(a: f32) -> vec2<f32> {
  let hi = bitcast<f32>(bitcast<u32>(a) & 0xfffff000u);
  return vec2<f32>(hi, a - hi);
}`,
  ff_two_prod: `fn ff_two_prod(a: f32, b: f32) -> vec2<f32> {
  let p = a * b;
  let x = ff_split(a);
  let y = ff_split(b);
  return vec2<f32>(p, ((x.x * y.x - p) + x.x * y.y + x.y * y.x) + x.y * y.y);
}`,
  ff_add: `fn ff_add(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  var s = ff_two_sum(a.x, b.x);
  let t = ff_two_sum(a.y, b.y);
  s = ff_quick(s.x, s.y + t.x);
  return ff_quick(s.x, s.y + t.y);
}`,
  ff_mul: `fn ff_mul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let p = ff_two_prod(a.x, b.x);
  return ff_quick(p.x, p.y + (a.x * b.y + a.y * b.x));
}`,
  ff_mul_f: `fn ff_mul_f(a: vec2<f32>, b: f32) -> vec2<f32> {
  let p = ff_two_prod(a.x, b);
  return ff_quick(p.x, p.y + a.y * b);
}`,
  ff_div: `fn ff_div(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let q1 = a.x / b.x;
  let r1 = ff_add(a, -ff_mul_f(b, q1));
  let q2 = r1.x / b.x;
  let r2 = ff_add(r1, -ff_mul_f(b, q2));
  let q3 = r2.x / b.x;
  return ff_add(ff_quick(q1, q2), vec2<f32>(q3, 0.0));
}`,
  ff_sqrt: `fn ff_sqrt(a: vec2<f32>) -> vec2<f32> {
  if (a.x <= 0.0) { return vec2<f32>(0.0, 0.0); }
  let s = sqrt(a.x);
  let r = ff_add(a, -ff_two_prod(s, s));
  return ff_quick(s, r.x / (2.0 * s));
}`,
  // ln(x) for a positive normal f32, to ~2^-46 relative: atanh series of (m-1)/(m+1).
  ff_log: `fn ff_log(x: f32) -> vec2<f32> {
  let b = bitcast<u32>(x);
  var e = i32((b >> 23u) & 0xffu) - 127;
  var m = bitcast<f32>((b & 0x007fffffu) | 0x3f800000u);
  if (m > 1.41421354) { m = m * 0.5; e = e + 1; }
  let s = ff_div(vec2<f32>(m - 1.0, 0.0), ff_two_sum(m, 1.0));
  let s2 = ff_mul(s, s);
  ${hornerFF(
    's2',
    Array.from({ length: 10 }, (_, k) => 1 / (2 * (9 - k) + 1)),
  )}
  let lm = ff_mul(ff_mul_f(s, 2.0), t);
  return ff_add(ff_mul_f(${ffConst(Math.LN2)}, f32(e)), lm);
}`,
  // (sin, cos) of t in [0, pi/4] as float-floats (Taylor series to t^17 / t^18).
  ff_sincos_small: `fn ff_sincos_small(t: vec2<f32>) -> array<vec2<f32>, 2> {
  let t2 = ff_mul(t, t);
  ${hornerFF(
    't2',
    [17, 15, 13, 11, 9, 7, 5, 3, 1].map((n, i) => (i % 2 === 0 ? 1 : -1) / factorial(n)),
    'ps',
  )}
  ${hornerFF(
    't2',
    [18, 16, 14, 12, 10, 8, 6, 4, 2, 0].map((n, i) => (i % 2 === 0 ? -1 : 1) / factorial(n)),
    'pc',
  )}
  return array<vec2<f32>, 2>(ff_mul(t, ps), pc);
}`,
};

function factorial(n: number): number {
  let r = 1;
  for (let i = 2; i <= n; i++) r *= i;
  return r;
}

const CALL = /\b((?:k|ff)_[a-z0-9_]+)\s*\(/g;

/** `body` with the sources of every helper it calls (transitively) prepended. */
export function withHelpers(body: string): string {
  const needed = new Set<string>();
  const visit = (src: string) => {
    for (const m of src.matchAll(CALL)) {
      const name = m[1];
      if (needed.has(name) || !(name in HELPERS)) continue;
      needed.add(name);
      visit(HELPERS[name]);
    }
  };
  visit(body);
  const parts = [...needed].map((n) => HELPERS[n]);
  return `${parts.join('\n')}\n${body}`;
}
