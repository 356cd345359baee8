import ArgumentParser
import Minifloat
import MinifloatIO
import MinifloatOracle

/// The options every command shares for block formats (mxfp4, nvfp4, ...).
struct BlockArguments: ParsableArguments {
    @Option(help: "Block formats: elements per block (default 32 for MX, 16 for NVFP4).") var blockSize: Int?
    @Option(help: "Block formats: the axis blocks run along (default -1, the last).") var axis: Int = -1
    @Option(help: "Block formats: floor (OCP, MX default) | ceil (NVFP4 default) | ties-up | even | down.")
    var scaleRule: String?
    @Option(help: "Block formats: nan-scale (a block with NaN/Inf gets the NaN scale, default) | finite-amax.")
    var specials = "nan-scale"
    @Option(help: "NVFP4: the FP32 per-tensor scale (default amax / (6 * 448), rounded to float32).")
    var tensorScale: String?

    /// Whether any block option was given (they are errors for element formats).
    var anyGiven: String? {
        if blockSize != nil { return "--block-size" }
        if axis != -1 { return "--axis" }
        if scaleRule != nil { return "--scale-rule" }
        if specials != "nan-scale" { return "--specials" }
        if tensorScale != nil { return "--tensor-scale" }
        return nil
    }

    func format(_ base: BlockFormat) throws -> BlockFormat {
        guard let blockSize else { return base }
        guard (1...(1 << 20)).contains(blockSize) else {
            throw CLIError("--block-size must be 1 to 1048576 (got \(blockSize))")
        }
        return base.withBlockSize(blockSize)
    }

    func encoding(_ f: BlockFormat, rounding: RoundingMode, saturation: SaturationMode) throws -> BlockEncoding {
        var rule: ScaleRule? = nil
        if let scaleRule {
            guard let r = ScaleRule.named(scaleRule) else {
                throw CLIError("unknown --scale-rule '\(scaleRule.quotedForMessage())': use \(ScaleRule.all.map(\.name).joined(separator: ", "))")
            }
            rule = r
        }
        guard let s = BlockSpecials(rawValue: specials.lowercased()) else {
            throw CLIError("unknown --specials '\(specials.quotedForMessage())': use nan-scale or finite-amax")
        }
        return BlockEncoding(for: f, scaleRule: rule, rounding: rounding, saturation: saturation, specials: s)
    }

    /// The tensor scale given with --tensor-scale (NVFP4 only): a positive finite float32 value.
    func givenTensorScale(_ f: BlockFormat) throws -> Float? {
        guard let text = tensorScale else { return nil }
        guard f.hasTensorScale else { throw CLIError("--tensor-scale applies to nvfp4 only; \(f.name) has no per-tensor scale") }
        let exact: ExactValue
        do { exact = try ExactValue(parsing: text) } catch { throw CLIError("--tensor-scale: \(error.description)") }
        let d = Oracle.nearestDouble(exact)
        guard let r = exact.rational, r.sign > 0, Float(d).isFinite, Float(d) > 0,
              Rational(exactly: Double(Float(d))) == r else {
            throw CLIError("--tensor-scale '\(text.quotedForMessage())' must be a positive finite float32 value (e.g. 0.0037 is not; 0x1.ep-9 is)")
        }
        return Float(d)
    }

    /// The axis as an index into `shape` (checked).
    func axisIndex(rank: Int) throws -> Int {
        let r = max(rank, 1)
        guard (-r..<r).contains(axis) else {
            throw CLIError("--axis \(axis) is out of range for an array of \(r) dimension\(r == 1 ? "" : "s"): use \(-r) to \(r - 1)")
        }
        return axis < 0 ? axis + r : axis
    }
}

/// The values of a block input, whole, in storage order.
enum BlockValues {
    case float([Float])
    case double([Double])
    /// Text: exact values (and whether each NaN is negative), rounded by the oracle.
    case exact([ExactValue], [Bool])
}

/// An input array for a block command, with its shape and order.
struct BlockInput {
    let values: BlockValues
    /// The logical shape (as NumPy reports it).
    let shape: [Int]
    let fortranOrder: Bool
    let typeName: String

    var count: Int { shape.reduce(1, *) }

    /// The storage shape: a Fortran-order array is a C-order array of the reversed shape.
    var storageShape: [Int] { fortranOrder ? shape.reversed() : (shape.isEmpty ? [1] : shape) }

    /// The storage axis of logical axis `a`.
    func storageAxis(_ a: Int) -> Int { fortranOrder ? shape.count - 1 - a : a }

    func layout(axis a: Int, blockSize: Int) -> BlockLayout {
        BlockLayout(shape: storageShape, axis: storageAxis(a), blockSize: blockSize)
    }

