// Block formats (MX, NVFP4): quantize, dequantize and verify on the caller's buffers.
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

/// The array's shape (C order), checked, and its layout for blocks of `f` along `axis`.
func blockLayout(_ f: BlockFormat, _ ndim: Int32, _ shapePointer: UnsafePointer<Int>?, _ axis: Int32) throws -> (shape: [Int], axis: Int, layout: BlockLayout) {
    guard (0...64).contains(ndim) else { throw PythonArgumentError("arrays of \(ndim) dimensions are not supported (0 to 64)") }
    guard ndim == 0 || shapePointer != nil else { throw PythonArgumentError("shape is NULL") }
    let shape = ndim == 0 ? [] : Array(UnsafeBufferPointer(start: shapePointer, count: Int(ndim)))
    var total = 1
    for d in shape {
        guard d >= 0 else { throw PythonArgumentError("shape \(shape) has a negative dimension") }
        let (product, overflow) = total.multipliedReportingOverflow(by: d)
        guard !overflow, product <= Int.max / 8 else { throw PythonArgumentError("shape \(shape) is larger than any array can be") }
        total = product
    }
    let rank = max(shape.count, 1)
    guard (-rank..<rank).contains(Int(axis)) else {
        throw PythonArgumentError("axis \(axis) is out of range for an array of \(rank) dimension\(rank == 1 ? "" : "s"): use \(-rank) to \(rank - 1)")
    }
    let a = axis < 0 ? Int(axis) + rank : Int(axis)
    return (shape, a, BlockLayout(shape: shape, axis: a, blockSize: f.blockSize))
}

/// The block encoding from names (nil or empty scale rule: the format's default).
func blockEncoding(_ f: BlockFormat, scaleRule: UnsafePointer<CChar>?, specials: UnsafePointer<CChar>?,
                   rounding: RoundingMode, saturation: SaturationMode) throws -> BlockEncoding {
    var rule: ScaleRule? = nil
    if let scaleRule, scaleRule.pointee != 0 {
        let name = String(cString: scaleRule)
        guard let r = ScaleRule.named(name) else {
            throw PythonArgumentError("unknown scale_rule '\(name.quotedForMessage())': use \(ScaleRule.all.map(\.name).joined(separator: ", "))")
        }
        rule = r
    }
    let specialsName = try string(specials, "specials")
    guard let s = BlockSpecials(rawValue: specialsName.lowercased()) else {
        throw PythonArgumentError("unknown specials '\(specialsName.quotedForMessage())': use nan-scale or finite-amax")
    }
    return BlockEncoding(for: f, scaleRule: rule, rounding: rounding, saturation: saturation, specials: s)
}

/// The tensor scale argument: NaN means "not given" (nil); otherwise a positive finite float32.
func givenTensorScale(_ f: BlockFormat, _ t: Double) throws -> Float? {
    if t.isNaN { return nil }
    guard f.hasTensorScale else { throw PythonArgumentError("tensor_scale applies to nvfp4 only; \(f.name) has no per-tensor scale") }
    guard t.isFinite, t > 0, Double(Float(t)) == t else {
        throw PythonArgumentError("tensor_scale \(t) must be a positive finite float32 value (np.float32(x) gives one)")
    }
    return Float(t)
}

