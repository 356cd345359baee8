/* MX blocks from float64 under stochastic element rounding, the steps before the elements: each
 * block's scale code and its products by the power of two in double (BlockFastPath+Float64.swift,
 * encodeMXFloat64Stochastic, which then rounds the products with the float64 stochastic kernel);
 * for AVX-512, AVX2 and the baseline (per-function target attributes); see CMinifloatKernels.h. */
#include "CMinifloatKernels.h"

#include <string.h>

#include "BlockScale.h"

/* A float64 magnitude (bits, at most float32's largest finite value) rounded to float32 with
 * round-to-odd: the round-to-nearest conversion, stepped back toward zero when it rounded away,
 * with the last bit set when it was inexact. */
static inline __attribute__((always_inline)) uint32_t rounded_to_odd(uint64_t bits) {
    double x;
    memcpy(&x, &bits, sizeof x);
    float nearest = (float)x;
    uint32_t b;
    memcpy(&b, &nearest, sizeof b);
    double back = (double)nearest;
    if (back != x) b = (b - (back > x)) | 1;
    return b;
}

/* The block's multiplier 2^(127 - code) for a finite amax (bits) at most float32's largest value,
 * its scale code to *scale_out. */
static inline __attribute__((always_inline)) double multiplier_of(const minifloat_scale_table *scale, uint64_t amax,
                                                                  uint8_t *scale_out) {
    uint32_t code = scale_code(scale, rounded_to_odd(amax));
    *scale_out = (uint8_t)code;
    double multiplier;
    uint64_t multiplier_bits = (uint64_t)(1023 + 127 - (int)code) << 52;  /* 2^(127 - code), code <= 254 */
    memcpy(&multiplier, &multiplier_bits, sizeof multiplier);
    return multiplier;
}

/* x (bits) times the multiplier in double, its magnitude bits at most clamp_bits (compared as
 * signed integers, both being below 2^63: a signed comparison is one instruction in AVX2's 64-bit
 * lanes, an unsigned one several). */
static inline __attribute__((always_inline)) uint64_t clamped_product(uint64_t bits, double multiplier, uint64_t clamp_bits) {
    double x;
    memcpy(&x, &bits, sizeof x);
    double product = x * multiplier;
    uint64_t p;
    memcpy(&p, &product, sizeof p);
    int64_t m = (int64_t)(p & 0x7FFFFFFFFFFFFFFFull), clamp = (int64_t)clamp_bits;
    return (p & ~0x7FFFFFFFFFFFFFFFull) | (uint64_t)(m < clamp ? m : clamp);
}

/* The largest magnitude's bits of a block of 32 float64s (bits), NaN and Inf included (a loop of
 * fixed length with signed maxima, magnitudes being below 2^63, which the compiler vectorises). */
static inline __attribute__((always_inline)) uint64_t amax32(const uint64_t *in) {
    int64_t amax = 0;
    for (int k = 0; k < 32; k++) {
        int64_t m = (int64_t)(in[k] & 0x7FFFFFFFFFFFFFFFull);
        amax = m > amax ? m : amax;
    }
    return (uint64_t)amax;
}

static inline __attribute__((always_inline)) void loop(const minifloat_scale_table *scale, uint64_t clamp_bits, const uint64_t *in,
                                                       size_t count, size_t size, uint8_t *scales, uint64_t *out,
                                                       uint8_t *exact) {
    const uint64_t magnitude_mask = 0x7FFFFFFFFFFFFFFFull, float32_largest = 0x47EFFFFFE0000000ull;
    size_t t = 0, j = 0;
    if (size == 32) {
        /* Every MX format's size: 16 blocks at a time, their scale codes first (each a chain of
         * dependent steps; sixteen independent ones overlap, as MXBlocks.c's blocks_loop), the
         * loops over each block's elements of fixed length. */
        for (; j + 32 * 16 <= count; j += 32 * 16, t += 16) {
            double multipliers[16];
            for (int l = 0; l < 16; l++) {
                prefetch_lines(in + j + 32 * l, prefetch_distance, 32 * sizeof *in);
                uint64_t amax = amax32(in + j + 32 * l);
                exact[t + l] = amax > float32_largest;
                multipliers[l] = exact[t + l] ? 0 : multiplier_of(scale, amax, scales + t + l);
            }
            for (int l = 0; l < 16; l++) {
                if (exact[t + l]) memset(out + j + 32 * l, 0, 32 * sizeof *out);
                else for (int k = 0; k < 32; k++) out[j + 32 * l + k] = clamped_product(in[j + 32 * l + k], multipliers[l], clamp_bits);
            }
        }
    }
    for (; j < count; t++, j += size) {
        size_t n = count - j < size ? count - j : size;
        prefetch_lines(in + j, prefetch_distance, n * sizeof *in);
        /* The largest magnitude's bits, NaN and Inf included (above every finite one). */
        uint64_t amax = 0;
        for (size_t k = 0; k < n; k++) {
            uint64_t m = in[j + k] & magnitude_mask;
            amax = m > amax ? m : amax;
        }
        exact[t] = amax > float32_largest;
        if (exact[t]) {
            memset(out + j, 0, n * sizeof *out);
            continue;
        }
        double multiplier = multiplier_of(scale, amax, scales + t);
        for (size_t k = 0; k < n; k++) out[j + k] = clamped_product(in[j + k], multiplier, clamp_bits);
    }
}

