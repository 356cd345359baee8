extension Format {
    /// The grid this format rounds onto.
    var grid: Grid {
        Grid(mantissaBits: mantissaBits, minExponent: minExponent, hasZero: hasZero,
             maxFiniteMagnitude: UInt64(maxFiniteMagnitude))
    }

    /// Encodes a Double: rounds its exact value once onto this format (never through Float), then
    /// applies the saturation mode.
    ///
    /// - NaN gives ``nanCode(negative:)`` (the input's sign kept where the format has signed NaNs);
    ///   a format without NaN gives ``nanReplacementCode`` (the negative-zero code).
    /// - +-0 gives the zero of that sign (+0 when there is no -0); a format without zero (E8M0) gives
    ///   its least value, as does every positive value below it, in every mode.
    /// - A nonzero value is rounded by `rounding` on the format's grid extended upward; a result
    ///   beyond the largest finite value, or an infinite input, is then handled by `saturation`
    ///   (see ``SaturationMode``), as is a negative value that does not round to zero in an
    ///   unsigned format.
    ///
    /// Semantics: IEEE P3109 Interim Report v4.0 sections 4.2, 4.7.4-4.7.5; OCP OFP8 v1.0.
    /// - Precondition: a stochastic `rounding` is valid (``RoundingMode/isValid``).
    public func encode(_ x: Double, rounding: RoundingMode = .nearestTiesToEven,
                       saturation: SaturationMode = .satNone) -> UInt32 {
        precondition(rounding.isValid, "stochastic rounding needs 1...32 random bits and random < 2^bits")
        let bits = x.bitPattern
        let negative = bits >> 63 != 0
        let exponentField = Int(bits >> 52) & 0x7FF
        let fraction = bits & 0x000F_FFFF_FFFF_FFFF
        if exponentField == 0x7FF {
            return fraction != 0 ? nanCode(negative: negative) : encodeInfinity(negative: negative, saturation)
        }
        if exponentField == 0 && fraction == 0 { return encodeZero(negative: negative) }
        let significand = exponentField == 0 ? fraction : fraction | 1 << 52
        let exponent = (exponentField == 0 ? 1 : exponentField) - 1075
        return encode(negative: negative, significand: significand, exponent: exponent,
                      rounding: rounding, saturation: saturation)
    }

    /// Encodes a Float; the same as encoding `Double(x)`, which is exact. See ``encode(_:rounding:saturation:)-(Double,_,_)``.
    public func encode(_ x: Float, rounding: RoundingMode = .nearestTiesToEven,
                       saturation: SaturationMode = .satNone) -> UInt32 {
        encode(Double(x), rounding: rounding, saturation: saturation)
    }

    #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
    /// Encodes a Float16; the same as encoding `Double(x)`, which is exact.
    public func encode(_ x: Float16, rounding: RoundingMode = .nearestTiesToEven,
                       saturation: SaturationMode = .satNone) -> UInt32 {
        encode(Double(x), rounding: rounding, saturation: saturation)
    }
    #endif

    /// Encodes a bfloat16; the same as encoding its exact value as a Double.
    public func encode(_ x: BFloat16, rounding: RoundingMode = .nearestTiesToEven,
                       saturation: SaturationMode = .satNone) -> UInt32 {
        encode(Double(Float(x)), rounding: rounding, saturation: saturation)
    }

    /// Encodes `(-1)^negative * significand * 2^exponent` (significand > 0).
    func encode(negative: Bool, significand: UInt64, exponent: Int,
                rounding: RoundingMode, saturation: SaturationMode) -> UInt32 {
        switch grid.round(negative: negative, significand: significand, exponent: exponent, rounding: rounding) {
        case .overflow:
            return encodeOverflow(negative: negative, rounding: rounding, saturation: saturation)
        case .magnitude(let m):
            let magnitude = UInt32(m)
            if !negative { return magnitude }
            if signedness == .unsigned {
                // A negative value that rounded to zero is zero; anything else is below the range.
                return magnitude == 0 && hasZero ? 0 : encodeBelowUnsignedRange(saturation)
            }
            return magnitude == 0 ? zeroCode(negative: true)! : signMask | magnitude
        }
    }

    func encodeZero(negative: Bool) -> UInt32 { zeroCode(negative: negative) ?? 0 }

    /// A negative value, or -Inf, in an unsigned format: NaN under SatNone (when there is a NaN),
    /// otherwise the least value, code 0.
    func encodeBelowUnsignedRange(_ saturation: SaturationMode) -> UInt32 {
        saturation == .satNone && hasNaN ? nanCode() : 0
    }

    func encodeInfinity(negative: Bool, _ saturation: SaturationMode) -> UInt32 {
        if negative && signedness == .unsigned { return encodeBelowUnsignedRange(saturation) }
        switch saturation {
        case .satFinite: return maxFiniteCode(negative: negative)
        case .satPropagate: return infinityCode(negative: negative) ?? maxFiniteCode(negative: negative)
        case .satNone:
            if let infinity = infinityCode(negative: negative) { return infinity }
            return nonSaturatingOverflowIsNaN ? nanCode(negative: negative) : maxFiniteCode(negative: negative)
        }
    }

    func encodeOverflow(negative: Bool, rounding: RoundingMode, saturation: SaturationMode) -> UInt32 {
        if negative && signedness == .unsigned { return encodeBelowUnsignedRange(saturation) }
        guard saturation == .satNone else { return maxFiniteCode(negative: negative) }
        if rounding.pointsTowardZero(negative: negative) { return maxFiniteCode(negative: negative) }
        if rounding == .toOdd && specialValues == .p3109Extended && signedness == .unsigned {
            return maxFiniteCode()
        }
        if let infinity = infinityCode(negative: negative) { return infinity }
        return nonSaturatingOverflowIsNaN ? nanCode(negative: negative) : maxFiniteCode(negative: negative)
    }

    /// Rounds `x` to the nearest representable value and back: `decode(encode(x, rounding:saturation:))`.
    public func quantize(_ x: Double, rounding: RoundingMode = .nearestTiesToEven,
                         saturation: SaturationMode = .satNone) -> Double {
        decode(encode(x, rounding: rounding, saturation: saturation))
    }

    /// Encodes every element; the same as calling ``encode(_:rounding:saturation:)-(Double,_,_)`` on each.
    public func encode(_ xs: [Double], rounding: RoundingMode = .nearestTiesToEven,
                       saturation: SaturationMode = .satNone) -> [UInt32] {
        xs.map { encode($0, rounding: rounding, saturation: saturation) }
    }

    /// Encodes every element; the same as calling ``encode(_:rounding:saturation:)-(Float,_,_)`` on each.
    public func encode(_ xs: [Float], rounding: RoundingMode = .nearestTiesToEven,
                       saturation: SaturationMode = .satNone) -> [UInt32] {
        xs.map { encode($0, rounding: rounding, saturation: saturation) }
    }

    /// Decodes every code; the same as calling ``decode(_:)`` on each.
    public func decode(_ codes: [UInt32]) -> [Double] { codes.map { decode($0) } }
}
