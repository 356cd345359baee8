// Element formats: quantize (codes or packed FP4) and dequantize, on the caller's buffers.
import CMinifloatVerify
import Minifloat
import MinifloatCSupport
import MinifloatIO
import MinifloatVerify
import MinifloatVerifyC

@_cdecl("minifloat_py_quantize")
/// Encodes `n` elements of `source_dtype` at `xs` (native order, contiguous) to `format`, each rounded
/// once from its exact value (the array API: Format.encode(raw:as:count:into:...)).
/// - `codes`: n codes of `code_bytes` (1, 2 or 4) bytes; with `packed` nonzero, (n + 1) / 2 bytes of
///   packed FP4 instead (element 2k in the low nibble of byte k).
/// - `rounding`, `random_bits`: "rne", "rna", "rtz", "rtp", "rtn", "rto", or "sra"/"srb"/"src" with
///   random_bits N (1...32); else random_bits 0.
/// - Stochastic modes take `random` (n uint32 values, R_i = low N bits of random[i]) or `use_seed`
///   and `seed` (R_i = top N bits of word i of SplitMix64's outputs, halves low first; `RandomSource.seed`).
public func minifloat_py_quantize(
    _ formatName: UnsafePointer<CChar>?, _ xs: UnsafeRawPointer?, _ sourceType: UnsafePointer<CChar>?, _ n: Int,
    _ codes: UnsafeMutableRawPointer?, _ codeBytes: Int, _ packed: Int32,
    _ roundingName: UnsafePointer<CChar>?, _ saturationName: UnsafePointer<CChar>?, _ randomBits: Int32,
    _ random: UnsafePointer<UInt32>?, _ useSeed: Int32, _ seed: UInt64, _ threads: Int32
) -> Int32 {
    guarded {
        let format = try elementFormat(formatName)
        let source = try floatSource(sourceType, "source dtype")
        let n = try count(n)
        let mode = try roundingMode(roundingName, bits: Int(randomBits))
        let saturation = try saturationMode(saturationName)
        let randomSource = try randomSource(mode, values: random, n: n, useSeed: useSeed, seed: seed)
        let t = try threadCount(threads)
        guard n == 0 || (xs != nil && codes != nil) else { throw PythonArgumentError("xs and codes must not be NULL") }
        let raw = UnsafeRawBufferPointer(start: xs, count: n * source.byteCount)
        if packed != 0 {
            guard format.bitWidth == 4 else {
                throw PythonArgumentError("\(format.name) has \(format.bitWidth) bits; packed arrays need a 4-bit format")
            }
            guard n > 0, let codes else { return }
            let bytes = UnsafeMutableBufferPointer(start: codes.assumingMemoryBound(to: UInt8.self), count: (n + 1) / 2)
            format.encodePacked(raw: raw, as: source, count: n, into: bytes, rounding: mode, saturation: saturation,
                                random: randomSource, threads: t)
            return
        }
        let widths = [1, 2, 4].filter { $0 * 8 >= format.bitWidth }
        guard widths.contains(codeBytes) else {
            throw PythonArgumentError("code_bytes \(codeBytes) cannot hold \(format.name)'s \(format.bitWidth)-bit codes: "
                                      + "use \(widths.map(String.init).joined(separator: " or "))")
        }
        guard n > 0, let codes else { return }
        switch codeBytes {
        case 1:
            format.encode(raw: raw, as: source, count: n, into: UnsafeMutableBufferPointer(start: codes.assumingMemoryBound(to: UInt8.self), count: n),
                          rounding: mode, saturation: saturation, random: randomSource, threads: t)
        case 2:
            format.encode(raw: raw, as: source, count: n, into: UnsafeMutableBufferPointer(start: codes.assumingMemoryBound(to: UInt16.self), count: n),
                          rounding: mode, saturation: saturation, random: randomSource, threads: t)
        default:
            format.encode(raw: raw, as: source, count: n, into: UnsafeMutableBufferPointer(start: codes.assumingMemoryBound(to: UInt32.self), count: n),
                          rounding: mode, saturation: saturation, random: randomSource, threads: t)
        }
    }
}

