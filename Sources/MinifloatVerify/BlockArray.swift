import Minifloat
import MinifloatIO
import MinifloatOracle

/// The values of a block input, whole, in storage order.
public enum BlockValues: Sendable {
    case float([Float])
    case double([Double])
    /// Text: exact values, rounded by the oracle.
    case exact([ExactValue])
}

/// An input array of a block format, whole, with its shape and order.
public struct BlockArray: Sendable {
    /// The values, in storage order.
    public let values: BlockValues
    /// The logical shape (as NumPy reports it).
    public let shape: [Int]
    /// Whether the values are stored in Fortran (column-major) order.
    public let fortranOrder: Bool
    /// The element type's name (`float32`, `text`).
    public let typeName: String

    /// An array of `values` (storage order) of logical `shape`.
    public init(values: BlockValues, shape: [Int], fortranOrder: Bool = false, typeName: String) {
        self.values = values
        self.shape = shape
        self.fortranOrder = fortranOrder
        self.typeName = typeName
    }

    /// The number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// The storage shape: a Fortran-order array is a C-order array of the reversed shape.
    public var storageShape: [Int] { fortranOrder ? shape.reversed() : (shape.isEmpty ? [1] : shape) }

    /// The storage axis of logical axis `a`.
    public func storageAxis(_ a: Int) -> Int { fortranOrder ? shape.count - 1 - a : a }

    /// The blocks of `blockSize` along logical axis `a`, in storage order.
    public func layout(axis a: Int, blockSize: Int) -> BlockLayout {
        BlockLayout(shape: storageShape, axis: storageAxis(a), blockSize: blockSize)
    }

    /// The exact value of element `i` (storage order; a NaN with its sign).
    public func exact(_ i: Int) -> ExactValue {
        switch values {
        case .float(let v): return ExactValue(v[i])
        case .double(let v): return ExactValue(v[i])
        case .exact(let v): return v[i]
        }
    }

    /// The largest finite magnitude (for NVFP4's default tensor scale), exactly.
    public var exactAmax: Rational {
        var m = Rational(0)
        for i in 0..<count { if case .finite(_, let a) = exact(i), m < a { m = a } }
        return m
    }

    /// Encodes with the fast path (binary input) or the oracle (text input).
    /// R_i of a stochastic element rounding is from `seed` (``RandomSource/seed(_:)``).
    public func encode(_ f: BlockFormat, layout: BlockLayout, encoding: BlockEncoding, tensorScale: Float?,
                       seed: UInt64?, threads: Int?) -> BlockCodes {
        let random: RandomSource? = encoding.rounding.isStochastic ? .seed(seed ?? 0) : nil
        switch values {
        case .float(let v):
            return f.encode(v, layout: layout, encoding: encoding, tensorScale: tensorScale, random: random, threads: threads)
        case .double(let v):
            return f.encode(v, layout: layout, encoding: encoding, tensorScale: tensorScale, random: random, threads: threads)
        case .exact(let v):
            var t = Rational(1)
            var used: Float? = nil
            if f.hasTensorScale {
                t = tensorScale.map { Rational(exactly: Double($0)) } ?? BlockOracle.defaultTensorScale(amax: exactAmax, format: f)
                used = Float(Oracle.nearestDouble(ExactValue(t)))
            }
            let bits = encoding.rounding.randomBits
            let (scales, elements) = BlockOracle.encode(v, layout: layout, format: f, encoding: encoding,
                                                        tensorScale: t, random: random == nil ? nil : { RandomSource.seed(seed ?? 0).value(at: $0, bits: bits) })
            return BlockCodes(scales: scales, elements: elements, tensorScale: used)
        }
    }
}
