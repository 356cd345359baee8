import Dispatch
import Minifloat
import Synchronization

/// The FPQ search of LLM-FP4 (paper section 4.1, Algorithm 1; docs/llm-fp4.md): formats and
/// biases chosen to minimise the layer-output MSE `mean((X_q W_q - X W)^2)`, with per-output-column
/// weight biases and a per-tensor activation bias (the "FPQ baseline"), or per-channel activation
/// biases whose shared part rho is searched ("FPQ", section 4.2).
public enum FPQSearch {
    /// The bias candidates: `gamma * b_init`.
    public enum Grid: String, Sendable, CaseIterable {
        /// The released code's grid: `gamma_i = 0.01 + i * (1.2 - 0.01) / 100` for i = 0...99. The
        /// paper says [0.01, 1.2] in 100 intervals, but the code's loop never scores i = 100, so
        /// gamma = 1.2 is never tried, and gamma = 1 (MinMax) is not on the grid.
        case paper
        /// The same points plus gamma = 1.2 (i = 100) and gamma = 1, so that the search can never
        /// do worse than MinMax on the calibration data.
        case corrected

        /// The factors gamma the search tries (candidates gamma * b_init): the code's 100 points (`paper`), or those plus 1.2 and 1 (`corrected`).
        public var gammas: [Double] {
            let step = (1.2 - 0.01) / 100
            switch self {
            case .paper: return (0..<100).map { 0.01 + Double($0) * step }
            case .corrected: return (0...100).map { 0.01 + Double($0) * step } + [1.0]
            }
        }
    }

    /// A format EeMm of the search space.
    public struct FormatChoice: Hashable, Sendable, CustomStringConvertible {
        /// Exponent field width E.
        public let exponentBits: Int
        /// Mantissa (trailing significand) field width M.
        public let mantissaBits: Int
        public var description: String { "E\(exponentBits)M\(mantissaBits)" }

        /// The format EeMm.
        public init(exponentBits: Int, mantissaBits: Int) {
            self.exponentBits = exponentBits
            self.mantissaBits = mantissaBits
        }

        /// The candidates: for 4 bits E3M0, E2M1, E1M2; for 8 bits E5M2 ... E1M6 (the code skips
        /// E7M0 and E6M1); otherwise every split with e >= 1.
        public static func candidates(bits: Int) -> [FormatChoice] {
            let mantissas = bits == 8 ? Array(2...6) : Array(0...(bits - 2))
            return mantissas.map { FormatChoice(exponentBits: bits - 1 - $0, mantissaBits: $0) }
        }

        /// The starting format: E2M1 for 4 bits, E4M3 for 8 bits (the code's qbits defaults).
        public static func initial(bits: Int) -> FormatChoice {
            bits == 8 ? FormatChoice(exponentBits: 4, mantissaBits: 3) : FormatChoice(exponentBits: 2, mantissaBits: bits - 3)
        }
    }

    /// How activations are quantized.
    public enum ActivationGranularity: Sendable, Equatable {
        /// One real bias for the tensor (the FPQ baseline).
        case perTensor
        /// Per-channel biases `rho + k_j` (Eqs. 14-15) with the given offset rule; rho is searched.
        case perChannel(ChannelOffsets.Rule)
    }

    /// The search result: formats, biases and the output MSE.
    public struct Result: Sendable {
        /// The weights' format.
        public var weightFormat: FormatChoice
        /// The real bias of each output column of W.
        public var weightBiases: [Double]
        /// The activations' format.
        public var activationFormat: FormatChoice
        /// Per-tensor: the activation bias. Per-channel: rho, the shared part.
        public var activationBias: Double
        /// Per-channel only: the integer offsets k_j (empty for per-tensor).
        public var offsets: [Int]
        /// `mean((X_q W_q - X W)^2)` on the calibration data.
        public var outputMSE: Double
        /// The MSE after each round.
        public var roundMSE: [Double]
    }

    /// Quantizes W column by column with `biases`.
    public static func quantizeWeights(_ w: Matrix, _ f: FormatChoice, biases: [Double]) -> Matrix {
        var out = w
        let quantizers = biases.map { FPQuantizer(exponentBits: f.exponentBits, mantissaBits: f.mantissaBits, bias: $0) }
        for j in 0..<w.rows { for k in 0..<w.columns { out[j, k] = quantizers[k](w[j, k]) } }
        return out
    }

    /// The per-channel effective biases `rho + k_j`.
    public static func channelBiases(rho: Double, offsets: [Int]) -> [Double] { offsets.map { rho + Double($0) } }

