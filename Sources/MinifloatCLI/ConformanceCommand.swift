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

    @Argument(help: "The recordings (.json).") var recordings: String?
    @Flag(help: "Print the system profiles (--profile torch, ...): each one's calls, departures from the reference and evidence (Markdown).")
    var profiles = false
    @Option(help: "Only the recordings whose name contains this text.") var only: String?
    @Flag(help: "Print docs/conformance.md's matrix (Markdown).") var markdown = false
    @Flag(help: "Compare the recorded decode tables (each code's float16 or bfloat16 value) instead of the conversions.")
    var decodes = false
    @Option(parsing: .unconditional, help: "Threads (default: all processors).") var threads: Int?

    func run() throws {
        if let threads, threads < 1 { throw CLIError("--threads must be at least 1 (got \(threads))") }
        if profiles {
            guard recordings == nil && only == nil && !markdown else { throw CLIError("--profiles takes no recordings, --only or --markdown") }
            print(SystemProfile.markdown(), terminator: "")
            return
        }
        guard let recordings else {
            throw CLIError("give a recordings file (e.g. Conformance/recordings/h100-2026-11.json), or --profiles")
        }
        let bytes = try readWholeFile(recordings)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CLIError("'\(recordings.quotedForMessage())' is not UTF-8 text; give the JSON that Conformance/convert_npz.py writes")
        }
        let set: RecordingSet
        do { set = try RecordingSet(json: text) } catch let e as VerifyError { throw CLIError("'\(recordings.quotedForMessage())': \(e.description)") }
        if decodes {
            let tables = set.decodes.filter { only == nil || $0.name.contains(only!) }
            guard !tables.isEmpty else { throw CLIError("no decode table in '\(recordings.quotedForMessage())'\(only.map { " contains '\($0.quotedForMessage())'" } ?? "")") }
            print(markdown ? DecodeRecording.markdownTable(tables) : Self.decodeText(tables), terminator: "")
            return
        }
        let chosen = set.recordings.filter { only == nil || $0.name.contains(only!) }
        guard !chosen.isEmpty else { throw CLIError("no recording's name contains '\((only ?? "").quotedForMessage())'") }
        let progress = searchProgress()
        var results: [ConformanceResult] = []
        var reproductions: [String] = []
        for (k, r) in chosen.enumerated() {
            progress?("comparing \(r.name) (\(k + 1) of \(chosen.count))")
            results.append(r.compare(threads: threads))
            if !markdown { reproductions.append(Self.reproduction(r, threads: threads)) }
        }
        clearProgress()
        print(markdown ? Self.markdown(results, recorded: set.recorded) : Self.text(results, reproductions), terminator: "")
    }

    static func input(_ bits: UInt32, _ source: Sweep.Source) -> String { ConformanceResult.inputText(bits, source) }

    static func decodeText(_ tables: [DecodeRecording]) -> String {
        var out = ""
        for t in tables {
            let d = t.differences()
            out += "\(t.name): \(t.format.name) to \(t.target.rawValue): "
                + (d.isEmpty ? "agrees on all \(t.values.count) codes\n" : "\(d.count) of \(t.values.count) codes differ\n")
            for x in d {
                out += "  \(x.departure.key): \(t.format.hexCode(x.code)): reference \(DecodeRecording.hex(x.reference)), recorded \(DecodeRecording.hex(x.recorded))\n"
            }
        }
        return out
    }

    /// Whether the recording's system profile reproduces it: one line.
    static func reproduction(_ r: Recording, threads: Int?) -> String {
        guard let profile = SystemProfile.recorded(as: r.system) else { return "  no profile for system \(r.system)\n" }
        do {
            let (count, first) = try r.differences(from: profile, keep: 1, threads: threads)
            return count == 0 ? "  profile \(profile.name) reproduces every input\n"
                : "  profile \(profile.name) differs on \(count) inputs, first \(input(first[0], r.source))\n"
        } catch let e as VerifyError {
            return "  profile \(profile.name): \(e.description)\n"
        } catch {
            return "  profile \(profile.name): \(error)\n"
        }
    }

    static func text(_ results: [ConformanceResult], _ reproductions: [String]) -> String {
        var out = ""
        for (r, line) in zip(results, reproductions) {
            let c = r.recording
            out += "\(c.name): \(c.call) to \(c.format.name), \(c.source.rawValue) inputs, against \(c.rounding.shortName) \(c.saturation.shortName): "
            out += r.differing == 0 ? "agrees on all \(r.checked)\n" : "\(r.differing) of \(r.checked) differ\n"
            for g in r.groups {
                out += "  \(g.departure.key): \(g.count), first \(input(g.firstInput, c.source)): "
                    + "reference \(c.format.hexCode(g.referenceCode)), recorded \(c.format.hexCode(g.recordedCode))\n"
            }
            out += line
        }
        return out
    }

    static func markdown(_ results: [ConformanceResult], recorded: String) -> String {
        ConformanceResult.markdownTable(results, recorded: recorded)
    }
}
