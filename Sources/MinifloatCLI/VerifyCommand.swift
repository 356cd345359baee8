import ArgumentParser
import Minifloat
import MinifloatIO
import MinifloatOracle
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
            INPUT holds the values that were quantized (.npy float16/32/64 or bfloat16, raw with \\
            --raw-dtype, or text: one exact value per line). CLAIMED holds what the quantizer produced: \\
            codes (uint8, int8, uint16, or ml_dtypes' one-byte voids), values (float16/32/64, bfloat16: \\
            each must be a value of FORMAT), or packed FP4 (two codes per byte, element 2k in the low \\
            nibble). Shapes must match (a one-dimensional array of the same length is read in C order). \\
            Exit status: 0 if every element matches, 1 if any differs, 2 for a usage or input error.

            Diagnoses, tried in this order: \
            \(Diagnosis.keys.map { "\($0.0) (\($0.1))" }.joined(separator: "; ")).

            Profiles: \(Profile.all.map { "\($0.name): \($0.summary)" }.joined(separator: " "))

            Block formats: verify mxfp4 --input X.npy --claimed-scales S.npy --claimed-elements E.npy checks \
            every scale against the scale rule (--scale-rule, --specials; the claim is also tried against \
            every other rule) and every element against the reference under the claimed scale of its block, \
            so one wrong scale does not make its whole block wrong. NVFP4 takes the encoder's tensor scale \
            with --tensor-scale (default amax / 2688). Element diagnoses are those above, for x / scale; \
            whole-array checks add other rounding and saturation modes, swapped FP4 nibbles and float32 \
            division.
            """)

    @Argument(help: "A format name (see 'minifloat formats').") var format: String
    @Option(help: "The values that were quantized (.npy, .txt or raw).") var input: String
    @Option(help: "The quantizer's output (.npy, .txt or raw).") var claimed: String?
    @Option(help: "codes | values | packed-fp4 (default: codes for integer files, values for float files).")
    var claimedAs: String?
    @Option(help: "rne | rna | rtz | rtp | rtn | rto | sra | srb | src (default rne, or the profile's).") var rounding: String?
    @Option(help: "satfinite | satpropagate | satnone (default satnone, or the profile's).") var saturation: String?
    @Option(help: "A named behaviour: \(Profile.all.map(\.name).joined(separator: ", ")).") var profile: String?
    @Flag(help: "Accept any NaN code where the reference gives a NaN.") var nanAny = false
    @Option(help: "Write the full report as JSON to this file.") var report: String?
    @Option(help: "How many mismatches to show in detail.") var maxReport = 10
    @Option(help: "The input is raw little-endian binary of this type.") var rawDtype: String?
    @Option(help: "Read the input's elements as this type (bf16 or f16 for uint16 bits).") var inputDtype: String?
    @Option(help: "The claimed file is raw little-endian binary of this type.") var claimedRawDtype: String?
    @Option(help: "Stochastic rounding: the number of random bits N.") var randomBits: Int?
    @Option(help: "Stochastic rounding: R_i from SplitMix64 with this seed (as 'quantize --seed').") var seed: UInt64?
    @Option(help: "Stochastic rounding: a file of the random integers used (uint8/16/32; the low N bits of element i are R_i).")
    var randomValues: String?
    @Option(help: "Threads (default: all processors).") var threads: Int?
    @Flag(help: "Print the report as JSON on stdout instead of text.") var json = false
    @OptionGroup(title: "Block formats (mxfp8_e4m3, mxfp8_e5m2, mxfp6_e2m3, mxfp6_e3m2, mxfp4, mxint8, nvfp4)")
    var block: BlockArguments
    @Option(help: "Block formats: the claimed scale codes (.npy uint8).") var claimedScales: String?
    @Option(help: "Block formats: the claimed element codes (.npy uint8; FP4 packed or not, told by the size).")
    var claimedElements: String?

    func run() throws {
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
        if case .binary(let a) = inputData, !a.elementType.isFloatingPoint {
            throw CLIError("input '\(input)' holds \(a.elementType.numpyName); verify needs the float values that were "
                           + "quantized (for uint16 bfloat16 bits give --input-dtype bf16)")
        }
        var textValues: [(ExactValue, Bool)] = []
        if case .text(let lines, let numbers) = inputData {
            let bitsType = try inputDtype.map { try parseElementType($0, option: "--input-dtype") }
            textValues = try lines.indices.map { try parseTextValue(lines[$0], bitsType: bitsType, where: "\(input) line \(numbers[$0])") }
        }
        let claimedData = try openArray(claimed, rawType: claimedRawDtype, inputType: nil, role: "claimed")
        let claims = try ClaimReader(claimedData, path: claimed, as: claimedAs, f, count: inputData.count)
        let mapping = try IndexMapping(input: inputData, claimed: claimedData, packed: claims.kind == .packed,
                                       inputPath: input, claimedPath: claimed)
        let random = try RandomValues(mode: setup.mode, seed: seed, file: randomValues, count: inputData.count)
        let context = DiagnosisContext(f: f, saturation: setup.saturation, nanAny: setup.nanAny)
        // Every mismatch's set of true explanations, counted by set (memory does not grow with the
        // number of mismatches); the first --max-report mismatches are kept for the report.
        var maskCounts: [UInt32: Int] = [:]
        var mismatching = 0
        var mismatches: [Mismatch] = []
        var chunkClaims: [UInt32] = []
        var progress = Progress("verify \(input)", total: inputData.count)
        let n = inputData.count
        var expected = [UInt16](repeating: 0, count: min(chunkElements, n))
        for start in stride(from: 0, to: n, by: chunkElements) {
            let range = start..<min(start + chunkElements, n)
            try computeExpected(f, inputData, textValues, range, setup, random, into: &expected)
            try claims.codes(range, mapping: mapping, into: &chunkClaims)
            for k in 0..<range.count {
                let want = UInt32(expected[k])
                let c = chunkClaims[k]
                if c == want { continue }
                let p = start + k
                let claim: Claim
                switch c {
                case HypothesisCounter.nanClaim:
                    if f.classify(want) == .nan { continue }
                    claim = .nanValue
                case HypothesisCounter.invalidClaim:
                    claim = try claims.claim(at: mapping.claimedPosition(p))
                default:
                    if context.same(c, want) { continue }
                    claim = .code(c)
                }
                let x = referenceInput(inputData, textValues, p)
                let mode = elementMode(setup, random, p)
                let mask: UInt32
                switch claim {
                case .code(let c): mask = context.candidates(x, claim: c, expected: want, mode: mode)
                case .nanValue:
                    // A NaN value stands for any NaN code of the format.
                    mask = f.hasNaN
                        ? DiagnosisContext(f: f, saturation: setup.saturation, nanAny: true)
                            .candidates(x, claim: f.nanCode(negative: x.nanNegative), expected: want, mode: mode)
                        : 1 << UInt32(Candidate.index("nan-mapping", "nan-produced-or-lost"))
                case .notRepresentable: mask = 1 << UInt32(Candidate.index("not-representable"))
                }
                maskCounts[mask, default: 0] += 1
                mismatching += 1
                if mismatches.count < maxReport {
                    mismatches.append(Mismatch(position: p, claim: claim, expected: want, mask: mask))
                }
            }
            progress.update(range.upperBound)
        }
        progress.finish()
        // Whole-array hypotheses, in a second pass, only when something differs.
        var hypotheses: HypothesisCounter? = nil
        if mismatching > 0, case .binary(let a) = inputData, !setup.mode.isStochastic {
            var counter = HypothesisCounter(f, rounding: setup.mode, saturation: setup.saturation, source: a.elementType,
                                            nanAny: setup.nanAny)
            var second = Progress("verify \(input): other behaviours", total: n)
            for start in stride(from: 0, to: n, by: chunkElements) {
                let range = start..<min(start + chunkElements, n)
                try claims.codes(range, mapping: mapping, into: &chunkClaims)
                a.withElements(range) { raw in counter.add(raw, type: a.elementType, claims: chunkClaims, threads: threads) }
                second.update(range.upperBound)
            }
            second.finish()
            hypotheses = counter
        }
        let penalty = Candidate.all.indices.map { c -> Int in
            guard let h = hypotheses, let d = h.disagreements(for: Candidate.all[c], rounding: setup.mode,
                                                              saturation: setup.saturation) else { return 0 }
            // Elements the hypothesis contradicts that the reference gets right.
            let covered = maskCounts.filter { $0.key & (1 << UInt32(c)) != 0 }.map(\.value).reduce(0, +)
            return max(0, d - (mismatching - covered))
        }
        let order = chooseExplanations(maskCounts, penalty: penalty)
        var result = VerifyResult(checked: n, mismatching: mismatching)
        for (c, count) in order { result.counts[Candidate.all[c].key, default: 0] += count }
        result.explanations = order.map { (Candidate.all[$0.0], $0.1) }
        if let h = hypotheses {
            result.hypotheses = zip(h.hypotheses, h.disagreements).sorted { $0.1 < $1.1 }.map { ($0.0, $0.1) }
        }
        let unexplained = mismatching - order.map(\.1).reduce(0, +)
        if unexplained > 0 {
            result.counts["wrong-code", default: 0] += unexplained
            result.explanations.append((Candidate(key: "wrong-code", variant: nil), unexplained))
        }
        for m in mismatches {
            let choice = explanation(of: m.mask, order: order)
            let x = referenceInput(inputData, textValues, m.position)
            let mode = elementMode(setup, random, m.position)
            let diagnosis: Diagnosis
            switch m.claim {
            case .code(let c): diagnosis = context.diagnosis(choice, x, claim: c, expected: m.expected, mode: mode)
            case .nanValue:
                diagnosis = f.hasNaN
                    ? DiagnosisContext(f: f, saturation: setup.saturation, nanAny: true)
                        .diagnosis(choice, x, claim: f.nanCode(negative: x.nanNegative), expected: m.expected, mode: mode)
                    : Diagnosis(key: "nan-mapping", detail: "the claimed value is NaN, which \(f.name) cannot hold; "
                                + "the reference gives \(describe(m.expected, f))")
            case .notRepresentable(let text):
                diagnosis = Diagnosis(key: "not-representable", detail: "the claim \(text) is not a value of \(f.name)")
            }
            result.details.append(mismatchDetail(m.position, inputData, mapping, x, m.claim, m.expected, f, diagnosis, mode))
        }
        let header = reportHeader(f, setup, inputData, claimedData, claims)
        let json = JSON.object(header + result.jsonFields())
        if let report {
            try writeAtomically(Array((json.text + "\n").utf8), to: report)
        }
        if self.json {
            print(json.text)
        } else {
            printText(f, setup, inputData, claimedData, claims, result)
        }
        if result.mismatching > 0 { throw ExitCode(1) }
    }

    /// The rounding mode of element `p`: the mode itself, or for a stochastic mode the mode with R_p.
    func elementMode(_ setup: Setup, _ random: RandomValues, _ p: Int) -> RoundingMode {
        setup.mode.isStochastic ? setup.mode.withRandom(random.value(p)) : setup.mode
    }

    struct Setup {
        let mode: RoundingMode
        let saturation: SaturationMode
        let nanAny: Bool
        let profile: Profile?
    }

    func resolveModes(_ f: Format) throws -> Setup {
        let p = try profile.map { try Profile.named($0) }
        try p?.check(f)
        if let p, let saturation, try parseSaturation(saturation) != p.saturation {
            throw CLIError("profile \(p.name) fixes the saturation mode (\(p.saturation.shortName)); drop --saturation \(saturation)")
        }
        if let p, p.roundingFixed, let rounding, rounding.lowercased() != p.rounding.shortName {
            throw CLIError("profile \(p.name) fixes the rounding mode (\(p.rounding.shortName)); drop --rounding \(rounding)")
        }
        let sat = try p?.saturation ?? parseSaturation(saturation ?? "satnone")
        let name = rounding ?? p?.rounding.shortName ?? "rne"
        let stochastic = ["sra", "srb", "src"].contains(name.lowercased())
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

    func computeExpected(_ f: Format, _ data: ArrayData, _ textValues: [(ExactValue, Bool)], _ range: Range<Int>, _ setup: Setup, _ random: RandomValues,
                         into out: inout [UInt16]) throws {
        switch data {
        case .binary(let input):
            let source = setup.mode.isStochastic ? RandomSource.values(range.map { UInt32(truncatingIfNeeded: random.value($0)) }) : nil
            out.withUnsafeMutableBufferPointer { buffer in
                input.withElements(range) { raw in
                    encodeElements(f, raw, input.elementType, range.count, into: UnsafeMutableBufferPointer(rebasing: buffer[0..<range.count]),
                                   setup.mode, setup.saturation, random: source, threads: threads)
                }
            }
        case .text:
            for p in range {
                let x = referenceInput(data, textValues, p)
                let mode = setup.mode.isStochastic ? setup.mode.withRandom(random.value(p)) : setup.mode
                out[p - range.lowerBound] = UInt16(Oracle.Bracket(x.exact, f).code(rounding: mode, saturation: setup.saturation,
                                                                                   nanNegative: x.nanNegative))
            }
        }
    }
}

/// Input element `p` as the reference sees it.
func referenceInput(_ data: ArrayData, _ textValues: [(ExactValue, Bool)], _ p: Int) -> ReferenceInput {
    switch data {
    case .binary(let input):
        let bits = input.bits(at: p)
        let d = doubleValue(bits: bits, type: input.elementType)
        return ReferenceInput(exact: ExactValue(d), nanNegative: signBit(bits: bits, type: input.elementType), double: d,
                              type: input.elementType)
    case .text:
        let (x, negative) = textValues[p]
        return ReferenceInput(exact: x, nanNegative: negative, double: nil, type: nil)
    }
}
