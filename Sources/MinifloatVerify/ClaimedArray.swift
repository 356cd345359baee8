import Minifloat
import MinifloatIO
import MinifloatOracle

/// One claimed element, read as a code of the format.
public enum Claim: Hashable, Sendable {
    /// A code of the format.
    case code(UInt32)
    /// A claimed value that is NaN (values compare as values: any NaN matches a NaN).
    case nanValue
    /// A claimed value that is not a value of the format, or a code beyond the format's codes;
    /// the text says what was claimed.
    case notRepresentable(String)

    /// A claimed exact value: the code of `x` in `f` if `x` is a value of `f` (zeros' signs must
    /// agree too), ``nanValue`` for NaN, else ``notRepresentable(_:)``.
    public init(exactValue x: ExactValue, in f: Format) {
        if x.isNaN { self = .nanValue; return }
        let c = Oracle.Bracket(x, f).code(rounding: .towardZero, saturation: .satNone)
        let back = Oracle.decode(c, in: f)
        // Zero signs must agree too: compare the decimal forms ("-0" vs "0").
        guard back == x, back.description == x.description else { self = .notRepresentable(x.description); return }
        self = .code(c)
    }
}

/// A claim as the checking loop sees it: a code, or one of two tokens that lie outside every
/// code space the verifier accepts (formats of at most 16 bits).
struct ClaimCode: Equatable {
    let raw: UInt32
    /// A NaN value: matches any NaN code.
    static let nan = ClaimCode(raw: 1 << 16)
    /// Not a code or value of the format: matches nothing.
    static let notACode = ClaimCode(raw: 1 << 16 | 1)

    init(raw: UInt32) { self.raw = raw }
    init(_ claim: Claim) {
        switch claim {
        case .code(let c): raw = c
        case .nanValue: self = .nan
        case .notRepresentable: self = .notACode
        }
    }
}

/// What a quantizer produced for each input element: codes, values, or FP4 codes packed two per
/// byte, read from an array (or given already parsed), in the input's element order or through a
/// position map.
public struct ClaimedArray {
    /// How the claimed elements are read.
    public enum Kind: String, Hashable, Sendable, Codable {
        /// Integer codes (uint8, int8 or uint16).
        case codes
        /// Values of the format (float16, float32, float64 or bfloat16); each must be a value of
        /// the format, NaN matching any NaN.
        case values
        /// 4-bit codes two per byte, element `2k` in the low nibble (``PackedFP4``).
        case packedFP4 = "packed-fp4"
    }

    enum Storage {
        case binary(any ElementSource)
        case parsed([Claim])
    }

    /// How the claimed elements are read.
    public let kind: Kind
    let storage: Storage
    let format: Format
    /// Input storage position -> claimed position (element index for packed FP4); nil: the same.
    public var claimedPosition: ((Int) -> Int)?
    /// Packed FP4 in rows: the codes per row, each row packed on its own into `(n + 1) / 2` bytes
    /// (an odd row ends with a padding nibble), as PyTorch packs the last axis; nil: the bytes pack
    /// the elements without a break (element `2k` in the low nibble of byte `k`).
    public let packedRowLength: Int?

    /// Claims read from `source` as `kind` for `inputCount` input elements of `format`.
    /// `claimedPosition` maps an input element's storage position to the claimed element's
    /// (nil when the claims are in the input's order). `label` names the array in error messages
    /// (`claimed 'out.npy'`); `packedRowLength` is described at ``packedRowLength``. Throws a
    /// ``VerifyError`` when the element type does not fit the kind or the count does not fit the input.
    public init(_ source: any ElementSource, as kind: Kind, format: Format, inputCount: Int,
                claimedPosition: ((Int) -> Int)? = nil, packedRowLength: Int? = nil,
                label: String = "the claimed array") throws {
        try ClaimedArray.check(kind, format)
        let type = source.elementType
        switch kind {
        case .codes, .packedFP4:
            guard !type.isFloatingPoint, type.byteCount <= 2 else {
                throw VerifyError("\(label) holds \(type.numpyName); \(kind.rawValue) are read from uint8, "
                                  + "int8 or uint16 (read them as values)")
            }
            guard type.byteCount * 8 >= format.bitWidth else {
                throw VerifyError("\(label) holds \(type.numpyName), too narrow for \(format.bitWidth)-bit codes")
            }
            if kind == .packedFP4 && type.byteCount != 1 {
                throw VerifyError("\(label) holds \(type.numpyName); packed FP4 is bytes (uint8)")
            }
        case .values:
            guard type.isFloatingPoint else {
                throw VerifyError("\(label) holds \(type.numpyName) integers; values must be float16, "
                                  + "float32, float64 or bfloat16 (read them as codes)")
            }
        }
        try ClaimedArray.checkCount(source.count, kind, inputCount, label, packedRowLength: packedRowLength)
        self.kind = kind
        storage = .binary(source)
        self.format = format
        self.claimedPosition = claimedPosition
        self.packedRowLength = kind == .packedFP4 ? packedRowLength : nil
    }

