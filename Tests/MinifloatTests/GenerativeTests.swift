import Minifloat
import MinifloatOracle
import PropertyBased
import Testing

/// Float and Double inputs where the input space is too large to enumerate: random bit patterns,
/// midpoints between adjacent codes and a few ulps either side, the overflow threshold, the
/// subnormal boundary, signed zeros, infinities and NaNs with payloads. Every catalog format up to
/// 16 bits, every mode; fast codec == oracle.
@Suite("Generative: Float and Double inputs")
struct GenerativeTests {
    static let formats = catalogFormats(upToBits: 16) + llmfp4Variants
    static let modes = RoundingMode.deterministic
    static let saturations = SaturationMode.allCases

    /// An input of the given kind for format `f`, built from random bits `r`.
    static func input(kind: Int, _ f: Format, _ r: UInt64) -> Double {
        let nudge = Int(r % 7) - 3  // -3 ... 3 ulps of Double
        func nudged(_ x: Double) -> Double {
            var y = x
            for _ in 0..<abs(nudge) { y = nudge > 0 ? y.nextUp : y.nextDown }
            return y
        }
        let sign: Double = (r >> 8) & 1 == 0 ? 1 : -1
        let positiveCodes = UInt64(f.maxFiniteMagnitude)
        switch kind {
        case 0:  // any Double
            return Double(bitPattern: r)
        case 1:  // a midpoint between adjacent codes (or a code itself), nudged
            let c = UInt32((r >> 16) % (positiveCodes + 1))
            let lo = f.decode(c)
            let hi = c < f.maxFiniteMagnitude ? f.decode(c + 1) : lo
            let mid = (lo + hi) / 2
            return sign * nudged((r >> 12) & 1 == 0 && mid.isFinite ? mid : lo)
        case 2:  // around the overflow threshold: Mhi, the next grid point and their midpoint
            let mhi = f.decode(f.maxFiniteCode())
            let below = f.decode(f.maxFiniteCode() - 1)
            let next = mhi + (mhi - below)  // the grid continues upward in the top binade
            let choices = [mhi, (mhi + next) / 2, next, 2 * mhi]
            return sign * nudged(choices[Int((r >> 16) % 4)])
        case 3:  // around the smallest positive value and half of it
            let least = f.decode(f.hasZero ? 1 : 0)
            let choices = [least, least / 2, least * 1.5, least / 4]
            return sign * nudged(choices[Int((r >> 16) % 4)])
        default:  // zeros, infinities, NaNs with payloads
            let specials = [0.0, .infinity, Double(bitPattern: 0x7FF0_0000_0000_0000 | (r >> 13 | 1)),
                            Double(bitPattern: 0x7FF8_0000_0000_0000 | r >> 14)]
            return sign * specials[Int((r >> 16) % 4)]
        }
    }

    static func check(_ x: Double, _ f: Format, _ r: RoundingMode, _ s: SaturationMode) {
        let expected = oracleCode(x, f, r, s)
        let got = f.encode(x, rounding: r, saturation: s)
        #expect(got == expected, "\(f) \(x) (\(String(x.bitPattern, radix: 16))) \(r) \(s): fast \(hex(got)) oracle \(hex(expected))")
    }

    @Test("Double inputs", arguments: 0..<5)
    func doubles(kind: Int) async {
        await propertyCheck(count: 4000, input: Gen.int(in: 0..<Self.formats.count), Gen.int(in: 0..<6),
                            Gen.int(in: 0..<3), Gen.uint64()) { fi, mi, si, bits in
            let f = Self.formats[fi]
            Self.check(Self.input(kind: kind, f, bits), f, Self.modes[mi], Self.saturations[si])
        }
    }

    @Test("Float inputs", arguments: 0..<5)
    func floats(kind: Int) async {
        await propertyCheck(count: 4000, input: Gen.int(in: 0..<Self.formats.count), Gen.int(in: 0..<6),
                            Gen.int(in: 0..<3), Gen.uint64()) { fi, mi, si, bits in
            let f = Self.formats[fi]
            // Kind 0: any Float bit pattern; otherwise the Double input moved to the nearest Float
            // and nudged by Float ulps, so that midpoints are approached in the Float grid.
            var x: Float = kind == 0 ? Float(bitPattern: UInt32(truncatingIfNeeded: bits))
                                     : Float(Self.input(kind: kind, f, bits))
            for _ in 0..<Int(bits >> 60 & 3) { x = bits >> 59 & 1 == 0 ? x.nextUp : x.nextDown }
            let r = Self.modes[mi], s = Self.saturations[si]
            let expected = Oracle.Bracket(ExactValue(x), f).code(rounding: r, saturation: s)
            #expect(f.encode(x, rounding: r, saturation: s) == expected, "\(f) \(x) \(r) \(s)")
        }
    }

    @Test("stochastic rounding A, B, C with random N and R")
    func stochastic() async {
        await propertyCheck(count: 20000, input: Gen.int(in: 0..<Self.formats.count), Gen.int(in: 0..<3),
                            Gen.int(in: 1...32), Gen.uint64(), Gen.uint64()) { fi, which, n, rbits, bits in
            let f = Self.formats[fi]
            let random = rbits & ((1 << UInt64(n)) - 1)
            let mode: RoundingMode = [.stochasticA(bits: n, random: random), .stochasticB(bits: n, random: random),
                                      .stochasticC(bits: n, random: random)][which]
            let x = Self.input(kind: Int(bits >> 61) % 4, f, bits)
            Self.check(x, f, mode, Self.saturations[Int(bits % 3)])
        }
    }

    @Test("stochastic rounding picks a neighbour, and up with the spec's frequency")
    func stochasticFrequency() {
        // x = 1 + 3/8 * ulp in e4m3fn (ulp 1/8 at 1): nu = 3/8. With N = 3, A rounds up for exactly
        // the R with floor(3) + R >= 8, i.e. 3 of the 8 values of R (P3109 v4.0 section 4.2).
        let f = Format.e4m3fn
        let x = 1 + 3.0 / 64
        let ups = (0..<8).filter { f.encode(x, rounding: .stochasticA(bits: 3, random: UInt64($0))) == 0x39 }
        #expect(ups == [5, 6, 7])
    }
}
