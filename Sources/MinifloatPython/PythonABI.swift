// The C entry points of the Python package (python/minifloat/_native.py declares them for ctypes).
// They are the package's private interface, not a public C API: names, arguments and JSON fields
// may change with the Python package. Every function checks its arguments, returns 0 on success
// and 2 on bad arguments (the one-line message in minifloat_last_error()), and never traps on
// anything the Python side can pass.
//
// The library this target is linked into (product MinifloatPython) also carries MinifloatC
// (minifloat.h) and MinifloatVerifyC (minifloat_verify.h), so the package loads one library.
import Minifloat
import CMinifloatVerify
import MinifloatC
import MinifloatCSupport
import MinifloatIO
import MinifloatVerify
import MinifloatVerifyC
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A bad argument: its one-line message.
struct PythonArgumentError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Runs `body`, turning any thrown error into status 2 and the last error.
func guarded(_ body: () throws -> Void) -> Int32 {
    do {
        try body()
        return 0
    } catch let e as PythonArgumentError {
        recordLastError(e.message)
    } catch let e as VerifyError {
        recordLastError(e.description)
    } catch let e as FormatError {
        recordLastError(e.description)
    } catch let e as ArgumentError {
        recordLastError(e.message)
    } catch {
        recordLastError("\(error)")
    }
    return 2
}

/// A C string argument that must not be NULL.
func string(_ p: UnsafePointer<CChar>?, _ what: String) throws -> String {
    guard let p else { throw PythonArgumentError("\(what) is NULL") }
    return String(cString: p)
}

/// An element format by name (catalog names, aliases, EeMm, P3109 names).
func elementFormat(_ p: UnsafePointer<CChar>?) throws -> Format {
    let name = try string(p, "format")
    if BlockFormat.named(name) != nil {
        throw PythonArgumentError("\(name) is a block format: use quantize_blocks, dequantize_blocks or verify_blocks")
    }
    do { return try Format.named(name) } catch { throw PythonArgumentError(error.description) }
}

/// A block format by name, with `blockSize` elements per block (0: the format's own).
func blockFormat(_ p: UnsafePointer<CChar>?, blockSize: Int) throws -> BlockFormat {
    let name = try string(p, "format")
    guard let base = BlockFormat.named(name) else {
        if (try? Format.named(name)) != nil {
            throw PythonArgumentError("\(name) is an element format, not a block format: use quantize, dequantize or verify")
        }
        let close = BlockFormat.closeMatches(to: name)
        throw PythonArgumentError("unknown block format '\(name.quotedForMessage())'"
                                  + (close.isEmpty ? "" : ": did you mean \(close.joined(separator: ", "))?")
                                  + " (block formats: \(BlockFormat.all.map(\.name).joined(separator: ", ")))")
    }
    if blockSize == 0 { return base }
    guard (1...(1 << 20)).contains(blockSize) else {
        throw PythonArgumentError("block_size must be 1 to 1048576 (got \(blockSize))")
    }
    return base.withBlockSize(blockSize)
}

/// A float source type by NumPy name.
func floatSource(_ p: UnsafePointer<CChar>?, _ what: String) throws -> FloatSource {
    let name = try string(p, what)
    switch ElementType(name: name) {
    case .float32: return .float32
    case .float64: return .float64
    case .float16: return .float16
    case .bfloat16: return .bfloat16
    default: throw PythonArgumentError("\(what) \(name) is not a float type: use float32, float64, float16 or bfloat16")
    }
}

/// The rounding mode named `name` with `bits` random bits (stochastic modes).
func roundingMode(_ p: UnsafePointer<CChar>?, bits: Int) throws -> RoundingMode {
    let name = try string(p, "rounding")
    if RoundingMode.isStochastic(shortName: name) {
        guard (1...RoundingMode.maxRandomBits).contains(bits) else {
            throw PythonArgumentError("stochastic rounding \(name) needs random_bits 1 to \(RoundingMode.maxRandomBits) (got \(bits))")
        }
    } else if bits != 0 {
        throw PythonArgumentError("random_bits applies only to stochastic rounding (sra, srb, src)")
    }
    guard let m = RoundingMode(shortName: name, randomBits: bits, random: 0) else {
        throw PythonArgumentError("unknown rounding '\(name.quotedForMessage())': use \(RoundingMode.shortNames.joined(separator: ", "))")
    }
    return m
}

/// The saturation mode named `name`.
func saturationMode(_ p: UnsafePointer<CChar>?) throws -> SaturationMode {
    let name = try string(p, "saturation")
    guard let m = SaturationMode(shortName: name) else {
        throw PythonArgumentError("unknown saturation '\(name.quotedForMessage())': use satfinite, satpropagate or satnone")
    }
    return m
}

/// The random source of a stochastic mode: the caller's `n` values, or the seed.
func randomSource(_ mode: RoundingMode, values: UnsafePointer<UInt32>?, n: Int, useSeed: Int32, seed: UInt64) throws -> RandomSource? {
    guard mode.isStochastic else {
        if values != nil || useSeed != 0 {
            throw PythonArgumentError("seed and random apply only to stochastic rounding (sra, srb, src)")
        }
        return nil
    }
    if let values {
        guard useSeed == 0 else { throw PythonArgumentError("give either seed or random, not both") }
        return .values(Array(UnsafeBufferPointer(start: values, count: n)))
    }
    guard useSeed != 0 else {
        throw PythonArgumentError("stochastic rounding needs seed=S (R_i from SplitMix64) or random=array (one R_i per element)")
    }
    return .seed(seed)
}

/// The element count, checked: at most Int.max / 8.
func count(_ n: Int) throws -> Int {
    guard n >= 0, n <= Int.max / 8 else { throw PythonArgumentError("n = \(UInt(bitPattern: n)) is larger than any array can be") }
    return n
}

/// Threads: 0 for all processors (nil), else the count.
func threadCount(_ t: Int32) throws -> Int? {
    guard t >= 0 else { throw PythonArgumentError("threads must be 0 (all processors) or more (got \(t))") }
    return t == 0 ? nil : Int(t)
}

/// Hands a string to C: malloc'd, freed by minifloat_py_free.
func give(_ text: String, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) {
    out?.pointee = strdup(text)
}

@_cdecl("minifloat_py_free")
/// Frees a string or buffer returned by a minifloat_py_ function. NULL is ignored.
public func minifloat_py_free(_ p: UnsafeMutableRawPointer?) { free(p) }

/// The reports' hint after the count of mismatches not shown, in the Python API's terms.
let pythonMoreHint = "max_mismatches=N shows more"