    /// Claims already parsed (from text): one per element, or for packed FP4 one byte (as a
    /// ``Claim/code(_:)``) per two elements.
    public init(parsed claims: [Claim], as kind: Kind, format: Format, inputCount: Int,
                claimedPosition: ((Int) -> Int)? = nil, packedRowLength: Int? = nil,
                label: String = "the claimed array") throws {
        try ClaimedArray.check(kind, format)
        try ClaimedArray.checkCount(claims.count, kind, inputCount, label, packedRowLength: packedRowLength)
        self.kind = kind
        storage = .parsed(claims)
        self.format = format
        self.claimedPosition = claimedPosition
        self.packedRowLength = kind == .packedFP4 ? packedRowLength : nil
    }

    /// Codes of `format` for the elements of an input in its order (uint8 or uint16).
    public init(codes: any ElementSource, format: Format) throws {
        try self.init(codes, as: .codes, format: format, inputCount: codes.count)
    }

    private static func check(_ kind: Kind, _ format: Format) throws {
        if kind == .packedFP4 && format.bitWidth != 4 {
            throw VerifyError("packed-fp4 claims need a 4-bit format; \(format.name) has \(format.bitWidth) bits")
        }
    }

    /// Throws the ``VerifyError`` the initialisers throw when `count` claimed elements of `kind`
    /// do not fit `inputCount` input elements (packed FP4: `(inputCount + 1) / 2` bytes, or whole
    /// rows of `(packedRowLength + 1) / 2` bytes).
    public static func checkCount(_ count: Int, _ kind: Kind, _ inputCount: Int, _ label: String,
                                  packedRowLength: Int? = nil) throws {
        var expected = kind == .packedFP4 ? (inputCount + 1) / 2 : inputCount
        if kind == .packedFP4, let row = packedRowLength {
            guard row >= 1, inputCount % row == 0 else {
                throw VerifyError("\(label): rows of \(row) packed codes do not divide the input's \(inputCount) elements")
            }
            expected = inputCount / row * ((row + 1) / 2)
        }
        guard count == expected else {
            let what = kind == .packedFP4 ? "\(expected) packed bytes for \(inputCount) elements" : "\(inputCount) elements"
            throw VerifyError("\(label) holds \(count) elements but the input needs \(what); "
                              + "check that both files come from the same tensor")
        }
    }

    /// Packed FP4: the byte holding element `q` and whether it is the high nibble.
    func packedPlace(_ q: Int) -> (byte: Int, high: Bool) {
        guard let row = packedRowLength else { return (q / 2, q % 2 == 1) }
        let j = q % row
        return (q / row * ((row + 1) / 2) + j / 2, j % 2 == 1)
    }

