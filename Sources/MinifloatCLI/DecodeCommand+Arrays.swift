import Minifloat
import MinifloatIO
import MinifloatOracle

extension DecodeCommand {
    /// `decode FORMAT --input Y [--output Z]`: every code's value, float32 or float64.
    func decodeArray(_ f: Format, input path: String) throws {
        let valueType = try parseElementType(outputDtype, option: "--output-dtype")
        guard valueType == .float32 || valueType == .float64 else {
            throw CLIError("--output-dtype must be f32 or f64 (got \(outputDtype))")
        }
        if let threads, threads < 1 { throw CLIError("--threads must be at least 1 (got \(threads))") }
        if packed && f.bitWidth != 4 { throw CLIError("--packed needs a 4-bit format; \(f.name) has \(f.bitWidth) bits") }
        if count != nil && !packed { throw CLIError("--count applies to --packed input") }
        let data = try openArray(path, rawType: rawDtype, inputType: nil)
        let codes: CodeSource
        switch data {
        case .text(let lines, let numbers):
            if packed {
                let bytes = try lines.indices.map { i -> UInt8 in
                    let lower = lines[i].lowercased()
                    let value = lower.hasPrefix("0x") ? UInt8(lower.dropFirst(2), radix: 16) : UInt8(lower)
                    guard let value else {
                        throw CLIError("\(path) line \(numbers[i]): '\(lines[i])' is not a byte (0 to 255 or 0x00 to 0xff)")
                    }
                    return value
                }
                codes = .memory((0..<(try packedCount(bytes.count, rows: 1))).map { UInt32(PackedFP4.code(at: $0, in: bytes)) })
            } else {
                codes = .memory(try lines.indices.map { try parseCode(lines[$0], f, place: "\(path) line \(numbers[$0])") })
            }
        case .binary(let input):
            guard !input.elementType.isFloatingPoint else {
                throw CLIError("'\(path)' holds \(input.elementType.numpyName) values; decode needs integer codes "
                               + "(uint8, int8 or uint16), e.g. a.view(np.uint8)")
            }
            guard input.elementType.byteCount <= 2 else {
                throw CLIError("'\(path)' holds \(input.elementType.numpyName); codes are read from uint8, int8 or uint16")
            }
            guard input.elementType.byteCount * 8 >= f.bitWidth else {
                throw CLIError("'\(path)' holds \(input.elementType.numpyName), too narrow for \(f.bitWidth)-bit \(f.name) codes")
            }
            if packed {
                guard input.elementType.byteCount == 1 else { throw CLIError("--packed input must hold bytes (uint8)") }
            }
            codes = .file(input)
        }
        // Packed: rows of bytes along the storage-contiguous axis, each unpacked to --count codes
        // (default twice its bytes); the shape keeps its axes, that one doubled.
        let rows: PackedRows
        let shape: [Int]
        if packed {
            let byteRows = PackedRows(shape: data.shape, fortranOrder: data.fortranOrder)
            rows = PackedRows(rowLength: try packedCount(byteRows.rowLength, rows: byteRows.rows), rows: byteRows.rows)
            var s = data.shape.isEmpty ? [1] : data.shape
            s[data.fortranOrder ? 0 : s.count - 1] = rows.rowLength
            shape = s
        } else {
            rows = PackedRows(rowLength: data.count, rows: 1)
            shape = data.shape
        }
        let n = rows.count
        try checkRange(codes, f, path: path)
        guard let output else {
            let all = codes.all(packed: packed ? rows : nil)
            printRows(all.indices.map { codeRow(input: .int(Int(all[$0])), code: all[$0], f) }, json: json, exactDecimal: exactDecimal)
            return
        }
        let layout = OutputLayout(path: output)
        let header = NpyHeader(elementType: valueType, shape: shape, fortranOrder: data.fortranOrder)
        do {
            let out = try ArrayOutput(path: output, layout: layout == .npy ? .npy(header) : .raw)
            var progress = Progress("decode \(path)", total: n)
            let step = chunkElements
            let values = UnsafeMutableRawBufferPointer.allocate(byteCount: step * 8, alignment: 16)
            defer { values.deallocate() }
            for piece in rows.pieces(chunk: step) {
                let range = piece.elements
                decodeChunk(f, codes, piece, into: values, type: valueType)
                if layout == .text {
                    let lines = (0..<range.count).map { i -> String in
                        let x = valueType == .float32 ? ExactValue(values.load(fromByteOffset: 4 * i, as: Float.self))
                            : ExactValue(values.load(fromByteOffset: 8 * i, as: Double.self))
                        return x.description + "\n"
                    }
                    try out.write(lines.joined())
                } else {
                    try out.write(UnsafeRawBufferPointer(start: values.baseAddress, count: range.count * valueType.byteCount))
                }
                progress.update(range.upperBound)
            }
            try out.commit()
            progress.finish()
        } catch let e as ArrayFileError { throw CLIError(e.description) }
    }

