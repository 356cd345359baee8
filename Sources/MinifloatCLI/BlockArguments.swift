import ArgumentParser
import Minifloat
import MinifloatIO
import MinifloatOracle

/// The block options of every block command: where the blocks are and NVFP4's tensor scale.
struct BlockLayoutArguments: ParsableArguments {
    @Option(parsing: .unconditional, help: "Block formats: elements per block (default 32 for MX, 16 for NVFP4).") var blockSize: Int?
    @Option(parsing: .unconditional, help: "Block formats: the axis blocks run along (-1 is the last).") var axis: Int = -1
    @Option(help: "NVFP4: the FP32 per-tensor scale, a number or the tensor_scale.npy quantize wrote (default amax / (6 * 448), rounded to float32).")
    var tensorScale: String?

    /// Whether any of these options was given (they are errors for element formats).
    var anyGiven: String? {
        if blockSize != nil { return "--block-size" }
        if axis != -1 { return "--axis" }
        if tensorScale != nil { return "--tensor-scale" }
        return nil
    }

    func format(_ base: BlockFormat) throws -> BlockFormat {
        guard let blockSize else { return base }
        guard (1...(1 << 20)).contains(blockSize) else {
            throw CLIError("--block-size must be 1 to 1048576 (got \(blockSize))")
        }
        return base.withBlockSize(blockSize)
    }

    /// The tensor scale given with --tensor-scale (NVFP4 only): a positive finite float32 value.
    func givenTensorScale(_ f: BlockFormat) throws -> Float? {
        guard var text = tensorScale else { return nil }
        guard f.hasTensorScale else { throw CLIError("--tensor-scale applies to nvfp4 only; \(f.name) has no per-tensor scale") }
        if text.hasSuffix(".npy") {
            // The 0-d float32 array quantize --output-dir writes (or any one-element float32 .npy).
            let file: ArrayInput
            do { file = try ArrayInput(path: text, rawType: nil) } catch let e as ArrayFileError { throw CLIError("--tensor-scale: \(e.description)") }
            guard file.elementType == .float32, file.count == 1 else {
                throw CLIError("--tensor-scale '\(text.quotedForMessage())' holds \(file.count) \(file.elementType.numpyName) values; "
                               + "give the one-element float32 tensor_scale.npy that quantize wrote")
            }
            let bits = file.withElements(0..<1) { $0.load(as: UInt32.self) }
            text = hexFloat(Float(bitPattern: bits))
        }
        let exact: ExactValue
        do { exact = try ExactValue(parsing: text) } catch { throw CLIError("--tensor-scale: \(error.description)") }
        let d = Oracle.nearestDouble(exact)
        guard let r = exact.rational, r.sign > 0, Float(d).isFinite, Float(d) > 0,
              Rational(exactly: Double(Float(d))) == r else {
            throw CLIError("--tensor-scale '\(text.quotedForMessage())' must be a positive finite float32 value (e.g. 0.0037 is not; 0x1.ep-9 is)")
        }
        return Float(d)
    }

    /// The axis as an index into `shape` (checked).
    func axisIndex(rank: Int) throws -> Int {
        let r = max(rank, 1)
        guard (-r..<r).contains(axis) else {
            throw CLIError("--axis \(axis) is out of range for an array of \(r) dimension\(r == 1 ? "" : "s"): use \(-r) to \(r - 1)")
        }
        return axis < 0 ? axis + r : axis
    }
}

/// The block options of the commands that encode (quantize, verify): the layout options and how
/// scales are chosen.
struct BlockArguments: ParsableArguments {
    @OptionGroup var layout: BlockLayoutArguments
    @Option(help: "Block formats: floor (OCP, MX default) | ceil (NVFP4 default) | ties-up | even | down.",
            completion: .list(Completions.scaleRules))
    var scaleRule: String?
    @Option(help: "Block formats: nan-scale (a block with NaN/Inf gets the NaN scale) | finite-amax.")
    var specials = "nan-scale"

    var blockSize: Int? { layout.blockSize }
    var axis: Int { layout.axis }
    var tensorScale: String? { layout.tensorScale }
    func format(_ base: BlockFormat) throws -> BlockFormat { try layout.format(base) }
    func givenTensorScale(_ f: BlockFormat) throws -> Float? { try layout.givenTensorScale(f) }
    func axisIndex(rank: Int) throws -> Int { try layout.axisIndex(rank: rank) }

    /// Whether any block option was given (they are errors for element formats).
    var anyGiven: String? {
        if let given = layout.anyGiven { return given }
        if scaleRule != nil { return "--scale-rule" }
        if specials != "nan-scale" { return "--specials" }
        return nil
    }

    func encoding(_ f: BlockFormat, rounding: RoundingMode, saturation: SaturationMode) throws -> BlockEncoding {
        var rule: ScaleRule? = nil
        if let scaleRule {
            guard let r = ScaleRule.named(scaleRule) else {
                throw CLIError("unknown --scale-rule '\(scaleRule.quotedForMessage())': use \(ScaleRule.all.map(\.name).joined(separator: ", "))")
            }
            rule = r
        }
        guard let s = BlockSpecials(rawValue: specials.lowercased()) else {
            throw CLIError("unknown --specials '\(specials.quotedForMessage())': use nan-scale or finite-amax")
        }
        return BlockEncoding(for: f, scaleRule: rule, rounding: rounding, saturation: saturation, specials: s)
    }
}
