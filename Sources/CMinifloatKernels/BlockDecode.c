/* Block decoding to float32 (BlockFormat+Decode.swift, decodeBlocksToFloat): out[i] =
 * element_values[code] * scale_values[scale code] (* tensor_scale). FP4 elements on AVX-512
 * (AVX2) 16 (8) at a time: the element values by a permutation of the table's first 16 entries
 * (codes above 15 take entry 16, NaN), one vector multiply per product. Other elements on AVX2
 * and AVX-512 8 at a time by arithmetic on the codes (minifloat_block_decoder_set_arithmetic; a
 * gather from the 256-entry table, and on AVX-512 the whole table in registers, measured slower),
 * and without that form or on the baseline one at a time from the table (the arithmetic in SSE2
 * measured slower, docs/performance.md). See CMinifloatKernels.h. */
#include "CMinifloatKernels.h"
#include "Prefetch.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#endif

#define INLINE static inline __attribute__((always_inline))

/* The functions that take or return a vector are always inlined into one with target attributes,
 * so no vector crosses a call (as in Float32Group.h). */
#pragma clang diagnostic ignored "-Wpsabi"

/* The scalar step, as Swift computes it. */
INLINE float product(const minifloat_block_decoder *d, uint8_t code, float s, int tensor) {
    float v = d->element_values[code] * s;
    return tensor ? v * d->tensor_scale : v;
}

static uint32_t bits_of(float f) {
    uint32_t b;
    __builtin_memcpy(&b, &f, sizeof b);
    return b;
}

/* The bits of code c's value by d's arithmetic form (one lane of arithmetic8). */
static uint32_t arithmetic_bits(const minifloat_block_decoder *d, uint32_t c) {
    if (d->arithmetic == 2) return bits_of((float)(int8_t)(uint8_t)c * d->unit);
    uint32_t a = c & (d->sign_bit - 1);
    uint32_t bits = a < (1u << d->mantissa_bits) ? bits_of((float)(int32_t)a * d->unit)
                                                 : (a << (23 - d->mantissa_bits)) + d->exponent_offset;
    return bits | (c & d->sign_bit ? 0x80000000u : 0);
}

int minifloat_block_decoder_set_arithmetic(minifloat_block_decoder *d, int exponent_bits, int mantissa_bits, int bias,
                                           int twos_complement) {
    d->arithmetic = 0;
    d->mantissa_bits = 0;
    d->sign_bit = 0;
    d->special_start = 0;
    d->exponent_offset = 0;
    d->unit = 0;
    if (twos_complement) {
        d->arithmetic = 2;
        d->unit = d->element_values[1];
        for (uint32_t c = 0; c < 256; c++)
            if (arithmetic_bits(d, c) != bits_of(d->element_values[c])) { d->arithmetic = 0; return 0; }
        return 1;
    }
    /* Every finite value's exponent, 1 - bias - M (the subnormal step) up to 2^E - 1 - bias, a
     * float32 normal exponent. */
    if (exponent_bits < 1 || mantissa_bits < 0 || 1 + exponent_bits + mantissa_bits > 8) return 0;
    if (1 - bias - mantissa_bits < -126 || (1 << exponent_bits) - 1 - bias > 127) return 0;
    d->arithmetic = 1;
    d->mantissa_bits = (uint32_t)mantissa_bits;
    d->sign_bit = 1u << (exponent_bits + mantissa_bits);
    d->exponent_offset = (uint32_t)(127 - bias) << 23;
    uint32_t unit_bits = (uint32_t)(1 - bias - mantissa_bits + 127) << 23;
    __builtin_memcpy(&d->unit, &unit_bits, sizeof unit_bits);
    uint32_t start = 0;
    while (start < d->sign_bit && arithmetic_bits(d, start) == bits_of(d->element_values[start])
           && arithmetic_bits(d, start | d->sign_bit) == bits_of(d->element_values[start | d->sign_bit]))
        start++;
    d->special_start = start;
    if (start == 0) d->arithmetic = 0;
    return d->arithmetic != 0;
}

typedef uint32_t u32x8 __attribute__((vector_size(32)));
typedef int32_t i32x8 __attribute__((vector_size(32)));
typedef float f32x8 __attribute__((vector_size(32)));
typedef uint8_t u8x8 __attribute__((vector_size(8)));
typedef int8_t i8x8 __attribute__((vector_size(8)));
typedef _Bool bool8 __attribute__((ext_vector_type(8)));

INLINE int any_negative8(i32x8 v) {
    bool8 negative = __builtin_convertvector(v < 0, bool8);
    uint8_t bits;
    __builtin_memcpy(&bits, &negative, sizeof bits);
    return bits != 0;
}

