/* MX block encoding from float32 in one pass per block: the block's largest finite magnitude, its
 * E8M0 scale code, each element times 2^(127 - code) in float32 and the element kernel of
 * Float32Group.h, with the block in registers or L1 throughout. Computes exactly what
 * BlockFormat.encodeBlocksFast (BlockFastPath.swift) does; see CMinifloatKernels.h. */
#include "CMinifloatKernels.h"

#include "BlockScale.h"
#include "Stochastic.h"

#define INLINE static inline __attribute__((always_inline))

/* MXINT8's two's complement bytes of sign-magnitude codes, in place. */
INLINE void twos_complement(uint8_t *out, size_t n) {
    size_t j = 0;
    for (; j + 16 <= n; j += 16) {
        u8x16 c;
        __builtin_memcpy(&c, out + j, sizeof c);
        u8x16 negative = c >> 7, magnitude = c & 0x7F;
        c = (magnitude ^ ((u8x16){0} - negative)) + negative;
        __builtin_memcpy(out + j, &c, sizeof c);
    }
    for (; j < n; j++) out[j] = out[j] & 0x80 ? (uint8_t)(0 - (out[j] & 0x7F)) : out[j];
}

/* The multiplier 2^-k, k = code - 127, as a float32: normal for code <= 253, 2^-127 for 254. */
INLINE float multiplier_of(uint32_t code) {
    uint32_t bits = code <= 253 ? (254 - code) << 23 : 0x00400000u;
    float multiplier;
    __builtin_memcpy(&multiplier, &bits, sizeof multiplier);
    return multiplier;
}

/* x * 2^-k for 16 inputs (bits b), each lane with its own multiplier, finite products clamped to
 * the magnitude `clamp`. */
INLINE u32x16 scaled16_lanes(u32x16 b, f32x16 multiplier, uint32_t clamp) {
    u32x16 product = (u32x16)((f32x16)b * multiplier);
    u32x16 magnitude = product & 0x7FFFFFFFu;
    u32x16 special = (u32x16)((i32x16)(magnitude + 0x00800000u) >> 31); /* all ones where >= 0x7F800000 */
    u32x16 clamped = __builtin_elementwise_min(magnitude, (u32x16){0} + clamp);
    return (product & 0x80000000u) | (magnitude & special) | (clamped & ~special);
}

/* x * 2^-k for 16 inputs (bits b), finite products clamped to the magnitude `clamp` (scaled16_lanes
 * with one multiplier, written out: calling it measured 3-5% slower with AVX-512). */
INLINE u32x16 scaled16(u32x16 b, float multiplier, uint32_t clamp) {
    u32x16 product = (u32x16)((f32x16)b * multiplier);
    u32x16 magnitude = product & 0x7FFFFFFFu;
    u32x16 special = (u32x16)((i32x16)(magnitude + 0x00800000u) >> 31); /* all ones where >= 0x7F800000 */
    u32x16 clamped = __builtin_elementwise_min(magnitude, (u32x16){0} + clamp);
    return (product & 0x80000000u) | (magnitude & special) | (clamped & ~special);
}

/* Negative in the lanes of 16 inputs (bits b) whose product may be inexact: a nonzero input whose
 * exponent field is at most `limit` (both differences negative); masked by `check` (all ones when
 * k >= 1, else 0). */
INLINE u32x16 inexact16_lanes(u32x16 b, u32x16 limit, u32x16 check) {
    return (((b >> 23) & 0xFF) - (limit + 1)) & ((u32x16){0} - (b & 0x7FFFFFFFu)) & check;
}

INLINE u32x16 inexact16(u32x16 b, uint32_t limit, uint32_t check) {
    return (((b >> 23) & 0xFF) - (limit + 1)) & ((u32x16){0} - (b & 0x7FFFFFFFu)) & check;
}

/* The scale code of a block with largest finite magnitude amax; stores the block's scale byte. */
INLINE uint32_t block_scale(const minifloat_mx_blocks *m, uint32_t amax, int special, uint8_t *scale) {
    uint32_t code = scale_code(&m->scale, amax);
    *scale = stored_scale(code, special, m->nan_policy, m->nan_scale);
    return code;
}

