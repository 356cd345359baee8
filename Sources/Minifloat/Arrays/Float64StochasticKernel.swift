internal import CMinifloatKernels

/// Stochastic rounding (P3109 v4.0 section 4.2) of float64 inputs to a format of at most 8 bits,
/// with any number of random bits, in C (`minifloat_encode_float64_stochastic`): the float32
/// kernel's steps (``Float32NormalKernel/StochasticPlan``) in 64-bit lanes.
///
/// A float64 input's magnitude at or above the least normal value `2^e` re-biased,
/// `t = |bits| - (1023 + e - 1) 2^52`, holds the format's exponent field above 52 fraction bits,
/// so `q = t >> s` (`s = 52 - M`) is the code of round toward zero and the fraction `nu` has
/// `s` bits. Below `2^e`, `t` is `|x| / 2^(e - 52)` (the input in units of `2^-s` subnormal steps),
/// truncated, with bit 0 set when anything was cut off (rounded to odd). With `N <= s - 2` random
/// bits (`M + N <= 50`: every format here with N <= 32) each variant is "add an increment, shift
/// right by `s`" as in the float32 kernel's `N < s` case: StochasticA adds `R 2^(s-N)`,
/// StochasticB that plus `2^(s-N-1)`, StochasticC first rounds `t` to nearest, ties to even, at
/// `s - N` bits and then adds `R 2^(s-N)`; the sticky bit changes no decision (those steps read
/// bits at and above `s - N - 1 >= 1`, and rounding a value rounded to odd at two or more bits
/// above its last bit is rounding the value itself: Boldo and Melquiond, IEEE TC 57(4), 2008).
/// Inputs above the largest finite value (Inf, NaN, overflow; and negative inputs of an unsigned
/// format) are left to the caller; rounding up from the largest subnormal gives the least normal
/// code, and nothing at or below the largest finite value rounds beyond it (its fraction is 0).
struct Float64StochasticKernel {
    let constants: minifloat_float64_stochastic_kernel

    init?(_ format: Format, rounding: RoundingMode) {
        guard rounding.isStochastic else { return nil }
        let m = format.mantissaBits, e = format.minExponent, n = rounding.randomBits
        guard format.hasZero, format.bitWidth <= 8, format.exponentBits >= 1, m + n <= 50, e >= -1022,
              format.maxFiniteExponent <= 1023 else { return nil }
        let variant = rounding.stochasticVariant.0
        let s = 52 - m
        let largest = format.decode(format.maxFiniteMagnitude).bitPattern
        constants = minifloat_float64_stochastic_kernel(
            rebias: UInt64(1023 + e - 1) << 52, lowest: UInt64(1023 + e) << 52, largest: largest,
            abs_mask: format.signedness == .signed ? 0x7FFF_FFFF_FFFF_FFFF : ~0,
            increment_add: variant == 1 ? 1 << UInt64(s - n - 1) : 0, exponent_limit: UInt64(1023 + e),
            shift: UInt32(s), increment_left: UInt32(s - n), round_bits: variant == 2 ? UInt32(s - n) : 0,
            sign_position: UInt32(format.exponentBits + m), sign_mask_out: format.signMask,
            zero_keeps_sign: format.hasNegativeZero ? 1 : 0)
    }
}
