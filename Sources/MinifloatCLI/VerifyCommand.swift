import ArgumentParser
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

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check another quantizer's output element by element against the reference, and explain each mismatch.",
        discussion: """
            INPUT holds the values that were quantized (.npy float16/32/64 or bfloat16, raw with \
            --raw-dtype, or text: one exact value per line). CLAIMED holds what the quantizer produced: \
            codes (uint8, int8, uint16, or ml_dtypes' one-byte voids), values (float16/32/64, bfloat16: \
            each must be a value of FORMAT), or packed FP4 (two codes per byte, element 2k in the low \
            nibble). Shapes must match (a one-dimensional array of the same length is read in C order). \
            Exit status: 0 if every element matches, 1 if any differs, 2 for a usage or input error.

            Diagnoses, tried in this order: \
            \(Cause.Kind.allCases.map { "\($0.rawValue) (\($0.meaning))" }.joined(separator: "; ")).

            Profiles: \(Behaviour.all.map { "\($0.name): \($0.summary)" }.joined(separator: " "))

            Block formats: verify mxfp4 --input X.npy --claimed-scales S.npy --claimed-elements E.npy checks \
            every scale against the scale rule (--scale-rule, --specials; the claim is also tried against \
            every other rule) and every element against the reference under the claimed scale of its block, \
            so one wrong scale does not make its whole block wrong. NVFP4 takes the encoder's tensor scale \
            with --tensor-scale (default amax / 2688). Element diagnoses are those above, for x / scale; \
            whole-array checks add other rounding and saturation modes, swapped FP4 nibbles and float32 \
            division.
            """)

    @Argument(help: "A format name (see 'minifloat formats').", completion: .list(Completions.formats)) var format: String
    @Option(help: "The values that were quantized (.npy, .txt or raw).") var input: String
    @Option(help: "The quantizer's output (.npy, .txt or raw).") var claimed: String?
    @Option(help: "codes | values | packed-fp4 (default: codes for integer files, values for float files).")
    var claimedAs: String?
    @Option(help: "rne | rna | rtz | rtp | rtn | rto | sra | srb | src (default rne, or the profile's).", completion: .list(Completions.roundings)) var rounding: String?
    @Option(help: "satfinite | satpropagate | satnone (default satnone, or the profile's).", completion: .list(Completions.saturations)) var saturation: String?
    @Option(help: "A system to accept exactly (\(SystemProfile.all.map(\.name).joined(separator: ", "))), or a named behaviour (\(Behaviour.all.map(\.name).joined(separator: ", "))); reference: the spec (the default).", completion: .list(Completions.profiles))
    var profile: String?
    @Flag(help: "Accept any NaN code where the reference gives a NaN.") var nanAny = false
    @Option(help: "Write the full report as JSON to this file.") var report: String?
    @Option(parsing: .unconditional, help: "How many mismatches to show in detail.") var maxReport = 10
    @Option(help: "The input is raw little-endian binary of this type.") var rawDtype: String?
    @Option(help: "Read the input's elements as this type (bf16 or f16 for uint16 bits).") var inputDtype: String?
    @Option(help: "The claimed file is raw little-endian binary of this type.") var claimedRawDtype: String?
    @Option(parsing: .unconditional, help: "Stochastic rounding: the number of random bits N.") var randomBits: Int?
    @Option(parsing: .unconditional, help: "Stochastic rounding: R_i from SplitMix64 with this seed (as 'quantize --seed').") var seed: UInt64?
    @Option(help: "Stochastic rounding: a file of the random integers used (uint8/16/32; the low N bits of element i are R_i).")
    var randomValues: String?
    @Option(parsing: .unconditional, help: "Threads (default: all processors).") var threads: Int?
    @Flag(help: "Print the report as JSON on stdout instead of text.") var json = false
    @Flag(help: exactDecimalHelp) var exactDecimal = false
    @OptionGroup(title: "Block formats (MX, NVFP4)")
    var block: BlockArguments
    @Option(help: "Block formats: the claimed scale codes (.npy uint8).") var claimedScales: String?
    @Option(help: "Block formats: the claimed element codes (.npy uint8; FP4 packed or not, told by the size).")
    var claimedElements: String?

    func run() throws {
        try checkDistinct(inputs: [("--input", input), ("--claimed", claimed), ("--random-values", randomValues),
                                   ("--claimed-scales", claimedScales), ("--claimed-elements", claimedElements)],
                          outputs: [("--report", report)])
        if let b = BlockFormat.named(format) {
            try verifyBlocks(b)
            return
        }
        let f = try lookUpFormat(format)
        if let given = block.anyGiven ?? (claimedScales != nil ? "--claimed-scales" : claimedElements != nil ? "--claimed-elements" : nil) {
            throw CLIError("\(given) applies to block formats (mxfp4, nvfp4, ...); \(f.name) is an element format")
        }
        guard let claimed else { throw CLIError("give --claimed FILE: the quantizer's output for --input") }
        let setup = try resolveModes(f)
        guard maxReport >= 0 else { throw CLIError("--max-report must be at least 0 (got \(maxReport))") }
        if let threads, threads < 1 { throw CLIError("--threads must be at least 1 (got \(threads))") }
        guard f.bitWidth <= 16 else { throw CLIError("\(f.name) has \(f.bitWidth) bits; verify handles formats of at most 16 bits") }
        let inputData = try openArray(input, rawType: rawDtype, inputType: input.hasSuffix(".txt") && rawDtype == nil ? nil : inputDtype)
        let values = try verifyInput(inputData, path: input, inputDtype: inputDtype)
        let claimedData = try openArray(claimed, rawType: claimedRawDtype, inputType: nil, role: "claimed")
        let kind = try ClaimedArray.Kind(option: claimedAs, for: claimedData)
        var claims = try claimedArray(claimedData, path: claimed, kind: kind, f, input: inputData)
        let mapping = try IndexMapping(input: inputData, claimed: claimedData, packed: kind == .packedFP4,
                                       inputPath: input, claimedPath: claimed)
        if !mapping.identity { claims.claimedPosition = mapping.claimedPosition }
        let random = try verifyRandomValues(seed: seed, file: randomValues, count: inputData.count)
        var verifier = try Verifier(format: f, rounding: setup.mode, saturation: setup.saturation, nanAny: setup.nanAny,
                                    random: random, maxMismatches: maxReport, threads: threads)
        verifier.profile = setup.profile
        if let system = setup.system {
            guard case .binary(let a) = values, let source = a.elementType.floatSource else {
                throw CLIError("profile \(system.profile.name) converts typed values; '\(input)' holds exact decimals: give an "
                               + ".npy or raw file of float32, float16, bfloat16 or float64 values")
            }
            do { try system.check(source: source) } catch let e as VerifyError { throw CLIError(e.description) }
            verifier.system = system
        }
        var checking = Progress("verify \(input)", total: inputData.count)
        var others = Progress("verify \(input): other behaviours", total: inputData.count)
        // The detailed mismatches are built one at a time as they are written: memory does not
        // grow with --max-report.
        var (report, details) = try verifier.verifyWithLazyDetails(values, against: claims,
                                                                   logicalIndex: mapping.logicalIndex) { phase, done, total in
            switch phase {
            case .checking:
                checking.update(done)
                if done == total { checking.finish() }
            case .otherBehaviours:
                others.update(done)
                if done == total { others.finish() }
            }
        }
        report.input = inputData.description(path: input)
        report.claimed = claimedData.description(path: claimed)
        try emitReport(to: self.report, json: json,
                       writeJSON: { emit in try report.writeJSON(mismatches: details, to: emit) },
                       writeText: { emit in report.writeText(mismatches: details, exactDecimals: exactDecimal, to: emit) })
        if report.mismatching > 0 { throw ExitCode(1) }
    }

    struct Setup {
        let mode: RoundingMode
        let saturation: SaturationMode
        let nanAny: Bool
        let profile: Behaviour?
        var system: SystemProfileCall? = nil
    }

    func resolveModes(_ f: Format) throws -> Setup {
        if let name = profile, let system = SystemProfile.named(name) {
            let r = try rounding.map { try parseRounding($0, bits: nil, random: nil) }
            let s = try saturation.map(parseSaturation)
            if seed != nil || randomValues != nil { throw CLIError("--seed and --random-values apply only to stochastic rounding") }
            do {
                let call = try SystemProfileCall(system, format: f, rounding: r, saturation: s)
                return Setup(mode: call.call.rounding, saturation: call.call.saturation, nanAny: nanAny, profile: nil, system: call)
            } catch let e as VerifyError { throw CLIError(e.description) }
        }
        let p = try profile.flatMap { name -> Behaviour? in
            if name.lowercased() == "reference" { return nil }
            guard let b = Behaviour.named(name) else {
                throw CLIError("unknown profile '\(name)': use reference, \(SystemProfile.all.map(\.name).joined(separator: ", ")), "
                               + "\(Behaviour.all.map(\.name).joined(separator: ", "))")
            }
            return b
        }
        if let p, !p.applies(to: f) {
            throw CLIError("profile \(p.name) is defined for \((p.formats ?? []).joined(separator: ", ")), not \(f.name); "
                           + "use a p3109-* profile or --rounding and --saturation")
        }
        if let p, let saturation, try parseSaturation(saturation) != p.saturation {
            throw CLIError("profile \(p.name) fixes the saturation mode (\(p.saturation.shortName)); drop --saturation \(saturation)")
        }
        if let p, p.roundingFixed, let rounding, rounding.lowercased() != p.rounding.shortName {
            throw CLIError("profile \(p.name) fixes the rounding mode (\(p.rounding.shortName)); drop --rounding \(rounding)")
        }
        let sat = try p?.saturation ?? parseSaturation(saturation ?? "satnone")
        let name = rounding ?? p?.rounding.shortName ?? "rne"
        let stochastic = RoundingMode.isStochastic(shortName: name)
        if stochastic {
            guard seed != nil || randomValues != nil else {
                throw CLIError("stochastic rounding needs --random-bits N and --seed S or --random-values FILE")
            }
            guard seed == nil || randomValues == nil else { throw CLIError("give --seed or --random-values, not both") }
        } else if seed != nil || randomValues != nil {
            throw CLIError("--seed and --random-values apply only to stochastic rounding (sra, srb, src)")
        }
        let mode = try parseRounding(name, bits: randomBits, random: stochastic ? 0 : nil)
        return Setup(mode: mode, saturation: sat, nanAny: nanAny || (p?.nanAny ?? false), profile: p)
    }
}