@_cdecl("minifloat_py_dequantize")
/// Decodes `n` codes of `format` to `values` of `value_dtype` ("float32": each value rounded once
/// to nearest even, exact for every format whose values are float32 values; "float64": exact for
/// formats of at most 16 bits). `codes` holds n codes of `code_bytes` (1, 2 or 4) bytes, or with
/// `packed` nonzero (n + 1) / 2 bytes of packed FP4. A code above the format's largest is an error
/// (nothing is written).
public func minifloat_py_dequantize(
    _ formatName: UnsafePointer<CChar>?, _ codes: UnsafeRawPointer?, _ codeBytes: Int, _ n: Int, _ packed: Int32,
    _ values: UnsafeMutableRawPointer?, _ valueType: UnsafePointer<CChar>?, _ threads: Int32
) -> Int32 {
    guarded {
        let format = try elementFormat(formatName)
        let n = try count(n)
        let t = try threadCount(threads)
        let output = try string(valueType, "dtype")
        guard output == "float32" || output == "float64" else {
            throw PythonArgumentError("dtype \(output) is not supported: use float32 or float64")
        }
        guard n == 0 || (codes != nil && values != nil) else { throw PythonArgumentError("codes and values must not be NULL") }
        if packed != 0 {
            guard format.bitWidth == 4 else {
                throw PythonArgumentError("\(format.name) has \(format.bitWidth) bits; packed arrays need a 4-bit format")
            }
            guard n > 0, let codes, let values else { return }
            let bytes = UnsafeBufferPointer(start: codes.assumingMemoryBound(to: UInt8.self), count: (n + 1) / 2)
            if output == "float32" {
                format.decodePacked(bytes, count: n, into: UnsafeMutableBufferPointer(start: values.assumingMemoryBound(to: Float.self), count: n), threads: t)
            } else {
                format.decodePacked(bytes, count: n, into: UnsafeMutableBufferPointer(start: values.assumingMemoryBound(to: Double.self), count: n), threads: t)
            }
            return
        }
        guard [1, 2, 4].contains(codeBytes) else { throw PythonArgumentError("code_bytes must be 1, 2 or 4 (got \(codeBytes))") }
        guard n > 0, let codes, let values else { return }
        func run<C: FixedWidthInteger & UnsignedInteger>(_: C.Type) throws {
            let c = UnsafeBufferPointer(start: codes.assumingMemoryBound(to: C.self), count: n)
            if let bad = c.firstIndex(where: { UInt64($0) > UInt64(format.maxCode) }) {
                throw PythonArgumentError("codes[\(bad)] = \(c[bad]) is above \(format.name)'s largest code "
                                          + "\(format.hexCode(format.maxCode)) (\(format.maxCode))")
            }
            if output == "float32" {
                format.decode(c, into: UnsafeMutableBufferPointer(start: values.assumingMemoryBound(to: Float.self), count: n), threads: t)
            } else {
                format.decode(c, into: UnsafeMutableBufferPointer(start: values.assumingMemoryBound(to: Double.self), count: n), threads: t)
            }
        }
        switch codeBytes {
        case 1: try run(UInt8.self)
        case 2: try run(UInt16.self)
        default: try run(UInt32.self)
        }
    }
}

@_cdecl("minifloat_py_last_error")
/// This thread's last error message ("" if none).
public func minifloat_py_last_error() -> UnsafePointer<CChar> { lastErrorMessage() }

