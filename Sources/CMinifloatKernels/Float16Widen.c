/* float16 -> float32 (exact), in integer arithmetic and one exact float product the compiler
 * vectorises, for AVX-512, AVX2 and the baseline (per-function target attributes): the widening
 * of float16 sources (SourceBits.narrow, the stochastic element path). See CMinifloatKernels.h. */
#include "CMinifloatKernels.h"

static inline __attribute__((always_inline)) void widen(const uint16_t *restrict in, uint32_t *restrict out, size_t count) {
    for (size_t i = 0; i < count; i++) {
        uint32_t h = in[i];
        uint32_t magnitude = h & 0x7FFFu;
        /* Exponent fields 1...30: the fields in place, rebiased by 127 - 15; 31 (Inf, NaN with its
         * payload, made quiet as the hardware conversion does): rebiased twice, to 255. */
        uint32_t normal = (magnitude << 13) + (112u << 23);
        uint32_t special = (normal + (112u << 23)) | (magnitude > 0x7C00u ? 0x00400000u : 0);
        /* Field 0 (zero, subnormals): the significand m times 2^-24, exact in float32. */
        float small = (float)(int32_t)magnitude * 0x1p-24f;
        uint32_t small_bits;
        __builtin_memcpy(&small_bits, &small, sizeof small_bits);
        uint32_t bits = magnitude >= 0x7C00u ? special : magnitude < 0x0400u ? small_bits : normal;
        out[i] = bits | (h & 0x8000u) << 16;
    }
}

#define WIDEN_FOR(name, attributes)                                                                    \
    attributes static void name(const uint16_t *restrict in, uint32_t *restrict out, size_t count) { \
        widen(in, out, count);                                                                        \
    }

WIDEN_FOR(widen_baseline, )
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
WIDEN_FOR(widen_avx2, __attribute__((target("avx2"))))
WIDEN_FOR(widen_avx512, __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"))))
#endif

void minifloat_widen_float16(const uint16_t *in, uint32_t *out, size_t count, int level) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (level >= MINIFLOAT_KERNELS_AVX512) { widen_avx512(in, out, count); return; }
    if (level >= MINIFLOAT_KERNELS_AVX2) { widen_avx2(in, out, count); return; }
#else
    (void)level;
#endif
    widen_baseline(in, out, count);
}
