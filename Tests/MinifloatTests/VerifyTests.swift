import Foundation
import Minifloat
import MinifloatIO
import MinifloatOracle
import MinifloatVerify
import Testing

/// Runs `minifloat verify ... --report R --json` and returns (status, report object).
func runVerify(_ arguments: [String]) throws -> (Int32, [String: Any], String) {
    let report = NSTemporaryDirectory() + "minifloat-report-\(UUID().uuidString).json"
    defer { try? FileManager.default.removeItem(atPath: report) }
    let r = try runMinifloat(["verify"] + arguments + ["--report", report, "--max-report", "100000"])
    guard r.status != 2 else { return (2, [:], r.stderr) }
    let data = try Data(contentsOf: URL(fileURLWithPath: report))
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    return (r.status, object, r.stdout)
}

/// Buggy quantizers, each written with the oracle: what the claim is for input x.
enum Bug: String, CaseIterable {
    case tiesAway, truncate, saturates, throughHalf, flushesSubnormals, flipsZeroSign, offByOne

    func claim(_ x: Double, _ f: Format, _ expected: UInt32) -> UInt32 {
        let negative = x.sign == .minus
        let exact = ExactValue(x)
        func code(_ e: ExactValue, _ r: RoundingMode, _ s: SaturationMode) -> UInt32 {
            Oracle.Bracket(e, f).code(rounding: r, saturation: s)
        }
        switch self {
        case .tiesAway: return code(exact, .nearestTiesToAway, .satNone)
        case .truncate: return code(exact, .towardZero, .satNone)
        case .saturates: return code(exact, .nearestTiesToEven, .satFinite)
        case .throughHalf: return code(Oracle.nearest(exact, in: .binary16), .nearestTiesToEven, .satNone)
        case .flushesSubnormals:
            return Oracle.classify(expected, in: f) == .subnormal ? code(ExactValue(negative ? -0.0 : 0.0), .towardZero, .satNone) : expected
        case .flipsZeroSign:
            return Oracle.classify(expected, in: f) == .zero && f.signedness == .signed ? expected ^ f.signMask : expected
        case .offByOne:
            let c = Oracle.classify(expected, in: f)
            return (c == .normal || c == .subnormal) && expected & 7 == 3 ? expected ^ 1 : expected
        }
    }

    /// The diagnosis every mismatch of this bug should carry when nothing earlier explains it.
    var key: String {
        switch self {
        case .tiesAway: return "tie-break"
        case .truncate: return "other-rounding"
        case .saturates: return "saturation"
        case .throughHalf: return "double-rounding"
        case .flushesSubnormals: return "subnormal-flush"
        case .flipsZeroSign: return "sign-of-zero"
        case .offByOne: return "wrong-code"
        }
    }
}

@Suite("Verify")
struct VerifyTests {
    /// One run through the binary: the report file, --json and the text are the same report, and
    /// the exit status is 1 (the diagnoses themselves are tested on the library, VerifierTests).
    @Test func reportThroughTheCommandLine() throws {
        let f = Format.e4m3fn
        let xs = VerifierTests.inputs(f, count: 300, seed: 5)
        let claims = xs.map { UInt8(Bug.throughHalf.claim($0, f, oracleCode($0, f, .nearestTiesToEven, .satNone))) }
        let input = try writeNpy(xs, .float64), claimed = try writeNpy(claims, .uint8)
        defer { for p in [input, claimed] { try? FileManager.default.removeItem(atPath: p) } }
        let (status, report, text) = try runVerify(["e4m3fn", "--input", input, "--claimed", claimed])
        let library = try Verifier(format: f, maxMismatches: 100_000)
            .verify(.binary(ElementArray(xs)), against: ClaimedArray(codes: ElementArray(claims), format: f))
        #expect(status == 1 && library.mismatching > 0)
        #expect(report["mismatching"] as? Int == library.mismatching)
        #expect(text.contains("the claims are exactly what e4m3fn rne satnone through float"), "\(text)")
        let json = try runMinifloat(["verify", "e4m3fn", "--input", input, "--claimed", claimed, "--json", "--max-report", "100000"])
        var described = library
        described.input = ArrayDescription(path: input, type: "float64 (300,)", shape: [300], fortranOrder: false)
        described.claimed = ArrayDescription(path: claimed, type: "uint8 (300,)", shape: [300], fortranOrder: false)
        #expect(json.stdout == (try JSON.encode(described).text) + "\n")
    }

