/* The float32 normal-range kernel of Float32NormalKernel.swift in clang's vector extensions, shared
 * by the C files that encode float32 to 8-bit codes (compiled into each caller for its target
 * attributes; see CMinifloatKernels.h for the constants). Private to this target. */
#ifndef MINIFLOAT_FLOAT32_GROUP_H
#define MINIFLOAT_FLOAT32_GROUP_H

#include "CMinifloatKernels.h"
#include "Prefetch.h"

/* Every function here and in its callers' files that takes or returns a vector is always inlined
 * into one function with the target attributes, so no vector crosses a call and the warning that
 * such a call's ABI depends on the target does not apply. */
#pragma clang diagnostic ignored "-Wpsabi"

typedef uint32_t u32x16 __attribute__((vector_size(64)));
typedef int32_t i32x16 __attribute__((vector_size(64)));
typedef float f32x16 __attribute__((vector_size(64)));
typedef uint8_t u8x16 __attribute__((vector_size(16)));

static inline __attribute__((always_inline)) uint8_t look_up(const uint32_t *table, uint32_t bits) {
    uint32_t entry = table[bits >> 16];
    return (uint8_t)((bits & 0xFFFF) >= (entry >> 16) ? entry >> 8 : entry);
}

typedef _Bool bool16 __attribute__((ext_vector_type(16)));

/* Whether any lane of v is negative (one mask move and test where the unit has them, rather than
 * a tree of shuffles). */
static inline __attribute__((always_inline)) int any_negative(i32x16 v) {
    bool16 negative = __builtin_convertvector(v < 0, bool16);
    uint16_t bits;
    __builtin_memcpy(&bits, &negative, sizeof bits);
    return bits != 0;
}

/* Negative in the lanes whose input (float32 bits b) is outside the kernel's range: a < range_start
 * (the offset wraps) or offset > span. */
static inline __attribute__((always_inline)) i32x16 out_of_range(const minifloat_float32_kernel *k, u32x16 b) {
    u32x16 offset = (b & k->abs_mask) - k->range_start;
    return (i32x16)(offset | ((u32x16){0} + k->span - offset));
}

/* The rule the loops are specialised for: k->rule (0 rne ... 5 rto), or 6 for round to nearest
 * even with the subnormal range by addition (rne_by_addition below) when the kernel has the
 * subnormal range, M >= 1 (with M = 0 a tie's even code is not the even significand: 0.75 lies
 * between 0.5 and 1, whose codes in E3M0 are 2 and 3, and the addition gives 1) and the addition
 * cannot overflow (the largest biased exponent in range plus 23 - M at most 253). */
enum { rule_rne_by_addition = 6 };

static inline __attribute__((always_inline)) int kernel_rule(const minifloat_float32_kernel *k) {
    if (k->rule == 0 && k->subnormal && k->shift <= 22 && ((k->range_start + k->span) >> 23) + k->shift <= 253)
        return rule_rne_by_addition;
    return k->rule;
}

/* Round to nearest even of magnitudes a (float32 bits, 0 <= a <= the largest finite value) to
 * magnitude codes, normal and subnormal alike, by one float32 addition in the hardware's default
 * mode (round to nearest, ties to even): e = max(a's exponent field, the least normal's) (as bits),
 * bias = e + (23 - M) << 23, a float32 whose ulp is the format's ulp at a (2^(E - M), E = a's
 * exponent or the least normal's); a + bias rounds a to a multiple of that ulp once (a tie to the
 * even multiple: with M >= 1 the even code), and its bits minus bias's are round(a / ulp)
 * (counting the implicit bit of a normal a; a carry into the next binade is counted too), to
 * which (e - lowest) >> (23 - M) adds the exponent field above the least normal's. */
static inline __attribute__((always_inline)) u32x16 rne_by_addition(const minifloat_float32_kernel *k, u32x16 a) {
    u32x16 e = __builtin_elementwise_max(a & 0x7F800000u, (u32x16){0} + k->lowest);
    u32x16 bias = e + (k->shift << 23);
    u32x16 sum = (u32x16)((f32x16)a + (f32x16)bias);
    return (sum - bias) + ((e - k->lowest) >> k->shift);
}

/* The codes of 16 inputs (float32 bits b) inside the kernel's range to out[0..<16]. `rule` is a
 * constant in each caller (kernel_rule), so each caller's loop is specialised. */
static inline __attribute__((always_inline)) void encode16(const minifloat_float32_kernel *k, u32x16 b, uint8_t *out, int rule) {
    u32x16 t = (b & 0x7FFFFFFFu) - k->rebias;
    uint32_t s = k->shift, low = (1u << s) - 1;
    u32x16 q;
    u32x16 negative = (u32x16)((i32x16)b >> 31);
    switch (rule) {
    case 0: {
        q = (t + (low >> 1) + ((t >> s) & 1)) >> s;
        if (k->subnormal) {
            /* Below the least normal: the subnormal code, blended in (no test and branch). */
            u32x16 a = b & k->abs_mask;
            u32x16 below = (u32x16)((i32x16)(a - k->lowest) >> 31);
            f32x16 y = (f32x16)a * k->subnormal_scale;
            u32x16 z = (u32x16)(y + 0x1p23f) - 0x4B000000u;
            q = (q & ~below) | (z & below);
        }
        break;
    }
    case rule_rne_by_addition: q = rne_by_addition(k, b & 0x7FFFFFFFu); break;
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
}

/* One group of 16 (float32 bits b) to out[0..<16]; false when an input is outside the kernel's
 * range (nothing is written then). */
static inline __attribute__((always_inline)) int group_of(const minifloat_float32_kernel *k, u32x16 b, uint8_t *out,
                                                          int rule) {
    if (any_negative(out_of_range(k, b))) return 0;
    encode16(k, b, out, rule);
    return 1;
}

static inline __attribute__((always_inline)) u32x16 load16(const uint32_t *in) {
    u32x16 b;
    __builtin_memcpy(&b, in, sizeof b);
    return b;
}

static inline __attribute__((always_inline)) int group(const minifloat_float32_kernel *k, const uint32_t *in, uint8_t *out,
                                                       int rule) {
    return group_of(k, load16(in), out, rule);
}

#endif