/* Codes of 16 products: the kernel when all are in its range, else the table. */
INLINE void products16(const minifloat_float32_kernel *k, const uint32_t *table, u32x16 p, uint8_t *out, int rule) {
    if (!group_of(k, p, out, rule)) {
        for (int i = 0; i < 16; i++) out[i] = look_up(table, p[i]);
    }
}

/* The scale code of a block of 32 (every MX format's size), one reduction for its amax; stores
 * the block's scale byte. Returns the code, plus 0x100 when the block holds a NaN or Inf. */
INLINE uint32_t block32_scale(const minifloat_mx_blocks *m, const uint32_t *in, uint8_t *scale) {
    u32x16 b0 = load16(in), b1 = load16(in + 16);
    int special;
    uint32_t amax = finite_amax_of(in, 32, __builtin_elementwise_max(b0 & 0x7FFFFFFFu, b1 & 0x7FFFFFFFu), &special);
    return block_scale(m, amax, special, scale) | (uint32_t)special << 8;
}

/* Whether an inexact product can change a code: under rtp, rtn and rto, or when the element's
 * least positive value is at most 2^-125. Otherwise a product that may be inexact (below 2^-126)
 * and its exact value both round to zero of the input's sign (below half the least positive value)
 * and nothing need be reported. */
INLINE int inexact_matters(const minifloat_float32_kernel *k, int rule) {
    return rule == 3 || rule == 4 || rule == 5 || (k->lowest >> 23) + k->shift < 26;
}

/* Whether a finite product (clamped) is at most the kernel's largest magnitude: signed elements
 * and a clamp no larger (satnone's clamp is +Inf). */
INLINE int clamp_in_range(const minifloat_float32_kernel *k, const minifloat_mx_blocks *m) {
    return k->abs_mask == 0x7FFFFFFFu && m->clamp_bits <= k->range_start + k->span;
}

/* Whether every finite product is in the kernel's range: zero and the subnormal range are in it
 * too. A block without NaN or Inf then needs no range check. */
INLINE int finite_products_in_range(const minifloat_float32_kernel *k, const minifloat_mx_blocks *m) {
    return k->range_start == 0 && clamp_in_range(k, m);
}

/* The elements of a block of 32 whose scale code is `code` (plus 0x100 when the block holds a NaN
 * or Inf, as block32_scale returns it), in registers: one range check for both groups of products,
 * none when `in_range` (finite_products_in_range) and the block is finite; the inexact products
 * flagged when `exact` (inexact_matters). */
INLINE void block32_elements(const minifloat_float32_kernel *k, const uint32_t *table, const minifloat_mx_blocks *m,
                             const uint32_t *in, uint32_t code, uint8_t *out, int rule, int exact, int in_range,
                             u32x16 *flags) {
    u32x16 b0 = load16(in), b1 = load16(in + 16);
    int special = code >> 8;
    code &= 0xFF;
    float multiplier = multiplier_of(code);
    u32x16 p0 = scaled16(b0, multiplier, m->clamp_bits), p1 = scaled16(b1, multiplier, m->clamp_bits);
    if (exact) {
        uint32_t limit = code >= 128 ? code - 127 : 0, check = code >= 128 ? ~0u : 0;
        *flags |= inexact16(b0, limit, check) | inexact16(b1, limit, check);
    }
    if ((in_range && !special) || !any_negative(out_of_range(k, p0) | out_of_range(k, p1))) {
        encode16(k, p0, out, rule);
        encode16(k, p1, out + 16, rule);
    } else {
        products16(k, table, p0, out, rule);
        products16(k, table, p1, out + 16, rule);
    }
}

