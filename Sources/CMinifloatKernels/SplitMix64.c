/* The seeded random stream, SplitMix64 (Steele, Lea and Flood, OOPSLA 2014) on many counters at once,
 * each output giving two 32-bit words; see CMinifloatKernels.h. */
#include "CMinifloatKernels.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define MINIFLOAT_X86 1
#include <immintrin.h>
#endif

#include "SplitMix64.h"

static inline uint64_t splitmix64(uint64_t seed, uint64_t index) {
    uint64_t z = seed + (index + 1) * splitmix64_golden;
    z = (z ^ (z >> 30)) * splitmix64_mix1;
    z = (z ^ (z >> 27)) * splitmix64_mix2;
    return z ^ (z >> 31);
}

/* Word `index` of the stream: the low half of output index / 2 for an even index, its high half
 * for an odd one. */
static inline uint32_t word(uint64_t seed, uint64_t index) {
    return (uint32_t)(splitmix64(seed, index >> 1) >> (32 * (index & 1)));
}

static void baseline(uint64_t seed, uint64_t first, uint32_t bits, uint32_t *out, size_t count) {
    const uint32_t shift = 32 - bits;
    size_t k = 0;
    if (count > 0 && (first & 1)) out[k++] = word(seed, first) >> shift;
    for (; k + 2 <= count; k += 2) {
        uint64_t z = splitmix64(seed, (first + k) >> 1);
        out[k] = (uint32_t)z >> shift;
        out[k + 1] = (uint32_t)(z >> 32) >> shift;
    }
    if (k < count) out[k] = word(seed, first + k) >> shift;
}

#ifdef MINIFLOAT_X86
int minifloat_kernels_supported(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl"))
        return MINIFLOAT_KERNELS_AVX512;
    /* F16C (float16 conversion) came before AVX2 in every processor that has both. */
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c") ? MINIFLOAT_KERNELS_AVX2 : MINIFLOAT_KERNELS_BASELINE;
}

/* a * b modulo 2^64 on 4 lanes from 32 x 32 -> 64-bit products: lo(a) lo(b) + ((hi(a) lo(b) + lo(a) hi(b)) << 32). */
__attribute__((target("avx2"))) static inline __m256i mul64_avx2(__m256i a, __m256i b, __m256i bHigh) {
    __m256i low = _mm256_mul_epu32(a, b);
    __m256i cross = _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(a, 32), b), _mm256_mul_epu32(a, bHigh));
    return _mm256_add_epi64(low, _mm256_slli_epi64(cross, 32));
}

__attribute__((target("avx2"))) static void avx2(uint64_t seed, uint64_t first, uint32_t bits, uint32_t *out,
                                                 size_t count) {
    const __m256i m1 = _mm256_set1_epi64x((long long)splitmix64_mix1), m1High = _mm256_srli_epi64(m1, 32);
    const __m256i m2 = _mm256_set1_epi64x((long long)splitmix64_mix2), m2High = _mm256_srli_epi64(m2, 32);
    const __m256i step = _mm256_set1_epi64x((long long)(8 * splitmix64_golden));
    const __m128i shift = _mm_cvtsi32_si128((int)(32 - bits));
    size_t k = 0;
    if (count > 0 && (first & 1)) out[k++] = word(seed, first) >> (32 - bits);
    /* Outputs j, j + 1, ... from the first even word: z before mixing is seed + (j + 1) * golden,
     * lanes j..j+3 in a and j+4..j+7 in b. */
    uint64_t z0 = seed + (((first + k) >> 1) + 1) * splitmix64_golden;
    __m256i a = _mm256_setr_epi64x((long long)z0, (long long)(z0 + splitmix64_golden),
                                   (long long)(z0 + 2 * splitmix64_golden), (long long)(z0 + 3 * splitmix64_golden));
    __m256i b = _mm256_add_epi64(a, _mm256_set1_epi64x((long long)(4 * splitmix64_golden)));
    for (; k + 16 <= count; k += 16) {
        __m256i x = a, y = b;
        x = mul64_avx2(_mm256_xor_si256(x, _mm256_srli_epi64(x, 30)), m1, m1High);
        y = mul64_avx2(_mm256_xor_si256(y, _mm256_srli_epi64(y, 30)), m1, m1High);
        x = mul64_avx2(_mm256_xor_si256(x, _mm256_srli_epi64(x, 27)), m2, m2High);
        y = mul64_avx2(_mm256_xor_si256(y, _mm256_srli_epi64(y, 27)), m2, m2High);
        /* Each output's two words are in order in memory (low half first): 8 words from x, 8 from y. */
        x = _mm256_srl_epi32(_mm256_xor_si256(x, _mm256_srli_epi64(x, 31)), shift);
        y = _mm256_srl_epi32(_mm256_xor_si256(y, _mm256_srli_epi64(y, 31)), shift);
        _mm256_storeu_si256((__m256i *)(out + k), x);
        _mm256_storeu_si256((__m256i *)(out + k + 8), y);
        a = _mm256_add_epi64(a, step);
        b = _mm256_add_epi64(b, step);
    }
    baseline(seed, first + k, bits, out + k, count - k);
}