/* The element values of 8 codes by d's arithmetic form (`kind`, d->arithmetic); false when one of
 * the codes is not taken by it (*values unset). Eight lanes (one AVX2 register); sixteen measured
 * no faster with AVX2. */
INLINE int arithmetic8(const minifloat_block_decoder *d, const uint8_t *in, f32x8 *values, int kind, uint32_t sign_shift) {
    u8x8 bytes;
    __builtin_memcpy(&bytes, in, sizeof bytes);
    if (kind == 2) {
        *values = __builtin_convertvector(__builtin_convertvector((i8x8)bytes, i32x8), f32x8) * d->unit;
        return 1;
    }
    i32x8 c = __builtin_convertvector(bytes, i32x8);
    /* The code without its sign bit: its magnitude, or at least 2 sign_bit for a code beyond the
     * format; either way at least special_start (at most sign_bit) when the table must give it. */
    i32x8 a = c & ~(int32_t)d->sign_bit;
    if (any_negative8(a > (int32_t)d->special_start - 1)) return 0;
    u32x8 normal = ((u32x8)a << (23 - d->mantissa_bits)) + d->exponent_offset;
    u32x8 small = (u32x8)(__builtin_convertvector(a, f32x8) * d->unit);
    u32x8 is_small = (u32x8)(a < (int32_t)(1u << d->mantissa_bits));
    u32x8 bits = (small & is_small) | (normal & ~is_small);
    *values = (f32x8)(bits | (((u32x8)c & d->sign_bit) << sign_shift));
    return 1;
}

/* The products of 8 elements with their block's scale s (by the arithmetic form, or the table
 * for a group holding a code it does not take) to out. */
INLINE void arithmetic_step8(const minifloat_block_decoder *d, const uint8_t *in, float s, float *out, int tensor, int kind,
                             uint32_t sign_shift) {
    f32x8 e;
    if (arithmetic8(d, in, &e, kind, sign_shift)) {
        f32x8 v = e * s;
        if (tensor) v = v * d->tensor_scale;
        __builtin_memcpy(out, &v, sizeof v);
    } else {
        for (size_t k = 0; k < 8; k++) out[k] = product(d, in[k], s, tensor);
    }
}

/* Blocks of elements by d's arithmetic form (`kind`), 8 at a time (the output asked for ahead
 * every 16); a group of 8 holding a code it does not take (a NaN or Inf, a code beyond the
 * format) and the last elements of a block take the table. */
INLINE void blocks_arithmetic(const minifloat_block_decoder *decoder, const uint8_t *scales, const uint8_t *in, size_t count,
                              size_t size, float *out, int tensor, int kind) {
    /* A local copy: a float store through `out` may alias the decoder's fields. */
    const minifloat_block_decoder copy = *decoder;
    const minifloat_block_decoder *d = &copy;
    uint32_t sign_shift = kind == 1 ? (uint32_t)__builtin_clz(d->sign_bit) : 0;
    for (size_t first = 0, b = 0; first < count; first += size, b++) {
        size_t n = count - first < size ? count - first : size;
        float s = d->scale_values[scales[b]];
        size_t j = 0;
        for (; j + 16 <= n; j += 16) {
            prefetch_for_writing(out + first + j, prefetch_distance);
            arithmetic_step8(d, in + first + j, s, out + first + j, tensor, kind, sign_shift);
            arithmetic_step8(d, in + first + j + 8, s, out + first + j + 8, tensor, kind, sign_shift);
        }
        for (; j + 8 <= n; j += 8) arithmetic_step8(d, in + first + j, s, out + first + j, tensor, kind, sign_shift);
        for (; j < n; j++) out[first + j] = product(d, in[first + j], s, tensor);
    }
}

/* One copy of the loop per kind and tensor scale; false without an arithmetic form. */
#define ARITHMETIC_FOR(name, attributes)                                                                          \
    attributes static int name(const minifloat_block_decoder *d, const uint8_t *scales, const uint8_t *in,         \
                               size_t count, size_t size, float *out) {                                           \
        if (d->arithmetic == 1 && d->has_tensor_scale) blocks_arithmetic(d, scales, in, count, size, out, 1, 1); \
        else if (d->arithmetic == 1) blocks_arithmetic(d, scales, in, count, size, out, 0, 1);                  \
        else if (d->arithmetic == 2 && d->has_tensor_scale) blocks_arithmetic(d, scales, in, count, size, out, 1, 2); \
        else if (d->arithmetic == 2) blocks_arithmetic(d, scales, in, count, size, out, 0, 2);                  \
        else return 0;                                                                                            \
        return 1;                                                                                                 \
    }


