/// Code-to-value tables for formats of up to 16 bits: one Float and one Double bit pattern for
/// each of the 65,536 16-bit codes, from the scalar ``Format/decode(_:)`` and
/// ``Format/decode(_:as:)``; codes above ``Format/maxCode`` hold NaN.
final class DecodeTable: Sendable {
    let floatBits: [UInt32]
    let doubleBits: [UInt64]

    init(_ format: Format) {
        precondition(format.bitWidth <= 16)
        let codes = 0..<UInt32(1 << 16)
        floatBits = codes.map { format.isValidCode($0) ? format.decode($0, as: Float.self).bitPattern : 0x7FC0_0000 }
        doubleBits = codes.map { format.isValidCode($0) ? format.decode($0).bitPattern : 0x7FF8_0000_0000_0000 }
    }

    private static let cache = TableCache<Format>(limit: 64)

    static func shared(_ format: Format) -> DecodeTable {
        cache.table(format) { DecodeTable(format) }
    }
}
