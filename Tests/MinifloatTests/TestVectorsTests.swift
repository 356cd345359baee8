import Minifloat
import MinifloatIO
import MinifloatOracle
import MinifloatVerify
import Testing

/// `TestVectors` called directly: what it promises to contain, and reference codes that the
/// independent fast codec agrees with.
@Suite("TestVectors")
struct TestVectorsTests {
    @Test(arguments: [("e2m1fn", ElementType.float32), ("e4m3fn", .bfloat16), ("e5m2", .float64), ("e3m2fn", .float16)])
    func casesCoverTheFormat(format: String, source: ElementType) throws {
        let f = try Format.named(format)
        let vectors = try TestVectors(format: f, source: source, randomCount: 300, seed: 4)
        let values = Set(vectors.bits.map { source.doubleValue(bits: $0).bitPattern })
        #expect(Set(vectors.bits).count == vectors.count)  // no duplicates
        // Every finite value of the format and every midpoint between neighbours that the source
        // type holds exactly (all of them for these formats and sources), both signs.
        let magnitudes = Set((0...f.maxCode).filter { Oracle.classify($0, in: f) == .normal || Oracle.classify($0, in: f) == .subnormal }
            .map { Oracle.decode($0, in: f).rational!.magnitude }).sorted()
        for (k, v) in magnitudes.enumerated() {
            let points = [v] + (k + 1 < magnitudes.count ? [(v + magnitudes[k + 1]) / Rational(2)] : [])
            for p in points {
                let d = Double(p.exactDecimalString!)!
                #expect(values.contains(d.bitPattern) && values.contains((-d).bitPattern), "\(format) \(p)")
            }
        }
        for special in [0.0, -0.0, Double.infinity, -Double.infinity] { #expect(values.contains(special.bitPattern)) }
        #expect(vectors.bits.contains { source.doubleValue(bits: $0).isNaN })
        // Deterministic, and the seed matters.
        #expect(try TestVectors(format: f, source: source, randomCount: 300, seed: 4).bits == vectors.bits)
        #expect(try TestVectors(format: f, source: source, randomCount: 300, seed: 5).bits != vectors.bits)
        // The oracle's codes equal the fast scalar codec's on every case (two implementations).
        for (m, s) in [(RoundingMode.nearestTiesToEven, SaturationMode.satNone), (.towardZero, .satFinite), (.nearestTiesToAway, .satPropagate)] {
            let codes = vectors.expectedCodes(rounding: m, saturation: s)
            for (i, bits) in vectors.bits.enumerated() {
                #expect(codes[i] == f.encode(source.doubleValue(bits: bits), rounding: m, saturation: s), "\(format) case \(i)")
            }
        }
    }

    @Test func stochasticCodesUseTheirRandomValues() throws {
        let f = Format.e4m3fn
        let vectors = try TestVectors(format: f, randomCount: 200, seed: 2)
        let mode = RoundingMode.stochasticC(bits: 6, random: 0)
        let codes = vectors.expectedCodes(rounding: mode, saturation: .satNone)
        for (i, bits) in vectors.bits.enumerated() {
            let r = vectors.randomValue(i, randomBits: 6)
            #expect(r == seededRandom(seed: 2 ^ 0x5EED, index: i, bits: 6))
            #expect(codes[i] == f.encode(Double(Float(bitPattern: UInt32(bits))), rounding: mode.withRandom(r), saturation: .satNone))
        }
    }

    @Test func badArguments() {
        #expect(throws: VerifyError.self) { try TestVectors(format: .e4m3fn, level: 3) }
        #expect(throws: VerifyError.self) { try TestVectors(format: .binary32) }
        #expect(throws: VerifyError.self) { try TestVectors(format: .e4m3fn, source: .uint8) }
        #expect(throws: VerifyError.self) { try TestVectors(format: .e4m3fn, randomCount: -1) }
    }
}
