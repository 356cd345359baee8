/* NVFP4 block encoding from float32 and float64 under stochastic element rounding (IEEE P3109
 * v4.0 section 4.2) in one pass per block: the block's largest finite magnitude and scale code (as
 * NVFP4Blocks.c; for float64 with the float64 scale starts of NVFP4Float64Thresholds), the block's
 * random values (Stochastic.h), then each element's E2M1 code as floor(u + c) from its quotient
 * by the block's divisor, in float32 (16 lanes) or double (8 lanes); a block with an element that
 * needs the exact step is reported, and the caller redoes it (BlockFormat.encodeE2M1Stochastic,
 * BlockFastPath.swift). See CMinifloatKernels.h. */
#include "CMinifloatKernels.h"

#include "BlockScale.h"
#include "Stochastic.h"

#define INLINE static inline __attribute__((always_inline))

typedef double f64x8 __attribute__((vector_size(64)));
typedef float f32x8 __attribute__((vector_size(32)));
typedef int32_t i32x8 __attribute__((vector_size(32)));
typedef uint64_t u64x8 __attribute__((vector_size(64)));

/* The lesser of a and b lane by lane, for lanes that are never NaN: `a < b ? a : b`, which is one
 * minps or minpd (__builtin_elementwise_min is fmin, whose NaN rule compiles to a compare and a
 * blend per register besides the min). */
INLINE f32x16 min16(f32x16 a, f32x16 b) {
    i32x16 less = (i32x16)(a < b);
    return (f32x16)(((i32x16)a & less) | ((i32x16)b & ~less));
}

INLINE f64x8 min8(f64x8 a, f64x8 b) {
    i64x8 less = (i64x8)(a < b);
    return (f64x8)(((i64x8)a & less) | ((i64x8)b & ~less));
}

/* The bits of x as a signed integer (for comparisons of non-negative values as integers). */
INLINE int32_t bits32(float x) {
    int32_t b;
    __builtin_memcpy(&b, &x, sizeof b);
    return b;
}

INLINE int64_t bits64(double x) {
    int64_t b;
    __builtin_memcpy(&b, &x, sizeof b);
    return b;
}

/* The codes of 8 elements (magnitudes as doubles, exact: float32 or float64 inputs; `sign` 8 at the
 * negative ones; random values r) of a block whose divisor d has reciprocal `reciprocal` (1/d
 * rounded) to out: returns a negative value in the lanes that need the exact step. P3109's variants round
 * the E2M1 grid index of q = |x| / d (0, 0.5, 1, 1.5, 2, 3, 4, 6 have indices 0...7) up when its
 * fraction w = frac * 2^(N+1) reaches an integer threshold: floor(w/2) + R >= 2^N (A) is
 * w >= 2^(N+1) - 2R; floor(w) + 2R + 1 >= 2^(N+1) (B) is w >= 2^(N+1) - 2R - 1; RNITE(w/2) + R >=
 * 2^N (C) is B's test but for w equal to its threshold (a tie). So the code is floor(u + c), u the
 * grid index of q with its fraction and c = R / 2^N (A) or (2R + 1) / 2^(N+1) (B, C), exact but
 * where u + c is an integer (C's tie). The steps, with q = |x| * reciprocal (within 2^-52 relative
 * of |x| / d: the reciprocal's rounding and the product's, |x| being exact):
 *   1. u = min(2q, q + 2, q / 2 + 4) (the index is concave and piecewise linear in q), within
 *      2^-50 + 2^-51 of exact for q below 8 (q's error, the rounding of each line);
 *   2. S = u + c, within 2.5 * 2^-50 of exact (and its rounding);
 *   3. the code min(floor(S), 7) (S >= 0: truncation is floor): an index above 7 is 6 rounded
 *      up to the overflow, which every saturation clamps to 6 (the caller checks this);
 *   4. lanes whose S lies within 2^-(N+16) (more than the error for N <= 32) of an integer
 *      need the exact step, unless x is +-0 (S = c exactly, code +-0) or S >= 7.5 (code 7
 *      whatever the error). A product q that underflows to 0 also gives +-0: S is c plus less
 *      than the least double, whose floor is floor(c) = 0 with no tie (c < 1). */
