import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Minifloat
import MinifloatIO
import MinifloatOracle
import MinifloatVerify

struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Round each value to a code of FORMAT, exactly; print the input, the code and its exact value.",
        discussion: """
            VALUE is a decimal taken exactly (0.1 means 1/10), a fraction (1/3), a hex float (0x1.8p3), \
            inf, -inf or nan. With --from f64|f32|f16|bf16 the text is first rounded (nearest, ties to \
            even) to that type, as a user's array would hold it, and that value is then rounded once.

            Arrays: --input X.npy (float16, float32, float64 or bfloat16; any shape, C or Fortran order), \
            X.txt (one value per line, as VALUE above, or hex bits with --input-dtype) or raw \
            little-endian binary (--raw-dtype f32). --output Y.npy writes the codes as uint8 (uint16 \
            for formats wider than 8 bits) with the input's shape and order, Y.txt writes hex codes one \
            per line, any other name raw bytes; --packed writes FP4 two codes per byte (element 2k in \
            the low nibble) along the last axis (the first for Fortran order), which is halved; a row \
            of odd length ends with a zero high nibble. Stochastic modes take --random-bits N and --seed S: element i uses the top \
            N bits of 32-bit word i of SplitMix64's outputs from state S (word 2j the low half of output \
            j+1, word 2j+1 its high half).
            """)

    @Argument(help: "A format name (see 'minifloat formats').", completion: .list(Completions.formats)) var format: String
    @Argument(parsing: .allUnrecognized, help: "Values to quantize (negative values need no \"--\"; after \"--\" every argument is a value).")
    var values: [String] = []
    @Option(help: "rne | rna | rtz | rtp | rtn | rto | sra | srb | src (default rne, or the profile's; stochastic A/B/C need --random-bits and --random).", completion: .list(Completions.roundings))
    var rounding: String?
    @Option(parsing: .unconditional, help: "Number of random bits N for stochastic rounding (1...32).") var randomBits: Int?
    @Option(parsing: .unconditional, help: "The random integer R for stochastic rounding, 0 <= R < 2^N.") var random: UInt64?
    @Option(help: "satfinite | satpropagate | satnone (default satnone; satfinite for block formats).", completion: .list(Completions.saturations)) var saturation: String?
    @Option(help: "exact | f64 | f32 | f16 | bf16: the type the input is first rounded to (default exact; f32 with --profile).") var from: String?
    @Option(help: "Convert as this system does, bit for bit: \(SystemProfile.all.map(\.name).joined(separator: ", ")) (or reference, the default).",
            completion: .list(Completions.systemProfiles))
    var profile: String?
    @Flag(help: "Print a JSON array.") var json = false
    @Flag(help: exactDecimalHelp) var exactDecimal = false
    @Option(help: "Read the values from a file (.npy, .txt, or raw with --raw-dtype).") var input: String?
    @Option(help: "Write the codes to a file (.npy, .txt or raw); without it, print them.") var output: String?
    @Option(help: "The input file is raw little-endian binary of this type: f16 | bf16 | f32 | f64.") var rawDtype: String?
    @Option(help: "Read the input's elements as this type: bf16 or f16 for uint16 bits; for text, the type of 0x hex bits.")
    var inputDtype: String?
    @Flag(help: "Write FP4 codes two per byte (element 2k in the low nibble), as PyTorch's float4_e2m1fn_x2.")
    var packed = false
    @Option(parsing: .unconditional, help: "Seed of the random values for stochastic rounding of an array (SplitMix64).") var seed: UInt64?
    @Option(parsing: .unconditional, help: "Threads for an array (default: all processors).") var threads: Int?
    @OptionGroup(title: "Block formats (MX, NVFP4)")
    var block: BlockArguments
    @Option(help: "Block formats: write scales.npy, elements.npy (FP4 packed two per byte), tensor_scale.npy (NVFP4) and block.json here.")
    var outputDir: String?
    @Flag(help: "Block formats: write FP4 element codes one per byte instead of packed.") var unpacked = false

    mutating func run() throws {
        values = try valueArguments(values, of: Self.self)
        try checkDistinct(inputs: [("--input", input)], outputs: [("--output", output)] + blockFolderFiles(outputDir, role: "--output-dir"))
        if let b = BlockFormat.named(format) {
            try quantizeBlocks(b)
            return
        }
        let f = try lookUpFormat(format)
        if let given = block.anyGiven ?? (outputDir != nil ? "--output-dir" : unpacked ? "--unpacked" : nil) {
            throw CLIError("\(given) applies to block formats (mxfp4, nvfp4, ...); \(f.name) is an element format")
        }
        let sat = try systemCall(f)?.call.saturation ?? parseSaturation(saturation ?? "satnone")
        if let input {
            guard values.isEmpty else {
                throw CLIError("give values on the command line or --input, not both")
            }
            try quantizeArray(f, input: input, saturation: sat)
            return
        }
        for (given, name) in [(output != nil, "--output"), (rawDtype != nil, "--raw-dtype"), (inputDtype != nil, "--input-dtype"),
                              (packed, "--packed"), (seed != nil, "--seed"), (threads != nil, "--threads")] where given {
            throw CLIError("\(name) applies to arrays: give --input FILE")
        }
        let system = try systemCall(f)
        let mode = try system.map { $0.call.rounding } ?? parseRounding(roundingName, bits: randomBits, random: random)
        if values.isEmpty { values = try standardInputValues() }
        guard !values.isEmpty else { throw CLIError("give at least one value, e.g. 'minifloat quantize \(f.name) 0.1'") }
        var rows: [[(String, Cell)]] = []
        for text in values {
            let exact: ExactValue
            do { exact = try ExactValue(parsing: text) } catch { throw CLIError(error.description) }
            let source = try sourceValue(exact)
            let code = try system.map { try systemCode(source, $0) } ?? Oracle.Bracket(source, f).code(rounding: mode, saturation: sat)
            rows.append(codeRow(input: .string(text), code: code, f,
                                extra: fromName == "exact" ? [] : [("source_value", .exact(source))]))
        }
        printRows(rows, json: json, exactDecimal: exactDecimal)
    }

    /// The value the input holds in the `--from` type.
    func sourceValue(_ x: ExactValue) throws -> ExactValue {
        switch fromName {
        case "exact": return x
        case "f64": return ExactValue(Oracle.nearestDouble(x))
        case "f32": return Oracle.nearest(x, in: .binary32)
        case "f16": return Oracle.nearest(x, in: .binary16)
        case "bf16": return Oracle.nearest(x, in: .bfloat16)
        default: throw CLIError("unknown --from '\(fromName)': use exact, f64, f32, f16 or bf16")
        }
    }
}

