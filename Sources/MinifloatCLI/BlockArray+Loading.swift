import Minifloat
import MinifloatIO
import MinifloatOracle
import MinifloatVerify

extension BlockArray {
    /// Reads a whole float array (.npy, raw with --raw-dtype, or text).
    static func load(_ path: String, rawType: String?, inputType: String?, role: String = "input") throws -> BlockArray {
        let isText = rawType == nil && path.hasSuffix(".txt")
        let data = try openArray(path, rawType: rawType, inputType: isText ? nil : inputType, role: role)
        switch data {
        case .text(let lines, let numbers):
            let bitsType = try inputType.map { try parseElementType($0, option: "--input-dtype") }
            let values = try lines.indices.map { i in
                try parseTextValue(lines[i], bitsType: bitsType, where: "\(path) line \(numbers[i])")
            }
            return BlockArray(values: .exact(values), shape: [lines.count], fortranOrder: false, typeName: "text")
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
            return BlockArray(values: values, shape: input.shape, fortranOrder: input.fortranOrder, typeName: type.numpyName)
        }
    }

}
