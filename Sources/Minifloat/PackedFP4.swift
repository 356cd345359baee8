/// 4-bit codes stored two per byte: code `2k` in the low nibble of byte `k`, code `2k + 1` in the
/// high nibble. This is PyTorch's `float4_e2m1fn_x2` and the layout of FP4 elements in
/// memory that `minifloat` writes (OCP MX v1.0 leaves packing to the implementation).
public enum PackedFP4 {
    /// The code of element `index` of a packed array whose bytes are `bytes`.
    @inlinable
    public static func code<Bytes: RandomAccessCollection>(at index: Int, in bytes: Bytes) -> UInt8
    where Bytes.Element == UInt8, Bytes.Index == Int {
        nibble(bytes[bytes.startIndex + index / 2], at: index)
    }

    /// The nibble of `byte` that holds element `index` (low for even, high for odd).
    @inlinable
    public static func nibble(_ byte: UInt8, at index: Int) -> UInt8 {
        index & 1 == 0 ? byte & 0xF : byte >> 4
    }

    /// Packs 4-bit codes two per byte along rows of `rowLength` codes: code `2k` of a row in the low
    /// nibble of the row's byte `k`, code `2k + 1` in the high nibble (PyTorch `float4_e2m1fn_x2`);
    /// a row of odd length ends with a byte whose high nibble is 0. Rows become `(rowLength + 1) / 2`
    /// bytes. - Precondition: `rowLength >= 1` divides `codes.count`; every code is below 16.
    public static func pack(_ codes: [UInt8], rowLength: Int) -> [UInt8] {
        precondition(rowLength >= 1 && codes.count % rowLength == 0)
        precondition(codes.allSatisfy { $0 < 16 }, "a code does not fit in 4 bits")
        return [UInt8](unsafeUninitializedCapacity: codes.count / rowLength * ((rowLength + 1) / 2)) { out, n in
            codes.withUnsafeBufferPointer { pack($0, rowLength: rowLength, into: out) }
            n = out.count
        }
    }

    /// ``pack(_:rowLength:)`` on buffers: writes `codes.count / rowLength * ((rowLength + 1) / 2)`
    /// bytes to `bytes`. Codes are taken modulo 16. - Precondition: `rowLength >= 1` divides
    /// `codes.count`; `bytes` is long enough.
    public static func pack(_ codes: UnsafeBufferPointer<UInt8>, rowLength: Int, into bytes: UnsafeMutableBufferPointer<UInt8>) {
        let rowBytes = (rowLength + 1) / 2
        precondition(rowLength >= 1 && codes.count % rowLength == 0 && bytes.count >= codes.count / rowLength * rowBytes)
        for r in 0..<codes.count / rowLength {
            let c = r * rowLength, b = r * rowBytes
            for k in 0..<rowBytes {
                let low = codes[c + 2 * k] & 0xF, high = 2 * k + 1 < rowLength ? codes[c + 2 * k + 1] & 0xF : 0
                bytes[b + k] = low | high << 4
            }
        }
    }

    /// The inverse of ``pack(_:rowLength:)``: rows of `(rowLength + 1) / 2` bytes back to
    /// rows of `rowLength` codes (the high nibble of an odd row's last byte is dropped).
    /// - Precondition: `rowLength >= 1`; `bytes.count` is a multiple of `(rowLength + 1) / 2`.
    public static func unpack(_ bytes: [UInt8], rowLength: Int) -> [UInt8] {
        let packedRow = (rowLength + 1) / 2
        precondition(rowLength >= 1 && bytes.count % packedRow == 0)
        return [UInt8](unsafeUninitializedCapacity: bytes.count / packedRow * rowLength) { out, n in
            bytes.withUnsafeBufferPointer { unpack($0, rowLength: rowLength, into: out) }
            n = out.count
        }
    }

    /// ``unpack(_:rowLength:)`` on buffers: fills `codes` (a whole number of rows) from `bytes`.
    /// - Precondition: `rowLength >= 1` divides `codes.count`; `bytes` holds those rows.
    public static func unpack(_ bytes: UnsafeBufferPointer<UInt8>, rowLength: Int, into codes: UnsafeMutableBufferPointer<UInt8>) {
        let rowBytes = (rowLength + 1) / 2
        precondition(rowLength >= 1 && codes.count % rowLength == 0 && bytes.count >= codes.count / rowLength * rowBytes)
        for r in 0..<codes.count / rowLength {
            for j in 0..<rowLength {
                codes[r * rowLength + j] = nibble(bytes[r * rowBytes + j / 2], at: j)
            }
        }
    }
}
