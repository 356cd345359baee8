import Minifloat
import Testing

/// Swift's Float16 and Float conversions are correctly rounded IEEE (ties to even): the binary16 and
/// binary32 catalog formats must agree with them bit for bit.
@Suite("Against the hardware")
struct HardwareTests {
    /// Random doubles spread over all exponents, plus values near binary16's rounding boundaries.
    static func inputs(count: Int, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        var out: [Double] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            switch i % 3 {
            case 0: out.append(Double(bitPattern: rng.next()))
            case 1:  // within binary16's range, any bits
                let e = Int(rng.next() % 48) - 30
                out.append(Double(sign: rng.next() & 1 == 0 ? .plus : .minus, exponent: e,
                                  significand: 1 + Double(rng.next() >> 12) * 0x1p-52))
            default:  // a Float16 midpoint nudged by a few ulps of Double
                let h = Float16(bitPattern: UInt16(truncatingIfNeeded: rng.next()))
                guard h.isFinite else { out.append(Double(h)); continue }
                let mid = (Double(h) + Double(h.nextUp)) / 2
                var x = mid
                for _ in 0..<Int(rng.next() % 4) { x = rng.next() & 1 == 0 ? x.nextUp : x.nextDown }
                out.append(x)
            }
        }
        return out
    }

    @Test func binary16FromDouble() {
        var mismatches = 0
        for x in Self.inputs(count: 2_000_000, seed: 1) {
            let h = Float16(x)
            let code = Format.binary16.encode(x)
            if x.isNaN ? Format.binary16.classify(code) != .nan : code != UInt32(h.bitPattern) { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test func binary16FromFloat() {
        var mismatches = 0
        for x in Self.inputs(count: 2_000_000, seed: 2) {
            let f = Float(x)  // any Float
            let code = Format.binary16.encode(f)
            if f.isNaN ? Format.binary16.classify(code) != .nan : code != UInt32(Float16(f).bitPattern) { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test func binary32FromDouble() {
        var mismatches = 0
        for x in Self.inputs(count: 2_000_000, seed: 3) where !x.isNaN {
            if Format.binary32.encode(x) != Float(x).bitPattern { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    /// binary32 has too many codes to enumerate: random codes, plus every code's neighbourhood of
    /// the subnormal, normal and special boundaries, decode to the same Float and Double as the hardware.
    @Test func binary32Decode() {
        var rng = SplitMix64(seed: 4)
        let boundaries: [UInt32] = [0, 1, 0x007F_FFFF, 0x0080_0000, 0x7F7F_FFFF, 0x7F80_0000, 0x7F80_0001, 0x7FC0_0000]
        var codes = (0..<1_000_000).map { _ in UInt32(truncatingIfNeeded: rng.next()) }
        for b in boundaries { for d in 0..<4 as Range<UInt32> { codes += [b &+ d, b &- d, (b &+ d) | 0x8000_0000] } }
        var mismatches = 0
        for c in codes {
            let hardware = Float(bitPattern: c)
            let f = Format.binary32.decode(c, as: Float.self), d = Format.binary32.decode(c)
            let ok = hardware.isNaN ? f.isNaN && d.isNaN : f.bitPattern == c && d.bitPattern == Double(hardware).bitPattern
            if !ok { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test func binary16Decode() {
        for b in 0...UInt16.max {
            let h = Float16(bitPattern: b)
            let d = Format.binary16.decode(UInt32(b))
            #expect(h.isNaN ? d.isNaN : d.bitPattern == Double(h).bitPattern)
        }
    }
}

/// A small deterministic generator (SplitMix64) so that test inputs are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
