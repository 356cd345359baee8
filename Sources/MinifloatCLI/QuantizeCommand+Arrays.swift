import Minifloat
import MinifloatIO
import MinifloatOracle
import MinifloatVerify

extension QuantizeCommand {
    /// `quantize FORMAT --input X [--output Y]`: every element rounded once, by the fast codec for
    /// binary inputs (which the oracle sweeps verify) and by the oracle for text (exact decimals).
    func quantizeArray(_ f: Format, input path: String, saturation sat: SaturationMode) throws {
        guard from == nil else {
            throw CLIError("--from applies to command-line values; an input file's type is its dtype (text: --input-dtype)")
        }
        let stochastic = RoundingMode.isStochastic(shortName: roundingName)
        if stochastic {
            guard random == nil else {
                throw CLIError("with --input, stochastic rounding takes --seed S (one random value per element), not --random")
            }
            guard seed != nil else { throw CLIError("stochastic rounding of an array needs --random-bits N and --seed S") }
        } else if seed != nil {
            throw CLIError("--seed applies only to stochastic rounding (sra, srb, src)")
        }
        let system = try systemCall(f)
        let mode = try system.map { $0.call.rounding } ?? parseRounding(roundingName, bits: randomBits, random: stochastic ? 0 : random)
        if let threads, threads < 1 { throw CLIError("--threads must be at least 1 (got \(threads))") }
        if packed && f.bitWidth != 4 {
            throw CLIError("--packed needs a 4-bit format; \(f.name) has \(f.bitWidth) bits")
        }
        guard f.bitWidth <= 16 else {
            throw CLIError("\(f.name) has \(f.bitWidth) bits; array files hold codes of at most 16 bits")
        }
        let data = try openArray(path, rawType: rawDtype, inputType: text(path) ? nil : inputDtype)
        let codes: [UInt16]
        switch data {
        case .text(let lines, let numbers):
            if let system {
                throw CLIError("profile \(system.profile.name) converts typed values; '\(path)' holds exact decimals: give an "
                               + ".npy or raw file of float32, float16, bfloat16 or float64 values")
            }
            let bitsType = try inputDtype.map { try parseElementType($0, option: "--input-dtype") }
            codes = try lines.indices.map { i in
                let x = try parseTextValue(lines[i], bitsType: bitsType, where: "\(path) line \(numbers[i])")
                let m = stochastic ? mode.withRandom(randomValue(i, mode)) : mode
                return UInt16(Oracle.Bracket(x, f).code(rounding: m, saturation: sat))
            }
            if output == nil {
                let rows = codes.indices.map { codeRow(input: .string(lines[$0]), code: UInt32(codes[$0]), f) }
                printRows(rows, json: json, exactDecimal: exactDecimal)
                return
            }
        case .binary(let input):
            guard input.elementType.isFloatingPoint else {
                throw CLIError("'\(path)' holds \(input.elementType.numpyName) integers; quantize needs float16, float32, "
                               + "float64 or bfloat16 values (for uint16 bfloat16 bits give --input-dtype bf16)")
            }
            if let system, let type = input.elementType.floatSource {
                do { try system.check(source: type) } catch let e as VerifyError { throw CLIError(e.description) }
            }
            if let output {
                try writeCodes(f, input: input, to: output, mode: mode, saturation: sat)
                return
            }
            codes = try encodeAll(f, input: input, mode: mode, saturation: sat)
            let rows = codes.indices.map { i -> [(String, Cell)] in
                let bits = input.bits(at: i)
                let x = input.elementType.exactValue(bits: bits)
                return codeRow(input: .exact(x), code: UInt32(codes[i]), f,
                               extra: [("input_bits", .string(input.elementType.hexBits(bits)))])
            }
            printRows(rows, json: json, exactDecimal: exactDecimal)
            return
        }
        // Text input with --output.
        try writeCodeArray(codes, f, shape: data.shape, fortranOrder: false, to: output!)
    }

    func text(_ path: String) -> Bool { rawDtype == nil && path.hasSuffix(".txt") }

    /// R_i for element i: the top N bits of word i of the seeded stream from `seed` (``RandomSource/seed(_:)``).
    func randomValue(_ i: Int, _ mode: RoundingMode) -> UInt64 {
        RandomSource.seed(seed!).value(at: i, bits: mode.randomBits)
    }

