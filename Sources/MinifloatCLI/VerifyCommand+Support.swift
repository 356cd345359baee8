import Minifloat
import MinifloatIO
import MinifloatOracle
import MinifloatVerify

extension ClaimedArray.Kind {
    /// The kind named on the command line (`codes`, `values`, `packed-fp4`), or the default for
    /// the file: values for float files, codes otherwise.
    init(option requested: String?, for data: ArrayData) throws {
        if let requested {
            guard let k = ClaimedArray.Kind(rawValue: requested.lowercased()) else {
                throw CLIError("unknown --claimed-as '\(requested)': use codes, values or packed-fp4")
            }
            self = k
        } else if case .binary(let a) = data, a.elementType.isFloatingPoint {
            self = .values
        } else {
            self = .codes
        }
    }
}

/// The claimed file as the verifier reads it. Text claims are parsed here (a malformed line is an
/// input error before any checking); binary files are read in chunks by the verifier.
func claimedArray(_ data: ArrayData, path: String, kind: ClaimedArray.Kind, _ f: Format, input: ArrayData) throws -> ClaimedArray {
    let label = "claimed '\(path)'", count = input.count
    // Packed FP4 comes in rows along the input's storage-contiguous axis, as quantize --packed
    // writes it; when rows are of odd length, the size tells rows padded to bytes from a stream
    // packed without a break.
    let rows = PackedRows(shape: input.shape, fortranOrder: input.fortranOrder)
    let rowLength = kind == .packedFP4 && !rows.isContinuous && data.count == rows.byteCount ? rows.rowLength : nil
    switch data {
    case .binary(let a):
        return try ClaimedArray(a, as: kind, format: f, inputCount: count, packedRowLength: rowLength, label: label)
    case .text(let lines, let numbers):
        if kind == .packedFP4 && f.bitWidth != 4 {
            throw CLIError("--claimed-as packed-fp4 needs a 4-bit format; \(f.name) has \(f.bitWidth) bits")
        }
        try ClaimedArray.checkCount(lines.count, kind, count, label, packedRowLength: rowLength)
        let claims = try lines.indices.map { i -> Claim in
            let place = "\(path) line \(numbers[i])"
            switch kind {
            case .codes: return .code(try parseCode(lines[i], f, place: place))
            case .packedFP4:
                let lower = lines[i].lowercased()
                guard let b = lower.hasPrefix("0x") ? UInt8(lower.dropFirst(2), radix: 16) : UInt8(lower) else {
                    throw CLIError("\(place): '\(lines[i])' is not a byte (0 to 255 or 0x00 to 0xff)")
                }
                return .code(UInt32(b))
            case .values:
                let x = try parseTextValue(lines[i], bitsType: nil, where: place)
                return Claim(exactValue: x, in: f)
            }
        }
        return try ClaimedArray(parsed: claims, as: kind, format: f, inputCount: count, packedRowLength: rowLength, label: label)
    }
}

/// The input as the verifier reads it: binary arrays in chunks, text as exact values.
func verifyInput(_ data: ArrayData, path: String, inputDtype: String?) throws -> VerifyInput {
    switch data {
    case .binary(let a):
        guard a.elementType.isFloatingPoint else {
            throw CLIError("input '\(path)' holds \(a.elementType.numpyName); verify needs the float values that were "
                           + "quantized (for uint16 bfloat16 bits give --input-dtype bf16)")
        }
        return .binary(a)
    case .text(let lines, let numbers):
        let bitsType = try inputDtype.map { try parseElementType($0, option: "--input-dtype") }
        return .exact(try lines.indices.map { i in
            let x = try parseTextValue(lines[i], bitsType: bitsType, where: "\(path) line \(numbers[i])")
            return ExactInput(x, text: lines[i], line: numbers[i])
        })
    }
}

