import Minifloat

extension SystemConversion {
    /// Encodes `count` elements of type `source` stored at `raw` (native byte order) into
    /// `codes[0..<count]` as `call` of this system does: the source route first (a float64 through
    /// float32), then the reference conversion under the call's rounding and saturation (of the
    /// magnitude where the system drops the sign), then the rules for NaN, zero and the values just
    /// above the least. Throws a ``VerifyError`` when the call does not take `source`.
    /// - Precondition: `raw` holds `count` elements; `codes.count >= count`.
    public func encode<Code: FixedWidthInteger & UnsignedInteger>(
        raw: UnsafeRawBufferPointer, as source: FloatSource, count: Int, into codes: UnsafeMutableBufferPointer<Code>,
        call: SystemCall, threads: Int? = nil
    ) throws {
        let route = try call.route(source)
        guard count > 0 else { return }
        precondition(raw.count >= count * source.byteCount, "the source buffer holds fewer than \(count) elements")
        precondition(codes.count >= count, "the code buffer is shorter than the source")
        if source == .float64 && route == .throughFloat32 {
            // Rounded to float32 as the system does (IEEE conversion, to nearest, ties to even).
            let doubles = raw.bindMemory(to: Double.self)
            let floats = [Float](unsafeUninitializedCapacity: count) { buffer, n in
                for i in 0..<count { buffer[i] = Float(doubles[i]) }
                n = count
            }
            floats.withUnsafeBytes { encodeDirect($0, .float32, count, codes, call, threads) }
        } else {
            encodeDirect(raw, source, count, codes, call, threads)
        }
    }

    /// The code of one value of type `source` (its bit pattern in the low bits of `bits`).
    public func code(bits: UInt64, as source: FloatSource, call: SystemCall) throws -> UInt32 {
        var input = bits, out: UInt32 = 0
        try withUnsafeBytes(of: &input) { raw in
            try withUnsafeMutablePointer(to: &out) { p in
                try encode(raw: UnsafeRawBufferPointer(rebasing: raw[0..<source.byteCount]), as: source, count: 1,
                           into: UnsafeMutableBufferPointer(start: p, count: 1), call: call, threads: 1)
            }
        }
        return out
    }

    func encodeDirect<Code: FixedWidthInteger & UnsignedInteger>(
        _ raw: UnsafeRawBufferPointer, _ source: FloatSource, _ count: Int, _ codes: UnsafeMutableBufferPointer<Code>,
        _ call: SystemCall, _ threads: Int?
    ) {
        let layout = SourceLayout(source)
        if rules.contains(.magnitudeOfNegative) && format.signedness == .unsigned {
            // The magnitude of every non-NaN input (a NaN keeps its sign for the NaN rules).
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: count * source.byteCount, alignment: 16)
            defer { copy.deallocate() }
            copy.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[0..<(count * source.byteCount)]))
            for i in 0..<count {
                let b = layout.load(UnsafeRawBufferPointer(copy), i)
                if !layout.isNaN(b) { layout.store(b & ~layout.signBit, copy, i) }
            }
            reference(UnsafeRawBufferPointer(copy), source, count, codes, call, threads, layout)
        } else {
            reference(raw, source, count, codes, call, threads, layout)
        }
    }

    /// The reference conversion of the (possibly sign-dropped) inputs, then the rules for NaN,
    /// zero and the values just above the least.
    private func reference<Code: FixedWidthInteger & UnsignedInteger>(
        _ raw: UnsafeRawBufferPointer, _ source: FloatSource, _ count: Int, _ codes: UnsafeMutableBufferPointer<Code>,
        _ call: SystemCall, _ threads: Int?, _ layout: SourceLayout
    ) {
        format.encode(raw: raw, as: source, count: count, into: codes, rounding: call.rounding, saturation: call.saturation,
                      threads: threads)
        var nanRule: SystemRule? = nil
        var zero: UInt32? = nil
        var aboveLeast: (lo: Double, hi: Double, code: UInt32)? = nil
        for rule in rules {
            switch rule {
            case .nanCode(_, let s), .nanCodeBySign(_, _, let s), .nanSignAndPayload(_, let s):
                if s.contains(source) && nanRule == nil { nanRule = rule }
            case .zeroCode(let c): zero = c
            case .aboveLeastRoundsUp:
                let least: UInt32 = format.hasZero ? 1 : 0
                aboveLeast = (format.decode(least), format.decode(least + 1), least + 1)
            case .magnitudeOfNegative: break
            }
        }
        guard nanRule != nil || zero != nil || aboveLeast != nil else { return }
        let topBitsShift = layout.mantissaBits - format.mantissaBits
        for i in 0..<count {
            let b = layout.load(raw, i)
            let magnitude = b & ~layout.signBit
            if layout.isNaN(b) {
                let negative = b & layout.signBit != 0
                switch nanRule {
                case .nanCode(let c, _)?: codes[i] = Code(c)
                case .nanCodeBySign(let p, let n, _)?: codes[i] = Code(negative ? n : p)
                case .nanSignAndPayload(let base, _)?:
                    let top = format.mantissaBits == 0 || topBitsShift < 0 ? 0
                        : UInt32(truncatingIfNeeded: magnitude >> UInt64(topBitsShift)) & ((1 << UInt32(format.mantissaBits)) - 1)
                    codes[i] = Code((negative ? format.signMask : 0) | base | top)
                default: break
                }
            } else if magnitude == 0 {
                if let zero { codes[i] = Code(zero) }
            } else if let (lo, hi, code) = aboveLeast, b & layout.signBit == 0 {
                let x = layout.value(b)
                if x > lo && x < hi { codes[i] = Code(code) }
            }
        }
    }
}

