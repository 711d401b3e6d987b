#pragma once
// Hot loops are written plainly so -O3 vectorises them; IONCAM_SIMD_CLONES additionally
// builds an AVX2 copy (GCC target_clones, chosen at load time by the CPU's features), so the
// default build stays portable x86-64 without -march=native.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define IONCAM_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define IONCAM_SIMD_CLONES
#endif
