import Foundation
import LLMFP4
import Minifloat
import MinifloatOracle
import Testing

@Suite("LLM-FP4: channel offsets and folding")
struct LLMFP4FoldingTests {
    /// Folding the integer offsets into the weights changes no output, exactly, for random shapes,
    /// formats, scales, offsets, data (ties, clipping and subnormals included) and every mode; the
    /// folded weights keep their codes.
    @Test func foldingIsLossless() throws {
        var random = ProofRandom(seed: 21)
        var terms = 0
        for _ in 0..<ProofCounts.folds {
            let n = random.int(1...3), c = random.int(1...6), o = random.int(1...3)
            let e = random.int(1...3)
            let activation = try ExactFPQuantizer(exponentBits: e, mantissaBits: 3 - e, integerBias: 0, scale: random.scale())
            let offsets = (0..<c).map { _ in random.int(0...((1 << e) - 1)) }
            let weightQuantizers = (0..<o).map { _ in random.quantizer() }
            let mode = random.mode()
            let channels = try offsets.map { try activation.shifted(by: $0) }
            let x = (0..<n).map { _ in (0..<c).map { j in random.input(for: channels[j]) } }
            let w = (0..<c).map { _ in (0..<o).map { k in random.input(for: weightQuantizers[k]) } }
            let layer = FoldedLinear(weights: w, weightQuantizers: weightQuantizers, activation: activation,
                                     offsets: offsets, rounding: mode)
            #expect(try layer.output(x, rounding: mode) == layer.unfoldedOutput(x, rounding: mode))
            for j in 0..<c {
                for k in 0..<o {
                    let folded = try layer.foldedWeight(row: j, column: k)
                    let unfolded = weightQuantizers[k].value(ofCode: layer.weightCodes[j][k])
                    #expect(folded == unfolded.timesPowerOfTwo(-offsets[j]))
                    // The folded value is exactly a value of the shifted format, with the same code.
                    #expect(try layer.foldedWeightQuantizer(row: j, column: k).code(ExactValue(folded)) == layer.weightCodes[j][k])
                }
            }
            terms += n * c * o
        }
        #expect(terms > 1000)
    }

    /// Offsets computed from data, by both rules, on a matrix with a few outlier channels: folding is
    /// exact whatever the rule, and the two rules differ only where the fractional parts straddle 1/2.
    @Test func offsetsFromData() throws {
        var random = ProofRandom(seed: 22)
        for _ in 0..<40 {
            let n = 4, c = 8, e = 2, m = 1
            let x: [[Double]] = (0..<n).map { _ in
                (0..<c).map { j in Double(random.int(-1000...1000)) / 100 * (j % 4 == 0 ? 20 : 1) }
            }
            let maxima = (0..<c).map { j in Swift.max(x.map { Swift.abs($0[j]) }.max()!, 0.01) }
            let biases = maxima.map { ChannelOffsets.channelBias(maxAbs: $0, exponentBits: e, mantissaBits: m) }
            let rho = ChannelOffsets.initialRho(biases: biases)
            let smallest = biases.firstIndex(of: rho)!
            // The exact activation quantizer with bias rho: the one whose Qmax is that channel's maximum.
            let activation = try ExactFPQuantizer(exponentBits: e, mantissaBits: m, maxValue: Rational(exactly: maxima[smallest]))
            let w = (0..<c).map { _ in [Rational(random.int(-99...99), 16)] }
            let wq = [try ExactFPQuantizer(exponentBits: e, mantissaBits: m, maxValue: Rational(99, 16))]
            let xr = x.map { $0.map { Rational(exactly: $0) } }
            var byRule: [ChannelOffsets.Rule: [Int]] = [:]
            for rule in ChannelOffsets.Rule.allCases {
                let offsets = ChannelOffsets.offsets(biases: biases, rho: rho, exponentBits: e, rule: rule)
                #expect(offsets.allSatisfy { (0...3).contains($0) })
                byRule[rule] = offsets
                let layer = FoldedLinear(weights: w, weightQuantizers: wq, activation: activation, offsets: offsets)
                #expect(try layer.output(xr) == layer.unfoldedOutput(xr))
            }
            for j in 0..<c where byRule[.paper]![j] != byRule[.code]![j] {
                #expect(Swift.abs(byRule[.paper]![j] - byRule[.code]![j]) == 1)
            }
        }
        // docs/llm-fp4.md, offset rules: b = 2.4, rho = 1.6: the code's rule gives 0, the paper's 1.
        #expect(ChannelOffsets.offsets(biases: [2.4], rho: 1.6, exponentBits: 2, rule: .code) == [0])
        #expect(ChannelOffsets.offsets(biases: [2.4], rho: 1.6, exponentBits: 2, rule: .paper) == [1])
        // Clipped to [0, 2^e - 1].
        #expect(ChannelOffsets.offsets(biases: [-5, 40], rho: 0, exponentBits: 2, rule: .paper) == [0, 3])
    }