extension SystemCall {
    /// How the call reads `source`; throws a ``VerifyError`` when it does not take that type.
    public func route(_ source: FloatSource) throws -> SourceRoute {
        guard let route = sources[source] else {
            let taken = FloatSource.allCases.filter { sources[$0] != nil }.map(\.shortName)
            throw VerifyError("\(name) takes \(taken.dropLast().joined(separator: ", "))\(taken.count > 1 ? " or " : "")"
                              + "\(taken.last!) values, not \(source.shortName) (no evidence of what it does with them); convert "
                              + "the input to one of those types first")
        }
        return route
    }
}

/// The bit layout of a source type, for the rules that look at an input's bits.
struct SourceLayout {
    let width: Int
    let exponentBits: Int
    let mantissaBits: Int

    init(_ source: FloatSource) {
        switch source {
        case .float32: (width, exponentBits, mantissaBits) = (32, 8, 23)
        case .float64: (width, exponentBits, mantissaBits) = (64, 11, 52)
        case .float16: (width, exponentBits, mantissaBits) = (16, 5, 10)
        case .bfloat16: (width, exponentBits, mantissaBits) = (16, 8, 7)
        }
    }

    var signBit: UInt64 { 1 << UInt64(width - 1) }
    var exponentMask: UInt64 { ((1 << UInt64(exponentBits)) - 1) << UInt64(mantissaBits) }

    func isNaN(_ b: UInt64) -> Bool { b & ~signBit > exponentMask }

    func load(_ raw: UnsafeRawBufferPointer, _ i: Int) -> UInt64 {
        switch width {
        case 16: return UInt64(raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
        case 32: return UInt64(raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
        default: return raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)
        }
    }

    func store(_ b: UInt64, _ raw: UnsafeMutableRawBufferPointer, _ i: Int) {
        switch width {
        case 16: raw.storeBytes(of: UInt16(truncatingIfNeeded: b), toByteOffset: 2 * i, as: UInt16.self)
        case 32: raw.storeBytes(of: UInt32(truncatingIfNeeded: b), toByteOffset: 4 * i, as: UInt32.self)
        default: raw.storeBytes(of: b, toByteOffset: 8 * i, as: UInt64.self)
        }
    }

    /// The value of a finite bit pattern, exactly (every value of these types is a Double).
    func value(_ b: UInt64) -> Double {
        let bias = (1 << (exponentBits - 1)) - 1
        let e = Int((b & exponentMask) >> UInt64(mantissaBits))
        let m = b & ((1 << UInt64(mantissaBits)) - 1)
        let magnitude = e == 0 ? Double(sign: .plus, exponent: 1 - bias - mantissaBits, significand: Double(m))
            : Double(sign: .plus, exponent: e - bias - mantissaBits, significand: Double(m | (1 << UInt64(mantissaBits))))
        return b & signBit != 0 ? -magnitude : magnitude
    }
}
