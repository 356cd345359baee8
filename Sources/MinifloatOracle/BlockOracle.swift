import Minifloat

/// Block formats in exact rational arithmetic, transcribed from the rules as written (OCP MX v1.0
/// section 6.3; NVIDIA's NVFP4 recipe as `docs/block-formats.md` states it), for obviousness, not
/// speed. Shares no rounding code with the core's block encoder: element and scale rounding go
/// through ``Oracle/round(_:to:rounding:saturation:)``, and the OCP scale is computed with its own
/// formula, `floor(log2(amax)) - emax_elem`, not as a rounding.
public enum BlockOracle {
    /// The scale code and stored element codes of one block.
    public struct Block: Equatable, Sendable {
        /// The block's scale code.
        public let scale: UInt32
        /// The block's stored element codes.
        public let elements: [UInt32]
    }

    /// Encodes a whole array of exact values (storage order) block by block along `layout`: the
    /// exact path of every block command. `random(i)` is `R_i` of element `i` (stochastic element
    /// rounding); `givenScales`, when present, are used instead of the rule's (see
    /// ``encodeBlock(_:format:encoding:tensorScale:random:givenScale:)``).
    public static func encode(_ xs: [ExactValue], layout: BlockLayout, format: BlockFormat,
                              encoding: BlockEncoding, tensorScale: Rational, random: ((Int) -> UInt64)?,
                              givenScales: [UInt8]? = nil) -> (scales: [UInt8], elements: [UInt8]) {
        var scales = [UInt8](repeating: 0, count: layout.scaleCount)
        var elements = [UInt8](repeating: 0, count: xs.count)
        for b in 0..<layout.scaleCount {
            let (first, n, stride) = layout.block(b)
            let members = (0..<n).map { first + $0 * stride }
            let block = encodeBlock(members.map { xs[$0] }, format: format, encoding: encoding, tensorScale: tensorScale,
                                    random: random.map { r in members.map(r) },
                                    givenScale: givenScales.map { UInt32($0[b]) })
            scales[b] = UInt8(block.scale)
            for (k, i) in members.enumerated() { elements[i] = UInt8(block.elements[k]) }
        }
        return (scales, elements)
    }

    /// Encodes one block.
    /// - Parameters:
    ///   - xs: the block's values (1 to blockSize of them).
    ///   - tensorScale: NVFP4's per-tensor scale (ignored for MX, where it is 1).
    ///   - random: `R_i` for each element when the element rounding is stochastic.
    ///   - givenScale: a scale code to use instead of the rule's (ignored when it is NaN or not a
    ///     code of the scale format); the returned scale is then the given one.
    public static func encodeBlock(_ xs: [ExactValue], format: BlockFormat, encoding: BlockEncoding,
                                   tensorScale: Rational = Rational(1), random: [UInt64]? = nil,
                                   givenScale: UInt32? = nil) -> Block {
        let t = format.hasTensorScale ? tensorScale : Rational(1)
        // amax: the largest magnitude among the finite elements (0 when there is none).
        var amax = Rational(0)
        var hasSpecial = false
        for x in xs {
            switch x {
            case .finite(_, let m): if amax < m { amax = m }
            case .nan, .infinity: hasSpecial = true
            }
        }
        var scaleCode = self.scaleCode(amax: amax, format: format, rule: encoding.scaleRule, tensorScale: t)
        var stored = hasSpecial && encoding.specials == .nanScale ? Oracle.nanCode(format.scale, negative: false) : scaleCode
        if let givenScale {
            stored = givenScale
            if UInt64(givenScale) < format.scale.codeCount, Oracle.decode(givenScale, in: format.scale).rational != nil {
                scaleCode = givenScale
            }
        }
        let scaleValue = Oracle.decode(scaleCode, in: format.scale).rational! * t
        var elements: [UInt32] = []
        for (i, x) in xs.enumerated() {
            let mode = encoding.rounding.withRandom(random?[i] ?? 0)
            let quotient: ExactValue
            switch x {
            case .finite(let negative, let m):
                // A zero scale (NVFP4) leaves every finite element zero.
                quotient = .finite(negative: negative, magnitude: scaleValue.sign == 0 ? Rational(0) : m / scaleValue)
            default:
                quotient = x
            }
            let code = Oracle.Bracket(quotient, format.element).code(rounding: mode, saturation: encoding.saturation)
            elements.append(storedElement(code, format: format))
        }
        return Block(scale: stored, elements: elements)
    }

    /// The scale code (never NaN) of a block whose finite elements have largest magnitude `amax`.
    public static func scaleCode(amax: Rational, format: BlockFormat, rule: ScaleRule, tensorScale t: Rational) -> UInt32 {
        let emax = Oracle.largestFinite(format.element).value.floorLog2
        if format.scale.parameters == Format.e8m0fnu.parameters && rule == .floor {
            // OCP MX v1.0 section 6.3: X = 2^(floor(log2(amax)) - emax_elem), an E8M0 exponent in
            // -127...127 (log2(0) = -infinity clamps to -127).
            let k = amax.sign == 0 ? -127 : Swift.min(127, Swift.max(-127, amax.floorLog2 - emax))
            return UInt32(k + 127)
        }
        let reference = rule.reference == .powerOfTwo ? Rational.powerOfTwo(emax) : Oracle.largestFinite(format.element).value
        return Oracle.round(ExactValue(amax / (reference * t)), to: format.scale, rounding: rule.rounding,
                            saturation: .satFinite)
    }

    /// The stored byte of an element code: the code itself, or for MXINT8 the two's complement
    /// byte of `64 * value`.
    public static func storedElement(_ code: UInt32, format: BlockFormat) -> UInt32 {
        guard format.elementStorage == .twosComplement else { return code }
        let k = (Oracle.decode(code, in: format.element).rational! * Rational(64))
        let integer = Int(k.magnitude.uint64!) * (k.sign < 0 ? -1 : 1)
        return UInt32(UInt8(bitPattern: Int8(integer)))
    }

    /// The exact value of a stored element code times a block's scale code (times the tensor scale).
    public static func decode(element: UInt32, scale: UInt32, format: BlockFormat,
                              tensorScale: Rational = Rational(1)) -> ExactValue {
        let s = Oracle.decode(scale, in: format.scale)
        guard let sv = s.rational else { return .nan(negative: false) }
        let e: ExactValue
        if format.elementStorage == .twosComplement {
            e = ExactValue(Rational(Int(Int8(bitPattern: UInt8(element))), 64))
        } else {
            e = Oracle.decode(element, in: format.element)
        }
        let factor = sv * (format.hasTensorScale ? tensorScale : Rational(1))
        switch e {
        case .nan: return e
        case .infinity(let negative): return factor.sign == 0 ? .nan(negative: false) : .infinity(negative: negative)
        case .finite(let negative, let m): return .finite(negative: negative, magnitude: m * factor)
        }
    }

    /// NVFP4's default per-tensor scale: `amax / (6 * 448)` to the nearest Float (ties to even,
    /// the largest Float beyond it); 1 when `amax` is 0; the least positive Float when the quotient
    /// rounds to 0.
    public static func defaultTensorScale(amax: Rational, format: BlockFormat) -> Rational {
        if amax.sign == 0 { return Rational(1) }
        let q = amax / (Oracle.largestFinite(format.element).value * Oracle.largestFinite(format.scale).value)
        let r = Oracle.roundedValue(ExactValue(q), to: .binary32, rounding: .nearestTiesToEven, saturation: .satFinite).rational!
        return r.sign == 0 ? Rational.powerOfTwo(-149) : r
    }
}