    /// The random values of elements `range`, as the array API's `.values` source (low N bits used).
    func randomSource(_ range: Range<Int>, _ mode: RoundingMode) -> RandomSource? {
        guard mode.isStochastic else { return nil }
        return .values([UInt32](unsafeUninitializedCapacity: range.count) { buffer, count in
            RandomSource.seed(seed!).values(range, bits: mode.randomBits, into: buffer)
            count = range.count
        })
    }

    /// Encodes elements `range` of `input` into `out` (UInt8 or UInt16 codes, or packed bytes).
    func encodeChunk(_ f: Format, input: ArrayInput, _ range: Range<Int>, into out: UnsafeMutableRawPointer,
                     mode: RoundingMode, saturation sat: SaturationMode, packed: Bool) {
        let random = randomSource(range, mode)
        let system = try? systemCall(f)
        input.withElements(range) { raw in
            let n = range.count, type = input.elementType
            if let system, let source = type.floatSource {
                // Checked before the first chunk (quantizeArray): the call takes this source type.
                if f.bitWidth > 8 {
                    let codes = UnsafeMutableBufferPointer(start: out.assumingMemoryBound(to: UInt16.self), count: n)
                    try! system.encode(raw: raw, as: source, count: n, into: codes, threads: threads)
                } else if packed {
                    let codes = [UInt8](unsafeUninitializedCapacity: n) { buffer, count in
                        try! system.encode(raw: raw, as: source, count: n, into: buffer, threads: threads)
                        count = n
                    }
                    let bytes = UnsafeMutableBufferPointer(start: out.assumingMemoryBound(to: UInt8.self), count: (n + 1) / 2)
                    codes.withUnsafeBufferPointer { PackedFP4.pack($0, rowLength: n, into: bytes) }
                } else {
                    let codes = UnsafeMutableBufferPointer(start: out.assumingMemoryBound(to: UInt8.self), count: n)
                    try! system.encode(raw: raw, as: source, count: n, into: codes, threads: threads)
                }
            } else if packed {
                let bytes = UnsafeMutableBufferPointer(start: out.assumingMemoryBound(to: UInt8.self), count: (n + 1) / 2)
                f.encodePacked(elementsOf: type, raw, count: n, into: bytes, rounding: mode, saturation: sat, random: random,
                               threads: threads)
            } else if f.bitWidth > 8 {
                let codes = UnsafeMutableBufferPointer(start: out.assumingMemoryBound(to: UInt16.self), count: n)
                f.encode(elementsOf: type, raw, count: n, into: codes, rounding: mode, saturation: sat, random: random, threads: threads)
            } else {
                let codes = UnsafeMutableBufferPointer(start: out.assumingMemoryBound(to: UInt8.self), count: n)
                f.encode(elementsOf: type, raw, count: n, into: codes, rounding: mode, saturation: sat, random: random, threads: threads)
            }
        }
    }

