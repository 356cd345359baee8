/* NVFP4 block encoding from float32 under stochastic element rounding (IEEE P3109 v4.0 section
 * 4.2) in one pass per block: the block's largest finite magnitude and scale code (as
 * NVFP4Blocks.c), then each element's E2M1 code from its quotient in double, 8 lanes at a time, as
 * BlockFormat.encodeE2M1Stochastic (BlockFastPath.swift) decides it; elements that need the exact
 * step are reported a block at a time. See CMinifloatKernels.h. */
#include "CMinifloatKernels.h"

#include "BlockScale.h"
#include "Stochastic.h"

#define INLINE static inline __attribute__((always_inline))

typedef double f64x8 __attribute__((vector_size(64)));
typedef int64_t i64x8 __attribute__((vector_size(64)));
typedef float f32x8 __attribute__((vector_size(32)));
typedef int32_t i32x8 __attribute__((vector_size(32)));

/* The bits of 1.0 and 2.0, to turn an all-ones comparison lane into that value. */
#define ONE_BITS 0x3FF0000000000000ll
#define TWO_BITS 0x4000000000000000ll

/* floor(v) for 0 <= v: the rounding instruction where the unit has one (`instruction`, a
 * constant in each caller); else, for v < 2^51, v + 2^52 rounds v to an integer (ties to even),
 * less one where that passed v (and a value at least 3 for larger v). */
INLINE f64x8 floor8(f64x8 v, int instruction) {
    if (instruction) return __builtin_elementwise_floor(v);
    f64x8 t = (v + 0x1p52) - 0x1p52;
    return t - (f64x8)((i64x8)(t > v) & ONE_BITS);
}

/* The codes of 8 elements (float32 bits b, random values r) of a block whose divisor d has
 * reciprocal `reciprocal` (1/d rounded) to out: returns all ones in the lanes that need the exact
 * step. The steps, with q = |x| * reciprocal (within 2^-52 relative of |x| / d):
 *   1. the binade of q (the E2M1 step h is 0.5 below 2, 1 below 4, 2 from 4) and u = q / h (exact);
 *   2. m = floor(u), the grid index below q within the binade, and w = frac(u) * 2^(N+1) (exact),
 *      which is within 2^-17 of its exact value for N <= 32;
 *   3. the variant's decision to round up. With F = floor(w) it is F/2 + R >= 2^N (A),
 *      F + 2R + 1 >= 2^(N+1) (B), RNITE(w/2) + R >= 2^N (C), as Float32NormalKernel's integers
 *      (F/2 rounded down); when w is not an integer each is a comparison of w with an integer
 *      threshold: w >= 2^(N+1) - 2R (A), w >= 2^(N+1) - 2R - 1 (B, and C: no tie then);
 *   4. the magnitude code m + 2 * binade + up, at most 7: q above 6 rounds to 6 or to the
 *      overflow, which every saturation clamps to 6 (the caller checks this);
 *   5. lanes whose w lies within 2^-16 of an integer (q on or next to a grid or decision point,
 *      where the error could move w across the threshold or hide an integer) need the exact step,
 *      unless x is +-0 (code +-0; w = 0) or q is far beyond 6 (code +-6). */
INLINE i64x8 codes8(u32x8 b, u32x8 r, double reciprocal, double scale, double threshold, int instruction, i32x8 *out) {
    f32x8 magnitude = (f32x8)(b & 0x7FFFFFFFu);
    f64x8 q = __builtin_convertvector(magnitude, f64x8) * reciprocal;
    /* 1. */
    i64x8 second = (i64x8)(q >= 2.0), third = (i64x8)(q >= 4.0); /* all ones from each binade on */
    f64x8 u = q * (f64x8)((i64x8){0} + (1024ll << 52) + (i64x8)((u64x8)(second + third) << 52));
    /* 2. */
    f64x8 m = floor8(u, instruction);
    f64x8 w = (u - m) * scale;
    /* 3. threshold: 2^(N+1) (A) or 2^(N+1) - 1 (B, C). */
    i64x8 up = (i64x8)(w >= threshold - 2.0 * __builtin_convertvector(r, f64x8));
    /* 4. */
    f64x8 code = m + (f64x8)(second & TWO_BITS) + (f64x8)(third & TWO_BITS) + (f64x8)(up & ONE_BITS);
    code = __builtin_elementwise_min(code, (f64x8){0} + 7.0);
    *out = __builtin_convertvector(code, i32x8) | (i32x8)((b >> 31) << 3);
    /* 5. The nearest integer to w (below 2^33), as v + 2^52 rounds it. */
    f64x8 distance = w - ((w + 0x1p52) - 0x1p52);
    i64x8 near = (i64x8)(distance <= 0x1p-16) & (i64x8)(distance >= -0x1p-16);
    i64x8 zero = (i64x8)(q == 0.0), beyond = (i64x8)(q >= 6.0 + 0x1p-20);
    return near & ~zero & ~beyond;
}

