import ArgumentParser
import LLMFP4
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

struct FPQFoldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fold",
        abstract: "Per-channel activation biases searched, then their integer offsets folded into the weights; checked exactly.",
        discussion: """
            Runs the FPQ search with per-channel activation biases rho + k_j, then folds: activations \
            are quantized with the one bias rho after channel j is scaled by 2^k_j, and weight row j \
            keeps its codes with its exponent bias raised by k_j. Writes to DIR: weight_codes.npy \
            (uint8, c x o, codes of E<e>M<m> with bias 0: the value of code q in column k is \
            weight_qmax[k] / Qmax(E<e>M<m>, b=0) * grid(q), times 2^-k_j after folding), \
            weight_bias.npy (float64, c x o, the folded real bias b_k + k_j), offsets.npy (int8, k_j), \
            weight_qmax.npy (float64, o), activation_codes.npy (uint8, n x c), summary.json (formats, \
            rho, MSE, and whether the folded output equals the unfolded one on X, in exact arithmetic).
            """)

    @OptionGroup var options: FPQSearchOptions
    @Option(help: "Offset rule: code (round(b_j) - round(rho)) | paper (round(b_j - rho)).") var rule = "code"
    @Option(help: "Restrict the formats to one, e.g. e2m1 (default: search all of --bits).") var format: String?
    @Option(help: "The output directory (created if missing).") var out: String

    func run() throws {
        guard let r = ChannelOffsets.Rule(rawValue: rule.lowercased()) else { throw CLIError("unknown --rule '\(rule)': use code or paper") }
        let only = try format.map { [try parseFPQFormat($0)] }
        if let only, only[0].exponentBits + only[0].mantissaBits + 1 != options.bits {
            throw CLIError("--format \(only[0]) has \(only[0].exponentBits + only[0].mantissaBits + 1) bits but --bits is \(options.bits)")
        }
        // Inputs first: a refused input creates no folder.
        let (x, w, grid) = try options.load()
        if FileIdentity(path: out) != nil && !isFolder(out) {
            throw CLIError("'\(out.quotedForMessage())' is not a directory; give a directory for the outputs")
        }
        let result = FPQSearch.run(activations: x, weights: w, bits: options.bits, grid: grid, activation: .perChannel(r),
                                   rounds: options.rounds, formats: only, threads: options.threads, progress: searchProgress())
        clearProgress()
        let folder = out.hasSuffix("/") ? out : out + "/"
        let check = try FoldCheck(activations: x, weights: w, result: result)
        let c = x.columns, o = w.columns
        // The folder is written as a unit: every file to a temporary, then all renamed into place
        // with summary.json last; a folder this run created is removed again if writing fails.
        let unit = try OutputFolder(out)
        func write<T>(_ name: String, _ values: [T], _ type: ElementType, _ shape: [Int]) throws {
            try unit.prepare(name, layout: .npy(NpyHeader(elementType: type, shape: shape))) { output in
                try values.withUnsafeBytes { try output.write($0) }
            }
        }
        try write("weight_codes.npy", check.layer.weightCodes.flatMap { $0.map { UInt8($0) } }, .uint8, [c, o])
        try write("weight_bias.npy", (0..<c).flatMap { j in result.weightBiases.map { $0 + Double(result.offsets[j]) } }, .float64, [c, o])
        try write("offsets.npy", result.offsets.map { Int8($0) }, .int8, [c])
        try write("weight_qmax.npy", check.weightQmax, .float64, [o])
        try write("activation_codes.npy", check.activationCodes.flatMap { $0.map { UInt8($0) } }, .uint8, [x.rows, c])
        let summary = JSON.object([
            ("weight_format", .string(result.weightFormat.description)),
            ("activation_format", .string(result.activationFormat.description)),
            ("rho", .string("\(result.activationBias)")), ("activation_qmax", .string("\(check.activationQmax)")),
            ("offset_rule", .string(r.rawValue)), ("grid", .string(grid.rawValue)),
            ("offsets", .array(result.offsets.map { .int($0) })),
            ("output_mse", .string("\(result.outputMSE)")),
            ("folded_equals_unfolded", .bool(check.lossless)), ("outputs_compared", .int(check.outputsCompared)),
        ])
        try unit.prepare("summary.json", layout: .raw) { try $0.write(summary.text + "\n") }
        try unit.commit()
        print("weights \(result.weightFormat), activations \(result.activationFormat), rho \(formatted(result.activationBias, decimals: 6)), "
              + "offsets \(result.offsets.map(String.init).joined(separator: " "))")
        print("output MSE \(result.outputMSE); folded output equals unfolded output exactly on all \(check.outputsCompared) outputs: \(check.lossless)")
        print("wrote \(folder)weight_codes.npy, weight_bias.npy, offsets.npy, weight_qmax.npy, activation_codes.npy, summary.json")
        if !check.lossless { throw ExitCode(1) }
    }
}