    /// Streams `input` through the encoder into `path`. Packed FP4 is written in rows along the
    /// storage-contiguous axis (``PackedRows``): the shape keeps its axes, that one halved.
    func writeCodes(_ f: Format, input: ArrayInput, to path: String, mode: RoundingMode, saturation sat: SaturationMode) throws {
        let layout = OutputLayout(path: path)
        let codeType: ElementType = f.bitWidth <= 8 ? .uint8 : .uint16
        let header = NpyHeader(elementType: packed ? .uint8 : codeType,
                               shape: packed ? blockPackedShape(input.shape, fortranOrder: input.fortranOrder) : input.shape,
                               fortranOrder: input.fortranOrder)
        let output: ArrayOutput
        do {
            output = try ArrayOutput(path: path, layout: layout == .npy ? .npy(header) : .raw)
        } catch let e as ArrayFileError { throw CLIError(e.description) }
        let rows = packed ? PackedRows(shape: input.shape, fortranOrder: input.fortranOrder) : PackedRows(rowLength: input.count, rows: 1)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkElements * 2, alignment: 16)
        defer { buffer.deallocate() }
        // Packed rows take up to a byte per code (rows of one code).
        let packedBytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: packed ? chunkElements : 0)
        defer { packedBytes.deallocate() }
        var progress = Progress("quantize \(path)", total: input.count)
        do {
            for piece in rows.pieces(chunk: chunkElements) {
                let range = piece.elements
                let bytes: UnsafeRawBufferPointer
                if !packed {
                    encodeChunk(f, input: input, range, into: buffer.baseAddress!, mode: mode, saturation: sat, packed: false)
                    bytes = UnsafeRawBufferPointer(start: buffer.baseAddress, count: range.count * codeType.byteCount)
                } else if piece.rowLength == range.count {
                    encodeChunk(f, input: input, range, into: buffer.baseAddress!, mode: mode, saturation: sat, packed: true)
                    bytes = UnsafeRawBufferPointer(start: buffer.baseAddress, count: piece.bytes.count)
                } else {
                    // Whole rows of odd length: codes first, then packed row by row.
                    encodeChunk(f, input: input, range, into: buffer.baseAddress!, mode: mode, saturation: sat, packed: false)
                    PackedFP4.pack(UnsafeBufferPointer(start: buffer.baseAddress!.assumingMemoryBound(to: UInt8.self), count: range.count),
                                    rowLength: piece.rowLength, into: packedBytes)
                    bytes = UnsafeRawBufferPointer(start: packedBytes.baseAddress, count: piece.bytes.count)
                }
                if layout == .text {
                    if packed {
                        try output.write(bytes.map { hexByte($0) + "\n" }.joined())
                    } else {
                        let codes = (0..<range.count).map { i -> UInt32 in
                            codeType == .uint8 ? UInt32(bytes.load(fromByteOffset: i, as: UInt8.self))
                                : UInt32(bytes.load(fromByteOffset: 2 * i, as: UInt16.self))
                        }
                        try output.write(codes.map { hexCode($0, f) + "\n" }.joined())
                    }
                } else {
                    try output.write(bytes)
                }
                progress.update(range.upperBound)
            }
            try output.commit()
        } catch let e as ArrayFileError { throw CLIError(e.description) }
        progress.finish()
    }

    /// Every code of `input`, in storage order (for printing).
    func encodeAll(_ f: Format, input: ArrayInput, mode: RoundingMode, saturation sat: SaturationMode) throws -> [UInt16] {
        var codes: [UInt16] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkElements * 2, alignment: 16)
        defer { buffer.deallocate() }
        for start in stride(from: 0, to: input.count, by: chunkElements) {
            let range = start..<min(start + chunkElements, input.count)
            encodeChunk(f, input: input, range, into: buffer.baseAddress!, mode: mode, saturation: sat, packed: false)
            for i in 0..<range.count {
                codes.append(f.bitWidth <= 8 ? UInt16(buffer.load(fromByteOffset: i, as: UInt8.self))
                                             : buffer.load(fromByteOffset: 2 * i, as: UInt16.self))
            }
        }
        return codes
    }

    /// Writes codes computed in memory (text input).
    func writeCodeArray(_ codes: [UInt16], _ f: Format, shape: [Int], fortranOrder: Bool, to path: String) throws {
        let layout = OutputLayout(path: path)
        do {
            let output: ArrayOutput
            if layout == .text {
                output = try ArrayOutput(path: path, layout: .raw)
                if packed {
                    try output.write(packNibbles(codes).map { hexByte($0) + "\n" }.joined())
                } else {
                    try output.write(codes.map { hexCode(UInt32($0), f) + "\n" }.joined())
                }
            } else {
                let bytes: [UInt8] = packed ? packNibbles(codes)
                    : f.bitWidth <= 8 ? codes.map { UInt8($0) } : codes.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
                let header = NpyHeader(elementType: f.bitWidth <= 8 || packed ? .uint8 : .uint16,
                                       shape: packed ? [bytes.count] : shape, fortranOrder: fortranOrder)
                output = try ArrayOutput(path: path, layout: layout == .npy ? .npy(header) : .raw)
                try output.write(bytes)
            }
            try output.commit()
        } catch let e as ArrayFileError { throw CLIError(e.description) }
    }
}

/// 4-bit codes packed two per byte as one row (``PackedFP4``).
func packNibbles(_ codes: [UInt16]) -> [UInt8] {
    PackedFP4.pack(codes.map { UInt8(truncatingIfNeeded: $0) }, rowLength: max(codes.count, 1))
}


