import Foundation
import LLMFP4
import Minifloat
import MinifloatOracle
import Testing

/// A seeded source of random exact test values for the LLM-FP4 proofs.
struct ProofRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 { state &+= 0x9E37_79B9_7F4A_7C15; return RandomSource.splitMix64(seed: state, index: 0) }
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    mutating func bool() -> Bool { next() & 1 == 0 }

    /// A scale alpha > 0: a random rational p/q, p, q in 1...999 (rarely a power of two).
    mutating func scale() -> Rational { Rational(int(1...999), int(1...999)) }

    /// An input for quantizer `q`: a grid value, a midpoint (tie), a value near them, one beyond the
    /// clip, one in the subnormal range, zero, or a random rational; with a random sign.
    mutating func input(for q: ExactFPQuantizer) -> Rational {
        let f = q.format
        let codes = Int(f.maxFiniteMagnitude)
        let c = UInt32(int(0...codes))
        let lo = q.value(ofCode: c)
        let hi = c < f.maxFiniteMagnitude ? q.value(ofCode: c + 1) : lo * Rational(2)
        let tiny = Rational(1, int(2...1_000_000))
        var x: Rational
        switch int(0...6) {
        case 0: x = lo
        case 1: x = (lo + hi) / Rational(2)                                  // a tie
        case 2: x = (lo + hi) / Rational(2) + (hi - lo) * tiny * Rational(bool() ? 1 : -1)
        case 3: x = q.qmax * Rational(int(1001...3000), 1000)               // clipped
        case 4: x = q.value(ofCode: 1) * Rational(int(0...4000), 1000)      // subnormal range
        case 5: x = Rational(0)
        default: x = q.qmax * Rational(int(0...1_000_000), 1_000_000)
        }
        return bool() ? x : -x
    }

    /// A random LLM-FP4 quantizer: 4-bit (E3M0, E2M1, E1M2) or 8-bit (E5M2...E1M6), integer part of
    /// the bias in -4...8, random rational scale.
    mutating func quantizer() -> ExactFPQuantizer {
        let eight = int(0...3) == 0
        let e = eight ? int(1...5) : int(1...3)
        let m = (eight ? 7 : 3) - e
        return try! ExactFPQuantizer(exponentBits: e, mantissaBits: m, integerBias: int(-4...8), scale: scale())
    }

    mutating func mode() -> RoundingMode {
        let all = RoundingMode.deterministic + [.stochasticA(bits: 5, random: 0), .stochasticB(bits: 5, random: 0),
                                                .stochasticC(bits: 5, random: 0)]
        let m = all[int(0...(all.count - 1))]
        let r = UInt64(int(0...31))
        switch m {
        case .stochasticA: return .stochasticA(bits: 5, random: r)
        case .stochasticB: return .stochasticB(bits: 5, random: r)
        case .stochasticC: return .stochasticC(bits: 5, random: r)
        default: return m
        }
    }
}

/// Case counts, reported in docs/llm-fp4.md.
enum ProofCounts {
    static let equivariance = 20000
    static let properties = 10000
    static let folds = 1000
}

