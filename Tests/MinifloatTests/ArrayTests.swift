import Minifloat
import MinifloatOracle
import PropertyBased
import Testing

/// The array paths (lookup tables, threads, packing) give exactly the scalar codec's answer for
/// every element: on the generative inputs of the foundation tests, for every source type, several
/// thread counts and lengths (0, 1, odd tails, and lengths large enough to be split over threads).
@Suite("Array paths equal the scalar codec")
struct ArrayTests {
    static let formats = catalogFormats(upToBits: 16) + llmfp4Variants
    static let modes = RoundingMode.deterministic + [.stochasticA(bits: 5, random: 0),
                                                      .stochasticB(bits: 13, random: 0),
                                                      .stochasticC(bits: 32, random: 0)]
    static let lengths = [0, 1, 2, 3, 7, 17, 63, 65, 1001, 70_001]
    static let threadCounts = [1, 2, 3, 8]

    /// `count` inputs mixing every generative kind.
    static func inputs(_ f: Format, count: Int, seed: UInt64) -> [Double] {
        (0..<count).map { i in
            let r = RandomSource.splitMix64(seed: seed, index: UInt64(i))
            return GenerativeTests.input(kind: Int(r >> 61) % 5, f, r)
        }
    }

    /// P3109 variant `variant` (0 A, 1 B, 2 C) with `bits` random bits and random value `r`.
    static func stochasticMode(_ variant: Int, bits n: Int, random r: UInt64) -> RoundingMode {
        [RoundingMode.stochasticA(bits: n, random: r), .stochasticB(bits: n, random: r), .stochasticC(bits: n, random: r)][variant]
    }

    /// The random values at which A (floor(j/2) and the step below), B ((2^(N+1) - j - 1)/2,
    /// (2^(N+1) - j)/2) and C (ceil(j/2)) change their decision at the point `j / 2^(N+1)` of the
    /// way between neighbours (1 <= j < 2^(N+1)); those below 2^N.
    static func decisionRandoms(_ j: UInt64, bits n: Int) -> [UInt64] {
        let full = UInt64(1) << UInt64(n + 1), half = UInt64(1) << UInt64(n)
        return [half - j / 2, half - (j + 1) / 2, (full - j - 1) / 2, (full - j) / 2, half - j / 2 - 1].filter { $0 < half }
    }

    static func scalarMode(_ mode: RoundingMode, _ random: RandomSource, _ i: Int) -> RoundingMode {
        func r(_ n: Int) -> UInt64 {
            guard case .seed(let s) = random else { return 0 }
            return seededRandom(seed: s, index: i, bits: n)
        }
        switch mode {
        case .stochasticA(let n, _): return .stochasticA(bits: n, random: r(n))
        case .stochasticB(let n, _): return .stochasticB(bits: n, random: r(n))
        case .stochasticC(let n, _): return .stochasticC(bits: n, random: r(n))
        default: return mode
        }
    }

