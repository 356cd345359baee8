extension Format {
    /// The exact value of a finite code as `(-1)^negative * significand * 2^exponent`, or `nil`
    /// for NaN and infinity. Zero gives significand 0.
    public func finiteValue(_ code: UInt32) -> (negative: Bool, significand: UInt64, exponent: Int)? {
        let cls = classify(code)
        if cls == .nan || cls == .infinity { return nil }
        let negative = code & signMask != 0
        let magnitude = code & magnitudeMask
        let field = Int(magnitude >> UInt32(mantissaBits))
        let mantissa = UInt64(magnitude & mantissaMask)
        if hasZero && field == 0 {
            return (negative, mantissa, minExponent - mantissaBits)
        }
        let exponent = field - bias
        return (negative, mantissa | 1 << UInt64(mantissaBits), exponent - mantissaBits)
    }

    /// Decodes a code to a Double: exact whenever the value is a Double (every format of up to 16
    /// bits whose exponent range fits, all catalog formats but some P3109 16-bit ones); otherwise
    /// rounded to nearest, ties to even, with overflow to +-Inf. NaN codes give a NaN with the code's
    /// sign; -0 gives -0.0.
    /// - Precondition: `isValidCode(code)`.
    public func decode(_ code: UInt32) -> Double {
        let bits = decodedBits(code, grid: .binary64, mantissaBits: 52, infinity: 0x7FF0_0000_0000_0000,
                               nan: 0x7FF8_0000_0000_0000, signShift: 63)
        return Double(bitPattern: bits)
    }

    /// Decodes a code to a Float, rounding once (to nearest, ties to even) when the value is not a
    /// Float. Same edge behaviour as ``decode(_:)``.
    public func decode(_ code: UInt32, as _: Float.Type) -> Float {
        let bits = decodedBits(code, grid: .binary32, mantissaBits: 23, infinity: 0x7F80_0000,
                               nan: 0x7FC0_0000, signShift: 31)
        return Float(bitPattern: UInt32(bits))
    }

    private func decodedBits(_ code: UInt32, grid: Grid, mantissaBits: Int, infinity: UInt64, nan: UInt64,
                             signShift: UInt64) -> UInt64 {
        let sign: UInt64 = code & signMask != 0 ? 1 << signShift : 0
        switch classify(code) {
        case .nan: return sign | nan
        case .infinity: return sign | infinity
        default: break
        }
        let (_, significand, exponent) = finiteValue(code)!
        if significand == 0 { return sign }
        switch grid.round(negative: sign != 0, significand: significand, exponent: exponent,
                          rounding: .nearestTiesToEven) {
        case .overflow: return sign | infinity
        case .magnitude(let m): return sign | m
        }
    }
}