/* A block of any size n (inexact products flagged when `exact`, see inexact_matters). */
INLINE void block(const minifloat_float32_kernel *k, const uint32_t *table, const minifloat_mx_blocks *m,
                  const uint32_t *in, size_t n, uint8_t *scale, uint8_t *out, int rule, int exact, u32x16 *flags) {
    /* 1. The largest finite magnitude, and whether any element is NaN or Inf. */
    int special;
    uint32_t amax = finite_amax(in, n, &special);
    /* 2. The scale code; 3. the elements times 2^-k. */
    uint32_t code = block_scale(m, amax, special, scale);
    float multiplier = multiplier_of(code);
    uint32_t limit = code >= 128 ? code - 127 : 0, check = code >= 128 ? ~0u : 0;
    size_t j = 0;
    for (; j + 16 <= n; j += 16) {
        u32x16 b = load16(in + j);
        if (exact) *flags |= inexact16(b, limit, check);
        products16(k, table, scaled16(b, multiplier, m->clamp_bits), out + j, rule);
    }
    /* The tail: products not clamped (the table encodes a product beyond the largest element as
     * the clamped one). */
    for (; j < n; j++) {
        float x;
        __builtin_memcpy(&x, in + j, sizeof x);
        float product = x * multiplier;
        uint32_t bits;
        __builtin_memcpy(&bits, &product, sizeof bits);
        out[j] = look_up(table, bits);
        if (exact && check && ((in[j] >> 23) & 0xFF) <= limit && (in[j] & 0x7FFFFFFFu) != 0) (*flags)[0] |= 0x80000000u;
    }
}

INLINE int blocks_loop(const minifloat_float32_kernel *kernel, const uint32_t *table, const minifloat_mx_blocks *blocks,
                       const uint32_t *in, size_t count, size_t size, uint8_t *scales, uint8_t *out, int rule) {
    /* Local copies of the constants: a byte store through `out` may alias any object whose address
     * came in, so the compiler would reload (and retest) every constant after each block. */
    const minifloat_float32_kernel kernel_copy = *kernel;
    const minifloat_mx_blocks blocks_copy = *blocks;
    const minifloat_float32_kernel *k = &kernel_copy;
    const minifloat_mx_blocks *m = &blocks_copy;
    u32x16 flags = {0};
    const int exact = inexact_matters(k, rule), in_range = finite_products_in_range(k, m);
    size_t first = 0, t = 0;
    if (size == 32) {
        /* 16 blocks at a time: their scale codes first, then their elements. Each block's amax
         * reduction and table look-up is a long chain of dependent steps; one block after another,
         * its elements wait for it, and the processor overlaps little of the next block (measured
         * 1.7 cycles per element with AVX-512); sixteen independent chains overlap. */
        for (; first + 32 * 16 <= count; first += 32 * 16, t += 16) {
            uint32_t codes[16];
            prefetch_lines(in + first, prefetch_distance, 32 * 16 * 4);
            for (int l = 0; l < 16; l++) codes[l] = block32_scale(m, in + first + 32 * l, scales + t + l);
            for (int l = 0; l < 16; l++) {
                block32_elements(k, table, m, in + first + 32 * l, codes[l], out + first + 32 * l, rule, exact, in_range,
                                 &flags);
            }
        }
        for (; first + 32 <= count; first += 32, t++) {
            block32_elements(k, table, m, in + first, block32_scale(m, in + first, scales + t), out + first, rule, exact,
                             in_range, &flags);
        }
    }
    for (; first < count; first += size, t++) {
        size_t n = count - first < size ? count - first : size;
        block(k, table, m, in + first, n, scales + t, out + first, rule, exact, &flags);
    }
    if (m->twos_complement) twos_complement(out, count);
    return any_negative((i32x16)flags);
}

/* Steps 1 and 2 for 16 blocks side by side (element j of block l at in[j * stride + l]): the
 * largest finite magnitudes, a row at a time, and each block's scale code (stored to scales[l]),
 * multiplier 2^-k and inexact limit, lane by lane. */
INLINE void column_scales(const minifloat_mx_blocks *m, const uint32_t *in, size_t rows, size_t stride, uint8_t *scales,
                          f32x16 *multiplier, u32x16 *limit, u32x16 *check) {
    /* Lane by lane through memory (extracting and inserting vector lanes measured slower). */
    uint32_t codes[16], multipliers[16], limits[16], checks[16];
    column_scale_codes(&m->scale, in, rows, stride, m->nan_policy, m->nan_scale, scales, codes);
    for (int l = 0; l < 16; l++) {
        uint32_t code = codes[l];
        float mul = multiplier_of(code);
        __builtin_memcpy(multipliers + l, &mul, sizeof mul);
        limits[l] = code >= 128 ? code - 127 : 0;
        checks[l] = code >= 128 ? ~0u : 0;
    }
    __builtin_memcpy(multiplier, multipliers, sizeof multipliers);
    __builtin_memcpy(limit, limits, sizeof limits);
    __builtin_memcpy(check, checks, sizeof checks);
}

