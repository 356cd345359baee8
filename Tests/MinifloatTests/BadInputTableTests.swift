import Foundation
import Minifloat
import MinifloatIO
import Testing

/// Every command of the tool against malformed input: bad numbers, unknown formats, bad option
/// combinations, corrupted files, missing files, unwritable output paths. Each must exit with
/// status 2, print nothing on stdout and one line on stderr naming the problem, and leave no file
/// at the output path.
@Suite("Bad input, every command")
struct BadInputTableTests {
    static let cases: [(String, String)] = [
        // formats, table
        ("formats --bogus", "--bogus"),
        ("table e4m3nf", "did you mean"),
        ("table mxfp4", "'mxfp4' is a block format; this command takes element formats (its elements are e2m1fn)"),
        ("quantize e4m3fn 1e1000000", "exponent has 7 digits"),
        ("quantize e4m3b100000000 1", "bias 100000000 is out of range"),
        ("table binary32", "at most 16 bits"),
        // quantize (scalars and arrays)
        ("quantize e4m3fn 0.1.2", "malformed number"),
        ("quantize e4m3fn 1e9999999", "the exponent has 7 digits"),
        ("quantize nosuch 1", "unknown format"),
        ("quantize e4m3fn", "at least one value"),
        ("quantize e4m3fn 1 --rounding up", "unknown rounding"),
        ("quantize e4m3fn 1 --rounding rne --random 3", "only to stochastic"),
        ("quantize e4m3fn 1 --saturation none", "unknown saturation"),
        ("quantize e4m3fn 1 --output OUT", "--input"),
        ("quantize e4m3fn --input MISSING --output OUT", "cannot read"),
        ("quantize e4m3fn --input CORRUPT --output OUT", "not a valid .npy"),
        ("quantize e4m3fn --input CODES --output OUT", "integers"),
        ("quantize e4m3fn --input FLOATS --output UNWRITABLE", "cannot write"),
        ("quantize e4m3fn --input FLOATS --output OUT --packed", "4-bit"),
        ("quantize e4m3fn --input FLOATS --output OUT --threads 0", "--threads"),
        ("quantize e4m3fn --input TEXT --output OUT --rounding srb --random-bits 4", "--seed"),
        ("quantize e4m3fn --input BADTEXT --output OUT", "line 2"),
        // decode
        ("decode e4m3fn 0x100", "out of range"),
        ("decode e4m3fn 12z", "malformed code"),
        ("decode e4m3fn --input FLOATS --output OUT", "integer codes"),
        ("decode e2m1fn --input CODES --output OUT", "out of range"),
        ("decode e4m3fn --input CODES --output OUT --output-dtype i8", "f32 or f64"),
        ("decode e4m3fn --input CORRUPT --output OUT", "not a valid .npy"),
        ("decode e4m3fn --input CODES --output UNWRITABLE", "cannot write"),
        // verify
        ("verify e4m3fn --input FLOATS --claimed SHORT --report OUT", "holds 3 elements"),
        ("verify e4m3fn --input FLOATS --claimed CORRUPT --report OUT", "not a valid .npy"),
        ("verify e4m3fn --input MISSING --claimed CODES --report OUT", "cannot read"),
        ("verify e4m3fn --input FLOATS --claimed CODES --profile ocp --report OUT", "unknown profile"),
        ("verify e4m3fn --input FLOATS --claimed CODES --max-report -1 --report OUT", "--max-report"),
        ("verify e4m3fn --input FLOATS --claimed CODES --report UNWRITABLE", "cannot write"),
        ("verify e4m3fn --input FLOATS --claimed CODES --claimed-as bytes --report OUT", "--claimed-as"),
        // gen
        ("gen e4m3fn --output OUT --level 0", "--level"),
        ("gen e4m3fn --output OUT --from i8", "unknown --from"),
        ("gen e4m3fn --output UNWRITABLE", "cannot write"),
        ("gen e4m3nf --output OUT", "did you mean"),
        // bench, sweep
        ("bench --elements 0", "--elements"),
        ("bench --elements 100 --dump-inputs UNWRITABLE", "cannot write"),
        ("sweep e4m3fn --from f64", "unknown source type"),
        ("sweep e4m3fn --rounding srb", "deterministic"),
        // fpq
        ("fpq quantize --format e2m1 1", "--bias B or --maxval M"),
        ("fpq quantize --format e9m9 --bias 1 1", "unknown LLM-FP4 format"),
        ("fpq quantize --format e2m1 --bias 1 abc", "malformed number"),
        ("fpq search --weights MISSING --activations MATRIX", "cannot read"),
        ("fpq search --weights MATRIX --activations CORRUPT", "not a valid .npy"),
        ("fpq search --weights FLOATS --activations MATRIX", "2-D"),
        ("fpq fold --weights MATRIX --activations MATRIX --out UNWRITABLE", "cannot create"),
        ("fpq demo --tokens 0", "--tokens"),
        // sizes that overflow or exhaust memory, inputs that would block
        ("decode e2m1fn --input SHORT --packed --count 9223372036854775807 --output OUT", "--count 9223372036854775807 needs"),
        ("bench --elements 9223372036854775807", "--elements must be 1 to"),
        ("bench --elements 1099511627776", "--elements must be 1 to"),
        ("quantize e4m3fn --input FIFO --output OUT", "not a regular file"),
        ("verify e4m3fn --input FLOATS --claimed FIFO", "not a regular file"),
        ("quantize e4m3fn --input LONGPATH --output OUT", "check the path"),
    ]

