import Foundation
import Minifloat
import MinifloatOracle
import Testing

/// A product SwiftPM built next to the test bundle (the `minifloat` executable, libMinifloatC.so).
func builtProduct(_ name: String) throws -> URL {
    let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidates = [bundleDirectory, bundleDirectory.deletingLastPathComponent()].map { $0.appendingPathComponent(name) }
    return try #require(candidates.first { FileManager.default.fileExists(atPath: $0.path) },
                        "\(name) not found near \(bundleDirectory.path)")
}

/// Runs a program and returns its exit status, standard output and standard error.
/// `environment` adds to (or replaces variables of) this process's environment.
func runProcess(_ executable: URL, _ arguments: [String],
                environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let out = Pipe(), err = Pipe()
    process.standardInput = FileHandle.nullDevice  // a command that reads standard input sees its end
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, stdout, stderr)
}

/// Runs the built `minifloat` executable.
func runMinifloat(_ arguments: [String],
                  environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
    try runProcess(builtProduct("minifloat"), arguments, environment: environment)
}

@Suite("Command line")
struct CommandLineTests {
    @Test func helpTextsReadCleanly() throws {
        for command in [["quantize"], ["decode"], ["verify"], ["gen"], ["formats"], ["table"], ["bench"], ["sweep"],
                        ["conformance"], ["fpq", "quantize"], ["fpq", "search"], ["fpq", "fold"], ["fpq", "demo"]] {
            let r = try runMinifloat(command + ["--help"])
            #expect(r.status == 0, "\(command)")
            let text = r.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(!r.stdout.split(separator: "\n").contains { $0.hasSuffix("\\") }, "\(command): a stray backslash")
            #expect(text.range(of: #"\(default [^)]*\)[^(]{0,40}\(default:"#, options: .regularExpression) == nil,
                    "\(command): a default printed twice")
            #expect(!text.contains("MXFP"), "\(command): format names upper-cased in a heading")
        }
        // Options that do nothing for decode are not offered.
        let decode = try runMinifloat(["decode", "--help"]).stdout
        #expect(!decode.contains("--scale-rule") && !decode.contains("--specials") && decode.contains("--tensor-scale"))
    }

    @Test func tensorScaleFromTheFileQuantizeWrote() throws {
        let dir = NSTemporaryDirectory() + "minifloat-ts-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try runMinifloat(["quantize", "nvfp4", "1.5", "-3", "100", "0.25", "--output-dir", dir]).status == 0)
        let fromFile = try runMinifloat(["decode", "nvfp4", "--scales", dir + "/scales.npy", "--elements", dir + "/elements.npy",
                                         "--packed", "--tensor-scale", dir + "/tensor_scale.npy"])
        let fromFolder = try runMinifloat(["decode", "nvfp4", "--input-dir", dir])
        #expect(fromFile.status == 0 && fromFile.stdout == fromFolder.stdout && !fromFile.stdout.isEmpty, "\(fromFile.stderr)")
        let wrong = try runMinifloat(["decode", "nvfp4", "--scales", dir + "/scales.npy", "--elements", dir + "/elements.npy",
                                      "--packed", "--tensor-scale", dir + "/scales.npy"])
        #expect(wrong.status == 2 && wrong.stderr.contains("one-element float32"), "\(wrong.stderr)")
    }

    @Test func standardInputAndOutput() throws {
        let minifloat = try builtProduct("minifloat").path
        func sh(_ script: String) throws -> (status: Int32, stdout: String, stderr: String) {
            try runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", script])
        }
        // Values from standard input when none are given (CRLF too), as if given as arguments.
        let piped = try sh("printf '0.1\\r\\n2.125\\n-inf\\n' | '\(minifloat)' quantize e4m3fn")
        let given = try runMinifloat(["quantize", "e4m3fn", "0.1", "2.125", "-inf"])
        #expect(piped.status == 0 && piped.stdout == given.stdout, "\(piped.stderr)")
        // Blank-separated values on a line, a product kept whole; the same for block formats, codes
        // to decode and fpq quantize.
        for (script, command, values) in [
            ("echo '0.1 2.125'; echo ' 1.5 * 2^-9'", ["quantize", "e4m3fn"], ["0.1", "2.125", "1.5 * 2^-9"]),
            ("echo '1 2.5 -6'", ["quantize", "mxfp4"], ["1", "2.5", "-6"]),
            ("echo '0x7e 1'", ["decode", "e4m3fn"], ["0x7e", "1"]),
            ("echo '2.5 0.25'", ["fpq", "quantize", "--format", "e2m1", "--bias", "1"], ["2.5", "0.25"]),
        ] {
            let p = try sh("(\(script)) | '\(minifloat)' " + command.joined(separator: " "))
            let g = try runMinifloat(command + values)
            #expect(p.status == 0 && g.status == 0 && p.stdout == g.stdout, "\(script): \(p.stdout)\(p.stderr)")
        }
        // --input - and --output -: text in, .npy out; .npy in (told by its magic).
        let dir = NSTemporaryDirectory() + "minifloat-stdio-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try sh("printf '0.1\\n448.5\\n' | '\(minifloat)' quantize e4m3fn --input - --output - > '\(dir)/q.npy'")
        #expect(r.status == 0, "\(r.stderr)")
        let q = try Data(contentsOf: URL(fileURLWithPath: dir + "/q.npy"))
        #expect(q.starts(with: [0x93] + Array("NUMPY".utf8)) && Array(q.suffix(2)) == [0x1D, 0x7E])
        let d = try sh("cat '\(dir)/q.npy' | '\(minifloat)' decode e4m3fn --input -")
        #expect(d.status == 0 && d.stdout.contains("0.1015625") && d.stdout.contains("448"), "\(d.stderr)")
        // Nothing on standard input: the usual message.
        let none = try runMinifloat(["quantize", "e4m3fn"])
        #expect(none.status == 2 && none.stderr.contains("give at least one value"))
    }

    @Test func quantizeJSON() throws {
        let r = try runMinifloat(["quantize", "e4m3fn", "464", "464.0001", "-inf", "--json"])
        #expect(r.status == 0)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["code"] as? Int } == [0x7E, 0x7F, 0xFF])
        // -inf under SatNone is E4M3's NaN with the sign bit set (0xff), printed with its sign.
        #expect(rows.map { $0["value"] as? String } == ["448", "nan", "-nan"])
        #expect(rows.map { $0["class"] as? String } == ["normal", "nan", "nan"])
    }

    @Test func quantizeFromHalf() throws {
        // 0.1 as a Float16 is 1638/16384 = 0.0999755859375; in e4m3fn (step 2^-7 in [2^-4, 2^-3))
        // that is 12.796875 steps -> 13 -> 13/128 = 0.1015625, code 0x1D.
        let r = try runMinifloat(["quantize", "e4m3fn", "0.1", "--from", "f16", "--json"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("\"code\":29") && r.stdout.contains("\"value\":\"0.1015625\"")
                && r.stdout.contains("\"source_value\":\"0.0999755859375\""))
    }

    @Test func decodeAndTable() throws {
        let d = try runMinifloat(["decode", "e2m1fn", "0xf", "0x1", "--json"])
        #expect(d.status == 0 && d.stdout.contains("\"value\":\"-6\"") && d.stdout.contains("\"value\":\"0.5\""))
        let t = try runMinifloat(["table", "e2m1fn", "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(t.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 16)
    }

    /// Long exact decimals print short in text (`2^-127`), in full with --exact-decimal and in JSON,
    /// and formats with huge biases print at once (under a watchdog: the full decimals of these
    /// values have a million digits, which took tens of seconds each when built digit by digit).
    @Test func shortExactNotationInEveryCommand() throws {
        let full127 = Rational.powerOfTwo(-127).exactDecimalString!
        let cases: [([String], String)] = [
            (["decode", "e8m0", "0"], "value=2^-127"),
            (["decode", "e8m0", "0", "--exact-decimal"], "value=\(full127)"),
            (["decode", "e8m0", "0", "--json"], "\"value\":\"\(full127)\""),
            (["quantize", "e8m0", "2^-127"], "value=2^-127"),
            (["quantize", "e8m0", "1.75 * 2^-127"], "value=2^-126"),  // above the midpoint 1.5 * 2^-127
            (["table", "e8m0"], "0x00\tnormal\t2^-127\t2^-127"),
            (["table", "e8m0", "--exact-decimal"], "0x00\tnormal\t1/\(Rational.powerOfTwo(127))\t\(full127)"),
            (["formats"], "e8m0fnu\t8\t8\t0\t127\tfn (NaN at all ones, no Inf)\t170141183460469231731687303715884105728\t2^-127"),
            (["decode", "e21m0", "0x1"], "value=2^-1048574"),
            (["quantize", "e4m3b1000000", "1"], "value=1.875 * 2^-999985"),
            (["table", "e4m3b1000000"], "0xff\tnormal\t-1.875 * 2^-999985\t-1.875 * 2^-999985"),
        ]
        let minifloat = try builtProduct("minifloat").path
        for (arguments, expected) in cases {
            let r = try runProcess(URL(fileURLWithPath: "/usr/bin/timeout"), ["60", minifloat] + arguments)
            #expect(r.status == 0 && r.stdout.contains(expected), "\(arguments): \(r.stdout.prefix(300)) \(r.stderr)")
        }
    }

    /// Shell completion offers format names, modes, profiles and scale rules, not only subcommands.
    @Test func completionOffersNames() throws {
        for shell in ["bash", "zsh", "fish"] {
            let r = try runMinifloat(["--generate-completion-script", shell])
            #expect(r.status == 0, "\(shell): \(r.stderr)")
            for word in ["e4m3fn", "float8_e5m2", "mxfp4", "nvfp4", "satfinite", "srb", "ocp-saturating", "ties-up"] {
                #expect(r.stdout.contains(word), "\(shell) completion lacks \(word)")
            }
        }
    }

    @Test func sweepJSON() throws {
        let r = try runMinifloat(["sweep", "e2m1fn,e4m3fnuz", "--from", "f16", "--rounding", "rne,rtz", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let runs = r.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(runs.count == 4)
        #expect(runs.allSatisfy { $0["checked"] as? Int == 65536 && $0["mismatches"] as? Int == 0 })
        #expect(runs.map { $0["format"] as? String } == ["e2m1fn", "e2m1fn", "e4m3fnuz", "e4m3fnuz"])
    }

    @Test func benchJSON() throws {
        let r = try runMinifloat(["bench", "--elements", "4096", "--repeat", "1", "--threads", "2", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let results = try #require(report["results"] as? [[String: Any]])
        #expect(results.count == 46)
        let names = results.compactMap { $0["case"] as? String }
        #expect(["mxfp4", "mxfp8_e4m3", "mxfp6_e2m3", "mxint8", "nvfp4"].allSatisfy { block in names.contains { $0.contains(block) } })
        #expect(["mxfp4 (32) -> f32", "mxfp8_e4m3 (32) -> f32", "nvfp4 (16, tensor scale given) -> f32"].allSatisfy(names.contains))
        // f64 cases are compared with the float64 floor, the others with the float32 one.
        func row(_ name: String) -> [String: Any]? { results.first { ($0["case"] as? String)?.hasPrefix(name) == true } }
        let floor64 = try #require(row("floor: read f64")?["ns_per_element"] as? Double)
        let f64 = try #require(row("f64 -> e4m3fn"))
        let floor32 = try #require(row("floor: read f32")?["ns_per_element"] as? Double)
        let f32 = try #require(row("f32 -> e4m3fn rne"))
        // (JSON numbers are printed to a few significant digits.)
        func close(_ a: Double?, _ b: Double) -> Bool { abs((a ?? 0) / b - 1) < 0.01 }
        #expect(close(f64["ratio_to_floor"] as? Double, (f64["ns_per_element"] as? Double ?? 0) / floor64))
        #expect(close(f32["ratio_to_floor"] as? Double, (f32["ns_per_element"] as? Double ?? 0) / floor32))
        #expect(results.allSatisfy { ($0["ns_per_element"] as? Double ?? -1) > 0 })
        #expect(report["threads"] as? Int == 2)
    }

    /// `--` ends the options; negative option values work as typed; `--version`.
    @Test func commandLineConventions() throws {
        let f = Format.e4m3fn
        let dashes = try runMinifloat(["quantize", "e4m3fn", "--json", "--", "-1.5", "0.3", "-inf"])
        #expect(dashes.status == 0, "\(dashes.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(dashes.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["code"] as? Int } == [-1.5, 0.3, -Double.infinity].map { Int(oracleCode($0, f, .nearestTiesToEven, .satNone)) })
        // --bias -1: E2M1 with bias -1 has values 4 times those of bias 1; 2.5 rounds to 2 (code 0x01) there.
        let bias = try runMinifloat(["fpq", "quantize", "--format", "e2m1", "--bias", "-1", "2.5"])
        #expect(bias.status == 0 && bias.stdout.contains("bias=-1") && bias.stdout.contains("code=0x01"), "\(bias.stdout)\(bias.stderr)")
        // --axis -1 is the documented default: the same as not giving it.
        let axis = try runMinifloat(["quantize", "mxfp4", "--axis", "-1", "1", "2", "3"])
        let noAxis = try runMinifloat(["quantize", "mxfp4", "1", "2", "3"])
        #expect(axis.status == 0 && axis.stdout == noAxis.stdout, "\(axis.stderr)")
        // One version: the tool's and CITATION.cff's.
        let version = try runMinifloat(["--version"])
        let citation = try String(contentsOfFile: CLibraryTests.packageRoot.path + "/CITATION.cff", encoding: .utf8)
        let cited = try #require(citation.split(separator: "\n").first { $0.hasPrefix("version:") })
        #expect(version.status == 0 && cited == "version: \"\(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines))\"")
    }

    @Test("bad input: one line on stderr, exit status 2, nothing on stdout", arguments: [
        (["quantize", "e4m3nf", "1"], "e4m3fn"),
        (["quantize", "e4m3fn", "abc"], "malformed number"),
        (["decode", "e4m3fn", "256"], "out of range"),
        (["decode", "e4m3fn", "0xzz"], "malformed code"),
        (["quantize", "e4m3fn", "1", "--rounding", "sra"], "--random-bits"),
        (["quantize", "e4m3fn", "1", "--rounding", "sra", "--random-bits", "2", "--random", "4"], "does not fit"),
        (["quantize", "e4m3fn", "1", "--saturation", "clamp"], "unknown saturation"),
        (["quantize", "e4m3fn", "1", "--from", "f8"], "unknown --from"),
        (["table", "binary32"], "at most 16 bits"),
        (["formats", "--bogus"], "--bogus"),
        (["sweep", "e4m3fn", "--rounding", "sra"], "deterministic"),
        (["sweep", "e4m3fn", "--from", "f64"], "unknown source type"),
        (["sweep", "e4m3nf", "--from", "f16"], "e4m3fn"),
        (["sweep", "e4m3fn", "--threads", "0"], "--threads"),
        (["bench", "--elements", "0"], "--elements"),
        (["bench", "--elements", "1000", "--dump-inputs", "/nonexistent-dir/z.f32"], "cannot write"),
        (["quantize", "e4m3fn", "1", "--saturaton", "satfinite"], "unknown option '--saturaton'; did you mean '--saturation'?"),
        (["quantize", "e4m3fn", "1", "-x"], "unknown option '-x'"),
        (["fpq", "quantize", "--format", "e2m1", "--bias", "1", "2.5", "--jsn"], "did you mean '--json'?"),
        (["quantise", "e4m3fn", "1"], "unknown command 'quantise'; did you mean 'quantize'?"),
        (["verfy", "e4m3fn"], "did you mean 'verify'?"),
        (["quantize", "e4m3fn", "1.5", "--rounding", "sra", "--random-bits", "3", "--random", "-3"], "'-3' is invalid"),
        (["bench", "--elements", "-5"], "--elements must be 1 to 268435456 (got -5)"),
    ])
    func badInput(arguments: [String], mentions: String) throws {
        let r = try runMinifloat(arguments)
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && r.stderr.contains(mentions), "\(r.stderr)")
    }
}