    /// Logical indices across C and Fortran order; values claims; text files; exit statuses.
    @Test func layoutsValuesAndText() throws {
        let f = Format.e4m3fn
        // A 4 x 5 matrix stored in Fortran order; the claims stored in C order.
        let matrix: [[Float]] = (0..<4).map { r in (0..<5).map { c in Float(r * 5 + c) * 7.3 - 60 } }
        let fortran = (0..<5).flatMap { c in (0..<4).map { r in matrix[r][c] } }
        let input = try writeNpy(fortran, .float32, shape: [4, 5], fortran: true)
        var codes = matrix.flatMap { $0 }.map { UInt8(oracleCode(Double($0), f, .nearestTiesToEven, .satNone)) }
        let good = try writeNpy(codes, .uint8, shape: [4, 5])
        codes[2 * 5 + 3] ^= 0x80  // logical element [2, 3]: wrong sign
        let bad = try writeNpy(codes, .uint8, shape: [4, 5])
        let flat = try writeNpy(codes, .uint8)  // one-dimensional: read in C order
        defer { for p in [input, good, bad, flat] { try? FileManager.default.removeItem(atPath: p) } }
        let (s0, r0, text0) = try runVerify(["e4m3fn", "--input", input, "--claimed", good])
        #expect(s0 == 0 && r0["mismatching"] as? Int == 0 && text0.contains("checked 20, matching 20, mismatching 0"))
        for claimed in [bad, flat] {
            let (s1, r1, text1) = try runVerify(["e4m3fn", "--input", input, "--claimed", claimed])
            #expect(s1 == 1 && r1["mismatching"] as? Int == 1, "\(text1)")
            let m = try #require((r1["mismatches"] as? [[String: Any]])?.first)
            #expect(m["multi_index"] as? [Int] == [2, 3] && m["index"] as? Int == 3 * 4 + 2)
            #expect((m["diagnosis"] as? [String: Any])?["kind"] as? String == "wrong-sign")
            #expect(text1.contains("element 14 [2, 3]"))
        }
        // Values: 0.3 is not an e4m3fn value; NaN claimed for a NaN input matches; -0 for +0 is a sign error.
        let xs: [Float] = [0.3, .nan, 0, 1e6, 3]
        let valuesInput = try writeNpy(xs, .float32)
        let claims: [Double] = [0.3, .nan, -0.0, .nan, 3]
        let valuesClaimed = try writeNpy(claims, .float64)
        defer { for p in [valuesInput, valuesClaimed] { try? FileManager.default.removeItem(atPath: p) } }
        let (s2, r2, _) = try runVerify(["e4m3fn", "--input", valuesInput, "--claimed", valuesClaimed, "--saturation", "satfinite"])
        #expect(s2 == 1 && r2["claimed_as"] as? String == "values")
        let kinds = (r2["mismatches"] as? [[String: Any]] ?? []).map { (($0["diagnosis"] as? [String: Any])?["kind"] as? String) ?? "" }
        #expect(kinds == ["not-representable", "sign-of-zero", "saturation"])
        // Text input (exact decimals) and text codes: 464 is a tie that goes to 448 (even), 464.1 overflows.
        let textInput = NSTemporaryDirectory() + "minifloat-\(UUID().uuidString).txt"
        let textClaims = NSTemporaryDirectory() + "minifloat-\(UUID().uuidString).txt"
        try "464\n464.1\n0.1\n".write(toFile: textInput, atomically: true, encoding: .utf8)
        try "0x7f\n0x7f\n0x1d\n".write(toFile: textClaims, atomically: true, encoding: .utf8)
        defer { for p in [textInput, textClaims] { try? FileManager.default.removeItem(atPath: p) } }
        let (s3, r3, _) = try runVerify(["e4m3fn", "--input", textInput, "--claimed", textClaims])
        #expect(s3 == 1 && r3["mismatching"] as? Int == 1)
        let m3 = try #require((r3["mismatches"] as? [[String: Any]])?.first)
        #expect(m3["input_text"] as? String == "464" && (m3["diagnosis"] as? [String: Any])?["kind"] as? String == "tie-break")
        #expect((m3["neighbours"] as? [String: String])?["midpoint"] == "464")
    }

    @Test func badInput() throws {
        let floats = try writeNpy([Float](repeating: 1, count: 6), .float32, shape: [2, 3])
        let codes = try writeNpy([UInt8](repeating: 0x38, count: 6), .uint8, shape: [3, 2])
        let short = try writeNpy([UInt8](repeating: 0x38, count: 5), .uint8)
        let report = NSTemporaryDirectory() + "minifloat-\(UUID().uuidString).json"
        defer { for p in [floats, codes, short, report] { try? FileManager.default.removeItem(atPath: p) } }
        let cases: [([String], String)] = [
            (["e4m3fn", "--input", floats, "--claimed", codes], "shape mismatch"),
            (["e4m3fn", "--input", floats, "--claimed", short], "holds 5 elements"),
            (["e4m3fn", "--input", codes, "--claimed", codes], "needs the float values"),
            (["e4m3fn", "--input", floats, "--claimed", floats, "--claimed-as", "codes"], "values"),
            (["e4m3fn", "--input", floats, "--claimed", short, "--claimed-as", "packed-fp4"], "4-bit"),
            (["e2m1fn", "--input", floats, "--claimed", short, "--claimed-as", "packed-fp4"], "3 packed bytes"),
            (["e4m3fn", "--input", floats, "--claimed", codes, "--profile", "ocp"], "unknown profile"),
            (["e4m3fnuz", "--input", floats, "--claimed", codes, "--profile", "ocp-saturating"], "defined for"),
            (["e4m3fn", "--input", floats, "--claimed", codes, "--profile", "ocp-saturating", "--saturation", "satnone"], "fixes"),
            (["e4m3fn", "--input", floats, "--claimed", codes, "--rounding", "sra", "--random-bits", "3"], "--seed"),
            (["e4m3fn", "--input", floats, "--claimed", codes, "--seed", "3"], "only to stochastic"),
            (["e4m3fn", "--input", floats, "--claimed", "/nonexistent.npy"], "cannot read"),
            (["e4m3fn", "--input", floats, "--claimed", codes, "--claimed-as", "bits"], "unknown --claimed-as"),
        ]
        for (arguments, expected) in cases {
            let r = try runMinifloat(["verify"] + arguments + ["--report", report])
            #expect(r.status == 2, "\(arguments)")
            #expect(r.stderr.hasPrefix("minifloat: error: ") && r.stderr.contains(expected)
                    && r.stderr.split(separator: "\n").count == 1, "\(arguments): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: report))
        }
        let r = try runMinifloat(["verify", "e4m3fn", "--input", floats, "--claimed", floats, "--report", "/nonexistent/r.json"])
        #expect(r.status == 2 && r.stderr.contains("cannot write"))
    }
}
