extension Format {
    /// Encodes the exact quotient `x / d`, rounded once (never through a Double quotient), with the
    /// edge rules of ``encode(_:rounding:saturation:)-(Double,_,_)``: NaN gives the NaN code (or the
    /// negative-zero code in a format without NaN), +-Inf is handled by `saturation`, +-0 gives the
    /// zero of its sign.
    ///
    /// Block formats divide each element by its block's scale with this (NVFP4's scales are not
    /// powers of two), and compute E8M0 and UE4M3 scales from `amax / largest element`.
    ///
    /// Method: with `x = X * 2^a` and `d = D * 2^b` (integers X, D < 2^53), the integer
    /// `T = floor(X * 2^s / D)` is taken with 62 or 63 significant bits, and `2T + sticky` (sticky = 1
    /// when the division left a remainder) at exponent `a - b - s - 1` is rounded. It lies on the
    /// same side of every grid point, midpoint and stochastic threshold as `x / d` whenever the
    /// format's precision plus the random bits plus 1 is at most 62, which the precondition ensures.
    /// - Precondition: `d` is finite and positive; `mantissaBits + rounding.randomBits <= 57`.
    package func encode(_ x: Double, dividedBy d: Double, rounding: RoundingMode,
                        saturation: SaturationMode) -> UInt32 {
        precondition(d.isFinite && d > 0, "the divisor must be finite and positive")
        precondition(mantissaBits + rounding.randomBits <= 57, "too many bits for an exact quotient")
        if !x.isFinite || x == 0 { return encode(x, rounding: rounding, saturation: saturation) }
        let (X, a) = Format.integerParts(x)
        let (D, b) = Format.integerParts(d)
        let lx = 64 - X.leadingZeroBitCount
        let ld = 64 - D.leadingZeroBitCount
        // X * 2^s / D lies in [2^(lx - 1 + s - ld), 2^(lx + s - ld + 1)) = [2^61, 2^63) for this s.
        let s = 62 - lx + ld
        let high: UInt64 = s >= 64 ? X << UInt64(s - 64) : (s == 0 ? 0 : X >> UInt64(64 - s))
        let low: UInt64 = s >= 64 ? 0 : X << UInt64(s)
        let (t, remainder) = D.dividingFullWidth((high: high, low: low))
        return encode(negative: x < 0, significand: t << 1 | (remainder != 0 ? 1 : 0), exponent: a - b - s - 1,
                      rounding: rounding, saturation: saturation)
    }

    /// `|x| = significand * 2^exponent` for a finite nonzero Double (subnormals included).
    static func integerParts(_ x: Double) -> (significand: UInt64, exponent: Int) {
        let bits = x.bitPattern
        let field = Int(bits >> 52) & 0x7FF
        let fraction = bits & 0x000F_FFFF_FFFF_FFFF
        return field == 0 ? (fraction, -1074) : (fraction | 1 << 52, field - 1075)
    }
}