@_cdecl("minifloat_py_block_quantize")
/// Encodes a C-order array of `source_dtype` with `ndim` dimensions `shape` in blocks of `format`
/// (block_size 0: the format's) along `axis`: `scales` receives one scale code per block (the
/// shape with the axis shortened to ceil(length / block_size)), `elements` one stored element code
/// per element (FP4 unpacked). `tensor_scale`: NaN computes NVFP4's default; the one used is
/// written to `*used_tensor_scale` (NaN for MX). Random values as for minifloat_py_quantize.
public func minifloat_py_block_quantize(
    _ formatName: UnsafePointer<CChar>?, _ blockSize: Int, _ xs: UnsafeRawPointer?, _ sourceType: UnsafePointer<CChar>?,
    _ ndim: Int32, _ shape: UnsafePointer<Int>?, _ axis: Int32,
    _ scaleRule: UnsafePointer<CChar>?, _ specials: UnsafePointer<CChar>?,
    _ roundingName: UnsafePointer<CChar>?, _ saturationName: UnsafePointer<CChar>?, _ randomBits: Int32,
    _ random: UnsafePointer<UInt32>?, _ useSeed: Int32, _ seed: UInt64, _ tensorScale: Double, _ threads: Int32,
    _ scales: UnsafeMutablePointer<UInt8>?, _ elements: UnsafeMutablePointer<UInt8>?, _ usedTensorScale: UnsafeMutablePointer<Double>?
) -> Int32 {
    guarded {
        let f = try blockFormat(formatName, blockSize: blockSize)
        let source = try floatSource(sourceType, "source dtype")
        let (_, _, layout) = try blockLayout(f, ndim, shape, axis)
        let mode = try roundingMode(roundingName, bits: Int(randomBits))
        let saturation = try saturationMode(saturationName)
        let encoding = try blockEncoding(f, scaleRule: scaleRule, specials: specials, rounding: mode, saturation: saturation)
        let n = layout.elementCount
        let randomSource = try randomSource(mode, values: random, n: n, useSeed: useSeed, seed: seed)
        let given = try givenTensorScale(f, tensorScale)
        let t = try threadCount(threads)
        guard n == 0 || (xs != nil && elements != nil), layout.scaleCount == 0 || scales != nil else {
            throw PythonArgumentError("xs, scales and elements must not be NULL")
        }
        let s = UnsafeMutableBufferPointer(start: scales, count: layout.scaleCount)
        let e = UnsafeMutableBufferPointer(start: elements, count: n)
        func run<S: MinifloatSource>(_: S.Type) -> Float? {
            f.encode(UnsafeBufferPointer(start: xs?.assumingMemoryBound(to: S.self), count: n), layout: layout, encoding: encoding,
                     tensorScale: given, scales: s, elements: e, random: randomSource, threads: t)
        }
        let used: Float? = switch source {
        case .float32: run(Float.self)
        case .float64: run(Double.self)
        case .float16: run(Float16.self)
        case .bfloat16: run(BFloat16.self)
        }
        usedTensorScale?.pointee = used.map(Double.init) ?? .nan
    }
}

@_cdecl("minifloat_py_block_dequantize")
/// Decodes block codes (as minifloat_py_block_quantize writes them, elements unpacked) of an array of
/// `shape` along `axis` to `values` of `value_dtype` ("float32", rounded once, or "float64", exact).
/// NVFP4 needs `tensor_scale` (a positive finite float32 value); MX takes NaN.
public func minifloat_py_block_dequantize(
    _ formatName: UnsafePointer<CChar>?, _ blockSize: Int, _ scales: UnsafePointer<UInt8>?, _ elements: UnsafePointer<UInt8>?,
    _ ndim: Int32, _ shape: UnsafePointer<Int>?, _ axis: Int32, _ tensorScale: Double,
    _ values: UnsafeMutableRawPointer?, _ valueType: UnsafePointer<CChar>?, _ threads: Int32
) -> Int32 {
    guarded {
        let f = try blockFormat(formatName, blockSize: blockSize)
        let (_, _, layout) = try blockLayout(f, ndim, shape, axis)
        let given = try givenTensorScale(f, tensorScale)
        if f.hasTensorScale && given == nil { throw PythonArgumentError("\(f.name) needs its tensor_scale to decode") }
        let t = try threadCount(threads)
        let output = try string(valueType, "dtype")
        guard output == "float32" || output == "float64" else {
            throw PythonArgumentError("dtype \(output) is not supported: use float32 or float64")
        }
        let n = layout.elementCount
        guard n == 0 || (elements != nil && values != nil), layout.scaleCount == 0 || scales != nil else {
            throw PythonArgumentError("scales, elements and values must not be NULL")
        }
        guard n > 0, let values else { return }
        let s = UnsafeBufferPointer(start: scales, count: layout.scaleCount)
        let e = UnsafeBufferPointer(start: elements, count: n)
        if output == "float32" {
            f.decode(scales: s, elements: e, layout: layout, tensorScale: given,
                     into: UnsafeMutableBufferPointer(start: values.assumingMemoryBound(to: Float.self), count: n), threads: t)
        } else {
            f.decode(scales: s, elements: e, layout: layout, tensorScale: given,
                     into: UnsafeMutableBufferPointer(start: values.assumingMemoryBound(to: Double.self), count: n), threads: t)
        }
    }
}

