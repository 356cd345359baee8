import Foundation
import Minifloat
import MinifloatIO
import MinifloatOracle
import Testing

@Suite("Gen")
struct GenTests {
    func temporary(_ suffix: String = ".npy") -> String {
        NSTemporaryDirectory() + "minifloat-gen-\(UUID().uuidString)\(suffix)"
    }

    /// The cases hold every value of the format, every midpoint, the specials; the expected codes
    /// are the oracle's; the same seed gives the same bytes.
    @Test(arguments: [("e4m3fn", "f32"), ("e2m1fn", "f16"), ("e5m2", "f64"), ("e8m0fnu", "bf16"), ("e3m2fn", "f32")])
    func casesAndExpectedCodes(format: String, from: String) throws {
        let f = try Format.named(format)
        let cases = temporary(), expected = temporary(), again = temporary()
        defer { for p in [cases, expected, again] { try? FileManager.default.removeItem(atPath: p) } }
        let r = try runMinifloat(["gen", format, "--from", from, "--count", "2000", "--seed", "5", "--rounding", "rtp",
                                  "--saturation", "satfinite", "--output", cases, "--expected", expected])
        #expect(r.status == 0, "\(r.stderr)")
        let (input, bits) = try readAllBits(cases)
        let (_, codes) = try readAllBits(expected)
        #expect(bits.count == codes.count && Set(bits).count == bits.count)
        let values: [Double] = bits.map { b in
            switch input.elementType {
            case .float32: return Double(Float(bitPattern: UInt32(b)))
            case .float16: return Double(Float16(bitPattern: UInt16(b)))
            case .bfloat16: return Double(Float(bitPattern: UInt32(b) << 16))
            default: return Double(bitPattern: b)
            }
        }
        for (x, c) in zip(values, codes) {
            #expect(c == UInt64(oracleCode(x, f, .towardPositive, .satFinite)), "x = \(x)")
        }
        // Every finite value of the format (exact in these source types), both signs, and every
        // midpoint between adjacent magnitudes are cases.
        let present = Set(values.filter { !$0.isNaN })
        let magnitudes = Set((0...f.maxCode).map { f.decode($0) }.filter { $0.isFinite }.map(abs)).sorted()
        for (k, v) in magnitudes.enumerated() {
            #expect(present.contains(v) && present.contains(-v), "value \(v)")
            if k + 1 < magnitudes.count {
                let mid = (v + magnitudes[k + 1]) / 2
                let sourceFormat: Format? = ["f16": .binary16, "bf16": .bfloat16, "f32": .binary32][from]
                let representable = sourceFormat.map { $0.decode($0.encode(mid, rounding: .towardZero)) == mid } ?? true
                if representable { #expect(present.contains(mid), "midpoint \(mid)") }
            }
        }
        #expect(present.contains(.infinity) && present.contains(-.infinity) && values.contains { $0.isNaN })
        #expect(values.contains { $0 == 0 && $0.sign == .minus } && values.contains { $0 == 0 && $0.sign == .plus })
        // Same options, same file; another seed changes the random cases only.
        _ = try runMinifloat(["gen", format, "--from", from, "--count", "2000", "--seed", "5", "--output", again])
        #expect(try Data(contentsOf: URL(fileURLWithPath: again)) == Data(contentsOf: URL(fileURLWithPath: cases)))
        _ = try runMinifloat(["gen", format, "--from", from, "--count", "2000", "--seed", "6", "--output", again])
        #expect(try Data(contentsOf: URL(fileURLWithPath: again)) != Data(contentsOf: URL(fileURLWithPath: cases)))
    }

    @Test func stochasticAndBadInput() throws {
        let cases = temporary(), expected = temporary(), random = temporary()
        defer { for p in [cases, expected, random] { try? FileManager.default.removeItem(atPath: p) } }
        let r = try runMinifloat(["gen", "e4m3fn", "--rounding", "srb", "--random-bits", "6", "--count", "100",
                                  "--output", cases, "--expected", expected, "--random-output", random])
        #expect(r.status == 0, "\(r.stderr)")
        let (_, bits) = try readAllBits(cases)
        let (_, codes) = try readAllBits(expected)
        let (rs, rbits) = try readAllBits(random)
        #expect(rs.elementType == .uint32 && rbits.count == bits.count && rbits.allSatisfy { $0 < 64 })
        for i in bits.indices {
            let x = Double(Float(bitPattern: UInt32(bits[i])))
            #expect(codes[i] == UInt64(oracleCode(x, .e4m3fn, .stochasticB(bits: 6, random: rbits[i]), .satNone)))
        }
        // verify agrees with its own answers, given the same random values.
        let v = try runMinifloat(["verify", "e4m3fn", "--input", cases, "--claimed", expected, "--rounding", "srb",
                                  "--random-bits", "6", "--random-values", random])
        #expect(v.status == 0, "\(v.stdout) \(v.stderr)")
        let out = temporary()
        let bad: [([String], String)] = [
            (["gen", "e4m3fn", "--from", "f8", "--output", out], "unknown --from"),
            (["gen", "e4m3fn", "--level", "3", "--output", out], "--level"),
            (["gen", "e4m3fn", "--rounding", "sra", "--random-bits", "3", "--output", out, "--expected", out + "e"], "--random-output"),
            (["gen", "e4m3fn", "--count", "-1", "--output", out], "--count"),
            (["gen", "nosuch", "--output", out], "unknown format"),
            (["gen", "e4m3fn", "--output", "/nonexistent/dir/x.npy"], "cannot write"),
        ]
        for (arguments, expected) in bad {
            let r = try runMinifloat(arguments)
            #expect(r.status == 2 && r.stderr.contains(expected) && r.stderr.split(separator: "\n").count == 1,
                    "\(arguments): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }
}