INLINE i64x8 codes8_of(f64x8 magnitude, i32x8 sign, u32x8 r, double reciprocal, double r_scale, double r_offset, double band,
                       i32x8 *out) {
    f64x8 q = magnitude * reciprocal;
    /* 1. */
    f64x8 u = min8(min8(q + q, q + 2.0), q * 0.5 + 4.0);
    /* 2. */
    f64x8 s = u + (__builtin_convertvector(r, f64x8) * r_scale + r_offset);
    /* 3. */
    f64x8 clamped = min8(s, (f64x8){0} + 7.0);
    *out = __builtin_convertvector(clamped, i32x8) | sign;
    /* 4. The distance to the nearest integer (s + 2^52 rounds s to one for s < 2^51). A lane is
     * near when |distance| <= band, S < 7.5 and q != 0: each the sign of a difference of
     * non-negative doubles' bits (q and S are >= +0; no comparison, so no mask for the compiler to
     * keep as bytes across the caller's accumulation and widen again). */
    f64x8 distance = s - ((s + 0x1p52) - 0x1p52);
    i64x8 close = ((i64x8)distance & 0x7FFFFFFFFFFFFFFF) - (bits64(band) + 1);
    return close & ((i64x8)s - bits64(7.5)) & -(i64x8)q;
}

/* codes8_of for 8 float32 inputs (bits b). */
INLINE i64x8 codes8(u32x8 b, u32x8 r, double reciprocal, double r_scale, double r_offset, double band, i32x8 *out) {
    f32x8 magnitude = (f32x8)(b & 0x7FFFFFFFu);
    return codes8_of(__builtin_convertvector(magnitude, f64x8), (i32x8)((b >> 31) << 3), r, reciprocal, r_scale, r_offset, band,
                     out);
}

/* As codes8 in float32, 16 lanes at a time, for N <= 23 (c exact) and a reciprocal that is a
 * normal float32 (its own rounding within 2^-24 relative, and q's product's; a product below
 * float32's normal range is off by at most 2^-150, and one beyond it is +Inf, code 7). For
 * q < 7 (every lane whose S is below 7.5): q within 7 * 2^-23, u within 2^-21 + 2^-22 (each
 * line's slope times q's error, and its rounding), S within 2^-20 (and its rounding); lanes
 * within 2^-18 of an integer need the exact step. A +-0 or a product that is 0 (x below
 * 2^-126 / reciprocal: S is c plus less than 2^-126, which floor takes to floor(c) = 0, no tie)
 * gives +-0. */
INLINE i32x16 codes16(u32x16 b, u32x16 r, f32x16 reciprocal, float r_scale, float r_offset, uint8_t *out) {
    f32x16 q = (f32x16)(b & 0x7FFFFFFFu) * reciprocal;
    f32x16 u = min16(min16(q + q, q + 2.0f), q * 0.5f + 4.0f);
    /* R < 2^N <= 2^23: a signed conversion is exact. */
    f32x16 s = u + (__builtin_convertvector((i32x16)r, f32x16) * r_scale + r_offset);
    f32x16 clamped = min16(s, (f32x16){0} + 7.0f);
    u32x16 code = (u32x16)__builtin_convertvector(clamped, i32x16) | ((b >> 31) << 3);
    u8x16 narrow = __builtin_convertvector(code, u8x16);
    __builtin_memcpy(out, &narrow, sizeof narrow);
    /* The distance to the nearest integer (s + 2^23 rounds s to one for s < 2^22); negative in the
     * lanes with |distance| <= 2^-18, S < 7.5 and q != 0, as codes8_of's step 4. */
    f32x16 distance = s - ((s + 0x1p23f) - 0x1p23f);
    i32x16 close = ((i32x16)distance & 0x7FFFFFFF) - (bits32(0x1p-18f) + 1);
    return close & ((i32x16)s - bits32(7.5f)) & -(i32x16)q;
}

/* One block of n elements, element j taking R_(first + j): returns nonzero when the caller must
 * compute its element codes (a NaN or Inf in it, n not a multiple of 16, or an element that needs
 * the exact step); the scale byte is always written. */