@_cdecl("minifloat_py_verify")
/// minifloat_verify (minifloat_verify.h) on arrays of `ndim` dimensions `shape` (C order): the same
/// checks and report, with multi-dimensional indices in the mismatches. Returns 0 (match), 1
/// (mismatch) or 2 (bad arguments; nothing written).
public func minifloat_py_verify(
    _ format: UnsafePointer<CChar>?, _ input: UnsafeRawPointer?, _ inputDtype: UnsafePointer<CChar>?,
    _ ndim: Int32, _ shapePointer: UnsafePointer<Int>?,
    _ claimed: UnsafeRawPointer?, _ claimedDtype: UnsafePointer<CChar>?, _ claimedAs: UnsafePointer<CChar>?,
    _ options: UnsafePointer<minifloat_verify_options>?,
    _ json: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ text: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    var mismatching = false
    let status = guarded {
        guard (0...64).contains(ndim), ndim == 0 || shapePointer != nil else {
            throw PythonArgumentError("shape must have 0 to 64 dimensions")
        }
        let shape = ndim == 0 ? [] : Array(UnsafeBufferPointer(start: shapePointer, count: Int(ndim)))
        var n = 1
        for d in shape {
            let (p, o) = n.multipliedReportingOverflow(by: d)
            guard d >= 0, !o, p <= Int.max / 8 else { throw PythonArgumentError("shape \(shape) is not the shape of an array") }
            n = p
        }
        let report = try verify(format, input, inputDtype, n, claimed, claimedDtype, claimedAs,
                                options?.pointee ?? MinifloatVerifyC.minifloat_verify_default_options(), shape: shape)
        give(try JSON.encode(report).text, json)
        give(report.text(moreHint: pythonMoreHint), text)
        mismatching = report.mismatching > 0
    }
    return status == 0 ? (mismatching ? 1 : 0) : status
}

@_cdecl("minifloat_py_quantize_profile")
/// Encodes `n` elements of `source_dtype` at `xs` as system profile `profile` does ("torch",
/// "jax", "ml_dtypes", "cuda", "cuda-ptx", "triton"; SystemConversion.encode), into n codes of
/// `code_bytes` bytes. `rounding` and `saturation` (NULL: the profile's default call) pick a call.
public func minifloat_py_quantize_profile(
    _ formatName: UnsafePointer<CChar>?, _ xs: UnsafeRawPointer?, _ sourceType: UnsafePointer<CChar>?, _ n: Int,
    _ codes: UnsafeMutableRawPointer?, _ codeBytes: Int, _ profileName: UnsafePointer<CChar>?,
    _ roundingName: UnsafePointer<CChar>?, _ saturationName: UnsafePointer<CChar>?, _ threads: Int32
) -> Int32 {
    guarded {
        let format = try elementFormat(formatName)
        let source = try floatSource(sourceType, "source dtype")
        let n = try count(n)
        let name = try string(profileName, "profile")
        guard let profile = SystemProfile.named(name) else {
            throw PythonArgumentError("unknown profile '\(name.quotedForMessage())': use "
                                      + SystemProfile.all.map(\.name).joined(separator: ", "))
        }
        let mode = try roundingName.map { try roundingMode($0, bits: 0) }
        let saturation = try saturationName.map { try saturationMode($0) }
        let system = try SystemProfileCall(profile, format: format, rounding: mode, saturation: saturation)
        try system.check(source: source)
        let t = try threadCount(threads)
        guard n == 0 || (xs != nil && codes != nil) else { throw PythonArgumentError("xs and codes must not be NULL") }
        guard [1, 2].contains(codeBytes) && codeBytes * 8 >= format.bitWidth else {
            throw PythonArgumentError("code_bytes \(codeBytes) cannot hold \(format.name)'s codes: use 1 or 2")
        }
        guard n > 0, let codes else { return }
        let raw = UnsafeRawBufferPointer(start: xs, count: n * source.byteCount)
        if codeBytes == 1 {
            try system.encode(raw: raw, as: source, count: n,
                              into: UnsafeMutableBufferPointer(start: codes.assumingMemoryBound(to: UInt8.self), count: n), threads: t)
        } else {
            try system.encode(raw: raw, as: source, count: n,
                              into: UnsafeMutableBufferPointer(start: codes.assumingMemoryBound(to: UInt16.self), count: n), threads: t)
        }
    }
}
