import CMinifloatKernels
import Foundation
import Minifloat
import MinifloatIO
import MinifloatOracle
import Testing

/// The C kernels for wider vector units (`Sources/CMinifloatKernels`): every version this
/// processor runs gives the seeded stream as `RandomSource.seed` defines it, and the
/// array path gives the same codes, equal to the oracle's, whichever version it calls (the
/// `MINIFLOAT_KERNELS` cap, through the command line).
@Suite("Vector-unit kernels")
struct VectorUnitsTests {
    static let levelNames = ["baseline", "avx2", "avx512"]

    /// The codes `minifloat quantize FORMAT --input INPUT --output X.npy ARGUMENTS` writes with
    /// `MINIFLOAT_KERNELS=level`.
    static func quantizedCodes(_ format: String, input: String, _ arguments: [String], level: String) throws -> [UInt64] {
        let out = NSTemporaryDirectory() + "minifloat-vu-\(UUID().uuidString).npy"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try runMinifloat(["quantize", format, "--input", input, "--output", out] + arguments,
                                 environment: ["MINIFLOAT_KERNELS": level])
        #expect(r.status == 0, "\(r.stderr)")
        return try readAllBits(out).1
    }

    /// float64 to float32 with round-to-odd in C (`minifloat_float32_rounded_to_odd`, the first
    /// step of float64 sources) at every level: where the result is a normal float32, the same bits
    /// as a second way of computing it (the hardware's round-to-nearest conversion, stepped back
    /// toward zero when it rounded away, the last bit set when inexact), for significands cut
    /// with nothing, one bit, half, and everything below float32's last bit; and the report of an
    /// input outside that range (zero, float64 and float32 subnormals, overflow, Inf, NaN).
    @Test("float64 to float32 with round-to-odd: the same bits at every level")
    func float32RoundedToOddAtEveryLevel() {
        func reference(_ bits: UInt64) -> UInt32 {
            let x = Double(bitPattern: bits), nearest = Float(x)
            if Double(nearest) == x { return nearest.bitPattern }
            let towardZero = abs(Double(nearest)) > abs(x) ? nearest.bitPattern - 1 : nearest.bitPattern
            return towardZero | 1
        }
        var r = SplitMix64(seed: 4099)
        var xs: [UInt64] = []
        for i in 0..<4099 {
            // float32's normal exponents: its edges, and any
            let exponent: UInt64 = i % 8 < 4 ? [897, 898, 1149, 1150][i % 4] : 897 + r.next() % 254
            let cut: UInt64 = [0, 1, 0x1000_0000, 0x1FFF_FFFF, 0x0FFF_FFFF, r.next() & 0x1FFF_FFFF][i % 6]
            let significand = r.next() & 0x000F_FFFF_E000_0000 | cut
            xs.append(r.next() & 0x8000_0000_0000_0000 | exponent << 52 | significand)
        }
        let want = xs.map(reference)
        let outside: [UInt64] = [0, 0x8000_0000_0000_0000, 1, 0x3800_0000_0000_0000, 0x36A0_0000_0000_0000,
                                 0x47F0_0000_0000_0000, 0x7FF0_0000_0000_0000, 0xFFF8_0000_0000_0000, 0x7FF0_0000_0000_0001]
        for level in 0...minifloat_kernels_supported() {
            var out = [UInt32](repeating: 0, count: xs.count)
            let reported = minifloat_float32_rounded_to_odd(xs, &out, xs.count, level)
            #expect(reported == 0 && out == want, "level \(level): \(zip(out, want).filter { $0 != $1 }.prefix(3))")
            for (k, special) in outside.enumerated() {
                var ys = xs
                ys[(k * 467) % ys.count] = special
                #expect(minifloat_float32_rounded_to_odd(ys, &out, ys.count, level) != 0, "level \(level): \(special)")
            }
        }
    }

    /// float16 to float32 in C (`minifloat_widen_float16`, the widening of float16 block
    /// sources) at every level: every float16 bit pattern gives the bits of Swift's conversion
    /// (zeros, subnormals, normals, infinities, NaNs with their payloads), with a count that leaves
    /// a tail after the vector loop.
    @Test("float16 to float32: every bit pattern at every level")
    func float16WideningAtEveryLevel() {
        let all = (0..<65536 + 7).map { UInt16(truncatingIfNeeded: $0) }
        let want = all.map { Float(Float16(bitPattern: $0)).bitPattern }
        for level in 0...minifloat_kernels_supported() {
            var out = [UInt32](repeating: 0, count: all.count)
            minifloat_widen_float16(all, &out, all.count, level)
            let bad = out.indices.filter { out[$0] != want[$0] }
            #expect(bad.isEmpty, "level \(level): \(bad.prefix(3).map { String(all[$0], radix: 16) })")
        }
    }

    /// The bench's streaming floor (`minifloat_streaming_floor`) does the traffic it claims at
    /// every level: each element's top byte, float32 and float64, with counts that leave a tail
    /// after the vector loop.
    @Test("the streaming floor writes each element's top byte at every level")
    func streamingFloorAtEveryLevel() {
        var r = SplitMix64(seed: 77)
        let wide = (0..<1029).map { _ in r.next() }, narrow = wide.map { UInt32(truncatingIfNeeded: $0) }
        for level in 0...minifloat_kernels_supported() {
            for count in [0, 15, 16, 1029] {
                var out = [UInt8](repeating: 0xA5, count: 1029)
                minifloat_streaming_floor(narrow, 4, &out, count, level)
                #expect(Array(out[..<count]) == narrow[..<count].map { UInt8($0 >> 24) }, "float32, level \(level), \(count)")
                #expect(out[count...].allSatisfy { $0 == 0xA5 }, "float32, level \(level), \(count): wrote past the count")
                out = [UInt8](repeating: 0xA5, count: 1029)
                minifloat_streaming_floor(wide, 8, &out, count, level)
                #expect(Array(out[..<count]) == wide[..<count].map { UInt8($0 >> 56) }, "float64, level \(level), \(count)")
                #expect(out[count...].allSatisfy { $0 == 0xA5 }, "float64, level \(level), \(count): wrote past the count")
            }
        }
    }

    @Test("the seeded stream's words at every level the processor has: halves of SplitMix64's outputs, low first")
    func seededStreamAtEveryLevel() {
        let supported = minifloat_kernels_supported()
        #expect((0...2).contains(supported))
        var buffer = [UInt32](repeating: 0, count: 1100)
        for level in 0...supported {
            for bits in UInt32(1)...32 {
                for (k, count) in [0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 1000, 1099, 1100].enumerated() {
                    let seed = RandomSource.splitMix64(seed: UInt64(bits), index: UInt64(k))
                    // Words near 0, random, and up to the last of 2^64; even and odd first words.
                    let first = [0, 1, seed >> 1, seed >> 1 | 1, UInt64.max - 1100, UInt64.max - 1101][k % 6]
                    buffer.withUnsafeMutableBufferPointer {
                        minifloat_seeded_random(seed, first, bits, $0.baseAddress!, count, level)
                    }
                    // Word w: the low half of output w / 2 for even w, the high half for odd w.
                    let want = (0..<count).map { (k: Int) -> UInt32 in
                        let w = first + UInt64(k)
                        let output = RandomSource.splitMix64(seed: seed, index: w / 2)
                        let half = w % 2 == 0 ? output & 0xFFFF_FFFF : output >> 32
                        return UInt32(half >> (32 - UInt64(bits)))
                    }
                    #expect(Array(buffer[0..<count]) == want, "level \(level) bits \(bits) count \(count) first \(first)")
                }
            }
        }
    }

