/* float64 -> codes of at most 8 bits under a stochastic mode, any number of random bits: the
 * float32 kernel's "re-biased bits plus a random increment, shifted right" in 64-bit lanes, where
 * the 52 - M fraction bits leave room for every N <= 32 (Float64StochasticKernel.swift derives
 * the constants); 16 inputs at a time with their random values (Stochastic.h), for AVX-512, AVX2
 * and the baseline (per-function target attributes); see CMinifloatKernels.h. */
#include "CMinifloatKernels.h"

#include "Stochastic.h"

typedef uint64_t u64x16 __attribute__((vector_size(128)));

/* Whether any lane of the mask v (all ones or zero per lane) is set. */
static inline __attribute__((always_inline)) int any64(i64x16 v) {
    return any_negative(__builtin_convertvector(v, i32x16));
}

/* The codes of 16 float64 inputs (bits b) with random values r to out[0..<16]; false (nothing
 * written) when an input's magnitude, with the sign for an unsigned format, is above the largest
 * finite value (Inf, NaN, overflow, a negative input of an unsigned format). */
static inline __attribute__((always_inline)) int stochastic16_64(const minifloat_float64_stochastic_kernel *k,
                                                                 const u64x16 b, u32x16 r, uint8_t *out) {
    if (any64((i64x16)((b & k->abs_mask) > k->largest))) return 0;
    u64x16 magnitude = b & 0x7FFFFFFFFFFFFFFFull;
    /* 1. The re-biased bits: the format's exponent field (biased) above 52 fraction bits. */
    u64x16 t = magnitude - k->rebias;
    i64x16 below = (i64x16)(magnitude < k->lowest);
    if (any64(below)) {
        /* Zero and the subnormal range: |x| in units of 2^(minExponent - 52), rounded to odd:
         * the significand m (with its hidden bit when the biased exponent E >= 1) shifted right by
         * exponent_limit - max(E, 1) >= 1 (capped at 63, which leaves 0 of a 53-bit m). */
        u64x16 e = magnitude >> 52;
        e += (u64x16)(e == 0) & 1;
        u64x16 m = (magnitude & 0x000FFFFFFFFFFFFFull) | ((u64x16)(magnitude >= 0x0010000000000000ull) & (1ull << 52));
        u64x16 shift = __builtin_elementwise_min(k->exponent_limit - e, (u64x16){0} + 63);
        u64x16 whole = m >> shift;
        u64x16 sticky = (u64x16)((whole << shift) != m) & 1;
        t = ((whole | sticky) & (u64x16)below) | (t & ~(u64x16)below);
    }
    /* 2. StochasticC: first rounded to nearest, ties to even, at round_bits bits. */
    if (k->round_bits) {
        uint64_t d = k->round_bits, low = (1ull << d) - 1;
        t = (t + (low >> 1) + ((t >> d) & 1)) & ~low;
    }
    /* 3. The random increment, and the shift to the code's magnitude. */
    u64x16 q = (t + (__builtin_convertvector(r, u64x16) << k->increment_left) + k->increment_add) >> k->shift;
    /* 4. The sign; a zero code keeps it only where the format has -0. */
    u32x16 q32 = __builtin_convertvector(q, u32x16);
    u32x16 sign = (__builtin_convertvector(b >> 63, u32x16) << k->sign_position) & k->sign_mask_out;
    if (!k->zero_keeps_sign) sign &= (u32x16)((i32x16)((u32x16){0} - q32) >> 31);
    u8x16 narrow = __builtin_convertvector(q32 | sign, u8x16);
    __builtin_memcpy(out, &narrow, sizeof narrow);
    return 1;
}

static inline __attribute__((always_inline)) void loop(const minifloat_float64_stochastic_kernel *kernel,
                                                       const minifloat_stochastic *stochastic, const uint64_t *in, uint8_t *out,
                                                       size_t count, uint64_t first, uint64_t *redo) {
    /* Local copies of the constants (see Float32Stochastic.c). */
    const minifloat_float64_stochastic_kernel kernel_copy = *kernel;
    const minifloat_stochastic stochastic_copy = *stochastic;
    const minifloat_float64_stochastic_kernel *k = &kernel_copy;
    const minifloat_stochastic *s = &stochastic_copy;
    for (size_t w = 0; w * 1024 < count; w++) {
        uint64_t word = 0;
        size_t end = count - w * 1024 < 1024 ? count - w * 1024 : 1024;
        for (size_t g = 0; g * 16 < end; g++) {
            size_t i = w * 1024 + g * 16;
            prefetch_lines(in + i, prefetch_distance, 16 * 8);
            u64x16 b;
            __builtin_memcpy(&b, in + i, sizeof b);
            if (!stochastic16_64(k, b, random16(s, first + i), out + i)) word |= 1ull << g;
        }
        redo[w] = word;
    }
}

#define STOCHASTIC64_FOR(name, attributes)                                                                        \
    attributes static void name(const minifloat_float64_stochastic_kernel *k, const minifloat_stochastic *s,     \
                                const uint64_t *in, uint8_t *out, size_t count, uint64_t first, uint64_t *redo) { \
        loop(k, s, in, out, count, first, redo);                                                                \
    }

STOCHASTIC64_FOR(stochastic64_baseline, )
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
STOCHASTIC64_FOR(stochastic64_avx2, __attribute__((target("avx2"))))
STOCHASTIC64_FOR(stochastic64_avx512, __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl"))))
#endif

void minifloat_encode_float64_stochastic(const minifloat_float64_stochastic_kernel *k, const minifloat_stochastic *s,
                                         const uint64_t *in, uint8_t *out, size_t count, uint64_t first, uint64_t *redo,
                                         int level) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (level >= MINIFLOAT_KERNELS_AVX512) { stochastic64_avx512(k, s, in, out, count, first, redo); return; }
    if (level >= MINIFLOAT_KERNELS_AVX2) { stochastic64_avx2(k, s, in, out, count, first, redo); return; }
#else
    (void)level;
#endif
    stochastic64_baseline(k, s, in, out, count, first, redo);
}
