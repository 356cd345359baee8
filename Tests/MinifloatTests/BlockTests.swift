import Minifloat
import MinifloatOracle
import PropertyBased
import Testing

/// Block formats (MX, NVFP4): the fast encoder and decoder against the exact oracle
/// (`BlockOracle`), exhaustively over structured families of blocks and generatively over random
/// ones; and the figures the specs and peers give.
@Suite("Block formats")
struct BlockTests {
    // MARK: Helpers

    /// The blocks of a C-order array of `shape` along `axis`, computed from multi-indices (not with
    /// `BlockLayout`): for each scale, in the scale array's C order, the flat indices of its elements.
    static func blocks(shape: [Int], axis: Int, blockSize: Int) -> [[Int]] {
        let a = axis < 0 ? axis + shape.count : axis
        var scaleShape = shape
        scaleShape[a] = (shape[a] + blockSize - 1) / blockSize
        var out = [[Int]](repeating: [], count: scaleShape.reduce(1, *))
        let count = shape.reduce(1, *)
        for flat in 0..<count {
            var rest = flat
            var index = [Int](repeating: 0, count: shape.count)
            for d in stride(from: shape.count - 1, through: 0, by: -1) {
                index[d] = rest % shape[d]
                rest /= shape[d]
            }
            index[a] /= blockSize
            var scaleFlat = 0
            for d in 0..<shape.count { scaleFlat = scaleFlat * scaleShape[d] + index[d] }
            out[scaleFlat].append(flat)
        }
        return out
    }

    /// Encodes `xs` (a C-order array of `shape`) with the oracle, block by block.
    static func oracleEncode(_ xs: [ExactValue], shape: [Int], axis: Int, format: BlockFormat, encoding: BlockEncoding,
                             tensorScale: Rational, random: [UInt64]?) -> (scales: [UInt32], elements: [UInt32]) {
        var scales: [UInt32] = []
        var elements = [UInt32](repeating: 0, count: xs.count)
        for members in blocks(shape: shape, axis: axis, blockSize: format.blockSize) {
            let block = BlockOracle.encodeBlock(members.map { xs[$0] }, format: format, encoding: encoding,
                                                tensorScale: tensorScale, random: random.map { r in members.map { r[$0] } })
            scales.append(block.scale)
            for (k, i) in members.enumerated() { elements[i] = block.elements[k] }
        }
        return (scales, elements)
    }

    /// Codes by a route that shares nothing with the fast paths: each scale by the oracle (amax
    /// exact, the NaN code for a block with NaN or Inf under the nan-scale policy), each element by
    /// the library's exact path under those scales (`encodeElements(_:given:)`, element by element
    /// as Doubles). Float, bfloat16, float16 and (MX) float64 arrays all go through float32 fast
    /// paths now, so a plain `encode` of Doubles is no longer an independent reference.
    static func exactPathCodes(_ values: [Double], layout: BlockLayout, format: BlockFormat, encoding: BlockEncoding,
                               tensorScale: Float?) -> BlockCodes {
        let t = Rational(exactly: Double(tensorScale ?? 1))
        let scales = (0..<layout.scaleCount).map { b -> UInt8 in
            let (first, n, stride) = layout.block(b)
            var amax = Rational(0), special = false
            for j in 0..<n {
                let x = values[first + j * stride]
                if x.isFinite { let m = Rational(exactly: abs(x)); if amax < m { amax = m } } else { special = true }
            }
            if special && encoding.specials == .nanScale { return UInt8(format.scale.nanCode()) }
            return UInt8(BlockOracle.scaleCode(amax: amax, format: format, rule: encoding.scaleRule, tensorScale: t))
        }
        let given = BlockCodes(scales: scales, elements: [], tensorScale: tensorScale)
        return BlockCodes(scales: scales, elements: format.encodeElements(values, layout: layout, encoding: encoding, given: given),
                          tensorScale: tensorScale)
    }