INLINE void blocks_scalar(const minifloat_block_decoder *d, const uint8_t *scales, const uint8_t *in, size_t count,
                          size_t size, float *out, int tensor) {
    for (size_t first = 0, t = 0; first < count; first += size, t++) {
        size_t n = count - first < size ? count - first : size;
        float s = d->scale_values[scales[t]];
        size_t j = 0;
        for (; j + 16 <= n; j += 16) {
            prefetch_for_writing(out + first + j, prefetch_distance);
            for (size_t k = j; k < j + 16; k++) out[first + k] = product(d, in[first + k], s, tensor);
        }
        for (; j < n; j++) out[first + j] = product(d, in[first + j], s, tensor);
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

ARITHMETIC_FOR(arithmetic_avx2, AVX2)
ARITHMETIC_FOR(arithmetic_avx512, AVX512)

/* The element values of 16 FP4 codes: the first 16 entries permuted by the codes, entry 16 (NaN)
 * where a code is above 15. */
AVX512 INLINE __m512 values16_avx512(const minifloat_block_decoder *d, __m512 table16, const uint8_t *in) {
    __m512i codes = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)in));
    __mmask16 beyond = _mm512_cmpgt_epu32_mask(codes, _mm512_set1_epi32(15));
    return _mm512_mask_mov_ps(_mm512_permutexvar_ps(codes, table16), beyond, _mm512_set1_ps(d->element_values[16]));
}

/* FP4 elements, with or without the tensor scale. */
AVX512 INLINE void blocks_avx512(const minifloat_block_decoder *d, const uint8_t *scales, const uint8_t *in, size_t count,
                                 size_t size, float *out, int tensor) {
    __m512 table16 = _mm512_loadu_ps(d->element_values);
    __m512 t = _mm512_set1_ps(d->tensor_scale);
    for (size_t first = 0, b = 0; first < count; first += size, b++) {
        size_t n = count - first < size ? count - first : size;
        float s = d->scale_values[scales[b]];
        __m512 sv = _mm512_set1_ps(s);
        size_t j = 0;
        for (; j + 16 <= n; j += 16) {
            prefetch_for_writing(out + first + j, prefetch_distance);
            __m512 e = values16_avx512(d, table16, in + first + j);
            __m512 v = _mm512_mul_ps(e, sv);
            if (tensor) v = _mm512_mul_ps(v, t);
            _mm512_storeu_ps(out + first + j, v);
        }
        for (; j < n; j++) out[first + j] = product(d, in[first + j], s, tensor);
    }
}

AVX512 static void decode_avx512(const minifloat_block_decoder *d, const uint8_t *scales, const uint8_t *in, size_t count,
                                 size_t size, float *out) {
    if (!d->fp4) {
        if (!arithmetic_avx512(d, scales, in, count, size, out)) decode_baseline(d, scales, in, count, size, out);
    }
    else if (d->has_tensor_scale) blocks_avx512(d, scales, in, count, size, out, 1);
    else blocks_avx512(d, scales, in, count, size, out, 0);
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

/* The products of 8 FP4 elements with their block's scale sv (and the tensor scale t) to out. */
AVX2 INLINE void fp4_step8_avx2(const minifloat_block_decoder *d, __m256 low, __m256 high, __m256 sv, __m256 t, const uint8_t *in,
                                float *out, int tensor) {
    __m256 v = _mm256_mul_ps(values8_avx2(d, low, high, in), sv);
    if (tensor) v = _mm256_mul_ps(v, t);
    _mm256_storeu_ps(out, v);
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
        for (; j + 16 <= n; j += 16) {
            prefetch_for_writing(out + first + j, prefetch_distance);
            fp4_step8_avx2(d, low, high, sv, t, in + first + j, out + first + j, tensor);
            fp4_step8_avx2(d, low, high, sv, t, in + first + j + 8, out + first + j + 8, tensor);
        }
        for (; j + 8 <= n; j += 8) fp4_step8_avx2(d, low, high, sv, t, in + first + j, out + first + j, tensor);
        for (; j < n; j++) out[first + j] = product(d, in[first + j], s, tensor);
    }
}

AVX2 static void decode_avx2(const minifloat_block_decoder *d, const uint8_t *scales, const uint8_t *in, size_t count,
                             size_t size, float *out) {
    if (!d->fp4) {
        if (!arithmetic_avx2(d, scales, in, count, size, out)) decode_baseline(d, scales, in, count, size, out);
    }
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
