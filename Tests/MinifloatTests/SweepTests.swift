import Minifloat
import MinifloatOracle
import MinifloatVerify
import Testing

/// The sweep: the oracle's code intervals are right (checked input by input on 16-bit sources),
/// and the fast array path agrees with them on every input.
@Suite("Sweep: every input of a source type")
struct SweepTests {
    static let mainFormats: [Format] = [.e4m3fn, .e5m2, .e4m3fnuz, .e5m2fnuz, .e4m3b11fnuz, .e3m4, .e2m3fn,
                                        .e3m2fn, .e2m1fn, .e8m0fnu, .ue4m3, .e2m1, .e3m0, .e1m2]

    @Test("the oracle's intervals equal the oracle asked input by input (all 65,536 bfloat16 and float16 inputs)",
          arguments: [(Format.e4m3fn, RoundingMode.nearestTiesToEven, SaturationMode.satNone),
                      (.e8m0fnu, .towardPositive, .satFinite), (.e2m1fn, .toOdd, .satPropagate),
                      (try! Format.named("binary5p2ue"), .nearestTiesToAway, .satNone)])
    func intervalsAreExact(f: Format, rounding: RoundingMode, saturation: SaturationMode) throws {
        for source in [Format.bfloat16, .binary16] {
            let intervals = try #require(Oracle.codeIntervals(f, source: source, rounding: rounding, saturation: saturation))
            var expanded: [UInt32] = []
            for run in intervals { expanded += Array(repeating: run.code, count: Int(run.last - run.first) + 1) }
            #expect(expanded.count == 1 << 16)
            #expect(intervals.first?.first == 0 && intervals.last?.last == 0xFFFF)
            var wrong = 0
            for bits in 0..<UInt32(1 << 16) {
                let code = Oracle.Bracket(Oracle.decode(bits, in: source), f)
                    .code(rounding: rounding, saturation: saturation)
                if code != expanded[Int(bits)] { wrong += 1 }
            }
            #expect(wrong == 0, "\(f) from \(source)")
        }
    }

    @Test("every catalog format of at most 8 bits, every deterministic mode, from bfloat16 and float16",
          arguments: Sweep.Source.allCases.filter { $0 != .float32 })
    func halfPrecisionSources(source: Sweep.Source) throws {
        for f in smallFormats {
            let modes = Self.mainFormats.contains(f) ? RoundingMode.deterministic : [.nearestTiesToEven, .towardZero]
            for rounding in modes {
                for saturation in [SaturationMode.satFinite, .satNone] {
                    let r = try Sweep.run(f, source: source, rounding: rounding, saturation: saturation, threads: 2)
                    #expect(r.checked == 1 << 16)
                    #expect(r.mismatchCount == 0, "\(f) \(rounding) \(saturation) from \(source): \(r.mismatches)")
                }
            }
        }
    }

    @Test("all 2^32 float32 inputs: e4m3fn, round to nearest even, SatFinite")
    func float32() throws {
        let r = try Sweep.run(.e4m3fn, source: .float32, rounding: .nearestTiesToEven, saturation: .satFinite, threads: 2)
        #expect(r.checked == 1 << 32)
        #expect(r.mismatchCount == 0, "\(r.mismatches)")
    }
}
