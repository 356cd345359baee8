/* NVFP4 block encoding from float32 (and float64) in one pass per block: the block's largest
 * finite magnitude, its scale code, and each element's E2M1 code as the number of the scale code's
 * thresholds its magnitude reaches (E2M1Thresholds, BlockFastPath.swift; NVFP4Float64Thresholds,
 * BlockFastPath+Float64.swift), with the block in registers. Computes exactly what
 * BlockFormat.encodeBlocksFast (encodeNVFP4Float64) does; see CMinifloatKernels.h. */
#include "CMinifloatKernels.h"

#include "BlockScale.h"

#define INLINE static inline __attribute__((always_inline))

/* The codes of 16 elements (float32 bits b) by the thresholds t, each lane its own (7 for
 * positive, 7 for negative inputs); `symmetric` (a constant in each caller) when both sets are
 * equal; NaN elements take their NaN code only when `nan_possible` (without it no element may be
 * NaN: a block without NaN or Inf). Magnitudes and thresholds (at most 0x7F800000) are below
 * 2^31, so they compare as signed integers (one instruction with AVX2, which has no unsigned
 * comparison). */
INLINE void elements16_lanes(const minifloat_nvfp4_blocks *m, const u32x16 *t, u32x16 b, uint8_t *out, int symmetric,
                             int nan_possible) {
    i32x16 magnitude = (i32x16)(b & 0x7FFFFFFFu);
    u32x16 negative = b >> 31;
    u32x16 count = {0};
    if (symmetric) {
        for (int j = 0; j < 7; j++) count -= (u32x16)(magnitude >= (i32x16)t[j]); /* a true comparison is -1 */
    } else {
        u32x16 positiveCount = {0}, negativeCount = {0};
        for (int j = 0; j < 7; j++) {
            positiveCount -= (u32x16)(magnitude >= (i32x16)t[j]);
            negativeCount -= (u32x16)(magnitude >= (i32x16)t[7 + j]);
        }
        u32x16 select = (u32x16){0} - negative;
        count = (positiveCount & ~select) | (negativeCount & select);
    }
    u32x16 code = (negative << 3) | count;
    if (!nan_possible) {
        u8x16 narrow = __builtin_convertvector(code, u8x16);
        __builtin_memcpy(out, &narrow, sizeof narrow);
        return;
    }
    u32x16 nan = (u32x16)(magnitude > 0x7F800000);
    u32x16 nanCode = (u32x16){0} + m->nan_codes[0];
    nanCode = (nanCode & ~((u32x16){0} - negative)) | (((u32x16){0} + m->nan_codes[1]) & ((u32x16){0} - negative));
    code = (code & ~nan) | (nanCode & nan);
    u8x16 narrow = __builtin_convertvector(code, u8x16);
    __builtin_memcpy(out, &narrow, sizeof narrow);
}

/* The codes of 16 elements of one block (float32 bits b) by its thresholds t (`special` when the
 * block holds a NaN or Inf). */
INLINE void elements16(const minifloat_nvfp4_blocks *m, const uint32_t *t, u32x16 b, uint8_t *out, int symmetric,
                       int special) {
    u32x16 lanes[14];
    for (int j = 0; j < 14; j++) lanes[j] = (u32x16){0} + t[j];
    if (special) elements16_lanes(m, lanes, b, out, symmetric, 1);
    else elements16_lanes(m, lanes, b, out, symmetric, 0);
}

INLINE uint8_t element(const minifloat_nvfp4_blocks *m, const uint32_t *t, uint32_t b) {
    uint32_t magnitude = b & 0x7FFFFFFFu, negative = b >> 31;
    if (magnitude > 0x7F800000u) return m->nan_codes[negative];
    uint32_t count = 0;
    for (int j = 0; j < 7; j++) count += magnitude >= t[negative * 7 + j];
    return (uint8_t)(negative << 3 | count);
}

/* The scale code of one block of n elements; stores its scale byte. Returns the code, plus 0x100
 * when the block holds a NaN or Inf. */
