/// The header of a NumPy `.npy` file, versions 1.0, 2.0 and 3.0.
///
/// Format (NumPy's `numpy.lib.format`, "NPY format version 1.0" and later): the magic bytes
/// `\x93NUMPY`, a major and a minor version byte, the header length (2 bytes little-endian in
/// version 1, 4 bytes in versions 2 and 3), then the header: a Python dict literal with the keys
/// `descr`, `fortran_order` and `shape`, ASCII in versions 1 and 2 and UTF-8 in version 3, padded
/// with spaces and ended by a newline. The data follows the header.
///
/// Accepted descriptors: `f2 f4 f8 u1 u2 u4 i1` with byte order `<`, `>`, `|` or `=`; `V2` is read as
/// bfloat16 (ml_dtypes saves `bfloat16` arrays as two-byte voids) and `V1` as uint8 (ml_dtypes
/// saves its FP8 and FP4 types as one-byte voids, which hold codes); `bfloat16` is accepted too.
public struct NpyHeader: Equatable, Sendable {
    /// The element type (`descr`).
    public var elementType: ElementType
    /// Whether multi-byte elements are stored big-endian (descriptor `>`).
    public var bigEndian: Bool
    /// Whether the data is in Fortran (column-major) order.
    public var fortranOrder: Bool
    /// The shape; `[]` is a zero-dimensional array of one element.
    public var shape: [Int]
    /// Major version: 1, 2 or 3.
    public var version: Int
    /// The offset of the first data byte.
    public var dataOffset: Int
    /// The descriptor as written in the file, for messages.
    public var descriptor: String

    /// The number of elements: the product of the shape.
    public var count: Int { shape.reduce(1, *) }

    /// The largest header accepted, in bytes. NumPy itself refuses headers over 10,000 bytes
    /// unless told otherwise; this allows more but stops a corrupt length from reading gigabytes.
    public static let maximumHeaderLength = 1 << 20

    /// A header for `shape` elements of `elementType`.
    public init(elementType: ElementType, shape: [Int], fortranOrder: Bool = false, bigEndian: Bool = false) {
        self.elementType = elementType
        self.shape = shape
        self.fortranOrder = fortranOrder
        self.bigEndian = bigEndian
        self.version = 1
        self.dataOffset = 0
        self.descriptor = elementType.npyDescriptor
    }

    /// Parses the header at the start of `bytes` (at least the whole header; the data may follow).
    /// `name` is the file name used in error messages.
    public init(parsing bytes: UnsafeRawBufferPointer, name: String) throws {
        func fail(_ problem: String) -> ArrayFileError {
            ArrayFileError("'\(name)' is not a valid .npy file: \(problem); write it with numpy.save")
        }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 8 else { throw fail("it is \(bytes.count) bytes long, shorter than the 8-byte preamble") }
        guard Array(bytes[0..<6]) == magic else { throw fail("it does not start with the magic bytes \\x93NUMPY") }
        let major = Int(bytes[6]), minor = Int(bytes[7])
        guard (1...3).contains(major), minor == 0 else {
            throw fail("format version \(major).\(minor) is not 1.0, 2.0 or 3.0")
        }
        let lengthBytes = major == 1 ? 2 : 4
        guard bytes.count >= 8 + lengthBytes else { throw fail("it ends inside the header length") }
        var headerLength = 0
        for i in 0..<lengthBytes { headerLength |= Int(bytes[8 + i]) << (8 * i) }
        let start = 8 + lengthBytes
        guard headerLength <= NpyHeader.maximumHeaderLength else {
            throw fail("the header claims \(headerLength) bytes, more than the \(NpyHeader.maximumHeaderLength) allowed")
        }
        guard start + headerLength <= bytes.count else {
            throw fail("the header claims \(headerLength) bytes but the file ends after \(bytes.count - start)")
        }
        let headerBytes = Array(bytes[start..<(start + headerLength)])
        if major < 3, headerBytes.contains(where: { $0 >= 0x80 }) {
            throw fail("the version \(major) header is not ASCII")
        }
        guard let text = String(validating: headerBytes, as: UTF8.self) else { throw fail("the header is not UTF-8") }
        var parser = DictParser(text: text)
        let dict: [String: DictParser.Value]
        do { dict = try parser.parseDict() } catch let error as DictParser.Failure {
            throw fail("its header \(error.message)")
        }
        guard case .string(let descr)? = dict["descr"] else {
            if dict["descr"] != nil { throw fail("'descr' is not a string (structured dtypes are not supported)") }
            throw fail("the header has no 'descr'")
        }
        guard case .bool(let fortran)? = dict["fortran_order"] else { throw fail("the header has no 'fortran_order' True/False") }
        guard case .tuple(let shape)? = dict["shape"] else { throw fail("the header has no 'shape' tuple") }
        // NumPy's limit (NPY_MAXDIMS): a file with more could not be read back by NumPy.
        guard shape.count <= 64 else { throw fail("the shape has \(shape.count) dimensions; NumPy arrays have at most 64") }
        var product = 1
        for n in shape {
            let (p, overflow) = product.multipliedReportingOverflow(by: n)
            guard !overflow, p < 1 << 56 else { throw fail("the shape \(NpyHeader.shapeText(shape)) holds too many elements") }
            product = p
        }
        guard let (type, big) = NpyHeader.elementType(descriptor: descr) else {
            throw ArrayFileError("'\(name)' holds dtype '\(descr)', which is not supported: use float16, float32, "
                                 + "float64, bfloat16, uint8, uint16, uint32 or int8 (e.g. a.astype(np.float32))")
        }
        self.elementType = type
        self.bigEndian = big
        self.fortranOrder = fortran
        self.shape = shape
        self.version = major
        self.dataOffset = start + headerLength
        self.descriptor = descr
    }

