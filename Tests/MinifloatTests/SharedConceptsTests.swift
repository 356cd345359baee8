import Foundation
import Minifloat
import MinifloatIO
import Testing

/// The small shared pieces the command line, the verifier and the C libraries now use instead of
/// their own copies.
@Suite("Shared concepts")
struct SharedConceptsTests {
    @Test func modeNamesRoundTrip() {
        for m in RoundingMode.deterministic + [.stochasticA(bits: 5, random: 3), .stochasticB(bits: 1, random: 0),
                                               .stochasticC(bits: 32, random: 7)] {
            #expect(RoundingMode(shortName: m.shortName.uppercased(), randomBits: m.randomBits, random: m.randomValue) == m)
            #expect(RoundingMode.isStochastic(shortName: m.shortName) == m.isStochastic)
        }
        #expect(RoundingMode.shortNames == RoundingMode.deterministic.map(\.shortName) + ["sra", "srb", "src"])
        #expect(RoundingMode(shortName: "rnd") == nil && !RoundingMode.isStochastic(shortName: "x"))
        for s in SaturationMode.allCases { #expect(SaturationMode(shortName: s.shortName.uppercased()) == s) }
        #expect(SaturationMode(shortName: "OvfInf") == .satNone && SaturationMode(shortName: "clamp") == nil)
    }

    /// R_i against the published SplitMix64 outputs for state 0 (Steele, Lea and Flood 2014):
    /// 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, 0x06c45d188009454f; R_(2j) from output j's low
    /// half, R_(2j+1) from its high half.
    @Test func randomValues() {
        let published: [UInt64] = [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F]
        for (j, z) in published.enumerated() {
            #expect(RandomSource.seed(0).value(at: 2 * j, bits: 32) == z & 0xFFFF_FFFF)
            #expect(RandomSource.seed(0).value(at: 2 * j + 1, bits: 32) == z >> 32)
            #expect(RandomSource.seed(0).value(at: 2 * j, bits: 1) == z >> 31 & 1)
            #expect(RandomSource.seed(0).value(at: 2 * j + 1, bits: 1) == z >> 63)
        }
        #expect(RandomSource.values([0xFFFF_FFFF, 0x12]).value(at: 0, bits: 4) == 0xF)
        #expect(RandomSource.values([0xFFFF_FFFF, 0x12]).value(at: 1, bits: 4) == 0x2)
    }

    @Test func packedFP4() {
        let bytes: [UInt8] = [0x21, 0x43, 0x05]
        #expect((0..<5).map { PackedFP4.code(at: $0, in: bytes) } == [1, 2, 3, 4, 5])
        #expect(PackedFP4.code(at: 1, in: bytes[1...]) == 4)  // slices index from their start
        #expect(PackedFP4.pack([1, 2, 3, 4, 5], rowLength: 5) == bytes)
        #expect(PackedFP4.unpack(bytes, rowLength: 5) == [1, 2, 3, 4, 5])
    }

    @Test func hexCodesAndClasses() {
        #expect(Format.e4m3fn.hexCode(0x7) == "0x07" && Format.e2m1fn.hexCode(0x7) == "0x07"
                && Format.e3m2fn.hexCode(0x3f) == "0x3f" && (try? Format.named("e21m0"))?.hexCode(1) == "0x000001")
        #expect(Format.binary16.hexCode(0x1F) == "0x001f")
        #expect(CodeClass.allCases.map(\.shortName) == ["zero", "subnormal", "normal", "inf", "nan"])
    }

    /// The raw-pointer encoder (which the typed functions now call) and the element-type dispatch
    /// give the oracle's codes, on values that reach ties, overflow, subnormals and NaN.
    @Test func rawEncodingMatchesTheOracle() {
        let xs: [Float] = (0..<1000).map { Float(Int($0) - 500) * 0.37 } + [464, -464, 480, 500, 1e-3, -0x1p-9, 0x1.8p-9, .nan, -.infinity, 0]
        let f = Format.e4m3fn
        let expected = xs.map { UInt8(oracleCode(Double($0), f, .towardZero, .satFinite)) }
        var raw = [UInt8](repeating: 0, count: xs.count)
        xs.withUnsafeBytes { r in
            raw.withUnsafeMutableBufferPointer {
                f.encode(raw: r, as: .float32, count: xs.count, into: $0, rounding: .towardZero, saturation: .satFinite)
            }
        }
        #expect(raw == expected)
        let halves = xs.map { BFloat16(bitPattern: UInt16($0.bitPattern >> 16)) }  // truncated: any bits do
        var viaElementType = [UInt16](repeating: 0, count: xs.count)
        halves.withUnsafeBytes { r in
            viaElementType.withUnsafeMutableBufferPointer {
                f.encode(elementsOf: .bfloat16, r, count: xs.count, into: $0, rounding: .nearestTiesToEven, saturation: .satNone,
                         threads: 1)
            }
        }
        #expect(viaElementType == halves.map { UInt16(oracleCode(Double(Float($0)), f, .nearestTiesToEven, .satNone)) })
        #expect(ElementType.allCases.filter { $0.floatSource != nil } == [.float16, .bfloat16, .float32, .float64])
    }

    /// `JSON.encode` keeps the order in which `encode(to:)` writes keys, writes `nil` as null only
    /// when asked, and merges a second request for the same keyed container.
    @Test func jsonEncodingKeepsOrder() throws {
        struct Inner: Encodable { let b = [1, 2]; let a: String? = nil }
        struct Outer: Encodable {
            enum K: String, CodingKey { case zeta, alpha, inner, empty }
            func encode(to e: any Encoder) throws {
                var c = e.container(keyedBy: K.self)
                try c.encode("z/1", forKey: .zeta)
                try c.encodeNil(forKey: .empty)
                var again = e.container(keyedBy: K.self)
                try again.encode(Inner(), forKey: .inner)
                try again.encode(UInt8(7), forKey: .alpha)
            }
        }
        #expect(try JSON.encode(Outer()).text == #"{"zeta":"z/1","empty":null,"inner":{"b":[1,2]},"alpha":7}"#)
        #expect(throws: EncodingError.self) { try JSON.encode([UInt64.max]) }
        #expect(JSON.parse(try JSON.encode(Outer()).text) == (try JSON.encode(Outer())))
    }
}