INLINE uint32_t block_scale(const minifloat_nvfp4_blocks *m, const uint32_t *in, size_t n, uint8_t *scale) {
    int special;
    uint32_t amax = n == 16 ? finite_amax_of(in, 16, load16(in) & 0x7FFFFFFFu, &special) : finite_amax(in, n, &special);
    uint32_t code = scale_code(&m->scale, amax);
    *scale = stored_scale(code, special, m->nan_policy, m->nan_scale);
    return code | (uint32_t)special << 8;
}

/* One block of n elements. */
INLINE void block(const minifloat_nvfp4_blocks *m, const uint32_t *in, size_t n, uint8_t *scale, uint8_t *out, int symmetric) {
    uint32_t code = block_scale(m, in, n, scale);
    const uint32_t *t = m->thresholds + (code & 0xFF) * 14;
    size_t j = 0;
    for (; j + 16 <= n; j += 16) elements16(m, t, load16(in + j), out + j, symmetric, (int)(code >> 8));
    for (; j < n; j++) out[j] = element(m, t, in[j]);
}

/* Blocks along an axis other than the last, 16 side by side (as MXBlocks.c's columns_loop): element
 * j < rows of block c at in[j * stride + c], its code to out[j * stride + c], scales[c]; each
 * block's scale code lane by lane, its thresholds made into lanes once, then a row at a time. */
INLINE void columns_loop(const minifloat_nvfp4_blocks *blocks, const uint32_t *in, size_t rows, size_t width, size_t stride,
                         uint8_t *scales, uint8_t *out, int symmetric) {
    /* A local copy of the constants (see blocks_loop). */
    const minifloat_nvfp4_blocks blocks_copy = *blocks;
    const minifloat_nvfp4_blocks *m = &blocks_copy;
    /* The lanes are filled in memory with scalar stores (extracting and inserting vector lanes measured slower,
     * and with AVX2 14 vectors of 16 lanes do not fit in the registers); the symmetric kernel
     * reads only the first 7. */
    u32x16 lanes[14];
    int used = symmetric ? 7 : 14;
    for (size_t c = 0; c + 16 <= width; c += 16) {
        uint32_t *lane = (uint32_t *)lanes, codes[16];
        prefetch_next_rows(in, rows, width, stride, sizeof *in, c);
        column_scale_codes(&m->scale, in + c, rows, stride, m->nan_policy, m->nan_scale, scales + c, codes);
        for (int l = 0; l < 16; l++) {
            const uint32_t *t = m->thresholds + codes[l] * 14;
            for (int j = 0; j < used; j++) lane[j * 16 + l] = t[j];
        }
        for (size_t j = 0; j < rows; j++) {
            elements16_lanes(m, lanes, load16(in + j * stride + c), out + j * stride + c, symmetric, 1);
        }
    }
}

typedef double f64x8 __attribute__((vector_size(64)));
typedef uint64_t u64x8 __attribute__((vector_size(64)));
typedef uint8_t u8x8 __attribute__((vector_size(8)));

/* One block of n float64 elements (bits): returns nonzero, with the elements not written, when it
 * holds a NaN or Inf (the caller does those blocks); the scale byte is always written. A
 * magnitude's code is the number of thresholds it reaches, compared as doubles (the order of
 * non-negative doubles is that of their bits; an unused threshold is +Inf, reached by none). */
INLINE void block64_elements(const minifloat_nvfp4_float64_blocks *m, const uint64_t *in, size_t n, uint32_t code, uint8_t *out,
                             int symmetric);

/* The scale code of one block of n float64 elements (*special: whether it holds a NaN or Inf);
 * stores its scale byte. */
INLINE uint32_t block64_scale(const minifloat_nvfp4_float64_blocks *m, const uint64_t *in, size_t n, uint8_t *scale, int *special) {
    uint64_t amax = finite_amax64(in, n, special);
    uint32_t code = scale_code64(&m->scale, m->starts, m->start_count, amax);
    *scale = stored_scale(code, *special, m->nan_policy, m->nan_scale);
    return code;
}

INLINE int block64(const minifloat_nvfp4_float64_blocks *m, const uint64_t *in, size_t n, uint8_t *scale, uint8_t *out,
                   int symmetric) {
    int special;
    uint32_t code = block64_scale(m, in, n, scale, &special);
    if (special) return 1;
    block64_elements(m, in, n, code, out, symmetric);
    return 0;
}

