// Format descriptions (JSON) and test vectors for the Python package.
import Minifloat
import MinifloatIO
import MinifloatVerify
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value `significand * 2^exponent` as JSON (exact at any exponent; Python rebuilds it as a Fraction).
func powerJSON(_ significand: UInt64, _ exponent: Int) -> JSON {
    .object([("significand", .int(Int(significand))), ("exponent", .int(exponent))])
}

/// The short name of a special-value convention, as the formats' names spell it.
func specialsName(_ s: SpecialValues) -> String {
    switch s {
    case .ieee: return "ieee"
    case .nanAtAllOnes: return "fn"
    case .nanAtNegativeZero: return "fnuz"
    case .p3109Finite: return "p3109-finite"
    case .p3109Extended: return "p3109-extended"
    case .none: return "none"
    }
}

/// An element format's description.
func elementJSON(_ f: Format) -> JSON {
    let entry = Format.catalogEntry(named: f.name)
    let largest = f.finiteValue(f.maxFiniteCode()).map { powerJSON($0.significand, $0.exponent) } ?? .null
    let minSubnormal: JSON = f.hasZero && f.mantissaBits > 0 ? powerJSON(1, f.minExponent - f.mantissaBits) : .null
    return .object([
        ("kind", .string("element")), ("name", .string(f.name)), ("bits", .int(f.bitWidth)),
        ("signed", .bool(f.signedness == .signed)), ("exponent_bits", .int(f.exponentBits)),
        ("mantissa_bits", .int(f.mantissaBits)), ("bias", .int(f.bias)),
        ("special_values", .string(specialsName(f.specialValues))), ("has_zero", .bool(f.hasZero)),
        ("has_infinity", .bool(f.hasInfinity)), ("has_nan", .bool(f.hasNaN)),
        ("has_negative_zero", .bool(f.hasNegativeZero)), ("max_code", .int(Int(f.maxCode))),
        ("max_finite", largest), ("min_normal", powerJSON(1, f.minExponent)), ("min_subnormal", minSubnormal),
        ("aliases", .array((entry?.aliases ?? []).map { .string($0) })), ("spec", .string(entry?.citation ?? "custom")),
    ])
}

/// A block format's description.
func blockJSON(_ b: BlockFormat) -> JSON {
    let aliases = BlockFormat.aliases.filter { $0.value == b.name }.keys.sorted()
    return .object([
        ("kind", .string("block")), ("name", .string(b.name)), ("element", elementJSON(b.element)),
        ("element_storage", .string(b.elementStorage == .twosComplement ? "twos-complement" : "codes")),
        ("block_size", .int(b.blockSize)), ("scale", elementJSON(b.scale)), ("tensor_scale", .bool(b.hasTensorScale)),
        ("default_scale_rule", .string(BlockEncoding(for: b).scaleRule.name)), ("aliases", .array(aliases.map { .string($0) })),
    ])
}

@_cdecl("minifloat_py_format_json")
/// The description of the element or block format `name` (any name the CLI takes) as a JSON object
/// in `*json` (free with minifloat_py_free).
public func minifloat_py_format_json(_ name: UnsafePointer<CChar>?, _ json: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guarded {
        let text = try string(name, "format")
        guard json != nil else { throw PythonArgumentError("json is NULL") }
        if let b = BlockFormat.named(text) {
            give(blockJSON(b).text, json)
            return
        }
        let f: Format
        do { f = try Format.named(text) } catch {
            let blocks = BlockFormat.closeMatches(to: text)
            throw PythonArgumentError(blocks.isEmpty ? "\(error)"
                                      : "unknown format '\(text.quotedForMessage())': did you mean \(blocks.joined(separator: ", "))?")
        }
        give(elementJSON(f).text, json)
    }
}

@_cdecl("minifloat_py_catalog_json")
/// Every catalog element format, then every block format, as a JSON array in `*json`.
public func minifloat_py_catalog_json(_ json: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guarded {
        guard json != nil else { throw PythonArgumentError("json is NULL") }
        give(JSON.array(Format.catalog.map { elementJSON($0.format) } + BlockFormat.all.map(blockJSON)).text, json)
    }
}

@_cdecl("minifloat_py_test_vectors")
/// Test vectors (MinifloatVerify.TestVectors) for `format` from `source_dtype` at `level` (1 or 2)
/// with `random_count` random cases (-1: the level's default) and `seed`; the reference codes
/// under `rounding` (random_bits N for stochastic modes, whose R_i are TestVectors.randomValue)
/// and `saturation`. Writes malloc'd arrays (free with minifloat_py_free): `*inputs` (the bit
/// patterns, count elements of the source type's width), `*expected` (uint32 codes), `*random`
/// (uint32 R_i, stochastic modes only, else NULL), and `*count`.
public func minifloat_py_test_vectors(
    _ formatName: UnsafePointer<CChar>?, _ sourceType: UnsafePointer<CChar>?, _ level: Int32, _ randomCount: Int64,
    _ seed: UInt64, _ roundingName: UnsafePointer<CChar>?, _ saturationName: UnsafePointer<CChar>?, _ randomBits: Int32,
    _ inputs: UnsafeMutablePointer<UnsafeMutableRawPointer?>?, _ expected: UnsafeMutablePointer<UnsafeMutablePointer<UInt32>?>?,
    _ random: UnsafeMutablePointer<UnsafeMutablePointer<UInt32>?>?, _ count: UnsafeMutablePointer<Int>?
) -> Int32 {
    guarded {
        let format = try elementFormat(formatName)
        let source = try floatSource(sourceType, "source dtype")
        let mode = try roundingMode(roundingName, bits: Int(randomBits))
        let saturation = try saturationMode(saturationName)
        guard let inputs, let expected, let random, let count else { throw PythonArgumentError("output pointers must not be NULL") }
        let type: ElementType = switch source {
        case .float32: .float32
        case .float64: .float64
        case .float16: .float16
        case .bfloat16: .bfloat16
        }
        let vectors = try TestVectors(format: format, source: type, level: Int(level),
                                      randomCount: randomCount < 0 ? nil : Int(randomCount), seed: seed)
        let codes = vectors.expectedCodes(rounding: mode, saturation: saturation)
        let n = vectors.count
        let width = source.byteCount
        let rawInputs = malloc(max(1, n * width))!
        for (i, b) in vectors.bits.enumerated() {
            switch width {
            case 2: rawInputs.storeBytes(of: UInt16(truncatingIfNeeded: b), toByteOffset: i * 2, as: UInt16.self)
            case 4: rawInputs.storeBytes(of: UInt32(truncatingIfNeeded: b), toByteOffset: i * 4, as: UInt32.self)
            default: rawInputs.storeBytes(of: b, toByteOffset: i * 8, as: UInt64.self)
            }
        }
        let codeBuffer = malloc(max(1, n * 4))!.assumingMemoryBound(to: UInt32.self)
        for i in 0..<n { codeBuffer[i] = codes[i] }
        if mode.isStochastic {
            let r = malloc(max(1, n * 4))!.assumingMemoryBound(to: UInt32.self)
            for i in 0..<n { r[i] = UInt32(truncatingIfNeeded: vectors.randomValue(i, randomBits: mode.randomBits)) }
            random.pointee = r
        } else {
            random.pointee = nil
        }
        inputs.pointee = rawInputs
        expected.pointee = codeBuffer
        count.pointee = n
    }
}