    /// Codes per packed row: `--count`, checked against the row's bytes, or twice the bytes. (A 1-D
    /// input is one row: `--count` is the number of codes.)
    func packedCount(_ bytes: Int, rows: Int) throws -> Int {
        guard let count else { return 2 * bytes }
        // (count + 1) / 2 without overflow at Int.max.
        let needed = count / 2 + count % 2
        guard count >= 0, needed == bytes else {
            if rows > 1 {
                throw CLIError("--count \(count) codes per row need \(count >= 0 ? needed : 0) packed bytes but the input's "
                               + "rows hold \(bytes)")
            }
            throw CLIError("--count \(count) needs \(count >= 0 ? needed : 0) packed bytes but the input holds \(bytes)")
        }
        return count
    }

    /// Codes above the format's largest are an input error (the array API would decode them to NaN).
    func checkRange(_ codes: CodeSource, _ f: Format, path: String) throws {
        guard !packed, Int(f.maxCode) < (1 << (codes.width * 8)) - 1 else { return }
        switch codes {
        case .memory: return  // parseCode checked each
        case .file(let input):
            for start in stride(from: 0, to: input.count, by: chunkElements) {
                let range = start..<min(start + chunkElements, input.count)
                let bad: Int? = input.withElements(range) { raw in
                    if input.elementType.byteCount == 1 {
                        return raw.firstIndex { UInt32($0) > f.maxCode }
                    }
                    return raw.bindMemory(to: UInt16.self).firstIndex { UInt32($0) > f.maxCode }
                }
                if let bad {
                    let i = start + bad
                    throw CLIError("'\(path)' element \(i) \(indexText(input.multiIndex(ofStoragePosition: i))) is code "
                                   + "\(hexCode(UInt32(input.bits(at: i)), f)), out of range for \(f.name) "
                                   + "(codes 0 to \(hexCode(f.maxCode, f))); check the format")
                }
            }
        }
    }

    /// Decodes the codes of `piece` (for unpacked codes: a range of storage positions).
    func decodeChunk(_ f: Format, _ codes: CodeSource, _ piece: PackedRows.Piece, into values: UnsafeMutableRawBufferPointer,
                     type: ElementType) {
        let range = piece.elements, n = range.count
        let floats = UnsafeMutableBufferPointer(start: values.baseAddress!.assumingMemoryBound(to: Float.self), count: n)
        let doubles = UnsafeMutableBufferPointer(start: values.baseAddress!.assumingMemoryBound(to: Double.self), count: n)
        func run<C: FixedWidthInteger & UnsignedInteger>(_ c: UnsafeBufferPointer<C>) {
            if type == .float32 { f.decode(c, into: floats, threads: threads) } else { f.decode(c, into: doubles, threads: threads) }
        }
        switch codes {
        case .memory(let all):
            all[range].withUnsafeBufferPointer { run($0) }
        case .file(let input):
            if packed {
                input.withElements(piece.bytes) { raw in
                    let b = raw.bindMemory(to: UInt8.self)
                    if piece.rowLength == n {
                        if type == .float32 { f.decodePacked(b, count: n, into: floats, threads: threads) }
                        else { f.decodePacked(b, count: n, into: doubles, threads: threads) }
                    } else {
                        // Whole rows of odd length: unpacked row by row, then decoded.
                        let unpacked = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: n)
                        defer { unpacked.deallocate() }
                        PackedFP4.unpack(b, rowLength: piece.rowLength, into: unpacked)
                        run(UnsafeBufferPointer(unpacked))
                    }
                }
            } else {
                input.withElements(range) { raw in
                    if input.elementType.byteCount == 1 { run(raw.bindMemory(to: UInt8.self)) }
                    else { run(raw.bindMemory(to: UInt16.self)) }
                }
            }
        }
    }
}

/// Codes to decode: parsed text (already unpacked) or a file.
enum CodeSource {
    case memory([UInt32])
    case file(ArrayInput)

    var width: Int {
        switch self {
        case .memory: return 4
        case .file(let input): return input.elementType.byteCount
        }
    }

    /// Every code, in storage order; `packed`: the layout of packed bytes.
    func all(packed: PackedRows?) -> [UInt32] {
        switch self {
        case .memory(let codes): return codes
        case .file(let input):
            if let packed {
                return (0..<packed.count).map { i in
                    let (byte, high) = packed.byteAndNibble(of: i)
                    let b = UInt8(truncatingIfNeeded: input.bits(at: byte))
                    return UInt32(high ? b >> 4 : b & 0xF)
                }
            }
            return (0..<input.count).map { UInt32(input.bits(at: $0)) }
        }
    }
}

/// `[1, 2]` for a multi-dimensional index.
func indexText(_ index: [Int]) -> String { "[" + index.map(String.init).joined(separator: ", ") + "]" }