__attribute__((target("avx512f,avx512dq"))) static void avx512(uint64_t seed, uint64_t first, uint32_t bits,
                                                                uint32_t *out, size_t count) {
    const __m512i m1 = _mm512_set1_epi64((long long)splitmix64_mix1), m2 = _mm512_set1_epi64((long long)splitmix64_mix2);
    const __m512i step = _mm512_set1_epi64((long long)(8 * splitmix64_golden));
    const __m128i shift = _mm_cvtsi32_si128((int)(32 - bits));
    size_t k = 0;
    if (count > 0 && (first & 1)) out[k++] = word(seed, first) >> (32 - bits);
    uint64_t z0 = seed + (((first + k) >> 1) + 1) * splitmix64_golden;
    __m512i z = _mm512_add_epi64(_mm512_set1_epi64((long long)z0),
                                 _mm512_mullo_epi64(_mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7),
                                                    _mm512_set1_epi64((long long)splitmix64_golden)));
    for (; k + 16 <= count; k += 16) {
        __m512i x = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64(z, 30)), m1);
        x = _mm512_mullo_epi64(_mm512_xor_si512(x, _mm512_srli_epi64(x, 27)), m2);
        /* 8 outputs, 16 words in order (low half first). */
        x = _mm512_srl_epi32(_mm512_xor_si512(x, _mm512_srli_epi64(x, 31)), shift);
        _mm512_storeu_si512((void *)(out + k), x);
        z = _mm512_add_epi64(z, step);
    }
    baseline(seed, first + k, bits, out + k, count - k);
}
#else
int minifloat_kernels_supported(void) { return MINIFLOAT_KERNELS_BASELINE; }
#endif

int minifloat_kernels_level(void) {
    int level = minifloat_kernels_supported();
    const char *cap = getenv("MINIFLOAT_KERNELS");
    if (cap && strcmp(cap, "baseline") == 0) return MINIFLOAT_KERNELS_BASELINE;
    if (cap && strcmp(cap, "avx2") == 0 && level > MINIFLOAT_KERNELS_AVX2) return MINIFLOAT_KERNELS_AVX2;
    return level;
}

void minifloat_seeded_random(uint64_t seed, uint64_t first, uint32_t bits, uint32_t *out, size_t count, int level) {
#ifdef MINIFLOAT_X86
    if (level >= MINIFLOAT_KERNELS_AVX512) { avx512(seed, first, bits, out, count); return; }
    if (level >= MINIFLOAT_KERNELS_AVX2) { avx2(seed, first, bits, out, count); return; }
#else
    (void)level;
#endif
    baseline(seed, first, bits, out, count);
}
