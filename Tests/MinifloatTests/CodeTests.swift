import Minifloat
import MinifloatOracle
import Testing

/// Every code of every catalog format (up to 16 bits): the fast decode equals the oracle, and
/// encoding a decoded code gives the code back.
@Suite("Every code")
struct CodeTests {
    static let formats = catalogFormats(upToBits: 16) + llmfp4Variants

    @Test("decode equals the oracle", arguments: formats)
    func decode(_ f: Format) throws {
        var failures = 0
        for c in 0...f.maxCode {
            let exact = Oracle.decode(c, in: f)
            let ok: Bool
            switch exact {
            case .nan: ok = f.classify(c) == .nan && f.decode(c).isNaN && f.decode(c, as: Float.self).isNaN
            case .infinity(let negative):
                ok = f.classify(c) == .infinity && f.decode(c) == (negative ? -.infinity : .infinity)
            case .finite(let negative, let magnitude):
                let (n, significand, exponent) = try #require(f.finiteValue(c))
                let fastExact = Rational(Int(significand)).timesPowerOfTwo(exponent)
                // Decode to Float rounds once; the oracle rounds the exact value to binary32.
                let float = f.decode(c, as: Float.self)
                let expectedFloat = Oracle.nearest(exact, in: .binary32)
                var good = n == negative && fastExact == magnitude && ExactValue(float) == expectedFloat
                    && f.classify(c) == Oracle.classify(c, in: f)
                // Decode to Double is exact whenever the value is a normal Double.
                if magnitude.sign == 0 || (magnitude >= Rational.powerOfTwo(-1022) && magnitude < Rational.powerOfTwo(1024)) {
                    good = good && ExactValue(f.decode(c)) == exact
                }
                ok = good
            }
            if !ok {
                failures += 1
                if failures <= 5 { Issue.record("\(f) code \(hex(c)): oracle \(exact), fast \(f.decode(c))") }
            }
        }
    }

    @Test("encode(decode(c)) == c for every canonical code, every mode", arguments: formats)
    func roundTrip(_ f: Format) {
        var failures = 0
        for c in 0...f.maxCode where f.isCanonical(c) {
            let x = f.decode(c)
            guard x.isNaN || ExactValue(x) == Oracle.decode(c, in: f) else { continue }  // beyond Double's range
            for r in RoundingMode.deterministic {
                for s in SaturationMode.allCases {
                    let expected: UInt32
                    if f.classify(c) == .infinity && s == .satFinite {
                        expected = f.maxFiniteCode(negative: x < 0)
                    } else {
                        expected = c
                    }
                    if f.encode(x, rounding: r, saturation: s) != expected {
                        failures += 1
                        if failures <= 5 { Issue.record("\(f) code \(hex(c)) \(r.shortName) \(s)") }
                    }
                }
            }
        }
    }

    /// Two-bit unsigned E1M1 with P3109's infinities: its smallest normal code is +Inf, which the
    /// oracle must never need as a code (its fixed codes are worked out once per format). Every
    /// input kind, every mode: the oracle answers, and as the fast codec does.
    @Test func unsignedE1M1WithInfinities() throws {
        let f = try Format(name: "ue1m1-p3109e", signedness: .unsigned, exponentBits: 1, mantissaBits: 1, bias: 1,
                           specialValues: .p3109Extended)
        #expect(f.classify(2) == .infinity && f.classify(3) == .nan)
        for x in [0.0, -0.0, 0x1p-3, 0.25, 0.5, 0.75, 1, 5, -0.25, .infinity, -.infinity, .nan] {
            for r in RoundingMode.deterministic {
                for s in SaturationMode.allCases {
                    #expect(oracleCode(x, f, r, s) == f.encode(x, rounding: r, saturation: s), "\(x) \(r.shortName) \(s)")
                }
            }
        }
    }
}