@Suite("LLM-FP4: the quantizer")
struct LLMFP4QuantizerTests {
    /// The paper's grids and tie cases (docs/llm-fp4.md), by the float quantizer and the exact one.
    @Test func gridsAndTies() throws {
        func positiveValues(_ e: Int, _ m: Int, bias: Int) throws -> [Rational] {
            let q = try ExactFPQuantizer(exponentBits: e, mantissaBits: m, integerBias: bias)
            return Set((0...q.format.maxCode).map { q.value(ofCode: $0) }).filter { $0.sign >= 0 }.sorted()
        }
        #expect(try positiveValues(2, 1, bias: 1) == [0, 0.5, 1, 1.5, 2, 3, 4, 6].map { Rational(exactly: $0) })
        #expect(try positiveValues(3, 0, bias: 1) == [0, 1, 2, 4, 8, 16, 32, 64].map { Rational(exactly: $0) })
        #expect(try positiveValues(1, 2, bias: 1) == stride(from: 0.0, through: 1.75, by: 0.25).map { Rational(exactly: $0) })
        let paper = FPQuantizer(exponentBits: 2, mantissaBits: 1, bias: 1)
        let exact = try ExactFPQuantizer(exponentBits: 2, mantissaBits: 1, integerBias: 1)
        for (x, want) in [(2.5, 2.0), (0.25, 0.0), (1.25, 1.0), (1.75, 2.0), (5.0, 4.0), (100.0, 6.0), (-2.5, -2.0)] {
            #expect(paper(x) == want, "paper Q(\(x))")
            #expect(exact(Rational(exactly: x)) == Rational(exactly: want), "exact Q(\(x))")
        }
        #expect(paper.qmax == 6)
        // Bias from maxval = 1: each 4-bit format has 15 distinct values and its maximum at 1.
        for (e, m) in [(3, 0), (2, 1), (1, 2)] {
            let q = try ExactFPQuantizer(exponentBits: e, mantissaBits: m, maxValue: Rational(1))
            let values = Set((0...q.format.maxCode).map { q.value(ofCode: $0) })
            #expect(values.count == 15 && values.max() == Rational(1), "E\(e)M\(m)")
            #expect(abs(FPQuantizer(exponentBits: e, mantissaBits: m, maxValue: 1).qmax - 1) < 1e-15)
        }
        // E4M3 with b = 7 reaches 480 (OCP's e4m3fn stops at 448); E5M2 with b = 15 reaches 114688.
        #expect(FPQuantizer(exponentBits: 4, mantissaBits: 3, bias: 7).qmax == 480)
        #expect(FPQuantizer(exponentBits: 5, mantissaBits: 2, bias: 15).qmax == 114_688)
    }

    /// At most 2^q - 1 distinct values per bias group (every code finite, +-0 the one duplicate).
    @Test func distinctValues() throws {
        var random = ProofRandom(seed: 11)
        for _ in 0..<200 {
            let q = random.quantizer()
            let values = Set((0...q.format.maxCode).map { q.value(ofCode: $0) })
            #expect(values.count == Int(q.format.codeCount) - 1, "\(q.format.name)")
        }
    }