@_cdecl("minifloat_py_block_verify")
/// Verifies claimed block codes (scales as quantize writes them, elements unpacked; `packed`
/// says whether the claims came packed, for the swapped-nibble diagnosis) against the reference
/// encoding of the input (MinifloatVerify.BlockVerifier). Stochastic modes take the seed. Writes
/// the JSON and text reports (free with minifloat_py_free) and the mismatch count.
public func minifloat_py_block_verify(
    _ formatName: UnsafePointer<CChar>?, _ blockSize: Int, _ xs: UnsafeRawPointer?, _ sourceType: UnsafePointer<CChar>?,
    _ ndim: Int32, _ shape: UnsafePointer<Int>?, _ axis: Int32,
    _ scaleRule: UnsafePointer<CChar>?, _ specials: UnsafePointer<CChar>?,
    _ roundingName: UnsafePointer<CChar>?, _ saturationName: UnsafePointer<CChar>?, _ randomBits: Int32,
    _ useSeed: Int32, _ seed: UInt64, _ tensorScale: Double, _ threads: Int32,
    _ claimedScales: UnsafePointer<UInt8>?, _ claimedElements: UnsafePointer<UInt8>?, _ packed: Int32, _ maxMismatches: Int,
    _ json: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ text: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ mismatching: UnsafeMutablePointer<Int>?
) -> Int32 {
    guarded {
        let f = try blockFormat(formatName, blockSize: blockSize)
        let source = try floatSource(sourceType, "source dtype")
        let (shapeArray, a, layout) = try blockLayout(f, ndim, shape, axis)
        let mode = try roundingMode(roundingName, bits: Int(randomBits))
        let saturation = try saturationMode(saturationName)
        let encoding = try blockEncoding(f, scaleRule: scaleRule, specials: specials, rounding: mode, saturation: saturation)
        if mode.isStochastic && useSeed == 0 { throw PythonArgumentError("stochastic rounding of blocks needs seed=S") }
        if !mode.isStochastic && useSeed != 0 { throw PythonArgumentError("seed applies only to stochastic rounding (sra, srb, src)") }
        guard maxMismatches >= 0 else { throw PythonArgumentError("max_mismatches must be at least 0") }
        let t = try threadCount(threads)
        let n = layout.elementCount
        guard n == 0 || (xs != nil && claimedElements != nil), layout.scaleCount == 0 || claimedScales != nil else {
            throw PythonArgumentError("xs, scales and elements must not be NULL")
        }
        let values: BlockValues
        let typeName: String
        switch source {
        case .float32:
            values = .float(Array(UnsafeBufferPointer(start: xs?.assumingMemoryBound(to: Float.self), count: n)))
            typeName = "float32"
        case .float64:
            values = .double(Array(UnsafeBufferPointer(start: xs?.assumingMemoryBound(to: Double.self), count: n)))
            typeName = "float64"
        case .float16:
            values = .double(UnsafeBufferPointer(start: xs?.assumingMemoryBound(to: Float16.self), count: n).map { Double($0) })
            typeName = "float16"
        case .bfloat16:
            values = .double(UnsafeBufferPointer(start: xs?.assumingMemoryBound(to: BFloat16.self), count: n).map { Double(Float($0)) })
            typeName = "bfloat16"
        }
        let data = BlockArray(values: values, shape: shapeArray, typeName: typeName)
        var used = try givenTensorScale(f, tensorScale)
        if f.hasTensorScale && used == nil {
            used = Float(Oracle.nearestDouble(ExactValue(BlockOracle.defaultTensorScale(amax: data.exactAmax, format: f))))
        }
        let verifier = BlockVerifier(format: f, encoding: encoding, data: data, axis: a, tensorScale: used,
                                     seed: mode.isStochastic ? seed : nil, threads: t)
        var report = verifier.verify(claimedScales: Array(UnsafeBufferPointer(start: claimedScales, count: layout.scaleCount)),
                                     claimedElements: Array(UnsafeBufferPointer(start: claimedElements, count: n)),
                                     packed: packed != 0, maxMismatches: maxMismatches)
        report.input = .init(path: "(array)", type: typeName, shape: shapeArray)
        report.claimedScales = "(array)"
        report.claimedElements = "(array)"
        give(try JSON.encode(report).text, json)
        give(report.text(moreHint: pythonMoreHint), text)
        mismatching?.pointee = report.mismatching
    }
}
