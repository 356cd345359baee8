import Foundation
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

    @Test func aTerminatedWriteLeavesNoTemporary() throws {
        let dir = try folder()
        // 2^24 values written as text: long enough to be stopped in the middle.
        let big = dir.appendingPathComponent("big.npy").path
        let values = [Float](repeating: 0.3, count: 1 << 24)
        try values.withUnsafeBytes { try ArrayOutput.write($0, header: NpyHeader(elementType: .float32, shape: [values.count]), to: big) }
        // Spawned with SIGTERM's default action and unblocked (a test runner may ignore or block it,
        // and both survive exec; minifloat then leaves an ignored signal alone, as it should).
        let arguments = [try builtProduct("minifloat").path, "quantize", "e4m3fn", "--input", big,
                         "--output", dir.appendingPathComponent("big.txt").path]
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
        #expect(try contents(dir) == (signalled ? ["big.npy", "x.npy"] : ["big.npy", "big.txt", "x.npy"]),
                "neither the temporary nor a partial output")
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