    @Test("every source type, code type, length and thread count")
    func encodeMatchesScalar() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0..<Self.formats.count), Gen.int(in: 0..<Self.modes.count),
                            Gen.int(in: 0..<3), Gen.int(in: 0..<Self.lengths.count),
                            Gen.int(in: 0..<Self.threadCounts.count), Gen.uint64()) { fi, mi, si, li, ti, seed in
            let f = Self.formats[fi], mode = Self.modes[mi], sat = SaturationMode.allCases[si]
            let n = Self.lengths[li], threads = Self.threadCounts[ti]
            let random = RandomSource.seed(seed)
            let doubles = Self.inputs(f, count: n, seed: seed)
            let floats = doubles.map { Float($0) }
            let bf16 = floats.map { BFloat16(bitPattern: UInt16(truncatingIfNeeded: Format.bfloat16.encode($0))) }
            let f16 = floats.map { Float16($0) }
            func expected(_ x: Double, _ i: Int) -> UInt32 {
                f.encode(x, rounding: Self.scalarMode(mode, random, i), saturation: sat)
            }
            let want64 = doubles.indices.map { expected(doubles[$0], $0) }
            let want32 = floats.indices.map { expected(Double(floats[$0]), $0) }
            let wantBF = bf16.indices.map { expected(Double(Float(bf16[$0])), $0) }
            let wantH = f16.indices.map { expected(Double(f16[$0]), $0) }
            if f.bitWidth <= 8 {
                #expect(f.encode(floats, as: UInt8.self, rounding: mode, saturation: sat, random: random,
                                 threads: threads).map(UInt32.init) == want32, "f32 \(f) \(mode) \(sat) n=\(n)")
                // Byte codes from bfloat16 and float16 (the stochastic modes' C path widens chunks).
                #expect(f.encode(bf16, as: UInt8.self, rounding: mode, saturation: sat, random: random,
                                 threads: threads).map(UInt32.init) == wantBF, "bf16 bytes \(f) \(mode) \(sat) n=\(n)")
                #expect(f.encode(f16, as: UInt8.self, rounding: mode, saturation: sat, random: random,
                                 threads: threads).map(UInt32.init) == wantH, "f16 bytes \(f) \(mode) \(sat) n=\(n)")
                // float64 (stochastic: rounded to odd into chunks for the C path where M + N <= 21).
                #expect(f.encode(doubles, as: UInt8.self, rounding: mode, saturation: sat, random: random,
                                 threads: threads).map(UInt32.init) == want64, "f64 bytes \(f) \(mode) \(sat) n=\(n)")
            }
            #expect(f.encode(floats, as: UInt16.self, rounding: mode, saturation: sat, random: random,
                             threads: threads).map(UInt32.init) == want32, "f32 \(f) \(mode) \(sat) n=\(n)")
            #expect(f.encode(doubles, as: UInt16.self, rounding: mode, saturation: sat, random: random,
                             threads: threads).map(UInt32.init) == want64, "f64 \(f) \(mode) \(sat) n=\(n)")
            #expect(f.encode(bf16, as: UInt32.self, rounding: mode, saturation: sat, random: random,
                             threads: threads) == wantBF, "bf16 \(f) \(mode) \(sat) n=\(n)")
            #expect(f.encode(f16, as: UInt16.self, rounding: mode, saturation: sat, random: random,
                             threads: threads).map(UInt32.init) == wantH, "f16 \(f) \(mode) \(sat) n=\(n)")
            if f.bitWidth == 4 {
                let packed = f.encodePacked(floats, rounding: mode, saturation: sat, random: random, threads: threads)
                #expect(packed.count == (n + 1) / 2)
                var unpacked: [UInt32] = []
                for i in 0..<n {
                    let byte = packed[i / 2]
                    unpacked.append(UInt32(i % 2 == 0 ? byte & 0xF : byte >> 4))
                }
                #expect(unpacked == want32, "packed \(f) \(mode) \(sat) n=\(n)")
                if n % 2 == 1 { #expect(packed.last! >> 4 == 0, "the last odd element leaves the high nibble 0") }
            }
        }
    }

    @Test("float32 inputs within the finite range (the vectorised path), with ties, every small format and mode")
    func normalRange() async {
        let formats = smallFormats.filter(\.hasZero)
        await propertyCheck(count: 400, input: Gen.int(in: 0..<formats.count), Gen.int(in: 0..<6),
                            Gen.int(in: 0..<3), Gen.int(in: 0..<Self.lengths.count), Gen.uint64()) { fi, mi, si, li, seed in
            let f = formats[fi], mode = RoundingMode.deterministic[mi], sat = SaturationMode.allCases[si]
            let most = f.decode(f.maxFiniteMagnitude)
            let xs: [Float] = (0..<Self.lengths[li]).map { i in
                let r = RandomSource.splitMix64(seed: seed, index: UInt64(i))
                let sign: Float = r & 1 == 0 || f.signedness == .unsigned ? 1 : -1
                // A finite code (normal for even seeds, any for odd ones, so that groups of only
                // normal values occur), and either it, the midpoint to the next one, or a nudge.
                let first: UInt64 = seed & 1 == 0 ? 1 << UInt64(f.mantissaBits) : 0
                let span = UInt64(f.maxFiniteMagnitude) - first + 1
                let c = UInt32(first + (r >> 8) % span)
                let lo = f.decode(c), hi = c < f.maxFiniteMagnitude ? f.decode(c + 1) : lo
                var x = Float(r >> 40 & 1 == 0 ? lo : (lo + hi) / 2)
                if r >> 41 & 1 == 1 { x = r >> 42 & 1 == 0 ? x.nextUp : x.nextDown }
                return sign * min(x, Float(most))
            }
            let want = xs.map { UInt8(f.encode($0, rounding: mode, saturation: sat)) }
            #expect(f.encode(xs, as: UInt8.self, rounding: mode, saturation: sat, threads: 1) == want, "\(f) \(mode) \(sat)")
        }
    }

    /// float64 inputs go through float32 with round-to-odd (`Float64ViaFloat32.swift`): the codes
    /// equal the oracle's for inputs at and next to every point the argument rests on (values,
    /// midpoints, the powers of two above the largest value, float32's largest value and least
    /// subnormal), a double ulp or a little more than float32 keeps to either side, for every small
    /// format, every deterministic mode and saturation. The formats with extreme biases put those
    /// points at the edges of the float32 range (largest value 2^124 * 1.875, finest spacing 2^-133).
    @Test("float64 inputs through float32 rounded to odd equal the oracle")
    func float64ThroughFloat32() throws {
        let edges = [try Format.llmfp4(exponentBits: 4, mantissaBits: 3, bias: -109),
                     try Format.llmfp4(exponentBits: 4, mantissaBits: 3, bias: 131)]
        let edgesApply = edges.allSatisfy { $0.float64ViaFloat32Applies }
        #expect(edgesApply)
        let beyond = try Format.llmfp4(exponentBits: 4, mantissaBits: 3, bias: -110)
        #expect(!beyond.float64ViaFloat32Applies)
        let formats = (smallFormats + edges).filter { $0.float64ViaFloat32Applies }
        #expect(formats.count >= 30 && formats.contains(.e4m3fn) && formats.contains(.e2m1fn))
        for f in formats {
            var points: [Double] = []
            let values = (0...f.maxFiniteMagnitude).map { f.decode($0) }.filter(\.isFinite)
            for (k, v) in values.enumerated() {
                points.append(v)
                if k + 1 < values.count { points.append((v + values[k + 1]) / 2) }
            }
            let top = Double(sign: .plus, exponent: f.decode(f.maxFiniteMagnitude).exponent, significand: 1)
            points += [2 * top, 4 * top, 8 * top, Double(Float.greatestFiniteMagnitude), 0x1p128, 1e300,
                       Double(Float.leastNonzeroMagnitude), 0x1p-150, 1e-300, .leastNonzeroMagnitude]
            var xs: [Double] = [0, -0.0, .infinity, -.infinity, .nan, -Double.nan,
                                Double(bitPattern: 0x7FF0_0000_0000_0001), Double(bitPattern: 0xFFF4_0000_0000_0000)]
            for p in points where p.isFinite && p > 0 {
                for x in [p, p.nextUp, p.nextDown, p * (1 + 0x1p-25), p * (1 - 0x1p-25), p * (1 + 0x1p-40)] {
                    xs.append(x)
                    if f.signedness == .signed { xs.append(-x) }
                }
            }
            let brackets = xs.map { Oracle.Bracket(ExactValue($0), f) }
            for mode in RoundingMode.deterministic {
                for sat in SaturationMode.allCases {
                    let got = f.encode(xs, as: UInt8.self, rounding: mode, saturation: sat, threads: 1)
                    let bad = xs.indices.first { UInt32(got[$0]) != brackets[$0].code(rounding: mode, saturation: sat) }
                    #expect(bad == nil, "\(f) \(mode) \(sat): \(bad.map { xs[$0] } ?? 0)")
                }
            }
        }
    }

    /// float64 inputs under stochastic rounding go through float32 with round-to-odd when M + N <= 21
    /// and the finest point is at least 2^-148 (``Format/float64ViaFloat32Applies(randomBits:)``):
    /// the codes equal the oracle's for inputs on and a float64 ulp either side of the points
    /// `v + j * ulp / 2^(N+1)` every variant compares with (j = 1, 2^N - 1, 2^N, 2^N + 1,
    /// 2^(N+1) - 1 and random), between neighbours at the bottom, at the top (the largest finite
    /// value and the next, where rounding up overflows) and at random, each with the random values
    /// R at which A, B and C change their decision there; for N = 1, the largest N that applies and
    /// one more (the scalar path), every variant and small format, the saturation modes in turn.
    @Test("float64 inputs under stochastic rounding through float32 rounded to odd equal the oracle")
    func float64StochasticThroughFloat32() throws {
        #expect(Format.e4m3fn.float64ViaFloat32Applies(randomBits: 18) && !Format.e4m3fn.float64ViaFloat32Applies(randomBits: 19))
        #expect(Format.e2m1fn.float64ViaFloat32Applies(randomBits: 20) && !Format.e2m1fn.float64ViaFloat32Applies(randomBits: 21))
        let edges = [try Format.llmfp4(exponentBits: 4, mantissaBits: 3, bias: -109),
                     try Format.llmfp4(exponentBits: 4, mantissaBits: 3, bias: 131)]
        let formats = (smallFormats + edges).filter { $0.float64ViaFloat32Applies && $0.hasZero }
        var r = SplitMix64(seed: 2031)
        var cases = 0
        for (fi, f) in formats.enumerated() {
            let largest = (1...21).last { f.float64ViaFloat32Applies(randomBits: $0) } ?? 0
            #expect(largest >= 1, "\(f)")
            let values = (0...f.maxFiniteMagnitude).map { f.decode($0) }.filter(\.isFinite)
            // The value after the largest finite one on the grid extended upward.
            let top = values.last!, next = top + Double(sign: .plus, exponent: top.exponent - f.mantissaBits, significand: 1)
            // The neighbours: the lowest three intervals, the top two and the one beyond, 6 at random.
            var pairs = (0..<min(3, values.count - 1)).map { (values[$0], values[$0 + 1]) }
            pairs += [(values[values.count - 3], values[values.count - 2]), (values[values.count - 2], top), (top, next)]
            for _ in 0..<6 {
                let k = Int(r.next() % UInt64(values.count - 1))
                pairs.append((values[k], values[k + 1]))
            }
            for n in [1, largest, largest + 1] where n <= 32 {
              for variant in 0..<3 {
                let sat = SaturationMode.allCases[(fi + n + variant) % 3]
                func mode(_ r: UInt64) -> RoundingMode { Self.stochasticMode(variant, bits: n, random: r) }
                let full = UInt64(1) << UInt64(n + 1), half = UInt64(1) << UInt64(n)
                var xs: [Double] = [], rs: [UInt32] = [], brackets: [Oracle.Bracket] = [], bracketOf: [Int] = []
                for (lo, hi) in pairs {
                    let step = (hi - lo) / Double(full)
                    for j in [1, half - 1, half, half + 1, full - 1, 1 + r.next() % (full - 1)] where j >= 1 && j < full {
                        let p = lo + Double(j) * step  // exact: at most M + N + 2 bits
                        let thresholds = Self.decisionRandoms(j, bits: n)
                        for x in [p.nextDown, p, p.nextUp] {
                            let signed = f.signedness == .signed && r.next() & 1 == 1 ? -x : x
                            brackets.append(Oracle.Bracket(ExactValue(signed), f))
                            for t in thresholds {
                                xs.append(signed)
                                rs.append(UInt32(t))
                                bracketOf.append(brackets.count - 1)
                            }
                        }
                    }
                }
                let got = f.encode(xs, as: UInt8.self, rounding: mode(0), saturation: sat, random: .values(rs), threads: 1)
                let bad = xs.indices.first {
                    UInt32(got[$0]) != brackets[bracketOf[$0]].code(rounding: mode(UInt64(rs[$0])), saturation: sat)
                }
                #expect(bad == nil, "\(f) \(mode(0)) \(sat): \(bad.map { "x = \(xs[$0]), R = \(rs[$0])" } ?? "")")
                cases += xs.count
              }
            }
        }
        #expect(formats.count >= 30 && cases > 100_000)
    }

    /// Zero and the subnormal range under stochastic rounding: the C kernel's subnormal lanes and
    /// `Float32NormalKernel.stochasticCode`'s (with `T = |x| 2^(23 - minExponent)` rounded to
    /// odd, `StochasticPlan`) equal the oracle for float32 inputs on and a float32 ulp either side
    /// of the points `v + j * ulp / 2^(N+1)` between the lowest subnormal neighbours (0 and the
    /// least subnormal among them), the largest subnormal and the least normal value, and two
    /// random pairs, each with the R values at which A, B and C change their decision there; plus
    /// zeros, float32 subnormals and values just below 2^-126 with random R. For N = 1, the
    /// largest N the kernel's subnormal lanes take (`s - 2`, s = 23 - M), `s - 1` (those inputs
    /// left to the scalar codec) and 32; every variant and small format, and LLM-FP4 E4M3 with
    /// minExponent -100 (taken), -101 and -125 (left). Byte codes (the C kernel, groups of 16;
    /// every 97th element a NaN, so some groups are redone element by element) and 16-bit codes
    /// (the Swift groups, which leave these inputs to the scalar form); the same values and tiny
    /// ones as float64 sources (rounded to odd: float32 subnormals).
    @Test("stochastic rounding of zero and subnormal float32 inputs equals the oracle")
    func stochasticSubnormalRange() throws {
        let edges = [try Format.llmfp4(exponentBits: 4, mantissaBits: 3, bias: 101),
                     try Format.llmfp4(exponentBits: 4, mantissaBits: 3, bias: 102),
                     try Format.llmfp4(exponentBits: 4, mantissaBits: 3, bias: 126),
                     // Least normal 2^111: StochasticC's 2^(e + d) is no float32 for few random bits,
                     // so those subnormal lanes take the sticky bit, not the addition.
                     try Format.llmfp4(exponentBits: 2, mantissaBits: 3, bias: -110)]
        let formats = (smallFormats + edges).filter(\.hasZero)
        var r = SplitMix64(seed: 2033)
        var cases = 0
        for (fi, f) in formats.enumerated() {
            let m = f.mantissaBits, s = 23 - m
            let sub = Double(sign: .plus, exponent: f.minExponent - m, significand: 1)  // the subnormal step
            let top = 1 << m  // the least normal value, in steps
            var pairs = [(0, 1), (top - 1, top)]
            if top > 2 { pairs.append((1, 2)) }
            for _ in 0..<2 {
                let k = Int(r.next() % UInt64(top))
                pairs.append((k, k + 1))
            }
            for n in Set([1, s - 2, s - 1, 23, 24, 32]).sorted() where n >= 1 && n <= 32 {
              for variant in 0..<3 {
                let sat = SaturationMode.allCases[(fi + n + variant) % 3]
                func mode(_ r: UInt64) -> RoundingMode { Self.stochasticMode(variant, bits: n, random: r) }
                let full = UInt64(1) << UInt64(n + 1), half = UInt64(1) << UInt64(n)
                var xs: [Float] = [], rs: [UInt32] = []
                func add(_ x: Float, _ rValue: UInt64) {
                    if xs.count % 97 == 96 {  // a NaN: its group is redone element by element
                        xs.append(.nan)
                        rs.append(0)
                    }
                    xs.append(f.signedness == .signed && r.next() & 1 == 1 ? -x : x)
                    rs.append(UInt32(rValue))
                }
                for (lo, _) in pairs {
                    for j in [1, half - 1, half, half + 1, full - 1, 1 + r.next() % (full - 1)] where j >= 1 && j < full {
                        let p = Float((Double(lo) + Double(j) / Double(full)) * sub)  // exact when it has at most 24 bits
                        let thresholds = Self.decisionRandoms(j, bits: n)
                        for x in [p.nextDown, p, p.nextUp] where x >= 0 {
                            for t in thresholds { add(x, t) }
                        }
                    }
                }
                // Zeros, float32 subnormals (also the least one) and values just below 2^-126.
                for x in [Float(0), .leastNonzeroMagnitude, Float.leastNormalMagnitude.nextDown,
                          Float(bitPattern: UInt32(truncatingIfNeeded: r.next()) & 0x007F_FFFF)] {
                    for _ in 0..<4 { add(x, r.next() % half) }
                }
                if f.signedness == .signed { for _ in 0..<4 { xs.append(-0.0); rs.append(UInt32(r.next() % half)) } }
                // Groups of 16 (aligned) of subnormal-range values with one input outside the range
                // in lane 0, 7 or 15: infinities, NaNs, magnitudes beyond the largest finite value,
                // and negative values (outside an unsigned format's range at any magnitude).
                while xs.count % 16 != 0 { xs.append(Float(sub)); rs.append(UInt32(r.next() % half)) }
                let most = Float(f.decode(f.maxFiniteMagnitude))
                for special in [Float.infinity, -.infinity, .nan, -.nan, most * 4, -most * 4, -most, -Float(sub), -0x1p-140] {
                    for lane in [0, 7, 15] {
                        for k in 0..<16 {
                            xs.append(k == lane ? special : Float(sub) * Float(k))
                            rs.append(UInt32(r.next() % half))
                        }
                    }
                }
                let want = xs.indices.map {
                    UInt32(Oracle.Bracket(ExactValue(Double(xs[$0])), f).code(rounding: mode(UInt64(rs[$0])), saturation: sat))
                }
                let bytes = f.encode(xs, as: UInt8.self, rounding: mode(0), saturation: sat, random: .values(rs), threads: 1)
                let bad = xs.indices.first { UInt32(bytes[$0]) != want[$0] }
                #expect(bad == nil, "\(f) \(mode(0)) \(sat): \(bad.map { "x = \(xs[$0]), R = \(rs[$0]): \(bytes[$0]), not \(want[$0])" } ?? "")")
                let wide = f.encode(xs, as: UInt16.self, rounding: mode(0), saturation: sat, random: .values(rs), threads: 1)
                let badWide = xs.indices.first { UInt32(wide[$0]) != want[$0] }
                #expect(badWide == nil, "16-bit codes, \(f) \(mode(0)) \(sat): \(badWide.map { "x = \(xs[$0]), R = \(rs[$0])" } ?? "")")
                // float64 sources (through float32 rounded to odd where that applies): the same values,
                // then values below float32's normal range that are not float32 values (rounded to odd,
                // they become float32 subnormals with the last bit set).
                var doubles = xs.map(Double.init), doubleRandoms = rs
                for k in 0..<64 {
                    let tiny = Double(sign: r.next() & 1 == 0 || f.signedness == .unsigned ? .plus : .minus,
                                      exponent: -127 - Int(r.next() % 900), significand: 1 + Double(r.next() % (1 << 52)) * 0x1p-52)
                    doubles.append(k == 0 ? 0x1.8p-149 : tiny)
                    doubleRandoms.append(UInt32(r.next() % half))
                }
                let fromDoubles = f.encode(doubles, as: UInt8.self, rounding: mode(0), saturation: sat, random: .values(doubleRandoms),
                                           threads: 1)
                let badDouble = doubles.indices.first {
                    UInt32(fromDoubles[$0]) != Oracle.Bracket(ExactValue(doubles[$0]), f)
                        .code(rounding: mode(UInt64(doubleRandoms[$0])), saturation: sat)
                }
                #expect(badDouble == nil, "float64, \(f) \(mode(0)) \(sat): \(badDouble.map { "x = \(doubles[$0])" } ?? "")")
                cases += xs.count
              }
            }
        }
        #expect(formats.count >= 30 && cases > 100_000, "\(formats.count) formats, \(cases) cases")
    }

    /// The vectorised stochastic path (`Float32NormalKernel.stochasticGroup`: "add an increment
    /// made from R, shift") against the oracle's P3109 rules, for every variant and every N from 1
    /// to 32 (below, at and above the format's fraction width `23 - M`), on float32 inputs in the
    /// normal range with fractions exactly on, just off and far from the points each variant
    /// compares with, and random values 0, 2^N - 1, 2^(N-1) and others, in groups of 16 and tails.
    @Test("stochastic rounding of normal float32 inputs (the vectorised path) equals the oracle, N = 1...32")
    func stochasticNormalRange() async {
        let formats = smallFormats.filter(\.hasZero)
        await propertyCheck(count: 150, input: Gen.int(in: 0..<formats.count), Gen.int(in: 0..<3),
                            Gen.int(in: 1...32), Gen.int(in: 0..<3), Gen.uint64()) { fi, variant, n, si, seed in
            let f = formats[fi], sat = SaturationMode.allCases[si]
            let most = Float(f.decode(f.maxFiniteMagnitude)), least = Float(f.decode(1 << UInt32(f.mantissaBits)))
            let count = 48 + Int(seed % 17)
            let xs: [Float] = (0..<count).map { i in
                let r = RandomSource.splitMix64(seed: seed, index: UInt64(i))
                let sign: Float = r & 1 == 0 || f.signedness == .unsigned ? 1 : -1
                // A normal code and a float32 between it and the next, its fraction's top bits
                // random and the rest all zeros, all ones, a lone low bit or random.
                let span = UInt64(f.maxFiniteMagnitude) - (1 << UInt64(f.mantissaBits)) + 1
                let c = UInt32((1 << UInt64(f.mantissaBits)) + (r >> 8) % span)
                let lo = Float(f.decode(c)), hi = c < f.maxFiniteMagnitude ? Float(f.decode(c + 1)) : lo
                let steps = hi.bitPattern - lo.bitPattern
                let cut = UInt32(r >> 20 & 31) % 24
                let top = steps == 0 ? 0 : UInt32(truncatingIfNeeded: r >> 32) % steps & ~((1 << cut) &- 1)
                let tail: [UInt32] = [0, (1 << cut) &- 1, cut > 0 ? 1 : 0, UInt32(truncatingIfNeeded: r >> 44) & ((1 << cut) &- 1)]
                let offset = steps == 0 ? 0 : min(top | tail[Int(r >> 2 & 3)], steps - 1)
                return sign * min(max(Float(bitPattern: lo.bitPattern + offset), least), most)
            }
            let values: [UInt32] = (0..<count).map { i in
                let r = RandomSource.splitMix64(seed: seed &+ 1, index: UInt64(i))
                let all = UInt32(truncatingIfNeeded: (UInt64(1) << UInt64(n)) - 1)
                return [0, all, 1 << UInt32(n - 1), UInt32(truncatingIfNeeded: r >> 8)][Int(r & 3)]
            }
            func mode(_ r: UInt64) -> RoundingMode { Self.stochasticMode(variant, bits: n, random: r) }
            let brackets = xs.map { Oracle.Bracket(ExactValue(Double($0)), f) }
            let got = f.encode(xs, as: UInt8.self, rounding: mode(0), saturation: sat, random: .values(values), threads: 1)
            let want = xs.indices.map {
                UInt8(brackets[$0].code(rounding: mode(UInt64(values[$0]) & ((1 << UInt64(n)) - 1)), saturation: sat))
            }
            #expect(got == want, "\(f) \(mode(0)) \(sat) at \(xs.indices.first { got[$0] != want[$0] }.map { xs[$0] } ?? 0)")
            let seeded = f.encode(xs, as: UInt8.self, rounding: mode(0), saturation: sat, random: .seed(seed), threads: 1)
            let wantSeeded = xs.indices.map {
                UInt8(brackets[$0].code(rounding: mode(RandomSource.seed(seed).value(at: $0, bits: n)), saturation: sat))
            }
            #expect(seeded == wantSeeded, "\(f) \(mode(0)) \(sat) seeded")
        }
    }

    @Test("caller's random values: element i uses the low N bits of values[i]")
    func callerRandom() {
        let f = Format.e4m3fn
        let xs: [Float] = (0..<1000).map { Float($0) * 0.0371 - 17 }
        let values: [UInt32] = (0..<1000).map { UInt32(truncatingIfNeeded: RandomSource.splitMix64(seed: 9, index: UInt64($0))) }
        for threads in [1, 3] {
            let got = f.encode(xs, as: UInt8.self, rounding: .stochasticA(bits: 6, random: 0),
                               random: .values(values), threads: threads)
            let want = xs.indices.map {
                UInt8(f.encode(xs[$0], rounding: .stochasticA(bits: 6, random: UInt64(values[$0] & 63))))
            }
            #expect(got == want)
        }
    }

    @Test("decode: every code of every format up to 16 bits, as Float and Double, codes above maxCode give NaN")
    func decodeMatchesScalar() {
        for f in Self.formats {
            let codes = (0..<UInt32(f.codeCount)).map { $0 }
            let wantF = codes.map { f.decode($0, as: Float.self).bitPattern }
            let wantD = codes.map { f.decode($0).bitPattern }
            for threads in [1, 3] {
                #expect(f.decode(codes, as: Float.self, threads: threads).map(\.bitPattern) == wantF, "\(f)")
                #expect(f.decode(codes, as: Double.self, threads: threads).map(\.bitPattern) == wantD, "\(f)")
                if f.bitWidth <= 8 {
                    let small = codes.map { UInt8($0) }
                    #expect(f.decode(small, as: Float.self, threads: threads).map(\.bitPattern) == wantF, "\(f)")
                }
            }
            if f.bitWidth < 8 {
                let above = f.decode([UInt8(f.codeCount)], as: Float.self)
                #expect(above[0].isNaN)
            }
            if f.bitWidth == 4 {
                for n in [0, 1, 15, 16, 33] {
                    let c = (0..<n).map { UInt8($0 * 7 % 16) }
                    var packed = [UInt8](repeating: 0, count: (n + 1) / 2)
                    for (i, code) in c.enumerated() { packed[i / 2] |= i % 2 == 0 ? code : code << 4 }
                    #expect(f.decodePacked(packed, count: n, as: Float.self).map(\.bitPattern)
                            == c.map { f.decode(UInt32($0), as: Float.self).bitPattern })
                    #expect(f.decodePacked(packed, count: n, as: Double.self).map(\.bitPattern)
                            == c.map { f.decode(UInt32($0)).bitPattern })
                }
            }
        }
    }

    @Test("the counter-based generator is SplitMix64 (published first outputs for seed 1234567), two words an output")
    func splitMix64() {
        // Reference values: the SplitMix64 reference C code (Vigna, prng.di.unimi.it) from state 1234567.
        let want: [UInt64] = [6457827717110365317, 3203168211198807973, 9817491932198370423,
                              4593380528125082431, 16408922859458223821]
        #expect((0..<5).map { RandomSource.splitMix64(seed: 1234567, index: UInt64($0)) } == want)
        // The seeded stream's words are those outputs' halves, low first; R_i their top N bits.
        let words = want.flatMap { [UInt32($0 & 0xFFFF_FFFF), UInt32($0 >> 32)] }
        #expect((0..<10).map { RandomSource.splitMix64Word(seed: 1234567, index: UInt64($0)) } == words)
        for bits in [1, 8, 20, 32] {
            #expect((0..<10).map { RandomSource.seed(1234567).value(at: $0, bits: bits) }
                    == words.map { UInt64($0 >> UInt32(32 - bits)) })
            // The stream before 2026-11-29 (the top N bits of whole outputs), by the recipe
            // RandomSource.seed documents: caller's values.
            let old = RandomSource.values((0..<5).map {
                UInt32(truncatingIfNeeded: RandomSource.splitMix64(seed: 1234567, index: UInt64($0)) >> UInt64(64 - bits))
            })
            #expect((0..<5).map { old.value(at: $0, bits: bits) } == want.map { $0 >> UInt64(64 - bits) })
        }
    }
}