/* Blocks along an axis other than the last, 16 at a time side by side: `width` (a multiple of 16)
 * blocks of `rows` elements, element j of block c at in[j * stride + c] and its code at
 * out[j * stride + c], scales[c] its scale. The same steps as block(), lane c of each vector
 * being block c: 1. the largest finite magnitudes, a row at a time; 2. the scale codes, lane by
 * lane; 3. each row of 16 elements times their blocks' 2^-k, through the element kernel (or the
 * table). Returns what blocks_loop returns. */
INLINE int columns_loop(const minifloat_float32_kernel *kernel, const uint32_t *table, const minifloat_mx_blocks *blocks,
                        const uint32_t *in, size_t rows, size_t width, size_t stride, uint8_t *scales, uint8_t *out,
                        int rule) {
    /* Local copies of the constants (see blocks_loop). */
    const minifloat_float32_kernel kernel_copy = *kernel;
    const minifloat_mx_blocks blocks_copy = *blocks;
    const minifloat_float32_kernel *k = &kernel_copy;
    const minifloat_mx_blocks *m = &blocks_copy;
    u32x16 flags = {0};
    const int exact = inexact_matters(k, rule);
    for (size_t c = 0; c + 16 <= width; c += 16) {
        f32x16 multiplier;
        u32x16 limit, check;
        prefetch_next_rows(in, rows, width, stride, sizeof *in, c);
        column_scales(m, in + c, rows, stride, scales + c, &multiplier, &limit, &check);
        for (size_t j = 0; j < rows; j++) {
            u32x16 b = load16(in + j * stride + c);
            if (exact) flags |= inexact16_lanes(b, limit, check);
            products16(k, table, scaled16_lanes(b, multiplier, m->clamp_bits), out + j * stride + c, rule);
            if (m->twos_complement) twos_complement(out + j * stride + c, 16);
        }
    }
    return any_negative((i32x16)flags);
}

/* A block of n elements under a stochastic mode, element j taking R_(first + j): the scale code
 * as above, then the products of each group of 16 rounded with their random values in registers.
 * Returns nonzero, with the block's codes not (all) written, when the caller must redo it: a
 * product is outside the element's normal range, or n is not a multiple of 16. That covers a NaN
 * or Inf in the block (its product is one) and every product that may be inexact (below 2^-126,
 * far below every MX element's least normal value). */
/* (block_stochastic's elements, with its scale code given: nonzero when all are written. `form`,
 * subnormal_form(s), a constant in each caller; `finite` when every product is known to be at most
 * the largest finite element, see stochastic16_checked.) */
INLINE int block_stochastic_elements(const minifloat_float32_kernel *k, const minifloat_mx_blocks *m, const minifloat_stochastic *s,
                                     const uint32_t *in, size_t n, uint64_t first, uint32_t code, uint8_t *out, int form,
                                     int finite) {
    float multiplier = multiplier_of(code);
    int written = 1;
    for (size_t j = 0; j < n; j += 16) {
        written &= stochastic16_checked(k, s, scaled16(load16(in + j), multiplier, m->clamp_bits), random16(s, first + j),
                                        out + j, form, finite);
    }
    return written;
}

INLINE int block_stochastic(const minifloat_float32_kernel *k, const minifloat_mx_blocks *m, const minifloat_stochastic *s,
                            const uint32_t *in, size_t n, uint64_t first, uint8_t *scale, uint8_t *out, int form) {
    int special;
    uint32_t amax = finite_amax(in, n, &special);
    uint32_t code = block_scale(m, amax, special, scale);
    if (n % 16 != 0) return 1;
    return !block_stochastic_elements(k, m, s, in, n, first, code, out, form, 0);
}

