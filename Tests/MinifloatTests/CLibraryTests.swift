import Foundation
import Minifloat
import MinifloatOracle
import Testing

/// Builds Examples/c/example.c against libMinifloatC.so (built next to the test bundle), runs it,
/// and checks every line it prints against the oracle.
@Suite("C library")
struct CLibraryTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Compiles Examples/c/`file` with `cc -Wall -Werror` against lib`library`.so (built next to
    /// the test bundle) and the headers in Sources/`include`/include, runs it, and returns its output.
    static func compileAndRun(_ file: String, library: String, include: String, folder: String = "Examples/c") throws -> String {
        let libraryDirectory = try builtProduct("lib\(library).so").deletingLastPathComponent()
        let binary = NSTemporaryDirectory() + "minifloat-\(file)-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: binary) }
        let root = packageRoot.path
        let (status, _, compileErrors) = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), [
            "cc", "-std=c99", "-Wall", "-Werror", root + "/" + folder + "/" + file, "-I", root + "/Sources/\(include)/include",
            "-L", libraryDirectory.path, "-l\(library)", "-Wl,-rpath," + libraryDirectory.path, "-lm", "-o", binary,
        ])
        #expect(status == 0, "\(compileErrors)")
        let (exitStatus, output, errors) = try runProcess(URL(fileURLWithPath: binary), [])
        #expect(exitStatus == 0, "\(errors)")
        return output
    }

    @Test func formatCacheIsBounded() throws {
        // 5,000 distinct custom names: the process keeps at most 4,096 formats (pointers are never
        // freed), refuses the rest with a message, and the ones it has stay valid.
        let output = try Self.compileAndRun("format_cache.c", library: "MinifloatC", include: "MinifloatC", folder: "Tests/C")
        #expect(output == "ok 4096 refused 904 same 1 name e5m2b-2500\n")
    }

    @Test func exampleProgram() throws {
        let output = try Self.compileAndRun("example.c", library: "MinifloatC", include: "MinifloatC")
        let modes = Dictionary(uniqueKeysWithValues: RoundingMode.deterministic.map { ($0.shortName, $0) })
        let sats: [String: SaturationMode] = ["satnone": .satNone, "satfinite": .satFinite, "satpropagate": .satPropagate]
        var checked = 0
        for line in output.split(separator: "\n") {
            let w = line.split(separator: " ").map(String.init)
            switch w[0] {
            case "encode", "array":
                let f = try Format.named(w[1])
                // %.17g / %.9g print the double or float exactly enough to read it back.
                let x = w[2] == "nan" ? Double.nan : w[2] == "-inf" ? -.infinity : Double(w[2])!
                let want = oracleCode(x, f, modes[w[3]]!, sats[w[4]]!)
                #expect(UInt32(w[5]) == want, "\(line)")
            case "decode":
                let f = try Format.named(w[1])
                let value = Oracle.decode(UInt32(w[2])!, in: f)
                // NaN-ness only: which sign the C library's double carries is its own convention.
                let printedNaN = w[3] == "nan" || w[3] == "-nan"
                #expect(printedNaN ? value.isNaN : value == ExactValue(Double(w[3])!), "\(line)")
            case "error":
                let expectedStatus = ["unknown-format": "2", "code-range": "5", "random": "3", "rounding": "3",
                                      "null": "1", "not-fp4": "7", "array-code-range": "5", "size": "9", "code-width": "6"][w[1]]
                if w[1] == "code-width" { #expect(line.hasSuffix("use 2 or 4"), "\(line)") }
                #expect(w[2] == expectedStatus, "\(line)")
                #expect(w.count > 3, "no message: \(line)")
            default:
                Issue.record("unexpected line \(line)")
            }
            checked += 1
        }
        #expect(checked == 540 + 16 + 14 + 7 + 9)
    }

    /// Builds Examples/c/verify_example.c against libMinifloatVerifyC.so, runs it, and checks its
    /// counts against the oracle: its quantizer rounds ties away from zero, so the mismatches are
    /// exactly the inputs where the oracle's RNA and RNE codes differ.
    @Test func verifyExampleProgram() throws {
        let output = try Self.compileAndRun("verify_example.c", library: "MinifloatVerifyC", include: "CMinifloatVerify")
        let f = Format.e4m3fn
        let xs = (0..<256).map { Double($0 - 128) / 16 }
        let differing = xs.filter { oracleCode($0, f, .nearestTiesToAway, .satNone) != oracleCode($0, f, .nearestTiesToEven, .satNone) }.count
        #expect(differing > 0)
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "status 1")
        #expect(lines.contains("summary 256 \(256 - differing) \(differing)"), "\(output)")
        #expect(lines.contains("  tie-break (matches rna): \(differing)"), "\(output)")
        #expect(lines.contains { $0.hasPrefix("the claims are exactly what e4m3fn rna satnone gives") }, "\(output)")
        #expect(lines.contains("default 1 \(differing)"))
        let json = try #require(lines.first { $0.hasPrefix("json ") }?.dropFirst(5))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(report["mismatching"] as? Int == differing && (report["mismatches"] as? [Any])?.count == 2)
        let errorLines = lines.filter { $0.hasPrefix("error ") }.map { $0.split(separator: " ", maxSplits: 3).map(String.init) }
        #expect(errorLines.map { $0[1] } == ["unknown-format", "null-input", "input-dtype", "claimed-as", "profile", "random-bits"])
        for e in errorLines { #expect(e[2] == "2" && e.count == 4 && !e[3].isEmpty, "\(e)") }
    }
}
