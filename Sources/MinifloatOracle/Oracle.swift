import Minifloat
import Synchronization

/// The exact reference: decoding and rounding written as a plain transcription of the specs
/// (IEEE P3109 Interim Report v4.0 sections 3, 4.2, 4.7; OCP OFP8 v1.0; OCP MX v1.0), on GMP rationals.
///
/// It reads only a format's defining parameters (signedness, exponent and mantissa bits, bias,
/// special-value scheme, whether it has a zero) and shares no rounding code with the fast codec:
/// values are bracketed between adjacent representable values and compared with the exact
/// midpoint. It is written for obviousness, not speed.
public enum Oracle {
    // MARK: Decoding

    /// The fields of a code: sign bit, exponent field, mantissa field.
    static func fields(_ code: UInt32, _ f: Format) -> (sign: Bool, exponent: Int, mantissa: Int) {
        let c = Int(code)
        let sign = f.signedness == .signed && (c >> (f.exponentBits + f.mantissaBits)) & 1 == 1
        let exponent = (c >> f.mantissaBits) & ((1 << f.exponentBits) - 1)
        let mantissa = c & ((1 << f.mantissaBits) - 1)
        return (sign, exponent, mantissa)
    }

    /// Whether a code is NaN, +Inf or -Inf, from the format's special-value rules
    /// (docs/formats.md; P3109 v4.0 Annex B).
    static func special(_ code: UInt32, _ f: Format) -> ExactValue? {
        let (sign, exponent, mantissa) = fields(code, f)
        let k = f.bitWidth
        let allOnesExponent = exponent == (1 << f.exponentBits) - 1
        let allOnesMantissa = mantissa == (1 << f.mantissaBits) - 1
        switch f.specialValues {
        case .none:
            return nil
        case .ieee:
            // IEEE 754 section 3.4: the all-ones exponent holds infinities (trailing significand 0) and NaNs.
            if allOnesExponent { return mantissa == 0 ? .infinity(negative: sign) : .nan(negative: sign) }
        case .nanAtAllOnes:
            if allOnesExponent && allOnesMantissa { return .nan(negative: sign) }
        case .nanAtNegativeZero:
            if sign && exponent == 0 && mantissa == 0 { return .nan(negative: false) }  // the only NaN: no sign
        case .p3109Finite, .p3109Extended:
            let extended = f.specialValues == .p3109Extended
            if f.signedness == .signed {
                if code == 1 << (k - 1) { return .nan(negative: false) }  // the only NaN: no sign
                if extended && code == (1 << (k - 1)) - 1 { return .infinity(negative: false) }
                if extended && code == (1 << k) - 1 { return .infinity(negative: true) }
            } else {
                if code == (1 << k) - 1 { return .nan(negative: false) }
                if extended && code == (1 << k) - 2 { return .infinity(negative: false) }
            }
        }
        return nil
    }

    /// The exact value of a code.
    ///
    /// A finite code with exponent field e and mantissa field m means
    /// `(-1)^s * 2^(e - bias) * (1 + m / 2^M)` for e >= 1 (or always, in a format without zero),
    /// and `(-1)^s * 2^(1 - bias) * (m / 2^M)` for e = 0.
    /// - Precondition: `code < 2^bitWidth`.
    public static func decode(_ code: UInt32, in f: Format) -> ExactValue {
        precondition(UInt64(code) < f.codeCount, "code out of range")
        if let s = special(code, f) { return s }
        let (sign, exponent, mantissa) = fields(code, f)
        let fraction = Rational(mantissa, 1).timesPowerOfTwo(-f.mantissaBits)
        let magnitude: Rational
        if exponent == 0 && f.hasZero {
            magnitude = fraction.timesPowerOfTwo(1 - f.bias)
        } else {
            magnitude = (Rational(1) + fraction).timesPowerOfTwo(exponent - f.bias)
        }
        return .finite(negative: sign, magnitude: magnitude)
    }

    /// The class of a code (zero, subnormal, normal, infinity, nan), from its decoded value.
    public static func classify(_ code: UInt32, in f: Format) -> CodeClass {
        switch decode(code, in: f) {
        case .nan: return .nan
        case .infinity: return .infinity
        case .finite(_, let m):
            if m.sign == 0 { return .zero }
            return f.hasZero && m < smallestNormal(f) ? .subnormal : .normal
        }
    }

    // MARK: The representable range

    /// The smallest exponent of a normal number: `1 - bias`, or `-bias` without zero.
    static func minExponent(_ f: Format) -> Int { f.hasZero ? 1 - f.bias : -f.bias }

    static func smallestNormal(_ f: Format) -> Rational { Rational.powerOfTwo(minExponent(f)) }

    private static let largestFiniteCache = Mutex<[Format.Parameters: (Rational, UInt32)]>([:])

