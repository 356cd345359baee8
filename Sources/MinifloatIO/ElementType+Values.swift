import Minifloat

extension ElementType {
    /// The value of an element's bits: a float type's value (every float16, bfloat16, float32 and
    /// float64 is a Double), or an integer type's unsigned value.
    public func doubleValue(bits: UInt64) -> Double {
        switch self {
        case .float16: return Double(Float16(bitPattern: UInt16(truncatingIfNeeded: bits)))
        case .bfloat16: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits) << 16))
        case .float32: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
        case .float64: return Double(bitPattern: bits)
        case .uint8, .uint16, .uint32, .int8: return Double(bits)
        }
    }

    /// Whether the sign bit of an element's bits is set (the sign of a NaN matters for formats
    /// whose NaN is signed).
    public func signBit(bits: UInt64) -> Bool {
        bits >> UInt64(byteCount * 8 - 1) & 1 == 1
    }

    /// An element's bits in hex, zero-padded to its width: `0x3f800000`.
    public func hexBits(_ bits: UInt64) -> String {
        let h = String(bits, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, byteCount * 2 - h.count)) + h
    }
}

extension ElementType {
    /// The core's source type for a floating-point element type; nil for integer types.
    public var floatSource: FloatSource? {
        switch self {
        case .float32: return .float32
        case .float64: return .float64
        case .float16: return .float16
        case .bfloat16: return .bfloat16
        case .uint8, .uint16, .uint32, .int8: return nil
        }
    }
}

extension Format {
    /// Encodes `n` float elements of `type` at `raw` (native byte order) into `out`
    /// (``Format/encode(raw:as:count:into:rounding:saturation:random:threads:)``).
    /// - Precondition: `type` is a floating-point type; `raw` holds at least `n` elements.
    public func encode<Code: FixedWidthInteger & UnsignedInteger>(
        elementsOf type: ElementType, _ raw: UnsafeRawBufferPointer, count n: Int, into out: UnsafeMutableBufferPointer<Code>,
        rounding m: RoundingMode, saturation s: SaturationMode, random: RandomSource? = nil, threads: Int?
    ) {
        guard let source = type.floatSource else { preconditionFailure("integer elements reached the encoder") }
        encode(raw: raw, as: source, count: n, into: out, rounding: m, saturation: s, random: random, threads: threads)
    }

    /// The packed-FP4 form of ``encode(elementsOf:_:count:into:rounding:saturation:random:threads:)``:
    /// `(n + 1) / 2` bytes, element 2k in the low nibble (``PackedFP4``).
    public func encodePacked(
        elementsOf type: ElementType, _ raw: UnsafeRawBufferPointer, count n: Int, into out: UnsafeMutableBufferPointer<UInt8>,
        rounding m: RoundingMode, saturation s: SaturationMode, random: RandomSource? = nil, threads: Int?
    ) {
        guard let source = type.floatSource else { preconditionFailure("integer elements reached the encoder") }
        encodePacked(raw: raw, as: source, count: n, into: out, rounding: m, saturation: s, random: random, threads: threads)
    }
}

/// A byte in hex with two digits: `0x09`.
public func hexByte(_ b: UInt8) -> String {
    let h = String(b, radix: 16)
    return "0x" + (h.count == 1 ? "0" + h : h)
}

/// A Float as a C99 hex float (`0x1.8p-3`), exact and readable by the number parser.
public func hexFloat(_ x: Float) -> String {
    guard x.isFinite else { return x.isNaN ? "nan" : (x < 0 ? "-inf" : "inf") }
    if x == 0 { return x.sign == .minus ? "-0x0p+0" : "0x0p+0" }
    let d = Double(x)
    let e = d.exponent
    var m = d.significandBitPattern
    var digits = ""
    while m != 0 {
        digits.append(String((m >> 48) & 0xF, radix: 16))
        m = (m << 4) & 0x000F_FFFF_FFFF_FFFF
    }
    return (x < 0 ? "-" : "") + "0x1" + (digits.isEmpty ? "" : "." + digits) + "p" + (e >= 0 ? "+" : "") + String(e)
}
