// The C interface (include/minifloat.h): thin wrappers over the Swift API that check every
// argument and return a status instead of trapping.
import Minifloat
import MinifloatCSupport
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A format handed to C: kept alive for the life of the process by the registry.
final class FormatBox: Sendable {
    let format: Format
    nonisolated(unsafe) let name: UnsafeMutablePointer<CChar>
    init(_ format: Format) {
        self.format = format
        name = strdup(format.name)!
    }
}

let registry = Mutex<[String: FormatBox]>([:])

/// The most distinct formats minifloat_format_named keeps (about 200 bytes each).
let maxRegisteredFormats = 4096

enum Status: Int32 {
    case ok = 0, null, unknownFormat, rounding, saturation, codeRange, codeWidth, notFP4, threads, size
}

/// Records `message` as this thread's last error (minifloat_last_error) and returns `status`.
func fail(_ status: Status, _ message: String) -> Int32 {
    recordLastError(message)
    return status.rawValue
}

/// A failed argument check, carrying the status already recorded by `fail`.
struct CFailure: Error { let status: Int32 }

func box(_ pointer: OpaquePointer?) -> FormatBox? {
    guard let pointer else { return nil }
    return Unmanaged<FormatBox>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
}

/// The rounding mode for C arguments, or a failure status.
func roundingMode(_ r: Int32, bits: UInt32, random: UInt64, array: Bool) -> Result<RoundingMode, CFailure> {
    let simple: [RoundingMode] = [.nearestTiesToEven, .nearestTiesToAway, .towardZero, .towardPositive,
                                  .towardNegative, .toOdd]
    if (0...5).contains(r) {
        guard bits == 0 && random == 0 else {
            return .failure(CFailure(status: fail(.rounding, "random_bits and random/seed must be 0 for deterministic rounding")))
        }
        return .success(simple[Int(r)])
    }
    guard (6...8).contains(r) else { return .failure(CFailure(status: fail(.rounding, "rounding mode \(r) is not 0...8"))) }
    guard (1...32).contains(bits) else { return .failure(CFailure(status: fail(.rounding, "random_bits must be 1...32 (got \(bits))"))) }
    let n = Int(bits)
    if !array {
        guard random < (1 as UInt64) << UInt64(bits) else {
            return .failure(CFailure(status: fail(.rounding, "random \(random) does not fit in \(bits) bits")))
        }
    }
    let value = array ? 0 : random
    switch r {
    case 6: return .success(.stochasticA(bits: n, random: value))
    case 7: return .success(.stochasticB(bits: n, random: value))
    default: return .success(.stochasticC(bits: n, random: value))
    }
}

func saturationMode(_ s: Int32) -> SaturationMode? {
    switch s {
    case 0: return .satNone
    case 1: return .satFinite
    case 2: return .satPropagate
    default: return nil
    }
}

@_cdecl("minifloat_format_named")
public func minifloat_format_named(_ name: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guard let name, let out else { return fail(.null, "name and format must not be NULL") }
    let text = String(cString: name)
    let format: Format
    do { format = try Format.named(text) } catch { return fail(.unknownFormat, error.description) }
    let found = registry.withLock { table -> FormatBox? in
        if let existing = table[format.name] { return existing }
        // Pointers live as long as the process, so entries are never evicted; the number of
        // distinct formats is bounded instead (every catalog format fits many times over).
        guard table.count < maxRegisteredFormats else { return nil }
        let created = FormatBox(format)
        table[format.name] = created
        return created
    }
    guard let b = found else {
        return fail(.unknownFormat, "this process has already looked up \(maxRegisteredFormats) distinct formats, the most "
                    + "minifloat_format_named keeps; look each format up once and reuse its pointer")
    }
    out.pointee = OpaquePointer(Unmanaged.passUnretained(b).toOpaque())
    return Status.ok.rawValue
}