    /// Quantizes X with one bias per column (channel).
    public static func quantizeActivations(_ x: Matrix, _ f: FormatChoice, channelBiases: [Double]) -> Matrix {
        var out = x
        let quantizers = channelBiases.map { FPQuantizer(exponentBits: f.exponentBits, mantissaBits: f.mantissaBits, bias: $0) }
        for i in 0..<x.rows { for j in 0..<x.columns { out[i, j] = quantizers[j](x[i, j]) } }
        return out
    }

    /// Runs the search (`formats`: restrict the format candidates, e.g. to E2M1 alone): `rounds` rounds of weight biases, weight format, activation bias, activation
    /// format (the released code's order; the paper's Algorithm 1 puts activations first).
    /// `progress` is called after each step with a short description.
    ///
    /// The candidates of each sweep (one per gamma) are evaluated on `threads` threads (nil: all
    /// processors) and then compared in gamma order, so the result does not depend on the number
    /// of threads. `progress` also gets `round r: weights E2M1, 40/100` style steps within a sweep.
    public static func run(activations x: Matrix, weights w: Matrix, bits: Int = 4, grid: Grid = .paper,
                           activation granularity: ActivationGranularity = .perTensor, rounds: Int = 3,
                           formats only: [FormatChoice]? = nil, threads: Int? = nil,
                           progress: ((String) -> Void)? = nil) -> Result {
        precondition(x.columns == w.rows, "X is n x c and W is c x o")
        let reference = x.times(w)
        let gammas = grid.gammas
        let formats = only ?? FormatChoice.candidates(bits: bits)
        func weightInit(_ f: FormatChoice) -> [Double] {
            (0..<w.columns).map { k in
                let column = (0..<w.rows).reduce(0.0) { Swift.max($0, Swift.abs(w[$1, k])) }
                return FPQuantizer.bias(maxValue: Swift.max(column, .leastNormalMagnitude), exponentBits: f.exponentBits,
                                        mantissaBits: f.mantissaBits)
            }
        }
        func perChannelBiases(_ f: FormatChoice) -> [Double] {
            (0..<x.columns).map { j in
                ChannelOffsets.channelBias(maxAbs: Swift.max(x.columnMaxAbs(j), .leastNormalMagnitude),
                                           exponentBits: f.exponentBits, mantissaBits: f.mantissaBits)
            }
        }
        func activationInit(_ f: FormatChoice) -> Double {
            switch granularity {
            case .perTensor:
                return FPQuantizer.bias(maxValue: Swift.max(x.maxAbs, .leastNormalMagnitude), exponentBits: f.exponentBits,
                                        mantissaBits: f.mantissaBits)
            case .perChannel:
                return ChannelOffsets.initialRho(biases: perChannelBiases(f))
            }
        }
        /// The effective bias of every channel for activation bias (or rho) `a` in format f.
        func activationBiases(_ f: FormatChoice, _ a: Double) -> (biases: [Double], offsets: [Int]) {
            switch granularity {
            case .perTensor:
                return (Array(repeating: a, count: x.columns), [])
            case .perChannel(let rule):
                let offsets = ChannelOffsets.offsets(biases: perChannelBiases(f), rho: a, exponentBits: f.exponentBits, rule: rule)
                return (channelBiases(rho: a, offsets: offsets), offsets)
            }
        }

        let start = formats.contains(FormatChoice.initial(bits: bits)) ? FormatChoice.initial(bits: bits) : formats[0]
        var wf = start, af = start
        var wBiases = Dictionary(uniqueKeysWithValues: formats.map { ($0, weightInit($0)) })
        var aBias = Dictionary(uniqueKeysWithValues: formats.map { ($0, activationInit($0)) })
        var roundMSE: [Double] = []
        func mse(_ xq: Matrix, _ wq: Matrix) -> Double { xq.times(wq).mse(reference) }

        for round in 1...Swift.max(rounds, 1) {
            // Weight biases per format, each column on its own (column k of the output depends only
            // on column k of W), with the activations quantized as they stand.
            let xq = quantizeActivations(x, af, channelBiases: activationBiases(af, aBias[af]!).biases)
            for f in formats {
                let start = weightInit(f)
                var best = [Double](repeating: .infinity, count: w.columns)
                var chosen = start
                let sweep = parallelMap(gammas.count, threads: threads, progress: progress.map { p in { p("round \(round): weights \(f), \($0)/\(gammas.count)") } }) { i in
                    xq.times(quantizeWeights(w, f, biases: start.map { gammas[i] * $0 })).columnMSE(reference)
                }
                for (g, errors) in zip(gammas, sweep) {
                    let candidate = start.map { g * $0 }
                    for k in 0..<w.columns where errors[k] < best[k] {
                        best[k] = errors[k]
                        chosen[k] = candidate[k]
                    }
                }
                wBiases[f] = chosen
            }
            wf = formats.min { mse(xq, quantizeWeights(w, $0, biases: wBiases[$0]!)) < mse(xq, quantizeWeights(w, $1, biases: wBiases[$1]!)) }!
            progress?("round \(round): weights \(wf)")
            // Activation bias (or rho) per format, then the activation format.
            let wq = quantizeWeights(w, wf, biases: wBiases[wf]!)
            for f in formats {
                let start = activationInit(f)
                var best = Double.infinity
                var chosen = start
                let sweep = parallelMap(gammas.count, threads: threads, progress: progress.map { p in { p("round \(round): activations \(f), \($0)/\(gammas.count)") } }) { i in
                    mse(quantizeActivations(x, f, channelBiases: activationBiases(f, gammas[i] * start).biases), wq)
                }
                for (g, e) in zip(gammas, sweep) {
                    if e < best { best = e; chosen = g * start }
                }
                aBias[f] = chosen
            }
            af = formats.min {
                mse(quantizeActivations(x, $0, channelBiases: activationBiases($0, aBias[$0]!).biases), wq)
                    < mse(quantizeActivations(x, $1, channelBiases: activationBiases($1, aBias[$1]!).biases), wq)
            }!
            let final = mse(quantizeActivations(x, af, channelBiases: activationBiases(af, aBias[af]!).biases), wq)
            roundMSE.append(final)
            progress?("round \(round): activations \(af), output MSE \(final)")
        }
        let (_, offsets) = activationBiases(af, aBias[af]!)
        return Result(weightFormat: wf, weightBiases: wBiases[wf]!, activationFormat: af, activationBias: aBias[af]!,
                      offsets: offsets, outputMSE: roundMSE.last!, roundMSE: roundMSE)
    }

