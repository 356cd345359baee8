import Foundation
import Minifloat
import MinifloatIO
import MinifloatOracle
import MinifloatVerify
import Testing

/// The verification library called on arrays in memory: no files, no process.
@Suite("Verifier")
struct VerifierTests {
    static func inputs(_ f: Format, count: Int, seed: UInt64) -> [Double] {
        (0..<count).map { i in
            let r = RandomSource.splitMix64(seed: seed, index: UInt64(i))
            return GenerativeTests.input(kind: i % 5, f, r)
        }
    }

    /// Every mismatch is counted (the oracle decides which elements differ), every diagnosis is
    /// true of its element (checked with the oracle, not with the code that produced it), and a
    /// claim that is another behaviour everywhere is recognised as that behaviour.
    @Test(arguments: ["e4m3fn", "e5m2", "e2m1fn", "e3m2fn"])
    func diagnosesAreCountedAndSound(format: String) throws {
        let f = try Format.named(format)
        let xs = VerifierTests.inputs(f, count: 3000, seed: 2024)
        let expected = xs.map { oracleCode($0, f, .nearestTiesToEven, .satNone) }
        let verifier = try Verifier(format: f, maxMismatches: 100_000)
        for bug in Bug.allCases {
            let claims = zip(xs, expected).map { UInt8(bug.claim($0, f, $1)) }
            let report = try verifier.verify(.binary(ElementArray(xs)), against: ClaimedArray(codes: ElementArray(claims), format: f))
            let differing = zip(claims, expected).filter { UInt32($0) != $1 }.count
            #expect(report.checked == xs.count && report.mismatching == differing, "\(bug)")
            #expect(report.mismatches.count == differing)
            var kinds: [Cause.Kind: Int] = [:]
            for m in report.mismatches {
                let cause = m.diagnosis.cause
                kinds[cause.kind, default: 0] += 1
                #expect(VerifierTests.isSound(cause, xs[m.index], claim: UInt32(claims[m.index]), expected: expected[m.index], f),
                        "\(bug) element \(m.index) x=\(xs[m.index]): \(m.diagnosis)")
                #expect(m.claimed == .code(CodeDescription(code: f.hexCode(UInt32(claims[m.index])),
                                                           value: Oracle.decode(UInt32(claims[m.index]), in: f).description,
                                                           codeClass: Oracle.classify(UInt32(claims[m.index]), in: f).shortName)))
            }
            if differing > 0 { #expect(kinds[bug.kind, default: 0] > 0, "\(bug): \(kinds)") }
            if bug == .tiesAway || bug == .saturates {  // nothing earlier in the rule order can explain these
                #expect(kinds == (differing > 0 ? [bug.kind: differing] : [:]), "\(bug): \(kinds)")
            }
            let exact = report.otherBehaviours.filter { $0.disagreements == 0 }.map(\.hypothesis)
            switch bug {
            case .truncate: #expect(exact.contains(Hypothesis(rounding: .towardZero, saturation: .satNone)))
            case .saturates where differing > 0: #expect(exact.contains(Hypothesis(rounding: .nearestTiesToEven, saturation: .satFinite)))
            case .throughHalf:
                #expect(exact.contains(Hypothesis(rounding: .nearestTiesToEven, saturation: .satNone, through: .float16)))
            case .offByOne: #expect(exact.isEmpty)
            default: break
            }
            #expect(Dictionary(uniqueKeysWithValues: report.countsByKind.map { ($0.kind, $0.count) }) == kinds)
            #expect(report.explanations.map(\.count).reduce(0, +) == differing)
        }
    }

    /// Whether `cause` is true of this element, by the oracle.
    static func isSound(_ cause: Cause, _ x: Double, claim: UInt32, expected: UInt32, _ f: Format) -> Bool {
        let exact = ExactValue(x)
        func code(_ e: ExactValue, _ r: RoundingMode, _ s: SaturationMode) -> UInt32 {
            Oracle.Bracket(e, f).code(rounding: r, saturation: s)
        }
        let classOf = { Oracle.classify($0, in: f) }
        switch cause {
        case .saturation(let s): return code(exact, .nearestTiesToEven, s) == claim
        case .doubleRounding(let t):
            return code(Oracle.nearest(exact, in: t.format), .nearestTiesToEven, .satNone) == claim
        case .tieBreak(let m): return Oracle.Bracket(exact, f).isTie && code(exact, m, .satNone) == claim
        case .otherRounding(let m): return code(exact, m, .satNone) == claim
        case .subnormalFlush: return classOf(claim) == .zero && (classOf(expected) == .subnormal || (x != 0 && abs(x) < 0x1p-1022))
        case .subnormalInput: return x != 0 && abs(x) < 0x1p-1022
        case .signOfZero: return classOf(claim) == .zero && classOf(expected) == .zero && claim != expected
        case .wrongSign:
            guard case .finite(let n1, let m1) = Oracle.decode(claim, in: f),
                  case .finite(let n2, let m2) = Oracle.decode(expected, in: f) else { return false }
            return m1 == m2 && n1 != n2
        case .signDropped:
            return f.signedness == .unsigned && x < 0 && RoundingMode.deterministic.contains { code(ExactValue(-x), $0, .satNone) == claim }
        case .nanMapping(.nanInput): return x.isNaN
        case .nanMapping(.nanProducedOrLost): return classOf(claim) == .nan || classOf(expected) == .nan
        case .wrongCode(let distance):
            // Distance: how many distinct finite values lie between, counted from the sorted value list.
            guard let distance else { return classOf(claim) == .infinity || classOf(expected) == .infinity }
            let values = (0...f.maxCode).filter { [.zero, .subnormal, .normal].contains(classOf($0)) }
                .map { Oracle.decode($0, in: f).rational! }
            let distinct = Set(values).sorted()
            let a = distinct.firstIndex(of: Oracle.decode(claim, in: f).rational!)!
            let b = distinct.firstIndex(of: Oracle.decode(expected, in: f).rational!)!
            return abs(a - b) == distance
        default: return false
        }
    }

    /// Every exact midpoint between adjacent positive E4M3 values (as float32, where each is
    /// exact), claimed with ties away from zero: the verifier names tie-break (rna) for exactly
    /// the ties the oracle rounds differently, and says the array is "rna satnone".
    @Test func tiesAwayAreFoundExactly() throws {
        let f = Format.e4m3fn
        let values = (0...f.maxCode).filter { Oracle.classify($0, in: f) != .nan && $0 & f.signMask == 0 }
            .map { Oracle.decode($0, in: f).rational! }.sorted()
        // Each midpoint is a short dyadic decimal: Double(String) reads it exactly.
        let midpoints = zip(values, values.dropFirst()).map { Float(Double((($0 + $1) / Rational(2)).exactDecimalString!)!) }
        let xs = midpoints + midpoints.map { -$0 } + [1.3, -2.7, 0.01]
        let claims = xs.map { UInt8(oracleCode(Double($0), f, .nearestTiesToAway, .satNone)) }
        let differing = xs.indices.filter { UInt32(claims[$0]) != oracleCode(Double(xs[$0]), f, .nearestTiesToEven, .satNone) }
        #expect(differing.count > 100)
        let report = try Verifier(format: f).verify(.binary(ElementArray(xs)), against: ClaimedArray(codes: ElementArray(claims), format: f))
        #expect(report.mismatching == differing.count)
        #expect(report.explanations == [VerifyReport.Explanation(cause: .tieBreak(matches: .nearestTiesToAway), count: differing.count)])
        #expect(report.exactBehaviours.first == Hypothesis(rounding: .nearestTiesToAway, saturation: .satNone))
        #expect(report.mismatches.map(\.index) == Array(differing.prefix(10)))
        #expect(report.text.contains("the claims are exactly what e4m3fn rna satnone gives"))
    }

    /// Chunk size changes nothing in the report: counts, explanations and kept mismatches are the
    /// same whether the input is read in one chunk or in chunks of 7.
    @Test func chunkingDoesNotChangeTheReport() throws {
        let f = Format.e5m2
        let xs = VerifierTests.inputs(f, count: 500, seed: 7)
        let claims = xs.map { UInt8(Bug.throughHalf.claim($0, f, oracleCode($0, f, .nearestTiesToEven, .satNone))) }
        var verifier = try Verifier(format: f, maxMismatches: 5)
        let whole = try verifier.verify(.binary(ElementArray(xs)), against: ClaimedArray(codes: ElementArray(claims), format: f))
        verifier.chunkElements = 7
        var calls = 0
        let chunked = try verifier.verify(.binary(ElementArray(xs)), against: ClaimedArray(codes: ElementArray(claims), format: f),
                                          progress: { _, _, _ in calls += 1 })
        #expect(try JSON.encode(whole) == JSON.encode(chunked))
        #expect(whole.mismatching > 0 && calls == 2 * ((500 + 6) / 7))
    }

    /// The report encodes to the documented JSON (keys in order) and decodes back to the same value.
    @Test func reportIsCodable() throws {
        let f = Format.e4m3fn
        let xs: [Float] = [464, 1000, .nan, 0.1, 3]
        let claims: [UInt8] = [0x7F, 0x7E, 0x7F, 0x1D, 0x44]
        let report = try Verifier(format: f).verify(.binary(ElementArray(xs)), against: ClaimedArray(codes: ElementArray(claims), format: f))
        let json = try JSON.encode(report)
        guard case .object(let fields) = json else { Issue.record("not an object"); return }
        #expect(fields.map(\.0) == ["format", "rounding", "saturation", "profile", "nan_any", "claimed_as", "checked", "matching",
                                    "mismatching", "by_diagnosis", "explanations", "other_behaviours", "mismatches"])
        // 464 is a tie that goes to 448 (0x7e), 1000 overflows to NaN (satnone): two mismatches.
        #expect(json["profile"] == .null && json["claimed_as"] == .string("codes") && json["mismatching"] == .int(2))
        let decoded = try JSONDecoder().decode(VerifyReport.self, from: Data(json.text.utf8))
        #expect(try JSON.encode(decoded) == json)
        #expect(decoded.mismatches == report.mismatches && decoded.explanations == report.explanations)
        // Every cause survives a round trip.
        for cause in Cause.candidates + [.wrongCode(distance: 3), .wrongCode(distance: nil)] {
            let text = try JSON.encode(cause).text
            #expect(try JSONDecoder().decode(Cause.self, from: Data(text.utf8)) == cause, "\(text)")
        }
    }

    /// Named behaviours: OCP saturating accepts any NaN code and clamps; P3109 SatFinite compares
    /// NaN codes exactly; OCP non-saturating calls the clamps saturation errors.
    @Test func behaviours() throws {
        let xs: [Float] = [1000, -.infinity, .nan, -.nan, 1.1]
        let f = Format.e4m3fn
        let claims: [UInt8] = [0x7E, 0xFE, 0xFF, 0x7F, UInt8(oracleCode(1.1, f, .nearestTiesToEven, .satFinite))]
        func run(_ b: Behaviour) throws -> VerifyReport {
            try Verifier(format: f, behaviour: b).verify(.binary(ElementArray(xs)), against: ClaimedArray(codes: ElementArray(claims), format: f))
        }
        #expect(try run(.ocpSaturating).mismatching == 0)
        #expect(try run(.p3109SatFinite).countsByKind.map(\.kind) == [.nanMapping])
        #expect(try run(.p3109SatFinite).mismatching == 2)
        let nonSaturating = try run(.ocpNonSaturating)
        #expect(nonSaturating.countsByKind.map { "\($0.kind.rawValue) \($0.count)" } == ["saturation 2"])
        #expect(nonSaturating.profile == "ocp-nonsaturating")
        #expect(throws: VerifyError.self) { try Verifier(format: .e4m3fnuz, behaviour: .ocpSaturating) }
        #expect(throws: VerifyError.self) { try Verifier(format: f, behaviour: .ocpSaturating, rounding: .towardZero) }
        #expect(Behaviour.named("OCP-Saturating") == .ocpSaturating && Behaviour.named("ocp") == nil)
    }

    /// The streamed report (details built one at a time) is byte for byte the report built whole,
    /// as JSON and as text, including the E8M0 values the text shortens to `2^-127`.
    @Test func streamedReportsEqualWholeOnes() throws {
        for f in [Format.e4m3fn, Format.e8m0fnu] {
            let xs: [Float] = (0..<300).map { Float($0) * 0.37 - 40 } + [1e-38, 0x1p-128, .nan, .infinity]
            let claims = ElementArray([UInt8](repeating: 0x01, count: xs.count))
            for maxMismatches in [0, 3, 1000] {
                let verifier = try Verifier(format: f, saturation: .satFinite, maxMismatches: maxMismatches)
                let whole = try verifier.verify(.binary(ElementArray(xs)), against: ClaimedArray(codes: claims, format: f))
                let (head, details) = try verifier.verifyWithLazyDetails(.binary(ElementArray(xs)),
                                                                         against: ClaimedArray(codes: claims, format: f))
                #expect(head.mismatches.isEmpty && details.count == min(maxMismatches, whole.mismatching))
                var json = ""
                try head.writeJSON(mismatches: details) { json += $0 }
                #expect(json == (try JSON.encode(whole).text))
                var lines: [String] = []
                head.writeText(mismatches: details) { lines.append($0) }
                #expect(lines == whole.textLines)
                if f == .e8m0fnu && maxMismatches > 0 { #expect(lines.contains { $0.contains("2^-") }) }
            }
        }
    }

    /// Values, packed FP4, exact inputs and stochastic rounding through the library.
    @Test func claimKindsAndInputs() throws {
        // Values: 0.3 is not an e4m3fn value; NaN for NaN matches; -0 for +0 is a sign error.
        let f = Format.e4m3fn
        let xs: [Float] = [0.3, .nan, 0, 1e6, 3]
        let values = try ClaimedArray(ElementArray([0.3, .nan, -0.0, .nan, 3] as [Double]), as: .values, format: f, inputCount: 5)
        let r1 = try Verifier(format: f, saturation: .satFinite).verify(.binary(ElementArray(xs)), against: values)
        #expect(r1.mismatches.map(\.diagnosis.cause.kind) == [.notRepresentable, .signOfZero, .saturation])
        #expect(r1.mismatches[0].claimed == .notRepresentable(ExactValue(0.3).description))
        // Packed FP4: element 2k in the low nibble.
        let g = Format.e2m1fn
        let ys: [Float] = [0.5, 1, 1.5, 6, -3]
        let codes = ys.map { UInt8(oracleCode(Double($0), g, .nearestTiesToEven, .satNone)) }
        var bytes = PackedFP4.pack(codes, rowLength: 5)
        #expect(try Verifier(format: g).verify(.binary(ElementArray(ys)),
                                               against: ClaimedArray(ElementArray(bytes), as: .packedFP4, format: g, inputCount: 5)).mismatching == 0)
        bytes[1] = bytes[1] & 0x0F | (codes[2] ^ 0x8) << 4  // element 3 gets element 2's code with the sign flipped
        let r2 = try Verifier(format: g).verify(.binary(ElementArray(ys)),
                                                against: ClaimedArray(ElementArray(bytes), as: .packedFP4, format: g, inputCount: 5))
        #expect(r2.mismatching == 1 && r2.mismatches[0].index == 3)
        // Exact inputs go through the oracle: 464 is a tie that goes to 448 (even).
        let exact = try ["464", "0.1"].enumerated().map { ExactInput(try ExactValue(parsing: $1), text: $1, line: $0 + 1) }
        let r3 = try Verifier(format: f).verify(.exact(exact), against: ClaimedArray(parsed: [.code(0x7F), .code(0x1D)], as: .codes,
                                                                                         format: f, inputCount: 2))
        // The claimed NaN is what ties away gives (480 overflows to NaN), the first candidate that fits.
        #expect(r3.mismatching == 1 && r3.mismatches[0].diagnosis.cause == .tieBreak(matches: .nearestTiesToAway))
        #expect(r3.mismatches[0].inputText == "464" && r3.mismatches[0].neighbours?.midpoint == "464")
        // Stochastic rounding: claims made with R_i from seed 3 match under seed 3; under seed 4
        // every mismatch is the other neighbour.
        let zs = VerifierTests.inputs(f, count: 400, seed: 11).map { Float($0) }
        let mode = RoundingMode.stochasticA(bits: 4, random: 0)
        let sr = zs.indices.map { i in
            UInt8(oracleCode(Double(zs[i]), f, mode.withRandom(RandomSource.seed(3).value(at: i, bits: 4)), .satNone))
        }
        let same = try Verifier(format: f, rounding: mode, random: .seed(3)).verify(.binary(ElementArray(zs)),
                                                                                  against: ClaimedArray(codes: ElementArray(sr), format: f))
        #expect(same.mismatching == 0)
        let other = try Verifier(format: f, rounding: mode, random: .seed(4)).verify(.binary(ElementArray(zs)),
                                                                                   against: ClaimedArray(codes: ElementArray(sr), format: f))
        #expect(other.mismatching > 0 && other.explanations.first?.cause == .stochasticDecision, "\(other.text)")
        #expect(other.countsByKind.map(\.kind) == [.stochasticDecision], "\(other.text)")
        // Beyond the largest finite value the other outcome is the overflow (NaN under satnone):
        // a claimed NaN where R chose -448, and 470's 448 where R chose NaN, are stochastic decisions.
        let beyond: [Float] = [-473, 470, 455]
        let modeB = RoundingMode.stochasticB(bits: 8, random: 0)
        let least = beyond.map { UInt8(oracleCode(Double($0), f, modeB.withRandom(0), .satNone)) }
        let most = beyond.map { UInt8(oracleCode(Double($0), f, modeB.withRandom(255), .satNone)) }
        #expect(zip(least, most).allSatisfy { $0 != $1 && ($0 & 0x7F == 0x7F) != ($1 & 0x7F == 0x7F) }, "\(least) \(most)")
        let overflow = try Verifier(format: f, rounding: modeB, random: .array(ElementArray([UInt8](repeating: 0, count: 3))))
            .verify(.binary(ElementArray(beyond)), against: ClaimedArray(codes: ElementArray(most), format: f))
        #expect(overflow.mismatching == 3 && overflow.mismatches.allSatisfy { $0.diagnosis.cause == .stochasticDecision },
                "\(overflow.text)")
        // A kernel that ignores R (round to nearest even, by the oracle): the whole array is named.
        let nearest = zs.map { UInt8(oracleCode(Double($0), f, .nearestTiesToEven, .satNone)) }
        let ignored = try Verifier(format: f, rounding: mode, random: .seed(3)).verify(.binary(ElementArray(zs)),
                                                                                     against: ClaimedArray(codes: ElementArray(nearest), format: f))
        #expect(ignored.mismatching > 0 && ignored.exactBehaviours.map(\.label) == ["rne satnone"], "\(ignored.text)")
        #expect(ignored.text.contains("the claims are exactly what e4m3fn rne satnone gives"), "\(ignored.text)")
    }

    @Test func badArguments() throws {
        let f = Format.e4m3fn
        #expect(throws: VerifyError.self) { try Verifier(format: .binary32) }
        #expect(throws: VerifyError.self) { try Verifier(format: f, rounding: .stochasticA(bits: 3, random: 0)) }
        #expect(throws: VerifyError.self) { try Verifier(format: f, random: .seed(1)) }
        #expect(throws: VerifyError.self) { try ClaimedArray(ElementArray([1.0] as [Float]), as: .codes, format: f, inputCount: 1) }
        #expect(throws: VerifyError.self) { try ClaimedArray(ElementArray([UInt8(1)]), as: .packedFP4, format: f, inputCount: 2) }
        #expect(throws: VerifyError.self) { try ClaimedArray(ElementArray([UInt8(1)]), as: .codes, format: f, inputCount: 2) }
        #expect(throws: VerifyError.self) {
            try Verifier(format: f).verify(.binary(ElementArray([UInt8(1)])), against: ClaimedArray(codes: ElementArray([UInt8(1)]), format: f))
        }
    }
}

extension Bug {
    /// The cause every mismatch of this bug should carry when nothing earlier explains it.
    var kind: Cause.Kind { Cause.Kind(rawValue: key)! }
}