@_cdecl("minifloat_format_name")
public func minifloat_format_name(_ f: OpaquePointer?) -> UnsafePointer<CChar>? {
    box(f).map { UnsafePointer($0.name) }
}

@_cdecl("minifloat_format_bits")
public func minifloat_format_bits(_ f: OpaquePointer?) -> Int32 { Int32(box(f)?.format.bitWidth ?? 0) }

@_cdecl("minifloat_format_max_code")
public func minifloat_format_max_code(_ f: OpaquePointer?) -> UInt32 { box(f)?.format.maxCode ?? 0 }

@_cdecl("minifloat_encode_double")
public func minifloat_encode_double(_ f: OpaquePointer?, _ x: Double, _ r: Int32, _ s: Int32, _ bits: UInt32,
                                    _ random: UInt64, _ code: UnsafeMutablePointer<UInt32>?) -> Int32 {
    guard let b = box(f), let code else { return fail(.null, "format and code must not be NULL") }
    guard let sat = saturationMode(s) else { return fail(.saturation, "saturation mode \(s) is not 0...2") }
    switch roundingMode(r, bits: bits, random: random, array: false) {
    case .failure(let failure): return failure.status
    case .success(let mode):
        code.pointee = b.format.encode(x, rounding: mode, saturation: sat)
        return Status.ok.rawValue
    }
}

@_cdecl("minifloat_encode_float")
public func minifloat_encode_float(_ f: OpaquePointer?, _ x: Float, _ r: Int32, _ s: Int32, _ bits: UInt32,
                                   _ random: UInt64, _ code: UnsafeMutablePointer<UInt32>?) -> Int32 {
    guard let b = box(f), let code else { return fail(.null, "format and code must not be NULL") }
    guard let sat = saturationMode(s) else { return fail(.saturation, "saturation mode \(s) is not 0...2") }
    switch roundingMode(r, bits: bits, random: random, array: false) {
    case .failure(let failure): return failure.status
    case .success(let mode):
        code.pointee = b.format.encode(x, rounding: mode, saturation: sat)
        return Status.ok.rawValue
    }
}

@_cdecl("minifloat_decode_double")
public func minifloat_decode_double(_ f: OpaquePointer?, _ code: UInt32, _ value: UnsafeMutablePointer<Double>?) -> Int32 {
    guard let b = box(f), let value else { return fail(.null, "format and value must not be NULL") }
    guard code <= b.format.maxCode else {
        return fail(.codeRange, "code \(code) is above \(b.format.name)'s largest code \(b.format.maxCode)")
    }
    value.pointee = b.format.decode(code)
    return Status.ok.rawValue
}

/// Checks the shared array arguments; returns the modes or a failure status.
func arrayArguments(_ b: FormatBox, n: Int, codeBytes: Int, r: Int32, s: Int32, bits: UInt32, seed: UInt64,
                    threads: Int32) -> Result<(RoundingMode, SaturationMode, RandomSource?, Int?), CFailure> {
    // n arrives as a size_t: above Int.max it reads as negative; above Int.max / 8 no buffer can hold it.
    guard n >= 0, n <= Int.max / 8 else {
        return .failure(CFailure(status: fail(.size, "n = \(UInt(bitPattern: n)) is larger than any array can be")))
    }
    let widths = [1, 2, 4].filter { $0 * 8 >= b.format.bitWidth }
    guard widths.contains(codeBytes) else {
        return .failure(CFailure(status: fail(.codeWidth, "code_bytes \(codeBytes) cannot hold \(b.format.name)'s \(b.format.bitWidth)-bit codes: "
                                               + "use \(widths.map(String.init).joined(separator: " or "))")))
    }
    guard let sat = saturationMode(s) else { return .failure(CFailure(status: fail(.saturation, "saturation mode \(s) is not 0...2"))) }
    guard threads >= 0 else { return .failure(CFailure(status: fail(.threads, "threads must be 0 (all processors) or more"))) }
    let stochastic = (6...8).contains(r)
    switch roundingMode(r, bits: bits, random: stochastic ? 0 : seed, array: true) {
    case .failure(let failure): return .failure(failure)
    case .success(let mode):
        return .success((mode, sat, stochastic ? .seed(seed) : nil, threads == 0 ? nil : Int(threads)))
    }
}

