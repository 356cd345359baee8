import Minifloat
import MinifloatIO
import MinifloatOracle

extension DecodeCommand {
    func decodeBlocks(_ base: BlockFormat) throws {
        let f = try block.format(base)
        for (given, name) in [(input != nil, "--input (give --input-dir DIR, or --scales and --elements)"),
                              (!codes.isEmpty, "codes on the command line"), (rawDtype != nil, "--raw-dtype"), (count != nil, "--count")]
        where given {
            throw CLIError("\(name) does not apply to decoding block format \(f.name)")
        }
        let valueType = try parseElementType(outputDtype, option: "--output-dtype")
        guard valueType == .float32 || valueType == .float64 else {
            throw CLIError("--output-dtype must be f32 or f64 (got \(outputDtype))")
        }
        if let threads, threads < 1 { throw CLIError("--threads must be at least 1 (got \(threads))") }
        let files: BlockFiles
        if let inputDir {
            guard scales == nil && elements == nil else { throw CLIError("give --input-dir or --scales and --elements, not both") }
            for (given, name) in [(block.axis != -1, "--axis"), (block.tensorScale != nil, "--tensor-scale"), (packed, "--packed")] where given {
                throw CLIError("\(name) is read from \(inputDir)/block.json; leave it out")
            }
            files = try BlockFiles.directory(inputDir, f, blockSizeGiven: block.blockSize)
        } else {
            guard let scales, let elements else {
                throw CLIError("give --input-dir DIR (from 'quantize --output-dir'), or --scales S.npy and --elements E.npy")
            }
            files = try BlockFiles.explicit(f, scales: scales, elements: elements, axis: block, packed: packed,
                                            tensorScale: try block.givenTensorScale(f))
        }
        let layout = files.layout
        let g = files.format
        if valueType == .float64 {
            let values = g.decode(files.codes, layout: layout, threads: threads)
            try emit(values.map { $0.bitPattern.littleEndian }, count: values.count, { ExactValue(values[$0]) }, type: valueType, files: files)
        } else {
            let values = g.decode(files.codes, layout: layout, as: Float.self, threads: threads)
            try emit(values.map { $0.bitPattern.littleEndian }, count: values.count, { ExactValue(values[$0]) }, type: valueType, files: files)
        }
    }

    /// Writes the values' bits (binary outputs) or their exact decimals (printed, or a .txt file).
    private func emit<T: FixedWidthInteger>(_ bits: [T], count: Int, _ exact: (Int) -> ExactValue, type: ElementType,
                                            files: BlockFiles) throws {
        guard let output else {
            printRows((0..<count).map { [("value", .exact(exact($0)))] }, json: json, exactDecimal: exactDecimal)
            return
        }
        let bytes = bits.withUnsafeBytes { Array($0) }
        switch OutputLayout(path: output) {
        case .npy: try writeNpy(bytes, type: type, shape: files.shape, fortranOrder: files.fortranOrder, to: output)
        case .text: try writeAtomically(Array((0..<count).map { exact($0).description + "\n" }.joined().utf8), to: output)
        case .raw: try writeAtomically(bytes, to: output)
        }
    }
}