/// The random integers R_i of a stochastic verification: a seed, or a file of them.
func verifyRandomValues(seed: UInt64?, file path: String?, count: Int) throws -> VerifyRandomValues? {
    if let seed { return .seed(seed) }
    guard let path else { return nil }
    let data = try openArray(path, rawType: nil, inputType: nil, role: "random values")
    guard case .binary(let a) = data, [.uint8, .uint16, .uint32].contains(a.elementType) else {
        throw CLIError("random values '\(path)' must be a .npy of uint8, uint16 or uint32")
    }
    guard a.count == count else {
        throw CLIError("random values '\(path)' hold \(a.count) elements but the input has \(count)")
    }
    return .array(a)
}

extension ArrayData {
    /// The array as a report describes it.
    func description(path: String) -> ArrayDescription {
        ArrayDescription(path: path, type: typeAndShape, shape: shape, fortranOrder: fortranOrder)
    }
}

/// Where input element `p` (storage order) is in the claimed file.
struct IndexMapping {
    let identity: Bool
    let inputShape: [Int], inputFortran: Bool
    let claimedShape: [Int], claimedFortran: Bool
    /// Whether the claimed file is read as the C-order flattening of the input's shape.
    let claimedFlat: Bool
    let inputFlat: Bool

    init(input: ArrayData, claimed: ArrayData, packed: Bool, inputPath: String, claimedPath: String) throws {
        inputShape = input.shape
        inputFortran = input.fortranOrder
        claimedShape = claimed.shape
        claimedFortran = claimed.fortranOrder
        func nontrivial(_ s: [Int]) -> Bool { s.filter { $0 > 1 }.count > 1 }
        let inF = inputFortran && nontrivial(inputShape), clF = claimedFortran && nontrivial(claimedShape)
        if packed {
            // Packed FP4 follows the input's storage order (``PackedRows``).
            claimedFlat = false; inputFlat = false
            identity = true
        } else if claimedShape.count <= 1 && inputShape.count > 1 {
            claimedFlat = true; inputFlat = false
            identity = !inF
        } else if inputShape.count <= 1 && claimedShape.count > 1 {
            claimedFlat = false; inputFlat = true
            identity = !clF
            guard input.count == claimed.count else { throw IndexMapping.mismatch(input, claimed, inputPath, claimedPath) }
        } else {
            claimedFlat = false; inputFlat = false
            guard inputShape == claimedShape else { throw IndexMapping.mismatch(input, claimed, inputPath, claimedPath) }
            identity = inF == clF
        }
    }

    static func mismatch(_ a: ArrayData, _ b: ArrayData, _ pa: String, _ pb: String) -> CLIError {
        CLIError("shape mismatch: input '\(pa)' is \(NpyHeader.shapeText(a.shape)) but claimed '\(pb)' is "
                 + "\(NpyHeader.shapeText(b.shape)); save both with the same shape (or one of them flat)")
    }

    /// The logical (multi-dimensional) index of input element `p`.
    func logicalIndex(_ p: Int) -> [Int] {
        inputFlat ? ArrayInput.multiIndex(p, shape: claimedShape, fortranOrder: false)
            : ArrayInput.multiIndex(p, shape: inputShape, fortranOrder: inputFortran)
    }

    func claimedPosition(_ p: Int) -> Int {
        if identity { return p }
        let index = logicalIndex(p)
        if claimedFlat { return ArrayInput.storagePosition(index, shape: inputShape, fortranOrder: false) }
        return ArrayInput.storagePosition(index, shape: claimedShape, fortranOrder: claimedFortran)
    }
}

/// Writes a verify report whose details are built one at a time: as JSON to `path` (if given,
/// atomically), and on standard output as JSON or text.
func emitReport(to path: String?, json: Bool, writeJSON: ((String) throws -> Void) throws -> Void,
                writeText: ((String) -> Void) -> Void) throws {
    if let path {
        do {
            let out = try ArrayOutput(path: path, layout: .raw)
            try writeJSON { try out.write($0) }
            try out.write("\n")
            try out.commit()
        } catch let e as ArrayFileError { throw CLIError(e.description) }
    }
    if json {
        try writeJSON { print($0, terminator: "") }
        print()
    } else {
        writeText { print($0) }
    }
}