func encodeArray<T>(_ f: OpaquePointer?, _ xs: UnsafePointer<T>?, _ n: Int, _ codes: UnsafeMutableRawPointer?,
                    _ codeBytes: Int, _ r: Int32, _ s: Int32, _ bits: UInt32, _ seed: UInt64, _ threads: Int32,
                    _ body: (Format, UnsafeBufferPointer<T>, UnsafeMutableRawPointer, RoundingMode, SaturationMode,
                             RandomSource?, Int?) -> Void) -> Int32 {
    guard let b = box(f) else { return fail(.null, "format must not be NULL") }
    guard n == 0 || (xs != nil && codes != nil) else { return fail(.null, "xs and codes must not be NULL") }
    switch arrayArguments(b, n: n, codeBytes: codeBytes, r: r, s: s, bits: bits, seed: seed, threads: threads) {
    case .failure(let failure): return failure.status
    case .success(let (mode, sat, random, t)):
        guard n > 0, let xs, let codes else { return Status.ok.rawValue }
        body(b.format, UnsafeBufferPointer(start: xs, count: n), codes, mode, sat, random, t)
        return Status.ok.rawValue
    }
}

@_cdecl("minifloat_encode_float_array")
public func minifloat_encode_float_array(_ f: OpaquePointer?, _ xs: UnsafePointer<Float>?, _ n: Int,
                                         _ codes: UnsafeMutableRawPointer?, _ codeBytes: Int, _ r: Int32, _ s: Int32,
                                         _ bits: UInt32, _ seed: UInt64, _ threads: Int32) -> Int32 {
    encodeArray(f, xs, n, codes, codeBytes, r, s, bits, seed, threads) { format, source, out, m, sat, random, t in
        switch codeBytes {
        case 1: format.encode(source, into: UnsafeMutableBufferPointer(start: out.assumingMemoryBound(to: UInt8.self), count: n),
                              rounding: m, saturation: sat, random: random, threads: t)
        case 2: format.encode(source, into: UnsafeMutableBufferPointer(start: out.assumingMemoryBound(to: UInt16.self), count: n),
                              rounding: m, saturation: sat, random: random, threads: t)
        default: format.encode(source, into: UnsafeMutableBufferPointer(start: out.assumingMemoryBound(to: UInt32.self), count: n),
                               rounding: m, saturation: sat, random: random, threads: t)
        }
    }
}

@_cdecl("minifloat_encode_double_array")
public func minifloat_encode_double_array(_ f: OpaquePointer?, _ xs: UnsafePointer<Double>?, _ n: Int,
                                          _ codes: UnsafeMutableRawPointer?, _ codeBytes: Int, _ r: Int32, _ s: Int32,
                                          _ bits: UInt32, _ seed: UInt64, _ threads: Int32) -> Int32 {
    encodeArray(f, xs, n, codes, codeBytes, r, s, bits, seed, threads) { format, source, out, m, sat, random, t in
        switch codeBytes {
        case 1: format.encode(source, into: UnsafeMutableBufferPointer(start: out.assumingMemoryBound(to: UInt8.self), count: n),
                              rounding: m, saturation: sat, random: random, threads: t)
        case 2: format.encode(source, into: UnsafeMutableBufferPointer(start: out.assumingMemoryBound(to: UInt16.self), count: n),
                              rounding: m, saturation: sat, random: random, threads: t)
        default: format.encode(source, into: UnsafeMutableBufferPointer(start: out.assumingMemoryBound(to: UInt32.self), count: n),
                               rounding: m, saturation: sat, random: random, threads: t)
        }
    }
}