    /// Where folding stops being lossless, with the smallest counterexample the search finds.
    /// Each is shown in docs/llm-fp4.md.
    @Test func counterexamples() throws {
        // (a) A non-integer per-channel offset: channel scale s = 2^-delta not a power of two. The
        // activation side still factors exactly (Q(x; alpha s) = s Q(x / s; alpha)), but s times a
        // weight is not on the weight grid at any integer bias, so the folded weight must be
        // re-quantized. Weights and activations: E2M1 with b = 1 (the OCP FP4 grid).
        let e2m1 = try ExactFPQuantizer(exponentBits: 2, mantissaBits: 1, integerBias: 1)
        let grid = Set((0...e2m1.format.maxCode).map { e2m1.value(ofCode: $0) }).filter { $0.sign > 0 }.sorted()
        let scales = [Rational(3, 2), Rational(3, 4), Rational(5, 4), Rational(5, 8)]
        let xs = [1, 2, 3, 4, 6].map { Rational($0) } + [Rational(1, 2), Rational(3, 2)]
        var found: (s: Rational, w: Rational, x: Rational, folded: Rational, unfolded: Rational)? = nil
        search: for s in scales {
            let channel = try ExactFPQuantizer(exponentBits: 2, mantissaBits: 1, integerBias: 1, scale: s)
            for w in grid {
                // Only weights that no integer bias shift can hold after scaling by s.
                let representable = try (-12...12).contains { shift in
                    let q = try e2m1.shifted(by: shift)
                    return q(s * w) == s * w
                }
                if representable { continue }
                for x in xs {
                    let unfolded = channel(x) * w
                    let folded = e2m1(x / s) * e2m1(s * w)   // the folded weight re-quantized (RNE)
                    if folded != unfolded {
                        found = (s, w, x, folded, unfolded)
                        break search
                    }
                }
            }
        }
        let a = try #require(found)
        // By hand: 3/2 * 3/2 = 9/4 = 1.001b x 2 needs 3 significant bits, E2M1 has 2; Q(1 / (3/2)) =
        // Q(2/3) = 1/2 (below the midpoint 3/4); unfolded 3/2 * 1/2 * 3/2 = 9/8, folded 1/2 * Q(9/4) = 1/2 * 2.
        #expect(a.s == Rational(3, 2) && a.w == Rational(3, 2) && a.x == Rational(1))
        // The proof that it is not an artefact of one bias: s * w is on the E2M1 grid at no integer bias.
        for shift in -12...12 {
            let q = try e2m1.shifted(by: shift)
            #expect(q(a.s * a.w) != a.s * a.w)
        }
        #expect(a.unfolded == Rational(9, 8) && a.folded == Rational(1))

        // (b) Folding into a format with a fixed bias (no per-row bias): the folded weight 2^-k w must
        // be a value of the same format. OCP E2M1 (bias 1) and OCP E4M3 (e4m3fn, bias 7).
        func firstLoss(_ f: Format, maxShift: Int) -> (w: Double, k: Int, stored: Double)? {
            let positive = (0...f.maxCode).filter { f.classify($0) == .subnormal || f.classify($0) == .normal }
                .map { f.decode($0) }.filter { $0 > 0 }.sorted()
            for w in positive {
                for k in 1...maxShift {
                    let wanted = w / Double(1 << k)
                    let stored = f.decode(f.encode(wanted, rounding: .nearestTiesToEven, saturation: .satFinite))
                    if stored != wanted { return (w, k, stored) }
                }
            }
            return nil
        }
        let fp4 = try #require(firstLoss(.e2m1fn, maxShift: 3))
        #expect(fp4.w == 0.5 && fp4.k == 1 && fp4.stored == 0)        // 0.25 is not an E2M1 value: a tie, to 0
        let fp8 = try #require(firstLoss(.e4m3fn, maxShift: 7))
        #expect(fp8.w == 0x1p-9 && fp8.k == 1 && fp8.stored == 0)     // 2^-10 is below e4m3fn's least subnormal
        // In the layer: with x = 1 on channel j (k = 1), the unfolded term is Q(1; rho + 1) * 0.5, the
        // folded one Q(2; rho) * 0 = 0.
        let rho = try ExactFPQuantizer(exponentBits: 2, mantissaBits: 1, integerBias: 1)
        let unfolded = try rho.shifted(by: 1)(Rational(1)) * Rational(1, 2)
        let folded = rho(Rational(2)) * Rational(exactly: fp4.stored)
        #expect(unfolded == Rational(1, 2) && folded == Rational(0))
    }
}