    /// The element type and byte order of a descriptor such as `<f4`, or nil if unsupported.
    static func elementType(descriptor: String) -> (ElementType, Bool)? {
        if descriptor == "bfloat16" { return (.bfloat16, false) }
        guard let order = descriptor.first, "<>|=".contains(order) else { return nil }
        let code = String(descriptor.dropFirst())
        let table: [String: ElementType] = ["f2": .float16, "f4": .float32, "f8": .float64, "u1": .uint8,
                                            "u2": .uint16, "u4": .uint32, "i1": .int8, "V2": .bfloat16, "V1": .uint8]
        guard let type = table[code] else { return nil }
        return (type, order == ">" && type.byteCount > 1)
    }

    /// `(2, 3)`, `(3,)` or `()`, as Python writes a shape.
    public static func shapeText(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    /// The bytes of a version 1.0 header (2.0 if the dict does not fit in 65,535 bytes), padded
    /// with spaces so that the data starts at a multiple of 64 bytes, as NumPy writes it.
    public func encoded() -> [UInt8] {
        let descr = bigEndian ? ">" + descriptor.dropFirst() : descriptor
        let dict = "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), "
            + "'shape': \(NpyHeader.shapeText(shape)), }"
        var major: UInt8 = 1
        var preamble = 10
        var total = (preamble + dict.utf8.count + 1 + 63) / 64 * 64
        if total - preamble > 65535 {
            major = 2
            preamble = 12
            total = (preamble + dict.utf8.count + 1 + 63) / 64 * 64
        }
        let headerLength = total - preamble
        var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, major, 0]
        for i in 0..<(preamble - 8) { out.append(UInt8(truncatingIfNeeded: headerLength >> (8 * i))) }
        out += Array(dict.utf8)
        out += Array(repeating: 0x20, count: headerLength - dict.utf8.count - 1)
        out.append(0x0A)
        return out
    }
}

/// A parser for the Python literals a `.npy` header holds: a dict of string keys whose values are
/// strings, True/False or tuples of non-negative integers. Anything else fails with a message.
struct DictParser {
    enum Value: Equatable { case string(String), bool(Bool), tuple([Int]), other }
    struct Failure: Error { let message: String }

    let chars: [Character]
    var i = 0
    init(text: String) { chars = Array(text) }

    mutating func skipSpace() { while i < chars.count, chars[i].isWhitespace { i += 1 } }

    mutating func expect(_ c: Character) throws {
        skipSpace()
        guard i < chars.count, chars[i] == c else {
            throw Failure(message: "is malformed: expected '\(c)' at character \(i + 1)")
        }
        i += 1
    }

    mutating func peek() -> Character? { skipSpace(); return i < chars.count ? chars[i] : nil }

    mutating func parseDict() throws -> [String: Value] {
        try expect("{")
        var result: [String: Value] = [:]
        while true {
            if peek() == "}" { i += 1; break }
            let key = try parseString()
            try expect(":")
            let value = try parseValue()
            guard result[key] == nil else { throw Failure(message: "repeats the key '\(key)'") }
            result[key] = value
            if peek() == "," { i += 1; continue }
            try expect("}")
            break
        }
        skipSpace()
        guard i == chars.count else { throw Failure(message: "has text after the closing '}'") }
        return result
    }

    mutating func parseString() throws -> String {
        guard let quote = peek(), quote == "'" || quote == "\"" else {
            throw Failure(message: "is malformed: expected a quoted key at character \(i + 1)")
        }
        i += 1
        var s = ""
        while i < chars.count, chars[i] != quote {
            guard chars[i] != "\\" else { throw Failure(message: "has an escape sequence in a string") }
            s.append(chars[i])
            i += 1
        }
        guard i < chars.count else { throw Failure(message: "has an unterminated string") }
        i += 1
        return s
    }

    mutating func parseValue() throws -> Value {
        guard let c = peek() else { throw Failure(message: "ends where a value was expected") }
        switch c {
        case "'", "\"": return .string(try parseString())
        case "(": return .tuple(try parseTuple())
        case "T", "F":
            for word in ["True", "False"] where chars[i...].starts(with: word) {
                i += word.count
                return .bool(word == "True")
            }
            throw Failure(message: "is malformed at character \(i + 1)")
        case "[", "{":
            // A structured descriptor (list) or nested dict: skip it balanced, report as unsupported.
            var depth = 0
            repeat {
                if chars[i] == "[" || chars[i] == "{" || chars[i] == "(" { depth += 1 }
                if chars[i] == "]" || chars[i] == "}" || chars[i] == ")" { depth -= 1 }
                i += 1
            } while i < chars.count && depth > 0
            guard depth == 0 else { throw Failure(message: "has unbalanced brackets") }
            return .other
        default:
            throw Failure(message: "is malformed: unexpected '\(c)' at character \(i + 1)")
        }
    }

    mutating func parseTuple() throws -> [Int] {
        try expect("(")
        var items: [Int] = []
        while true {
            if peek() == ")" { i += 1; break }
            var digits = ""
            while i < chars.count, let d = chars[i].wholeNumberValue, chars[i].isASCII { _ = d; digits.append(chars[i]); i += 1 }
            if i < chars.count, chars[i] == "L" { i += 1 }  // Python 2 long literals
            guard !digits.isEmpty else { throw Failure(message: "has a shape entry that is not a non-negative integer") }
            guard digits.count <= 18, let n = Int(digits) else { throw Failure(message: "has a shape entry too large") }
            items.append(n)
            if peek() == "," { i += 1; continue }
            try expect(")")
            break
        }
        return items
    }
}
