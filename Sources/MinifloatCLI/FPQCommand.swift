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

struct FPQCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fpq",
        abstract: "LLM-FP4 (Liu et al., EMNLP 2023): its quantizer, its FPQ search, and the pre-shifted exponent bias folded for real.",
        discussion: "The maths, the proofs and where this differs from the paper's code: docs/llm-fp4.md.",
        subcommands: [FPQQuantizeCommand.self, FPQSearchCommand.self, FPQFoldCommand.self, FPQDemoCommand.self])
}

/// `e2m1`, `E2M1`: an LLM-FP4 format (every code finite), exponent bits >= 1.
func parseFPQFormat(_ text: String) throws -> FPQSearch.FormatChoice {
    let lower = text.lowercased()
    let parts = lower.dropFirst().split(separator: "m")
    guard lower.hasPrefix("e"), parts.count == 2, let e = Int(parts[0]), let m = Int(parts[1]),
          (1...8).contains(e), (0...10).contains(m) else {
        throw CLIError("unknown LLM-FP4 format '\(text)': write E<e>M<m> with e in 1...8, m in 0...10 (e2m1, e3m0, e1m2, e4m3)")
    }
    return FPQSearch.FormatChoice(exponentBits: e, mantissaBits: m)
}

struct FPQQuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Q(x; e, m, b): the paper's formula in float64, and the exact value and code when the bias allows.",
        discussion: """
            --bias B sets the real exponent bias; --maxval M sets the bias whose largest value is M \
            (Eq. 7). The exact form (rational arithmetic, any --rounding) needs an integer bias or \
            --maxval: then Q(x) = alpha * Q(x / alpha; B) exactly. The paper's formula rounds in \
            log2, exp2 and the division when the bias is not an integer.
            """)

    @Option(help: "The format, E<e>M<m> (e2m1, e3m0, e1m2, ...).") var format: String
    @Option(parsing: .unconditional, help: "The real exponent bias b (negative too: --bias -1.5).") var bias: Double?
    @Option(help: "The largest value Qmax (sets b by Eq. 7).") var maxval: String?
    @Option(help: "Rounding of the exact form: rne (the paper's) | rna | rtz | rtp | rtn | rto.") var rounding = "rne"
    @Argument(parsing: .allUnrecognized, help: "Values (decimal, p/q, hex float).") var values: [String] = []
    @Flag(help: "Print a JSON array.") var json = false

    mutating func run() throws {
        values = try valueArguments(values, of: Self.self)
        let f = try parseFPQFormat(format)
        let mode = try parseRounding(rounding, bits: nil, random: nil)
        guard (bias == nil) != (maxval == nil) else { throw CLIError("give --bias B or --maxval M (one of them)") }
        if values.isEmpty { values = try standardInputValues() }
        guard !values.isEmpty else { throw CLIError("give at least one value, e.g. 'minifloat fpq quantize --format e2m1 --bias 1 2.5'") }
        let paper: FPQuantizer
        var exact: ExactFPQuantizer? = nil
        if let bias {
            guard bias.isFinite else { throw CLIError("--bias must be finite") }
            paper = FPQuantizer(exponentBits: f.exponentBits, mantissaBits: f.mantissaBits, bias: bias)
            if bias == bias.rounded(), abs(bias) < 1000 {
                exact = try? ExactFPQuantizer(exponentBits: f.exponentBits, mantissaBits: f.mantissaBits, integerBias: Int(bias))
            }
        } else {
            let m: ExactValue
            do { m = try ExactValue(parsing: maxval!) } catch { throw CLIError("--maxval: \(error.description)") }
            guard let r = m.rational, r.sign > 0 else { throw CLIError("--maxval must be a positive finite number") }
            let d = Oracle.nearestDouble(m)
            guard d > 0, d.isFinite else { throw CLIError("--maxval is out of the float64 range") }
            paper = FPQuantizer(exponentBits: f.exponentBits, mantissaBits: f.mantissaBits, maxValue: d)
            exact = try ExactFPQuantizer(exponentBits: f.exponentBits, mantissaBits: f.mantissaBits, maxValue: r)
        }
        var rows: [[(String, Cell)]] = []
        for text in values {
            let x: ExactValue
            do { x = try ExactValue(parsing: text) } catch { throw CLIError(error.description) }
            guard let r = x.rational else { throw CLIError("'\(text)': the LLM-FP4 quantizer takes finite values (it has no Inf or NaN)") }
            let xd = Oracle.nearestDouble(x)
            var row: [(String, Cell)] = [("input", .string(text)), ("format", .string(f.description)),
                                         ("bias", .string(formatted(paper.bias, decimals: 6))),
                                         ("paper", .exact(ExactValue(paper(xd))))]
            if let exact {
                let code = exact.code(x, rounding: mode)
                row += [("exact", .exact(ExactValue(exact(r, rounding: mode)))),
                        ("code", .string(hexCode(code, exact.format)))]
            }
            rows.append(row)
        }
        printRows(rows, json: json)
    }
}

/// Loads a 2-D float array as a Matrix (logical row-major order whatever the file's order).
func loadMatrix(_ path: String, role: String) throws -> Matrix {
    let data = try openArray(path, rawType: nil, inputType: nil, role: role)
    guard case .binary(let a) = data, a.elementType.isFloatingPoint else {
        throw CLIError("\(role) '\(path)' must be a .npy of float16, float32, float64 or bfloat16")
    }
    guard a.shape.count == 2 else {
        throw CLIError("\(role) '\(path)' has shape \(NpyHeader.shapeText(a.shape)); give a 2-D array")
    }
    var values = [Double](repeating: 0, count: a.count)
    for p in 0..<a.count {
        let index = a.multiIndex(ofStoragePosition: p)
        let d = a.elementType.doubleValue(bits: a.bits(at: p))
        guard d.isFinite else {
            throw CLIError("\(role) '\(path)' element \(indexText(index)) is \(d); the search needs finite values")
        }
        values[index[0] * a.shape[1] + index[1]] = d
    }
    return Matrix(rows: a.shape[0], columns: a.shape[1], values: values)
}