/* The elements of a block of n float64s without a NaN or Inf whose scale code is `code`. */
INLINE void block64_elements(const minifloat_nvfp4_float64_blocks *m, const uint64_t *in, size_t n, uint32_t code, uint8_t *out,
                             int symmetric) {
    const double *t = m->thresholds + code * 14;
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        u64x8 b;
        __builtin_memcpy(&b, in + j, sizeof b);
        f64x8 magnitude = (f64x8)(b & 0x7FFFFFFFFFFFFFFFu);
        u64x8 negative = b >> 63;
        i64x8 count = {0};
        if (symmetric) {
            for (int k = 0; k < 7; k++) count -= (i64x8)(magnitude >= t[k]); /* a true comparison is -1 */
        } else {
            i64x8 positiveCount = {0}, negativeCount = {0};
            for (int k = 0; k < 7; k++) {
                positiveCount -= (i64x8)(magnitude >= t[k]);
                negativeCount -= (i64x8)(magnitude >= t[7 + k]);
            }
            i64x8 select = (i64x8){0} - (i64x8)negative;
            count = (positiveCount & ~select) | (negativeCount & select);
        }
        u8x8 narrow = __builtin_convertvector((negative << 3) | (u64x8)count, u8x8);
        __builtin_memcpy(out + j, &narrow, sizeof narrow);
    }
    for (; j < n; j++) {
        double magnitude;
        uint64_t bits = in[j] & 0x7FFFFFFFFFFFFFFFu, negative = in[j] >> 63;
        __builtin_memcpy(&magnitude, &bits, sizeof magnitude);
        uint32_t count = 0;
        for (int k = 0; k < 7; k++) count += magnitude >= t[negative * 7 + k];
        out[j] = (uint8_t)(negative << 3 | count);
    }
}

INLINE void blocks_loop64(const minifloat_nvfp4_float64_blocks *blocks, const uint64_t *in, size_t count, size_t size,
                          uint8_t *scales, uint8_t *out, uint8_t *redo, int symmetric) {
    /* A local copy of the constants (see blocks_loop). */
    const minifloat_nvfp4_float64_blocks blocks_copy = *blocks;
    const minifloat_nvfp4_float64_blocks *m = &blocks_copy;
    size_t first = 0, t = 0;
    if (size == 16) {
        /* 16 blocks at a time, their scale codes first (see blocks_loop). */
        for (; first + 16 * 16 <= count; first += 16 * 16, t += 16) {
            uint32_t codes[16];
            int special[16];
            prefetch_lines(in + first, prefetch_distance, 16 * 16 * 8);
            for (int l = 0; l < 16; l++) codes[l] = block64_scale(m, in + first + 16 * l, 16, scales + t + l, special + l);
            for (int l = 0; l < 16; l++) {
                redo[t + l] = (uint8_t)special[l];
                if (!special[l]) block64_elements(m, in + first + 16 * l, 16, codes[l], out + first + 16 * l, symmetric);
            }
        }
    }
    for (; first < count; first += size, t++) {
        size_t n = count - first < size ? count - first : size;
        redo[t] = (uint8_t)block64(m, in + first, n, scales + t, out + first, symmetric);
    }
}

INLINE void blocks_loop(const minifloat_nvfp4_blocks *blocks, const uint32_t *in, size_t count, size_t size, uint8_t *scales,
                        uint8_t *out, int symmetric) {
    /* A local copy of the constants: a byte store through `out` may alias any object whose address
     * came in, so the compiler would reload them after each block. */
    const minifloat_nvfp4_blocks blocks_copy = *blocks;
    const minifloat_nvfp4_blocks *m = &blocks_copy;
    size_t first = 0, t = 0;
    if (size == 16) {
        /* 16 blocks at a time: their scale codes first, then their elements (as MXBlocks.c's
         * blocks_loop: the chains of amax and table look-ups overlap). */
        for (; first + 16 * 16 <= count; first += 16 * 16, t += 16) {
            uint32_t codes[16];
            prefetch_lines(in + first, prefetch_distance, 16 * 16 * 4);
            for (int l = 0; l < 16; l++) codes[l] = block_scale(m, in + first + 16 * l, 16, scales + t + l);
            for (int l = 0; l < 16; l++) {
                elements16(m, m->thresholds + (codes[l] & 0xFF) * 14, load16(in + first + 16 * l), out + first + 16 * l,
                           symmetric, (int)(codes[l] >> 8));
            }
        }
    }
    for (; first < count; first += size, t++) {
        size_t n = count - first < size ? count - first : size;
        block(m, in + first, n, scales + t, out + first, symmetric);
    }
}

