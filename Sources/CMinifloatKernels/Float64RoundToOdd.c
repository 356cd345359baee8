/* float64 -> float32 with round-to-odd where the result is a normal float32, in integer
 * arithmetic the compiler vectorises, for AVX-512, AVX2 and the baseline (per-function target
 * attributes): the first pass of Float64ViaFloat32.swift's float32RoundedToOdd. See
 * CMinifloatKernels.h. */
#include "CMinifloatKernels.h"

#include "Prefetch.h"

static inline __attribute__((always_inline)) uint64_t narrow_run(const uint64_t *restrict in, uint32_t *restrict out,
                                                                  size_t count) {
    uint64_t outside = 0;
    for (size_t i = 0; i < count; i++) {
        uint64_t bits = in[i];
        uint64_t magnitude = bits & 0x7FFFFFFFFFFFFFFFull;
        uint64_t exponent = magnitude >> 52;
        outside |= (exponent - 897) | (1150 - exponent); /* bit 63: an exponent outside 897...1150 */
        uint64_t sticky = ((magnitude & 0x1FFFFFFF) + 0x1FFFFFFF) >> 29;
        uint64_t narrow = ((magnitude >> 29) - (896ull << 23)) | sticky;
        out[i] = (uint32_t)narrow | ((uint32_t)(bits >> 32) & 0x80000000u);
    }
    return outside;
}

/* In runs of 64 (512 bytes), the input read ahead (prefetch_lines, Prefetch.h). */
static inline __attribute__((always_inline)) int narrow(const uint64_t *restrict in, uint32_t *restrict out, size_t count) {
    uint64_t outside = 0;
    size_t i = 0;
    for (; i + 64 <= count; i += 64) {
        prefetch_lines(in + i, prefetch_distance, 64 * sizeof *in);
        outside |= narrow_run(in + i, out + i, 64);
    }
    outside |= narrow_run(in + i, out + i, count - i);
    return (int)(outside >> 63);
}

#define NARROW_FOR(name, attributes)                                                                  \
    attributes static int name(const uint64_t *restrict in, uint32_t *restrict out, size_t count) { \
        return narrow(in, out, count);                                                               \
    }

NARROW_FOR(narrow_baseline, )
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
NARROW_FOR(narrow_avx2, __attribute__((target("avx2"))))
NARROW_FOR(narrow_avx512, __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"))))
#endif

int minifloat_float32_rounded_to_odd(const uint64_t *in, uint32_t *out, size_t count, int level) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (level >= MINIFLOAT_KERNELS_AVX512) return narrow_avx512(in, out, count);
    if (level >= MINIFLOAT_KERNELS_AVX2) return narrow_avx2(in, out, count);
#else
    (void)level;
#endif
    return narrow_baseline(in, out, count);
}
