import Minifloat
import MinifloatIO
import MinifloatOracle
import MinifloatVerify
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An array given to a command: a binary file (`.npy` or raw, memory-mapped) or a text file
/// (one value per line; blank lines and lines starting with `#` are skipped).
enum ArrayData {
    case binary(ArrayInput)
    case text(lines: [String], lineNumbers: [Int])

    var count: Int {
        switch self {
        case .binary(let input): return input.count
        case .text(let lines, _): return lines.count
        }
    }

    var shape: [Int] {
        switch self {
        case .binary(let input): return input.shape
        case .text(let lines, _): return [lines.count]
        }
    }

    var fortranOrder: Bool {
        if case .binary(let input) = self { return input.fortranOrder }
        return false
    }

    /// A short description for summaries: `float32 (2, 3)`.
    var typeAndShape: String {
        switch self {
        case .binary(let input): return "\(input.elementType.numpyName) \(NpyHeader.shapeText(input.shape))"
        case .text(let lines, _): return "text (\(lines.count),)"
        }
    }
}

/// How an output path is written, from its extension: `.npy`, `.txt` (one value per line), else raw.
enum OutputLayout {
    case npy, text, raw
    /// `-` (standard output) is written as `.npy` (read it with `np.load(io.BytesIO(sys.stdin.buffer.read()))`).
    init(path: String) {
        self = path == "-" || path.hasSuffix(".npy") ? .npy : path.hasSuffix(".txt") ? .text : .raw
    }
}

func parseElementType(_ name: String, option: String) throws -> ElementType {
    guard let type = ElementType(name: name) else {
        throw CLIError("unknown \(option) '\(name)': use \(ElementType.namesForHelp)")
    }
    return type
}

/// Opens `path`: raw binary if `rawType` is given, text if the name ends in `.txt`, else `.npy`;
/// `-` is standard input (`.npy` told by its magic, raw with `rawType`, else text).
/// `inputType` reinterprets the elements of a binary file (same width), e.g. uint16 as bf16.
func openArray(_ path: String, rawType: String?, inputType: String?, role: String = "input") throws -> ArrayData {
    let raw = try rawType.map { try parseElementType($0, option: "--raw-dtype") }
    let reinterpret = try inputType.map { try parseElementType($0, option: "--input-dtype") }
    if path == "-" {
        // Standard input: a .npy (told by its magic), raw binary with --raw-dtype, else text.
        let bytes = readStandardInput()
        if raw != nil || bytes.starts(with: [0x93] + Array("NUMPY".utf8)) {
            let folder = getenv("TMPDIR").map { String(cString: $0) + "/" } ?? "/tmp/"
            var template = Array((folder + "minifloat-stdin-XXXXXX").utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard fd >= 0 else { throw CLIError("cannot hold standard input in a temporary file: \(String(cString: strerror(errno)))") }
            let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            defer { unlink(temporary) }  // the open array keeps its data
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
                guard n > 0 else { close(fd); throw CLIError("cannot hold standard input in a temporary file: \(String(cString: strerror(errno)))") }
                offset += n
            }
            close(fd)
            return try openBinary(temporary, raw: raw, reinterpret: reinterpret, role: role)
        }
        return try textArray(bytes, name: "standard input", role: role)
    }
    if raw == nil && path.hasSuffix(".txt") {
        return try textArray(try readWholeFile(path), name: "'\(path)'", role: role)
    }
    return try openBinary(path, raw: raw, reinterpret: reinterpret, role: role)
}

/// The lines of a text input, parsed into values later (one per line; blank lines and # comments
/// skipped; LF, CRLF or CR line ends; a byte-order mark ignored).
func textArray(_ bytes: [UInt8], name: String, role: String) throws -> ArrayData {
    guard var text = String(validating: bytes, as: UTF8.self) else {
        throw CLIError("\(role) \(name) is not UTF-8 text; write one number per line")
    }
    if text.unicodeScalars.first == "\u{FEFF}" { text.unicodeScalars.removeFirst() }  // a byte-order mark
    var lines: [String] = [], numbers: [Int] = []
    // Lines end in LF, CRLF (Windows; one Character in Swift) or CR.
    for (n, line) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        .enumerated() {
        let trimmed = line.trimmingCharacters(in: " \t\r")
        if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
        lines.append(trimmed)
        numbers.append(n + 1)
    }
    guard !lines.isEmpty else { throw CLIError("\(role) \(name) holds no values; write one number per line") }
    return .text(lines: lines, lineNumbers: numbers)
}