#define NVFP4_FOR(name, attributes)                                                                               \
    attributes static void name(const minifloat_nvfp4_blocks *m, const uint32_t *in, size_t count, size_t size,  \
                                uint8_t *scales, uint8_t *out) {                                                \
        if (m->symmetric) blocks_loop(m, in, count, size, scales, out, 1);                                      \
        else blocks_loop(m, in, count, size, scales, out, 0);                                                   \
    }                                                                                                             \
    attributes static void name##_columns(const minifloat_nvfp4_blocks *m, const uint32_t *in, size_t rows,       \
                                          size_t width, size_t stride, uint8_t *scales, uint8_t *out) {           \
        if (m->symmetric) columns_loop(m, in, rows, width, stride, scales, out, 1);                              \
        else columns_loop(m, in, rows, width, stride, scales, out, 0);                                           \
    }                                                                                                             \
    attributes static void name##_64(const minifloat_nvfp4_float64_blocks *m, const uint64_t *in, size_t count,   \
                                     size_t size, uint8_t *scales, uint8_t *out, uint8_t *redo) {                 \
        if (m->symmetric) blocks_loop64(m, in, count, size, scales, out, redo, 1);                                \
        else blocks_loop64(m, in, count, size, scales, out, redo, 0);                                             \
    }

NVFP4_FOR(nvfp4_baseline, )
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
NVFP4_FOR(nvfp4_avx2, __attribute__((target("avx2"))))
NVFP4_FOR(nvfp4_avx512, __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"))))
#endif

void minifloat_encode_nvfp4_float32(const minifloat_nvfp4_blocks *blocks, const uint32_t *in, size_t count, size_t block_size,
                                   uint8_t *scales, uint8_t *out, int level) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (level >= MINIFLOAT_KERNELS_AVX512) { nvfp4_avx512(blocks, in, count, block_size, scales, out); return; }
    if (level >= MINIFLOAT_KERNELS_AVX2) { nvfp4_avx2(blocks, in, count, block_size, scales, out); return; }
#else
    (void)level;
#endif
    nvfp4_baseline(blocks, in, count, block_size, scales, out);
}

void minifloat_encode_nvfp4_float64(const minifloat_nvfp4_float64_blocks *blocks, const uint64_t *in, size_t count,
                                    size_t block_size, uint8_t *scales, uint8_t *out, uint8_t *redo, int level) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (level >= MINIFLOAT_KERNELS_AVX512) { nvfp4_avx512_64(blocks, in, count, block_size, scales, out, redo); return; }
    if (level >= MINIFLOAT_KERNELS_AVX2) { nvfp4_avx2_64(blocks, in, count, block_size, scales, out, redo); return; }
#else
    (void)level;
#endif
    nvfp4_baseline_64(blocks, in, count, block_size, scales, out, redo);
}

void minifloat_encode_nvfp4_float32_columns(const minifloat_nvfp4_blocks *blocks, const uint32_t *in, size_t rows, size_t width,
                                           size_t stride, uint8_t *scales, uint8_t *out, int level) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (level >= MINIFLOAT_KERNELS_AVX512) { nvfp4_avx512_columns(blocks, in, rows, width, stride, scales, out); return; }
    if (level >= MINIFLOAT_KERNELS_AVX2) { nvfp4_avx2_columns(blocks, in, rows, width, stride, scales, out); return; }
#else
    (void)level;
#endif
    nvfp4_baseline_columns(blocks, in, rows, width, stride, scales, out);
}
