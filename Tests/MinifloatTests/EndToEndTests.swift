import Foundation
import Minifloat
import MinifloatIO
import MinifloatOracle
import MinifloatVerify
import Testing

/// The Python the tests run: the virtual environment python/test.sh makes (.build-python/venv,
/// where it installs ml_dtypes from PyPI), else `python3` on the PATH.
let pythonCommand: [String] = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let venv = root.appendingPathComponent(".build-python/venv/bin/python").path
    return FileManager.default.isExecutableFile(atPath: venv) ? [venv] : ["python3"]
}()

/// Whether that Python can import numpy and ml_dtypes (not a dependency of the package).
let pythonWithMLDtypes: Bool = {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = pythonCommand + ["-c", "import numpy, ml_dtypes"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}()

func runPython(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    try runProcess(URL(fileURLWithPath: "/usr/bin/env"), pythonCommand + arguments)
}

/// The end-to-end check of docs/validating.md: `gen` writes cases, ml_dtypes 0.6 quantizes them in
/// Python (`x.astype(ml_dtypes.float8_e4m3fn)`), `verify` checks its output; the counts and
/// diagnoses are then checked against the oracle here, element by element.
@Suite("End to end with ml_dtypes", .enabled(if: pythonWithMLDtypes, "python3 with numpy and ml_dtypes is not importable"))
struct EndToEndTests {
    @Test(arguments: [("e4m3fn", "float8_e4m3fn", "f32"), ("e4m3fn", "float8_e4m3fn", "f64"),
                      ("e5m2", "float8_e5m2", "f64"), ("e2m1fn", "float4_e2m1fn", "f32"),
                      ("e3m2fn", "float6_e3m2fn", "f32"), ("e8m0fnu", "float8_e8m0fnu", "f32")])
    func mlDtypesCasts(format: String, dtype: String, from: String) throws {
        let f = try Format.named(format)
        let base = NSTemporaryDirectory() + "minifloat-e2e-\(UUID().uuidString)"
        let cases = base + "-cases.npy", claimed = base + "-claimed.npy"
        defer { for p in [cases, claimed] { try? FileManager.default.removeItem(atPath: p) } }
        let g = try runMinifloat(["gen", format, "--from", from, "--count", "3000", "--output", cases])
        #expect(g.status == 0, "\(g.stderr)")
        let (status, _, message) = try runPython(["-c", """
            import warnings, numpy as np, ml_dtypes
            warnings.simplefilter('ignore')
            x = np.load('\(cases)')
            np.save('\(claimed)', x.astype(ml_dtypes.\(dtype)).view(np.uint8))
            """])
        #expect(status == 0, "\(message)")
        let (verifyStatus, report, text) = try runVerify([format, "--input", cases, "--claimed", claimed])
        // The oracle's own count of differences.
        let (_, bits) = try readAllBits(cases)
        let (_, claims) = try readAllBits(claimed)
        let xs = bits.map { from == "f64" ? Double(bitPattern: $0) : Double(Float(bitPattern: UInt32($0))) }
        let expected = xs.map { oracleCode($0, f, .nearestTiesToEven, .satNone) }
        let differing = xs.indices.filter { UInt64(expected[$0]) != claims[$0] }
        #expect(verifyStatus == (differing.isEmpty ? 0 : 1), "\(text)")
        #expect(report["checked"] as? Int == xs.count && report["mismatching"] as? Int == differing.count, "\(text)")
        let mismatches = report["mismatches"] as? [[String: Any]] ?? []
        #expect(mismatches.map { $0["index"] as? Int } == differing.map { Optional($0) })
        for m in mismatches {
            let i = m["index"] as! Int
            let d = m["diagnosis"] as! [String: Any]
            let x = xs[i], claim = UInt32(claims[i])
            switch d["kind"] as? String {
            case "double-rounding":
                // ml_dtypes casts float64 through float32 (ml_dtypes issue #401).
                #expect(d["via"] as? String == "float32")
                let viaF32 = Oracle.nearest(ExactValue(x), in: .binary32)
                #expect(Oracle.Bracket(viaF32, f).code(rounding: .nearestTiesToEven, saturation: .satNone) == claim)
            case "tie-break":
                // ml_dtypes rounds E8M0 ties up (ml_dtypes uses the implicit bit as the LSB when rounding).
                #expect(Oracle.Bracket(ExactValue(x), f).isTie && d["matches_rounding"] as? String == "rna")
                #expect(oracleCode(x, f, .nearestTiesToAway, .satNone) == claim)
            case "subnormal-input":
                #expect(x != 0 && abs(x) < 0x1p-126)
            case "nan-mapping" where d["case"] as? String == "nan-input":
                // ml_dtypes 0.6 FP4/FP6: +NaN gives 0b1..0 (-0, as Minifloat), but -NaN gives +0.
                #expect(x.isNaN && x.sign == .minus && claim == 0)
            case "nan-mapping":
                // E8M0 has no zero: ml_dtypes maps 0 to NaN, Minifloat to the least value (docs/semantics.md 4).
                #expect(x == 0 && Oracle.classify(claim, in: f) == .nan)
            default:
                Issue.record("unexpected diagnosis \(d) for x = \(x)")
            }
        }
        // The ml_dtypes profile gives exactly what ml_dtypes gave (float64 through float32 included),
        // and verify against the reference names it as a whole-array behaviour.
        let (profileStatus, profileReport, profileText) = try runVerify([format, "--profile", "ml_dtypes", "--input", cases,
                                                                         "--claimed", claimed])
        #expect(profileStatus == 0 && profileReport["mismatching"] as? Int == 0 && profileReport["profile"] as? String == "ml_dtypes",
                "\(profileText)")
        if !differing.isEmpty {
            let exact = (report["other_behaviours"] as? [[String: Any]] ?? []).filter { $0["disagreements"] as? Int == 0 }
            #expect(exact.contains { $0["profile"] as? String == "ml_dtypes" }, "\(text)")
        }
        switch (format, from) {
        case ("e4m3fn", "f32"):
            #expect(differing.isEmpty)  // ml_dtypes from float32 is exactly rne satnone here
        case ("e2m1fn", "f32"), ("e3m2fn", "f32"):
            // ... except negative NaNs, which gen includes.
            #expect(!differing.isEmpty && differing.allSatisfy { xs[$0].isNaN && xs[$0].sign == .minus })
        case (_, "f64"):
            #expect(!differing.isEmpty)
            let behaviours = report["other_behaviours"] as? [[String: Any]] ?? []
            #expect(behaviours.first?["through"] as? String == "binary32" && behaviours.first?["disagreements"] as? Int == 0)
        default:
            #expect(!differing.isEmpty)
        }
    }

    /// Examples/python/minifloat_ctypes.py (the ctypes example of docs/validating.md) runs and
    /// prints the oracle's codes.
    /// An MXFP4 encoder built from ml_dtypes' casts (the scale: `amax / 6` cast to E8M0, which ties
    /// up; the elements: `x / scale` cast to E2M1), checked by `verify --scale-rule ties-up`. The
    /// expected findings, derived by hand: every scale matches but the all-zero block's, which
    /// ml_dtypes makes NaN (its E8M0 cast of 0); its elements are then not checked; every other
    /// element matches (float32 `x / scale` is exact for a power of two); and under the default
    /// `floor` rule the scales differ exactly where the rules do.
    /// Conformance/record.py records ml_dtypes' casts from every float16 and bfloat16 input (the
    /// float32 sweep, 2^32 inputs per type, is left to a manual run), convert_npz.py turns them into
    /// the JSON `minifloat conformance` reads, and each recording differs from the reference exactly
    /// where ml_dtypes is known to (docs/validating.md section 4): FP4 and FP6 turn a negative NaN
    /// into +0 where the reference gives -0, E8M0 rounds ties up (rna), rounds float32-subnormal
    /// bfloat16 inputs up (rtp) and casts zero to NaN; every FP8 type agrees on every input.
    @Test func conformanceRecorderOnMLDtypes() throws {
        let root = CLibraryTests.packageRoot
        let base = NSTemporaryDirectory() + "minifloat-record-\(UUID().uuidString)"
        defer { for p in [base + ".npz", base + ".json"] { try? FileManager.default.removeItem(atPath: p) } }
        let r = try runPython([root.appendingPathComponent("Conformance/record.py").path, "--systems", "ml_dtypes",
                               "--sources", "f16,bf16", "--out", base + ".npz"])
        try #require(r.status == 0, "\(r.stderr)")
        let c = try runPython([root.appendingPathComponent("Conformance/convert_npz.py").path, base + ".npz", base + ".json"])
        try #require(c.status == 0, "\(c.stderr)")
        let set = try RecordingSet(json: try String(contentsOfFile: base + ".json", encoding: .utf8))
        #expect(set.recorded.hasPrefix("ml_dtypes "))
        let fp8 = ["float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz"]
        #expect(set.recordings.count == 2 * (fp8.count + 4))
        for recording in set.recordings {
            let result = recording.compare()
            let kinds = Set(result.groups.map(\.departure.key))
            let dtype = String(recording.name.split(separator: "_", maxSplits: 3).last!)
            let expected: Set<String>
            switch dtype {
            case _ where fp8.contains(dtype): expected = []
            case "float8_e8m0fnu":
                expected = recording.source == .float16 ? ["rounding-rna", "zero-to-format-without-zero"]
                    : ["rounding-rna", "rounding-rtp", "zero-to-format-without-zero"]
            default: expected = ["nan-to-finite"]
            }
            #expect(result.checked == 65536 && kinds == expected, "\(recording.name): \(kinds)")
            // The FP4/FP6 difference is the negative NaNs only: the recorded code is +0 for each.
            if expected == ["nan-to-finite"] {
                let negativeNaNs: UInt64 = recording.source == .float16 ? 1023 : 127
                #expect(result.differing == negativeNaNs && result.groups.allSatisfy { $0.recordedCode == 0 }, "\(recording.name)")
            }
        }
    }

    @Test func mxfp4FromMLDtypesCasts() throws {
        let base = NSTemporaryDirectory() + "minifloat-e2e-mx-\(UUID().uuidString)"
        let x = base + "-x.npy", s = base + "-s.npy", e = base + "-e.npy"
        defer { for p in [x, s, e] { try? FileManager.default.removeItem(atPath: p) } }
        let (status, _, message) = try runPython(["-c", """
            import warnings, numpy as np, ml_dtypes
            warnings.simplefilter('ignore')
            rng = np.random.default_rng(3)
            x = (rng.standard_normal((16, 64)) * 2.0 ** rng.integers(-6, 7, (16, 1))).astype(np.float32)
            x[2, :32] = 0
            x[3, :4] = [18, 1, -2.5, 0.2]
            np.save('\(x)', x)
            b = x.reshape(16, 2, 32)
            scale = (np.abs(b).max(axis=2, keepdims=True) / np.float32(6)).astype(ml_dtypes.float8_e8m0fnu)
            elements = (b / scale.astype(np.float32)).astype(ml_dtypes.float4_e2m1fn)
            np.save('\(s)', scale.reshape(16, 2).view(np.uint8))
            np.save('\(e)', elements.reshape(16, 64).view(np.uint8))
            """])
        #expect(status == 0, "\(message)")
        let r = try runMinifloat(["verify", "mxfp4", "--input", x, "--claimed-scales", s, "--claimed-elements", e,
                                  "--scale-rule", "ties-up", "--json"])
        #expect(r.status == 1, "\(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let scales = try #require(report["scales"] as? [String: Any])
        let elements = try #require(report["elements"] as? [String: Any])
        #expect(scales["mismatching"] as? Int == 1)
        #expect(elements["mismatching"] as? Int == 0 && elements["not_checked_nan_scale"] as? Int == 32)
        let mismatch = try #require((report["mismatches"] as? [[String: Any]])?.first)
        #expect(mismatch["block"] as? Int == 4 && mismatch["claimed"] as? String == "0xff")
        #expect((mismatch["diagnosis"] as? [String: Any])?["kind"] as? String == "nan-scale")
        // The oracle's ties-up scales agree with ml_dtypes on every other block; under floor they
        // differ where the two rules differ, and verify names ties-up for each.
        let (_, xBits) = try readAllBits(x)
        let (_, sBits) = try readAllBits(s)
        let xs = xBits.map { Float(bitPattern: UInt32($0)) }
        let f = BlockFormat.mxfp4
        var tiesUpDiffersFromFloor = 0
        for b in 0..<32 where b != 4 {
            var amax = Rational(0)
            for i in 0..<32 { let m = Rational(exactly: Double(abs(xs[b * 32 + i]))); if amax < m { amax = m } }
            let up = BlockOracle.scaleCode(amax: amax, format: f, rule: .tiesUp, tensorScale: Rational(1))
            let floor = BlockOracle.scaleCode(amax: amax, format: f, rule: .floor, tensorScale: Rational(1))
            #expect(UInt64(up) == sBits[b], "block \(b)")
            if up != floor { tiesUpDiffersFromFloor += 1 }
        }
        let byFloor = try runMinifloat(["verify", "mxfp4", "--input", x, "--claimed-scales", s, "--claimed-elements", e, "--json"])
        let floorReport = try #require(try JSONSerialization.jsonObject(with: Data(byFloor.stdout.utf8)) as? [String: Any])
        let floorScales = try #require(floorReport["scales"] as? [String: Any])
        #expect(tiesUpDiffersFromFloor > 0)
        #expect(floorScales["mismatching"] as? Int == tiesUpDiffersFromFloor + 1)
        #expect((floorScales["by_rule"] as? [String: Any])?["ties-up"] as? Int == tiesUpDiffersFromFloor)
    }

    @Test func ctypesExample() throws {
        let library = try builtProduct("libMinifloatC.so").path
        let script = CLibraryTests.packageRoot.appendingPathComponent("Examples/python/minifloat_ctypes.py").path
        let (status, output, _) = try runPython([script, library])
        #expect(status == 0)
        let xs: [Float] = [464, 464.0001, 0.1, -1000, 2.5]
        let codes = xs.map { String(format: "0x%02x", oracleCode(Double($0), .e4m3fn, .nearestTiesToEven, .satFinite)) }
        #expect(output.contains("codes  " + codes.joined(separator: " ")), "\(output)")
        let nonSaturating = oracleCode(Double(Float(464.0001)), .e4m3fn, .nearestTiesToEven, .satNone)
        #expect(output.contains("464.0001 non-saturating: 0x\(String(nonSaturating, radix: 16))"), "\(output)")
        #expect(output.contains("error: unknown format 'e4m3fx'"))
    }
}
