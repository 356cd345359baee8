/* float32, bfloat16 and float16 -> codes of at most 8 bits under a stochastic mode: the random
 * values and the rounding of 16 inputs at a time in registers (Stochastic.h; bfloat16 widened in
 * registers, float16 by the conversion instruction with AVX2 and AVX-512), for AVX-512, AVX2 and
 * the baseline (per-function target attributes); see CMinifloatKernels.h. */
#include "CMinifloatKernels.h"

#include "Stochastic.h"

typedef uint16_t u16x16 __attribute__((vector_size(32)));
typedef _Float16 f16x16 __attribute__((vector_size(32)));

/* The source type: float32, bfloat16 or float16 (a constant in each copy of the loop). float16 is
 * read in registers only with the conversion instruction (F16C with AVX2, AVX512F); on the
 * baseline it is widened into a buffer first (minifloat_widen_float16), as it was at every level
 * until widening in registers with integer arithmetic measured slower (1.27 against 1.19 ns per
 * element with AVX2). */
enum { source_float32, source_bfloat16, source_float16 };

/* The float32 bits of the 16 inputs from element i. */
static inline __attribute__((always_inline)) u32x16 load_source16(const void *in, size_t i, int source) {
    if (source == source_float32) return load16((const uint32_t *)in + i);
    if (source == source_float16) {
        f16x16 f;
        __builtin_memcpy(&f, (const uint16_t *)in + i, sizeof f);
        return (u32x16)__builtin_convertvector(f, f32x16);
    }
    u16x16 h;
    __builtin_memcpy(&h, (const uint16_t *)in + i, sizeof h);
    return __builtin_convertvector(h, u32x16) << 16;
}

static inline __attribute__((always_inline)) void loop_form(const minifloat_float32_kernel *kernel, const minifloat_stochastic *stochastic,
                                                            const void *in, int source, uint8_t *out, size_t count,
                                                            uint64_t first, uint64_t *redo, int form) {
    /* Local copies of the constants: a byte store through `out` may alias any object whose address
     * came in, so the compiler would reload (and retest) them after each group. */
    const minifloat_float32_kernel kernel_copy = *kernel;
    const minifloat_stochastic stochastic_copy = *stochastic;
    const minifloat_float32_kernel *k = &kernel_copy;
    const minifloat_stochastic *s = &stochastic_copy;
    for (size_t w = 0; w * 1024 < count; w++) {
        uint64_t word = 0;
        size_t end = count - w * 1024 < 1024 ? count - w * 1024 : 1024;
        for (size_t g = 0; g * 16 < end; g++) {
            size_t i = w * 1024 + g * 16;
            prefetch_lines((const uint8_t *)in + i * (source == source_float32 ? 4 : 2), prefetch_distance, 64);
            if (!stochastic16_form(k, s, load_source16(in, i, source), random16(s, first + i), out + i, form)) word |= 1ull << g;
        }
        redo[w] = word;
    }
}

/* One copy of the loop for each form of the subnormal lanes, so that no group tests it. */
static inline __attribute__((always_inline)) void loop(const minifloat_float32_kernel *k, const minifloat_stochastic *s,
                                                       const void *in, int source, uint8_t *out, size_t count, uint64_t first,
                                                       uint64_t *redo) {
    switch (subnormal_form(s)) {
    case subnormal_none: loop_form(k, s, in, source, out, count, first, redo, subnormal_none); break;
    case subnormal_sticky: loop_form(k, s, in, source, out, count, first, redo, subnormal_sticky); break;
    case subnormal_wide32: loop_form(k, s, in, source, out, count, first, redo, subnormal_wide32); break;
    default: loop_form(k, s, in, source, out, count, first, redo, subnormal_wide64); break;
    }
}

/* And one for each source type. */
static inline __attribute__((always_inline)) void loop_source(const minifloat_float32_kernel *k, const minifloat_stochastic *s,
                                                              const void *in, int source, uint8_t *out, size_t count,
                                                              uint64_t first, uint64_t *redo) {
    if (source == source_float32) loop(k, s, in, source_float32, out, count, first, redo);
    else loop(k, s, in, source_bfloat16, out, count, first, redo);
}

#define STOCHASTIC_FOR(name, attributes)                                                                         \
    attributes static void name(const minifloat_float32_kernel *k, const minifloat_stochastic *s, const void *in,    \
                                int source, uint8_t *out, size_t count, uint64_t first, uint64_t *redo) {       \
        loop_source(k, s, in, source, out, count, first, redo);                                                   \
    }

STOCHASTIC_FOR(stochastic_baseline, )
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
STOCHASTIC_FOR(stochastic_avx2, __attribute__((target("avx2"))))
STOCHASTIC_FOR(stochastic_avx512, __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"))))
/* float16 with the conversion instruction: one copy of the loop per level that has it. */
__attribute__((target("avx2,f16c"))) static void stochastic_float16_avx2(const minifloat_float32_kernel *k,
                                                                           const minifloat_stochastic *s, const void *in,
                                                                           uint8_t *out, size_t count, uint64_t first,
                                                                           uint64_t *redo) {
    loop(k, s, in, source_float16, out, count, first, redo);
}
__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,f16c"))) static void stochastic_float16_avx512(
    const minifloat_float32_kernel *k, const minifloat_stochastic *s, const void *in, uint8_t *out, size_t count,
    uint64_t first, uint64_t *redo) {
    loop(k, s, in, source_float16, out, count, first, redo);
}
#endif

static void dispatch(const minifloat_float32_kernel *k, const minifloat_stochastic *s, const void *in, int source,
                     uint8_t *out, size_t count, uint64_t first, uint64_t *redo, int level) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (level >= MINIFLOAT_KERNELS_AVX512) { stochastic_avx512(k, s, in, source, out, count, first, redo); return; }
    if (level >= MINIFLOAT_KERNELS_AVX2) { stochastic_avx2(k, s, in, source, out, count, first, redo); return; }
#else
    (void)level;
#endif
    stochastic_baseline(k, s, in, source, out, count, first, redo);
}

void minifloat_encode_float32_stochastic(const minifloat_float32_kernel *k, const minifloat_stochastic *s, const uint32_t *in,
                                         uint8_t *out, size_t count, uint64_t first, uint64_t *redo, int level) {
    dispatch(k, s, in, source_float32, out, count, first, redo, level);
}

void minifloat_encode_bfloat16_stochastic(const minifloat_float32_kernel *k, const minifloat_stochastic *s, const uint16_t *in,
                                          uint8_t *out, size_t count, uint64_t first, uint64_t *redo, int level) {
    dispatch(k, s, in, source_bfloat16, out, count, first, redo, level);
}

void minifloat_encode_float16_stochastic(const minifloat_float32_kernel *k, const minifloat_stochastic *s, const uint16_t *in,
                                         uint8_t *out, size_t count, uint64_t first, uint64_t *redo, int level) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (level >= MINIFLOAT_KERNELS_AVX512) { stochastic_float16_avx512(k, s, in, out, count, first, redo); return; }
    if (level >= MINIFLOAT_KERNELS_AVX2) { stochastic_float16_avx2(k, s, in, out, count, first, redo); return; }
#endif
    /* The baseline: widened a chunk of 4096 (four words of `redo`) at a time into a buffer. */
    uint32_t buffer[4096];
    for (size_t c = 0; c < count; c += 4096) {
        size_t n = count - c < 4096 ? count - c : 4096;
        minifloat_widen_float16(in + c, buffer, n, level);
        stochastic_baseline(k, s, buffer, source_float32, out + c, n, first + c, redo + c / 1024);
    }
}
