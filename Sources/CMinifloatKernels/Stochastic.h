/* Stochastic rounding of 16 float32 inputs with their random values R, and R itself (the seeded
 * stream from 8 SplitMix64 counters, or the caller's values), shared by the C files that round
 * stochastically (compiled into each caller for its target attributes; see CMinifloatKernels.h).
 * Private to this target. */
#ifndef MINIFLOAT_STOCHASTIC_H
#define MINIFLOAT_STOCHASTIC_H

#include "Float32Group.h"
#include "SplitMix64.h"

typedef uint64_t u64x8 __attribute__((vector_size(64)));
typedef uint32_t u32x8 __attribute__((vector_size(32)));
typedef double f64x16 __attribute__((vector_size(128)));
typedef int64_t i64x16 __attribute__((vector_size(128)));

/* SplitMix64's mixing of 8 counters' states z. */
static inline __attribute__((always_inline)) u64x8 splitmix64_mix8(u64x8 z) {
    z = (z ^ (z >> 30)) * splitmix64_mix1;
    z = (z ^ (z >> 27)) * splitmix64_mix2;
    return z ^ (z >> 31);
}

/* R_first ... R_(first + 15): the caller's values, or words first ... first + 15 of the seeded
 * stream (minifloat_seeded_random): 8 SplitMix64 outputs whose halves, low first, are the 16 words
 * in order when first is even; one more output, and the words moved by one, when it is odd. */
