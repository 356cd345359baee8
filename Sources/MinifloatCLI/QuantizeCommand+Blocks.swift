import Minifloat
import MinifloatIO
import MinifloatOracle
import MinifloatVerify
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension QuantizeCommand {
    /// `quantize mxfp4 --input X.npy --output-dir DIR`, or values on the command line (printed).
    func quantizeBlocks(_ base: BlockFormat) throws {
        let f = try block.format(base)
        let sat = try parseSaturation(saturation ?? "satfinite")
        for (given, name) in [(output != nil, "--output (block formats write a directory: --output-dir)"),
                              (packed, "--packed (block formats pack FP4 by default; --unpacked turns it off)"),
                              (from != nil, "--from"), (profile != nil, "--profile (profiles are element conversions)"), (random != nil, "--random (arrays of blocks take --seed)"),
                              (json && outputDir != nil, "--json with --output-dir")] where given {
            throw CLIError("\(name) does not apply to block format \(f.name)")
        }
        if unpacked && f.elementBits != 4 { throw CLIError("--unpacked applies to FP4 elements; \(f.name) elements have \(f.elementBits) bits") }
        let stochastic = RoundingMode.isStochastic(shortName: roundingName)
        if stochastic && seed == nil { throw CLIError("stochastic rounding of blocks needs --random-bits N and --seed S") }
        if !stochastic && seed != nil { throw CLIError("--seed applies only to stochastic rounding (sra, srb, src)") }
        let mode = try parseRounding(roundingName, bits: randomBits, random: stochastic ? 0 : nil)
        let encoding = try block.encoding(f, rounding: mode, saturation: sat)
        let tensorScale = try block.givenTensorScale(f)
        if let threads, threads < 1 { throw CLIError("--threads must be at least 1 (got \(threads))") }
        let data: BlockArray
        if let input {
            guard values.isEmpty else { throw CLIError("give values on the command line or --input, not both") }
            data = try BlockArray.load(input, rawType: rawDtype, inputType: inputDtype)
        } else {
            let values = self.values.isEmpty ? try standardInputValues() : self.values
            guard !values.isEmpty else { throw CLIError("give values or --input FILE, e.g. 'minifloat quantize \(f.name) 1 2.5 -6'") }
            guard rawDtype == nil && inputDtype == nil else {
                throw CLIError("--raw-dtype and --input-dtype apply to --input FILE")
            }
            var exact: [ExactValue] = []
            for text in values {
                do { exact.append(try ExactValue(parsing: text)) } catch { throw CLIError(error.description) }
            }
            data = BlockArray(values: .exact(exact), shape: [exact.count], fortranOrder: false, typeName: "text")
        }
        let axis = try block.axisIndex(rank: data.shape.count)
        let layout = data.layout(axis: axis, blockSize: f.blockSize)
        let codes = data.encode(f, layout: layout, encoding: encoding, tensorScale: tensorScale, seed: seed, threads: threads)
        if let outputDir {
            try writeBlockDirectory(outputDir, f, data: data, axis: axis, encoding: encoding, codes: codes)
        } else {
            printBlocks(f, data: data, layout: layout, codes: codes)
        }
    }

    func writeBlockDirectory(_ dir: String, _ f: BlockFormat, data: BlockArray, axis: Int, encoding: BlockEncoding,
                             codes: BlockCodes) throws {
        let unit = try OutputFolder(dir)
        let shape = data.shape.isEmpty ? [1] : data.shape
        let scaleShape = BlockLayout.scaleShape(shape, axis: axis, blockSize: f.blockSize)
        let pack = f.elementBits == 4 && !unpacked
        let rowLength = data.storageShape.last!
        let elements = pack ? BlockFormat.packNibbles(codes.elements, rowLength: rowLength) : codes.elements
        let elementShape = pack ? blockPackedShape(shape, fortranOrder: data.fortranOrder) : shape
        // The folder is written as a unit: every file to a temporary first, then renamed into
        // place with block.json last; block.json records a digest of the codes it belongs with,
        // which decode checks, so a folder mixed from two runs is refused rather than misread.
        func prepare(_ bytes: [UInt8], _ type: ElementType, _ shape: [Int], _ name: String) throws {
            try unit.prepare(name, layout: .npy(NpyHeader(elementType: type, shape: shape, fortranOrder: data.fortranOrder))) {
                try $0.write(bytes)
            }
        }
        var fields: [(String, JSON)] = [
            ("format", .string(f.name)), ("block_size", .int(f.blockSize)), ("axis", .int(axis)),
            // The input's own shape (a 0-d input is stored as one element, and decodes back to 0-d).
            ("shape", .array(data.shape.map { .int($0) })), ("fortran_order", .bool(data.fortranOrder)),
            ("packed", .bool(pack)), ("scale_rule", .string(encoding.scaleRule.name)),
            ("rounding", .string(encoding.rounding.shortName)), ("saturation", .string(encoding.saturation.shortName)),
            ("specials", .string(encoding.specials.rawValue)), ("input_dtype", .string(data.typeName)),
        ]
        if encoding.rounding.isStochastic {
            fields += [("random_bits", .int(encoding.rounding.randomBits)), ("seed", .string(String(seed!)))]
        }
        try prepare(codes.scales, .uint8, scaleShape, "scales.npy")
        try prepare(elements, .uint8, elementShape, "elements.npy")
        if let t = codes.tensorScale {
            try prepare(withUnsafeBytes(of: t.bitPattern.littleEndian) { Array($0) }, .float32, [], "tensor_scale.npy")
            fields.append(("tensor_scale", .string(hexFloat(t))))
        }
        fields.append(("digests", .object([("scales", .string(blockDigest(codes.scales))),
                                           ("elements", .string(blockDigest(elements)))])))
        try unit.prepare("block.json", layout: .raw) { try $0.write(JSON.object(fields).text + "\n") }
        try unit.commit {
            if codes.tensorScale == nil { unlinkPath(dir + "/tensor_scale.npy") }  // a stale one from an NVFP4 run
        }
        let nan = codes.scales.filter { UInt32($0) == f.scale.nanCode() }.count
        print("\(f) \(data.typeName) \(NpyHeader.shapeText(data.shape)) axis \(axis): \(codes.scales.count) blocks"
              + (nan > 0 ? " (\(nan) with a NaN scale)" : "") + ", scale rule \(encoding.scaleRule)"
              + (codes.tensorScale.map { ", tensor scale \(hexFloat($0)) = \(ExactValue($0))" } ?? ""))
        print("wrote \(dir)/scales.npy \(NpyHeader.shapeText(scaleShape)), elements.npy \(NpyHeader.shapeText(elementShape))"
              + (pack ? " (packed)" : "") + (codes.tensorScale != nil ? ", tensor_scale.npy" : "") + ", block.json")
    }

    func printBlocks(_ f: BlockFormat, data: BlockArray, layout: BlockLayout, codes: BlockCodes) {
        var rows: [[(String, Cell)]] = []
        let t = codes.tensorScale.map { Rational(exactly: Double($0)) } ?? Rational(1)
        for b in 0..<layout.scaleCount {
            let (first, n, stride) = layout.block(b)
            let s = UInt32(codes.scales[b])
            for k in 0..<n {
                let i = first + k * stride
                let e = UInt32(codes.elements[i])
                let value = BlockOracle.decode(element: e, scale: s, format: f, tensorScale: t)
                rows.append([("input", .exact(data.exact(i))), ("block", .int(b)),
                             ("scale", .string(hexCode(s, f.scale))), ("scale_value", .exact(Oracle.decode(s, in: f.scale))),
                             ("element", .string(hexByte(UInt8(e)))),
                             ("element_value", .exact(ExactValue(f.elementValue(UInt8(e))))),
                             ("value", .exact(value))]
                            + (codes.tensorScale.map { [("tensor_scale", Cell.string(hexFloat($0)))] } ?? []))
            }
        }
        if let ts = codes.tensorScale, !json {
            print("tensor_scale=\(hexFloat(ts)) (\(exactDecimal ? ExactValue(ts).description : ExactValue(ts).shortDescription))")
        }
        printRows(rows, json: json, exactDecimal: exactDecimal)
    }
}