    /// The claim for claimed element `q` (claimed storage order; for packed FP4, the element index).
    func claim(atClaimed q: Int) -> Claim {
        let f = format
        switch storage {
        case .parsed(let claims):
            guard kind == .packedFP4 else { return claims[q] }
            let (byte, high) = packedPlace(q)
            guard case .code(let b) = claims[byte] else { return claims[byte] }
            return .code(high ? b >> 4 : b & 0xF)
        case .binary(let a):
            switch kind {
            case .packedFP4:
                let (byte, high) = packedPlace(q)
                let b = UInt32(truncatingIfNeeded: a.elementBits(at: byte)) & 0xFF
                return .code(high ? b >> 4 : b & 0xF)
            case .codes:
                let c = UInt32(a.elementBits(at: q))
                guard c <= f.maxCode else {
                    return .notRepresentable("code \(f.hexCode(c)) (\(f.name) codes are 0 to \(f.hexCode(f.maxCode)))")
                }
                return .code(c)
            case .values:
                let v = a.elementType.doubleValue(bits: a.elementBits(at: q))
                if v.isNaN { return .nanValue }
                // A value of the format is encoded to its own code in any mode; anything else is not a value.
                let c = f.encode(v, rounding: .towardZero, saturation: .satNone)
                guard f.decode(c).bitPattern == v.bitPattern else { return .notRepresentable(ExactValue(v).description) }
                return .code(c)
            }
        }
    }

    /// The claim for input element `p` (input storage order).
    func claim(at p: Int) -> Claim { claim(atClaimed: claimedPosition?(p) ?? p) }

    /// The claims of input elements `range`, read in bulk when the claims are in the input's order.
    func codes(_ range: Range<Int>, into out: inout [ClaimCode]) {
        out.removeAll(keepingCapacity: true)
        guard case .binary(let a) = storage, claimedPosition == nil else {
            for p in range { out.append(ClaimCode(claim(at: p))) }
            return
        }
        let maxCode = format.maxCode
        switch kind {
        case .codes:
            a.withElements(range) { raw in
                if a.elementType.byteCount == 1 {
                    for b in raw.bindMemory(to: UInt8.self) { out.append(UInt32(b) <= maxCode ? ClaimCode(raw: UInt32(b)) : .notACode) }
                } else {
                    for c in raw.bindMemory(to: UInt16.self) { out.append(UInt32(c) <= maxCode ? ClaimCode(raw: UInt32(c)) : .notACode) }
                }
            }
        case .packedFP4:
            guard !range.isEmpty else { return }
            let bytes = packedPlace(range.lowerBound).byte..<(packedPlace(range.upperBound - 1).byte + 1)
            a.withElements(bytes) { raw in
                for p in range {
                    let (byte, high) = packedPlace(p), b = raw[byte - bytes.lowerBound]
                    out.append(ClaimCode(raw: UInt32(high ? b >> 4 : b & 0xF)))
                }
            }
        case .values:
            // A value of the format is encoded to its own code in any mode; it is one if decoding
            // that code gives back the same bits (so -0 and +0 are told apart).
            let n = range.count
            var codes = [UInt16](repeating: 0, count: n)
            var back = [Double](repeating: 0, count: n)
            let f = format
            a.withElements(range) { raw in
                codes.withUnsafeMutableBufferPointer { c in
                    f.encode(elementsOf: a.elementType, raw, count: n, into: c, rounding: .towardZero, saturation: .satNone, threads: nil)
                    back.withUnsafeMutableBufferPointer { f.decode(UnsafeBufferPointer(c), into: $0) }
                }
                func check(_ v: Double, _ i: Int) {
                    if v.isNaN { out.append(.nan) }
                    else { out.append(back[i].bitPattern == v.bitPattern ? ClaimCode(raw: UInt32(codes[i])) : .notACode) }
                }
                switch a.elementType {
                case .float32: for (i, v) in raw.bindMemory(to: Float.self).enumerated() { check(Double(v), i) }
                case .float64: for (i, v) in raw.bindMemory(to: Double.self).enumerated() { check(v, i) }
                default:
                    let type = a.elementType, width = type.byteCount
                    for i in 0..<n {
                        let bits = width == 2 ? UInt64(raw.load(fromByteOffset: 2 * i, as: UInt16.self)) : 0
                        check(type.doubleValue(bits: bits), i)
                    }
                }
            }
        }
    }
}

/// A one-line error in the verifier's input (a claimed array of the wrong type or size, an
/// unknown behaviour, a format it cannot check), with what to do about it.
public struct VerifyError: Error, CustomStringConvertible, Sendable {
    /// The message: what is wrong and what to do.
    public let description: String
    /// An error with this message.
    public init(_ description: String) { self.description = description }
}