INLINE int block_elements(const minifloat_nvfp4_stochastic_blocks *m, const minifloat_stochastic *s, const uint32_t *in,
                          size_t n, uint64_t first, uint32_t code, uint8_t *out, int narrow_random);

/* The scale code of one block of n elements (*special: whether it holds a NaN or Inf); stores its
 * scale byte. */
INLINE uint32_t block_scale(const minifloat_nvfp4_stochastic_blocks *m, const uint32_t *in, size_t n, uint8_t *scale,
                            int *special) {
    uint32_t amax = n == 16 ? finite_amax_of(in, 16, load16(in) & 0x7FFFFFFFu, special) : finite_amax(in, n, special);
    uint32_t code = scale_code(&m->scale, amax);
    *scale = stored_scale(code, *special, m->nan_policy, m->nan_scale);
    return code;
}

INLINE int block(const minifloat_nvfp4_stochastic_blocks *m, const minifloat_stochastic *s, const uint32_t *in, size_t n,
                 uint64_t first, uint8_t *scale, uint8_t *out, int narrow_random) {
    int special;
    uint32_t code = block_scale(m, in, n, scale, &special);
    if (special || n % 16 != 0) return 1;
    return block_elements(m, s, in, n, first, code, out, narrow_random);
}

/* The elements of a block of n (a multiple of 16) without a NaN or Inf whose scale code is
 * `code`: block()'s return value. */
