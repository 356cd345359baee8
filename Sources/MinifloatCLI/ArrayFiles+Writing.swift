import ArgumentParser
import Minifloat
import MinifloatIO
import MinifloatOracle

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