    /// Odd symmetry, idempotence, monotonicity and |Q| <= Qmax, in exact arithmetic, every mode.
    @Test func properties() throws {
        var random = ProofRandom(seed: 12)
        for _ in 0..<ProofCounts.properties {
            let q = random.quantizer()
            let mode = random.mode()
            let x = random.input(for: q), y = random.input(for: q)
            let qx = q(x, rounding: mode)
            #expect(qx.magnitude <= q.qmax)
            #expect(q(qx, rounding: mode) == qx, "idempotence")  // grid values never move, in any mode
            let mirrored: RoundingMode = mode == .towardPositive ? .towardNegative : mode == .towardNegative ? .towardPositive : mode
            if !mode.isStochastic {
                #expect(q(-x, rounding: mirrored) == -qx, "odd symmetry")
                if x <= y { #expect(qx <= q(y, rounding: mode), "monotone") }
            }
        }
    }

    /// Q(x; b + k) = 2^-k Q(2^k x; b) for every integer k, in every mode, with the same code.
    @Test func biasShiftEquivariance() throws {
        var random = ProofRandom(seed: 13)
        for _ in 0..<ProofCounts.equivariance {
            let q = random.quantizer()
            let k = random.int(-10...10)
            let mode = random.mode()
            let x = random.input(for: q)
            let shifted = try q.shifted(by: k)
            let scaledX = x.timesPowerOfTwo(k)
            #expect(shifted.code(ExactValue(x), rounding: mode) == q.code(ExactValue(scaledX), rounding: mode))
            #expect(shifted(x, rounding: mode) == q(scaledX, rounding: mode).timesPowerOfTwo(-k))
        }
    }

    /// For integer biases the paper's float formula equals the exact transcription (every step is
    /// a power of two), and both use the grid of the core's e<E>m<M>b<B> formats. The core (and its
    /// oracle) round the same way in every mode when m >= 1; for m = 0 (E3M0) the paper's
    /// round(x / step) sends normal ties up (n = 2 is even), where the core follows P3109's
    /// CodeIsEven rule for P = 1, and to-odd differs likewise: only those cases differ.
    @Test func paperFormulaForIntegerBiases() throws {
        var random = ProofRandom(seed: 14)
        var e3m0TieDifferences = 0
        for _ in 0..<3000 {
            let e = random.int(1...3), m = 3 - e, b = random.int(-3...6)
            let paper = FPQuantizer(exponentBits: e, mantissaBits: m, bias: Double(b))
            let exact = try ExactFPQuantizer(exponentBits: e, mantissaBits: m, integerBias: b)
            let x = Oracle.nearestDouble(ExactValue(random.input(for: exact)))
            let r = Rational(exactly: x)
            #expect(Rational(exactly: paper(x)) == exact(r), "e\(e)m\(m)b\(b) x=\(x)")
            let core = try Format.llmfp4(exponentBits: e, mantissaBits: m, bias: b)
            let mode = random.mode()
            let byOracle = Oracle.decode(Oracle.Bracket(ExactValue(x), core).code(rounding: mode, saturation: .satFinite),
                                         in: core).rational!
            let byCore = Rational(exactly: core.decode(core.encode(x, rounding: mode, saturation: .satFinite)))
            #expect(byOracle == byCore)
            let transcription = exact(r, rounding: mode)
            if m >= 1 || ![.nearestTiesToEven, .toOdd].contains(mode) {
                #expect(transcription == byOracle, "e\(e)m\(m)b\(b) x=\(x) \(mode.shortName)")
            } else if transcription != byOracle {
                if mode == .nearestTiesToEven {
                    #expect(Oracle.Bracket(ExactValue(x), core).isTie && transcription.magnitude > byOracle.magnitude)
                    e3m0TieDifferences += 1
                }
            }
        }
        #expect(e3m0TieDifferences > 0)
    }

    /// For a real bias (from maxval, Eq. 7) the float formula rounds in log2, exp2 and the division;
    /// it agrees with the exact quantizer except within a relative 2^-40 of a rounding boundary.
    @Test func paperFormulaForRealBiases() throws {
        var random = ProofRandom(seed: 15)
        var agreed = 0, nearBoundary = 0
        for _ in 0..<3000 {
            let e = random.int(1...3), m = 3 - e
            let maxValue = Double(random.int(1...100_000)) / Double(random.int(1...1000))
            let paper = FPQuantizer(exponentBits: e, mantissaBits: m, maxValue: maxValue)
            let exact = try ExactFPQuantizer(exponentBits: e, mantissaBits: m, maxValue: Rational(exactly: maxValue))
            let x = Oracle.nearestDouble(ExactValue(random.input(for: exact)))
            let want = exact(Rational(exactly: x))
            let got = Rational(exactly: paper(x))
            let difference = got - want
            if difference.magnitude <= want.magnitude * Rational.powerOfTwo(-40) {
                agreed += 1
                continue
            }
            // Otherwise x must be within 2^-40 (relative) of a midpoint or a binade edge of the exact grid.
            let codes = (0...exact.format.maxCode).map { exact.value(ofCode: $0) }.filter { $0.sign >= 0 }
            let grid = Set(codes).sorted()
            let boundaries = zip(grid, grid.dropFirst()).map { ($0 + $1) / Rational(2) } + grid
            let ax = Rational(exactly: Swift.abs(x))
            let close = boundaries.contains { ($0 - ax).magnitude <= ax * Rational.powerOfTwo(-40) }
            #expect(close, "x=\(x) maxval=\(maxValue): paper \(got), exact \(want)")
            nearBoundary += 1
        }
        #expect(agreed > 2500)
    }
}
