import Minifloat
import MinifloatIO
import MinifloatOracle
import MinifloatVerify

/// Block codes read back from files: what `quantize --output-dir` wrote, or explicit files.
struct BlockFiles {
    let format: BlockFormat
    /// Logical shape of the values (`[]` for a 0-d array, stored as one element), and storage order.
    let shape: [Int]
    let fortranOrder: Bool
    let axis: Int
    let codes: BlockCodes

    var storageShape: [Int] { shape.isEmpty ? [1] : fortranOrder ? shape.reversed() : shape }
    var layout: BlockLayout {
        BlockLayout(shape: storageShape, axis: fortranOrder ? storageShape.count - 1 - axis : axis, blockSize: format.blockSize)
    }

    /// Reads `DIR/block.json`, `scales.npy`, `elements.npy` (and `tensor_scale.npy`).
    static func directory(_ dir: String, _ f: BlockFormat, blockSizeGiven: Int?) throws -> BlockFiles {
        let bytes = try readWholeFile(dir + "/block.json")
        let description: BlockDescription
        do { description = try BlockDescription(parsing: bytes, name: "'\(dir)/block.json'") } catch { throw CLIError(error.description) }
        let name = description.format, size = description.blockSize, axis = description.axis, shape = description.shape
        let fortran = description.fortranOrder, packed = description.packed
        guard name == f.name else { throw CLIError("'\(dir)' holds \(name) blocks, not \(f.name); decode it as \(name)") }
        if let blockSizeGiven, blockSizeGiven != size {
            throw CLIError("'\(dir)' has blocks of \(size); --block-size \(blockSizeGiven) disagrees (leave it out)")
        }
        let g = f.withBlockSize(size)
        let tensorScale = g.hasTensorScale ? description.tensorScale : nil
        if g.hasTensorScale && tensorScale == nil {
            throw CLIError("'\(dir)/block.json' has no valid tensor_scale (a positive finite float32 value)")
        }
        let digests = description.digests.map { (scales: $0.scales, elements: $0.elements) }
        return try read(g, scales: dir + "/scales.npy", elements: dir + "/elements.npy", shape: shape, fortranOrder: fortran,
                        axis: axis, packed: packed, tensorScale: tensorScale, digests: digests, folder: dir)
    }

    /// Reads explicit files; the values' shape is the elements' (FP4 packed: the contiguous axis doubled).
    static func explicit(_ f: BlockFormat, scales: String, elements: String, axis given: BlockLayoutArguments, packed: Bool,
                         tensorScale: Float?) throws -> BlockFiles {
        let e = try openCodes(elements, role: "elements")
        var shape = e.shape.isEmpty ? [1] : e.shape
        if packed {
            guard f.elementBits == 4 else { throw CLIError("--packed applies to FP4 elements; \(f.name) elements have \(f.elementBits) bits") }
            shape[e.fortranOrder ? 0 : shape.count - 1] *= 2
        }
        let axis = try given.axisIndex(rank: shape.count)
        if f.hasTensorScale && tensorScale == nil {
            throw CLIError("nvfp4 values need the per-tensor scale: give --tensor-scale T (the float32 the encoder used)")
        }
        return try read(f, scales: scales, elements: elements, shape: shape, fortranOrder: e.fortranOrder, axis: axis,
                        packed: packed, tensorScale: tensorScale)
    }

    static func openCodes(_ path: String, role: String) throws -> ArrayInput {
        guard case .binary(let a) = try openArray(path, rawType: nil, inputType: nil, role: role) else {
            throw CLIError("\(role) '\(path)' must be a .npy file of uint8 codes")
        }
        guard a.elementType == .uint8 || a.elementType == .int8 else {
            throw CLIError("\(role) '\(path)' holds \(a.elementType.numpyName); block codes are uint8 (e.g. a.view(np.uint8))")
        }
        return a
    }

    static func bytes(_ a: ArrayInput) -> [UInt8] {
        a.withElements(0..<a.count) { Array($0.bindMemory(to: UInt8.self)) }
    }

    /// Reads the codes; with `digests` (from a folder's block.json), checks that the files are the
    /// ones that block.json was written with.
    static func read(_ f: BlockFormat, scales: String, elements: String, shape: [Int], fortranOrder: Bool, axis: Int,
                     packed: Bool, tensorScale: Float?, digests: (scales: String, elements: String)? = nil,
                     folder: String = "") throws -> BlockFiles {
        let s = try openCodes(scales, role: "scales"), e = try openCodes(elements, role: "elements")
        let files = BlockFiles(format: f, shape: shape, fortranOrder: fortranOrder, axis: axis,
                               codes: BlockCodes(scales: [], elements: [], tensorScale: tensorScale))
        let layout = files.layout
        guard s.count == layout.scaleCount else {
            throw CLIError("scales '\(scales)' has \(s.count) codes; \(f) blocks of \(NpyHeader.shapeText(shape)) along axis \(axis) need \(layout.scaleCount)")
        }
        let rowLength = files.storageShape.last ?? 1
        let expectedBytes = packed ? layout.elementCount / max(rowLength, 1) * ((rowLength + 1) / 2) : layout.elementCount
        guard e.count == expectedBytes else {
            throw CLIError("elements '\(elements)' has \(e.count) bytes; \(NpyHeader.shapeText(shape))\(packed ? " packed" : "") needs \(expectedBytes)")
        }
        var codes = bytes(e)
        let scaleCodes = bytes(s)
        if let digests, blockDigest(scaleCodes) != digests.scales || blockDigest(codes) != digests.elements {
            throw CLIError("'\(folder)' holds files from different runs (scales.npy or elements.npy is not the one "
                           + "block.json was written with); quantize into the folder again")
        }
        if packed && rowLength > 0 { codes = BlockFormat.unpackNibbles(codes, rowLength: rowLength) }
        return BlockFiles(format: f, shape: shape, fortranOrder: fortranOrder, axis: axis,
                          codes: BlockCodes(scales: scaleCodes, elements: codes, tensorScale: tensorScale))
    }
}

/// The digest block.json keeps of a folder's codes: FNV-1a 64 of the stored bytes, as
/// `fnv1a64:` and 16 hex digits. (It tells files of two runs apart; it is not a cryptographic hash.)
func blockDigest(_ bytes: [UInt8]) -> String {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in bytes {
        h ^= UInt64(b)
        h = h &* 0x0000_0100_0000_01B3
    }
    let hex = String(h, radix: 16)
    return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
}

