import Foundation
import Minifloat
import MinifloatIO
import MinifloatOracle
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
            Oracle.Bracket(e, f).code(rounding: r, saturation: s, nanNegative: negative)
        }
        switch self {
        case .tiesAway: return code(exact, .nearestTiesToAway, .satNone)
        case .truncate: return code(exact, .towardZero, .satNone)
        case .saturates: return code(exact, .nearestTiesToEven, .satFinite)
        case .throughHalf: return code(Oracle.nearest(exact, in: .binary16, nanNegative: negative), .nearestTiesToEven, .satNone)
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
    /// Every mismatch is counted (the oracle decides which elements differ) and every diagnosis is
    /// true of its element (checked with the oracle, not with the code that produced it).
    @Test(arguments: ["e4m3fn", "e5m2", "e2m1fn", "e3m2fn"])
    func diagnosesAreCountedAndSound(format: String) throws {
        let f = try Format.named(format)
        var state: UInt64 = 2024
        let xs: [Double] = (0..<3000).map { i in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return GenerativeTests.input(kind: i % 5, f, state)
        }
        let input = try writeNpy(xs, .float64)
        defer { try? FileManager.default.removeItem(atPath: input) }
        let expected = xs.map { oracleCode($0, f, .nearestTiesToEven, .satNone) }
        for bug in Bug.allCases {
            let claims = zip(xs, expected).map { UInt8(bug.claim($0, f, $1)) }
            let claimed = try writeNpy(claims, .uint8)
            defer { try? FileManager.default.removeItem(atPath: claimed) }
            let (status, report, _) = try runVerify([format, "--input", input, "--claimed", claimed])
            let differing = zip(claims, expected).filter { UInt32($0) != $1 }.count
            #expect(status == (differing > 0 ? 1 : 0), "\(bug)")
            #expect(report["checked"] as? Int == xs.count && report["mismatching"] as? Int == differing, "\(bug)")
            let mismatches = try #require(report["mismatches"] as? [[String: Any]])
            #expect(mismatches.count == differing)
            var keys: [String: Int] = [:]
            for m in mismatches {
                let i = try #require(m["index"] as? Int)
                let d = try #require(m["diagnosis"] as? [String: Any])
                let key = try #require(d["kind"] as? String)
                keys[key, default: 0] += 1
                #expect(isSound(key, d, xs[i], claim: UInt32(claims[i]), expected: expected[i], f),
                        "\(bug) element \(i) x=\(xs[i]): \(d)")
            }
            if differing > 0 { #expect(keys[bug.key, default: 0] > 0, "\(bug): \(keys)") }
            if bug == .tiesAway || bug == .saturates {  // nothing earlier in the rule order can explain these
                #expect(keys == (differing > 0 ? [bug.key: differing] : [:]), "\(bug): \(keys)")
            }
            // Whole-array behaviours: a claim that is another mode everywhere is recognised as that mode.
            let behaviours = try #require(report["other_behaviours"] as? [[String: Any]])
            let exact = behaviours.filter { $0["disagreements"] as? Int == 0 }.map {
                "\($0["rounding"]!) \($0["saturation"]!) \($0["through"] as? String ?? "-")"
            }
            switch bug {
            case .truncate: #expect(exact.contains("rtz satnone -"), "\(behaviours)")
            case .saturates where differing > 0: #expect(exact.contains("rne satfinite -"), "\(behaviours)")
            case .throughHalf: #expect(exact.contains("rne satnone binary16"), "\(behaviours)")
            case .offByOne: #expect(exact.isEmpty)
            default: break
            }
            let byDiagnosis = try #require(report["by_diagnosis"] as? [String: Int])
            #expect(byDiagnosis == keys)
        }
    }

    /// Whether diagnosis `key` (with its facts) is true of this element, by the oracle.
    func isSound(_ key: String, _ d: [String: Any], _ x: Double, claim: UInt32, expected: UInt32, _ f: Format) -> Bool {
        let exact = ExactValue(x), negative = x.sign == .minus
        let modes = Dictionary(uniqueKeysWithValues: RoundingMode.deterministic.map { ($0.shortName, $0) })
        let sats: [String: SaturationMode] = ["satfinite": .satFinite, "satpropagate": .satPropagate, "satnone": .satNone]
        func code(_ e: ExactValue, _ r: RoundingMode, _ s: SaturationMode) -> UInt32 {
            Oracle.Bracket(e, f).code(rounding: r, saturation: s, nanNegative: negative)
        }
        let classOf = { Oracle.classify($0, in: f) }
        switch key {
        case "saturation":
            return code(exact, .nearestTiesToEven, sats[d["matches_saturation"] as? String ?? ""]!) == claim
        case "double-rounding":
            let via: Format = ["float32": .binary32, "float16": .binary16, "bfloat16": .bfloat16][d["via"] as? String ?? ""]!
            return code(Oracle.nearest(exact, in: via, nanNegative: negative), .nearestTiesToEven, .satNone) == claim
        case "tie-break":
            return Oracle.Bracket(exact, f).isTie && code(exact, modes[d["matches_rounding"] as? String ?? ""]!, .satNone) == claim
        case "other-rounding":
            return code(exact, modes[d["matches_rounding"] as? String ?? ""]!, .satNone) == claim
        case "subnormal-flush":
            return classOf(claim) == .zero && (classOf(expected) == .subnormal || (x != 0 && abs(x) < 0x1p-1022))
        case "subnormal-input":
            return x != 0 && abs(x) < 0x1p-1022
        case "sign-of-zero":
            return classOf(claim) == .zero && classOf(expected) == .zero && claim != expected
        case "wrong-sign":
            guard case .finite(let n1, let m1) = Oracle.decode(claim, in: f),
                  case .finite(let n2, let m2) = Oracle.decode(expected, in: f) else { return false }
            return m1 == m2 && n1 != n2
        case "nan-mapping":
            return d["case"] as? String == "nan-input" ? x.isNaN : classOf(claim) == .nan || classOf(expected) == .nan
        case "wrong-code":
            // Distance: how many distinct finite values lie between, counted from the sorted value list.
            guard let distance = d["distance"] as? Int else { return classOf(claim) == .infinity || classOf(expected) == .infinity }
            let values = (0...f.maxCode).filter { [.zero, .subnormal, .normal].contains(classOf($0)) }
                .map { Oracle.decode($0, in: f).rational! }
            let distinct = Set(values).sorted()
            let a = distinct.firstIndex(of: Oracle.decode(claim, in: f).rational!)!
            let b = distinct.firstIndex(of: Oracle.decode(expected, in: f).rational!)!
            return abs(a - b) == distance
        default:
            return false
        }
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

    @Test func profiles() throws {
        // ocp-saturating: overflow and Inf give max finite, any NaN code is accepted for NaN.
        let xs: [Float] = [1000, -.infinity, .nan, -.nan, 1.1]
        let f = Format.e4m3fn
        let claims: [UInt8] = [0x7E, 0xFE, 0xFF, 0x7F, UInt8(oracleCode(1.1, f, .nearestTiesToEven, .satFinite))]
        let input = try writeNpy(xs, .float32), claimed = try writeNpy(claims, .uint8)
        defer { for p in [input, claimed] { try? FileManager.default.removeItem(atPath: p) } }
        let (s0, _, _) = try runVerify(["e4m3fn", "--input", input, "--claimed", claimed, "--profile", "ocp-saturating"])
        #expect(s0 == 0)
        // Without any-NaN, P3109 SatFinite compares NaN codes exactly: the two swapped NaN signs differ.
        let (s1, r1, _) = try runVerify(["e4m3fn", "--input", input, "--claimed", claimed, "--profile", "p3109-satfinite"])
        #expect(s1 == 1 && r1["by_diagnosis"] as? [String: Int] == ["nan-mapping": 2])
        // Non-saturating OCP: the same claims are saturation errors.
        let (s2, r2, _) = try runVerify(["e4m3fn", "--input", input, "--claimed", claimed, "--profile", "ocp-nonsaturating"])
        #expect(s2 == 1 && r2["by_diagnosis"] as? [String: Int] == ["saturation": 2])
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
