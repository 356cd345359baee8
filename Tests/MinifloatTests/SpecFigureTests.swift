import Minifloat
import MinifloatOracle
import Testing

/// The specs' and peers' own figures (the specs and peers cited in docs/formats.md), as literal expectations,
/// checked against both the fast codec and the oracle.
@Suite("Spec figures")
struct SpecFigureTests {
    /// Encodes with both implementations and expects both to give `code`.
    func expectBoth(_ f: Format, _ x: Double, _ code: UInt32, _ r: RoundingMode = .nearestTiesToEven,
                    _ s: SaturationMode = .satNone, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(f.encode(x, rounding: r, saturation: s) == code, "fast \(f) \(x)", sourceLocation: sourceLocation)
        #expect(oracleCode(x, f, r, s) == code, "oracle \(f) \(x)", sourceLocation: sourceLocation)
    }

    @Test func e4m3fnOverflowThreshold() {
        // ml_dtypes 0.6.0, OCP non-saturating: 448 and 464 (a tie, to even) -> 0x7E; above -> NaN.
        expectBoth(.e4m3fn, 448, 0x7E)
        expectBoth(.e4m3fn, 464, 0x7E)
        expectBoth(.e4m3fn, 464.0001, 0x7F)
        expectBoth(.e4m3fn, -464.0001, 0xFF)
        expectBoth(.e4m3fn, 1e6, 0x7F)
        expectBoth(.e4m3fn, .infinity, 0x7F)
        expectBoth(.e4m3fn, -.infinity, 0xFF)
        // Saturating: everything clamps to 448.
        expectBoth(.e4m3fn, 1e6, 0x7E, .nearestTiesToEven, .satFinite)
        expectBoth(.e4m3fn, .infinity, 0x7E, .nearestTiesToEven, .satFinite)
        // microxcaling test_fp8_e4m3_fix (saturating, its default rounding is half away from zero):
        // 485 -> 448, 475 -> 448, 400 -> 416. Under ties-to-even the tie 400 goes to 384 (even).
        expectBoth(.e4m3fn, 485, 0x7E, .nearestTiesToAway, .satFinite)
        expectBoth(.e4m3fn, 475, 0x7E, .nearestTiesToAway, .satFinite)
        expectBoth(.e4m3fn, 400, 0x7D, .nearestTiesToAway, .satFinite)
        expectBoth(.e4m3fn, 400, 0x7C, .nearestTiesToEven, .satFinite)
        // Subnormal ties: 2^-10 -> 0 (tie, to even), 3 * 2^-10 -> 2^-8.
        expectBoth(.e4m3fn, 0x1p-10, 0x00)
        expectBoth(.e4m3fn, 0x1.8p-9, 0x02)
        // The double-rounding witness: -431.99999999999994 -> -416 (ml_dtypes arrays give -448).
        expectBoth(.e4m3fn, -431.99999999999994, 0xFD)
        expectBoth(.e4m3fn, 1 + 0x1p-4 + 0x1p-40, 0x39)  // 1.125, not 1.0
    }

    @Test func e5m2() {
        expectBoth(.e5m2, 57344, 0x7B)
        expectBoth(.e5m2, 59392, 0x7B)  // tie between 57344 and 61440: even
        expectBoth(.e5m2, 61440, 0x7C)  // -> +Inf
        expectBoth(.e5m2, .nan, 0x7E)
        expectBoth(.e5m2, -.nan, 0xFE)
        expectBoth(.e5m2, 1e9, 0x7B, .towardZero)  // directed toward zero: max finite
        expectBoth(.e5m2, -1e9, 0xFB, .towardPositive)
        expectBoth(.e5m2, -1e9, 0xFC, .towardNegative)
    }

    @Test func fourBitValues() {
        // OCP MX E2M1: {0, 0.5, 1, 1.5, 2, 3, 4, 6}.
        let expected: [Double] = [0, 0.5, 1, 1.5, 2, 3, 4, 6]
        #expect((0..<8).map { Format.e2m1fn.decode(UInt32($0)) } == expected)
        #expect((0..<8).map { Oracle.decode(UInt32($0), in: .e2m1fn) } == expected.map { ExactValue($0) })
        // LLM-FP4 ties (docs/llm-fp4.md): Q(0.25) = 0, Q(1.25) = 1, Q(1.75) = 2, Q(2.5) = 2, Q(5) = 4.
        for (x, q) in [(0.25, 0.0), (1.25, 1), (1.75, 2), (2.5, 2), (5, 4)] {
            #expect(Format.e2m1.quantize(x) == q)
        }
        // ml_dtypes: FP4 overflow and Inf saturate; 1e9 -> 6.
        expectBoth(.e2m1fn, 1e9, 0x7)
        expectBoth(.e2m1fn, -.infinity, 0xF)
        expectBoth(.e2m1fn, .nan, 0x8)  // no NaN: the documented -0 replacement (as ml_dtypes)
    }

