import Foundation
import Testing

/// The walkthroughs run as written: every `$ ` command of docs/validating.md,
/// docs/block-formats.md and docs/conformance.md (the `python3` ones that make the files included) runs in order in one
/// fresh folder, with `minifloat` the built executable and `python3` the tests' Python; a
/// ```python block whose first line is `# NAME.py` is written to NAME.py first, as a reader would
/// save it. Each command's output must be what the document shows; a command shown without
/// output must succeed. The build commands of validating.md section 5 (`swift build`, `cc`, the
/// ctypes example) are left to `CLibraryTests`, which builds and runs the same examples.
@Suite("Docs walkthroughs")
struct DocsWalkthroughTests {
    enum Step {
        case file(name: String, text: String)
        case command(line: Int, text: String, output: [String])
    }

    /// The steps of a document, in order.
    static func steps(_ file: String) throws -> [Step] {
        let lines = try String(contentsOf: DocsTranscriptTests.root.appendingPathComponent(file), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var steps: [Step] = []
        var i = 0
        while i < lines.count {
            guard lines[i].hasPrefix("```") else { i += 1; continue }
            let language = lines[i].dropFirst(3)
            var block: [String] = []
            let start = i + 1
            i += 1
            while i < lines.count, !lines[i].hasPrefix("```") { block.append(lines[i]); i += 1 }
            i += 1
            if language == "python", let first = block.first, first.hasPrefix("# "), first.hasSuffix(".py"),
               !first.dropFirst(2).contains(" ") {
                steps.append(.file(name: String(first.dropFirst(2)), text: block.joined(separator: "\n") + "\n"))
            } else if language.isEmpty {
                var j = 0
                while j < block.count {
                    guard block[j].hasPrefix("$ ") else { j += 1; continue }
                    let line = start + j + 1
                    var command = String(block[j].dropFirst(2))
                    while command.hasSuffix("\\"), j + 1 < block.count { j += 1; command += "\n" + block[j] }
                    j += 1
                    var output: [String] = []
                    while j < block.count, !block[j].hasPrefix("$ ") { output.append(block[j]); j += 1 }
                    steps.append(.command(line: line, text: command, output: output))
                }
            }
        }
        return steps
    }

    /// Commands that build or run compiled examples (checked by `CLibraryTests`).
    static func isBuildStep(_ command: String) -> Bool {
        command.hasPrefix("swift build") || command.hasPrefix("cc ") || command.hasPrefix("./")
            || command.hasPrefix("python3 Examples/")
    }

    static func run(_ command: String, in folder: URL, path: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = folder
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = path
        process.environment = environment
        let pipe = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(arguments: ["docs/validating.md", "docs/block-formats.md", "docs/conformance.md"])
    func walkthroughRunsAsShown(file: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("minifloat-walkthrough-\(UUID().uuidString)")
        let bin = folder.appendingPathComponent(".bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createSymbolicLink(at: bin.appendingPathComponent("minifloat"),
                                                   withDestinationURL: try builtProduct("minifloat"))
        // `python3` is the tests' Python (the virtual environment with ml_dtypes when there is one).
        // Its absolute path: the shim below is first on the PATH, so `env python3` would find the
        // shim itself and exec it forever.
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let python = pythonCommand[0] != "python3" ? pythonCommand[0]
            : searchPath.split(separator: ":").map { "\($0)/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
                ?? "/usr/bin/python3"
        try "#!/bin/sh\nexec \(python) \"$@\"\n".write(to: bin.appendingPathComponent("python3"), atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: bin.appendingPathComponent("python3").path)
        let path = bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        var scripts: [String: String] = [:]
        var last: Int32 = 0
        var ran = 0
        steps: for step in try Self.steps(file) {
            switch step {
            case .file(let name, let text):
                try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
                scripts[name] = text
            case .command(let line, var text, let output):
                if text.hasPrefix("swift run -c release ") { text.removeFirst("swift run -c release ".count) }
                if Self.isBuildStep(text) { continue }
                let shown = output.joined(separator: "\n").trimmingCharacters(in: .newlines)
                if text == "echo $?" {
                    #expect("\(last)" == shown, "\(file):\(line): the status was \(last)")
                    continue
                }
                // Without ml_dtypes, the rest of the walkthrough (which needs its output) is not run.
                let needs = text + (scripts.first { text.contains($0.key) }?.value ?? "")
                if needs.contains("ml_dtypes") && !pythonWithMLDtypes { break steps }
                let r = try Self.run(text, in: folder, path: path)
                last = r.status
                ran += 1
                let printed = r.output.trimmingCharacters(in: .newlines)
                if shown.isEmpty {
                    #expect(r.status == 0, "\(file):\(line): \(text) failed (\(r.status)):\n\(printed)")
                } else {
                    #expect(printed == shown, "\(file):\(line): \(text) now prints:\n\(printed)")
                }
            }
        }
        #expect(ran >= 4, "\(file): only \(ran) commands ran")
        if file == "docs/validating.md" { try checkReportExcerpt(folder) }
    }

    /// The report.json excerpt validating.md shows is the mismatch of that index in the report the
    /// walkthrough wrote.
    func checkReportExcerpt(_ folder: URL) throws {
        let text = try String(contentsOf: DocsTranscriptTests.root.appendingPathComponent("docs/validating.md"), encoding: .utf8)
        let start = try #require(text.range(of: "```json\n")), end = try #require(text.range(of: "\n```", range: start.upperBound..<text.endIndex))
        let shown = try #require(try JSONSerialization.jsonObject(with: Data(text[start.upperBound..<end.lowerBound].utf8)) as? NSDictionary)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("report.json"))) as? [String: Any])
        let mismatches = try #require(report["mismatches"] as? [NSDictionary])
        let same = mismatches.first { ($0["index"] as? Int) == (shown["index"] as? Int) }
        #expect(same == shown, "docs/validating.md's report.json excerpt differs from the report: \(String(describing: same))")
    }
}
