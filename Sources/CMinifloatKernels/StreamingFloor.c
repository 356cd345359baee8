/* The memory-streaming floor that `minifloat bench` compares every case with: read each float32 or
 * float64, write one byte, 16 elements at a time, reading ahead as the kernels do (Prefetch.h), at
 * each level (per-function target attributes); see CMinifloatKernels.h. */
#include "CMinifloatKernels.h"

#include "Float32Group.h"

typedef uint64_t u64x16 __attribute__((vector_size(128)));

static inline __attribute__((always_inline)) void floor_loop(const void *in, size_t width, uint8_t *out, size_t count) {
    size_t i = 0;
    if (width == 8) {
        const uint64_t *p = in;
        for (; i + 16 <= count; i += 16) {
            prefetch_lines(p + i, prefetch_distance, 16 * 8);
            u64x16 b;
            __builtin_memcpy(&b, p + i, sizeof b);
            u8x16 top = __builtin_convertvector(b >> 56, u8x16);
            __builtin_memcpy(out + i, &top, sizeof top);
        }
        for (; i < count; i++) out[i] = (uint8_t)(p[i] >> 56);
    } else {
        const uint32_t *p = in;
        for (; i + 16 <= count; i += 16) {
            prefetch_lines(p + i, prefetch_distance, 16 * 4);
            u8x16 top = __builtin_convertvector(load16(p + i) >> 24, u8x16);
            __builtin_memcpy(out + i, &top, sizeof top);
        }
        for (; i < count; i++) out[i] = (uint8_t)(p[i] >> 24);
    }
}

#define FLOOR_FOR(name, attributes)                                                               \
    attributes static void name(const void *in, size_t width, uint8_t *out, size_t count) {     \
        floor_loop(in, width, out, count);                                                        \
    }

FLOOR_FOR(floor_baseline, )
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
FLOOR_FOR(floor_avx2, __attribute__((target("avx2"))))
FLOOR_FOR(floor_avx512, __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"))))
#endif

void minifloat_streaming_floor(const void *in, size_t width, uint8_t *out, size_t count, int level) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (level >= MINIFLOAT_KERNELS_AVX512) { floor_avx512(in, width, out, count); return; }
    if (level >= MINIFLOAT_KERNELS_AVX2) { floor_avx2(in, width, out, count); return; }
#else
    (void)level;
#endif
    floor_baseline(in, width, out, count);
}