INLINE void stochastic_loop_form(const minifloat_float32_kernel *kernel, const minifloat_mx_blocks *blocks,
                                 const minifloat_stochastic *stochastic, const uint32_t *in, size_t count, size_t size,
                                 uint64_t first, uint8_t *scales, uint8_t *out, uint8_t *redo, int form) {
    /* Local copies of the constants (see blocks_loop). */
    const minifloat_float32_kernel kernel_copy = *kernel;
    const minifloat_mx_blocks blocks_copy = *blocks;
    const minifloat_stochastic stochastic_copy = *stochastic;
    const minifloat_float32_kernel *k = &kernel_copy;
    const minifloat_mx_blocks *m = &blocks_copy;
    const minifloat_stochastic *s = &stochastic_copy;
    /* Whether a block without NaN or Inf needs no range check: its products are clamped to at most
     * the largest finite element (signed elements; the subnormal lanes take the rest). */
    const int clamped = form != subnormal_none && clamp_in_range(k, m);
    size_t j = 0, t = 0;
    if (size == 32) {
        /* 16 blocks at a time, their scale codes first (see blocks_loop). */
        for (; j + 32 * 16 <= count; j += 32 * 16, t += 16) {
            uint32_t codes[16];
            prefetch_lines(in + j, prefetch_distance, 32 * 16 * 4);
            for (int l = 0; l < 16; l++) codes[l] = block32_scale(m, in + j + 32 * l, scales + t + l);
            for (int l = 0; l < 16; l++) {
                int finite = clamped && !(codes[l] >> 8);
                redo[t + l] = (uint8_t)!block_stochastic_elements(k, m, s, in + j + 32 * l, 32, first + j + 32 * l,
                                                                   codes[l] & 0xFF, out + j + 32 * l, form, finite);
            }
        }
    }
    for (; j < count; j += size, t++) {
        size_t n = count - j < size ? count - j : size;
        redo[t] = (uint8_t)block_stochastic(k, m, s, in + j, n, first + j, scales + t, out + j, form);
    }
    if (m->twos_complement) twos_complement(out, count);
}

/* One copy of the loop for each form of the subnormal lanes (as Float32Stochastic.c's loop). */
INLINE void stochastic_loop(const minifloat_float32_kernel *k, const minifloat_mx_blocks *m, const minifloat_stochastic *s,
                            const uint32_t *in, size_t count, size_t size, uint64_t first, uint8_t *scales, uint8_t *out,
                            uint8_t *redo) {
    switch (subnormal_form(s)) {
    case subnormal_none: stochastic_loop_form(k, m, s, in, count, size, first, scales, out, redo, subnormal_none); break;
    case subnormal_sticky: stochastic_loop_form(k, m, s, in, count, size, first, scales, out, redo, subnormal_sticky); break;
    case subnormal_wide32: stochastic_loop_form(k, m, s, in, count, size, first, scales, out, redo, subnormal_wide32); break;
    default: stochastic_loop_form(k, m, s, in, count, size, first, scales, out, redo, subnormal_wide64); break;
    }
}

/* columns_loop under a stochastic mode: element (j, c) takes R_(first + j * stride + c), its index
 * in the array. redo[c] is set nonzero for each of the 16 blocks of a strip some product of which
 * the kernel does not take (outside its range: a NaN or Inf, or below the element's normal range
 * without the subnormal lanes, as block_stochastic reports them; a product that may be inexact is
 * below 2^-126 and rounds to zero as its exact value does, see BlockFastPath.swift), zero for the
 * others; every scale code is written. */