    /// Compares the fast encoder with the oracle on a Float or Double array; also checks that
    /// decoding gives the oracle's values. Returns the number of mismatching codes.
    @discardableResult
    static func compare(_ values: [Double], asFloat: Bool, shape: [Int], axis: Int, format: BlockFormat,
                        encoding: BlockEncoding, tensorScale: Float?, seed: UInt64 = 7, randomValues: [UInt32]? = nil,
                        context: String = "") -> Int {
        let layout = BlockLayout(shape: shape, axis: axis, blockSize: format.blockSize)
        let random: RandomSource? = !encoding.rounding.isStochastic ? nil : randomValues.map { .values($0) } ?? .seed(seed)
        let codes = asFloat
            ? format.encode(values.map { Float($0) }, layout: layout, encoding: encoding, tensorScale: tensorScale,
                            random: random, threads: 2)
            : format.encode(values, layout: layout, encoding: encoding, tensorScale: tensorScale, random: random,
                            threads: 2)
        let exact = values.map { asFloat ? ExactValue(Float($0)) : ExactValue($0) }
        var t = Rational(1)
        if format.hasTensorScale {
            if let tensorScale {
                t = Rational(exactly: Double(tensorScale))
            } else {
                var amax = Rational(0)
                for x in exact { if case .finite(_, let m) = x, amax < m { amax = m } }
                t = BlockOracle.defaultTensorScale(amax: amax, format: format)
            }
            #expect(codes.tensorScale.map { Rational(exactly: Double($0)) == t } == true,
                    "\(format) tensor scale \(String(describing: codes.tensorScale)) oracle \(t) \(context)")
        }
        let bits = UInt64(encoding.rounding.randomBits)
        var rs: [UInt64]? = nil
        if let randomValues, random != nil {
            let mask: UInt64 = (1 << bits) - 1
            rs = randomValues.map { UInt64($0) & mask }
        } else if random != nil {
            rs = (0..<values.count).map { seededRandom(seed: seed, index: $0, bits: Int(bits)) }
        }
        let expected = oracleEncode(exact, shape: shape, axis: axis, format: format, encoding: encoding, tensorScale: t,
                                    random: rs)
        var mismatches = 0
        for (b, s) in expected.scales.enumerated() where UInt32(codes.scales[b]) != s {
            mismatches += 1
            if mismatches <= 5 {
                Issue.record("\(format) \(encoding.scaleRule) \(encoding.rounding) scale \(b): fast \(codes.scales[b]) oracle \(s) \(context)")
            }
        }
        for (i, e) in expected.elements.enumerated() where UInt32(codes.elements[i]) != e {
            mismatches += 1
            if mismatches <= 5 {
                Issue.record("\(format) \(encoding.scaleRule) \(encoding.rounding) \(encoding.saturation) element \(i) (\(exact[i])): fast \(codes.elements[i]) oracle \(e) \(context)")
            }
        }
        if mismatches == 0 {
            // Decoding: the oracle's exact value of each (scale, element) pair, rounded once.
            let decoded = format.decode(codes, layout: layout)
            let scaleOf = Self.scaleIndex(shape: shape, axis: axis, blockSize: format.blockSize)
            for i in values.indices {
                let v = BlockOracle.decode(element: UInt32(codes.elements[i]), scale: UInt32(codes.scales[scaleOf[i]]),
                                           format: format, tensorScale: t)
                let want = Oracle.nearestDouble(v)
                let ok = want.isNaN ? decoded[i].isNaN : decoded[i].bitPattern == want.bitPattern
                if !ok { mismatches += 1; Issue.record("\(format) decode \(i): \(decoded[i]) oracle \(v) \(context)"); break }
            }
        }
        return mismatches
    }

    static func scaleIndex(shape: [Int], axis: Int, blockSize: Int) -> [Int] {
        var out = [Int](repeating: 0, count: shape.reduce(1, *))
        for (s, members) in blocks(shape: shape, axis: axis, blockSize: blockSize).enumerated() {
            for i in members { out[i] = s }
        }
        return out
    }

    // MARK: Figures from the specs and peers (expected values derived by hand from the rules)

    @Test("OCP floor rule: 957 quantizes to 896 in MXFP8 E4M3 (microxcaling issue 4)")
    func nineFiftySeven() {
        let f = BlockFormat.mxfp8e4m3
        let layout = BlockLayout(shape: [2], blockSize: 32)
        // amax 960: floor(log2 960) = 9, emax 8, X = 2^1 (E8M0 code 128); 957/2 = 478.5 > 448 -> clamp 448 (0x7E).
        let floor = f.encode([957, 960] as [Float], layout: layout, encoding: BlockEncoding(for: f))
        #expect(floor.scales == [128])
        #expect(floor.elements == [0x7E, 0x7E])
        #expect(f.decode(floor, layout: layout) == [896, 896])
        // ceil: 960/448 = 2.14 -> 4 (code 129); 957/4 = 239.25 -> 240 (0x77), 960/4 = 240.
        let ceil = f.encode([957, 960] as [Float], layout: layout, encoding: BlockEncoding(for: f, scaleRule: .ceil))
        #expect(ceil.scales == [129])
        #expect(ceil.elements == [0x77, 0x77])
        #expect(f.decode(ceil, layout: layout) == [960, 960])
    }

    @Test("E8M0 tie conventions on amax / 6 = 3 (ml_dtypes gives 4, gfloat 2)")
    func e8m0Ties() {
        let f = BlockFormat.mxfp4
        let layout = BlockLayout(shape: [1], blockSize: 32)
        func scale(_ rule: ScaleRule, _ amax: Float) -> UInt8 {
            f.encode([amax], layout: layout, encoding: BlockEncoding(for: f, scaleRule: rule)).scales[0]
        }
        // amax 18: 18/6 = 3, halfway (linearly) between 2 (code 128, even) and 4 (code 129).
        #expect(scale(.tiesUp, 18) == 129)
        #expect(scale(.even, 18) == 128)
        #expect(scale(.down, 18) == 128)
        #expect(scale(.ceil, 18) == 129)
        // amax 36: 6, between 4 (129, odd) and 8 (130, even): gfloat's 6 -> 8.
        #expect(scale(.even, 36) == 130)
        #expect(scale(.tiesUp, 36) == 130)
        // floor rule: floor(log2 18) - 2 = 2 -> 4 (code 129).
        #expect(scale(.floor, 18) == 129)
    }

    @Test("All-zero blocks, short last blocks, NaN and Inf policies")
    func edges() {
        let f = BlockFormat.mxfp4.withBlockSize(4)
        let layout = BlockLayout(shape: [6], blockSize: 4)
        let xs: [Float] = [0, -0.0, 0, 0, .nan, 3]
        let nanScale = f.encode(xs, layout: layout, encoding: BlockEncoding(for: f))
        #expect(nanScale.scales == [0x00, 0xFF])  // 2^-127 for the zero block; NaN scale
        #expect(nanScale.elements == [0, 8, 0, 0, 8, 0x7])  // -0 kept; NaN -> -0 (E2M1 has no NaN); 3 as below
        let finite = f.encode(xs, layout: layout, encoding: BlockEncoding(for: f, specials: .finiteAmax))
        // amax 3 over the finite elements: floor(log2 3) - 2 = -1, scale 1/2 (code 126); 3 / (1/2) = 6 (0x7).
        #expect(finite.scales == [0x00, 126])
        #expect(finite.elements == [0, 8, 0, 0, 8, 0x7])
        #expect(f.decode(finite, layout: layout, as: Float.self).map(\.bitPattern)
                == ([0, -0.0, 0, 0, -0.0, 3] as [Float]).map(\.bitPattern))
        let nanBlock = f.decode(nanScale, layout: layout)[4...]
        #expect(nanBlock.allSatisfy { $0.isNaN })
    }

    @Test("NVFP4: cuDNN round-up scale and the FP32 tensor scale")
    func nvfp4Figures() {
        let f = BlockFormat.nvfp4
        let layout = BlockLayout(shape: [16], blockSize: 16)
        var xs = [Float](repeating: 0, count: 16)
        xs[0] = 10; xs[1] = -1; xs[2] = 0.3
        // Tensor scale 1: 10/6 = 1.666... -> UE4M3 round up: 1.75 (code 0x3E: 2^0 * 1.75).
        let codes = f.encode(xs, layout: layout, encoding: BlockEncoding(for: f), tensorScale: 1)
        #expect(codes.scales == [0x3E])
        #expect(codes.tensorScale == 1)
        // 10/1.75 = 5.714 -> 6 (0x7); -1/1.75 = -0.571 -> -0.5 (0x9); 0.3/1.75 = 0.171 -> 0.
        #expect(Array(codes.elements[0..<3]) == [0x7, 0x9, 0x0])
        // The default tensor scale is amax / 2688 to the nearest Float.
        let auto = f.encode(xs, layout: layout, encoding: BlockEncoding(for: f))
        #expect(auto.tensorScale == Float(10.0 / 2688.0))
    }

    @Test("MXINT8 elements are two's complement k/64, clamped to +-127/64")
    func mxint8() {
        let f = BlockFormat.mxint8
        let layout = BlockLayout(shape: [4], blockSize: 32)
        // amax 1.5: floor(log2 1.5) - 0 = 0, scale 1. 1.5 = 96/64; -1 = -64/64 (0xC0); 2^-7 is a tie
        // between 0 and 1/64 -> 0 (even); -0.75 = -48/64 (0xD0).
        let codes = f.encode([1.5, -1, 0.0078125, -0.75] as [Float], layout: layout, encoding: BlockEncoding(for: f))
        #expect(codes.scales == [127])
        #expect(codes.elements == [96, 0xC0, 0, 0xD0])
        #expect(f.elementValue(0x80) == -2)
        // 1.999 with the ceil rule: 1.999/(127/64) = 1.007 -> scale 2, elements /2.
        let big = f.encode([3.99] as [Float], layout: BlockLayout(shape: [1], blockSize: 32),
                           encoding: BlockEncoding(for: f, scaleRule: .floor))
        // floor(log2 3.99) = 1 -> scale 2; 3.99/2 = 1.995 > 127/64 -> clamps to 127 (0x7F).
        #expect(big.scales == [128] && big.elements == [0x7F])
    }

    @Test("Packing FP4 codes along rows")
    func packing() {
        let codes: [UInt8] = [1, 2, 3, 4, 5, 6]
        #expect(BlockFormat.packNibbles(codes, rowLength: 3) == [0x21, 0x03, 0x54, 0x06])
        #expect(BlockFormat.unpackNibbles([0x21, 0x03, 0x54, 0x06], rowLength: 3) == codes)
        #expect(BlockFormat.packNibbles(codes, rowLength: 6) == [0x21, 0x43, 0x65])
    }

    // MARK: Exact quotient (the step NVFP4 elements and ratio scales need)

    @Test("encode(x, dividedBy: d) == oracle rounding of x/d, every mode")
    func quotient() async {
        let formats = [Format.e2m1fn, .e4m3fn, .e5m2, .e8m0fnu, .ue4m3, .e3m2fn, .bfloat16, .binary16, BlockFormat.int8Grid]
        let modes = RoundingMode.deterministic + [.stochasticA(bits: 7, random: 0), .stochasticB(bits: 20, random: 0),
                                                  .stochasticC(bits: 32, random: 0), .stochasticA(bits: 32, random: 0)]
        await propertyCheck(count: 20000, input: Gen.int(in: 0..<formats.count), Gen.int(in: 0..<modes.count),
                            Gen.int(in: 0..<3), Gen.uint64(), Gen.uint64()) { fi, mi, si, a, b in
            let f = formats[fi]
            var mode = modes[mi]
            if mode.isStochastic { mode = mode.withRandom(a >> (64 - UInt64(mode.randomBits))) }
            let s = SaturationMode.allCases[si]
            // x: any Double or a Float near a multiple of d; d: a Float, a small integer times a
            // Float, or a power of two.
            let d: Double
            switch b % 3 {
            case 0: d = Double(Float(bitPattern: UInt32(truncatingIfNeeded: b >> 8) & 0x7EFF_FFFF | 0x0080_0000))
            case 1: d = Double((b >> 4) % 14 + 1) * Double(Float(bitPattern: UInt32(truncatingIfNeeded: b >> 20) & 0x3FFF_FFFF | 0x3000_0000))
            default: d = Double(sign: .plus, exponent: Int((b >> 8) % 300) - 150, significand: 1)
            }
            let x: Double
            switch a % 3 {
            case 0: x = Double(bitPattern: a)
            case 1: x = Double(Float(bitPattern: UInt32(truncatingIfNeeded: a >> 16)))
            default:
                // A grid point or midpoint of f times d, moved by a few Float ulps.
                let c = UInt32((a >> 8) % UInt64(f.maxFiniteMagnitude + 1))
                let v = f.decode(c) * (a >> 40 & 1 == 0 ? 1 : 1.5)
                var y = Float(v * d)
                for _ in 0..<Int(a >> 41 & 3) { y = a >> 43 & 1 == 0 ? y.nextUp : y.nextDown }
                x = Double(y) * (a >> 44 & 1 == 0 ? 1 : -1)
            }
            let got = f.encode(x, dividedBy: d, rounding: mode, saturation: s)
            let q: ExactValue
            if let r = ExactValue(x).rational { q = ExactValue.finite(negative: x.sign == .minus, magnitude: r.magnitude / Rational(exactly: d)) }
            else { q = ExactValue(x) }
            let want = Oracle.Bracket(q, f).code(rounding: mode, saturation: s)
            #expect(got == want, "\(f) \(x) / \(d) \(mode) \(s): fast \(got) oracle \(want)")
        }
    }

    // MARK: Exhaustive structured families

    /// Every bfloat16 bit pattern `a` (zeros, subnormals, every binade edge, Inf, NaN) as the first
    /// element of a 2-element block whose second element is `a / 3` (rounded to Float, so on no grid):
    /// 65,536 blocks; every scale rule with round-to-nearest-even elements and NaN scales, and the
    /// floor and ceil rules with elements rounded toward zero (finite amax) and ties away. Fast == oracle.
    @Test("Every bfloat16 amax: blocks [a, a/3], every scale rule", arguments: BlockFormat.all)
    func everyBFloat16(format: BlockFormat) {
        let f = format.withBlockSize(2)
        var values: [Double] = []
        for bits in 0...UInt32(0xFFFF) {
            let a = Float(bitPattern: bits << 16)
            values.append(Double(a))
            values.append(Double(a / 3))
        }
        var configurations = ScaleRule.all.map { BlockEncoding(for: f, scaleRule: $0) }
        for rule in [ScaleRule.floor, .ceil] {
            configurations.append(BlockEncoding(for: f, scaleRule: rule, rounding: .towardZero, specials: .finiteAmax))
            configurations.append(BlockEncoding(for: f, scaleRule: rule, rounding: .nearestTiesToAway))
        }
        var failures = 0
        for encoding in configurations {
            failures += Self.compare(values, asFloat: true, shape: [values.count], axis: 0, format: f,
                                     encoding: encoding, tensorScale: 1)
        }
        #expect(failures == 0)
    }

    // MARK: Generative

    /// A random value for a block whose magnitudes sit near `2^e`, of a kind chosen by `r`: log-uniform
    /// magnitudes, scaled element grid points and midpoints nudged by a few ulps (ties), binade edges
    /// and the largest element times a power of two (the amax cases that move the scale), zeros,
    /// subnormal Floats, NaN and Inf, and any bit pattern.
    static func randomValue(_ r: inout SplitMix64, e: Int, format: BlockFormat, double: Bool) -> Double {
        let sign: Double = r.next() & 1 == 0 ? 1 : -1
        let kind = r.next() % 100
        var v: Double
        switch kind {
        case 0..<35:
            v = Double(sign: .plus, exponent: e - Int(r.next() % 24), significand: 1 + Double(r.next() % 1_000_000) / 1_000_000)
        case 35..<65:
            let c = UInt32(r.next() % UInt64(format.element.maxFiniteMagnitude + 1))
            let g = format.element.decode(c)
            let next = c < format.element.maxFiniteMagnitude ? format.element.decode(c + 1) : g
            v = (r.next() & 1 == 0 ? g : (g + next) / 2) * Double(sign: .plus, exponent: e - format.elementEmax, significand: 1)
        case 65..<85:
            let edges = [1.0, 2.0.nextDown, 1.5, format.largestElement / Double(1 << format.elementEmax), 0.75]
            v = edges[Int(r.next() % UInt64(edges.count))] * Double(sign: .plus, exponent: e, significand: 1)
        case 85..<92:
            let specials: [Double] = [0, Double(Float.leastNonzeroMagnitude) * Double(r.next() % 1000 + 1),
                                      Double(Float.leastNormalMagnitude), .infinity, .nan]
            v = specials[Int(r.next() % UInt64(specials.count))]
        default:
            v = Double(Float(bitPattern: UInt32(truncatingIfNeeded: r.next())))
        }
        if double && v.isFinite && r.next() % 3 == 0 { v += v * 0x1p-40 * Double(Int(r.next() % 5) - 2) }
        if !double { v = Double(Float(v)) }
        // Nudge by a few ulps of the source type.
        for _ in 0..<Int(r.next() % 4) {
            if double { v = r.next() & 1 == 0 ? v.nextUp : v.nextDown }
            else { v = Double(r.next() & 1 == 0 ? Float(v).nextUp : Float(v).nextDown) }
        }
        return sign * v
    }

    @Test("Random blocks: every format, rule, mode, saturation, NaN policy, axis and block size; Float and Double")
    func randomBlocks() async {
        let modes = RoundingMode.deterministic + [.stochasticA(bits: 3, random: 0), .stochasticB(bits: 8, random: 0),
                                                  .stochasticC(bits: 16, random: 0)]
        await propertyCheck(count: 400, input: Gen.uint64()) { seed in
            var r = SplitMix64(seed: seed)
            let base = BlockFormat.all[Int(r.next() % UInt64(BlockFormat.all.count))]
            let sizes = [base.blockSize, 1, 3, 7, 16, 32]
            let format = base.withBlockSize(sizes[Int(r.next() % UInt64(sizes.count))])
            let dims = Int(r.next() % 3) + 1
            let shape = (0..<dims).map { _ in Int(r.next() % (dims == 1 ? 200 : 24)) + 1 }
            let axis = Int(r.next() % UInt64(dims)) - (r.next() & 1 == 0 ? 0 : dims)
            let encoding = BlockEncoding(for: format, scaleRule: ScaleRule.all[Int(r.next() % 5)],
                                         rounding: modes[Int(r.next() % UInt64(modes.count))],
                                         saturation: SaturationMode.allCases[Int(r.next() % 3)],
                                         specials: BlockSpecials.allCases[Int(r.next() % 2)])
            let double = r.next() & 1 == 0
            let count = shape.reduce(1, *)
            // Each block of the (flattened) array gets its own magnitude; some blocks sit at the
            // extremes of the Float range.
            var values: [Double] = []
            var e = 0
            for i in 0..<count {
                if i % 13 == 0 {
                    let extremes = [-135, -127, -100, 100, 120, 127]
                    e = r.next() % 5 == 0 ? extremes[Int(r.next() % 6)] : Int(r.next() % 60) - 30
                }
                values.append(Self.randomValue(&r, e: e, format: format, double: double))
            }
            var tensorScale: Float? = nil
            if format.hasTensorScale && r.next() % 3 != 0 {
                tensorScale = Float(sign: .plus, exponent: Int(r.next() % 60) - 30, significand: 1 + Float(r.next() % 1000) / 1000)
            }
            Self.compare(values, asFloat: !double, shape: shape, axis: axis, format: format, encoding: encoding,
                         tensorScale: tensorScale, seed: r.next(), context: "shape \(shape) axis \(axis) seed \(seed)")
        }
    }

    /// Decoding to Float (float32 products where they are correctly rounded) gives the exact value
    /// (the Double decoding, exact, checked against the oracle above) rounded once: every pair of
    /// scale code and element code, for every format, with tensor scales that put NVFP4 products
    /// at the ends of the float32 range.
    @Test("Float decoding == the exact value rounded once, every scale and element code", arguments: BlockFormat.all)
    func floatDecoding(format: BlockFormat) {
        let size = format.blockSize
        let perScale = (256 + size - 1) / size  // blocks per scale code, covering 256 element codes
        let blocks = 256 * perScale
        let scales = (0..<blocks).map { UInt8($0 / perScale) }
        let elements = (0..<(blocks * size)).map { UInt8(truncatingIfNeeded: ($0 / size % perScale) * size + $0 % size) }
        let layout = BlockLayout(shape: [blocks * size], blockSize: size)
        for tensorScale in format.hasTensorScale ? [Float(0x1p-4), 0x1.4p-2, 0x1.fffffep127, 0x1p-149, 3.3e-39, 1e30] : [nil] {
            var float = [Float](repeating: 0, count: blocks * size), double = [Double](repeating: 0, count: blocks * size)
            scales.withUnsafeBufferPointer { sc in
                elements.withUnsafeBufferPointer { e in
                    float.withUnsafeMutableBufferPointer {
                        format.decode(scales: sc, elements: e, layout: layout, tensorScale: tensorScale, into: $0, threads: 2)
                    }
                    double.withUnsafeMutableBufferPointer {
                        format.decode(scales: sc, elements: e, layout: layout, tensorScale: tensorScale, into: $0, threads: 2)
                    }
                }
            }
            let bad = float.indices.first { i in
                let want = Float(double[i])
                return !(float[i].bitPattern == want.bitPattern || (float[i].isNaN && want.isNaN))
            }
            #expect(bad == nil, "\(format) tensor scale \(String(describing: tensorScale)): element \(bad ?? -1)")
        }
    }

    /// float64 sources of MX formats go through float32 rounded to odd: the codes equal the
    /// oracle's for values a float64 ulp (and a little more than float32 keeps) from element
    /// values, midpoints and scale thresholds (`largest element * 2^k`, `1.5 * largest * 2^k`,
    /// `2^k`), tiny and float32-subnormal values, along both axes, every deterministic mode; and
    /// with values beyond float32's range added (their blocks take the exact path).
    @Test("float64 sources of MX formats through float32 rounded to odd == oracle",
          arguments: BlockFormat.all.filter { !$0.hasTensorScale })
    func float64Sources(format: BlockFormat) {
        var r = SplitMix64(seed: 2029)
        let largest = format.largestElement
        var values: [Double] = []
        var e = 0
        for i in 0..<(24 * 64) {
            if i % format.blockSize == 0 { e = [-140, -127, -126, -60, 0, 3, 60, 100][Int(r.next() % 8)] }  // within float32
            var v = Self.randomValue(&r, e: e, format: format, double: true)
            switch r.next() % 8 {
            case 0: v = largest * Double(sign: .plus, exponent: e, significand: 1)
            case 1: v = 1.5 * largest * Double(sign: .plus, exponent: e, significand: 1)
            case 2: v = Double(sign: .plus, exponent: e, significand: 1)
            default: break
            }
            switch r.next() % 6 {
            case 0: v = v.nextUp
            case 1: v = v.nextDown
            case 2: v *= 1 + 0x1p-30
            case 3: v *= 1 - 0x1p-30
            default: break
            }
            // Within float32's range here (a value beyond it sends its group to the exact path).
            if v.isFinite && abs(v) > Double(Float.greatestFiniteMagnitude) { v = Double(Float.greatestFiniteMagnitude) }
            values.append(r.next() & 1 == 0 ? v : -v)
        }
        // Every other block: its largest value fixes the scale at 2^k (floor rule), the others sit a
        // float64 ulp (or 2^-30 relative) from an element value or midpoint times 2^k.
        let grid = (0...format.element.maxFiniteMagnitude).map { format.element.decode($0) }
        for block in stride(from: 1, to: values.count / format.blockSize, by: 2) {
            let k = [-126, -100, 0, 7, 100][Int(r.next() % 5)]
            let scale = Double(sign: .plus, exponent: k, significand: 1)
            values[block * format.blockSize] = largest * scale
            for j in 1..<format.blockSize {
                let c = Int(r.next() % UInt64(grid.count - 1))
                var v = (r.next() & 1 == 0 ? grid[c] : (grid[c] + grid[c + 1]) / 2) * scale
                v = [v.nextUp, v.nextDown, v * (1 + 0x1p-30), v * (1 - 0x1p-30)][Int(r.next() % 4)]
                values[block * format.blockSize + j] = r.next() & 1 == 0 ? v : -v
            }
        }
        values[3] = 1e-300
        values[70] = -0x1p-149 * 0.75
        // The same with values beyond float32's range (the array is one group: it takes the exact path).
        var huge = values
        huge[200] = 1e39
        huge[1000] = -Double(Float.greatestFiniteMagnitude).nextUp
        for mode in RoundingMode.deterministic {
            let encoding = BlockEncoding(for: format, scaleRule: ScaleRule.all[Int(r.next() % 5)], rounding: mode,
                                         saturation: SaturationMode.allCases[Int(r.next() % 3)],
                                         specials: BlockSpecials.allCases[Int(r.next() % 2)])
            for (shape, axis) in [([24, 64], -1), ([24, 64], 0)] {
                for array in [values, huge] {
                    #expect(Self.compare(array, asFloat: false, shape: shape, axis: axis, format: format, encoding: encoding,
                                         tensorScale: nil, context: "\(mode) axis \(axis)") == 0)
                }
            }
        }
    }

    /// NVFP4 from float64 compares with float64 thresholds (`BlockFastPath+Float64.swift`): scales and
    /// elements equal the oracle's for tensor scales that are not powers of two (and a float32
    /// subnormal one), blocks whose largest value sits on or a double ulp from a scale decision
    /// point (`reference * t * p`, p a UE4M3 value or midpoint), blocks whose other elements sit on
    /// or a double ulp from an element value or midpoint times the block's divisor, NaN, Inf,
    /// zero, huge and tiny values; every deterministic mode along both axes (scale rules,
    /// saturation and specials in turn), and stochastic rounding (N = 3 and 30, every variant,
    /// the caller's random values) along the contiguous axis, also in blocks of 32.
    @Test("NVFP4 from float64 == oracle")
    func nvfp4Float64Sources() {
        var r = SplitMix64(seed: 2033)
        let grid: [Double] = [0, 0.5, 1, 1.5, 2, 3, 4, 6]
        let ue4m3 = (0...Format.ue4m3.maxFiniteMagnitude).map { Format.ue4m3.decode($0) }.filter { $0 > 0 }
        for (ti, t) in [Float(0.3712), 0x1.4p-2, 0x1p-140, 3.0e30].enumerated() {
            for (mi, mode) in (RoundingMode.deterministic + [.stochasticA(bits: 3, random: 0), .stochasticB(bits: 30, random: 0),
                                                             .stochasticC(bits: 3, random: 0), .stochasticC(bits: 30, random: 0)]).enumerated() {
                let rule = ScaleRule.all[(ti + mi) % ScaleRule.all.count]
                let reference = rule.reference == .powerOfTwo ? 4.0 : 6.0
                let n = mode.randomBits
                var values: [Double] = []
                for b in 0..<64 {
                    let s = ue4m3[Int(r.next() % UInt64(ue4m3.count))]
                    if b % 4 == 3 {
                        // A scale decision point: amax = reference * t * p, p a value or a midpoint.
                        let k = Int(r.next() % UInt64(ue4m3.count - 1))
                        let p = r.next() & 1 == 0 ? ue4m3[k] : (ue4m3[k] + ue4m3[k + 1]) / 2
                        let amax = reference * Double(t) * p
                        values.append([amax, amax.nextUp, amax.nextDown][Int(r.next() % 3)])
                        for _ in 1..<16 { values.append(amax * Double(r.next() % 1000) / 1000) }
                        continue
                    }
                    // amax = reference * t * s: the block's divisor is s * t under every rule.
                    let d = s * Double(t)
                    values.append((r.next() & 1 == 0 ? 1 : -1) * reference * d)
                    for _ in 1..<16 {
                        let k = Int(r.next() % 7)
                        let q: Double
                        if n == 0 {
                            q = r.next() & 1 == 0 ? grid[k] : (grid[k] + grid[k + 1]) / 2
                        } else {
                            let full = UInt64(1) << UInt64(n + 1)
                            q = grid[k] + (grid[k + 1] - grid[k]) * Double(r.next() % full) / Double(full)
                        }
                        let v = q * d  // exact
                        let x = [v, v.nextUp, v.nextDown][Int(r.next() % 3)]
                        values.append(r.next() & 1 == 0 ? x : -x)
                    }
                }
                values[5] = .nan
                values[16 * 5 + 3] = -.infinity
                for i in (16 * 6)..<(16 * 7) { values[i] = i % 2 == 0 ? 0 : -0.0 }
                values[16 * 9 + 2] = 1e300
                values[16 * 10 + 7] = -1e-300
                let encoding = BlockEncoding(for: .nvfp4, scaleRule: rule, rounding: mode,
                                             saturation: SaturationMode.allCases[mi % 3], specials: BlockSpecials.allCases[(ti + mi) % 2])
                for axis in mode.isStochastic ? [-1] : [-1, 0] {
                    // Under stochastic rounding, 640 blocks (more than the 256 whose random values are made at a time, per thread).
                    let array = mode.isStochastic ? Array([[Double]](repeating: values, count: 10).joined()) : values
                    let randoms = array.indices.map { _ in UInt32(truncatingIfNeeded: r.next()) }
                    #expect(Self.compare(array, asFloat: false, shape: [array.count / 64, 64], axis: axis, format: .nvfp4,
                                         encoding: encoding, tensorScale: t, randomValues: randoms,
                                         context: "t = \(t) \(mode) axis \(axis)") == 0)
                    if mode.isStochastic {  // blocks of 32: two groups of 16 random values per block
                        #expect(Self.compare(array, asFloat: false, shape: [array.count / 64, 64], axis: axis,
                                             format: BlockFormat.nvfp4.withBlockSize(32), encoding: encoding, tensorScale: t,
                                             randomValues: randoms, context: "t = \(t) \(mode) blocks of 32") == 0)
                    }
                }
            }
        }
    }

    /// Stochastic element rounding along other axes takes the fast paths (blocks and their R_i are
    /// gathered in panels): scales and elements equal to the oracle's for float32, float64 and
    /// bfloat16 sources, every format, blocks along the middle axis of a 3-D array (stride 3, lines
    /// ending in short blocks) and along the first axis, P3109 A, B and C with 3, 20 and 8 random
    /// bits, seeded and the caller's values.
    @Test("Stochastic blocks along other axes == oracle", arguments: BlockFormat.all)
    func stochasticAlongOtherAxes(format: BlockFormat) {
        var r = SplitMix64(seed: 2034)
        var values: [Double] = []
        var e = 0
        for i in 0..<(6 * 70 * 3) {
            if i % 7 == 0 { e = Int(r.next() % 40) - 20 }
            var v = Double(Float(Self.randomValue(&r, e: e, format: format, double: false)))
            if r.next() % 2 == 0 && v.isFinite && v != 0 && abs(v) >= 0x1p-100 {
                v *= 1 + Double(r.next() % 1000 + 1) * 0x1p-40  // not a float32 value (for the float64 source)
            }
            values.append(v)
        }
        // float64: no nonzero value below 2^-126 (it would send the whole array to the exact path).
        let doubles = values.map { $0 != 0 && abs($0) < 0x1p-126 ? 0 : $0 }
        let randoms = values.indices.map { _ in UInt32(truncatingIfNeeded: r.next()) }
        let tensorScale: Float? = format.hasTensorScale ? 0.3712 : nil
        for (k, mode) in [RoundingMode.stochasticA(bits: 3, random: 0), .stochasticB(bits: 20, random: 0),
                          .stochasticC(bits: 8, random: 0)].enumerated() {
            let encoding = BlockEncoding(for: format, scaleRule: ScaleRule.all[Int(r.next() % 5)], rounding: mode,
                                         saturation: SaturationMode.allCases[k % 3], specials: BlockSpecials.allCases[k % 2])
            for (shape, axis) in [([6, 70, 3], 1), ([70, 18], 0)] {
                let given: [UInt32]? = k == 1 ? randoms : nil
                #expect(Self.compare(values, asFloat: true, shape: shape, axis: axis, format: format, encoding: encoding,
                                     tensorScale: tensorScale, seed: 5, randomValues: given, context: "f32 \(mode) axis \(axis)") == 0)
                #expect(Self.compare(doubles, asFloat: false, shape: shape, axis: axis, format: format, encoding: encoding,
                                     tensorScale: tensorScale, seed: 5, randomValues: given, context: "f64 \(mode) axis \(axis)") == 0)
                let layout = BlockLayout(shape: shape, axis: axis, blockSize: format.blockSize)
                let halves = values.map { BFloat16(bitPattern: UInt16(truncatingIfNeeded: Format.bfloat16.encode($0))) }
                let widened = halves.map { Float(bitPattern: UInt32($0.bitPattern) << 16) }
                let random: RandomSource = given.map { .values($0) } ?? .seed(5)
                let got = format.encode(halves, layout: layout, encoding: encoding, tensorScale: tensorScale, random: random, threads: 3)
                let want = Self.oracleEncode(widened.map { ExactValue($0) }, shape: shape, axis: axis, format: format, encoding: encoding,
                                             tensorScale: tensorScale.map { Rational(exactly: Double($0)) } ?? Rational(1),
                                             random: widened.indices.map { random.value(at: $0, bits: mode.randomBits) })
                #expect(got.scales.map { UInt32($0) } == want.scales && got.elements.map { UInt32($0) } == want.elements,
                        "bfloat16 \(mode) axis \(axis)")
            }
        }
    }

    /// float64 sources of MX formats under stochastic element rounding go through float32 rounded to
    /// odd when the element's M plus N is at most 21 (`encodeThroughFloat32`): equal to the oracle
    /// for blocks whose largest value fixes the scale at 2^k (floor rule) and whose other elements
    /// lie on, or a float64 ulp either side of, the points `(v + j * ulp / 2^(N+1)) * 2^k` the
    /// variants compare with, each with a random value R at which A, B or C changes its decision
    /// there; N = 2, 21 - M, 22 - M and 32 (beyond 21 - M: the products in Double and the float64
    /// stochastic kernel, `encodeMXFloat64Stochastic`), every variant; and with a block of values
    /// below 2^-126 whose float32 neighbours are points (its group takes the exact path at most
    /// 21 - M).
    @Test("float64 sources of MX formats under stochastic rounding == oracle", arguments: BlockFormat.all.filter { !$0.hasTensorScale })
    func float64StochasticSources(format: BlockFormat) {
        var r = SplitMix64(seed: 2032)
        let element = format.element
        let grid = (0...element.maxFiniteMagnitude).map { element.decode($0) }
        let m = element.mantissaBits
        for n in [2, 21 - m, 22 - m, 32] {
            // With 32 bits, more than one run of 4,096 elements (R_i by array index across runs).
            let shape = n == 32 ? [40, 256] : [8, 256]
            let full = UInt64(1) << UInt64(n + 1), half = UInt64(1) << UInt64(n)
            var values: [Double] = [], rs: [UInt32] = []
            for _ in 0..<(shape[0] * shape[1] / format.blockSize) {
                let k = [-100, -20, 0, 7, 100][Int(r.next() % 5)]
                let scale = Double(sign: .plus, exponent: k, significand: 1)
                values.append((r.next() & 1 == 0 ? 1 : -1) * format.largestElement * scale)
                rs.append(UInt32(truncatingIfNeeded: r.next()))
                while values.count % format.blockSize != 0 {
                    let c = Int(r.next() % UInt64(grid.count - 1))
                    let (lo, hi) = (grid[c], grid[c + 1])
                    let j = [1, half - 1, half, half + 1, full - 1, 1 + r.next() % (full - 1)][Int(r.next() % 6)]
                    let p = (lo + Double(j) * (hi - lo) / Double(full)) * scale  // exact
                    let x = [p.nextDown, p, p.nextUp][Int(r.next() % 3)]
                    // Only values at or above 2^-126 (or zero) here: a smaller one sends its group to the exact path.
                    values.append(x < 0x1p-126 ? 0 : (r.next() & 1 == 0 ? x : -x))
                    // An R at which A, B or C changes its decision at this point.
                    let thresholds = [half - j / 2, half - (j + 1) / 2, (full - j - 1) / 2, (full - j) / 2]
                    rs.append(UInt32(min(thresholds[Int(r.next() % 4)], half - 1)))
                }
            }
            if n == 32 {  // blocks the float64 path leaves to the exact one: NaN, Inf, beyond float32's range
                values[5 * format.blockSize + 3] = .nan
                values[9 * format.blockSize + 7] = -.infinity
                values[11 * format.blockSize] = 1e300
                // A largest value a double ulp below a power of two (the floor rule's next scale):
                // float32 to nearest would round it up onto the threshold.
                let first = 13 * format.blockSize
                values[first] = Double(sign: .plus, exponent: values[first].exponent + 1, significand: 1).nextDown
            }
            // Block 2 scaled by 2^-127: its elements are float32 subnormals just below points that
            // (for N = 21 - M) are odd multiples of 2^-149, which round-to-odd would move onto them.
            var tiny = values, tinyRs = rs
            let b = 2 * format.blockSize
            tiny[b] = format.largestElement * 0x1p-127
            let normals = grid.indices.dropLast().filter { grid[$0] >= 1 }
            for i in (b + 1)..<(b + format.blockSize) {
                let c = normals[Int(r.next() % UInt64(normals.count))]
                let j = 2 * (r.next() % half) + 1
                tiny[i] = ((grid[c] + Double(j) * (grid[c + 1] - grid[c]) / Double(full)) * 0x1p-127).nextDown
                tinyRs[i] = UInt32((full - j - 1) / 2)  // where B changes its decision
            }
            for (v, mode) in [RoundingMode.stochasticA(bits: n, random: 0), .stochasticB(bits: n, random: 0),
                              .stochasticC(bits: n, random: 0)].enumerated() {
                let encoding = BlockEncoding(for: format, scaleRule: .floor, rounding: mode,
                                             saturation: SaturationMode.allCases[(n + v) % 3], specials: BlockSpecials.allCases[v % 2])
                for (array, randoms) in [(values, rs), (tiny, tinyRs)] {
                    #expect(Self.compare(array, asFloat: false, shape: shape, axis: -1, format: format, encoding: encoding,
                                         tensorScale: nil, randomValues: randoms, context: "\(mode)") == 0)
                    // The same blocks as the columns of a B x (count / B) array, along its first axis
                    // (with more random bits than float32 keeps: side by side, up to 128 at a time, so
                    // whole lines with 64 columns, parts of lines with 320).
                    guard n > 21 - m else { continue }
                    let size = format.blockSize, columns = array.count / size
                    func asColumns<T>(_ a: [T]) -> [T] { (0..<a.count).map { a[($0 % columns) * size + $0 / columns] } }
                    #expect(Self.compare(asColumns(array), asFloat: false, shape: [size, columns], axis: 0, format: format,
                                         encoding: encoding, tensorScale: nil, randomValues: asColumns(randoms),
                                         context: "\(mode), blocks as columns") == 0)
                }
            }
        }
    }

    /// Stochastic element rounding of MX formats along the contiguous axis takes the fast path
    /// (element i takes R_i in the array encoder, also across groups of blocks): equal to the oracle
    /// for float32 sources with seeded random values, and bfloat16 and float16 sources give the
    /// codes of their values as float32.
    @Test("Stochastic MX elements through the fast path == oracle", arguments: BlockFormat.all.filter { !$0.hasTensorScale })
    func stochasticFastPath(format: BlockFormat) {
        var r = SplitMix64(seed: 2030)
        var values: [Double] = []
        var e = 0
        for i in 0..<(16 * 640) {
            if i % 32 == 0 { e = Int(r.next() % 60) - 30 }
            values.append(Double(Float(Self.randomValue(&r, e: e, format: format, double: false))))
        }
        let layout = BlockLayout(shape: [16, 640], axis: -1, blockSize: format.blockSize)
        for (k, mode) in [RoundingMode.stochasticA(bits: 3, random: 0), .stochasticB(bits: 8, random: 0),
                          .stochasticC(bits: 16, random: 0)].enumerated() {
            let encoding = BlockEncoding(for: format, scaleRule: ScaleRule.all[Int(r.next() % 5)], rounding: mode,
                                         saturation: SaturationMode.allCases[k % 3], specials: BlockSpecials.allCases[k % 2])
            #expect(Self.compare(values, asFloat: true, shape: [16, 640], axis: -1, format: format, encoding: encoding,
                                 tensorScale: nil, seed: 99, context: "\(mode)") == 0)
            let floats = format.encode(values.map { Float($0) }, layout: layout, encoding: encoding, random: .seed(99), threads: 2)
            let halves = values.map { BFloat16(bitPattern: UInt16(truncatingIfNeeded: Format.bfloat16.encode($0))) }
            let widened = halves.map { Float(bitPattern: UInt32($0.bitPattern) << 16) }
            #expect(format.encode(halves, layout: layout, encoding: encoding, random: .seed(99), threads: 3)
                    == format.encode(widened, layout: layout, encoding: encoding, random: .seed(99), threads: 1), "bfloat16 \(mode)")
            #expect(floats.scales.count == layout.scaleCount)
        }
    }

    /// bfloat16 and float16 sources take the float32 fast path (widened a group at a time along
    /// the contiguous axis, whole otherwise): their codes equal the oracle's scales and the exact
    /// path's elements under them (``exactPathCodes(_:layout:format:encoding:tensorScale:)``), every
    /// format, deterministic mode and saturation, on shapes whose lines end in short blocks.
    @Test("bfloat16 and float16 sources == exact path, every format and deterministic mode", arguments: BlockFormat.all)
    func halfSources(format: BlockFormat) {
        var r = SplitMix64(seed: 2028)
        var e = 0
        let count = 3 * 40 * 71
        var bf16: [BFloat16] = [], f16: [Float16] = []
        for i in 0..<count {
            if i % 29 == 0 { e = Int(r.next() % 40) - 20 }
            let x = Self.randomValue(&r, e: e, format: format, double: false)
            bf16.append(BFloat16(bitPattern: UInt16(truncatingIfNeeded: Format.bfloat16.encode(x))))
            f16.append(Float16(Float(x) * 0x1p-6))  // within float16's range, some subnormal
        }
        bf16[5] = BFloat16(bitPattern: 0x7FC0)  // a NaN
        f16[7] = -Float16.infinity
        let bfValues = bf16.map { Double(Float(bitPattern: UInt32($0.bitPattern) << 16)) }, fValues = f16.map { Double($0) }
        for mode in RoundingMode.deterministic {
            for saturation in SaturationMode.allCases {
                let encoding = BlockEncoding(for: format, scaleRule: ScaleRule.all[Int(r.next() % 5)], rounding: mode,
                                             saturation: saturation, specials: BlockSpecials.allCases[Int(r.next() % 2)])
                for (shape, axis) in [([3, 40, 71], -1), ([3, 40, 71], 1), ([count], 0)] {
                    let layout = BlockLayout(shape: shape, axis: axis, blockSize: format.blockSize)
                    let tensorScale: Float? = format.hasTensorScale ? 0x1.4p-2 : nil
                    let fromBF16 = format.encode(bf16, layout: layout, encoding: encoding, tensorScale: tensorScale, threads: 2)
                    let fromF16 = format.encode(f16, layout: layout, encoding: encoding, tensorScale: tensorScale, threads: 3)
                    #expect(fromBF16 == Self.exactPathCodes(bfValues, layout: layout, format: format, encoding: encoding,
                                                            tensorScale: tensorScale),
                            "bfloat16 \(format) \(mode) \(saturation) \(shape) axis \(axis)")
                    #expect(fromF16 == Self.exactPathCodes(fValues, layout: layout, format: format, encoding: encoding,
                                                           tensorScale: tensorScale),
                            "float16 \(format) \(mode) \(saturation) \(shape) axis \(axis)")
                }
            }
        }
    }

    /// The Float fast path (SIMD amax, float32 products, bucket tables for scales, E2M1 thresholds)
    /// against scales from the oracle and elements from the exact path under them
    /// (``exactPathCodes(_:layout:format:encoding:tensorScale:)``), on arrays large enough for full SIMD groups, along the
    /// last axis and along axis 0, every format, deterministic mode, saturation and NaN policy; a
    /// slice of each is also checked against the oracle directly.
    @Test("Float fast path == exact path, every format and deterministic mode", arguments: BlockFormat.all)
    func fastPath(format: BlockFormat) {
        var r = SplitMix64(seed: 2026)
        var values: [Double] = []
        var e = 0
        for i in 0..<(64 * 128) {
            if i % 32 == 0 {
                let extremes = [-135, -127, -100, 100, 120, 127]
                e = r.next() % 4 == 0 ? extremes[Int(r.next() % 6)] : Int(r.next() % 60) - 30
            }
            values.append(Self.randomValue(&r, e: e, format: format, double: false))
        }
        let floats = values.map { Float($0) }
        for mode in RoundingMode.deterministic {
            for saturation in SaturationMode.allCases {
                let specials = BlockSpecials.allCases[Int(r.next() % 2)]
                let rule = ScaleRule.all[Int(r.next() % 5)]
                let encoding = BlockEncoding(for: format, scaleRule: rule, rounding: mode, saturation: saturation, specials: specials)
                for (shape, axis) in [([64, 128], -1), ([64, 128], 0)] {
                    let layout = BlockLayout(shape: shape, axis: axis, blockSize: format.blockSize)
                    let tensorScale: Float? = format.hasTensorScale ? Float(sign: .plus, exponent: Int(r.next() % 40) - 20,
                                                                            significand: 1 + Float(r.next() % 1000) / 1000) : nil
                    let fast = format.encode(floats, layout: layout, encoding: encoding, tensorScale: tensorScale, threads: 2)
                    let exact = Self.exactPathCodes(values, layout: layout, format: format, encoding: encoding, tensorScale: tensorScale)
                    #expect(fast == exact, "\(format) \(rule) \(mode) \(saturation) \(specials) axis \(axis)")
                    if fast != exact {
                        let i = fast.elements.indices.first { fast.elements[$0] != exact.elements[$0] }
                        let b = fast.scales.indices.first { fast.scales[$0] != exact.scales[$0] }
                        Issue.record("first element mismatch \(String(describing: i)), first scale mismatch \(String(describing: b))")
                        return
                    }
                }
            }
        }
        // A slice against the oracle: the first 512 rows' worth of blocks along the last axis.
        let encoding = BlockEncoding(for: format)
        let count = 4 * 128
        Self.compare(Array(values[0..<count]), asFloat: true, shape: [4, 128], axis: -1, format: format, encoding: encoding,
                     tensorScale: format.hasTensorScale ? 0x1.8p-3 : nil)
    }
}

