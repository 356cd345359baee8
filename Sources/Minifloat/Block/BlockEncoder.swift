/// The per-block steps of block encoding and decoding, in exact arithmetic: the scale code from
/// `amax`, each element from `x / scale` (rounded once), and values back.
struct BlockEncoder {
    let format: BlockFormat
    let encoding: BlockEncoding
    /// The per-tensor scale (1 for MX).
    let tensorScale: Double
    /// `amax` is divided by this before rounding onto the scale format: the rule's reference times
    /// the tensor scale (exact: a power of two or a small integer times a Float).
    let divisor: Double

    init(_ format: BlockFormat, _ encoding: BlockEncoding, tensorScale: Double) {
        precondition(!encoding.scaleRule.rounding.isStochastic, "a scale rule rounds deterministically")
        self.format = format
        self.encoding = encoding
        self.tensorScale = tensorScale
        let reference = encoding.scaleRule.reference == .powerOfTwo
            ? Double(sign: .plus, exponent: format.elementEmax, significand: 1) : format.largestElement
        self.divisor = reference * tensorScale
    }

    /// The scale code of a block whose finite elements have largest magnitude `amax` (0 when none),
    /// ignoring the specials policy.
    @inline(__always)
    func finiteScaleCode(amax: Double) -> UInt32 {
        format.scale.encode(amax, dividedBy: divisor, rounding: encoding.scaleRule.rounding, saturation: .satFinite)
    }

    /// The scale code stored for a block: the NaN code when it has NaN or Inf elements and the
    /// policy is ``BlockSpecials/nanScale``.
    @inline(__always)
    func storedScaleCode(finite code: UInt32, hasSpecial: Bool) -> UInt32 {
        hasSpecial && encoding.specials == .nanScale ? format.scale.nanCode() : code
    }

    /// The value elements are divided by: the scale code's value times the tensor scale (exact).
    @inline(__always)
    func divisor(ofScale code: UInt32) -> Double { format.scale.decode(code) * tensorScale }

    /// The stored code of element `x` of a block with scale divisor `scale` (finite, >= 0), for
    /// random value `r` of a stochastic mode.
    @inline(__always)
    func elementCode(_ x: Double, scale: Double, random r: UInt64) -> UInt8 {
        let f = format.element
        let mode = encoding.rounding.withRandom(r)
        let code: UInt32
        if !x.isFinite || x == 0 {
            code = f.encode(x, rounding: mode, saturation: encoding.saturation)
        } else if scale == 0 {
            code = f.encode(x < 0 ? -0.0 : 0.0, rounding: mode, saturation: encoding.saturation)
        } else if scale.significandBitPattern == 0 && scale.isNormal {
            let (significand, exponent) = Format.integerParts(x)
            code = f.encode(negative: x < 0, significand: significand, exponent: exponent - scale.exponent,
                            rounding: mode, saturation: encoding.saturation)
        } else {
            code = f.encode(x, dividedBy: scale, rounding: mode, saturation: encoding.saturation)
        }
        return stored(code)
    }

    /// The stored byte of an element format code.
    @inline(__always)
    func stored(_ code: UInt32) -> UInt8 { format.storedElement(code) }
}

extension BlockFormat {
    /// The byte stored for a code of ``element``: the code itself, or for MXINT8 (``ElementStorage/twosComplement``)
    /// the two's complement byte of the sign-magnitude code's `k` (-0 gives 0).
    @inline(__always)
    public func storedElement(_ code: UInt32) -> UInt8 {
        guard elementStorage == .twosComplement else { return UInt8(truncatingIfNeeded: code) }
        let magnitude = UInt8(code & 0x7F)
        return code & 0x80 != 0 ? 0 &- magnitude : magnitude
    }

    /// The exact value of a stored element code (two's complement `k/64` for MXINT8, so 0x80 is -2),
    /// before scaling. Codes beyond the element format give NaN.
    public func elementValue(_ code: UInt8) -> Double {
        if elementStorage == .twosComplement { return Double(Int8(bitPattern: code)) / 64 }
        return element.isValidCode(UInt32(code)) ? element.decode(UInt32(code)) : .nan
    }

    /// The exact value of a scale code (NaN for the NaN code and codes beyond the scale format).
    public func scaleValue(_ code: UInt8) -> Double {
        scale.isValidCode(UInt32(code)) ? scale.decode(UInt32(code)) : .nan
    }

    /// The per-tensor scale NVFP4 uses when none is given: the largest finite magnitude of the tensor
    /// divided by `6 * 448` (largest element times largest scale), rounded once to the nearest Float;
    /// 1 when the tensor has no nonzero finite value, and the least positive Float when the quotient
    /// rounds to 0. (A common choice, e.g. NVIDIA Transformer Engine's global scale; pass your own to match
    /// another.)
    public func defaultTensorScale(amax: Double) -> Float {
        guard amax > 0 && amax.isFinite else { return 1 }
        let divisor = largestElement * scale.decode(scale.maxFiniteCode())
        let bits = Format.binary32.encode(amax, dividedBy: divisor, rounding: .nearestTiesToEven, saturation: .satFinite)
        let s = Float(bitPattern: bits)
        return s == 0 ? .leastNonzeroMagnitude : s
    }
}