INLINE void columns_stochastic_loop(const minifloat_float32_kernel *kernel, const minifloat_mx_blocks *blocks,
                                    const minifloat_stochastic *stochastic, const uint32_t *in, size_t rows, size_t width,
                                    size_t stride, uint64_t first, uint8_t *scales, uint8_t *out, uint8_t *redo) {
    /* Local copies of the constants (see blocks_loop). */
    const minifloat_float32_kernel kernel_copy = *kernel;
    const minifloat_mx_blocks blocks_copy = *blocks;
    const minifloat_stochastic stochastic_copy = *stochastic;
    const minifloat_float32_kernel *k = &kernel_copy;
    const minifloat_mx_blocks *m = &blocks_copy;
    const minifloat_stochastic *s = &stochastic_copy;
    for (size_t c = 0; c + 16 <= width; c += 16) {
        f32x16 multiplier;
        u32x16 limit, check;
        prefetch_next_rows(in, rows, width, stride, sizeof *in, c);
        column_scales(m, in + c, rows, stride, scales + c, &multiplier, &limit, &check);
        int written = 1;
        for (size_t j = 0; j < rows; j++) {
            u32x16 b = load16(in + j * stride + c);
            written &= stochastic16(k, s, scaled16_lanes(b, multiplier, m->clamp_bits), random16(s, first + j * stride + c),
                                    out + j * stride + c);
            if (m->twos_complement) twos_complement(out + j * stride + c, 16);
        }
        for (int l = 0; l < 16; l++) redo[c + l] = (uint8_t)!written;
    }
}

#define MX_COLUMNS_STOCHASTIC_FOR(name, attributes)                                                               \
    attributes static void name(const minifloat_float32_kernel *k, const minifloat_mx_blocks *m,                 \
                                const minifloat_stochastic *s, const uint32_t *in, size_t rows, size_t width,    \
                                size_t stride, uint64_t first, uint8_t *scales, uint8_t *out, uint8_t *redo) {  \
        columns_stochastic_loop(k, m, s, in, rows, width, stride, first, scales, out, redo);                     \
    }

MX_COLUMNS_STOCHASTIC_FOR(mx_columns_stochastic_baseline, )
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
MX_COLUMNS_STOCHASTIC_FOR(mx_columns_stochastic_avx2, __attribute__((target("avx2"))))
MX_COLUMNS_STOCHASTIC_FOR(mx_columns_stochastic_avx512, __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"))))
#endif

void minifloat_encode_mx_float32_columns_stochastic(const minifloat_float32_kernel *kernel, const minifloat_mx_blocks *blocks,
                                                    const minifloat_stochastic *s, const uint32_t *in, size_t rows, size_t width,
                                                    size_t stride, uint64_t first, uint8_t *scales, uint8_t *out, uint8_t *redo,
                                                    int level) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (level >= MINIFLOAT_KERNELS_AVX512) {
        mx_columns_stochastic_avx512(kernel, blocks, s, in, rows, width, stride, first, scales, out, redo);
        return;
    }
    if (level >= MINIFLOAT_KERNELS_AVX2) {
        mx_columns_stochastic_avx2(kernel, blocks, s, in, rows, width, stride, first, scales, out, redo);
        return;
    }
#else
    (void)level;
#endif
    mx_columns_stochastic_baseline(kernel, blocks, s, in, rows, width, stride, first, scales, out, redo);
}

#define MX_STOCHASTIC_FOR(name, attributes)                                                                       \
    attributes static void name(const minifloat_float32_kernel *k, const minifloat_mx_blocks *m,                 \
                                const minifloat_stochastic *s, const uint32_t *in, size_t count, size_t size,   \
                                uint64_t first, uint8_t *scales, uint8_t *out, uint8_t *redo) {                 \
        stochastic_loop(k, m, s, in, count, size, first, scales, out, redo);                                    \
    }

MX_STOCHASTIC_FOR(mx_stochastic_baseline, )
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
MX_STOCHASTIC_FOR(mx_stochastic_avx2, __attribute__((target("avx2"))))
MX_STOCHASTIC_FOR(mx_stochastic_avx512, __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"))))
#endif

void minifloat_encode_mx_float32_stochastic(const minifloat_float32_kernel *kernel, const minifloat_mx_blocks *blocks,
                                            const minifloat_stochastic *s, const uint32_t *in, size_t count, size_t block_size,
                                            uint64_t first, uint8_t *scales, uint8_t *out, uint8_t *redo, int level) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (level >= MINIFLOAT_KERNELS_AVX512) {
        mx_stochastic_avx512(kernel, blocks, s, in, count, block_size, first, scales, out, redo);
        return;
    }
    if (level >= MINIFLOAT_KERNELS_AVX2) {
        mx_stochastic_avx2(kernel, blocks, s, in, count, block_size, first, scales, out, redo);
        return;
    }
#else
    (void)level;
#endif
    mx_stochastic_baseline(kernel, blocks, s, in, count, block_size, first, scales, out, redo);
}