    /// Reads a whole float array (.npy, raw with --raw-dtype, or text).
    static func load(_ path: String, rawType: String?, inputType: String?, role: String = "input") throws -> BlockInput {
        let isText = rawType == nil && path.hasSuffix(".txt")
        let data = try openArray(path, rawType: rawType, inputType: isText ? nil : inputType, role: role)
        switch data {
        case .text(let lines, let numbers):
            let bitsType = try inputType.map { try parseElementType($0, option: "--input-dtype") }
            var values: [ExactValue] = [], negative: [Bool] = []
            for i in lines.indices {
                let (x, n) = try parseTextValue(lines[i], bitsType: bitsType, where: "\(path) line \(numbers[i])")
                values.append(x)
                negative.append(n)
            }
            return BlockInput(values: .exact(values, negative), shape: [lines.count], fortranOrder: false, typeName: "text")
        case .binary(let input):
            guard input.elementType.isFloatingPoint else {
                throw CLIError("\(role) '\(path)' holds \(input.elementType.numpyName) integers; block formats need float16, float32, "
                               + "float64 or bfloat16 values (for uint16 bfloat16 bits give --input-dtype bf16)")
            }
            let type = input.elementType
            let n = input.count
            let values: BlockValues
            if type == .float64 {
                var out = [Double](repeating: 0, count: n)
                for start in stride(from: 0, to: n, by: chunkElements) {
                    let range = start..<min(start + chunkElements, n)
                    input.withElements(range) { raw in
                        for k in 0..<range.count { out[start + k] = raw.load(fromByteOffset: 8 * k, as: Double.self) }
                    }
                }
                values = .double(out)
            } else {
                var out = [Float](repeating: 0, count: n)
                for start in stride(from: 0, to: n, by: chunkElements) {
                    let range = start..<min(start + chunkElements, n)
                    input.withElements(range) { raw in
                        switch type {
                        case .float32:
                            for k in 0..<range.count { out[start + k] = raw.load(fromByteOffset: 4 * k, as: Float.self) }
                        case .float16:
                            for k in 0..<range.count { out[start + k] = Float(raw.load(fromByteOffset: 2 * k, as: Float16.self)) }
                        default:
                            for k in 0..<range.count {
                                out[start + k] = Float(bitPattern: UInt32(raw.load(fromByteOffset: 2 * k, as: UInt16.self)) << 16)
                            }
                        }
                    }
                }
                values = .float(out)
            }
            return BlockInput(values: values, shape: input.shape, fortranOrder: input.fortranOrder, typeName: type.numpyName)
        }
    }

    /// The exact value of element `i` (storage order) and whether it is a negative NaN.
    func exact(_ i: Int) -> (ExactValue, Bool) {
        switch values {
        case .float(let v): return (ExactValue(v[i]), v[i].isNaN && v[i].sign == .minus)
        case .double(let v): return (ExactValue(v[i]), v[i].isNaN && v[i].sign == .minus)
        case .exact(let v, let n): return (v[i], n[i])
        }
    }

    /// The largest finite magnitude (for NVFP4's default tensor scale), exactly.
    var exactAmax: Rational {
        var m = Rational(0)
        for i in 0..<count { if case .finite(_, let a) = exact(i).0, m < a { m = a } }
        return m
    }

    /// Encodes with the fast path (binary input) or the oracle (text input).
    func encode(_ f: BlockFormat, layout: BlockLayout, encoding: BlockEncoding, tensorScale: Float?,
                seed: UInt64?, threads: Int?) -> BlockCodes {
        let random: RandomSource? = encoding.rounding.isStochastic ? .seed(seed ?? 0) : nil
        switch values {
        case .float(let v):
            return f.encode(v, layout: layout, encoding: encoding, tensorScale: tensorScale, random: random, threads: threads)
        case .double(let v):
            return f.encode(v, layout: layout, encoding: encoding, tensorScale: tensorScale, random: random, threads: threads)
        case .exact(let v, let negative):
            var t = Rational(1)
            var used: Float? = nil
            if f.hasTensorScale {
                t = tensorScale.map { Rational(exactly: Double($0)) } ?? BlockOracle.defaultTensorScale(amax: exactAmax, format: f)
                used = Float(Oracle.nearestDouble(ExactValue(t)))
            }
            var scales = [UInt8](repeating: 0, count: layout.scaleCount)
            var elements = [UInt8](repeating: 0, count: v.count)
            let bits = UInt64(encoding.rounding.randomBits)
            for b in 0..<layout.scaleCount {
                let (first, n, stride) = layout.block(b)
                let members = (0..<n).map { first + $0 * stride }
                let rs = random == nil ? nil : members.map { RandomSource.splitMix64(seed: seed ?? 0, index: UInt64($0)) >> (64 - bits) }
                let block = BlockOracle.encodeBlock(members.map { v[$0] }, format: f, encoding: encoding, tensorScale: t,
                                                    random: rs, nanNegative: members.map { negative[$0] })
                scales[b] = UInt8(block.scale)
                for (k, i) in members.enumerated() { elements[i] = UInt8(block.elements[k]) }
            }
            return BlockCodes(scales: scales, elements: elements, tensorScale: used)
        }
    }
}

/// The shape of FP4 codes packed two per byte along the storage-contiguous axis (the last for C
/// order, the first for Fortran order), rows of odd length padded with a zero high nibble.
func blockPackedShape(_ shape: [Int], fortranOrder: Bool) -> [Int] {
    var s = shape.isEmpty ? [1] : shape
    let k = fortranOrder ? 0 : s.count - 1
    s[k] = (s[k] + 1) / 2
    return s
}

/// Writes `bytes` as a `.npy` of `type` and `shape` to `path` (atomically).
func writeNpy(_ bytes: [UInt8], type: ElementType, shape: [Int], fortranOrder: Bool = false, to path: String) throws {
    do {
        try bytes.withUnsafeBytes {
            try ArrayOutput.write($0, header: NpyHeader(elementType: type, shape: shape, fortranOrder: fortranOrder), to: path)
        }
    } catch let e as ArrayFileError { throw CLIError(e.description) }
}