INLINE int block_elements(const minifloat_nvfp4_stochastic_blocks *m, const minifloat_stochastic *s, const uint32_t *in,
                          size_t n, uint64_t first, uint32_t code, uint8_t *out, int narrow_random) {
    float reciprocal32 = m->reciprocals32[code];
    if (narrow_random && reciprocal32 != 0) {
        /* c = R * r_scale + r_offset. */
        float r_scale = 1.0f / (float)(1u << s->bits), r_offset = m->variant == 0 ? 0 : 0.5f * r_scale;
        i32x16 redo = {0};
        f32x16 reciprocal = (f32x16){0} + reciprocal32;
        for (size_t j = 0; j < n; j += 16) redo |= codes16(load16(in + j), random16(s, first + j), reciprocal, r_scale, r_offset, out + j);
        return any_negative(redo);
    }
    double reciprocal = m->reciprocals[code];
    if (reciprocal == 0) {
        /* A zero divisor: every (finite) element is +-0. */
        for (size_t j = 0; j < n; j++) out[j] = (uint8_t)((in[j] >> 31) << 3);
        return 0;
    }
    /* c = R * r_scale + r_offset; the band 2^-(N+16). */
    double r_scale = 1.0 / (double)(1ull << s->bits), r_offset = m->variant == 0 ? 0 : 0.5 * r_scale, band = r_scale * 0x1p-16;
    i64x8 redo = {0};
    for (size_t j = 0; j < n; j += 16) {
        u32x16 b = load16(in + j), r = random16(s, first + j);
        i32x8 low, high;
        redo |= codes8(__builtin_shufflevector(b, b, 0, 1, 2, 3, 4, 5, 6, 7), __builtin_shufflevector(r, r, 0, 1, 2, 3, 4, 5, 6, 7),
                       reciprocal, r_scale, r_offset, band, &low);
        redo |= codes8(__builtin_shufflevector(b, b, 8, 9, 10, 11, 12, 13, 14, 15),
                       __builtin_shufflevector(r, r, 8, 9, 10, 11, 12, 13, 14, 15), reciprocal, r_scale, r_offset, band, &high);
        u8x16 narrow = __builtin_convertvector(__builtin_shufflevector(low, high, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                               u8x16);
        __builtin_memcpy(out + j, &narrow, sizeof narrow);
    }
    return __builtin_reduce_or(redo) < 0;
}

/* block() for float64 inputs: the double lanes only (a float64 has more bits than the float32
 * lanes' error analysis allows). */
INLINE int block64_elements(const minifloat_nvfp4_float64_stochastic_blocks *m, const minifloat_stochastic *s, const uint64_t *in,
                            size_t n, uint64_t first, uint32_t code, uint8_t *out);

/* The scale code of one block of n float64 elements (*special: whether it holds a NaN or Inf);
 * stores its scale byte. */
INLINE uint32_t block64_scale(const minifloat_nvfp4_float64_stochastic_blocks *m, const uint64_t *in, size_t n, uint8_t *scale,
                              int *special) {
    uint64_t amax = finite_amax64(in, n, special);
    uint32_t code = scale_code64(&m->blocks.scale, m->starts, m->start_count, amax);
    *scale = stored_scale(code, *special, m->blocks.nan_policy, m->blocks.nan_scale);
    return code;
}

INLINE int block64(const minifloat_nvfp4_float64_stochastic_blocks *m, const minifloat_stochastic *s, const uint64_t *in,
                   size_t n, uint64_t first, uint8_t *scale, uint8_t *out) {
    int special;
    uint32_t code = block64_scale(m, in, n, scale, &special);
    if (special || n % 16 != 0) return 1;
    return block64_elements(m, s, in, n, first, code, out);
}

/* The elements of a block of n (a multiple of 16) float64s without a NaN or Inf whose scale code
 * is `code`: block64()'s return value. */
INLINE int block64_elements(const minifloat_nvfp4_float64_stochastic_blocks *m, const minifloat_stochastic *s, const uint64_t *in,
                            size_t n, uint64_t first, uint32_t code, uint8_t *out) {
    double reciprocal = m->blocks.reciprocals[code];
    if (reciprocal == 0) {
        /* A zero divisor: every (finite) element is +-0. */
        for (size_t j = 0; j < n; j++) out[j] = (uint8_t)((in[j] >> 63) << 3);
        return 0;
    }
    double r_scale = 1.0 / (double)(1ull << s->bits), r_offset = m->blocks.variant == 0 ? 0 : 0.5 * r_scale, band = r_scale * 0x1p-16;
    i64x8 redo = {0};
    for (size_t j = 0; j < n; j += 16) {
        u32x16 r = random16(s, first + j);
        u64x8 b0, b1;
        __builtin_memcpy(&b0, in + j, sizeof b0);
        __builtin_memcpy(&b1, in + j + 8, sizeof b1);
        i32x8 low, high;
        redo |= codes8_of((f64x8)(b0 & 0x7FFFFFFFFFFFFFFFu), __builtin_convertvector(b0 >> 63, i32x8) << 3,
                          __builtin_shufflevector(r, r, 0, 1, 2, 3, 4, 5, 6, 7), reciprocal, r_scale, r_offset, band, &low);
        redo |= codes8_of((f64x8)(b1 & 0x7FFFFFFFFFFFFFFFu), __builtin_convertvector(b1 >> 63, i32x8) << 3,
                          __builtin_shufflevector(r, r, 8, 9, 10, 11, 12, 13, 14, 15), reciprocal, r_scale, r_offset, band, &high);
        u8x16 narrow = __builtin_convertvector(__builtin_shufflevector(low, high, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                               u8x16);
        __builtin_memcpy(out + j, &narrow, sizeof narrow);
    }
    return __builtin_reduce_or(redo) < 0;
}

INLINE void blocks_loop64(const minifloat_nvfp4_float64_stochastic_blocks *blocks, const minifloat_stochastic *stochastic,
                          const uint64_t *in, size_t count, size_t size, uint64_t first, uint8_t *scales, uint8_t *out,
                          uint8_t *redo) {
    /* Local copies of the constants (see blocks_loop). */
    const minifloat_nvfp4_float64_stochastic_blocks blocks_copy = *blocks;
    const minifloat_stochastic stochastic_copy = *stochastic;
    const minifloat_nvfp4_float64_stochastic_blocks *m = &blocks_copy;
    const minifloat_stochastic *s = &stochastic_copy;
    size_t j = 0, t = 0;
    if (size == 16) {
        /* 16 blocks at a time, their scale codes first (see blocks_loop). */
        for (; j + 16 * 16 <= count; j += 16 * 16, t += 16) {
            uint32_t codes[16];
            int special[16];
            prefetch_lines(in + j, prefetch_distance, 16 * 16 * 8);
            for (int l = 0; l < 16; l++) codes[l] = block64_scale(m, in + j + 16 * l, 16, scales + t + l, special + l);
            for (int l = 0; l < 16; l++) {
                redo[t + l] = (uint8_t)(special[l]
                                        || block64_elements(m, s, in + j + 16 * l, 16, first + j + 16 * l, codes[l], out + j + 16 * l));
            }
        }
    }
    for (; j < count; j += size, t++) {
        size_t n = count - j < size ? count - j : size;
        redo[t] = (uint8_t)block64(m, s, in + j, n, first + j, scales + t, out + j);
    }
}

INLINE void blocks_loop(const minifloat_nvfp4_stochastic_blocks *blocks, const minifloat_stochastic *stochastic,
                        const uint32_t *in, size_t count, size_t size, uint64_t first, uint8_t *scales, uint8_t *out,
                        uint8_t *redo) {
    /* Local copies of the constants: a byte store through `out` may alias any object whose address
     * came in, so the compiler would reload them after each block. */
    const minifloat_nvfp4_stochastic_blocks blocks_copy = *blocks;
    const minifloat_stochastic stochastic_copy = *stochastic;
    const minifloat_nvfp4_stochastic_blocks *m = &blocks_copy;
    const minifloat_stochastic *s = &stochastic_copy;
    size_t j = 0, t = 0;
    if (size == 16) {
        /* 16 blocks at a time, their scale codes first (as MXBlocks.c's blocks_loop). */
        for (; j + 16 * 16 <= count; j += 16 * 16, t += 16) {
            uint32_t codes[16];
            int special[16];
            prefetch_lines(in + j, prefetch_distance, 16 * 16 * 4);
            for (int l = 0; l < 16; l++) codes[l] = block_scale(m, in + j + 16 * l, 16, scales + t + l, special + l);
            for (int l = 0; l < 16; l++) {
                redo[t + l] = (uint8_t)(special[l]
                                        || block_elements(m, s, in + j + 16 * l, 16, first + j + 16 * l, codes[l], out + j + 16 * l,
                                                          s->bits <= 23));
            }
        }
    }
    for (; j < count; j += size, t++) {
        size_t n = count - j < size ? count - j : size;
        redo[t] = (uint8_t)block(m, s, in + j, n, first + j, scales + t, out + j, s->bits <= 23);
    }
}

/* Blocks along an axis other than the last, 16 side by side (as NVFP4Blocks.c's columns_loop):
 * element j < rows of block c at in[j * stride + c], taking R_(first + j * stride + c), its code
 * to out[j * stride + c], scales[c]; codes16 on each row, lane c with block c's reciprocal (each
 * lane's error as in codes16; a zero divisor's reciprocal 0 gives +-0, as block() writes). A strip
 * whose codes the caller must compute has redo[c] nonzero for its 16 blocks: a NaN or Inf in one,
 * a nonzero divisor whose reciprocal is not a normal float32, more than 23 random bits (the double
 * lanes are left to the caller), or an element within 2^-18 of a decision. Every scale code is
 * written. */
INLINE void columns_loop(const minifloat_nvfp4_stochastic_blocks *blocks, const minifloat_stochastic *stochastic,
                         const uint32_t *in, size_t rows, size_t width, size_t stride, uint64_t first, uint8_t *scales,
                         uint8_t *out, uint8_t *redo) {
    /* Local copies of the constants (see blocks_loop). */
    const minifloat_nvfp4_stochastic_blocks blocks_copy = *blocks;
    const minifloat_stochastic stochastic_copy = *stochastic;
    const minifloat_nvfp4_stochastic_blocks *m = &blocks_copy;
    const minifloat_stochastic *s = &stochastic_copy;
    int narrow = s->bits <= 23;
    float r_scale = narrow ? 1.0f / (float)(1u << s->bits) : 0, r_offset = m->variant == 0 ? 0 : 0.5f * r_scale;
    for (size_t c = 0; c + 16 <= width; c += 16) {
        uint32_t codes[16];
        float reciprocals[16];
        prefetch_next_rows(in, rows, width, stride, sizeof *in, c);
        int done = !column_scale_codes(&m->scale, in + c, rows, stride, m->nan_policy, m->nan_scale, scales + c, codes) && narrow;
        for (int l = 0; l < 16; l++) {
            reciprocals[l] = m->reciprocals32[codes[l]];
            if (reciprocals[l] == 0 && m->reciprocals[codes[l]] != 0) done = 0;
        }
        if (done) {
            f32x16 reciprocal;
            __builtin_memcpy(&reciprocal, reciprocals, sizeof reciprocal);
            i32x16 near = {0};
            for (size_t j = 0; j < rows; j++) {
                near |= codes16(load16(in + j * stride + c), random16(s, first + j * stride + c), reciprocal, r_scale, r_offset,
                                out + j * stride + c);
            }
            done = !any_negative(near);
        }
        for (int l = 0; l < 16; l++) redo[c + l] = (uint8_t)!done;
    }
}

#define NVFP4_STOCHASTIC_FOR(name, attributes)                                                                    \
    attributes static void name(const minifloat_nvfp4_stochastic_blocks *m, const minifloat_stochastic *s,        \
                                const uint32_t *in, size_t count, size_t size, uint64_t first, uint8_t *scales,   \
                                uint8_t *out, uint8_t *redo) {                                                    \
        blocks_loop(m, s, in, count, size, first, scales, out, redo);                                             \
    }                                                                                                             \
    attributes static void name##_64(const minifloat_nvfp4_float64_stochastic_blocks *m, const minifloat_stochastic *s, \
                                     const uint64_t *in, size_t count, size_t size, uint64_t first, uint8_t *scales, \
                                     uint8_t *out, uint8_t *redo) {                                               \
        blocks_loop64(m, s, in, count, size, first, scales, out, redo);                                           \
    }                                                                                                             \
    attributes static void name##_columns(const minifloat_nvfp4_stochastic_blocks *m, const minifloat_stochastic *s, \
                                          const uint32_t *in, size_t rows, size_t width, size_t stride, uint64_t first, \
                                          uint8_t *scales, uint8_t *out, uint8_t *redo) {                             \
        columns_loop(m, s, in, rows, width, stride, first, scales, out, redo);                                    \
    }