struct FPQSearchOptions: ParsableArguments {
    @Option(help: "The weights W, c x o (.npy): output column k is X W[:, k].") var weights: String
    @Option(help: "The calibration activations X, n x c (.npy).") var activations: String
    @Option(parsing: .unconditional, help: "Bits per value: 4 (E3M0, E2M1, E1M2) or 8 (E5M2 ... E1M6), or any width 3...8.") var bits = 4
    @Option(help: "paper (the released code's 100 points) | corrected (adds gamma = 1 and 1.2).") var grid = "paper"
    @Option(parsing: .unconditional, help: "Search rounds.") var rounds = 3
    @Option(parsing: .unconditional, help: "Threads (default: all processors; the result is the same for any number).")
    var threads: Int?

    func load() throws -> (Matrix, Matrix, FPQSearch.Grid) {
        guard (3...8).contains(bits) else { throw CLIError("--bits must be 3 to 8 (got \(bits))") }
        guard (1...10).contains(rounds) else { throw CLIError("--rounds must be 1 to 10 (got \(rounds))") }
        if let threads, threads < 1 { throw CLIError("--threads must be at least 1 (got \(threads))") }
        guard let g = FPQSearch.Grid(rawValue: grid.lowercased()) else { throw CLIError("unknown --grid '\(grid)': use paper or corrected") }
        let x = try loadMatrix(activations, role: "activations")
        let w = try loadMatrix(weights, role: "weights")
        guard x.columns == w.rows else {
            throw CLIError("activations are \(x.rows) x \(x.columns) but weights are \(w.rows) x \(w.columns); "
                           + "W must be c x o with c = \(x.columns) (transpose a PyTorch weight: W.T)")
        }
        return (x, w, g)
    }
}

func searchProgress() -> ((String) -> Void)? {
    guard isatty(2) != 0 else { return nil }
    return { message in var e = StandardError(); print("\r\u{1B}[K\(message)", terminator: "", to: &e) }
}

func clearProgress() {
    if isatty(2) != 0 { var e = StandardError(); print("\r\u{1B}[K", terminator: "", to: &e) }
}

func resultJSON(_ r: FPQSearch.Result) -> JSON {
    .object([("weight_format", .string(r.weightFormat.description)),
             ("weight_biases", .array(r.weightBiases.map { .number($0) })),
             ("activation_format", .string(r.activationFormat.description)),
             ("activation_bias", .number(r.activationBias)),
             ("offsets", .array(r.offsets.map { .int($0) })),
             ("output_mse", .string("\(r.outputMSE)")),
             ("round_mse", .array(r.roundMSE.map { .string("\($0)") }))])
}

struct FPQSearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "The FPQ search (Algorithm 1): formats and biases minimising the layer-output MSE.",
        discussion: """
            Weights get one bias per output column, activations one per tensor (the FPQ baseline) or, \
            with --per-channel, per-channel biases rho + k_j with rho searched (section 4.2). Each round: \
            weight biases, weight format, activation bias, activation format (the released code's order). \
            Candidates gamma * b_init; --grid paper is the code's 100 points (gamma = 1 and 1.2 never \
            tried), --grid corrected adds both.
            """)

    @OptionGroup var options: FPQSearchOptions
    @Flag(help: "Per-channel activation biases (FPQ) instead of one per tensor (the FPQ baseline).") var perChannel = false
    @Option(help: "Offset rule with --per-channel: code (round(b_j) - round(rho)) | paper (round(b_j - rho)).") var rule = "code"
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let (x, w, grid) = try options.load()
        guard let r = ChannelOffsets.Rule(rawValue: rule.lowercased()) else { throw CLIError("unknown --rule '\(rule)': use code or paper") }
        let granularity: FPQSearch.ActivationGranularity = perChannel ? .perChannel(r) : .perTensor
        let result = FPQSearch.run(activations: x, weights: w, bits: options.bits, grid: grid, activation: granularity,
                                   rounds: options.rounds, threads: options.threads, progress: searchProgress())
        clearProgress()
        let minMax = FPQSearch.minMax(activations: x, weights: w, format: .initial(bits: options.bits), activation: granularity)
        if json {
            print(JSON.object([("search", resultJSON(result)), ("minmax_output_mse", .string("\(minMax.outputMSE)"))]).text)
            return
        }
        let biases = result.weightBiases
        print("weights: \(result.weightFormat), \(biases.count) column biases in [\(formatted(biases.min()!, decimals: 4)), \(formatted(biases.max()!, decimals: 4))]")
        if perChannel {
            print("activations: \(result.activationFormat), rho = \(formatted(result.activationBias, decimals: 6)), offsets k_j: \(result.offsets.map(String.init).joined(separator: " "))")
        } else {
            print("activations: \(result.activationFormat), bias = \(formatted(result.activationBias, decimals: 6))")
        }
        print("output MSE: \(result.outputMSE) (by round: \(result.roundMSE.map { "\($0)" }.joined(separator: ", ")); MinMax \(options.bits == 8 ? "E4M3" : "E2M1"): \(minMax.outputMSE))")
    }
}
