/// The class of a code: what kind of datum it holds.
public enum CodeClass: String, Sendable, Hashable, CaseIterable {
    case zero, subnormal, normal, infinity, nan

    /// The name printed in reports: `zero`, `subnormal`, `normal`, `inf`, `nan`.
    public var shortName: String { self == .infinity ? "inf" : rawValue }
}

extension Format {
    /// A code in hex, zero-padded to the bytes that hold it (codes are stored one per byte, or
    /// two bytes for a 9- to 16-bit format): `0x7e` (E4M3), `0x07` (E2M1, as in a `.npy` of its
    /// codes and in the block commands), `0x01ff` (a 9- to 16-bit format).
    public func hexCode(_ code: UInt32) -> String {
        let digits = bitWidth <= 8 ? 2 : (bitWidth + 7) / 8 * 2
        let s = String(code, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, digits - s.count)) + s
    }

    /// Total width of a code in bits: sign (if any) + ``exponentBits`` + ``mantissaBits``.
    public var bitWidth: Int { (signedness == .signed ? 1 : 0) + exponentBits + mantissaBits }

    /// Number of codes, `2^bitWidth`.
    public var codeCount: UInt64 { 1 << UInt64(bitWidth) }

    /// The largest code, `2^bitWidth - 1`.
    public var maxCode: UInt32 { UInt32(truncatingIfNeeded: codeCount - 1) }

    /// The sign bit's mask, or 0 for unsigned formats.
    public var signMask: UInt32 { signedness == .signed ? 1 << UInt32(exponentBits + mantissaBits) : 0 }

    /// The mask of the exponent and mantissa fields.
    public var magnitudeMask: UInt32 { UInt32(truncatingIfNeeded: (1 << UInt64(exponentBits + mantissaBits)) - 1) }

    var mantissaMask: UInt32 { UInt32(truncatingIfNeeded: (1 << UInt64(mantissaBits)) - 1) }
    var exponentFieldMax: Int { (1 << exponentBits) - 1 }

    /// The exponent of the lowest binade: `1 - bias`, or `-bias` when the format has no zero
    /// (there exponent field 0 is itself a normal binade).
    public var minExponent: Int { hasZero ? 1 - bias : -bias }

    /// The magnitude bits of the largest finite positive code.
    public var maxFiniteMagnitude: UInt32 {
        let top = magnitudeMask
        switch specialValues {
        case .none, .nanAtNegativeZero: return top
        case .nanAtAllOnes: return top - 1
        case .ieee: return UInt32(exponentFieldMax - 1) << UInt32(mantissaBits) | mantissaMask
        case .p3109Finite: return signedness == .signed ? top : top - 1
        case .p3109Extended: return signedness == .signed ? top - 1 : top - 2
        }
    }

    /// Whether `code` is a code of this format (`code <= maxCode`).
    public func isValidCode(_ code: UInt32) -> Bool { UInt64(code) < codeCount }

    /// The class of a code. Codes above ``maxCode`` are a programming error; check with ``isValidCode(_:)``.
    public func classify(_ code: UInt32) -> CodeClass {
        precondition(isValidCode(code), "code \(code) is out of range for \(name)")
        let negative = code & signMask != 0
        let magnitude = code & magnitudeMask
        switch specialValues {
        case .ieee:
            if Int(magnitude >> UInt32(mantissaBits)) == exponentFieldMax {
                return magnitude & mantissaMask == 0 ? .infinity : .nan
            }
        case .nanAtAllOnes:
            if magnitude == magnitudeMask { return .nan }
        case .nanAtNegativeZero:
            if negative && magnitude == 0 { return .nan }
        case .p3109Finite, .p3109Extended:
            if signedness == .signed {
                if negative && magnitude == 0 { return .nan }
                if specialValues == .p3109Extended && magnitude == magnitudeMask { return .infinity }
            } else {
                if code == maxCode { return .nan }
                if specialValues == .p3109Extended && code == maxCode - 1 { return .infinity }
            }
        case .none:
            break
        }
        if !hasZero { return .normal }
        if magnitude >> UInt32(mantissaBits) == 0 { return magnitude == 0 ? .zero : .subnormal }
        return .normal
    }

    /// The code NaN inputs encode to, with `negative` the input's sign: IEEE formats give the quiet
    /// NaN (top mantissa bit set) with the input's sign, "fn" formats the all-ones code with the
    /// input's sign, single-NaN formats their NaN. Formats without NaN: see ``nanReplacementCode``.
    public func nanCode(negative: Bool = false) -> UInt32 {
        let sign = negative ? signMask : 0
        switch specialValues {
        case .ieee:
            return sign | UInt32(exponentFieldMax) << UInt32(mantissaBits) | 1 << UInt32(mantissaBits - 1)
        case .nanAtAllOnes: return sign | magnitudeMask
        case .nanAtNegativeZero: return signMask
        case .p3109Finite, .p3109Extended: return signedness == .signed ? signMask : maxCode
        case .none: return nanReplacementCode
        }
    }

    /// **Implementation-specific choice.** A format without NaN (FP4, FP6, LLM-FP4's EeMm) has no
    /// right answer for a NaN input; Minifloat encodes it as the negative-zero code (unsigned: zero),
    /// as ml_dtypes does. gfloat raises an error instead. Check ``hasNaN`` to treat NaN yourself.
    public var nanReplacementCode: UInt32 { hasNegativeZero ? signMask : 0 }

    /// The code of +Inf (or -Inf), if the format has one.
    public func infinityCode(negative: Bool = false) -> UInt32? {
        switch specialValues {
        case .ieee:
            return (negative ? signMask : 0) | UInt32(exponentFieldMax) << UInt32(mantissaBits)
        case .p3109Extended:
            if signedness == .signed { return negative ? maxCode : magnitudeMask }
            return negative ? nil : maxCode - 1
        default: return nil
        }
    }

    /// The code of the largest finite value (negative: of the most negative finite value, which for
    /// unsigned formats is the least value, code 0).
    public func maxFiniteCode(negative: Bool = false) -> UInt32 {
        if negative { return signedness == .signed ? signMask | maxFiniteMagnitude : 0 }
        return maxFiniteMagnitude
    }

    /// The code of zero with the given sign: -0 when the format has one, else +0. `nil` when the
    /// format has no zero (E8M0).
    public func zeroCode(negative: Bool = false) -> UInt32? {
        guard hasZero else { return nil }
        return negative && hasNegativeZero ? signMask : 0
    }

    /// Whether encoding gives this code for some finite or infinite input: every code except
    /// non-canonical NaNs (IEEE NaNs other than the quiet one per sign).
    public func isCanonical(_ code: UInt32) -> Bool {
        guard classify(code) == .nan else { return true }
        return code == nanCode(negative: false) || code == nanCode(negative: true)
    }
}
