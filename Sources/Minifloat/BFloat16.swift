/// A bfloat16 number, held as its 16 bits: the top half of a binary32 (1 sign, 8 exponent and
/// 7 mantissa bits). Only storage and exact widening are provided; to round to bfloat16, encode
/// with ``Format/bfloat16``.
public struct BFloat16: Hashable, Sendable {
    /// The 16 bits: sign, 8 exponent bits, 7 mantissa bits (the top half of a binary32).
    public var bitPattern: UInt16
    /// The bfloat16 with these bits.
    public init(bitPattern: UInt16) { self.bitPattern = bitPattern }
}

extension Float {
    /// The exact value of a bfloat16.
    public init(_ x: BFloat16) { self.init(bitPattern: UInt32(x.bitPattern) << 16) }
}