@_cdecl("minifloat_encode_float_array_packed")
public func minifloat_encode_float_array_packed(_ f: OpaquePointer?, _ xs: UnsafePointer<Float>?, _ n: Int,
                                                _ bytes: UnsafeMutablePointer<UInt8>?, _ r: Int32, _ s: Int32,
                                                _ bits: UInt32, _ seed: UInt64, _ threads: Int32) -> Int32 {
    if let b = box(f), b.format.bitWidth != 4 {
        return fail(.notFP4, "\(b.format.name) has \(b.format.bitWidth) bits; packed arrays need a 4-bit format")
    }
    return encodeArray(f, xs, n, bytes.map(UnsafeMutableRawPointer.init), 1, r, s, bits, seed, threads) {
        format, source, out, m, sat, random, t in
        format.encodePacked(source, into: UnsafeMutableBufferPointer(start: out.assumingMemoryBound(to: UInt8.self),
                                                                     count: (n + 1) / 2),
                            rounding: m, saturation: sat, random: random, threads: t)
    }
}

@_cdecl("minifloat_decode_float_array")
public func minifloat_decode_float_array(_ f: OpaquePointer?, _ codes: UnsafeRawPointer?, _ n: Int, _ codeBytes: Int,
                                         _ values: UnsafeMutablePointer<Float>?, _ threads: Int32) -> Int32 {
    guard let b = box(f) else { return fail(.null, "format must not be NULL") }
    guard n >= 0 else { return fail(.null, "n is too large") }
    guard n == 0 || (codes != nil && values != nil) else { return fail(.null, "codes and values must not be NULL") }
    guard [1, 2, 4].contains(codeBytes), codeBytes * 8 >= b.format.bitWidth else {
        return fail(.codeWidth, "code_bytes \(codeBytes) cannot hold \(b.format.bitWidth)-bit codes: use 1, 2 or 4")
    }
    guard threads >= 0 else { return fail(.threads, "threads must be 0 (all processors) or more") }
    guard n > 0, let codes, let values else { return Status.ok.rawValue }
    let t = threads == 0 ? nil : Int(threads)
    let out = UnsafeMutableBufferPointer(start: values, count: n)
    func run<C: FixedWidthInteger & UnsignedInteger>(_: C.Type) -> Int32 {
        let c = UnsafeBufferPointer(start: codes.assumingMemoryBound(to: C.self), count: n)
        if let bad = c.firstIndex(where: { UInt64($0) > UInt64(b.format.maxCode) }) {
            return fail(.codeRange, "codes[\(bad)] = \(c[bad]) is above \(b.format.name)'s largest code \(b.format.maxCode)")
        }
        b.format.decode(c, into: out, threads: t)
        return Status.ok.rawValue
    }
    switch codeBytes {
    case 1: return run(UInt8.self)
    case 2: return run(UInt16.self)
    default: return run(UInt32.self)
    }
}

nonisolated(unsafe) let statusStrings: [UnsafeMutablePointer<CChar>] = [
    "ok", "a required pointer is NULL", "unknown format name", "bad rounding mode or random bits",
    "bad saturation mode", "code above the format's largest code", "code width too narrow (use 1, 2 or 4 bytes)",
    "packed arrays need a 4-bit format", "threads must not be negative", "n is larger than any array can be",
].map { (text: String) in strdup(text)! }
nonisolated(unsafe) let unknownStatus = strdup("unknown status")!

@_cdecl("minifloat_status_string")
public func minifloat_status_string(_ status: Int32) -> UnsafePointer<CChar> {
    statusStrings.indices.contains(Int(status)) ? UnsafePointer(statusStrings[Int(status)]) : UnsafePointer(unknownStatus)
}

@_cdecl("minifloat_last_error")
public func minifloat_last_error() -> UnsafePointer<CChar> {
    lastErrorMessage()
}