    /// The largest finite value Mhi and its code: the largest positive code that decodes to a finite
    /// number. (IEEE formats: every code with the all-ones exponent is special, so the search starts below.)
    public static func largestFinite(_ f: Format) -> (value: Rational, code: UInt32) {
        if let hit = largestFiniteCache.withLock({ $0[f.parameters] }) { return hit }
        let topPositive = (1 << (f.exponentBits + f.mantissaBits)) - 1
        var code = f.specialValues == .ieee ? (((1 << f.exponentBits) - 1) << f.mantissaBits) - 1 : topPositive
        while code >= 0 {
            if case .finite(_, let m) = decode(UInt32(code), in: f) {
                let result = (m, UInt32(code))
                largestFiniteCache.withLock { $0[f.parameters] = result }
                return result
            }
            code -= 1
        }
        fatalError("format \(f.name) has no finite positive code")
    }

    /// The least finite value Mlo: `-Mhi` for signed formats; 0, or the least power of two for a
    /// format without zero, for unsigned ones.
    public static func leastFinite(_ f: Format) -> Rational {
        if f.signedness == .signed { return -largestFinite(f).value }
        return f.hasZero ? Rational(0) : smallestNormal(f)
    }

    // MARK: From values to codes

    /// The code of a representable finite value (the exact inverse of ``decode(_:in:)``).
    /// Zero gives -0 when the sign is negative and the format has a distinct -0, else +0.
    static func code(negative: Bool, magnitude r: Rational, _ f: Format) -> UInt32 {
        let signBit = f.signedness == .signed ? 1 << (f.exponentBits + f.mantissaBits) : 0
        var magnitudeCode: Int
        if r.sign == 0 {
            precondition(f.hasZero)
            magnitudeCode = 0
        } else {
            let q = r.floorLog2
            if f.hasZero && q < minExponent(f) {
                // Subnormal: exponent field 0, mantissa r / 2^(emin - M).
                magnitudeCode = Int(r.timesPowerOfTwo(f.mantissaBits - minExponent(f)).uint64!)
            } else {
                let field = q + f.bias
                let mantissa = (r.timesPowerOfTwo(-q) - Rational(1)).timesPowerOfTwo(f.mantissaBits)
                magnitudeCode = field << f.mantissaBits | Int(mantissa.uint64!)
            }
        }
        var result = magnitudeCode
        if negative && signBit != 0 {
            // A signed zero exists only where decoding the sign-bit-only code gives -0.
            if r.sign != 0 || decode(UInt32(signBit), in: f) == .finite(negative: true, magnitude: Rational(0)) {
                result |= signBit
            }
        }
        let c = UInt32(result)
        if r.sign != 0 { precondition(decode(c, in: f) == .finite(negative: negative, magnitude: r), "oracle inverse") }
        return c
    }

    /// The NaN a NaN input becomes: IEEE formats, the quiet NaN (top mantissa bit set) of the
    /// input's sign; "fn" formats, all ones with the input's sign; formats with one NaN, that NaN;
    /// formats with no NaN, the negative-zero code (or zero) — Minifloat's documented choice.
    public static func nanCode(_ f: Format, negative: Bool) -> UInt32 {
        let e = f.exponentBits, m = f.mantissaBits, k = f.bitWidth
        let signBit = f.signedness == .signed && negative ? 1 << (e + m) : 0
        switch f.specialValues {
        case .ieee: return UInt32(signBit | ((1 << e) - 1) << m | 1 << (m - 1))
        case .nanAtAllOnes: return UInt32(signBit | ((1 << (e + m)) - 1))
        case .nanAtNegativeZero: return UInt32(1 << (k - 1))
        case .p3109Finite, .p3109Extended: return UInt32(f.signedness == .signed ? 1 << (k - 1) : (1 << k) - 1)
        case .none: return code(negative: true, magnitude: Rational(0), f)
        }
    }

    /// The code of the infinity of this sign, if the format has it.
    public static func infinityCode(_ f: Format, negative: Bool) -> UInt32? {
        for c in candidateInfinityCodes(f) where decode(c, in: f) == .infinity(negative: negative) { return c }
        return nil
    }

    private static func candidateInfinityCodes(_ f: Format) -> [UInt32] {
        let k = f.bitWidth, e = f.exponentBits, m = f.mantissaBits
        switch f.specialValues {
        case .ieee: return [UInt32(((1 << e) - 1) << m), UInt32(1 << (e + m) | ((1 << e) - 1) << m)]
        case .p3109Extended: return [UInt32((1 << (k - 1)) - 1), UInt32((1 << k) - 1), UInt32((1 << k) - 2)]
        default: return []
        }
    }

    // MARK: Rounding

    /// Rounds an exact value to a code of `f` (P3109 v4.0 section 4.7: round, then saturate).
    public static func round(_ x: ExactValue, to f: Format, rounding: RoundingMode,
                             saturation: SaturationMode) -> UInt32 {
        Bracket(x, f).code(rounding: rounding, saturation: saturation)
    }

    /// The exact value the rounding gives.
    public static func roundedValue(_ x: ExactValue, to f: Format, rounding: RoundingMode,
                                    saturation: SaturationMode) -> ExactValue {
        decode(round(x, to: f, rounding: rounding, saturation: saturation), in: f)
    }
}
