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
        let random = BlockArray.randomSource(encoding, seed)
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
            let (scales, elements) = BlockOracle.encode(v, layout: layout, format: f, encoding: encoding, tensorScale: t,
                                                        random: BlockArray.randomValue(random, encoding))
            return BlockCodes(scales: scales, elements: elements, tensorScale: used)
        }
    }

    /// The element codes under given scale codes (one per block; a NaN or invalid one is replaced
    /// by the rule's finite choice) instead of the rule's: fast path or oracle as ``encode(_:layout:encoding:tensorScale:seed:threads:)``.
    public func encodeElements(_ f: BlockFormat, layout: BlockLayout, encoding: BlockEncoding, scales: [UInt8],
                               tensorScale: Float?, seed: UInt64?, threads: Int?) -> [UInt8] {
        let random = BlockArray.randomSource(encoding, seed)
        let given = BlockCodes(scales: scales, elements: [], tensorScale: tensorScale)
        switch values {
        case .float(let v):
            return f.encodeElements(v.map { Double($0) }, layout: layout, encoding: encoding, given: given, random: random, threads: threads)
        case .double(let v):
            return f.encodeElements(v, layout: layout, encoding: encoding, given: given, random: random, threads: threads)
        case .exact(let v):
            let t = tensorScale.map { Rational(exactly: Double($0)) } ?? Rational(1)
            return BlockOracle.encode(v, layout: layout, format: f, encoding: encoding, tensorScale: t,
                                      random: BlockArray.randomValue(random, encoding), givenScales: scales).elements
        }
    }

    /// R_i of a stochastic element rounding, from `seed`; nil for a deterministic one.
    private static func randomSource(_ encoding: BlockEncoding, _ seed: UInt64?) -> RandomSource? {
        encoding.rounding.isStochastic ? .seed(seed ?? 0) : nil
    }

    /// The same values as a function of the element index, for the oracle.
    private static func randomValue(_ random: RandomSource?, _ encoding: BlockEncoding) -> ((Int) -> UInt64)? {
        random.map { r in { r.value(at: $0, bits: encoding.rounding.randomBits) } }
    }
}
