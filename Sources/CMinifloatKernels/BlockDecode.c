/* Block decoding to float32 (BlockFormat+Decode.swift, decodeBlocksToFloat): out[i] =
 * element_values[code] * scale_values[scale code] (* tensor_scale). FP4 elements on AVX-512
 * (AVX2) 16 (8) at a time: the element values by a permutation of the table's first 16 entries
 * (codes above 15 take entry 16, NaN), one vector multiply per product. Other elements on AVX-512
 * 16 at a time from the whole table (eight two-register permutations and three rounds of blends);
 * on AVX2 and the baseline one at a time: a gather from the 256-entry table measured no faster
 * than the scalar loop (MXFP8, docs/performance.md). See CMinifloatKernels.h. */
#include "CMinifloatKernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#endif

#define INLINE static inline __attribute__((always_inline))

/* The scalar step, as Swift computes it. */
INLINE float product(const minifloat_block_decoder *d, uint8_t code, float s, int tensor) {
    float v = d->element_values[code] * s;
    return tensor ? v * d->tensor_scale : v;
}

INLINE void blocks_scalar(const minifloat_block_decoder *d, const uint8_t *scales, const uint8_t *in, size_t count,
                          size_t size, float *out, int tensor) {
    for (size_t first = 0, t = 0; first < count; first += size, t++) {
        size_t n = count - first < size ? count - first : size;
        float s = d->scale_values[scales[t]];
        for (size_t j = 0; j < n; j++) out[first + j] = product(d, in[first + j], s, tensor);
    }
}

static void decode_baseline(const minifloat_block_decoder *d, const uint8_t *scales, const uint8_t *in, size_t count,
                            size_t size, float *out) {
    if (d->has_tensor_scale) blocks_scalar(d, scales, in, count, size, out, 1);
    else blocks_scalar(d, scales, in, count, size, out, 0);
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl")))
#define AVX2 __attribute__((target("avx2")))

/* The element values of 16 FP4 codes: the first 16 entries permuted by the codes, entry 16 (NaN)
 * where a code is above 15. */
AVX512 INLINE __m512 values16_avx512(const minifloat_block_decoder *d, __m512 table16, const uint8_t *in) {
    __m512i codes = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)in));
    __mmask16 beyond = _mm512_cmpgt_epu32_mask(codes, _mm512_set1_epi32(15));
    return _mm512_mask_mov_ps(_mm512_permutexvar_ps(codes, table16), beyond, _mm512_set1_ps(d->element_values[16]));
}

/* The element values of 16 codes of any width from the whole 256-entry table: in each of its
 * eight slices of 32 entries (two registers), bits 0-4 of a code pick one (a two-register
 * permutation); bits 5, 6 and 7 then pick the slice (three rounds of blends). */
AVX512 INLINE __m512 values16_wide_avx512(const __m512 *table, const uint8_t *in) {
    __m512i codes = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)in));
    __m512 slice[8];
    for (int k = 0; k < 8; k++) slice[k] = _mm512_permutex2var_ps(table[2 * k], codes, table[2 * k + 1]);
    for (int bit = 5, width = 8; bit <= 7; bit++, width /= 2) {
        __mmask16 upper = _mm512_test_epi32_mask(codes, _mm512_set1_epi32(1 << bit));
        for (int k = 0; k < width / 2; k++) slice[k] = _mm512_mask_blend_ps(upper, slice[2 * k], slice[2 * k + 1]);
    }
    return slice[0];
}

/* FP4 elements (`wide` 0) or any (1), with or without the tensor scale. */
AVX512 INLINE void blocks_avx512(const minifloat_block_decoder *d, const uint8_t *scales, const uint8_t *in, size_t count,
                                 size_t size, float *out, int tensor, int wide) {
    __m512 table16 = _mm512_loadu_ps(d->element_values);
    __m512 table[16];
    if (wide) for (int k = 0; k < 16; k++) table[k] = _mm512_loadu_ps(d->element_values + 16 * k);
    __m512 t = _mm512_set1_ps(d->tensor_scale);
    for (size_t first = 0, b = 0; first < count; first += size, b++) {
        size_t n = count - first < size ? count - first : size;
        float s = d->scale_values[scales[b]];
        __m512 sv = _mm512_set1_ps(s);
        size_t j = 0;
        for (; j + 16 <= n; j += 16) {
            __m512 e = wide ? values16_wide_avx512(table, in + first + j) : values16_avx512(d, table16, in + first + j);
            __m512 v = _mm512_mul_ps(e, sv);
            if (tensor) v = _mm512_mul_ps(v, t);
            _mm512_storeu_ps(out + first + j, v);
        }
        for (; j < n; j++) out[first + j] = product(d, in[first + j], s, tensor);
    }
}