    @Test func ranges() {
        // The specs' figures: max finite, min normal, min subnormal.
        let table: [(Format, Double, Double, Double?)] = [
            (.e4m3fn, 448, 0x1p-6, 0x1p-9), (.e5m2, 57344, 0x1p-14, 0x1p-16),
            (.e4m3fnuz, 240, 0x1p-7, 0x1p-10), (.e5m2fnuz, 57344, 0x1p-15, 0x1p-17),
            (.e4m3b11fnuz, 30, 0x1p-10, 0x1p-13), (.e4m3, 240, 0x1p-6, 0x1p-9), (.e3m4, 15.5, 0x1p-2, 0x1p-6),
            (.e2m3fn, 7.5, 1, 0.125), (.e3m2fn, 28, 0.25, 0.0625), (.e2m1fn, 6, 1, 0.5),
            (.e8m0fnu, 0x1p127, 0x1p-127, nil), (.ue4m3, 448, 0x1p-6, 0x1p-9),
            (try! .named("binary8p3se"), 49152, 0x1p-15, 0x1p-17), (try! .named("binary8p4se"), 224, 0x1p-7, 0x1p-10),
            (try! .named("binary8p3sf"), 57344, 0x1p-15, 0x1p-17), (try! .named("binary8p4sf"), 240, 0x1p-7, 0x1p-10),
            (.binary16, 65504, 0x1p-14, 0x1p-24), (.bfloat16, Double(Float(bitPattern: 0x7F7F0000)), 0x1p-126, 0x1p-133),
        ]
        for (f, maxFinite, minNormal, minSubnormal) in table {
            #expect(f.decode(f.maxFiniteCode()) == maxFinite, "\(f) max")
            #expect(Oracle.largestFinite(f).value == Rational(exactly: maxFinite), "\(f) oracle max")
            #expect(Double(sign: .plus, exponent: f.minExponent, significand: 1) == minNormal, "\(f) min normal")
            if let minSubnormal { #expect(f.decode(1) == minSubnormal, "\(f) min subnormal") }
        }
        #expect(Format.e8m0fnu.decode(0) == 0x1p-127)
        #expect(Format.e8m0fnu.decode(0xFF).isNaN)
    }

    @Test func specialCodes() {
        // The specs' figures: NaN and Inf encodings.
        #expect(Format.e4m3fn.classify(0x7F) == .nan && Format.e4m3fn.classify(0xFF) == .nan)
        #expect(Format.e5m2.classify(0x7C) == .infinity && Format.e5m2.classify(0xFD) == .nan)
        #expect(Format.e4m3fnuz.classify(0x80) == .nan && Format.e4m3fnuz.classify(0x00) == .zero)
        let p3 = try! Format.named("binary8p3se")
        #expect(p3.classify(0x7F) == .infinity && p3.classify(0xFF) == .infinity && p3.classify(0x80) == .nan)
        #expect(p3.decode(0xFF) == -.infinity)
        let u = try! Format.named("binary8p1ue")
        #expect(u.classify(0xFF) == .nan && u.classify(0xFE) == .infinity && u.bias == 128)
        #expect(Format.e4m3.classify(0x78) == .infinity && Format.e3m4.classify(0x70) == .infinity)
        // All-finite formats.
        #expect((0...Format.e2m3fn.maxCode).allSatisfy { Format.e2m3fn.classify($0) != .nan })
    }

    @Test func e8m0() {
        // P3109 "CodeIsEven" ties: 3 -> 2 (code 128), 6 -> 8 (code 130), as gfloat; ml_dtypes gives 4.
        expectBoth(.e8m0fnu, 3, 128)
        expectBoth(.e8m0fnu, 6, 130)
        expectBoth(.e8m0fnu, 1.5, 128)  // tie between 1 (code 127, odd) and 2 (code 128, even)
        expectBoth(.e8m0fnu, 0x1.8p127, 254)  // tie at the top: 2^127 (even code), not NaN
        // No zero: zero and underflow give the least value 2^-127 (CUDA, PyTorch, gfloat after PR 66).
        expectBoth(.e8m0fnu, 0, 0)
        expectBoth(.e8m0fnu, 0x1p-130, 0)
        // Negatives are below an unsigned format's range: NaN unless saturating.
        expectBoth(.e8m0fnu, -4, 0xFF)
        expectBoth(.e8m0fnu, -4, 0, .nearestTiesToEven, .satFinite)
    }

    @Test func p3109Saturation() {
        // P3109 v4.0 4.7.5 and gfloat 0.5.2: 8p4sf 1e6 SatFinite -> 240; 8p4se Inf SatFinite -> 224.
        let sf = try! Format.named("binary8p4sf"), se = try! Format.named("binary8p4se")
        expectBoth(sf, 1e6, 0x7F, .nearestTiesToEven, .satFinite)
        expectBoth(sf, 1e6, 0x7F, .nearestTiesToEven, .satNone)  // Finite formats clamp under SatNone
        expectBoth(se, .infinity, 0x7E, .nearestTiesToEven, .satFinite)
        expectBoth(se, .infinity, 0x7F, .nearestTiesToEven, .satPropagate)
        expectBoth(se, 1e6, 0x7E, .nearestTiesToEven, .satPropagate)
        expectBoth(se, 1e6, 0x7F, .nearestTiesToEven, .satNone)
        expectBoth(se, 1e6, 0x7E, .towardZero, .satNone)
        // Rounding precedes saturation: just above Mhi rounds down to Mhi under RN.
        expectBoth(se, 230, 0x7E)
        // ToOdd on unsigned Extended gives Mhi; on signed Extended, Inf.
        let ue = try! Format.named("binary8p3ue")
        expectBoth(ue, 1e30, ue.maxFiniteCode(), .toOdd, .satNone)
        expectBoth(se, 1e30, 0x7F, .toOdd, .satNone)
        // Unsigned formats: negatives give NaN under SatNone, the least value (0) otherwise.
        expectBoth(ue, -1, 0xFF, .nearestTiesToEven, .satNone)
        expectBoth(ue, -1, 0x00, .nearestTiesToEven, .satFinite)
        expectBoth(ue, -0x1p-40, 0x00, .nearestTiesToEven, .satNone)  // rounds to zero first
    }
}