struct FPQDemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The W4A4 E2M1 demonstration on synthetic transformer-like data: per-tensor FPQ baseline against per-channel + folding.",
        discussion: """
            Data: SyntheticLayer(seed): 128 tokens x 64 channels, channel scales log-normal (exp(1.5 z)), \
            4 outlier channels x40, magnitudes within a channel within 25%; weights N(0, 1/64), 64 \
            outputs. Reproducible from --seed.
            """)

    @Option(parsing: .unconditional, help: "Seed of the synthetic data.") var seed: UInt64 = 2023
    @Option(parsing: .unconditional, help: "Tokens n.") var tokens = 128
    @Option(parsing: .unconditional, help: "Channels c.") var channels = 64
    @Option(parsing: .unconditional, help: "Outputs o.") var outputs = 64
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        guard (1...4096).contains(tokens), (1...1024).contains(channels), (1...1024).contains(outputs) else {
            throw CLIError("--tokens must be 1...4096, --channels and --outputs 1...1024")
        }
        let data = SyntheticLayer(seed: seed, tokens: tokens, channels: channels, outputs: outputs)
        let x = data.activations, w = data.weights
        let e2m1 = [FPQSearch.FormatChoice(exponentBits: 2, mantissaBits: 1)]
        let progress = searchProgress()
        var rows: [(String, FPQSearch.Result)] = []
        rows.append(("MinMax, per tensor", FPQSearch.minMax(activations: x, weights: w, format: e2m1[0])))
        rows.append(("MinMax, per channel (code rule)", FPQSearch.minMax(activations: x, weights: w, format: e2m1[0], activation: .perChannel(.code))))
        for grid in FPQSearch.Grid.allCases {
            rows.append(("FPQ baseline (per tensor), \(grid.rawValue) grid",
                         FPQSearch.run(activations: x, weights: w, grid: grid, formats: e2m1, progress: progress)))
        }
        for rule in ChannelOffsets.Rule.allCases {
            for grid in FPQSearch.Grid.allCases {
                rows.append(("FPQ per channel (\(rule.rawValue) rule), \(grid.rawValue) grid",
                             FPQSearch.run(activations: x, weights: w, grid: grid, activation: .perChannel(rule), formats: e2m1,
                                           progress: progress)))
            }
        }
        clearProgress()
        let best = rows.filter { !$0.1.offsets.isEmpty && $0.0.hasPrefix("FPQ") }.min { $0.1.outputMSE < $1.1.outputMSE }!
        let check = try FoldCheck(activations: x, weights: w, result: best.1)
        let reference = x.times(w).values.map { $0 * $0 }.reduce(0, +) / Double(x.rows * w.columns)
        if json {
            print(JSON.object([
                ("seed", .int(Int(seed))), ("shape", .array([.int(tokens), .int(channels), .int(outputs)])),
                ("output_mean_square", .string("\(reference)")),
                ("results", .array(rows.map { name, r in .object([("method", .string(name)), ("result", resultJSON(r))]) })),
                ("folded", .string(best.0)), ("folded_equals_unfolded", .bool(check.lossless)),
                ("outputs_compared", .int(check.outputsCompared)),
            ]).text)
            return
        }
        print("W4A4 E2M1 on SyntheticLayer(seed: \(seed)): X \(tokens) x \(channels), W \(channels) x \(outputs); mean square of X W: \(reference)")
        print("| method | output MSE | relative to the output's mean square |")
        print("|---|---|---|")
        for (name, r) in rows {
            print("| \(name) | \(r.outputMSE) | \(formatted(r.outputMSE / reference, decimals: 6)) |")
        }
        print("")
        print("folded (\(best.0)): offsets \(best.1.offsets.map(String.init).joined(separator: " ")); "
              + "the folded layer's output equals the unfolded one exactly on all \(check.outputsCompared) outputs: \(check.lossless)")
    }
}
