import Minifloat
import MinifloatOracle
import Testing

/// Every Float16 and every bfloat16 input, for every catalog format of at most 8 bits (and LLM-FP4
/// variants), every deterministic rounding mode and every saturation mode: fast codec == oracle.
@Suite("Exhaustive: all 2^16 Float16 and bfloat16 inputs")
struct ExhaustiveHalfPrecisionTests {
    static let modes = RoundingMode.deterministic
    static let saturations = SaturationMode.allCases

    /// Compares one format over a list of inputs; returns the number of (input, mode, saturation) cases.
    static func check(_ f: Format, inputs: [Double], label: String) -> Int {
        var cases = 0, failures = 0
        for x in inputs {
            let bracket = Oracle.Bracket(ExactValue(x), f)
            for r in modes {
                for s in saturations {
                    let expected = bracket.code(rounding: r, saturation: s)
                    let got = f.encode(x, rounding: r, saturation: s)
                    cases += 1
                    if got != expected {
                        failures += 1
                        if failures <= 5 {
                            Issue.record("\(f.name) \(label) \(x) \(r.shortName) \(s): fast \(hex(got)), oracle \(hex(expected))")
                        }
                    }
                }
            }
        }
        return cases
    }

    static let float16Inputs: [Double] = (0...UInt16.max).map { Double(Float16(bitPattern: $0)) }
    static let bfloat16Inputs: [Double] = (0...UInt16.max).map { Double(Float(BFloat16(bitPattern: $0))) }

    @Test("Float16 inputs", arguments: smallFormats)
    func float16(_ f: Format) {
        #expect(Self.check(f, inputs: Self.float16Inputs, label: "f16") == 65536 * 6 * 3)
    }

    @Test("bfloat16 inputs", arguments: smallFormats)
    func bfloat16(_ f: Format) {
        #expect(Self.check(f, inputs: Self.bfloat16Inputs, label: "bf16") == 65536 * 6 * 3)
    }
}
