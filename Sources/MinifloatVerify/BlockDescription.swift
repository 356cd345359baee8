import Minifloat
import MinifloatIO
import MinifloatOracle

/// What `block.json` in a block folder (`minifloat quantize mxfp4 --output-dir D`) says: the
/// format, block size, axis and shape of the values, storage order, whether FP4 elements are
/// packed, the NVFP4 tensor scale, and digests of the code files it belongs with.
///
/// Read from a file that may have been tampered with, so every field is bounded: a shape of at
/// most 64 integers >= 0 whose product (in bytes) fits, a block size 1 to 2^20, an axis of the
/// shape, a tensor scale that is exactly a positive finite float32 value, JSON nesting at most 64
/// deep (``JSON/parse(_:)``). Anything else throws a one-line ``VerifyError``.
public struct BlockDescription: Sendable, Equatable {
    /// The block format's name, as written.
    public var format: String
    /// Elements per block.
    public var blockSize: Int
    /// The block axis of the logical shape.
    public var axis: Int
    /// The values' logical shape (`[]` for a 0-d array).
    public var shape: [Int]
    /// Whether the values are stored in Fortran order.
    public var fortranOrder: Bool
    /// Whether the FP4 element codes are packed two per byte.
    public var packed: Bool
    /// The tensor scale (NVFP4), if the description has one.
    public var tensorScale: Float?
    /// `fnv1a64:` digests of the scale and element code bytes, if recorded.
    public var digests: Digests?

    /// The digests of the code files a description belongs with.
    public struct Digests: Sendable, Equatable {
        public var scales: String
        public var elements: String
    }

    /// Parses `bytes`; `name` names the file in messages (`'D/block.json'`).
    public init(parsing bytes: [UInt8], name: String) throws(VerifyError) {
        guard let text = String(validating: bytes, as: UTF8.self), let meta = JSON.parse(text),
              let format = meta["format"]?.stringValue, let size = meta["block_size"]?.intValue, let axis = meta["axis"]?.intValue,
              let shapeItems = meta["shape"]?.arrayValue, let packed = meta["packed"]?.boolValue,
              let fortran = meta["fortran_order"]?.boolValue
        else { throw VerifyError("\(name) is not a block description written by 'minifloat quantize --output-dir'") }
        let shape = shapeItems.compactMap(\.intValue)
        guard shape.count == shapeItems.count, shape.count <= 64, shape.allSatisfy({ $0 >= 0 }) else {
            throw VerifyError("\(name) has a shape that is not a list of at most 64 integers >= 0")
        }
        guard shape.reduce((1, false), { acc, d in
            let (p, o) = acc.0.multipliedReportingOverflow(by: d)
            return (p, acc.1 || o || p > Int.max / 8)
        }).1 == false else {
            throw VerifyError("\(name) has a shape \(NpyHeader.shapeText(shape)) larger than any array can be")
        }
        guard (1...(1 << 20)).contains(size), (0..<max(shape.count, 1)).contains(axis) else {
            throw VerifyError("\(name) has an impossible block size (1 to 1048576) or axis")
        }
        var tensorScale: Float? = nil
        if let field = meta["tensor_scale"], !isNull(field) {
            guard let t = field.stringValue, let v = try? ExactValue(parsing: t), let r = v.rational,
                  r.sign > 0, case let f = Float(Oracle.nearestDouble(ExactValue(r))), f.isFinite, f > 0,
                  Rational(exactly: Double(f)) == r
            else { throw VerifyError("\(name) has no valid tensor_scale (a positive finite float32 value)") }
            tensorScale = f
        }
        var digests: Digests? = nil
        if let d = meta["digests"] {
            guard let s = d["scales"]?.stringValue, let e = d["elements"]?.stringValue else {
                throw VerifyError("\(name) has malformed digests")
            }
            digests = Digests(scales: s, elements: e)
        }
        self.format = format
        self.blockSize = size
        self.axis = axis
        self.shape = shape
        self.fortranOrder = fortran
        self.packed = packed
        self.tensorScale = tensorScale
        self.digests = digests
    }
}

private func isNull(_ value: JSON) -> Bool {
    if case .null = value { return true }
    return false
}
