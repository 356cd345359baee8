/// Reads structured values from a fuzzer's bytes: each read consumes bytes from the front and
/// returns 0 once they run out, so every byte string is a valid input.
public struct FuzzInput {
    var bytes: [UInt8]
    var position = 0

    public init(_ data: UnsafeRawBufferPointer) { bytes = Array(data) }
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var remaining: [UInt8] { Array(bytes[Swift.min(position, bytes.count)...]) }

    public mutating func byte() -> UInt8 {
        defer { position += 1 }
        return position < bytes.count ? bytes[position] : 0
    }

    public mutating func uint64() -> UInt64 {
        (0..<8).reduce(0) { value, k in value | UInt64(byte()) << UInt64(8 * k) }
    }

    public mutating func uint32() -> UInt32 { UInt32(truncatingIfNeeded: uint64() & 0xFFFF_FFFF) }

    /// A value in `0..<count`.
    public mutating func choice(_ count: Int) -> Int { Int(byte()) % count }
}