/// Everything on standard input.
func readStandardInput() -> [UInt8] {
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        result.append(contentsOf: chunk[0..<n])
    }
    return result
}

func openBinary(_ path: String, raw: ElementType?, reinterpret: ElementType?, role: String) throws -> ArrayData {
    let input: ArrayInput
    do {
        input = try ArrayInput(path: path, rawType: raw)
        if let reinterpret { try input.reinterpret(as: reinterpret) }
    } catch let error as ArrayFileError {
        throw CLIError(error.description)
    }
    guard input.count > 0 else {
        throw CLIError("\(role) '\(path)' holds no elements (shape \(NpyHeader.shapeText(input.shape))); give a non-empty array")
    }
    return .binary(input)
}

func readWholeFile(_ path: String) throws -> [UInt8] {
    let fd = openForReading(path)
    guard fd >= 0 else { throw CLIError("cannot read '\(path)': \(String(cString: strerror(errno))); check the path") }
    defer { close(fd) }
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n >= 0 else { throw CLIError("cannot read '\(path)': \(String(cString: strerror(errno)))") }
        if n == 0 { break }
        result += chunk[0..<n]
    }
    return result
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let c = s.first, set.contains(c) { s.removeFirst() }
        while let c = s.last, set.contains(c) { s.removeLast() }
        return String(s)
    }
}

/// A text line as an exact value: a number (`0.1`, `1/3`, `0x1.8p3`, `inf`, `nan`), or, when it is
/// `0x` hex without `p` and `bitsType` is given, the bits of an element of that type. A NaN keeps
/// its sign (`-nan`, or the sign bit of hex bits).
func parseTextValue(_ line: String, bitsType: ElementType?, where place: String) throws -> ExactValue {
    let lower = line.lowercased()
    if lower.hasPrefix("0x") && !lower.contains("p") {
        guard let bitsType, bitsType.isFloatingPoint else {
            throw CLIError("\(place): '\(line)' looks like hex bits; say their type with --input-dtype f32|f64|f16|bf16 "
                           + "(or write a hex float such as 0x1.8p3)")
        }
        guard let bits = UInt64(lower.dropFirst(2), radix: 16), bits >> UInt64(bitsType.byteCount * 8) == 0 else {
            throw CLIError("\(place): '\(line)' is not \(bitsType.byteCount * 8)-bit hex bits of \(bitsType.numpyName)")
        }
        return bitsType.exactValue(bits: bits)
    }
    do {
        return try ExactValue(parsing: line)
    } catch {
        throw CLIError("\(place): \(error.description)")
    }
}

/// Prints a progress percentage on stderr when it is a terminal and the work is large.
struct Progress {
    let label: String
    let total: Int
    let enabled: Bool
    var last = -1

    init(_ label: String, total: Int) {
        self.label = label
        self.total = total
        enabled = isatty(2) != 0 && total >= 1 << 24
    }

    mutating func update(_ done: Int) {
        guard enabled else { return }
        let percent = done * 100 / max(total, 1)
        guard percent != last else { return }
        last = percent
        var e = StandardError()
        print("\r\(label): \(percent)%", terminator: "", to: &e)
    }

    func finish() {
        guard enabled else { return }
        var e = StandardError()
        print("\r\u{1B}[K", terminator: "", to: &e)
    }
}

/// Elements per chunk when streaming a file.
let chunkElements = 1 << 20

/// When standard input is a pipe or a file: the values (or codes) it holds, separated by
/// line ends or blanks (`echo 1 2.5 | minifloat quantize e4m3fn`; `1.5 * 2^-130` stays one
/// value; lines starting with `#` are comments). Nothing when standard input is a terminal.
func standardInputValues() throws -> [String] {
    guard isatty(0) == 0 else { return [] }
    let bytes = readStandardInput()
    guard !bytes.isEmpty, case .text(let lines, _) = try textArray(bytes, name: "standard input", role: "input") else { return [] }
    return lines.flatMap(splitValues)
}

/// The values of a line separated by blanks, keeping products together: `1 2.5` is two values,
/// `1.5 * 2^-130` (and `1.5 *2^-130`, `1.5* 2^-130`) one.
func splitValues(_ line: String) -> [String] {
    var out: [String] = []
    var joinNext = false
    for token in line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) {
        if let last = out.last, joinNext || token.hasPrefix("*") {
            out[out.count - 1] = last + " " + token
        } else {
            out.append(token)
        }
        joinNext = token.hasSuffix("*")
    }
    return out
}
