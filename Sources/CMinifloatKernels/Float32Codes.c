/* float32 -> codes of at most 8 bits (deterministic modes): the normal-range kernel of
 * Float32NormalKernel.swift, 16 inputs at a time, written once with clang's vector extensions and
 * compiled for AVX-512, AVX2 and the baseline (per-function target attributes); see
 * CMinifloatKernels.h. */
#include "CMinifloatKernels.h"

typedef uint32_t u32x16 __attribute__((vector_size(64)));
typedef int32_t i32x16 __attribute__((vector_size(64)));
typedef float f32x16 __attribute__((vector_size(64)));
typedef uint8_t u8x16 __attribute__((vector_size(16)));

static inline __attribute__((always_inline)) uint8_t look_up(const uint32_t *table, uint32_t bits) {
    uint32_t entry = table[bits >> 16];
    return (uint8_t)((bits & 0xFFFF) >= (entry >> 16) ? entry >> 8 : entry);
}

/* One group of 16; false when an input is outside the kernel's range. `rule` is a constant in
 * each caller, so each loop below is specialised. */
static inline __attribute__((always_inline)) int group(const minifloat_float32_kernel *k, const uint32_t *in,
                                                       uint8_t *out, int rule) {
    u32x16 b;
    __builtin_memcpy(&b, in, sizeof b);
    u32x16 a = b & k->abs_mask;
    u32x16 offset = a - k->range_start;
    /* Out of range when a < range_start (offset wraps) or offset > span. */
    i32x16 bad = (i32x16)(offset | ((u32x16){0} + k->span - offset)) >> 31;
    uint32_t any = 0;
    for (int i = 0; i < 16; i++) any |= (uint32_t)bad[i];
    if (any) return 0;
    u32x16 t = (b & 0x7FFFFFFFu) - k->rebias;
    uint32_t s = k->shift, low = (1u << s) - 1;
    u32x16 q;
    u32x16 negative = (u32x16)((i32x16)b >> 31);
    switch (rule) {
    case 0: {
        q = (t + (low >> 1) + ((t >> s) & 1)) >> s;
        if (k->subnormal) {
            i32x16 below = (i32x16)(a - k->lowest) >> 31;
            uint32_t anyBelow = 0;
            for (int i = 0; i < 16; i++) anyBelow |= (uint32_t)below[i];
            if (anyBelow) {
                f32x16 y = (f32x16)a * k->subnormal_scale;
                u32x16 z = (u32x16)(y + 0x1p23f) - 0x4B000000u;
                q = (q & ~(u32x16)below) | (z & (u32x16)below);
            }
        }
        break;
    }
    case 1: q = (t + (1u << (s - 1))) >> s; break;
    case 2: q = t >> s; break;
    case 3: q = (t + (low & ~negative)) >> s; break;
    case 4: q = (t + (low & negative)) >> s; break;
    default: q = (t >> s) | (((t & low) + 0x7FFFFFFFu) >> 31); break;
    }
    u32x16 sign = (b >> 31) << (31 - k->sign_shift);
    if (!k->zero_keeps_sign) sign &= (u32x16)((i32x16)((u32x16){0} - q) >> 31);
    u32x16 code = q | (sign & k->sign_mask_out);
    u8x16 narrow = __builtin_convertvector(code, u8x16);
    __builtin_memcpy(out, &narrow, sizeof narrow);
    return 1;
}

static inline __attribute__((always_inline)) void loop(const minifloat_float32_kernel *k, const uint32_t *table,
                                                       const uint32_t *in, uint8_t *out, size_t count, int rule) {
    size_t i = 0;
    for (; i + 16 <= count; i += 16) {
        if (!group(k, in + i, out + i, rule)) {
            for (size_t j = i; j < i + 16; j++) out[j] = look_up(table, in[j]);
        }
    }
    for (; i < count; i++) out[i] = look_up(table, in[i]);
}

#define ENCODE_FOR(name, attributes)                                                                              \
    attributes static void name(const minifloat_float32_kernel *k, const uint32_t *table, const uint32_t *in,   \
                                uint8_t *out, size_t count) {                                                   \
        switch (k->rule) {                                                                                      \
        case 0: loop(k, table, in, out, count, 0); break;                                                       \
        case 1: loop(k, table, in, out, count, 1); break;                                                       \
        case 2: loop(k, table, in, out, count, 2); break;                                                       \
        case 3: loop(k, table, in, out, count, 3); break;                                                       \
        case 4: loop(k, table, in, out, count, 4); break;                                                       \
        default: loop(k, table, in, out, count, 5); break;                                                      \
        }                                                                                                       \
    }

ENCODE_FOR(encode_baseline, )
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
ENCODE_FOR(encode_avx2, __attribute__((target("avx2"))))
ENCODE_FOR(encode_avx512, __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"))))
#endif

void minifloat_encode_float32_codes8(const minifloat_float32_kernel *kernel, const uint32_t *table, const uint32_t *in,
                                     uint8_t *out, size_t count, int level) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (level >= MINIFLOAT_KERNELS_AVX512) { encode_avx512(kernel, table, in, out, count); return; }
    if (level >= MINIFLOAT_KERNELS_AVX2) { encode_avx2(kernel, table, in, out, count); return; }
#else
    (void)level;
#endif
    encode_baseline(kernel, table, in, out, count);
}