/* Blocks side by side (columns c0..<c0 + w of `rows` rows, w <= 64): the same steps as `loop`. */
static inline __attribute__((always_inline)) void columns_loop(const minifloat_scale_table *scale, uint64_t clamp_bits,
                                                               const uint64_t *in, size_t rows, size_t width, size_t stride,
                                                               uint8_t *scales, uint64_t *out, uint8_t *exact) {
    const uint64_t magnitude_mask = 0x7FFFFFFFFFFFFFFFull, float32_largest = 0x47EFFFFFE0000000ull;
    for (size_t c0 = 0; c0 < width; c0 += 64) {
        size_t w = width - c0 < 64 ? width - c0 : 64;
        /* Magnitudes as signed integers (below 2^63), as clamped_product. */
        int64_t amax[64] = {0};
        uint64_t keep[64];
        double multiplier[64];
        for (size_t j = 0; j < rows; j++) {
            const uint64_t *row = in + j * stride + c0;
            /* Row j + 4 read ahead (2 KiB ahead when the rows are 64 contiguous doubles). */
            prefetch_lines(row, 4 * stride * sizeof *in, w * sizeof *in);
            for (size_t c = 0; c < w; c++) {
                int64_t m = (int64_t)(row[c] & magnitude_mask);
                amax[c] = m > amax[c] ? m : amax[c];
            }
        }
        for (size_t c = 0; c < w; c++) {
            exact[c0 + c] = (uint64_t)amax[c] > float32_largest;
            keep[c] = exact[c0 + c] ? 0 : ~0ull;
            multiplier[c] = exact[c0 + c] ? 0 : multiplier_of(scale, (uint64_t)amax[c], scales + c0 + c);
        }
        for (size_t j = 0; j < rows; j++) {
            const uint64_t *row = in + j * stride + c0;
            uint64_t *row_out = out + j * width + c0;
            for (size_t c = 0; c < w; c++) row_out[c] = clamped_product(row[c], multiplier[c], clamp_bits) & keep[c];
        }
    }
}

#define PRODUCTS_FOR(name, attributes)                                                                            \
    attributes static void name(const minifloat_scale_table *scale, uint64_t clamp_bits, const uint64_t *in,      \
                                size_t count, size_t size, uint8_t *scales, uint64_t *out, uint8_t *exact) {     \
        loop(scale, clamp_bits, in, count, size, scales, out, exact);                                           \
    }                                                                                                             \
    attributes static void name##_columns(const minifloat_scale_table *scale, uint64_t clamp_bits, const uint64_t *in, \
                                          size_t rows, size_t width, size_t stride, uint8_t *scales, uint64_t *out,   \
                                          uint8_t *exact) {                                                           \
        columns_loop(scale, clamp_bits, in, rows, width, stride, scales, out, exact);                               \
    }

PRODUCTS_FOR(products_baseline, )
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
PRODUCTS_FOR(products_avx2, __attribute__((target("avx2"))))
PRODUCTS_FOR(products_avx512, __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"))))
#endif

void minifloat_mx_float64_products(const minifloat_scale_table *scale, uint64_t clamp_bits, const uint64_t *in, size_t count,
                                   size_t block_size, uint8_t *scales, uint64_t *out, uint8_t *exact, int level) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (level >= MINIFLOAT_KERNELS_AVX512) { products_avx512(scale, clamp_bits, in, count, block_size, scales, out, exact); return; }
    if (level >= MINIFLOAT_KERNELS_AVX2) { products_avx2(scale, clamp_bits, in, count, block_size, scales, out, exact); return; }
#else
    (void)level;
#endif
    products_baseline(scale, clamp_bits, in, count, block_size, scales, out, exact);
}

void minifloat_mx_float64_products_columns(const minifloat_scale_table *scale, uint64_t clamp_bits, const uint64_t *in,
                                           size_t rows, size_t width, size_t stride, uint8_t *scales, uint64_t *out,
                                           uint8_t *exact, int level) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (level >= MINIFLOAT_KERNELS_AVX512) {
        products_avx512_columns(scale, clamp_bits, in, rows, width, stride, scales, out, exact);
        return;
    }
    if (level >= MINIFLOAT_KERNELS_AVX2) {
        products_avx2_columns(scale, clamp_bits, in, rows, width, stride, scales, out, exact);
        return;
    }
#else
    (void)level;
#endif
    products_baseline_columns(scale, clamp_bits, in, rows, width, stride, scales, out, exact);
}
