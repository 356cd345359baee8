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

struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Check the fast array path on every input of a source type (all 2^32 float32 values) against the oracle.",
        discussion: """
            The oracle computes, for each output code, the exact run of source values that round to \
            it (its rounding boundaries located exactly among the source's values); the fast path is \
            then run on every input and each output compared with its run's code. Prints the number \
            checked and every mismatch (up to --max-report); exit status 1 when any input mismatches. \
            Formats, rounding and saturation may each be a comma-separated list; 'all' for rounding \
            means the six deterministic modes.
            """)

    @Argument(help: "Format name(s), comma-separated (see 'minifloat formats'), or 'all': every catalog format of at most 8 bits.")
    var format: String
    @Option(help: "rne | rna | rtz | rtp | rtn | rto, comma-separated, or all.") var rounding = "rne"
    @Option(help: "satfinite | satpropagate | satnone, comma-separated.", completion: .list(Completions.saturations)) var saturation = "satfinite"
    @Option(help: "f32 | bf16 | f16: the source type whose every value is checked.") var from = "f32"
    @Option(parsing: .unconditional, help: "Threads (default: all processors).") var threads: Int?
    @Option(parsing: .unconditional, help: "Mismatches printed per run.") var maxReport = 20
    @Flag(help: "Print one JSON object per run.") var json = false

    func run() throws {
        guard let source = Sweep.Source(rawValue: from.lowercased()) else {
            throw CLIError("unknown source type '\(from)': use f32, bf16 or f16")
        }
        if let threads, threads < 1 { throw CLIError("--threads must be at least 1") }
        guard maxReport >= 0 else { throw CLIError("--max-report must be at least 0") }
        let formats = format.lowercased() == "all"
            ? Format.catalog.map(\.format).filter { $0.bitWidth <= 8 }
            : try format.split(separator: ",").map { try lookUpFormat(String($0)) }
        let modes = try rounding.lowercased() == "all" ? RoundingMode.deterministic
            : rounding.split(separator: ",").map { name -> RoundingMode in
                if RoundingMode.isStochastic(shortName: String(name)) {
                    throw CLIError(Sweep.Failure.stochastic.description)
                }
                return try parseRounding(String(name), bits: nil, random: nil)
            }
        let saturations = try saturation.split(separator: ",").map { try parseSaturation(String($0)) }
        guard !formats.isEmpty, !modes.isEmpty, !saturations.isEmpty else {
            throw CLIError("give at least one format, rounding and saturation mode")
        }
        let tty = isatty(2) != 0
        var anyMismatch = false
        for f in formats {
            for mode in modes {
                for sat in saturations {
                    let label = "\(f.name) \(mode.shortName) \(sat.shortName) from \(source.rawValue)"
                    let total = source.inputCount
                    let start = ContinuousClock.now
                    let progress = tty ? progressPrinter(label, total: total) : nil
                    let result: Sweep.Result
                    do {
                        result = try Sweep.run(f, source: source, rounding: mode, saturation: sat,
                                               threads: threads ?? processorCount(), maxReported: maxReport,
                                               progress: progress)
                    } catch let failure {
                        throw CLIError(failure.description)
                    }
                    if tty { var e = StandardError(); print("\r\u{1B}[K", terminator: "", to: &e) }
                    let d = ContinuousClock.now - start
                    let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
                    anyMismatch = anyMismatch || result.mismatchCount > 0
                    report(label, f, mode, sat, source, result, seconds)
                    fflush(nil)  // each run's line reaches a file as soon as it is done
                }
            }
        }
        if anyMismatch { throw ExitCode(1) }
    }

    func progressPrinter(_ label: String, total: UInt64) -> @Sendable (UInt64) -> Void {
        return { done in
            var e = StandardError()
            let percent = done * 100 / total
            print("\r\(label): \(percent)%", terminator: "", to: &e)
        }
    }

    func report(_ label: String, _ f: Format, _ mode: RoundingMode, _ sat: SaturationMode, _ source: Sweep.Source,
                _ r: Sweep.Result, _ seconds: Double) {
        let width = source.format.bitWidth <= 16 ? 4 : 8
        func bits(_ b: UInt32) -> String {
            let h = String(b, radix: 16)
            return "0x" + String(repeating: "0", count: max(0, width - h.count)) + h
        }
        if json {
            let rows = r.mismatches.map { m -> JSON in
                .object([("input_bits", .string(bits(m.input))), ("got", .string(hexCode(m.got, f))),
                         ("expected", .string(hexCode(m.expected, f)))])
            }
            print(JSON.object([
                ("format", .string(f.name)), ("rounding", .string(mode.shortName)),
                ("saturation", .string(sat.shortName)), ("from", .string(source.rawValue)),
                ("checked", .int(Int(r.checked))), ("mismatches", .int(Int(r.mismatchCount))),
                ("oracle_intervals", .int(r.intervals)), ("seconds", .number(seconds)),
                ("first_mismatches", .array(rows)),
            ]).text)
            return
        }
        print("\(label): checked \(r.checked), mismatches \(r.mismatchCount) (\(r.intervals) oracle intervals, \(formatted(seconds, decimals: 1)) s)")
        for m in r.mismatches {
            print("  input \(bits(m.input)): fast \(hexCode(m.got, f)), oracle \(hexCode(m.expected, f))")
        }
    }
}