static inline __attribute__((always_inline)) u32x16 random16(const minifloat_stochastic *s, uint64_t first) {
    if (s->values) {
        uint32_t mask = (uint32_t)((1ull << s->bits) - 1);
        return load16(s->values + first) & mask;
    }
    const u64x8 lanes = {1, 2, 3, 4, 5, 6, 7, 8};
    u64x8 z = (u64x8){0} + (s->seed + (first >> 1) * splitmix64_golden) + lanes * splitmix64_golden;
    u32x16 words = (u32x16)splitmix64_mix8(z);
    if (__builtin_expect(first & 1, 0)) {
        u32x16 next = (u32x16)splitmix64_mix8(z + 8 * splitmix64_golden);
        words = __builtin_shufflevector(words, next, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
    }
    return words >> (32 - s->bits);
}

/* The codes of 16 inputs (float32 bits b) with random values r to out[0..<16]; false when an input
 * is outside the kernel's normal range, or with s->subnormal_multiplier outside 0 ... its largest
 * finite value (nothing is written then). As Float32NormalKernel.stochasticCode, which derives
 * the subnormal lanes' t (StochasticPlan). */
/* How a stochastic mode takes the lanes below the normal range: not at all, with a sticky bit, or
 * from the fraction compared in float32 or in double lanes (see minifloat_stochastic). */
enum { subnormal_none, subnormal_sticky, subnormal_wide32, subnormal_wide64 };

static inline __attribute__((always_inline)) int subnormal_form(const minifloat_stochastic *s) {
    if (s->subnormal_multiplier == 0.0f) return subnormal_none;
    if (s->wide_fraction_scale == 0.0) return subnormal_sticky;
    return s->wide_threshold <= 16777216.0 ? subnormal_wide32 : subnormal_wide64;
}

/* As stochastic16 with the form of the subnormal lanes given (a constant where the caller's loop
 * is specialised on it); with a form other than subnormal_none and `finite` nonzero the caller
 * knows that every input is at most the largest finite value (the MX products of a block without
 * NaN or Inf), and the range check is skipped. */
static inline __attribute__((always_inline)) int stochastic16_checked(const minifloat_float32_kernel *k,
                                                                      const minifloat_stochastic *s, u32x16 b, u32x16 r,
                                                                      uint8_t *out, int form, int finite) {
    u32x16 t;
    /* The subnormal lanes' codes under a wide form, and those lanes (all ones): blended into q at
     * the end, unconditionally (with no lane below, both are 0 and the blend keeps q), so that no
     * mask lives across a branch (a mask that does is kept as bytes and widened again: measured
     * slower with AVX2). */
    u32x16 wide_below = (u32x16){0}, wide_q = (u32x16){0};
    int wide = form == subnormal_wide32 || form == subnormal_wide64;
    /* StochasticC's rounding at d = round_bits bits by one float32 addition (below), where no
     * addend or sum can overflow: the largest biased exponent in range plus d at most 253. */
    const int rounded_by_addition = form == subnormal_sticky && s->round_bits != 0 && k->lowest >= 0x00800000u
        && ((k->range_start + k->span) >> 23) + s->round_bits <= 253;
    if (form != subnormal_none) {
        /* Out of range: a above the largest finite value as unsigned integers (Inf, NaN; any
         * negative input of an unsigned format, whose abs_mask keeps the sign). */
        if (!finite && any_negative((i32x16)((b & k->abs_mask) > ((u32x16){0} + (k->range_start + k->span))))) return 0;
        u32x16 magnitude = b & 0x7FFFFFFFu;
        if (rounded_by_addition) {
            /* StochasticC: t rounded to nearest even at d bits, the lanes below the least normal
             * value 2^e and the others alike, by one float32 addition (as rne_by_addition in
             * Float32Group.h rounds at the format's ulp). With `exponent` the larger of |x|'s
             * exponent field and the least normal's (as bits, 2^E; a signed maximum, both being
             * below 2^31: SSE2 has neither, and builds the signed one from fewer instructions),
             * the addend 2^(E + d) has float32 step 2^(E + d - 23) on [2^(E + d), 2^(E + d + 1)),
             * the weight of bit d of t, so |x| + 2^(E + d) rounds |x| once to a multiple of it
             * (ties to even: on bit d of t, as the integer rounding below). The sum's bits minus
             * the addend's, times 2^d, are then 2^23 + the fraction rounded at d bits for a normal
             * lane (a carry into the next binade counted), to which exponent - lowest adds the
             * exponent above the least normal's: t rounded. For a lane below 2^e, `exponent` is
             * the least normal's and they are T = |x| 2^(23 - e) rounded at d bits, what the
             * sticky form gives once rounded (Boldo and Melquiond, see StochasticPlan): no lane is
             * taken apart, and the integer rounding below is skipped. */
            i32x16 field = (i32x16)(magnitude & 0x7F800000u);
            u32x16 exponent = (u32x16)__builtin_elementwise_max(field, (i32x16){0} + (int32_t)k->lowest);
            u32x16 addend = exponent + (s->round_bits << 23);
            u32x16 sum = (u32x16)((f32x16)magnitude + (f32x16)addend);
            t = ((sum - addend) << s->round_bits) + (exponent - k->lowest);
        } else {
            t = magnitude - k->rebias;
            i32x16 below = (i32x16)(magnitude - k->lowest) >> 31;
            if (any_negative(below)) {
                /* T = magnitude * 2^(23 - minExponent) (exact, below 2^23 in the lanes below; the min
                 * keeps the other lanes' conversion in range), truncated, with a sticky bit 0. */
                f32x16 y = (f32x16)__builtin_elementwise_min(magnitude, (u32x16){0} + k->lowest) * s->subnormal_multiplier;
                i32x16 whole = __builtin_convertvector(y, i32x16);
                if (form == subnormal_sticky) {
                    /* Under StochasticA and B the sticky bit changes no decision (StochasticPlan): floor(T). */
                    u32x16 sticky = s->round_bits ? (u32x16)(__builtin_convertvector(whole, f32x16) != y) & 1u : (u32x16){0};
                    t = (((u32x16)whole | sticky) & (u32x16)below) | (t & ~(u32x16)below);
                } else {
                    /* More random bits than the sticky form keeps: the decision from the fraction
                     * below the subnormal step, Y = nu 2^(N+1) (exact in float32 and in double), against
                     * the threshold wide_threshold - 2R (an integer below 2^34, exact in double).
                     * q << shift is at most `whole`, below 2^23: its signed conversion is exact (an
                     * unsigned one costs several instructions per register without AVX-512). Ties
                     * count only for even R when wide_ties_to_even (`parity` 1; 0 makes every R pass). */
                    u32x16 q = (u32x16)whole >> k->shift;
                    f32x16 fraction = y - __builtin_convertvector((i32x16)(q << k->shift), f32x16);
                    uint32_t parity = s->wide_ties_to_even ? 1u : 0u;
                    if (form == subnormal_wide32) {
                        /* N <= 23: the threshold minus 2R is an integer of 1 ... 2^24 and Y is below
                         * 2^(N+1) with the fraction's bits, both exact in float32: the same comparison in
                         * twice the lanes. */
                        f32x16 scaled = fraction * (float)s->wide_fraction_scale;
                        i32x16 limit_int = (i32x16)((u32x16){0} + (uint32_t)s->wide_threshold - (r << 1));
                        f32x16 limit = __builtin_convertvector(limit_int, f32x16);
                        i32x16 tie = (i32x16)(scaled == limit) & (i32x16)((r & parity) == 0);
                        i32x16 up = (i32x16)(scaled > limit) | tie;
                        wide_q = q - (u32x16)up;
                    } else {
                        f64x16 scaled = __builtin_convertvector(fraction, f64x16) * s->wide_fraction_scale;
                        f64x16 limit = s->wide_threshold - 2.0 * __builtin_convertvector(r, f64x16);
                        i64x16 tie = (i64x16)(scaled == limit) & __builtin_convertvector((r & parity) == 0, i64x16);
                        i64x16 up = (i64x16)(scaled > limit) | tie;
                        wide_q = q - __builtin_convertvector(up, u32x16);
                    }
                }
            }
            if (wide) wide_below = (u32x16)below;
        }
    } else {
        if (any_negative(out_of_range(k, b))) return 0;
        t = (b & 0x7FFFFFFFu) - k->rebias;
    }
    if (s->round_bits && !rounded_by_addition) {
        uint32_t d = s->round_bits, low = (1u << d) - 1;
        t = (t + (low >> 1) + ((t >> d) & 1)) & ~low;
    }
    u32x16 q = (t + ((r >> s->increment_right) << s->increment_left) + s->increment_add) >> k->shift;
    if (wide) q = (q & ~wide_below) | (wide_q & wide_below);
    u32x16 sign = ((b >> 31) << (31 - k->sign_shift)) & k->sign_mask_out;
    /* A zero code (only below the normal range) keeps the sign where the format has -0. */
    if (!k->zero_keeps_sign) sign &= (u32x16)((i32x16)((u32x16){0} - q) >> 31);
    u32x16 code = q | sign;
    u8x16 narrow = __builtin_convertvector(code, u8x16);
    __builtin_memcpy(out, &narrow, sizeof narrow);
    return 1;
}

static inline __attribute__((always_inline)) int stochastic16_form(const minifloat_float32_kernel *k, const minifloat_stochastic *s,
                                                                   u32x16 b, u32x16 r, uint8_t *out, int form) {
    return stochastic16_checked(k, s, b, r, out, form, 0);
}

static inline __attribute__((always_inline)) int stochastic16(const minifloat_float32_kernel *k, const minifloat_stochastic *s,
                                                              u32x16 b, u32x16 r, uint8_t *out) {
    return stochastic16_form(k, s, b, r, out, subnormal_form(s));
}

#endif