/* One block of n elements, element j taking R_(first + j): returns nonzero when the caller must
 * compute its element codes (a NaN or Inf in it, n not a multiple of 16, or an element that needs
 * the exact step); the scale byte is always written. */
INLINE int block(const minifloat_nvfp4_stochastic_blocks *m, const minifloat_stochastic *s, const uint32_t *in, size_t n,
                 uint64_t first, uint8_t *scale, uint8_t *out, int instruction) {
    int special;
    uint32_t amax = n == 16 ? finite_amax_of(in, 16, load16(in) & 0x7FFFFFFFu, &special) : finite_amax(in, n, &special);
    uint32_t code = scale_code(&m->scale, amax);
    *scale = stored_scale(code, special, m->nan_policy, m->nan_scale);
    if (special || n % 16 != 0) return 1;
    double reciprocal = m->reciprocals[code];
    if (reciprocal == 0) {
        /* A zero divisor: every (finite) element is +-0. */
        for (size_t j = 0; j < n; j++) out[j] = (uint8_t)((in[j] >> 31) << 3);
        return 0;
    }
    double scale_n = 2.0 * (double)(1ull << s->bits); /* 2^(N+1) */
    double threshold = m->variant == 0 ? scale_n : scale_n - 1.0;
    i64x8 redo = {0};
    for (size_t j = 0; j < n; j += 16) {
        u32x16 b = load16(in + j), r = random16(s, first + j);
        i32x8 low, high;
        redo |= codes8(__builtin_shufflevector(b, b, 0, 1, 2, 3, 4, 5, 6, 7), __builtin_shufflevector(r, r, 0, 1, 2, 3, 4, 5, 6, 7),
                       reciprocal, scale_n, threshold, instruction, &low);
        redo |= codes8(__builtin_shufflevector(b, b, 8, 9, 10, 11, 12, 13, 14, 15),
                       __builtin_shufflevector(r, r, 8, 9, 10, 11, 12, 13, 14, 15), reciprocal, scale_n, threshold, instruction, &high);
        u8x16 narrow = __builtin_convertvector(__builtin_shufflevector(low, high, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                               u8x16);
        __builtin_memcpy(out + j, &narrow, sizeof narrow);
    }
    return __builtin_reduce_or(redo) != 0;
}

INLINE void blocks_loop(const minifloat_nvfp4_stochastic_blocks *m, const minifloat_stochastic *s, const uint32_t *in,
                        size_t count, size_t size, uint64_t first, uint8_t *scales, uint8_t *out, uint8_t *redo, int instruction) {
    for (size_t j = 0, t = 0; j < count; j += size, t++) {
        size_t n = count - j < size ? count - j : size;
        redo[t] = (uint8_t)block(m, s, in + j, n, first + j, scales + t, out + j, instruction);
    }
}

/* `instruction`: the unit rounds doubles to integers in one instruction (SSE4.1 and later). */
#define NVFP4_STOCHASTIC_FOR(name, attributes, instruction)                                                       \
    attributes static void name(const minifloat_nvfp4_stochastic_blocks *m, const minifloat_stochastic *s,        \
                                const uint32_t *in, size_t count, size_t size, uint64_t first, uint8_t *scales, \
                                uint8_t *out, uint8_t *redo) {                                                  \
        blocks_loop(m, s, in, count, size, first, scales, out, redo, instruction);                              \
    }

NVFP4_STOCHASTIC_FOR(nvfp4_stochastic_baseline, , 0)
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
NVFP4_STOCHASTIC_FOR(nvfp4_stochastic_avx2, __attribute__((target("avx2"))), 1)
NVFP4_STOCHASTIC_FOR(nvfp4_stochastic_avx512, __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"))), 1)
#endif

void minifloat_encode_nvfp4_float32_stochastic(const minifloat_nvfp4_stochastic_blocks *blocks, const minifloat_stochastic *s,
                                               const uint32_t *in, size_t count, size_t block_size, uint64_t first,
                                               uint8_t *scales, uint8_t *out, uint8_t *redo, int level) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (level >= MINIFLOAT_KERNELS_AVX512) {
        nvfp4_stochastic_avx512(blocks, s, in, count, block_size, first, scales, out, redo);
        return;
    }
    if (level >= MINIFLOAT_KERNELS_AVX2) {
        nvfp4_stochastic_avx2(blocks, s, in, count, block_size, first, scales, out, redo);
        return;
    }
#else
    (void)level;
#endif
    nvfp4_stochastic_baseline(blocks, s, in, count, block_size, first, scales, out, redo);
}