func parseRounding(_ name: String, bits: Int?, random: UInt64?) throws -> RoundingMode {
    let lower = name.lowercased()
    guard let named = RoundingMode(shortName: lower) else {
        throw CLIError("unknown rounding '\(name)': use \(RoundingMode.shortNames.dropLast().joined(separator: ", ")) or "
                       + "\(RoundingMode.shortNames.last!)")
    }
    if !named.isStochastic {
        if bits != nil || random != nil {
            throw CLIError("--random-bits and --random apply only to stochastic rounding (sra, srb, src), not \(lower)")
        }
        return named
    }
    guard let bits, let random else {
        throw CLIError("stochastic rounding \(lower) needs --random-bits N and --random R (0 <= R < 2^N)")
    }
    guard (1...RoundingMode.maxRandomBits).contains(bits) else {
        throw CLIError("--random-bits must be 1 to \(RoundingMode.maxRandomBits) (got \(bits))")
    }
    guard random < (1 as UInt64) << UInt64(bits) else {
        throw CLIError("--random \(random) does not fit in \(bits) bits: give 0 <= R < \((1 as UInt64) << UInt64(bits))")
    }
    return RoundingMode(shortName: lower, randomBits: bits, random: random)!
}

func parseSaturation(_ name: String) throws -> SaturationMode {
    guard let mode = SaturationMode(shortName: name) else {
        throw CLIError("unknown saturation '\(name)': use satfinite, satpropagate or satnone")
    }
    return mode
}