    /// `body(i)` for i in 0..<count on `threads` threads (nil: all processors), results in order;
    /// `progress` gets the number done (under a lock, one call at a time, roughly every tenth).
    static func parallelMap<T>(_ count: Int, threads: Int?, progress: ((Int) -> Void)?, _ body: (Int) -> T) -> [T] {
        let workers = Swift.min(count, Swift.max(1, threads ?? Parallel.processorCount))
        if workers <= 1 {
            return (0..<count).map { i in
                if let progress, i % Swift.max(1, count / 10) == 0 { progress(i) }
                return body(i)
            }
        }
        var results = [T?](repeating: nil, count: count)
        let done = Mutex(0)
        results.withUnsafeMutableBufferPointer { buffer in
            let out = UncheckedSendable(buffer)
            withoutActuallyEscaping(body) { body in
                let work = UncheckedSendable(body)
                let report = UncheckedSendable(progress)
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    // Interleaved: neighbouring gammas cost about the same.
                    for i in stride(from: worker, to: count, by: workers) {
                        out.value[i] = work.value(i)
                        if let p = report.value {
                            done.withLock { n in
                                n += 1
                                if n % Swift.max(1, count / 10) == 0 { p(n) }
                            }
                        }
                    }
                }
            }
        }
        return results.map { $0! }
    }

    /// MinMax (no search): every bias from its maximum (gamma = 1), the format fixed.
    public static func minMax(activations x: Matrix, weights w: Matrix, format f: FormatChoice,
                              activation granularity: ActivationGranularity = .perTensor) -> Result {
        let wBiases = (0..<w.columns).map { k in
            FPQuantizer.bias(maxValue: Swift.max((0..<w.rows).reduce(0.0) { Swift.max($0, Swift.abs(w[$1, k])) }, .leastNormalMagnitude),
                             exponentBits: f.exponentBits, mantissaBits: f.mantissaBits)
        }
        let biases: [Double], offsets: [Int], a: Double
        switch granularity {
        case .perTensor:
            a = FPQuantizer.bias(maxValue: Swift.max(x.maxAbs, .leastNormalMagnitude), exponentBits: f.exponentBits,
                                 mantissaBits: f.mantissaBits)
            biases = Array(repeating: a, count: x.columns)
            offsets = []
        case .perChannel(let rule):
            let channel = (0..<x.columns).map { j in
                ChannelOffsets.channelBias(maxAbs: Swift.max(x.columnMaxAbs(j), .leastNormalMagnitude),
                                           exponentBits: f.exponentBits, mantissaBits: f.mantissaBits)
            }
            a = ChannelOffsets.initialRho(biases: channel)
            offsets = ChannelOffsets.offsets(biases: channel, rho: a, exponentBits: f.exponentBits, rule: rule)
            biases = channelBiases(rho: a, offsets: offsets)
        }
        let error = quantizeActivations(x, f, channelBiases: biases).times(quantizeWeights(w, f, biases: wBiases))
            .mse(x.times(w))
        return Result(weightFormat: f, weightBiases: wBiases, activationFormat: f, activationBias: a, offsets: offsets,
                      outputMSE: error, roundMSE: [error])
    }
}