extension BlockTests {
    /// NVFP4 blocks (of 16, tensor scale t) whose quotients lie exactly on grid points and on every
    /// multiple of `h / 2^(N+1)` (every multiple for N <= 2, every quarter step above), and on
    /// their float32 neighbours: a block's first element is 6 * s * t, so its scale is the UE4M3
    /// value s, and the others are s * t * (g + j h / 2^(N+1)).
    static func nvfp4DecisionPoints(bits n: Int, tensorScale t: Float) -> [Float] {
        let grid: [Double] = [0, 0.5, 1, 1.5, 2, 3, 4, 6]
        var xs: [Float] = []
        for s in [0.1875, 1.0, 13.0, 0.0078125] {  // UE4M3 values
            let d = s * Double(t)
            var block: [Float] = []
            for k in 0..<7 {
                let h = grid[k + 1] - grid[k]
                for j in stride(from: 0, through: 1 << (n + 1), by: n <= 2 ? 1 : (1 << (n + 1)) / 4) {
                    let v = Float(d * (grid[k] + h * Double(j) / Double(1 << (n + 1))))
                    block += [v, v.nextUp, -v, -v.nextDown]
                }
            }
            // Blocks of 16: the largest first in each.
            for c in stride(from: 0, to: block.count, by: 15) {
                var b = [Float(6 * d)] + Array(block[c..<Swift.min(c + 15, block.count)])
                while b.count < 16 { b.append(Float(d)) }
                xs += b
            }
        }
        return xs
    }

