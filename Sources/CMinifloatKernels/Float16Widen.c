/* float16 -> float32 (exact): with AVX2 and AVX-512 the conversion instruction, on the baseline in
 * integer arithmetic and one exact float product the compiler vectorises (per-function target
 * attributes): the widening of float16 sources (SourceBits.narrow, the stochastic element path).
 * See CMinifloatKernels.h. */
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

static void widen_baseline(const uint16_t *restrict in, uint32_t *restrict out, size_t count) { widen(in, out, count); }

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

/* The conversion instruction (F16C, part of the AVX2 level; AVX512F for 16 lanes), the tail as
 * above: the same results (the instruction makes a NaN quiet too; VectorUnitsTests checks every
 * pattern), 1.13-1.21 -> 0.88-0.93 ns per element for float16 stochastic rounding with AVX2. */
__attribute__((target("avx2,f16c"))) static void widen_avx2(const uint16_t *restrict in, uint32_t *restrict out,
                                                              size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 x = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(in + i)));
        _mm256_storeu_si256((__m256i *)(out + i), _mm256_castps_si256(x));
    }
    widen(in + i, out + i, count - i);
}

__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"))) static void widen_avx512(const uint16_t *restrict in,
                                                                                        uint32_t *restrict out, size_t count) {
    size_t i = 0;
    for (; i + 16 <= count; i += 16) {
        __m512 x = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(in + i)));
        _mm512_storeu_si512((void *)(out + i), _mm512_castps_si512(x));
    }
    widen(in + i, out + i, count - i);
}
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
