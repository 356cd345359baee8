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

struct GenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen",
        abstract: "Write test vectors for a quantizer to FORMAT, and optionally the reference answers.",
        discussion: """
            In the spirit of Berkeley TestFloat's testfloat_gen, but aimed at one format. The cases, in \
            the source type (--from), in this order: signed zeros, infinities and NaNs; every finite \
            value of FORMAT and the source values 1 ulp either side; every exact midpoint between \
            adjacent values (and the nearest source values when the midpoint is not one) and 1 ulp \
            either side; the overflow threshold (the largest finite value, the midpoint above it, the \
            next grid point, twice the largest) and 1 ulp either side; the subnormal boundaries (the \
            least subnormal, half of it, the least normal) and 1 ulp either side; the source type's own \
            extremes; then --count seeded random values (half uniform over the source's bit patterns, \
            half log-uniform over FORMAT's range). --level 2 adds 2 and 3 ulps either side and the \
            quarter points. Duplicates are dropped; the same options give the same file.

            --expected writes the reference codes (computed by the exact oracle) as uint8 (uint16 for \
            wider formats). For stochastic rounding, --random-output writes the random integers R_i \
            (uint32) used for the expected codes; give it to 'verify --random-values'.
            """)

    @Argument(help: "A format name (see 'minifloat formats').", completion: .list(Completions.formats)) var format: String
    @Option(help: "rne | rna | rtz | rtp | rtn | rto | sra | srb | src.", completion: .list(Completions.roundings)) var rounding = "rne"
    @Option(help: "satfinite | satpropagate | satnone.", completion: .list(Completions.saturations)) var saturation = "satnone"
    @Option(help: "The source type of the cases: f32 | f64 | f16 | bf16.") var from = "f32"
    @Option(parsing: .unconditional, help: "1, or 2 for more cases near every boundary.") var level = 1
    @Option(parsing: .unconditional, help: "How many seeded random cases (default 10000 at level 1, 100000 at level 2).") var count: Int?
    @Option(parsing: .unconditional, help: "Seed of the random cases (and of R_i for stochastic rounding).") var seed: UInt64 = 1
    @Option(parsing: .unconditional, help: "Stochastic rounding: the number of random bits N.") var randomBits: Int?
    @Option(help: "Where to write the cases (.npy, .txt or raw).") var output: String
    @Option(help: "Where to write the reference codes.") var expected: String?
    @Option(help: "Stochastic rounding: where to write the random integers R_i (uint32 .npy).") var randomOutput: String?

    func run() throws {
        try checkDistinct(inputs: [], outputs: [("--output", output), ("--expected", expected), ("--random-output", randomOutput)])
        let f = try lookUpFormat(format)
        let sat = try parseSaturation(saturation)
        let stochastic = RoundingMode.isStochastic(shortName: rounding)
        let mode = try parseRounding(rounding, bits: randomBits, random: stochastic ? 0 : nil)
        if stochastic && expected != nil && randomOutput == nil {
            throw CLIError("stochastic expected codes depend on R_i: give --random-output R.npy as well")
        }
        if !stochastic && randomOutput != nil { throw CLIError("--random-output applies only to stochastic rounding") }
        guard level == 1 || level == 2 else { throw CLIError("--level must be 1 or 2 (got \(level))") }
        if let count, !(0...100_000_000).contains(count) { throw CLIError("--count must be 0 to 100000000 (got \(count))") }
        guard f.bitWidth <= 16 else { throw CLIError("\(f.name) has \(f.bitWidth) bits; gen handles formats of at most 16 bits") }
        guard let source = ElementType(rawValue: from), source.isFloatingPoint else {
            throw CLIError("unknown --from '\(from)': use f32, f64, f16 or bf16")
        }
        let vectors = try TestVectors(format: f, source: source, level: level, randomCount: count, seed: seed)
        let header = NpyHeader(elementType: source, shape: [vectors.count])
        try writeArray(vectors.bits, width: source.byteCount, header: header, to: output,
                       text: { ExactValue(source.doubleValue(bits: $0)).description })
        if let expected {
            var progress = Progress("gen expected", total: vectors.count)
            let codes = vectors.expectedCodes(rounding: mode, saturation: sat) { progress.update($0) }
            progress.finish()
            let codeType: ElementType = f.bitWidth <= 8 ? .uint8 : .uint16
            try writeArray(codes.map(UInt64.init), width: codeType.byteCount,
                           header: NpyHeader(elementType: codeType, shape: [codes.count]), to: expected,
                           text: { hexCode(UInt32($0), f) })
        }
        if let randomOutput {
            let values = (0..<vectors.count).map { vectors.randomValue($0, randomBits: mode.randomBits) }
            try writeArray(values, width: 4, header: NpyHeader(elementType: .uint32, shape: [values.count]),
                           to: randomOutput, text: { String($0) })
        }
    }

    /// Writes little-endian elements of `width` bytes as .npy, text (`text` per line) or raw.
    func writeArray(_ elements: [UInt64], width: Int, header: NpyHeader, to path: String,
                    text: (UInt64) -> String) throws {
        let layout = OutputLayout(path: path)
        do {
            let out = try ArrayOutput(path: path, layout: layout == .npy ? .npy(header) : .raw)
            if layout == .text {
                try out.write(elements.map { text($0) + "\n" }.joined())
            } else {
                var bytes: [UInt8] = []
                bytes.reserveCapacity(elements.count * width)
                for e in elements { for k in 0..<width { bytes.append(UInt8(truncatingIfNeeded: e >> UInt64(8 * k))) } }
                try out.write(bytes)
            }
            try out.commit()
        } catch let e as ArrayFileError { throw CLIError(e.description) }
    }
}