    /// NVFP4 under stochastic rounding in 400 random configurations: N = 1...32 (the C kernel's
    /// float32 and double lanes), every variant, scale rule and saturation, tensor scales from
    /// 2^-40 to 2^20, blocks whose elements lie up to 2^-15 below their largest (and some zeros),
    /// the caller's random values: scales and elements equal to the oracle's.
    @Test("NVFP4 stochastic: random configurations == oracle")
    func nvfp4StochasticRandomConfigurations() {
        var r = SplitMix64(seed: 77)
        var bad = 0
        for _ in 0..<400 {
            let n = Int(r.next() % 32) + 1
            let mode = [RoundingMode.stochasticA(bits: n, random: 0), .stochasticB(bits: n, random: 0),
                        .stochasticC(bits: n, random: 0)][Int(r.next() % 3)]
            let t = Float(Double(sign: .plus, exponent: Int(r.next() % 60) - 40, significand: 1 + Double(r.next() % 1000) / 1000))
            let encoding = BlockEncoding(for: .nvfp4, scaleRule: ScaleRule.all[Int(r.next() % 5)], rounding: mode,
                                         saturation: SaturationMode.allCases[Int(r.next() % 3)])
            var xs: [Float] = []
            for i in 0..<(16 * 32) {
                let e = i % 16 == 0 ? Int(r.next() % 20) - 10 : Int(r.next() % 30) - 25
                var v = Double(t) * Double(sign: .plus, exponent: e, significand: 1 + Double(r.next() % (1 << 40)) / Double(1 << 40))
                if r.next() % 50 == 0 { v = 0 }
                xs.append(Float(r.next() & 1 == 0 ? v : -v))
            }
            let values = xs.indices.map { _ in UInt32(truncatingIfNeeded: r.next()) }
            let got = BlockFormat.nvfp4.encode(xs, layout: BlockLayout(shape: [xs.count], blockSize: 16), encoding: encoding,
                                               tensorScale: t, random: .values(values), threads: 1)
            let want = Self.oracleEncode(xs.map { ExactValue($0) }, shape: [xs.count], axis: 0, format: .nvfp4, encoding: encoding,
                                         tensorScale: Rational(exactly: Double(t)),
                                         random: values.map { UInt64($0) & ((1 << UInt64(n)) - 1) })
            if got.scales.map({ UInt32($0) }) != want.scales || got.elements.map({ UInt32($0) }) != want.elements {
                bad += 1
                if bad <= 3 { Issue.record("\(mode) \(encoding.scaleRule.name) \(encoding.saturation) tensor scale \(t): codes differ") }
            }
        }
        #expect(bad == 0)
    }

