import ArgumentParser
import Minifloat
import MinifloatIO
import MinifloatOracle

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
                let rs = random == nil ? nil : members.map { RandomSource.seed(seed ?? 0).value(at: $0, bits: Int(bits)) }
                let block = BlockOracle.encodeBlock(members.map { v[$0] }, format: f, encoding: encoding, tensorScale: t,
                                                    random: rs, nanNegative: members.map { negative[$0] })
                scales[b] = UInt8(block.scale)
                for (k, i) in members.enumerated() { elements[i] = UInt8(block.elements[k]) }
            }
            return BlockCodes(scales: scales, elements: elements, tensorScale: used)
        }
    }
}