    @Test func everyCommand() throws {
        let directory = NSTemporaryDirectory() + "minifloat-bad-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let floats = try writeNpy([Float](repeating: 1.5, count: 6), .float32, shape: [6])
        let short = try writeNpy([UInt8](repeating: 0x38, count: 3), .uint8)
        let codes = try writeNpy([UInt8](repeating: 0x7E, count: 6), .uint8)
        let matrix = try writeNpy([Float](repeating: 0.5, count: 4), .float32, shape: [2, 2])
        let corrupt = directory + "/corrupt.npy"
        try Data("\u{93}NUMPY\u{01}\u{00}\u{ff}\u{ff}{'descr'".utf8).write(to: URL(fileURLWithPath: corrupt))
        let text = directory + "/values.txt", badText = directory + "/bad.txt"
        try "1.5\n2.5\n".write(toFile: text, atomically: true, encoding: .utf8)
        try "1.5\nzwei\n".write(toFile: badText, atomically: true, encoding: .utf8)
        defer { for p in [floats, short, codes, matrix] { try? FileManager.default.removeItem(atPath: p) } }
        let fifo = directory + "/fifo.npy"
        #expect(mkfifo(fifo, 0o600) == 0)
        let longPath = directory + "/" + String(repeating: "x", count: 120_000) + ".npy"
        let out = directory + "/out.npy"
        let substitutions = ["FLOATS": floats, "SHORT": short, "CODES": codes, "MATRIX": matrix, "CORRUPT": corrupt,
                             "TEXT": text, "BADTEXT": badText, "MISSING": directory + "/missing.npy", "OUT": out,
                             "UNWRITABLE": "/nonexistent-directory/out.npy", "FIFO": fifo, "LONGPATH": longPath]
        let minifloat = try builtProduct("minifloat").path
        for (line, mentions) in Self.cases {
            let arguments = line.split(separator: " ").map { substitutions[String($0)] ?? String($0) }
            // Under a watchdog: a command that blocks (a FIFO) or takes quadratic time fails, not hangs.
            let r = try runProcess(URL(fileURLWithPath: "/usr/bin/timeout"), ["60", minifloat] + arguments)
            #expect(r.status == 2, "\(line): status \(r.status)")
            #expect(r.stderr.count <= 1100, "\(line): a message of \(r.stderr.count) characters")
            #expect(r.stdout.isEmpty, "\(line): stdout \(r.stdout)")
            #expect(r.stderr.hasPrefix("minifloat: error: ") && r.stderr.split(separator: "\n").count == 1
                    && r.stderr.contains(mentions), "\(line): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out), "\(line) wrote \(out)")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("out.npy") }
            #expect(leftovers.isEmpty, "\(line) left \(leftovers)")
        }
    }

