import ArgumentParser
import Minifloat
import MinifloatIO
import MinifloatOracle
import MinifloatVerify

/// `verify mxfp4 --input X --claimed-scales S --claimed-elements E`: scales against the scale rule,
/// elements against the reference under the claimed scales, with diagnoses.
extension VerifyCommand {
    func verifyBlocks(_ base: BlockFormat) throws {
        let f = try block.format(base)
        for (given, name) in [(claimed != nil, "--claimed (give --claimed-scales and --claimed-elements)"),
                              (claimedAs != nil, "--claimed-as"), (profile != nil, "--profile"), (nanAny, "--nan-any"),
                              (claimedRawDtype != nil, "--claimed-raw-dtype"), (randomValues != nil, "--random-values")] where given {
            throw CLIError("\(name) does not apply to block format \(f.name)")
        }
        guard let scalesPath = claimedScales, let elementsPath = claimedElements else {
            throw CLIError("give --claimed-scales S.npy and --claimed-elements E.npy: the quantizer's scale and element codes")
        }
        guard maxReport >= 0 else { throw CLIError("--max-report must be at least 0 (got \(maxReport))") }
        if let threads, threads < 1 { throw CLIError("--threads must be at least 1 (got \(threads))") }
        let sat = try parseSaturation(saturation ?? "satfinite")
        let name = rounding ?? "rne"
        let stochastic = RoundingMode.isStochastic(shortName: name)
        if stochastic && seed == nil { throw CLIError("stochastic rounding of blocks needs --random-bits N and --seed S") }
        if !stochastic && seed != nil { throw CLIError("--seed applies only to stochastic rounding (sra, srb, src)") }
        let mode = try parseRounding(name, bits: randomBits, random: stochastic ? 0 : nil)
        let encoding = try block.encoding(f, rounding: mode, saturation: sat)
        let data = try BlockArray.load(input, rawType: rawDtype, inputType: inputDtype)
        let axis = try block.axisIndex(rank: data.shape.count)
        let layout = data.layout(axis: axis, blockSize: f.blockSize)
        var tensorScale: Float? = nil
        if f.hasTensorScale {
            tensorScale = try block.givenTensorScale(f)
                ?? Float(Oracle.nearestDouble(ExactValue(BlockOracle.defaultTensorScale(amax: data.exactAmax, format: f))))
        }
        // The claimed files.
        let s = try BlockFiles.openCodes(scalesPath, role: "claimed scales")
        guard s.count == layout.scaleCount else {
            throw CLIError("claimed scales '\(scalesPath)' has \(s.count) codes; \(f) blocks of \(NpyHeader.shapeText(data.shape)) "
                           + "along axis \(axis) need \(layout.scaleCount)")
        }
        let e = try BlockFiles.openCodes(elementsPath, role: "claimed elements")
        let rowLength = data.storageShape.last ?? 1
        let packedCount = layout.elementCount / max(rowLength, 1) * ((rowLength + 1) / 2)
        let packed = f.elementBits == 4 && e.count != data.count && e.count == packedCount
        guard e.count == data.count || packed else {
            throw CLIError("claimed elements '\(elementsPath)' has \(e.count) codes; the input has \(data.count) elements"
                           + (f.elementBits == 4 ? " (\(packedCount) bytes packed)" : ""))
        }
        // Multi-dimensional claims must have the expected shape and the input's order (a flat array
        // is read in the input's storage order).
        let shape = data.shape.isEmpty ? [1] : data.shape
        for (a, path, want) in [(s, scalesPath, BlockLayout.scaleShape(shape, axis: axis, blockSize: f.blockSize)),
                                (e, elementsPath, packed ? blockPackedShape(shape, fortranOrder: data.fortranOrder) : shape)]
        where a.shape.filter({ $0 > 1 }).count > 1 {
            guard a.shape == want else {
                throw CLIError("'\(path)' has shape \(NpyHeader.shapeText(a.shape)); expected \(NpyHeader.shapeText(want)) "
                               + "(or a flat array of \(a.count) codes)")
            }
            guard a.fortranOrder == data.fortranOrder else {
                throw CLIError("'\(path)' is in \(a.fortranOrder ? "Fortran" : "C") order but the input is in "
                               + "\(data.fortranOrder ? "Fortran" : "C") order; save both in one order (np.ascontiguousarray)")
            }
        }
        let claimedScales = BlockFiles.bytes(s)
        var claimedElements = BlockFiles.bytes(e)
        if packed { claimedElements = BlockFormat.unpackNibbles(claimedElements, rowLength: rowLength) }
        let verifier = BlockVerifier(format: f, encoding: encoding, data: data, axis: axis, tensorScale: tensorScale,
                                     seed: seed, threads: threads)
        // The detailed mismatches are built one at a time as they are written: memory does not
        // grow with --max-report.
        var (result, details) = verifier.verifyWithLazyDetails(claimedScales: claimedScales, claimedElements: claimedElements,
                                                               packed: packed, maxMismatches: maxReport)
        result.input = .init(path: input, type: data.typeName, shape: data.shape)
        result.claimedScales = scalesPath
        result.claimedElements = elementsPath
        try emitReport(to: self.report, json: json,
                       writeJSON: { emit in try result.writeJSON(mismatches: details, to: emit) },
                       writeText: { emit in result.writeText(mismatches: details, exactDecimals: exactDecimal, to: emit) })
        if result.mismatching > 0 { throw ExitCode(1) }
    }
}
