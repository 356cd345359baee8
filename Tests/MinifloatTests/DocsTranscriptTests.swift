import Foundation
import Testing

/// The documents show real output: every transcript in README.md and docs/*.md whose command
/// reads no file is run, and its output must be what the document shows; the generated tables of
/// docs/formats.md must be what `minifloat formats --markdown` prints today.
@Suite("Docs transcripts")
struct DocsTranscriptTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// One `$ minifloat ...` line of a fenced block and the lines after it, up to the next `$ ` or
    /// the block's end.
    struct Transcript {
        let file: String
        let line: Int
        let arguments: [String]
        let output: [String]
    }

    /// Options whose value is a file or folder: a command with one of these needs files the
    /// walkthrough made, so it is not run here.
    static let fileOptions: Set<String> = ["--input", "--output", "--claimed", "--report", "--expected", "--input-dir",
                                           "--output-dir", "--scales", "--elements", "--claimed-scales",
                                           "--claimed-elements", "--random-values", "--weights", "--activations", "--out",
                                           "--dump-inputs", "--tensor-scale-file"]

    /// Splits a command line as a POSIX shell would for the simple cases the docs use (words,
    /// single and double quotes); nil for anything else (pipes, substitutions, continuations).
    static func words(_ line: String) -> [String]? {
        var words: [String] = [], current = "", inWord = false
        var quote: Character? = nil
        for c in line {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "'" || c == "\"" {
                quote = c; inWord = true
            } else if c == " " {
                if inWord { words.append(current); current = ""; inWord = false }
            } else if "|<>;&$`\\".contains(c) {
                return nil
            } else {
                current.append(c); inWord = true
            }
        }
        guard quote == nil else { return nil }
        if inWord { words.append(current) }
        return words
    }

    static func transcripts() throws -> [Transcript] {
        let docs = root.appendingPathComponent("docs")
        let files = ["README.md"] + (try FileManager.default.contentsOfDirectory(atPath: docs.path))
            .filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
        var found: [Transcript] = []
        for file in files {
            let lines = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            var inFence = false
            var i = 0
            while i < lines.count {
                let line = lines[i]
                if line.hasPrefix("```") { inFence.toggle(); i += 1; continue }
                guard inFence, line.hasPrefix("$ ") else { i += 1; continue }
                var output: [String] = []
                var j = i + 1
                while j < lines.count, !lines[j].hasPrefix("$ "), !lines[j].hasPrefix("```") { output.append(lines[j]); j += 1 }
                var command = String(line.dropFirst(2))
                if command.hasPrefix("swift run -c release ") { command = String(command.dropFirst("swift run -c release ".count)) }
                if command.hasPrefix("minifloat "), let w = words(command) {
                    found.append(Transcript(file: file, line: i + 1, arguments: Array(w.dropFirst()), output: output))
                }
                i = j
            }
        }
        return found
    }

    @Test func transcriptsWithoutFilesMatchTheTool() throws {
        let all = try Self.transcripts()
        let runnable = all.filter { t in !t.arguments.contains { Self.fileOptions.contains($0) } && !t.output.isEmpty }
        #expect(runnable.count >= 8, "found \(runnable.count) runnable transcripts of \(all.count)")
        for t in runnable {
            let r = try runMinifloat(t.arguments)
            let shown = t.output.joined(separator: "\n")
            let printed = (r.stdout + r.stderr).split(separator: "\n", omittingEmptySubsequences: false)
                .map(String.init).joined(separator: "\n").trimmingCharacters(in: .newlines)
            #expect(printed == shown.trimmingCharacters(in: .newlines),
                    "\(t.file):\(t.line) minifloat \(t.arguments.joined(separator: " ")) now prints:\n\(printed)")
        }
    }

    /// docs/formats.md's two tables are the tool's `--markdown` output.
    @Test func formatTablesAreGenerated() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("docs/formats.md"), encoding: .utf8)
        for arguments in [["formats", "--markdown"], ["formats", "--blocks", "--markdown"]] {
            let r = try runMinifloat(arguments)
            #expect(r.status == 0 && text.contains(r.stdout), "docs/formats.md lacks today's 'minifloat \(arguments.joined(separator: " "))'")
        }
    }
}