    /// NVFP4 under stochastic rounding with tensor scales whose reciprocals divided by a scale
    /// value are not normal float32s (the C kernel's double lanes: 2^-140 and 2^-125), are (0.75,
    /// 2^100), and every element's magnitude from far below to beyond its block's largest, with
    /// N = 8 and 30 (and N = 8 with the blocks as columns, side by side): equal to the oracle.
    @Test("NVFP4 stochastic: tiny and huge tensor scales, N = 8 and 30 == oracle")
    func nvfp4StochasticTensorScales() {
        var r = SplitMix64(seed: 2031)
        for t: Float in [0x1p-140, 0x1p-125, 0.75, 0x1p100] {
            var xs: [Float] = []
            for i in 0..<(16 * 96) {
                // A block's scale from 2^-12 to 2^10 times t; elements up to 2^3 above it.
                let e = i % 16 == 0 ? Int(r.next() % 23) - 12 : Int(r.next() % 30) - 26
                let v = Double(t) * Double(sign: .plus, exponent: e, significand: 1 + Double(r.next() % 1_000_000) / 1_000_000)
                xs.append(Float(r.next() & 1 == 0 ? v : -v))
            }
            let layout = BlockLayout(shape: [xs.count], blockSize: 16)
            for mode in [RoundingMode.stochasticA(bits: 8, random: 0), .stochasticC(bits: 30, random: 0), .stochasticB(bits: 30, random: 0)] {
                let encoding = BlockEncoding(for: .nvfp4, rounding: mode)
                let got = BlockFormat.nvfp4.encode(xs, layout: layout, encoding: encoding, tensorScale: t, random: .seed(9), threads: 2)
                let random = xs.indices.map { RandomSource.seed(9).value(at: $0, bits: mode.randomBits) }
                let want = Self.oracleEncode(xs.map { ExactValue($0) }, shape: [xs.count], axis: 0, format: .nvfp4, encoding: encoding,
                                             tensorScale: Rational(exactly: Double(t)), random: random)
                #expect(got.scales.map { UInt32($0) } == want.scales, "t = \(t) \(mode): scales")
                let e = got.elements.map { UInt32($0) }
                #expect(e == want.elements, "t = \(t) \(mode): first at \(String(describing: e.indices.first { e[$0] != want.elements[$0] }))")
                // The same blocks as the columns of a 16 x 96 array (16 side by side in C: strips
                // whose reciprocals are not normal float32s are reported and redone).
                if mode.randomBits == 8 {
                    let columns = xs.count / 16
                    func asColumns<T>(_ a: [T]) -> [T] { (0..<a.count).map { a[($0 % columns) * 16 + $0 / columns] } }
                    let got = BlockFormat.nvfp4.encode(asColumns(xs), layout: BlockLayout(shape: [16, columns], axis: 0, blockSize: 16),
                                                       encoding: encoding, tensorScale: t, random: .seed(9), threads: 2)
                    let want = Self.oracleEncode(asColumns(xs).map { ExactValue($0) }, shape: [16, columns], axis: 0, format: .nvfp4,
                                                 encoding: encoding, tensorScale: Rational(exactly: Double(t)), random: random)
                    #expect(got.scales.map { UInt32($0) } == want.scales && got.elements.map { UInt32($0) } == want.elements,
                            "t = \(t) \(mode): columns")
                }
            }
        }
    }

    /// NVFP4 under stochastic rounding takes a Double quotient and decides from
    /// `frac(q / h) * 2^(N+1)` unless it lies within 2^-16 of an integer, where the exact step
    /// decides (`encodeE2M1Stochastic`, and the C kernel at the machine's level). The blocks of
    /// ``nvfp4DecisionPoints(bits:tensorScale:)`` put quotients on and next to the points where
    /// the variants' decisions change (ties of StochasticC among them). Every variant, N = 1...4,
    /// 20, 23 (the kernel's float32 lanes) and 24, 30 (its double lanes), seeded and caller's
    /// values, from float32, bfloat16 and float64, and from float32 with the blocks as columns
    /// (side by side), against the oracle.
    @Test("NVFP4 stochastic: quotients on and next to each variant's decision points == oracle")
    func nvfp4StochasticDecisionPoints() {
        let t: Float = 0.75
        for n in [1, 2, 3, 4, 20, 23, 24, 30] {
            let xs = Self.nvfp4DecisionPoints(bits: n, tensorScale: t)
            let layout = BlockLayout(shape: [xs.count], blockSize: 16)
            let values = xs.indices.map { UInt32(truncatingIfNeeded: RandomSource.splitMix64(seed: UInt64(n), index: UInt64($0))) }
            for mode in [RoundingMode.stochasticA(bits: n, random: 0), .stochasticB(bits: n, random: 0), .stochasticC(bits: n, random: 0)] {
                for random in [RandomSource.seed(7), .values(values)] {
                    let encoding = BlockEncoding(for: .nvfp4, rounding: mode)
                    let got = BlockFormat.nvfp4.encode(xs, layout: layout, encoding: encoding, tensorScale: t, random: random, threads: 2)
                    let r = xs.indices.map { random.value(at: $0, bits: n) }
                    let want = Self.oracleEncode(xs.map { ExactValue($0) }, shape: [xs.count], axis: 0, format: .nvfp4,
                                                 encoding: encoding, tensorScale: Rational(3, 4), random: r)
                    #expect(got.scales.map { UInt32($0) } == want.scales, "\(mode) \(random) scales")
                    let e = got.elements.map { UInt32($0) }
                    #expect(e == want.elements, "\(mode) \(random): first at \(String(describing: e.indices.first { e[$0] != want.elements[$0] }.map { xs[$0] }))")
                    // bfloat16 sources go through the same path, widened a group at a time: the
                    // oracle's codes of their values.
                    let halves = xs.map { BFloat16(bitPattern: UInt16(truncatingIfNeeded: Format.bfloat16.encode(Double($0)))) }
                    let widened = halves.map { Float(bitPattern: UInt32($0.bitPattern) << 16) }
                    let wantHalves = Self.oracleEncode(widened.map { ExactValue($0) }, shape: [xs.count], axis: 0, format: .nvfp4,
                                                       encoding: encoding, tensorScale: Rational(3, 4), random: r)
                    let gotHalves = BlockFormat.nvfp4.encode(halves, layout: layout, encoding: encoding, tensorScale: t, random: random,
                                                             threads: 3)
                    #expect(gotHalves.scales.map { UInt32($0) } == wantHalves.scales
                            && gotHalves.elements.map { UInt32($0) } == wantHalves.elements, "bfloat16 \(mode) \(random)")
                    // float64 sources of the same values take the float64 path (vector lanes and the
                    // exact step near decision points): the same codes.
                    let doubles = BlockFormat.nvfp4.encode(xs.map { Double($0) }, layout: layout, encoding: encoding, tensorScale: t,
                                                           random: random, threads: 2)
                    let d = doubles.elements.map { UInt32($0) }
                    #expect(doubles.scales.map { UInt32($0) } == want.scales && d == want.elements,
                            "float64 \(mode) \(random): first at \(String(describing: d.indices.first { d[$0] != want.elements[$0] }.map { xs[$0] }))")
                    // The same blocks as the columns of a 16 x (count / 16) array, along its first
                    // axis (16 side by side in C), element i taking R_i of its index there.
                    let columns = xs.count / 16
                    func asColumns<T>(_ a: [T]) -> [T] { (0..<a.count).map { a[($0 % columns) * 16 + $0 / columns] } }
                    let byColumns = BlockFormat.nvfp4.encode(asColumns(xs), layout: BlockLayout(shape: [16, columns], axis: 0, blockSize: 16),
                                                             encoding: encoding, tensorScale: t, random: random, threads: 2)
                    let wantColumns = Self.oracleEncode(asColumns(xs).map { ExactValue($0) }, shape: [16, columns], axis: 0,
                                                        format: .nvfp4, encoding: encoding, tensorScale: Rational(3, 4), random: r)
                    #expect(byColumns.scales.map { UInt32($0) } == wantColumns.scales
                            && byColumns.elements.map { UInt32($0) } == wantColumns.elements, "columns \(mode) \(random)")
                }
            }
        }
    }
}
