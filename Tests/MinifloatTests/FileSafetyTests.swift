import Foundation
import LLMFP4
import MinifloatIO
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Outputs never clobber what they must not: links, devices, pipes, inputs, each other; files keep
/// their mode; temporaries are exclusive, short and removed on every exit path (docs/reliability.md).
@Suite("File safety")
struct FileSafetyTests {
    /// A fresh folder with x.npy (1,000 float32 values) in it.
    func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("minifloat-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let values = (0..<1000).map { Float($0) / 100 - 5 }
        try values.withUnsafeBytes { raw in
            try ArrayOutput.write(raw, header: NpyHeader(elementType: .float32, shape: [1000]), to: dir.appendingPathComponent("x.npy").path)
        }
        return dir
    }

    func contents(_ dir: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
    }

    @Test func aLinkToAFileReplacesTheFileAndKeepsTheLink() throws {
        let dir = try folder()
        let target = dir.appendingPathComponent("target.bin").path
        try Data("not this".utf8).write(to: URL(fileURLWithPath: target))
        let link = dir.appendingPathComponent("link.npy").path
        #expect(symlink("target.bin", link) == 0)
        let r = try runMinifloat(["quantize", "e4m3fn", "--input", dir.appendingPathComponent("x.npy").path, "--output", link])
        #expect(r.status == 0, "\(r.stderr)")
        var info = stat()
        #expect(lstat(link, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK, "the link stays a link")
        let written = try Data(contentsOf: URL(fileURLWithPath: target))
        #expect(written.count == 128 + 1000 && written.starts(with: [0x93] + Array("NUMPY".utf8)))
        #expect(try contents(dir) == ["link.npy", "target.bin", "x.npy"], "no temporary left")
    }

    @Test func devicesAndPipesAreWrittenThrough() throws {
        let dir = try folder()
        let x = dir.appendingPathComponent("x.npy").path
        let r = try runMinifloat(["quantize", "e4m3fn", "--input", x, "--output", "/dev/null"])
        #expect(r.status == 0, "\(r.stderr)")
        var info = stat()
        #expect(lstat("/dev/null", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR, "/dev/null is still a device")
        // /dev/stdout (a link to the test's pipe): the codes arrive on standard output.
        let minifloat = try builtProduct("minifloat").path
        let s = try runProcess(URL(fileURLWithPath: "/bin/sh"),
                               ["-c", "'\(minifloat)' quantize e4m3fn --input '\(x)' --output /dev/stdout | wc -c"])
        #expect(s.status == 0 && s.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1000", "\(s.stdout) \(s.stderr)")
    }

    @Test func foldersAndDanglingLinksAreRefused() throws {
        let dir = try folder()
        let x = dir.appendingPathComponent("x.npy").path
        #expect(symlink("missing.npy", dir.appendingPathComponent("dangling.npy").path) == 0)
        for (output, message) in [(dir.path, "is a folder"), (dir.appendingPathComponent("dangling.npy").path, "link to a missing file")] {
            let r = try runMinifloat(["quantize", "e4m3fn", "--input", x, "--output", output])
            #expect(r.status == 2 && r.stderr.contains(message) && r.stdout.isEmpty, "\(r.stderr)")
        }
        #expect(try contents(dir) == ["dangling.npy", "x.npy"])
    }

    @Test func anExistingFileKeepsItsMode() throws {
        let dir = try folder()
        let out = dir.appendingPathComponent("private.npy").path
        #expect(creat(out, 0o600) >= 0)
        let r = try runMinifloat(["quantize", "e4m3fn", "--input", dir.appendingPathComponent("x.npy").path, "--output", out])
        #expect(r.status == 0)
        var info = stat()
        #expect(stat(out, &info) == 0 && info.st_mode & 0o777 == 0o600 && info.st_size == 1128)
    }