#define MX_FOR(name, attributes)                                                                                  \
    attributes static int name(const minifloat_float32_kernel *k, const uint32_t *table, const minifloat_mx_blocks *m, \
                               const uint32_t *in, size_t count, size_t size, uint8_t *scales, uint8_t *out) {   \
        switch (kernel_rule(k)) {                                                                                \
        case 0: return blocks_loop(k, table, m, in, count, size, scales, out, 0);                               \
        case 6: return blocks_loop(k, table, m, in, count, size, scales, out, 6);                               \
        case 1: return blocks_loop(k, table, m, in, count, size, scales, out, 1);                               \
        case 2: return blocks_loop(k, table, m, in, count, size, scales, out, 2);                               \
        case 3: return blocks_loop(k, table, m, in, count, size, scales, out, 3);                               \
        case 4: return blocks_loop(k, table, m, in, count, size, scales, out, 4);                               \
        default: return blocks_loop(k, table, m, in, count, size, scales, out, 5);                              \
        }                                                                                                       \
    }

MX_FOR(mx_baseline, )
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
MX_FOR(mx_avx2, __attribute__((target("avx2"))))
MX_FOR(mx_avx512, __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"))))
#endif

int minifloat_encode_mx_float32(const minifloat_float32_kernel *kernel, const uint32_t *table, const minifloat_mx_blocks *blocks,
                                const uint32_t *in, size_t count, size_t block_size, uint8_t *scales, uint8_t *out,
                                int level) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (level >= MINIFLOAT_KERNELS_AVX512) return mx_avx512(kernel, table, blocks, in, count, block_size, scales, out);
    if (level >= MINIFLOAT_KERNELS_AVX2) return mx_avx2(kernel, table, blocks, in, count, block_size, scales, out);
#else
    (void)level;
#endif
    return mx_baseline(kernel, table, blocks, in, count, block_size, scales, out);
}

#define MX_COLUMNS_FOR(name, attributes)                                                                          \
    attributes static int name(const minifloat_float32_kernel *k, const uint32_t *table, const minifloat_mx_blocks *m, \
                               const uint32_t *in, size_t rows, size_t width, size_t stride, uint8_t *scales,    \
                               uint8_t *out) {                                                                  \
        switch (kernel_rule(k)) {                                                                               \
        case 0: return columns_loop(k, table, m, in, rows, width, stride, scales, out, 0);                      \
        case 6: return columns_loop(k, table, m, in, rows, width, stride, scales, out, 6);                      \
        case 1: return columns_loop(k, table, m, in, rows, width, stride, scales, out, 1);                      \
        case 2: return columns_loop(k, table, m, in, rows, width, stride, scales, out, 2);                      \
        case 3: return columns_loop(k, table, m, in, rows, width, stride, scales, out, 3);                      \
        case 4: return columns_loop(k, table, m, in, rows, width, stride, scales, out, 4);                      \
        default: return columns_loop(k, table, m, in, rows, width, stride, scales, out, 5);                     \
        }                                                                                                       \
    }

MX_COLUMNS_FOR(mx_columns_baseline, )
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
MX_COLUMNS_FOR(mx_columns_avx2, __attribute__((target("avx2"))))
MX_COLUMNS_FOR(mx_columns_avx512, __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"))))
#endif

int minifloat_encode_mx_float32_columns(const minifloat_float32_kernel *kernel, const uint32_t *table,
                                        const minifloat_mx_blocks *blocks, const uint32_t *in, size_t rows, size_t width,
                                        size_t stride, uint8_t *scales, uint8_t *out, int level) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (level >= MINIFLOAT_KERNELS_AVX512) return mx_columns_avx512(kernel, table, blocks, in, rows, width, stride, scales, out);
    if (level >= MINIFLOAT_KERNELS_AVX2) return mx_columns_avx2(kernel, table, blocks, in, rows, width, stride, scales, out);
#else
    (void)level;
#endif
    return mx_columns_baseline(kernel, table, blocks, in, rows, width, stride, scales, out);
}