NVFP4_STOCHASTIC_FOR(nvfp4_stochastic_baseline, )
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
NVFP4_STOCHASTIC_FOR(nvfp4_stochastic_avx2, __attribute__((target("avx2"))))
NVFP4_STOCHASTIC_FOR(nvfp4_stochastic_avx512, __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"))))
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

void minifloat_encode_nvfp4_float64_stochastic(const minifloat_nvfp4_float64_stochastic_blocks *blocks,
                                               const minifloat_stochastic *s, const uint64_t *in, size_t count,
                                               size_t block_size, uint64_t first, uint8_t *scales, uint8_t *out, uint8_t *redo,
                                               int level) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (level >= MINIFLOAT_KERNELS_AVX512) {
        nvfp4_stochastic_avx512_64(blocks, s, in, count, block_size, first, scales, out, redo);
        return;
    }
    if (level >= MINIFLOAT_KERNELS_AVX2) {
        nvfp4_stochastic_avx2_64(blocks, s, in, count, block_size, first, scales, out, redo);
        return;
    }
#else
    (void)level;
#endif
    nvfp4_stochastic_baseline_64(blocks, s, in, count, block_size, first, scales, out, redo);
}

void minifloat_encode_nvfp4_float32_columns_stochastic(const minifloat_nvfp4_stochastic_blocks *blocks, const minifloat_stochastic *s,
                                                       const uint32_t *in, size_t rows, size_t width, size_t stride, uint64_t first,
                                                       uint8_t *scales, uint8_t *out, uint8_t *redo, int level) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (level >= MINIFLOAT_KERNELS_AVX512) {
        nvfp4_stochastic_avx512_columns(blocks, s, in, rows, width, stride, first, scales, out, redo);
        return;
    }
    if (level >= MINIFLOAT_KERNELS_AVX2) {
        nvfp4_stochastic_avx2_columns(blocks, s, in, rows, width, stride, first, scales, out, redo);
        return;
    }
#else
    (void)level;
#endif
    nvfp4_stochastic_baseline_columns(blocks, s, in, rows, width, stride, first, scales, out, redo);
}