    /// Command-line fuzzing: random argument lists drawn from a pool of subcommands, formats,
    /// options and hostile values (seeded, so a failure repeats). Every run ends under the
    /// watchdog with status 0, 1 (verify found mismatches) or 2, never by a signal; a status-2 run
    /// prints exactly one line on stderr, nothing on stdout, and writes no file.
    @Test func randomArgumentsKeepTheContract() throws {
        let directory = NSTemporaryDirectory() + "minifloat-argfuzz-\(UUID().uuidString)"
        let out = directory + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let floats = try writeNpy([Float(1.5), -0.1, .nan, 1e30], .float32, shape: [2, 2])
        let codes = try writeNpy([UInt8(0x38), 0x7F, 0x00, 0x01], .uint8, shape: [2, 2])
        defer { for p in [floats, codes] { try? FileManager.default.removeItem(atPath: p) } }
        let commands = [["quantize"], ["decode"], ["verify"], ["table"], ["formats"], ["gen"], ["fpq", "quantize"]]
        let formats = ["e4m3fn", "e5m2", "e2m1fn", "e8m0", "mxfp4", "nvfp4", "mxint8", "e4m3b1000000", "e21m0", "binary16",
                       "e4m3nf", "", "ue4m3", "e2m1", "binary8p3se", "float8_e4m3fnuz"]
        let options = ["--input", "--output", "--claimed", "--report", "--rounding", "--saturation", "--random-bits", "--seed",
                       "--axis", "--block-size", "--tensor-scale", "--packed", "--count", "--threads", "--max-report", "--json",
                       "--exact-decimal", "--from", "--level", "--bias", "--maxval", "--format", "--output-dir", "--input-dir",
                       "--profile", "--raw-dtype", "--input-dtype", "--claimed-as", "--scale-rule", "--", "-", "--bogus"]
        let values = ["0.1", "-1.5", "1e1000000", "0x1p-149", "2^-127", "1.5 * 2^-130", "nan", "-inf", "1/0", "0x7e", "-1",
                      "9223372036854775807", "-9223372036854775808", "rne", "srb", "satfinite", "ocp-saturating", "f32", "u8",
                      "", " ", "\u{FEFF}1", "1\n2", String(repeating: "9", count: 5000), "../", "/dev/null", floats, codes,
                      out + "/a.npy", out + "/b.txt", out + "/dir", out, directory + "/missing.npy", "é", "\u{202E}x"]
        var rng = SplitMix64(seed: 20261127)
        func pick<T>(_ a: [T]) -> T { a[Int(rng.next() % UInt64(a.count))] }
        let minifloat = try builtProduct("minifloat").path
        for run in 0..<300 {
            var arguments = pick(commands)
            if arguments != ["formats"] { arguments.append(pick(formats)) }
            for _ in 0..<Int(rng.next() % 6) {
                switch rng.next() % 3 {
                case 0: arguments.append(pick(values))
                default: arguments += [pick(options), pick(values)]
                }
            }
            let r = try runProcess(URL(fileURLWithPath: "/usr/bin/timeout"), ["60", minifloat] + arguments)
            let line = "run \(run): \(arguments.map { $0.count > 40 ? String($0.prefix(40)) + "..." : $0 })"
            #expect([0, 1, 2].contains(r.status), "\(line): status \(r.status) \(r.stderr.prefix(300))")
            if r.status == 2 {
                #expect(r.stdout.isEmpty, "\(line): stdout \(r.stdout.prefix(200))")
                #expect(r.stderr.hasPrefix("minifloat: error: ") && r.stderr.split(separator: "\n").count == 1
                        && r.stderr.count <= 1100, "\(line): \(r.stderr.prefix(300))")
                let left = try FileManager.default.contentsOfDirectory(atPath: out)
                #expect(left.isEmpty, "\(line) wrote \(left)")
            }
            for name in try FileManager.default.contentsOfDirectory(atPath: out) {
                try FileManager.default.removeItem(atPath: out + "/" + name)
            }
        }
    }
}