    @Test func longNamesFitBesideTheirTemporary() throws {
        let dir = try folder()
        let name = String(repeating: "a", count: 251) + ".npy"  // 255 characters, the most a name may have
        let r = try runMinifloat(["quantize", "e4m3fn", "--input", dir.appendingPathComponent("x.npy").path,
                                  "--output", dir.appendingPathComponent(name).path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try contents(dir) == [name, "x.npy"])
    }

    @Test func anOutputThatIsAnInputIsRefused() throws {
        let dir = try folder()
        let x = dir.appendingPathComponent("x.npy").path
        let before = try Data(contentsOf: URL(fileURLWithPath: x))
        #expect(symlink("x.npy", dir.appendingPathComponent("alias.npy").path) == 0)
        let q = dir.appendingPathComponent("q.npy").path
        #expect(try runMinifloat(["quantize", "e4m3fn", "--input", x, "--output", q]).status == 0)
        let cases: [[String]] = [
            ["quantize", "e4m3fn", "--input", x, "--output", x],
            ["quantize", "e4m3fn", "--input", x, "--output", dir.path + "/./../" + dir.lastPathComponent + "/x.npy"],
            ["quantize", "e4m3fn", "--input", dir.appendingPathComponent("alias.npy").path, "--output", x],
            ["verify", "e4m3fn", "--input", x, "--claimed", q, "--report", x],
            ["decode", "e4m3fn", "--input", q, "--output", q],
            ["gen", "e4m3fn", "--output", dir.appendingPathComponent("g.npy").path, "--expected", dir.appendingPathComponent("./g.npy").path],
        ]
        for arguments in cases {
            let r = try runMinifloat(arguments)
            #expect(r.status == 2 && r.stderr.contains("is the same file as") && !r.stderr.dropLast().contains("\n"),
                    "\(arguments): \(r.stderr)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: x)) == before)
        #expect(try contents(dir) == ["alias.npy", "q.npy", "x.npy"])
    }

    @Test func aBlockFolderFileIsNotAnOutput() throws {
        let dir = try folder()
        let blocks = dir.appendingPathComponent("blocks").path
        #expect(try runMinifloat(["quantize", "mxfp4", "--input", dir.appendingPathComponent("x.npy").path, "--output-dir", blocks]).status == 0)
        let r = try runMinifloat(["decode", "mxfp4", "--input-dir", blocks, "--output", blocks + "/elements.npy"])
        #expect(r.status == 2 && r.stderr.contains("is the same file as"), "\(r.stderr)")
    }

    @Test func aBlockFolderIsWrittenAsAUnit() throws {
        let dir = try folder()
        let x = dir.appendingPathComponent("x.npy").path
        let blocks = dir.appendingPathComponent("blocks").path
        #expect(try runMinifloat(["quantize", "nvfp4", "--input", x, "--output-dir", blocks]).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: blocks).sorted()
                == ["block.json", "elements.npy", "scales.npy", "tensor_scale.npy"])
        // Switching the folder to MX removes NVFP4's tensor scale.
        #expect(try runMinifloat(["quantize", "mxfp4", "--input", x, "--output-dir", blocks]).status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: blocks).sorted() == ["block.json", "elements.npy", "scales.npy"])
        #expect(try runMinifloat(["decode", "mxfp4", "--input-dir", blocks]).status == 0)
        // A scales.npy from another run (what a failure between two files used to leave) is refused.
        let other = dir.appendingPathComponent("other").path
        let y = dir.appendingPathComponent("y.npy").path
        let values = (0..<1000).map { Float($0) / 1000 }
        try values.withUnsafeBytes { try ArrayOutput.write($0, header: NpyHeader(elementType: .float32, shape: [1000]), to: y) }
        #expect(try runMinifloat(["quantize", "mxfp4", "--input", y, "--output-dir", other]).status == 0)
        #expect(rename(other + "/scales.npy", blocks + "/scales.npy") == 0)
        let r = try runMinifloat(["decode", "mxfp4", "--input-dir", blocks])
        #expect(r.status == 2 && r.stderr.contains("files from different runs") && r.stdout.isEmpty, "\(r.stderr)")
    }

    @Test func aTamperedBlockDescriptionIsRefused() throws {
        let dir = try folder()
        let x = dir.appendingPathComponent("x.npy").path
        let blocks = dir.appendingPathComponent("blocks").path
        #expect(try runMinifloat(["quantize", "nvfp4", "--input", x, "--output-dir", blocks]).status == 0)
        let good = try String(contentsOfFile: blocks + "/block.json", encoding: .utf8)
        let tampered: [(String, String)] = [
            (good.replacingOccurrences(of: "\"block_size\":16", with: "\"block_size\":9223372036854775807"), "block size"),
            (good.replacingOccurrences(of: "\"shape\":[1000]", with: "\"shape\":[9223372036854775807,4]"), "larger than any array"),
            (good.replacingOccurrences(of: "\"shape\":[1000]", with: "\"shape\":[1000.5]"), "list of at most 64 integers"),
            (good.replacingOccurrences(of: #"("tensor_scale":")[^"]*"#, with: "$11e999999", options: .regularExpression), "tensor_scale"),
            (good.replacingOccurrences(of: #"("tensor_scale":")[^"]*"#, with: "$10.1", options: .regularExpression), "tensor_scale"),
            (String(repeating: "[", count: 1_000_000), "not a block description"),
        ]
        for (text, message) in tampered {
            #expect(text != good)
            try text.write(toFile: blocks + "/block.json", atomically: true, encoding: .utf8)
            let r = try runMinifloat(["decode", "nvfp4", "--input-dir", blocks])
            #expect(r.status == 2 && r.stderr.contains(message) && r.stderr.split(separator: "\n").count == 1, "\(message): \(r.status) \(r.stderr.prefix(300))")
        }
    }

    /// Runs `minifloat` with arguments given as bytes (Process takes only Strings); returns the
    /// exit status and what it wrote on standard error.
    func runWithByteArguments(_ arguments: [[UInt8]]) throws -> (status: Int32, stderr: String) {
        let program = try builtProduct("minifloat").path
        var argv: [UnsafeMutablePointer<CChar>?] = ([Array(program.utf8)] + arguments).map { bytes in
            let p = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            for (i, b) in bytes.enumerated() { p[i] = CChar(bitPattern: b) }
            p[bytes.count] = 0
            return p
        } + [nil]
        defer { argv.forEach { $0?.deallocate() } }
        var pipeEnds: [Int32] = [0, 0]
        #expect(pipe(&pipeEnds) == 0)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var pid = pid_t()
        #expect(posix_spawn(&pid, program, &actions, nil, &argv, environ) == 0)
        close(pipeEnds[1])
        var err: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(pipeEnds[0], $0.baseAddress, 4096) }
            if n <= 0 { break }
            err += buffer[0..<n]
        }
        close(pipeEnds[0])
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return ((status >> 8) & 0xFF, String(decoding: err, as: UTF8.self))
    }

    /// The names in a folder as bytes.
    func rawNames(_ path: [UInt8]) -> Set<[UInt8]> {
        guard let d = PathBytes.withCString(PathBytes.string(path), { opendir($0) }) else { return [] }
        defer { closedir(d) }
        var names: Set<[UInt8]> = []
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if name != Array(".".utf8) && name != Array("..".utf8) { names.insert(name) }
        }
        return names
    }

    /// Paths that are not UTF-8 name the files they name, byte for byte (they were read and written
    /// under U+FFFD names), for inputs, outputs and block folders; messages show the bytes as \xff.
    @Test func pathsThatAreNotUTF8AreKeptByteForByte() throws {
        let dir = try folder()
        let d = Array(dir.path.utf8)
        let input = d + Array("/".utf8) + [0xFF] + Array(".npy".utf8)
        let x = try Data(contentsOf: dir.appendingPathComponent("x.npy"))
        let fd = PathBytes.withCString(PathBytes.string(input)) { open($0, O_WRONLY | O_CREAT | O_EXCL, 0o644) }
        #expect(fd >= 0)
        _ = x.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let output = d + Array("/o".utf8) + [0xFE] + Array(".npy".utf8)
        let r = try runWithByteArguments([Array("quantize".utf8), Array("e4m3fn".utf8), Array("--input".utf8), input,
                                          Array("--output".utf8), output])
        #expect(r.status == 0, "\(r.stderr)")
        let folderName = Array("m".utf8) + [0xFF, 0xC3]  // 0xC3 starts a 2-byte sequence that does not follow
        let b = try runWithByteArguments([Array("quantize".utf8), Array("mxfp4".utf8), Array("--input".utf8), input,
                                          Array("--output-dir".utf8), d + Array("/".utf8) + folderName])
        #expect(b.status == 0, "\(b.stderr)")
        let names = rawNames(d)
        #expect(names == [Array("x.npy".utf8), [0xFF] + Array(".npy".utf8), Array("o".utf8) + [0xFE] + Array(".npy".utf8), folderName],
                "\(names.map { $0.map { String($0, radix: 16) } })")
        #expect(rawNames(d + Array("/".utf8) + folderName) == Set(["block.json", "elements.npy", "scales.npy"].map { Array($0.utf8) }))
        // The codes are those of the same command on a UTF-8 name.
        let plain = dir.appendingPathComponent("plain.npy").path
        #expect(try runMinifloat(["quantize", "e4m3fn", "--input", dir.appendingPathComponent("x.npy").path, "--output", plain]).status == 0)
        let written = PathBytes.withCString(PathBytes.string(output)) { p -> [UInt8] in
            let f = open(p, O_RDONLY)
            defer { close(f) }
            var bytes = [UInt8](repeating: 0, count: 1 << 16)
            let n = bytes.withUnsafeMutableBytes { read(f, $0.baseAddress, $0.count) }
            return Array(bytes.prefix(max(0, n)))
        }
        #expect(written == Array(try Data(contentsOf: URL(fileURLWithPath: plain))))
        // A missing one is named with its bytes escaped.
        let missing = try runWithByteArguments([Array("quantize".utf8), Array("e4m3fn".utf8), Array("--input".utf8), [0xFE, 0x2E],
                                                Array("--output".utf8), output])
        #expect(missing.status == 2 && missing.stderr.contains("'\\xfe.'"), "\(missing.stderr)")
    }

    /// `fpq fold --out` and `quantize --output-dir` write their folders as a unit: a refused input
    /// creates no folder, and a failure while writing leaves none of the run's files (and removes a
    /// folder the run created).
    @Test func foldAndBlockFoldersAreWrittenAsAUnit() throws {
        let dir = try folder()
        let data = SyntheticLayer(seed: 5, tokens: 8, channels: 6, outputs: 3)
        let xPath = dir.appendingPathComponent("x64.npy").path, wPath = dir.appendingPathComponent("w.npy").path
        try data.activations.values.withUnsafeBytes { try ArrayOutput.write($0, header: NpyHeader(elementType: .float64, shape: [8, 6]), to: xPath) }
        try data.weights.values.withUnsafeBytes { try ArrayOutput.write($0, header: NpyHeader(elementType: .float64, shape: [6, 3]), to: wPath) }
        let fresh = dir.appendingPathComponent("fresh").path
        let refused = try runMinifloat(["fpq", "fold", "--weights", wPath, "--activations", dir.appendingPathComponent("x.npy").path,
                                        "--out", fresh, "--format", "e2m1", "--rounds", "1"])
        #expect(refused.status == 2 && !FileManager.default.fileExists(atPath: fresh), "\(refused.stderr)")
        // summary.json (written last) cannot be written: it is a folder. Nothing else lands.
        let blocked = dir.appendingPathComponent("blocked").path
        try FileManager.default.createDirectory(atPath: blocked + "/summary.json", withIntermediateDirectories: true)
        let failed = try runMinifloat(["fpq", "fold", "--weights", wPath, "--activations", xPath, "--out", blocked,
                                       "--format", "e2m1", "--rounds", "1"])
        #expect(failed.status == 2 && failed.stderr.contains("is a folder"), "\(failed.stderr)")
        #expect(try contents(URL(fileURLWithPath: blocked)) == ["summary.json"])
        // The same for a block folder whose block.json is a folder.
        let blocks = dir.appendingPathComponent("blocks").path
        try FileManager.default.createDirectory(atPath: blocks + "/block.json", withIntermediateDirectories: true)
        let b = try runMinifloat(["quantize", "mxfp4", "--input", dir.appendingPathComponent("x.npy").path, "--output-dir", blocks])
        #expect(b.status == 2 && b.stdout.isEmpty, "\(b.stderr)")
        #expect(try contents(URL(fileURLWithPath: blocks)) == ["block.json"])
        let ok = try runMinifloat(["fpq", "fold", "--weights", wPath, "--activations", xPath, "--out", fresh, "--format", "e2m1", "--rounds", "1"])
        let written = try contents(URL(fileURLWithPath: fresh))
        #expect(ok.status == 0 && written == ["activation_codes.npy", "offsets.npy", "summary.json",
                                              "weight_bias.npy", "weight_codes.npy", "weight_qmax.npy"], "\(ok.stderr)")
    }

    /// A full disk (a 256 KB tmpfs, where the machine lets the tests mount one: root on Linux):
    /// exit 2 with one line naming the problem, and neither a partial output nor a temporary, for
    /// a file and for a block folder; then the same file system read-only. Skipped where mounting
    /// is not allowed.
    @Test func aFullDiskLeavesNothingBehind() throws {
        let dir = try folder()
        let small = dir.appendingPathComponent("small").path
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
        let mount = try runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "mount -t tmpfs -o size=256k tmpfs '\(small)' 2>&1"])
        guard mount.status == 0 else { return }  // not allowed here: nothing to check
        defer { _ = try? runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "umount '\(small)'"]) }
        let big = dir.appendingPathComponent("big.npy").path
        let values = (0..<(1 << 16)).map { Float($0) * 0.37 }
        try values.withUnsafeBytes { try ArrayOutput.write($0, header: NpyHeader(elementType: .float32, shape: [values.count]), to: big) }
        let codes = dir.appendingPathComponent("codes.npy").path
        let codeBytes = (0..<(1 << 16)).map { UInt8(truncatingIfNeeded: $0 % 126) }
        try codeBytes.withUnsafeBytes { try ArrayOutput.write($0, header: NpyHeader(elementType: .uint8, shape: [codeBytes.count]), to: codes) }
        for arguments in [["quantize", "e4m3fn", "--input", big, "--output", small + "/codes.txt"],
                          ["decode", "e4m3fn", "--input", codes, "--output", small + "/values.npy"],
                          ["quantize", "mxfp8", "--input", big, "--output-dir", small + "/blocks"]] {
            // Fill the disk but for a few bytes, then run.
            _ = try runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "head -c 250000 /dev/zero > '\(small)/filler'"])
            let r = try runMinifloat(arguments)
            #expect(r.status == 2 && r.stderr.hasPrefix("minifloat: error: ") && r.stderr.split(separator: "\n").count == 1
                    && r.stderr.contains("No space left on device"), "\(arguments): \(r.status) \(r.stderr)")
            #expect(try contents(URL(fileURLWithPath: small)) == ["filler"], "\(arguments): a partial output or a temporary")
            try FileManager.default.removeItem(atPath: small + "/filler")
        }
        // A read-only file system (root writes through any folder's mode bits, so the folder is
        // made read-only by remounting): one line, exit 2, nothing written.
        guard try runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "mount -o remount,ro '\(small)'"]).status == 0 else { return }
        for arguments in [["quantize", "e4m3fn", "--input", big, "--output", small + "/codes.npy"],
                          ["quantize", "mxfp4", "--input", big, "--output-dir", small + "/blocks"]] {
            let r = try runMinifloat(arguments)
            #expect(r.status == 2 && r.stderr.hasPrefix("minifloat: error: ") && r.stderr.split(separator: "\n").count == 1
                    && r.stderr.contains("Read-only file system"), "\(arguments): \(r.status) \(r.stderr)")
            #expect(try contents(URL(fileURLWithPath: small)).isEmpty)
        }
    }

    /// `verify --max-report` far beyond the mismatches: peak memory stays near that of a small
    /// report (the details are streamed). 2^16 mismatches with their details held at once took
    /// about 3.5 KB each, over 200 MB; streamed, the whole process stays under 150 MB.
    @Test func verifyMemoryDoesNotGrowWithMaxReport() throws {
        let dir = try folder()
        let n = 1 << 16
        let xs = (0..<n).map { Float($0 % 200) + 0.5 }
        let input = dir.appendingPathComponent("in.npy").path, claimed = dir.appendingPathComponent("zeros.npy").path
        try xs.withUnsafeBytes { try ArrayOutput.write($0, header: NpyHeader(elementType: .float32, shape: [n]), to: input) }
        try [UInt8](repeating: 0, count: n).withUnsafeBytes {
            try ArrayOutput.write($0, header: NpyHeader(elementType: .uint8, shape: [n]), to: claimed)
        }
        // Measured by GNU time (its child is forked from a small process): a child spawned from
        // this test process would report this process's own peak, recorded when it execs.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else { return }
        let r = try runProcess(URL(fileURLWithPath: "/usr/bin/time"),
                               ["-f", "%M", try builtProduct("minifloat").path, "verify", "e4m3fn", "--input", input, "--claimed", claimed,
                                "--max-report", "1000000000", "--report", dir.appendingPathComponent("r.json").path])
        #expect(r.status == 1, "verify reports mismatches with status 1: \(r.stderr.suffix(300))")
        let peakKB = Int(r.stderr.split(separator: "\n").last.map(String.init) ?? "") ?? Int.max
        #expect(peakKB < 150 * 1024, "verify peaked at \(peakKB) KB")
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("r.json"))) as? [String: Any]
        #expect((report?["mismatches"] as? [Any])?.count == n)
    }

    /// Every byte string survives the trip through a String, and UTF-8 text is itself.
    @Test func pathBytesRoundTrip() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<2000 {
            let bytes = (0..<(length % 24)).map { _ in UInt8.random(in: 1...255, using: &generator) }
            #expect(PathBytes.bytes(PathBytes.string(bytes)) == bytes, "\(bytes)")
        }
        for text in ["plain.npy", "Größe/データ.npy", "emoji 🙂.txt", "\u{F780}\u{F7FF} private"] {
            #expect(PathBytes.bytes(PathBytes.string(Array(text.utf8))) == Array(text.utf8))
        }
        #expect(PathBytes.string(Array("Größe/データ.npy".utf8)) == "Größe/データ.npy")
    }

    /// An input truncated by another process while it is memory-mapped: one line, exit 2, no output
    /// and no temporary (it was SIGBUS and a crash report, with the temporary left behind).
    @Test func anInputTruncatedWhileReadIsReported() throws {
        let dir = try folder()
        let codes = dir.appendingPathComponent("codes.npy").path
        let bytes = (0..<(1 << 24)).map { UInt8(truncatingIfNeeded: $0 % 126) }
        try bytes.withUnsafeBytes { try ArrayOutput.write($0, header: NpyHeader(elementType: .uint8, shape: [bytes.count]), to: codes) }
        let process = Process()
        process.executableURL = try builtProduct("minifloat")
        // 2^24 exact decimals as text: seconds of work, reading the input chunk by chunk.
        process.arguments = ["decode", "e4m3fn", "--input", codes, "--output", dir.appendingPathComponent("values.txt").path]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var writing = false
        for _ in 0..<2000 where !writing {
            writing = try contents(dir).contains { $0.hasPrefix(".minifloat-") }
            if !writing { usleep(2000) }
        }
        #expect(writing, "the output was seen in progress")
        #expect(truncate(codes, 128) == 0)  // the header alone
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 2, "\(process.terminationStatus): \(message)")
        #expect(message.hasPrefix("minifloat: error: '") && message.contains("codes.npy' shrank while it was being read")
                && message.split(separator: "\n").count == 1, "\(message)")
        #expect(try contents(dir) == ["codes.npy", "x.npy"], "neither the temporary nor a partial output")
    }

    /// Spawns `arguments` with SIGTERM's default action and unblocked (a test runner may ignore or
    /// block it, and both survive exec; minifloat then leaves an ignored signal alone, as it should).
    static func spawnWithDefaultSignals(_ arguments: [String]) -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigmask(&attributes, &unblocked)  // nor blocked, as a test runner's threads may have it
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        #expect(posix_spawn(&pid, arguments[0], nil, &attributes, &argv, environ) == 0)
        return pid
    }

    @Test func aTerminatedWriteLeavesNoTemporary() throws {
        let dir = try folder()
        // 2^24 values written as text: long enough to be stopped in the middle.
        let big = dir.appendingPathComponent("big.npy").path
        let values = [Float](repeating: 0.3, count: 1 << 24)
        try values.withUnsafeBytes { try ArrayOutput.write($0, header: NpyHeader(elementType: .float32, shape: [values.count]), to: big) }
        let arguments = [try builtProduct("minifloat").path, "quantize", "e4m3fn", "--input", big,
                         "--output", dir.appendingPathComponent("big.txt").path]
        let pid = Self.spawnWithDefaultSignals(arguments)
        var sawTemporary = false
        for _ in 0..<400 {
            if try contents(dir).contains(where: { $0.hasPrefix(".minifloat-") }) { sawTemporary = true; break }
            usleep(5000)
        }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        #expect(sawTemporary, "the write was seen in progress")
        // Killed by SIGTERM (status & 0x7f is the signal), or finished first (then big.txt is complete).
        let signalled = status & 0x7F == SIGTERM
        #expect(signalled, "2^24 values as text take over a second; the signal arrived first")
        let left = try contents(dir)
        #expect(left == (signalled ? ["big.npy", "x.npy"] : ["big.npy", "big.txt", "x.npy"]),
                "neither the temporary nor a partial output: \(left)")
    }

    /// A signal that arrives as the temporary is being created (right after mkstemp, before the
    /// file is registered for removal) removes it too: 100 processes stopped the moment their
    /// temporary appears. (Before the signals were blocked around the creation, 2 to 7 of 300 such
    /// runs left their temporary on a 2-core VM.)
    @Test func aSignalAsTheTemporaryAppearsRemovesIt() throws {
        let dir = try folder()
        let input = dir.appendingPathComponent("in.npy").path
        let values = [Float](repeating: 0.3, count: 1 << 20)
        try values.withUnsafeBytes { try ArrayOutput.write($0, header: NpyHeader(elementType: .float32, shape: [values.count]), to: input) }
        let out = dir.appendingPathComponent("out")
        var leftBehind = 0, stopped = 0
        for _ in 0..<100 {
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            let pid = Self.spawnWithDefaultSignals([try builtProduct("minifloat").path, "quantize", "e4m3fn", "--input", input,
                                                    "--output", out.appendingPathComponent("o.txt").path])
            var status: Int32 = 0, exited = false
            for _ in 0..<1_000_000 {
                if try contents(out).contains(where: { $0.hasPrefix(".minifloat-") }) { break }
                if waitpid(pid, &status, WNOHANG) == pid { exited = true; break }  // finished or failed first
            }
            if !exited {
                kill(pid, SIGTERM)
                waitpid(pid, &status, 0)
            }
            if status & 0x7F == SIGTERM { stopped += 1 }
            if try contents(out).contains(where: { $0.hasPrefix(".minifloat-") }) { leftBehind += 1 }
            try FileManager.default.removeItem(at: out)
        }
        #expect(leftBehind == 0 && stopped >= 90, "\(leftBehind) temporaries left behind; \(stopped) of 100 stopped by the signal")
    }

    @Test func windowsAndByteOrderMarkedTextIsRead() throws {
        let dir = try folder()
        let unix = dir.appendingPathComponent("unix.txt").path, windows = dir.appendingPathComponent("windows.txt").path
        let mac = dir.appendingPathComponent("cr.txt").path
        try Data("1.5\n0.1\n# a comment\n-448\n".utf8).write(to: URL(fileURLWithPath: unix))
        try Data([0xEF, 0xBB, 0xBF] + Array("1.5\r\n0.1\r\n# a comment\r\n-448\r\n".utf8)).write(to: URL(fileURLWithPath: windows))
        try Data("1.5\r0.1\r# a comment\r-448".utf8).write(to: URL(fileURLWithPath: mac))
        let expected = try runMinifloat(["quantize", "e4m3fn", "--input", unix])
        #expect(expected.status == 0 && expected.stdout.split(separator: "\n").count == 3, "\(expected.stderr)")
        for path in [windows, mac] {
            let r = try runMinifloat(["quantize", "e4m3fn", "--input", path])
            #expect(r.status == 0 && r.stdout == expected.stdout, "\(path): \(r.stderr)")
        }
    }

    @Test func theLibraryRefusesWhatTheCommandRefuses() throws {
        let dir = try folder()
        #expect(throws: ArrayFileError.self) { try ArrayOutput.write([1, 2, 3], to: dir.path) }
        let x = dir.appendingPathComponent("x.npy").path
        #expect(throws: ArrayFileError.self) {
            try FileIdentity.checkDistinct(inputs: [("in", x)], outputs: [("out", dir.appendingPathComponent("./x.npy").path)])
        }
        try FileIdentity.checkDistinct(inputs: [("in", x)], outputs: [("out", "/dev/null"), ("other", "/dev/null")])
        #expect(FileIdentity(path: x) == FileIdentity(path: dir.path + "/../" + dir.lastPathComponent + "/x.npy"))
    }
}