    @Test("RandomSource.values(_:bits:into:) gives value(at:bits:) for each index, seeded and caller's")
    func randomValuesOfARange() {
        let callers: [UInt32] = (0..<600).map { UInt32(truncatingIfNeeded: RandomSource.splitMix64(seed: 3, index: UInt64($0))) }
        for source in [RandomSource.seed(0xDEAD_BEEF), .values(callers)] {
            for bits in [1, 7, 8, 23, 31, 32] {
                for range in [0..<0, 0..<1, 5..<22, 100..<357, 599..<600] {
                    var buffer = [UInt32](repeating: 0xFFFF_FFFF, count: range.count + 1)
                    buffer.withUnsafeMutableBufferPointer { source.values(range, bits: bits, into: $0) }
                    let want = range.map { UInt32(source.value(at: $0, bits: bits)) }
                    #expect(Array(buffer.prefix(range.count)) == want, "\(source) bits \(bits) \(range)")
                    #expect(buffer.last == 0xFFFF_FFFF, "nothing written past range.count")
                }
            }
        }
    }

    /// Inputs that fill whole groups of 16 inside the kernel's normal range (codes, midpoints and
    /// their float32 neighbours, both signs where the format has them), except every seventh group,
    /// which holds one of `ArrayCommandTests.inputs` (zeros, subnormals, overflow, NaN) and so goes
    /// to the table.
    static func normalInputs(_ f: Format, count: Int) -> [Float] {
        let special = ArrayCommandTests.inputs(f, count: count)
        let first = UInt64(1) << UInt64(f.mantissaBits), span = UInt64(f.maxFiniteMagnitude) - first + 1
        let most = Float(f.decode(f.maxFiniteMagnitude))
        return (0..<count).map { i in
            if (i / 16) % 7 == 6 && i % 16 == 5 { return special[i] }
            let r = RandomSource.splitMix64(seed: 17, index: UInt64(i))
            let c = UInt32(first + (r >> 8) % span)
            let lo = Float(f.decode(c)), hi = c < f.maxFiniteMagnitude ? Float(f.decode(c + 1)) : lo
            var x = r >> 40 & 1 == 0 ? lo : (lo + hi) / 2
            if r >> 41 & 1 == 1 && x > lo { x = r >> 42 & 1 == 0 ? x.nextUp : x.nextDown }
            let sign: Float = r & 1 == 0 || f.signedness == .unsigned ? 1 : -1
            return sign * min(x, most)
        }
    }

    /// The float32 kernel in C (`minifloat_encode_float32_codes8`, AVX2 and AVX-512) and the
    /// Swift one (baseline): every deterministic mode and saturation, signed formats with and
    /// without -0, an unsigned one and FP4, on inputs near every code, midpoint, subnormal and the
    /// overflow threshold.
    @Test("float32 arrays, every deterministic mode: the oracle's codes at every level",
          arguments: ["e4m3fn", "e5m2", "e4m3fnuz", "e2m1fn", "p3109_k8p3ue", "e3m2fn"])
    func deterministicArraysAtEveryLevel(format: String) throws {
        let f = try Format.named(format)
        let xs = Self.normalInputs(f, count: 3001)
        let input = try writeNpy(xs, .float32)
        defer { try? FileManager.default.removeItem(atPath: input) }
        let brackets = xs.map { Oracle.Bracket(ExactValue(Double($0)), f) }
        for mode in RoundingMode.deterministic {
            for sat in SaturationMode.allCases {
                let want = brackets.map { UInt64($0.code(rounding: mode, saturation: sat)) }
                for name in Self.levelNames[0...Int(minifloat_kernels_supported())] {
                    let got = try Self.quantizedCodes(format, input: input, ["--rounding", mode.shortName, "--saturation", sat.shortName,
                                                                             "--threads", "1"], level: name)
                    #expect(got == want, "\(format) \(mode.shortName) \(sat.shortName) at \(name): first at \(got.indices.first { got[$0] != want[$0] }.map { xs[$0] } ?? 0)")
                }
            }
        }
    }

