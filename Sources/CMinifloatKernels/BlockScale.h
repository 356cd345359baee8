/* The steps every block kernel shares: the scale code from amax (minifloat_scale_table, see
 * CMinifloatKernels.h), for float32 and float64 inputs. Private to this target. */
#ifndef MINIFLOAT_BLOCK_SCALE_H
#define MINIFLOAT_BLOCK_SCALE_H

#include "Float32Group.h"

typedef int64_t i64x8 __attribute__((vector_size(64)));

static inline __attribute__((always_inline)) uint32_t scale_code(const minifloat_scale_table *m, uint32_t amax) {
    uint32_t entry = m->buckets[amax >> 19];
    if (entry & 0x10000) {
        uint32_t a = 0, b = m->start_count;
        while (a < b) {
            uint32_t mid = (a + b) / 2;
            if (m->starts[mid] <= amax) a = mid + 1; else b = mid;
        }
        return a;
    }
    return amax >= m->bucket_thresholds[amax >> 19] ? (entry >> 8) & 0xFF : entry & 0xFF;
}

/* The scale byte stored for a block whose finite scale code is `code`: the NaN code when it holds
 * a NaN or Inf and the policy is nan-scale. */
static inline __attribute__((always_inline)) uint8_t stored_scale(uint32_t code, int special, int32_t nan_policy,
                                                                  uint32_t nan_scale) {
    return (uint8_t)(special && nan_policy ? nan_scale : code);
}

/* The largest finite magnitude of in[0..<n] (float32 bits) and whether any is NaN or Inf. */
static inline __attribute__((always_inline)) uint32_t finite_amax(const uint32_t *in, size_t n, int *special) {
    u32x16 top = {0}, specials = {0};
    size_t j = 0;
    for (; j + 16 <= n; j += 16) {
        u32x16 a = load16(in + j) & 0x7FFFFFFFu;
        u32x16 s = (u32x16)((i32x16)(a + 0x00800000u) >> 31); /* all ones where a >= 0x7F800000 */
        specials |= s;
        top = __builtin_elementwise_max(top, a & ~s);
    }
    uint32_t amax = __builtin_reduce_max(top), any = __builtin_reduce_or(specials);
    for (; j < n; j++) {
        uint32_t a = in[j] & 0x7FFFFFFFu;
        if (a >= 0x7F800000u) any = 1; else if (a > amax) amax = a;
    }
    *special = any != 0;
    return amax;
}

/* The largest finite magnitude of in[0..<n] from `top`, the lane-wise largest of their
 * magnitudes (one reduction; the rare block with a NaN or Inf is redone element by element). */
static inline __attribute__((always_inline)) uint32_t finite_amax_of(const uint32_t *in, size_t n, u32x16 top, int *special) {
    uint32_t amax = __builtin_reduce_max(top);
    *special = 0;
    if (amax >= 0x7F800000u) {
        *special = 1;
        amax = 0;
        for (size_t i = 0; i < n; i++) {
            uint32_t a = in[i] & 0x7FFFFFFFu;
            if (a < 0x7F800000u && a > amax) amax = a;
        }
    }
    return amax;
}

/* For 16 blocks side by side (element j < rows of block l at in[j * stride + l]): each block's
 * largest finite magnitude (lane l of *top) and all ones in the lanes of those holding a NaN or
 * Inf (*specials), a row at a time. */
static inline __attribute__((always_inline)) void column_amax(const uint32_t *in, size_t rows, size_t stride, u32x16 *top,
                                                              u32x16 *specials) {
    u32x16 t = {0}, any = {0};
    for (size_t j = 0; j < rows; j++) {
        u32x16 a = load16(in + j * stride) & 0x7FFFFFFFu;
        u32x16 s = (u32x16)((i32x16)(a + 0x00800000u) >> 31); /* all ones where a >= 0x7F800000 */
        any |= s;
        t = __builtin_elementwise_max(t, a & ~s);
    }
    *top = t;
    *specials = any;
}

/* For 16 blocks side by side (as column_amax): each block's finite scale code to codes[l] and its
 * stored scale byte to scales[l], lane by lane through memory (extracting vector lanes measured
 * slower). Returns nonzero when some block holds a NaN or Inf. */
static inline __attribute__((always_inline)) int column_scale_codes(const minifloat_scale_table *table, const uint32_t *in,
                                                                     size_t rows, size_t stride, int32_t nan_policy,
                                                                     uint32_t nan_scale, uint8_t *scales, uint32_t *codes) {
    u32x16 top, specials;
    column_amax(in, rows, stride, &top, &specials);
    uint32_t tops[16], special[16];
    __builtin_memcpy(tops, &top, sizeof tops);
    __builtin_memcpy(special, &specials, sizeof special);
    for (int l = 0; l < 16; l++) {
        codes[l] = scale_code(table, tops[l]);
        scales[l] = stored_scale(codes[l], special[l] != 0, nan_policy, nan_scale);
    }
    return any_negative((i32x16)specials);
}

/* The largest finite magnitude of in[0..<n] (float64 bits) and whether any is NaN or Inf. */
static inline __attribute__((always_inline)) uint64_t finite_amax64(const uint64_t *in, size_t n, int *special) {
    i64x8 top = {0}, specials = {0};
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        i64x8 a;
        __builtin_memcpy(&a, in + j, sizeof a);
        a &= 0x7FFFFFFFFFFFFFFF;
        i64x8 s = (i64x8)(a >= 0x7FF0000000000000); /* all ones where NaN or Inf */
        specials |= s;
        top = __builtin_elementwise_max(top, a & ~s);
    }
    uint64_t amax = (uint64_t)__builtin_reduce_max(top);
    int any = __builtin_reduce_or(specials) != 0;
    for (; j < n; j++) {
        uint64_t a = in[j] & 0x7FFFFFFFFFFFFFFFu;
        if (a >= 0x7FF0000000000000u) any = 1; else if (a > amax) amax = a;
    }
    *special = any;
    return amax;
}

/* The scale code of a block whose largest finite magnitude is amax (float64 bits), as
 * NVFP4Float64Thresholds.scaleCode (`scale`: the float32 tables; `starts`: the float64 starts):
 * in float32's normal range the float32 tables' code of amax truncated to float32, or the next
 * one when amax reaches that code's float64 start; elsewhere the number of float64 starts at or
 * below amax. */
static inline __attribute__((always_inline)) uint32_t scale_code64(const minifloat_scale_table *scale, const uint64_t *starts,
                                                                   uint32_t start_count, uint64_t amax) {
    uint64_t exponent = amax >> 52;
    if (exponent >= 897 && exponent <= 1150) {
        uint32_t c = scale_code(scale, (uint32_t)((amax >> 29) - ((uint64_t)896 << 23)));
        return c < start_count && amax >= starts[c] ? c + 1 : c;
    }
    uint32_t a = 0, b = start_count;
    while (a < b) {
        uint32_t mid = (a + b) / 2;
        if (starts[mid] <= amax) a = mid + 1; else b = mid;
    }
    return a;
}

#endif
