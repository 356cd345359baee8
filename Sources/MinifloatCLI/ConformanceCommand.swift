import ArgumentParser
import Minifloat
import MinifloatIO
import MinifloatVerify

/// `minifloat conformance RECORDINGS.json`: every recorded conversion compared with the reference
/// on all of its inputs, each difference classified; `--markdown` writes docs/conformance.md's matrix.
struct ConformanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conformance",
        abstract: "Compare recorded conversions of real systems (GPU, CUDA, PyTorch, JAX) with the reference, on every input.",
        discussion: """
            RECORDINGS is a JSON file written by Conformance/convert_npz.py (Conformance/README.md); \
            Conformance/recordings/h100-2026-11.json holds an NVIDIA H100's. Each recording is compared \
            with the format, rounding and saturation its call asks for, on all 2^32 float32 or 2^16 \
            float16/bfloat16 inputs, and every differing input is classified.
            """)

    @Argument(help: "The recordings (.json).") var recordings: String
    @Option(help: "Only the recordings whose name contains this text.") var only: String?
    @Flag(help: "Print docs/conformance.md's matrix (Markdown).") var markdown = false
    @Option(parsing: .unconditional, help: "Threads (default: all processors).") var threads: Int?

    func run() throws {
        if let threads, threads < 1 { throw CLIError("--threads must be at least 1 (got \(threads))") }
        let bytes = try readWholeFile(recordings)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CLIError("'\(recordings.quotedForMessage())' is not UTF-8 text; give the JSON that Conformance/convert_npz.py writes")
        }
        let set: RecordingSet
        do { set = try RecordingSet(json: text) } catch let e as VerifyError { throw CLIError("'\(recordings.quotedForMessage())': \(e.description)") }
        let chosen = set.recordings.filter { only == nil || $0.name.contains(only!) }
        guard !chosen.isEmpty else { throw CLIError("no recording's name contains '\((only ?? "").quotedForMessage())'") }
        let progress = searchProgress()
        var results: [ConformanceResult] = []
        for (k, r) in chosen.enumerated() {
            progress?("comparing \(r.name) (\(k + 1) of \(chosen.count))")
            results.append(r.compare(threads: threads))
        }
        clearProgress()
        print(markdown ? Self.markdown(results, recorded: set.recorded) : Self.text(results), terminator: "")
    }

    /// An input bit pattern of the source type and its value (shortest round-trip decimal).
    static func input(_ bits: UInt32, _ source: Sweep.Source) -> String {
        switch source {
        case .float32: return "0x" + hex(bits, 8) + " (\(Float(bitPattern: bits)))"
        case .bfloat16: return "0x" + hex(bits, 4) + " (\(Float(bitPattern: bits << 16)))"
        case .float16: return "0x" + hex(bits, 4) + " (\(Float(Float16(bitPattern: UInt16(bits)))))"
        }
    }

    static func hex(_ v: UInt32, _ width: Int) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    static func text(_ results: [ConformanceResult]) -> String {
        var out = ""
        for r in results {
            let c = r.recording
            out += "\(c.name): \(c.call) to \(c.format.name), \(c.source.rawValue) inputs, against \(c.rounding.shortName) \(c.saturation.shortName): "
            out += r.differing == 0 ? "agrees on all \(r.checked)\n" : "\(r.differing) of \(r.checked) differ\n"
            for g in r.groups {
                out += "  \(g.departure.key): \(g.count), first \(input(g.firstInput, c.source)): "
                    + "reference \(c.format.hexCode(g.referenceCode)), recorded \(c.format.hexCode(g.recordedCode))\n"
            }
        }
        return out
    }

    static func markdown(_ results: [ConformanceResult], recorded: String) -> String {
        var out = "Recorded on: \(recorded).\n\n"
        out += "| recording | call | format | source | reference | differing inputs | departures (count, first input: reference → recorded code) |\n"
        out += "|---|---|---|---|---|---|---|\n"
        for r in results {
            let c = r.recording
            let departures = r.groups.map { g in
                "\(g.departure.key) (\(g.count), first \(input(g.firstInput, c.source)): "
                    + "\(c.format.hexCode(g.referenceCode)) → \(c.format.hexCode(g.recordedCode)))"
            }.joined(separator: "; ")
            out += "| `\(c.name)` | `\(c.call)` | \(c.format.name) | \(c.source.rawValue) | \(c.rounding.shortName) \(c.saturation.shortName) | "
                + "\(r.differing == 0 ? "none" : "\(r.differing) of \(r.checked)") | \(departures.isEmpty ? "agrees" : departures) |\n"
        }
        return out
    }
}