    /// E4M3 (signed) and P3109 binary8p4ue (unsigned: a negative input is outside its range,
    /// however large its magnitude); 7 random bits (the subnormal lanes' sticky form) and 20 (more
    /// than s - 2 = 18: their decision in doubles).
    @Test("stochastic rounding of an array: the same codes, equal to the oracle's, at every level",
          arguments: [("e4m3fn", 7), ("binary8p4ue", 7), ("e4m3fn", 20), ("binary8p4ue", 20)])
    func stochasticArraysAtEveryLevel(formatName: String, bits: Int) throws {
        let f = try Format.named(formatName)
        // 64 z: normal values (the vector path), with zeros, subnormals, overflow, Inf and NaN mixed
        // in, and stretches of zero and subnormal values.
        var xs: [Float] = (0..<5003).map { i in
            let r = RandomSource.splitMix64(seed: 5, index: UInt64(i))
            return Float(Int64(bitPattern: r) >> 40) * 0x1p-17
        }
        // Stretches of zero and subnormal values (below 2^-6; the kernel's subnormal lanes):
        // multiples of 2^-17 (the points of 7 random bits); a float32 ulp either side of
        // StochasticC's ties (odd multiples of 2^-17) where element i's R (that of seed 41) makes
        // the decision hang on the tie (so on the subnormal lanes' sticky bit); any float32 below 2^-6.
        for i in 1000..<1400 {
            let r = RandomSource.splitMix64(seed: 6, index: UInt64(i))
            let point = Float(Int64(bitPattern: r) >> 53) * 0x1p-17
            switch i {
            case ..<1150: xs[i] = point
            case ..<1300 where bits == 7:
                // The fraction m + 1/2 of the subnormal step 2^-9, in units of 2^-7: with R = 127 - m,
                // up exactly when above the tie, or on it with m odd.
                let m = 127 - Int(seededRandom(seed: 41, index: i, bits: 7))
                let tie = Float((Int(r >> 8 % 8) * 128 + m) * 2 + 1) * 0x1p-17
                xs[i] = (r & 0x10 == 0 ? tie.nextUp : tie.nextDown) * (r & 0x20 == 0 ? 1 : -1)
            case ..<1300:
                // 20 bits: the fraction L / 2^21 of the subnormal step above k steps, L = 2^21 - 1 - 2R
                // (StochasticC's tie for element i's R: up only for even R), exact (k 2^21 + L < 2^24),
                // and a float32 ulp either side.
                let random = Int(seededRandom(seed: 41, index: i, bits: bits))
                let step = Float(sign: .plus, exponent: f.minExponent - f.mantissaBits, significand: 1)
                let tie = Float(Int(r >> 8 % 8) << 21 + (1 << 21) - 1 - 2 * random) * step * 0x1p-21
                xs[i] = [tie, tie.nextUp, tie.nextDown][Int(r >> 4 % 3)] * (r & 0x20 == 0 ? 1 : -1)
            default: xs[i] = Float(bitPattern: UInt32(truncatingIfNeeded: r) & 0x8000_0000 | UInt32(truncatingIfNeeded: r >> 32) % 0x3C80_0000)
            }
        }
        // An unsigned format's groups take the kernel only when all their inputs are non-negative.
        if f.signedness == .unsigned { xs = xs.map(abs) }
        for (i, x) in [Float](arrayLiteral: 0, -0.0, 0x1p-8, -0x1p-9, 500, -1e9, .nan, .infinity, -.infinity).enumerated() {
            xs[i * 601] = x
        }
        let input = try writeNpy(xs, .float32)
        defer { try? FileManager.default.removeItem(atPath: input) }
        let levels = Self.levelNames[0...Int(minifloat_kernels_supported())]
        let outputs = try levels.map { name in
            try Self.quantizedCodes(formatName, input: input, ["--rounding", "src", "--random-bits", "\(bits)", "--seed", "41",
                                                               "--saturation", "satfinite", "--threads", "2"], level: name)
        }
        #expect(outputs.count == levels.count && outputs.allSatisfy { $0 == outputs[0] }, "levels \(levels) differ")
        let want = xs.indices.map { i in
            let random = seededRandom(seed: 41, index: i, bits: bits)
            return UInt64(Oracle.Bracket(ExactValue(Double(xs[i])), f)
                .code(rounding: .stochasticC(bits: bits, random: random), saturation: .satFinite))
        }
        #expect(outputs.first == want)
        // The same values as float16 (`minifloat_encode_float16_stochastic`: the conversion
        // instruction in the kernel's registers with AVX2 and AVX-512, a buffer on the baseline).
        // float16 keeps the ties of 7 random bits but not the decision points of 20 (finer than
        // its precision there): the rounding itself is the float32 leg's; this leg checks the
        // float16 path at every level against the oracle.
        let halves = xs.map { Float16($0) }
        let input16 = try writeNpy(halves, .float16)
        defer { try? FileManager.default.removeItem(atPath: input16) }
        let outputs16 = try levels.map { name in
            try Self.quantizedCodes(formatName, input: input16, ["--rounding", "src", "--random-bits", "\(bits)", "--seed", "41",
                                                                 "--saturation", "satfinite", "--threads", "2"], level: name)
        }
        let want16 = halves.indices.map { i in
            let random = seededRandom(seed: 41, index: i, bits: bits)
            return UInt64(Oracle.Bracket(ExactValue(Double(halves[i])), f)
                .code(rounding: .stochasticC(bits: bits, random: random), saturation: .satFinite))
        }
        for (level, codes) in zip(levels, outputs16) { #expect(codes == want16, "float16 at \(level)") }
    }

    /// float64 sources under stochastic rounding (`minifloat_encode_float64_stochastic` with AVX2
    /// and AVX-512 for every N; on the baseline through float32 rounded to odd where N <= 21 - M,
    /// else the same C kernel): at every level through the command line, against the oracle.
    /// Inputs: doubles of every magnitude from below the least subnormal step to beyond the largest
    /// finite value (float64 subnormals among them), the decision points `v + j ulp / 2^(N+1)`
    /// where element i's seeded R makes A's (`j = 2^(N+1) - 2R`) or B's and C's
    /// (`j = 2^(N+1) - 1 - 2R`, C's tie) decision change, each exact or a double ulp either side,
    /// between any two neighbouring codes (subnormal and normal), and zeros, NaN, Inf and
    /// overflow scattered; an unsigned format's inputs non-negative but for a few. LLM-FP4's E4M3
    /// with bias 1022 (least normal 2^-1021) puts float64 subnormals among its subnormal codes.
    @Test("stochastic rounding of float64 arrays: the oracle's codes at every level",
          arguments: [("e4m3fn", "src", 20), ("e4m3fn", "sra", 32), ("e4m3fn", "srb", 7), ("binary8p4ue", "src", 32),
                      ("e5m2", "srb", 25), ("e2m1fn", "sra", 30), ("e4m3b1022", "src", 20)])
    func stochasticFloat64AtEveryLevel(formatName: String, rounding: String, bits n: Int) throws {
        let f = try Format.named(formatName)
        let variant = ["sra", "srb", "src"].firstIndex(of: rounding)!
        let seed: UInt64 = 43
        func randomValue(_ i: Int) -> UInt64 { seededRandom(seed: seed, index: i, bits: n) }
        var r = SplitMix64(seed: 7)
        let full = Double(sign: .plus, exponent: n + 1, significand: 1)
        let largestCode = f.maxFiniteMagnitude
        let largest = f.decode(largestCode)
        var xs: [Double] = []
        for i in 0..<3000 {
            let x: Double
            if i < 1000 {
                let exponent = f.minExponent - f.mantissaBits - 4 + Int(r.next() % UInt64(largest.exponent - f.minExponent + f.mantissaBits + 6))
                x = Double(sign: .plus, exponent: exponent, significand: 1 + Double(r.next() >> 12) * 0x1p-52)
            } else {
                let c = UInt32(r.next() % UInt64(largestCode))  // a code with a finite one above it
                let v = f.decode(c), ulp = f.decode(c + 1) - v
                let random = Double(randomValue(i))
                let j = i % 2 == 0 ? full - 2 * random : full - 1 - 2 * random
                let point = v + j * ulp / full  // exact: at most M + N + 2 significant bits
                x = [point, point.nextUp, point.nextDown][Int(r.next() % 3)]
            }
            xs.append(f.signedness == .signed && r.next() & 1 == 1 ? -x : x)
        }
        for (k, special) in [0.0, -0.0, .nan, .infinity, -.infinity, largest, largest.nextUp, -largest, .leastNonzeroMagnitude,
                             -.leastNonzeroMagnitude, 1e300].enumerated() {
            xs[k * 271 + 5] = special
        }
        let input = try writeNpy(xs, .float64)
        defer { try? FileManager.default.removeItem(atPath: input) }
        let levels = Self.levelNames[0...Int(minifloat_kernels_supported())]
        let outputs = try levels.map { name in
            try Self.quantizedCodes(formatName, input: input, ["--rounding", rounding, "--random-bits", "\(n)", "--seed", "\(seed)",
                                                               "--saturation", "satfinite", "--threads", "2"], level: name)
        }
        let want = xs.indices.map { i in
            UInt64(Oracle.Bracket(ExactValue(xs[i]), f)
                .code(rounding: ArrayTests.stochasticMode(variant, bits: n, random: randomValue(i)), saturation: .satFinite))
        }
        for (name, got) in zip(levels, outputs) {
            let bad = xs.indices.first { got[$0] != want[$0] }
            #expect(bad == nil, "\(formatName) \(rounding) N = \(n) at \(name): \(bad.map { "x = \(xs[$0]), R = \(randomValue($0)): \(got[$0]), not \(want[$0])" } ?? "")")
        }
    }

    /// Float32 inputs for blocks of `f.blockSize`: most blocks clean (grid points, midpoints and
    /// their neighbours, log-uniform magnitudes, both signs, all within 2^-40...2^2 times `2^e`),
    /// so that every group of 16 takes the vector kernel; some with a zero, a subnormal, NaN, Inf
    /// or any bit pattern (the table, the NaN scale); some whose elements sit 2^130 or more below
    /// the block's largest (MX products below 2^-126, redone exactly); some of zeros and tiny
    /// values with a NaN or Inf (NVFP4's zero scale, redone exactly). With short last blocks,
    /// only those are not clean. NVFP4's `e` stays near the tensor scale the test gives. Without
    /// `inexactBlocks`, the blocks with products below 2^-126 are clean ones; without
    /// `specialBlocks`, those with zeros, subnormals, NaN, Inf or tiny values.
    static func blockInputs(_ f: BlockFormat, count: Int, rowLength: Int, seed: UInt64, inexactBlocks: Bool = true,
                            specialBlocks: Bool = true) -> [Float] {
        var r = SplitMix64(seed: seed)
        var xs: [Float] = []
        var e = 0, kind: UInt64 = 0
        let size = f.blockSize
        for i in 0..<count {
            let position = i % rowLength % size  // in its block
            if position == 0 {
                e = f.hasTensorScale ? Int(r.next() % 32) - 20 : Int(r.next() % 200) - 100
                kind = r.next() % 10
                if kind == 8 && !inexactBlocks || (kind == 6 || kind == 7 || kind == 9) && !specialBlocks { kind = 0 }
                // With short last blocks, only those get other than clean values (so that no other
                // block's report hides theirs: the general kernel's tail must report).
                if rowLength % size != 0 && i % rowLength + size < rowLength { kind = 0 }
            }
            var v: Double
            switch kind {
            case 0..<6:  // clean
                repeat { v = BlockTests.randomValue(&r, e: e, format: f, double: false) }
                    while !(abs(v) >= Double(sign: .plus, exponent: e - 40, significand: 1)
                            && abs(v) < Double(sign: .plus, exponent: e + 2, significand: 1))
            case 6..<8:  // anything BlockTests.randomValue makes: zeros, subnormals, NaN, Inf, any bits
                v = BlockTests.randomValue(&r, e: e, format: f, double: false)
            case 8:  // a large element and tiny ones
                v = position == 3 ? 0x1.8p120 : Double(Float(bitPattern: UInt32(truncatingIfNeeded: r.next()) & 0x80FF_FFFF))
            default:  // zeros or tiny values, and a NaN or Inf
                let tiny = r.next() & 1 == 0 ? 0 : Double(Float(bitPattern: UInt32(truncatingIfNeeded: r.next()) & 0x8000_00FF))
                v = position == 5 ? [.nan, .infinity, -.infinity][Int(r.next() % 3)] : tiny
            }
            xs.append(Float(v))
        }
        return xs
    }

    /// A [rows, columns] array for blocks along its first axis, each block holding the values of
    /// one block of ``blockInputs(_:count:rowLength:seed:inexactBlocks:)`` without products below
    /// 2^-126 (MX: 16 blocks side by side in C, `minifloat_encode_mx_float32_columns`, the rest
    /// gathered in panels). `wide`: [64, 40], two strips of 16 per block row and 8 columns
    /// gathered, with one block (column 20's second) of a large element and tiny ones, whose
    /// products below 2^-126 have its strip reported and gathered under deterministic rounding
    /// (stochastic rounding takes them in C); else [40, 21], short last blocks, 16 columns in C and
    /// 5 gathered. Without `specialBlocks` (for stochastic rounding, where a NaN or Inf has its
    /// strip reported) only clean blocks, but for a NaN in column 5's first block when `wide`.
    static func columnInputs(_ format: BlockFormat, wide: Bool, seed: UInt64,
                             specialBlocks: Bool = true) -> (values: [Float], rows: Int, columns: Int) {
        let (rows, columns) = wide ? (64, 40) : (40, 21)
        let byColumn = blockInputs(format, count: rows * columns, rowLength: rows, seed: seed, inexactBlocks: false,
                                   specialBlocks: specialBlocks)
        var values = (0..<(rows * columns)).map { i in byColumn[(i % columns) * rows + i / columns] }
        if wide {
            for j in 32..<64 { values[j * columns + 20] = j == 33 ? 0x1.8p120 : Float(bitPattern: UInt32(j) * 0x0040_0001) }
            if !specialBlocks { values[7 * columns + 5] = .nan }
        }
        return (values, rows, columns)
    }

    /// Block encoding from float32 in C (`minifloat_encode_mx_float32` and
    /// `minifloat_encode_nvfp4_float32`, AVX2 and AVX-512) and in Swift (the baseline): every MX
    /// format and NVFP4 (tensor scale given), deterministic mode and saturation, scale rules and
    /// NaN policies in turn, rows that hold whole blocks (MX: the 32-element kernel) and rows with
    /// a short last block (the general one), against the oracle. NVFP4 also from float64
    /// (`minifloat_encode_nvfp4_float64`): the same values, every other one moved off the float32
    /// grid by a few parts in 2^40.
    @Test("Blocks from float32, every deterministic mode: the oracle's codes at every level", arguments: BlockFormat.all)
    func blocksAtEveryLevel(format: BlockFormat) throws {
        let levels = Self.levelNames[0...Int(minifloat_kernels_supported())]
        var rules = ScaleRule.all.makeIterator()
        for (shape, seed) in [([12, 96], UInt64(1)), ([9, 77], 2)] {
            let floats = Self.blockInputs(format, count: shape.reduce(1, *), rowLength: shape[1], seed: seed)
            var sources = [(try writeNpy(floats, .float32, shape: shape), floats.map { Double($0) }, "", 1, shape)]
            if format.hasTensorScale {
                let doubles = floats.indices.map { i in
                    let v = Double(floats[i])
                    return v.isFinite && v != 0 && i % 2 == 0 ? v * (1 + Double(i % 7 + 1) * 0x1p-40) : v
                }
                sources.append((try writeNpy(doubles, .float64, shape: shape), doubles, " from float64", 1, shape))
            }
            // Blocks along the first axis (columnInputs). Every mode, one saturation each.
            let (transposed, rows, columns) = Self.columnInputs(format, wide: seed == 1, seed: seed + 10)
            let columnSources = [(try writeNpy(transposed, .float32, shape: [rows, columns]), transposed.map { Double($0) },
                                  " along the first axis", 0, [rows, columns])]
            defer { for (file, _, _, _, _) in sources + columnSources { try? FileManager.default.removeItem(atPath: file) } }
            for (m, mode) in RoundingMode.deterministic.enumerated() {
                for (n, sat) in SaturationMode.allCases.enumerated() {
                    let rule = rules.next() ?? { rules = ScaleRule.all.makeIterator(); return rules.next()! }()
                    let specials = BlockSpecials.allCases[(m + n) % 2]
                    let encoding = BlockEncoding(for: format, scaleRule: rule, rounding: mode, saturation: sat, specials: specials)
                    for (input, xs, source, axis, shape) in sources + (n == m % 3 ? columnSources : []) {
                    let want = BlockTests.oracleEncode(xs.map { ExactValue($0) }, shape: shape, axis: axis, format: format, encoding: encoding,
                                                       tensorScale: format.hasTensorScale ? Rational(3, 4) : Rational(1), random: nil)
                    for name in levels {
                        let dir = BlockCommandTests.directory()
                        defer { try? FileManager.default.removeItem(atPath: dir) }
                        let r = try runMinifloat(["quantize", format.name, "--input", input, "--output-dir", dir, "--axis", "\(axis)",
                                                  "--rounding", mode.shortName,
                                                  "--saturation", sat.shortName, "--scale-rule", rule.name, "--specials", specials.rawValue,
                                                  "--threads", "2"] + (format.hasTensorScale ? ["--tensor-scale", "0.75"] : []),
                                                 environment: ["MINIFLOAT_KERNELS": name])
                        #expect(r.status == 0, "\(r.stderr)")
                        let scales = try readAllBits(dir + "/scales.npy").1.map { UInt32($0) }
                        var elements = try readAllBits(dir + "/elements.npy").1.map { UInt8($0) }
                        if format.element.bitWidth == 4 { elements = BlockFormat.unpackNibbles(elements, rowLength: shape[1]) }
                        let context = "\(format.name) \(rule.name) \(mode.shortName) \(sat.shortName) \(specials.rawValue) \(shape) at \(name)"
                            + source
                        #expect(scales == want.scales, "\(context): first scale at \(String(describing: scales.indices.first { scales[$0] != want.scales[$0] }))")
                        let got = elements.map { UInt32($0) }
                        #expect(got == want.elements, "\(context): first element at \(String(describing: got.indices.first { got[$0] != want.elements[$0] }.map { xs[$0] }))")
                    }
                    }
                }
            }
        }
    }
}

extension VectorUnitsTests {
    /// Block encoding from float32 under stochastic element rounding, in C at every level
    /// (`minifloat_encode_mx_float32_stochastic`, `minifloat_encode_nvfp4_float32_stochastic`, the
    /// blocks they report redone in Swift), through the command line with a seed, and through
    /// ``BlockFormat/encode`` with the caller's random values at the machine's level (blocks of
    /// the format's size and of twice it); P3109 A, B
    /// and C with N below, at and above the fraction bits the element drops, each saturation,
    /// NaN policy and scale rule in turn (NVFP4: tensor scale 0.75; the even rule puts quotients
    /// above 6), on ``blockInputs(_:count:rowLength:seed:)`` (NaN/Inf blocks, inexact
    /// products, products below the element's normal range, short last blocks), and the same values
    /// as a transposed array with blocks along its first axis (gathered panels: whole blocks for
    /// the kernels, short ones for the Swift loop), against the oracle.
    @Test("Stochastic blocks from float32: the oracle's codes at every level", arguments: BlockFormat.all)
    func stochasticBlocksAtEveryLevel(format: BlockFormat) throws {
        let levels = Self.levelNames[0...Int(minifloat_kernels_supported())]
        let modes: [(RoundingMode, String)] = [(.stochasticA(bits: 3, random: 0), "sra"), (.stochasticB(bits: 20, random: 0), "srb"),
                                               (.stochasticC(bits: 7, random: 0), "src")]
        for (shape, seed) in [([12, 96], UInt64(3)), ([9, 77], 4)] {
            let xs = Self.blockInputs(format, count: shape.reduce(1, *), rowLength: shape[1], seed: seed)
            let input = try writeNpy(xs, .float32, shape: shape)
            defer { try? FileManager.default.removeItem(atPath: input) }
            let inputAxis0 = try writeNpy(xs, .float32, shape: [shape[1], shape[0]])
            defer { try? FileManager.default.removeItem(atPath: inputAxis0) }
            // Blocks along the first axis side by side (columnInputs), for one mode.
            let (byColumns, rows, columns) = Self.columnInputs(format, wide: seed == 3, seed: seed + 20, specialBlocks: false)
            let columnsMode = seed == 3 ? 0 : 2  // 3 and 7 random bits: subnormal-range products in C
            let columnsInput = try writeNpy(byColumns, .float32, shape: [rows, columns])
            defer { try? FileManager.default.removeItem(atPath: columnsInput) }
            for (m, (mode, name)) in modes.enumerated() {
                let sat = SaturationMode.allCases[(m + Int(seed)) % 3], specials = BlockSpecials.allCases[m % 2]
                let rule = ScaleRule.all[(m + 3 * Int(seed)) % ScaleRule.all.count]
                let encoding = BlockEncoding(for: format, scaleRule: rule, rounding: mode, saturation: sat, specials: specials)
                let t = format.hasTensorScale ? Rational(3, 4) : Rational(1)
                let bits = UInt64(mode.randomBits)
                let seeded = xs.indices.map { seededRandom(seed: 41, index: $0, bits: Int(bits)) }
                let want = BlockTests.oracleEncode(xs.map { ExactValue($0) }, shape: shape, axis: 1, format: format, encoding: encoding,
                                                   tensorScale: t, random: seeded)
                // The same values as a [columns, rows] array with blocks along the first axis
                // (gathered: [96, 12] has whole blocks, for the kernel; [77, 9] short ones).
                let transposedShape = [shape[1], shape[0]]
                let wantAxis0 = BlockTests.oracleEncode(xs.map { ExactValue($0) }, shape: transposedShape, axis: 0, format: format,
                                                        encoding: encoding, tensorScale: t, random: seeded)
                let wantColumns = m != columnsMode ? nil : BlockTests.oracleEncode(
                    byColumns.map { ExactValue($0) }, shape: [rows, columns], axis: 0, format: format, encoding: encoding, tensorScale: t,
                    random: byColumns.indices.map { seededRandom(seed: 41, index: $0, bits: Int(bits)) })
                // The command line's scale and element codes for an input file, at a level.
                func quantize(_ file: String, axis: Int, rowLength: Int, level: String) throws -> (scales: [UInt32], elements: [UInt32]) {
                    let dir = BlockCommandTests.directory()
                    defer { try? FileManager.default.removeItem(atPath: dir) }
                    let r = try runMinifloat(["quantize", format.name, "--input", file, "--output-dir", dir, "--axis", "\(axis)",
                                              "--rounding", name, "--random-bits", "\(bits)", "--seed", "41", "--saturation",
                                              sat.shortName, "--specials", specials.rawValue, "--scale-rule", rule.name, "--threads", "2"]
                                                 + (format.hasTensorScale ? ["--tensor-scale", "0.75"] : []),
                                             environment: ["MINIFLOAT_KERNELS": level])
                    #expect(r.status == 0, "\(r.stderr)")
                    let scales = try readAllBits(dir + "/scales.npy").1.map { UInt32($0) }
                    var elements = try readAllBits(dir + "/elements.npy").1.map { UInt8($0) }
                    if format.element.bitWidth == 4 { elements = BlockFormat.unpackNibbles(elements, rowLength: rowLength) }
                    return (scales, elements.map { UInt32($0) })
                }
                for level in levels {
                    let (scales, got) = try quantize(input, axis: -1, rowLength: shape[1], level: level)
                    let context = "\(format.name) \(name) \(bits) bits \(sat.shortName) \(specials.rawValue) \(rule.name) \(shape) at \(level)"
                    #expect(scales == want.scales, "\(context): scales differ")
                    #expect(got == want.elements, "\(context): first element at \(String(describing: got.indices.first { got[$0] != want.elements[$0] }))")
                    let axis0 = try quantize(inputAxis0, axis: 0, rowLength: transposedShape[1], level: level)
                    #expect(axis0.scales == wantAxis0.scales && axis0.elements == wantAxis0.elements,
                            "\(context): along the first axis of \(transposedShape)")
                    if m == columnsMode {
                        let got = try quantize(columnsInput, axis: 0, rowLength: columns, level: level)
                        #expect(got.scales == wantColumns!.scales && got.elements == wantColumns!.elements,
                                "\(context): along the first axis of \([rows, columns]), side by side")
                    }
                }
                // The caller's random values (R_i = values[i] masked to N bits).
                let values = xs.indices.map { UInt32(truncatingIfNeeded: RandomSource.splitMix64(seed: 43, index: UInt64($0))) }
                let wantValues = BlockTests.oracleEncode(xs.map { ExactValue($0) }, shape: shape, axis: 1, format: format,
                                                         encoding: encoding, tensorScale: t,
                                                         random: values.map { UInt64($0) & ((1 << bits) - 1) })
                let codes = format.encode(xs, layout: BlockLayout(shape: shape, blockSize: format.blockSize), encoding: encoding,
                                          tensorScale: format.hasTensorScale ? 0.75 : nil, random: .values(values), threads: 2)
                #expect(codes.scales.map { UInt32($0) } == wantValues.scales && codes.elements.map { UInt32($0) } == wantValues.elements,
                        "\(format.name) \(name) caller's values \(shape)")
                // Blocks of twice the size (more than one group of 16 per block).
                let wide = format.withBlockSize(2 * format.blockSize)
                let wantWide = BlockTests.oracleEncode(xs.map { ExactValue($0) }, shape: shape, axis: 1, format: wide, encoding: encoding,
                                                       tensorScale: t, random: values.map { UInt64($0) & ((1 << bits) - 1) })
                let codesWide = wide.encode(xs, layout: BlockLayout(shape: shape, blockSize: wide.blockSize), encoding: encoding,
                                            tensorScale: format.hasTensorScale ? 0.75 : nil, random: .values(values), threads: 2)
                #expect(codesWide.scales.map { UInt32($0) } == wantWide.scales
                        && codesWide.elements.map { UInt32($0) } == wantWide.elements,
                        "\(wide.name) (\(wide.blockSize)) \(name) caller's values \(shape)")
            }
        }
    }

    /// MX blocks from float64 under stochastic element rounding with more random bits than the
    /// float32 route keeps (N > 21 - M: each block's scale and its products in double,
    /// `minifloat_mx_float64_products`, 16 blocks at a time, then the float64 stochastic kernel):
    /// at every level through the command line, along the last axis (3 blocks per line, so runs of
    /// blocks span lines) and the first (blocks side by side), against the oracle. Inputs:
    /// ``blockInputs(_:count:rowLength:seed:inexactBlocks:specialBlocks:)`` (NaN and Inf blocks,
    /// elements far below their block's largest, zeros) widened to float64 with 29 random low bits
    /// in every finite nonzero value, so that none is a float32, and a block with a finite value
    /// beyond float32's range (the exact path).
    @Test("Stochastic MX blocks from float64, products in double: the oracle's codes at every level",
          arguments: [("mxfp8_e4m3", "src", 20), ("mxfp4", "sra", 24), ("mxint8", "srb", 16)])
    func stochasticMXFloat64AtEveryLevel(formatName: String, rounding: String, bits n: Int) throws {
        let format = try #require(BlockFormat.named(formatName))
        let levels = Self.levelNames[0...Int(minifloat_kernels_supported())]
        let variant = ["sra", "srb", "src"].firstIndex(of: rounding)!
        let shape = [24, 96]
        var r = SplitMix64(seed: 45)
        var xs = Self.blockInputs(format, count: shape.reduce(1, *), rowLength: shape[1], seed: 44).map { x -> Double in
            guard x.isFinite, x != 0 else { return Double(x) }
            return Double(bitPattern: Double(x).bitPattern | (r.next() & 0x1FFF_FFFF))
        }
        xs[40 * format.blockSize + 5] = -1e300
        let encoding = BlockEncoding(for: format, rounding: ArrayTests.stochasticMode(variant, bits: n, random: 0))
        for (axis, arrayShape) in [(-1, shape), (0, [shape[1], shape[0]])] {
            let input = try writeNpy(xs, .float64, shape: arrayShape)
            defer { try? FileManager.default.removeItem(atPath: input) }
            let want = BlockTests.oracleEncode(xs.map { ExactValue($0) }, shape: arrayShape, axis: axis == -1 ? 1 : 0, format: format,
                                               encoding: encoding, tensorScale: Rational(1),
                                               random: xs.indices.map { seededRandom(seed: 46, index: $0, bits: n) })
            for level in levels {
                let dir = BlockCommandTests.directory()
                defer { try? FileManager.default.removeItem(atPath: dir) }
                let result = try runMinifloat(["quantize", formatName, "--input", input, "--output-dir", dir, "--axis", "\(axis)",
                                               "--rounding", rounding, "--random-bits", "\(n)", "--seed", "46", "--threads", "2"],
                                              environment: ["MINIFLOAT_KERNELS": level])
                #expect(result.status == 0, "\(result.stderr)")
                let scales = try readAllBits(dir + "/scales.npy").1.map { UInt32($0) }
                var elements = try readAllBits(dir + "/elements.npy").1.map { UInt8($0) }
                if format.element.bitWidth == 4 { elements = BlockFormat.unpackNibbles(elements, rowLength: arrayShape[1]) }
                let got = elements.map { UInt32($0) }
                let context = "\(formatName) \(rounding) N = \(n) along axis \(axis) at \(level)"
                #expect(scales == want.scales, "\(context): scales differ")
                #expect(got == want.elements, "\(context): first element at \(String(describing: got.indices.first { got[$0] != want.elements[$0] }))")
            }
        }
    }

    /// NVFP4 under stochastic rounding in C (`minifloat_encode_nvfp4_float32_stochastic`) at every
    /// level, through the command line with a seed: quotients on and next to every variant's
    /// decision points (``BlockTests/nvfp4DecisionPoints(bits:tensorScale:)``), with N = 2 (most
    /// blocks reported and redone), N = 20 (the neighbours decided by the kernel's float32 lanes)
    /// and N = 30 (by its double lanes), against the oracle. The same points as float64, each
    /// moved by a double ulp up, down or not (`minifloat_encode_nvfp4_float64_stochastic`; the
    /// block's largest, six times a scale value, moved up takes the next scale code).
    @Test("NVFP4 stochastic: decision points at every level")
    func nvfp4StochasticDecisionPointsAtEveryLevel() throws {
        let levels = Self.levelNames[0...Int(minifloat_kernels_supported())]
        for n in [2, 20, 30] {
          let points = BlockTests.nvfp4DecisionPoints(bits: n, tensorScale: 0.75)
          let doubles = points.indices.map { [Double(points[$0]), Double(points[$0]).nextUp, Double(points[$0]).nextDown][$0 % 3] }
          for (xs, type) in [(points.map(Double.init), ElementType.float32), (doubles, .float64)] {
            let input = type == .float32 ? try writeNpy(points, .float32, shape: [xs.count]) : try writeNpy(doubles, .float64, shape: [xs.count])
            defer { try? FileManager.default.removeItem(atPath: input) }
            let seeded = xs.indices.map { seededRandom(seed: 5, index: $0, bits: n) }
            for (mode, name) in [(RoundingMode.stochasticA(bits: n, random: 0), "sra"), (.stochasticB(bits: n, random: 0), "srb"),
                                 (.stochasticC(bits: n, random: 0), "src")] {
                let encoding = BlockEncoding(for: .nvfp4, rounding: mode)
                let want = BlockTests.oracleEncode(xs.map { ExactValue($0) }, shape: [xs.count], axis: 0, format: .nvfp4,
                                                   encoding: encoding, tensorScale: Rational(3, 4), random: seeded)
                for level in levels {
                    let dir = BlockCommandTests.directory()
                    defer { try? FileManager.default.removeItem(atPath: dir) }
                    let r = try runMinifloat(["quantize", "nvfp4", "--input", input, "--output-dir", dir, "--rounding", name,
                                              "--random-bits", "\(n)", "--seed", "5", "--tensor-scale", "0.75"],
                                             environment: ["MINIFLOAT_KERNELS": level])
                    #expect(r.status == 0, "\(r.stderr)")
                    let scales = try readAllBits(dir + "/scales.npy").1.map { UInt32($0) }
                    let got = BlockFormat.unpackNibbles(try readAllBits(dir + "/elements.npy").1.map { UInt8($0) }, rowLength: xs.count)
                        .map { UInt32($0) }
                    #expect(scales == want.scales, "\(type) \(name) \(n) bits at \(level): scales differ")
                    #expect(got == want.elements,
                            "\(type) \(name) \(n) bits at \(level): first at \(String(describing: got.indices.first { got[$0] != want.elements[$0] }.map { xs[$0] }))")
                }
            }
          }
        }
    }

    /// NVFP4's stochastic C kernel (`minifloat_encode_nvfp4_float32_stochastic`) at every level,
    /// called directly with one scale code for every block (UE4M3 2^-9, 1 and 448, tensor scales
    /// 0.75 and 1) and random values chosen per element so that u + c (u: the element's E2M1 grid
    /// index with its exact fraction; c: R / 2^N for A, (2R + 1) / 2^(N+1) for B and C) lies on an
    /// integer (C's ties among them) or one step of R below or above it: N = 8 (the float32 lanes)
    /// and 30 (the double lanes), every variant. Every block it does not report has the oracle's
    /// element codes under that scale, and at least a quarter of the blocks are not reported.
    @Test("NVFP4 stochastic kernel: random values next to every decision, every level")
    func nvfp4StochasticKernelEdges() {
        var r = SplitMix64(seed: 2032)
        for (code, tensorScale) in [(UInt32(0x01), 0.75), (0x38, 0.75), (0x7E, 0.75), (0x38, 1), (0x01, 1)] {
            let d = Rational(exactly: Format.ue4m3.decode(code)) * Rational(exactly: tensorScale)
            for n in [8, 30] {
                // Quotients from 0 to 6.5; the first of each block is 0 or the largest, the second an
                // odd multiple of 2^-(N+2), so that u has N + 1 fraction bits and C's least R puts
                // u + c on an integer (a tie, which the kernel must report) when d is a power of two.
                var xs: [Float] = []
                for i in 0..<(16 * 48) {
                    var q = i % 16 == 0 ? [0, 6][Int(r.next() % 2)] : Double(r.next() % 6_500_000) / 1_000_000
                    if i % 16 == 1 {  // below 3, exact in a float32 (at most 21 bits)
                        q = Double(2 * (r.next() % Swift.min(3 << (n + 1), 1 << 20)) + 1) * Double(sign: .plus, exponent: -(n + 2), significand: 1)
                    }
                    let x = Float(q * Format.ue4m3.decode(code) * tensorScale)
                    xs.append(r.next() & 1 == 0 ? x : -x)
                }
                for (variant, mode) in [RoundingMode.stochasticA(bits: n, random: 0), .stochasticB(bits: n, random: 0),
                                        .stochasticC(bits: n, random: 0)].enumerated() {
                    let limit = Rational.powerOfTwo(n)
                    let values: [UInt32] = xs.map { x in
                        let q = Rational(exactly: Double(abs(x))) / d
                        let u = q < Rational(2) ? q + q : q < Rational(4) ? q + Rational(2) : q / Rational(2) + Rational(4)
                        let rest = Rational(1) - (u - u.floor)  // in (0, 1]
                        // The least R with u + c >= floor(u) + 1, moved by -1, 0 or +1 (A: mostly -1 or +1,
                        // since with d = 0.75 * 2^k a third of the quotients are dyadic, and then A's least R
                        // puts u + c on the integer, which the kernel reports).
                        let y = variant == 0 ? rest * limit : (rest * limit * Rational(2) - Rational(1)) / Rational(2)
                        let least = Rational(0) - (Rational(0) - y).floor
                        let step = r.next() % 16
                        let moved = Int64(least.uint64 ?? 0) + (variant == 0 ? (step == 0 ? 0 : step < 8 ? -1 : 1) : Int64(step % 3) - 1)
                        return UInt32(Swift.max(0, Swift.min(moved, (Int64(1) << n) - 1)))
                    }
                    Self.expectNVFP4StochasticKernel(xs, values: values, code: code, tensorScale: tensorScale, mode: mode,
                                                     variant: variant, fewReported: true)
                }
            }
        }
    }

    /// `minifloat_encode_nvfp4_float32_stochastic` at `level` on float32 blocks of 16 whose scale
    /// code is `code` whatever their largest magnitude (tensor scale `tensorScale`), element i
    /// taking the caller's random value values[i] of `bits` bits under variant 0 (A), 1 (B) or 2
    /// (C): the scale bytes, the element codes and each block's report.
    static func nvfp4StochasticKernel(_ xs: [Float], values: [UInt32], code: UInt32, tensorScale: Double, bits n: Int, variant: Int,
                                      level: Int32) -> (scales: [UInt8], codes: [UInt8], redo: [UInt8]) {
        let buckets = [UInt32](repeating: code | code << 8, count: 4096), thresholds = [UInt32](repeating: 0, count: 4096)
        var reciprocals = [Double](repeating: 0, count: 128), reciprocals32 = [Float](repeating: 0, count: 128)
        reciprocals[Int(code)] = 1 / (Format.ue4m3.decode(code) * tensorScale)
        reciprocals32[Int(code)] = Float(reciprocals[Int(code)]).isNormal ? Float(reciprocals[Int(code)]) : 0
        var out = [UInt8](repeating: 0xFF, count: xs.count), scales = [UInt8](repeating: 0, count: xs.count / 16)
        var redo = [UInt8](repeating: 0, count: xs.count / 16)
        buckets.withUnsafeBufferPointer { buckets in
        thresholds.withUnsafeBufferPointer { thresholds in
        reciprocals.withUnsafeBufferPointer { reciprocals in
        reciprocals32.withUnsafeBufferPointer { reciprocals32 in
        values.withUnsafeBufferPointer { values in
            var blocks = minifloat_nvfp4_stochastic_blocks(
                scale: minifloat_scale_table(buckets: buckets.baseAddress, bucket_thresholds: thresholds.baseAddress,
                                             starts: nil, start_count: 0),
                reciprocals: reciprocals.baseAddress, reciprocals32: reciprocals32.baseAddress, nan_scale: 0x7F,
                nan_policy: 1, variant: Int32(variant))
            var random = minifloat_stochastic(increment_right: 0, increment_left: 0, increment_add: 0, round_bits: 0,
                                              seed: 0, values: values.baseAddress, bits: UInt32(n), subnormal_multiplier: 0,
                                              wide_fraction_scale: 0, wide_threshold: 0, wide_ties_to_even: 0)
            xs.withUnsafeBytes { input in
                minifloat_encode_nvfp4_float32_stochastic(&blocks, &random, input.bindMemory(to: UInt32.self).baseAddress,
                                                          xs.count, 16, 0, &scales, &out, &redo, level)
            }
        }
        }
        }
        }
        }
        return (scales, out, redo)
    }

    /// Expects the kernel (``nvfp4StochasticKernel(_:values:code:tensorScale:bits:variant:level:)``)
    /// at every level to write scale code `code` for every block and, in every block it does not
    /// report, the oracle's element codes under that scale (random values `values` of `mode`'s N
    /// bits); with `fewReported`, to report at most three quarters of the blocks.
    static func expectNVFP4StochasticKernel(_ xs: [Float], values: [UInt32], code: UInt32, tensorScale: Double, mode: RoundingMode,
                                            variant: Int, fewReported: Bool) {
        let encoding = BlockEncoding(for: .nvfp4, rounding: mode)
        var want: [UInt32] = []
        for b in stride(from: 0, to: xs.count, by: 16) {
            want += BlockOracle.encodeBlock(xs[b..<(b + 16)].map { ExactValue($0) }, format: .nvfp4, encoding: encoding,
                                            tensorScale: Rational(exactly: tensorScale), random: values[b..<(b + 16)].map { UInt64($0) },
                                            givenScale: code).elements
        }
        for level in 0...minifloat_kernels_supported() {
            let (scales, out, redo) = nvfp4StochasticKernel(xs, values: values, code: code, tensorScale: tensorScale,
                                                            bits: mode.randomBits, variant: variant, level: level)
            let context = "scale code \(code), tensor scale \(tensorScale), \(mode) at level \(level)"
            #expect(scales.allSatisfy { UInt32($0) == code }, "\(context): scales")
            if fewReported {
                #expect(redo.filter { $0 == 0 }.count * 4 >= redo.count, "\(context): \(redo.filter { $0 != 0 }.count) blocks reported")
            }
            let wrong = (0..<xs.count).filter { redo[$0 / 16] == 0 && UInt32(out[$0]) != want[$0] }
            #expect(wrong.isEmpty, "\(context): \(wrong.count) wrong, first x = \(String(describing: wrong.first.map { xs[$0] }))")
        }
    }

    /// The float32 lanes of the same kernel where their rounding matters: divisors whose reciprocal
    /// is inexact in float32 (UE4M3 1 and 1.125 times tensor scales 0.9 and 0.3), and in each block
    /// of 16 one element at (or a float32 ulp either side of) a quotient whose u + c is an integer
    /// for its R, the others anywhere in 0 ... 6.5 with any R; N = 8 and 20, every variant. The
    /// float32 product |x| * (1/d) can land on the other side of the decision from |x| / d (for
    /// about 1 element in 200 of these with N = 8, 1 in 40 with N = 20), so every block that the
    /// kernel does not report must still have the oracle's codes: a kernel that trusted its lanes
    /// fails this.
    @Test("NVFP4 stochastic kernel: quotients within float32's rounding of a decision, every level")
    func nvfp4StochasticKernelRounding() {
        var r = SplitMix64(seed: 2033)
        for (code, tensorScale) in [(UInt32(0x38), 0.9), (0x39, 0.3)] {
            let divisor = Format.ue4m3.decode(code) * tensorScale
            for n in [8, 20] {
                for (variant, mode) in [RoundingMode.stochasticA(bits: n, random: 0), .stochasticB(bits: n, random: 0),
                                        .stochasticC(bits: n, random: 0)].enumerated() {
                    var xs: [Float] = [], values: [UInt32] = []
                    while xs.count < 16 * 512 {
                        if xs.count % 16 == 1 {
                            // c for a random R, u = k - c: its quotient (u / 2, u - 2 or 2 (u - 4)), all exact
                            // in a double (at most N + 4 bits).
                            let random = UInt32(r.next() % (1 << UInt64(n)))
                            let c = variant == 0 ? Double(random) / Double(1 << n) : Double(2 * random + 1) / Double(2 << n)
                            let u = Double(1 + r.next() % 7) - c
                            let quotient = u < 4 ? u / 2 : u < 6 ? u - 2 : (u - 4) * 2
                            guard quotient > 0, quotient < 6.5 else { continue }
                            let x = Float(quotient * divisor)
                            xs.append([x, x.nextUp, x.nextDown][Int(r.next() % 3)])
                            values.append(random)
                        } else {
                            xs.append(Float(Double(r.next() % 6_500_000) / 1_000_000 * divisor))
                            values.append(UInt32(r.next() % (1 << UInt64(n))))
                        }
                        if r.next() & 1 == 1 { xs[xs.count - 1] = -xs[xs.count - 1] }
                    }
                    Self.expectNVFP4StochasticKernel(xs, values: values, code: code, tensorScale: tensorScale, mode: mode,
                                                     variant: variant, fewReported: false)
                }
            }
        }
    }

    /// The float32 value of element code `e` in a block of scale code `s`, by the oracle: the exact
    /// product rounded once (ties to even, overflow to Inf); nil for NaN, which a code beyond its
    /// format also gives.
    static func decodedValue(_ f: BlockFormat, element e: UInt32, scale s: UInt32, tensorScale: Rational) -> Float? {
        guard UInt64(e) < f.element.codeCount, UInt64(s) < f.scale.codeCount else { return nil }
        let v = BlockOracle.decode(element: e, scale: s, format: f, tensorScale: tensorScale)
        if v.isNaN { return nil }
        return Float(bitPattern: Oracle.round(v, to: .binary32, rounding: .nearestTiesToEven, saturation: .satNone))
    }

    /// Scale and element codes for `blocks` blocks of `size` (the last `size - short` long): scale
    /// codes any byte (so NaN and invalid scales, and products that overflow or fall below
    /// float32's normal range), element codes valid in most blocks and any byte in some.
    static func blockCodes(_ f: BlockFormat, blocks: Int, count: Int, seed: UInt64) -> (scales: [UInt8], elements: [UInt8]) {
        var r = SplitMix64(seed: seed)
        let scales = (0..<blocks).map { _ in UInt8(truncatingIfNeeded: r.next()) }
        var elements: [UInt8] = []
        var anyByte = false
        for i in 0..<count {
            if i % f.blockSize == 0 { anyByte = r.next() % 4 == 0 }
            let code = r.next()
            elements.append(UInt8(truncatingIfNeeded: anyByte ? code : code % UInt64(f.element.codeCount)))
        }
        return (scales, elements)
    }

    /// Block decoding to float32 in C (`minifloat_decode_blocks_float32`): at every level the
    /// processor runs, with tables of the oracle's values, and through ``BlockFormat/decode`` (rows
    /// of whole blocks and rows with a short last block), each value the oracle's exact product
    /// rounded once; NVFP4 with tensor scales whose products round, overflow and fall below
    /// float32's normal range. Every element format has the arithmetic form AVX2 and AVX-512
    /// take, for all its finite values.
    @Test("Block decoding to float32: the oracle's values at every level", arguments: BlockFormat.all)
    func blockDecodingAtEveryLevel(format f: BlockFormat) {
        let tensorScales: [Float] = f.hasTensorScale ? [0.75, 0.1, 1e-40, 3e35] : [1]
        let one = Oracle.round(ExactValue(1.0), to: f.scale, rounding: .nearestTiesToEven, saturation: .satFinite)
        let elementValues = (0..<256).map { c in
            UInt64(c) < f.element.codeCount
                ? Float(Oracle.nearestDouble(BlockOracle.decode(element: UInt32(c), scale: one, format: f)))
                : .nan
        }
        let scaleValues = (0..<256).map { c in
            UInt64(c) < f.scale.codeCount ? Float(Oracle.nearestDouble(Oracle.decode(UInt32(c), in: f.scale))) : .nan
        }
        for (k, t) in tensorScales.enumerated() {
            let tensorScale = ExactValue(Double(t)).rational!
            for shape in [[7, 6 * f.blockSize], [5, 5 * f.blockSize - 3]] {
                let layout = BlockLayout(shape: shape, blockSize: f.blockSize)
                let (scales, elements) = Self.blockCodes(f, blocks: layout.scaleCount, count: layout.elementCount,
                                                         seed: UInt64(k * 10 + shape[1]))
                let want = (0..<layout.elementCount).map { i in
                    Self.decodedValue(f, element: UInt32(elements[i]), scale: UInt32(scales[i / shape[1] * layout.blocksPerLine + i % shape[1] / f.blockSize]),
                                      tensorScale: tensorScale)
                }
                func check(_ got: [Float], _ context: String) {
                    let bad = got.indices.first { i in want[i].map { got[i].bitPattern != $0.bitPattern } ?? !got[i].isNaN }
                    #expect(bad == nil, "\(f.name) \(shape) tensor scale \(t) \(context): first mismatch at \(String(describing: bad))")
                }
                var out = [Float](repeating: 0, count: layout.elementCount)
                scales.withUnsafeBufferPointer { s in elements.withUnsafeBufferPointer { e in out.withUnsafeMutableBufferPointer { o in
                    f.decode(scales: s, elements: e, layout: layout, tensorScale: f.hasTensorScale ? t : nil, into: o, threads: 2)
                } } }
                check(out, "BlockFormat.decode")
                // The C function at every level, one call per line (its blocks are consecutive).
                for level in 0...minifloat_kernels_supported() {
                    out = [Float](repeating: 0, count: layout.elementCount)
                    elementValues.withUnsafeBufferPointer { ev in scaleValues.withUnsafeBufferPointer { sv in
                        var decoder = minifloat_block_decoder(element_values: ev.baseAddress, scale_values: sv.baseAddress,
                                                              tensor_scale: t, has_tensor_scale: f.hasTensorScale ? 1 : 0,
                                                              fp4: f.element.bitWidth == 4 ? 1 : 0, arithmetic: 0, mantissa_bits: 0,
                                                              sign_bit: 0, special_start: 0, exponent_offset: 0, unit: 0)
                        // Every element format in use has the arithmetic form (AVX2 and AVX-512 take it).
                        let arithmetic = minifloat_block_decoder_set_arithmetic(
                            &decoder, Int32(f.element.exponentBits), Int32(f.element.mantissaBits), Int32(f.element.bias),
                            f.elementStorage == .twosComplement ? 1 : 0)
                        #expect(arithmetic == 1, "\(f.name): no arithmetic form of the element values")
                        // ... for every finite value (only NaN and Inf from the table).
                        if f.elementStorage != .twosComplement {
                            let finite = (0..<Int(decoder.sign_bit)).prefix { elementValues[$0].isFinite }.count
                            #expect(Int(decoder.special_start) == finite, "\(f.name): special_start \(decoder.special_start)")
                        }
                        for line in 0..<layout.outer {
                            minifloat_decode_blocks_float32(&decoder, scales.withUnsafeBufferPointer { $0.baseAddress! + line * layout.blocksPerLine },
                                                            elements.withUnsafeBufferPointer { $0.baseAddress! + line * shape[1] },
                                                            shape[1], f.blockSize,
                                                            out.withUnsafeMutableBufferPointer { $0.baseAddress! + line * shape[1] }, level)
                        }
                    } }
                    check(out, "level \(Self.levelNames[Int(level)])")
                }
            }
        }
    }
}