AVX512 static void decode_avx512(const minifloat_block_decoder *d, const uint8_t *scales, const uint8_t *in, size_t count,
                                 size_t size, float *out) {
    if (!d->fp4 && d->has_tensor_scale) blocks_avx512(d, scales, in, count, size, out, 1, 1);
    else if (!d->fp4) blocks_avx512(d, scales, in, count, size, out, 0, 1);
    else if (d->has_tensor_scale) blocks_avx512(d, scales, in, count, size, out, 1, 0);
    else blocks_avx512(d, scales, in, count, size, out, 0, 0);
}

/* 8 FP4 codes: two 8-entry permutations chosen by bit 3, entry 16 (NaN) above 15. */
AVX2 INLINE __m256 values8_avx2(const minifloat_block_decoder *d, __m256 low, __m256 high, const uint8_t *in) {
    long long bytes;
    __builtin_memcpy(&bytes, in, 8);
    __m256i codes = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(bytes));
    __m256 v = _mm256_blendv_ps(_mm256_permutevar8x32_ps(low, codes), _mm256_permutevar8x32_ps(high, codes),
                                _mm256_castsi256_ps(_mm256_slli_epi32(codes, 28)));
    __m256 beyond = _mm256_castsi256_ps(_mm256_cmpgt_epi32(codes, _mm256_set1_epi32(15)));
    return _mm256_blendv_ps(v, _mm256_set1_ps(d->element_values[16]), beyond);
}

AVX2 INLINE void blocks_avx2(const minifloat_block_decoder *d, const uint8_t *scales, const uint8_t *in, size_t count,
                             size_t size, float *out, int tensor) {
    __m256 low = _mm256_loadu_ps(d->element_values), high = _mm256_loadu_ps(d->element_values + 8);
    __m256 t = _mm256_set1_ps(d->tensor_scale);
    for (size_t first = 0, b = 0; first < count; first += size, b++) {
        size_t n = count - first < size ? count - first : size;
        float s = d->scale_values[scales[b]];
        __m256 sv = _mm256_set1_ps(s);
        size_t j = 0;
        for (; j + 8 <= n; j += 8) {
            __m256 v = _mm256_mul_ps(values8_avx2(d, low, high, in + first + j), sv);
            if (tensor) v = _mm256_mul_ps(v, t);
            _mm256_storeu_ps(out + first + j, v);
        }
        for (; j < n; j++) out[first + j] = product(d, in[first + j], s, tensor);
    }
}

AVX2 static void decode_avx2(const minifloat_block_decoder *d, const uint8_t *scales, const uint8_t *in, size_t count,
                             size_t size, float *out) {
    if (!d->fp4) decode_baseline(d, scales, in, count, size, out);
    else if (d->has_tensor_scale) blocks_avx2(d, scales, in, count, size, out, 1);
    else blocks_avx2(d, scales, in, count, size, out, 0);
}
#endif

void minifloat_decode_blocks_float32(const minifloat_block_decoder *decoder, const uint8_t *scales, const uint8_t *elements,
                                     size_t count, size_t block_size, float *out, int level) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (level >= MINIFLOAT_KERNELS_AVX512) { decode_avx512(decoder, scales, elements, count, block_size, out); return; }
    if (level >= MINIFLOAT_KERNELS_AVX2) { decode_avx2(decoder, scales, elements, count, block_size, out); return; }
#else
    (void)level;
#endif
    decode_baseline(decoder, scales, elements, count, block_size, out);
}
