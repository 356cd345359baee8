/// A vectorised path for the common case of float32 to a format of at most 8 bits: inputs whose
/// magnitude lies between the format's least normal value and its largest finite value. There a
/// code is the input's bits re-biased and shifted right by `23 - M` with the mode's rounding
/// increment, as in any float-to-float conversion; 16 inputs are done at a time, and a group with
/// any input outside that range (zero, subnormal, overflow, Inf, NaN, or a negative input of an
/// unsigned format) goes to the lookup table instead. Only integer operations are used, so the
/// baseline x86-64 (SSE2) and AArch64 instruction sets both vectorise it.
struct Float32NormalKernel {
    typealias U = SIMD16<UInt32>
    typealias I = SIMD16<Int32>

    let shift: UInt32
    let rebias: UInt32
    let lowest: UInt32
    let span: UInt32
    let absMask: UInt32
    let signShift: UInt32
    let signMaskOut: UInt32
    let rule: Rule

    enum Rule { case rne, rna, rtz, rtp, rtn, rto }

    init?(_ format: Format, rounding: RoundingMode) {
        let m = format.mantissaBits
        let lowestExponent = format.minExponent + 127  // biased float32 exponent of the least normal
        guard format.hasZero, format.bitWidth <= 8, m <= 22, lowestExponent >= 1,
              format.maxFiniteExponent <= 127, format.exponentBits >= 1 else { return nil }
        switch rounding {
        case .nearestTiesToEven: rule = .rne
        case .nearestTiesToAway: rule = .rna
        case .towardZero: rule = .rtz
        case .towardPositive: rule = .rtp
        case .towardNegative: rule = .rtn
        case .toOdd: rule = .rto
        default: return nil
        }
        shift = UInt32(23 - m)
        // bits - rebias puts the format's exponent field (biased) just above the float32 mantissa.
        rebias = UInt32(lowestExponent - 1) << 23
        lowest = UInt32(lowestExponent) << 23
        let largest = Float(format.decode(format.maxFiniteMagnitude)).bitPattern
        span = largest - lowest
        // Unsigned formats: the sign bit is kept in the range check, so negative inputs fall back.
        absMask = format.signedness == .signed ? 0x7FFF_FFFF : 0xFFFF_FFFF
        signShift = UInt32(31 - format.exponentBits - m)
        signMaskOut = format.signMask
    }

    /// Encodes the 16 inputs at `input` to `output[0..<16]`, or returns false if any is outside
    /// the range (the caller then encodes the group another way).
    @inline(__always)
    func encodeGroup<Code: FixedWidthInteger>(_ input: UnsafeRawPointer, _ output: UnsafeMutablePointer<Code>) -> Bool {
        let b = input.loadUnaligned(as: U.self)
        let a = b & U(repeating: absMask)
        let offset = a &- U(repeating: lowest)
        // Out of range when a < lowest (offset negative) or offset > span.
        let bad = unsafeBitCast(offset | (U(repeating: span) &- offset), to: I.self) &>> I(repeating: 31)
        // An OR-reduction by halves (a whole-vector != would be compared lane by lane).
        let bad8 = bad.lowHalf | bad.highHalf
        let bad4 = bad8.lowHalf | bad8.highHalf
        let bad2 = bad4.lowHalf | bad4.highHalf
        if bad2[0] | bad2[1] != 0 { return false }
        let t = (b & U(repeating: 0x7FFF_FFFF)) &- U(repeating: rebias)
        let s = U(repeating: shift)
        let one = U(repeating: 1)
        let low = (one &<< s) &- one
        var q: U
        switch rule {
        case .rtz:
            q = t &>> s
        case .rne:
            q = (t &+ (low &>> one) &+ ((t &>> s) & one)) &>> s
        case .rna:
            q = (t &+ (one &<< (s &- one))) &>> s
        case .rtp:
            let negative = unsafeBitCast(unsafeBitCast(b, to: I.self) &>> I(repeating: 31), to: U.self)
            q = (t &+ (low & ~negative)) &>> s
        case .rtn:
            let negative = unsafeBitCast(unsafeBitCast(b, to: I.self) &>> I(repeating: 31), to: U.self)
            q = (t &+ (low & negative)) &>> s
        case .rto:
            q = (t &>> s) | (((t & low) &+ U(repeating: 0x7FFF_FFFF)) &>> U(repeating: 31))
        }
        let sign = (b &>> U(repeating: 31)) &<< U(repeating: 31 - signShift)
        let code = q | (sign & U(repeating: signMaskOut))
        let raw = UnsafeMutableRawPointer(output)
        switch Code.bitWidth {
        case 8: raw.storeBytes(of: SIMD16<UInt8>(truncatingIfNeeded: code), as: SIMD16<UInt8>.self)
        case 16: raw.storeBytes(of: SIMD16<UInt16>(truncatingIfNeeded: code), as: SIMD16<UInt16>.self)
        case 32: raw.storeBytes(of: code, as: U.self)
        default: for k in 0..<16 { output[k] = Code(truncatingIfNeeded: code[k]) }
        }
        return true
    }
}
