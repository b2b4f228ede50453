// Shared definitions of the native kernel library: ISA selection and target attributes.
//
// Every SIMD function carries a per-function target attribute (never -march=native), so the
// library is compiled for the baseline of its architecture and only runs AVX2/AVX-512 code after
// `active_isa()` (from __builtin_cpu_supports) has said the CPU has it.
#pragma once

#include <cstddef>
#include <cstdint>

#if (defined(__x86_64__) || defined(_M_X64)) && defined(__GNUC__)
#define KD_X86 1
#define KD_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define KD_TARGET_AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma")))
#else
#define KD_X86 0
#define KD_TARGET_AVX2
#define KD_TARGET_AVX512
#endif

#if defined(_MSC_VER)
#define KD_RESTRICT __restrict
#define KD_ALWAYS_INLINE __forceinline
#else
#define KD_RESTRICT __restrict__
#define KD_ALWAYS_INLINE inline __attribute__((always_inline))
#endif

namespace kd {

/** Element counts, offsets and strides (64-bit on every platform, unlike `long` on Windows). */
using i64 = std::int64_t;

/** Instruction sets with their own kernels, lowest first. */
enum class Isa : int { Generic = 0, Avx2 = 1, Avx512 = 2 };

/** The best ISA this CPU supports (detected once). */
Isa detected_isa();
/** The ISA the kernels use now (the detected one unless lowered with set_isa). */
Isa active_isa();
/** Uses `isa` if the CPU supports it; returns the ISA now active. */
Isa set_isa(Isa isa);
/** "avx512", "avx2" or "generic". */
const char* isa_name(Isa isa);

}  // namespace kd
