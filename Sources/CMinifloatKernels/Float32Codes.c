/* float32 -> codes of at most 8 bits (deterministic modes): the normal-range kernel of
 * Float32NormalKernel.swift, 16 inputs at a time, written once with clang's vector extensions and
 * compiled for AVX-512, AVX2 and the baseline (per-function target attributes); see
 * CMinifloatKernels.h. */
#include "CMinifloatKernels.h"

#include "Float32Group.h"

static inline __attribute__((always_inline)) void loop(const minifloat_float32_kernel *kernel, const uint32_t *table,
                                                       const uint32_t *in, uint8_t *out, size_t count, int rule) {
    /* A local copy of the constants: a byte store through `out` may alias any object whose address
     * came in, so the compiler would reload them after each group. */
    const minifloat_float32_kernel kernel_copy = *kernel;
    const minifloat_float32_kernel *k = &kernel_copy;
    size_t i = 0;
    for (; i + 16 <= count; i += 16) {
        prefetch_lines(in + i, prefetch_distance, 64);
        if (!group(k, in + i, out + i, rule)) {
            for (size_t j = i; j < i + 16; j++) out[j] = look_up(table, in[j]);
        }
    }
    for (; i < count; i++) out[i] = look_up(table, in[i]);
}

#define ENCODE_FOR(name, attributes)                                                                              \
    attributes static void name(const minifloat_float32_kernel *k, const uint32_t *table, const uint32_t *in,   \
                                uint8_t *out, size_t count) {                                                   \
        switch (kernel_rule(k)) {                                                                               \
        case 0: loop(k, table, in, out, count, 0); break;                                                       \
        case 6: loop(k, table, in, out, count, 6); break;                                                       \
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
