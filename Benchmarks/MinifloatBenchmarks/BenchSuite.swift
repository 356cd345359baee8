import CMinifloatKernels
import Dispatch
import Minifloat
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The cases `minifloat bench` times: every array path of the core (float32 to FP8 in every
/// deterministic mode, stochastic rounding, FP4 packed and not, bfloat16, float16 and float64
/// sources, MX and NVFP4 blocks, decoding) against a memory-streaming floor measured in the same
/// run. Each case runs once to warm up (building its lookup table), then `repetitions` times for
/// one thread and for `threads` threads; the best time of each is kept.
public struct BenchSuite {
    public let inputs: BenchInputs
    /// Threads for the parallel column.
    public let threads: Int
    /// Timed runs per case.
    public let repetitions: Int
    /// Run only the cases whose name contains this text (the floors always run).
    public let only: String?

    public init(inputs: BenchInputs, threads: Int, repetitions: Int, only: String? = nil) {
        self.inputs = inputs
        self.threads = threads
        self.repetitions = repetitions
        self.only = only
    }

    /// Runs the cases in order (the floor first); `progress` is called with each case's name when it is done.
    public func run(progress: ((String) -> Void)? = nil) -> [BenchResult] {
        var results: [BenchResult] = []
        let n = inputs.standard.count, parallel = threads
        func measure(_ name: String, _ body: (Int) -> Void) {
            if let only, !name.hasPrefix("floor:"), !name.contains(only) { return }
            body(1)  // warm-up, builds tables
            var best = [Double]()
            for t in [1, parallel] {
                var b = Double.infinity
                for _ in 0..<repetitions {
                    let start = ContinuousClock.now
                    body(t)
                    let d = ContinuousClock.now - start
                    b = min(b, Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9)
                }
                best.append(b / Double(n))
            }
            results.append(BenchResult(name: name, oneThread: best[0], parallel: best[1]))
            progress?(name)
        }
        var u8 = [UInt8](repeating: 0, count: n)
        var packed = [UInt8](repeating: 0, count: (n + 1) / 2)
        var f32out = [Float](repeating: 0, count: n)
        let e4m3fn = Format.e4m3fn, e5m2 = Format.e5m2, e2m1fn = Format.e2m1fn
        let sat = SaturationMode.satFinite
        /// Element codes (a byte each) of `source` in `format`, satfinite.
        func measureCodes<Source: MinifloatSource>(_ name: String, _ source: [Source], _ format: Format, _ rounding: RoundingMode,
                                                   random: RandomSource? = nil) {
            measure(name) { t in
                source.withUnsafeBufferPointer { s in u8.withUnsafeMutableBufferPointer { d in
                    format.encode(s, into: d, rounding: rounding, saturation: sat, random: random, threads: t) } }
            }
        }
        measure("floor: read f32, write 1 byte") { t in streamingFloor(inputs.f32, &u8, threads: t) }
        measure("floor: read f64, write 1 byte") { t in streamingFloor(inputs.f64, &u8, threads: t) }
        for (label, mode) in zip(["rne", "rna", "rtz", "rtp", "rtn", "rto"], RoundingMode.deterministic) {
            measureCodes("f32 -> e4m3fn \(label) satfinite", inputs.f32, e4m3fn, mode)
        }
        measureCodes("f32 -> e4m3fn sr (P3109 C, 8 bits, seeded)", inputs.f32, e4m3fn,
                     .stochasticC(bits: 8, random: 0), random: .seed(42))
        // Small values (z / 64, as weights of standard deviation 1/64 held unscaled): about two
        // thirds are in e4m3fn's subnormal range (below 2^-6).
        let smallInputs = inputs.standard.map { $0 * 0x1p-6 }
        measureCodes("f32 -> e4m3fn sr (P3109 C, 8 bits, seeded), z/64: 68% subnormal", smallInputs, e4m3fn,
                     .stochasticC(bits: 8, random: 0), random: .seed(42))
        // 20 random bits (every bit float32 has below e4m3fn's step): the subnormal lanes decide from the fraction.
        measureCodes("f32 -> e4m3fn sr (P3109 C, 20 bits, seeded), z/64: 68% subnormal", smallInputs, e4m3fn,
                     .stochasticC(bits: 20, random: 0), random: .seed(42))
        let e5m2Inputs = inputs.standard.map { $0 * 8192 }
        measureCodes("f32 -> e5m2 rne satfinite", e5m2Inputs, e5m2, .nearestTiesToEven)
        measure("f32 -> e2m1fn packed rne satfinite") { t in
            inputs.standard.withUnsafeBufferPointer { s in packed.withUnsafeMutableBufferPointer { d in
                e2m1fn.encodePacked(s, into: d, rounding: .nearestTiesToEven, saturation: sat, threads: t) } }
        }
        measureCodes("bf16 -> e4m3fn rne satfinite", inputs.bf16, e4m3fn, .nearestTiesToEven)
        measureCodes("f16 -> e4m3fn rne satfinite", inputs.f16, e4m3fn, .nearestTiesToEven)
        measureCodes("bf16 -> e4m3fn sr (P3109 C, 8 bits, seeded)", inputs.bf16, e4m3fn,
                     .stochasticC(bits: 8, random: 0), random: .seed(42))
        measureCodes("f16 -> e4m3fn sr (P3109 C, 8 bits, seeded)", inputs.f16, e4m3fn,
                     .stochasticC(bits: 8, random: 0), random: .seed(42))
        measureCodes("f64 -> e4m3fn rne satfinite", inputs.f64, e4m3fn, .nearestTiesToEven)
        measureCodes("f64 -> e4m3fn sr (P3109 C, 8 bits, seeded)", inputs.f64, e4m3fn,
                     .stochasticC(bits: 8, random: 0), random: .seed(42))
        // 20 random bits: more than a float32 rounded to odd keeps (N <= 21 - M); only the 64-bit lanes take it.
        measureCodes("f64 -> e4m3fn sr (P3109 C, 20 bits, seeded)", inputs.f64, e4m3fn,
                     .stochasticC(bits: 20, random: 0), random: .seed(42))
        measureCodes("f32 -> e2m1fn rne satfinite (one code per byte)", inputs.standard, e2m1fn, .nearestTiesToEven)
        // Block formats: the inputs z times a log-normal scale per block of 32 (so that scales vary).
        var blockScales = [UInt8](repeating: 0, count: (n + 15) / 16)
        let blockInputs = inputs.blockScaled
        func measureBlocks<Source: MinifloatSource>(_ name: String, _ source: [Source], _ format: BlockFormat,
                                                    _ encoding: BlockEncoding, random: RandomSource? = nil, layout given: BlockLayout? = nil) {
            let layout = given ?? BlockLayout(shape: [n], blockSize: format.blockSize)
            measure(name) { t in
                source.withUnsafeBufferPointer { s in
                    blockScales.withUnsafeMutableBufferPointer { sc in
                        u8.withUnsafeMutableBufferPointer { d in
                            _ = format.encode(s, layout: layout, encoding: encoding, tensorScale: format.hasTensorScale ? 0x1p-4 : nil,
                                          scales: sc, elements: d, random: random, threads: t)
                        }
                    }
                }
            }
        }
        let blockCases = [("mxfp4 (32, floor)", BlockFormat.mxfp4, ScaleRule.floor),
                          ("mxfp8_e4m3 (32, floor)", BlockFormat.mxfp8e4m3, ScaleRule.floor),
                          ("nvfp4 (16, ceil, tensor scale given)", BlockFormat.nvfp4, ScaleRule.ceil)]
        for (label, format, rule) in blockCases {
            measureBlocks("f32 -> \(label) rne, codes", blockInputs, format, BlockEncoding(for: format, scaleRule: rule))
        }
        // The other MX element types, float32 only.
        for (label, format) in [("mxfp6_e2m3 (32, floor)", BlockFormat.mxfp6e2m3), ("mxint8 (32, floor)", BlockFormat.mxint8)] {
            measureBlocks("f32 -> \(label) rne, codes", blockInputs, format, BlockEncoding(for: format, scaleRule: .floor))
        }
        // Stochastic element rounding (P3109 C, 8 bits, seeded) of the same MXFP8 and NVFP4 blocks.
        measureBlocks("f32 -> mxfp8_e4m3 (32, floor) sr (P3109 C, 8 bits, seeded), codes", blockInputs, .mxfp8e4m3,
                      BlockEncoding(for: .mxfp8e4m3, scaleRule: .floor, rounding: .stochasticC(bits: 8, random: 0)), random: .seed(42))
        measureBlocks("f32 -> mxfp4 (32, floor) sr (P3109 C, 8 bits, seeded), codes", blockInputs, .mxfp4,
                      BlockEncoding(for: .mxfp4, scaleRule: .floor, rounding: .stochasticC(bits: 8, random: 0)), random: .seed(42))
        measureBlocks("f32 -> nvfp4 (16, ceil, tensor scale given) sr (P3109 C, 8 bits, seeded), codes", blockInputs, .nvfp4,
                      BlockEncoding(for: .nvfp4, scaleRule: .ceil, rounding: .stochasticC(bits: 8, random: 0)), random: .seed(42))
        // The same MXFP8 and NVFP4 blocks, transposed: along the first axis of an (n/64) x 64 array (stride 64).
        if n % 64 == 0 {
            let rows = n / 64
            let transposed = (0..<n).map { blockInputs[($0 % 64) * rows + $0 / 64] }
            measureBlocks("f32 -> mxfp8_e4m3 (32, floor, first axis of n/64 x 64) rne, codes", transposed, .mxfp8e4m3,
                          BlockEncoding(for: .mxfp8e4m3, scaleRule: .floor), layout: BlockLayout(shape: [rows, 64], axis: 0, blockSize: 32))
            measureBlocks("f32 -> mxfp8_e4m3 (32, floor, first axis of n/64 x 64) sr (P3109 C, 8 bits, seeded), codes", transposed,
                          .mxfp8e4m3, BlockEncoding(for: .mxfp8e4m3, scaleRule: .floor, rounding: .stochasticC(bits: 8, random: 0)),
                          random: .seed(42), layout: BlockLayout(shape: [rows, 64], axis: 0, blockSize: 32))
            // Blocks of 16 along the first axis: each holds the values of one block of the 1-D NVFP4 case.
            measureBlocks("f32 -> nvfp4 (16, ceil, tensor scale given, first axis of n/64 x 64) rne, codes", transposed, .nvfp4,
                          BlockEncoding(for: .nvfp4, scaleRule: .ceil), layout: BlockLayout(shape: [rows, 64], axis: 0, blockSize: 16))
            measureBlocks("f32 -> nvfp4 (16, ceil, tensor scale given, first axis of n/64 x 64) sr (P3109 C, 8 bits, seeded), codes",
                          transposed, .nvfp4, BlockEncoding(for: .nvfp4, scaleRule: .ceil, rounding: .stochasticC(bits: 8, random: 0)),
                          random: .seed(42), layout: BlockLayout(shape: [rows, 64], axis: 0, blockSize: 16))
        }
        // bfloat16 sources (the usual checkpoint type) of the same blocks, rounded to nearest.
        let blockBF16 = blockInputs.map { BFloat16(bitPattern: UInt16(truncatingIfNeeded: Format.bfloat16.encode($0))) }
        for (label, format, rule) in blockCases.dropFirst() {
            measureBlocks("bf16 -> \(label) rne, codes", blockBF16, format, BlockEncoding(for: format, scaleRule: rule))
        }
        // float16 sources of the same MXFP8 blocks (rounded to nearest, within float16's range).
        let blockF16 = blockInputs.map { Float16(Swift.max(-65504, Swift.min(65504, $0))) }
        measureBlocks("f16 -> mxfp8_e4m3 (32, floor) rne, codes", blockF16, .mxfp8e4m3, BlockEncoding(for: .mxfp8e4m3, scaleRule: .floor))
        // float64 sources of MX blocks (the same values with random low bits, as the f64 inputs).
        let blockF64 = blockInputs.indices.map { BenchInputs.withRandomLowBits(blockInputs[$0], index: $0) }
        measureBlocks("f64 -> mxfp8_e4m3 (32, floor) rne, codes", blockF64, .mxfp8e4m3, BlockEncoding(for: .mxfp8e4m3))
        measureBlocks("f64 -> mxfp8_e4m3 (32, floor) sr (P3109 C, 8 bits, seeded), codes", blockF64, .mxfp8e4m3,
                      BlockEncoding(for: .mxfp8e4m3, scaleRule: .floor, rounding: .stochasticC(bits: 8, random: 0)), random: .seed(42))
        // 20 random bits: more than the route through float32 keeps (21 - M).
        measureBlocks("f64 -> mxfp8_e4m3 (32, floor) sr (P3109 C, 20 bits, seeded), codes", blockF64, .mxfp8e4m3,
                      BlockEncoding(for: .mxfp8e4m3, scaleRule: .floor, rounding: .stochasticC(bits: 20, random: 0)), random: .seed(42))
        // The same, along the first axis of an (n/64) x 64 array (through panels).
        if n % 64 == 0 {
            let rows = n / 64
            let transposed = (0..<n).map { blockF64[($0 % 64) * rows + $0 / 64] }
            measureBlocks("f64 -> mxfp8_e4m3 (32, floor, first axis of n/64 x 64) sr (P3109 C, 20 bits, seeded), codes", transposed,
                          .mxfp8e4m3, BlockEncoding(for: .mxfp8e4m3, scaleRule: .floor, rounding: .stochasticC(bits: 20, random: 0)),
                          random: .seed(42), layout: BlockLayout(shape: [rows, 64], axis: 0, blockSize: 32))
        }
        measureBlocks("f64 -> nvfp4 (16, ceil, tensor scale given) rne, codes", blockF64, .nvfp4,
                      BlockEncoding(for: .nvfp4, scaleRule: .ceil))
        measureBlocks("f64 -> nvfp4 (16, ceil, tensor scale given) sr (P3109 C, 8 bits, seeded), codes", blockF64, .nvfp4,
                      BlockEncoding(for: .nvfp4, scaleRule: .ceil, rounding: .stochasticC(bits: 8, random: 0)), random: .seed(42))
        // Block decoding to float32, of the codes of the float32 cases above.
        for (label, format, rule) in [("mxfp4 (32)", BlockFormat.mxfp4, ScaleRule.floor),
                                      ("mxfp8_e4m3 (32)", BlockFormat.mxfp8e4m3, ScaleRule.floor),
                                      ("nvfp4 (16, tensor scale given)", BlockFormat.nvfp4, ScaleRule.ceil)] {
            let layout = BlockLayout(shape: [n], blockSize: format.blockSize)
            let tensorScale: Float? = format.hasTensorScale ? 0x1p-4 : nil
            let blockCodes = format.encode(blockInputs, layout: layout, encoding: BlockEncoding(for: format, scaleRule: rule),
                                           tensorScale: tensorScale)
            measure("\(label) -> f32") { t in
                blockCodes.scales.withUnsafeBufferPointer { sc in
                    blockCodes.elements.withUnsafeBufferPointer { e in
                        f32out.withUnsafeMutableBufferPointer { d in
                            format.decode(scales: sc, elements: e, layout: layout, tensorScale: tensorScale, into: d, threads: t)
                        }
                    }
                }
            }
        }
        let codes = e4m3fn.encode(inputs.f32, as: UInt8.self, saturation: sat)
        measure("e4m3fn -> f32") { t in
            codes.withUnsafeBufferPointer { s in f32out.withUnsafeMutableBufferPointer { d in
                e4m3fn.decode(s, into: d, threads: t) } }
        }
        // Keep the outputs alive so no loop is optimised away.
        if u8.isEmpty || packed.isEmpty || f32out.isEmpty { print("") }
        return results
    }
}

/// One case's best times, in nanoseconds per element.
public struct BenchResult: Sendable {
    /// The case, e.g. `f32 -> e4m3fn rne satfinite`.
    public let name: String
    /// Best time on one thread.
    public let oneThread: Double
    /// Best time on the suite's thread count.
    public let parallel: Double
}

/// The benchmark's inputs: standard normal values (Box-Muller over SplitMix64 from seed 1), and 64
/// times them in each source type.
public struct BenchInputs: Sendable {
    /// `n` standard normal values.
    public let standard: [Float]
    /// 64 times them, as float32, float16 (rounded to nearest) and bfloat16 (likewise).
    public let f32: [Float]
    /// 64 times them as float64, with the 29 bits float32 lacks filled at random (SplitMix64 from
    /// seed 3), so that the inputs are not float32 values.
    public let f64: [Double]
    public let f16: [Float16]
    public let bf16: [BFloat16]
    /// `standard` with each run of 32 elements multiplied by its own power of two 2^k, k in -8...8.
    public let blockScaled: [Float]

    /// `x` as a float64 whose 29 low significand bits (the ones float32 lacks) are the top bits
    /// of SplitMix64's output `index` from seed 3; zeros and non-finite values as they are.
    static func withRandomLowBits(_ x: Float, index: Int) -> Double {
        let d = Double(x)
        guard d.isFinite, d != 0 else { return d }
        return Double(bitPattern: d.bitPattern | RandomSource.splitMix64(seed: 3, index: UInt64(index)) >> 35)
    }

    /// The inputs for `n` elements.
    public init(count n: Int) {
        var values = [Float](repeating: 0, count: n)
        var i: UInt64 = 0
        var k = 0
        while k < n {
            let u1 = Double(RandomSource.splitMix64(seed: 1, index: i) >> 11 | 1) * 0x1p-53
            let u2 = Double(RandomSource.splitMix64(seed: 1, index: i + 1) >> 11) * 0x1p-53
            i += 2
            let radius = (-2 * log(u1)).squareRoot()
            values[k] = Float(radius * cos(2 * .pi * u2))
            if k + 1 < n { values[k + 1] = Float(radius * sin(2 * .pi * u2)) }
            k += 2
        }
        standard = values
        let scaled = values.map { $0 * 64 }
        f32 = scaled
        f64 = scaled.indices.map { BenchInputs.withRandomLowBits(scaled[$0], index: $0) }
        f16 = scaled.map { Float16($0) }
        bf16 = scaled.map { BFloat16(bitPattern: UInt16(truncatingIfNeeded: Format.bfloat16.encode($0))) }
        blockScaled = values.indices.map { i in
            values[i] * Float(sign: .plus, exponent: Int(RandomSource.splitMix64(seed: 2, index: UInt64(i / 32)) % 17) - 8, significand: 1)
        }
    }
}

/// Reads each element and writes one byte (its top byte): the memory traffic of a conversion to
/// FP8 with no work. A C loop at the kernels' vector unit that reads ahead as they do (until
/// 2026-11-30 a Swift loop that did not, which the kernels outran on arrays larger than the
/// last-level cache).
@inline(never)
func streamingFloor<Element: BinaryFloatingPoint>(_ input: [Element], _ output: inout [UInt8], threads: Int) {
    input.withUnsafeBytes { s in
        output.withUnsafeMutableBufferPointer { d in
            let src = UncheckedPointers(s.baseAddress!, d.baseAddress!)
            let n = input.count, width = MemoryLayout<Element>.stride, level = minifloat_kernels_level()
            let chunks = max(1, min(threads, n / (1 << 15)))
            let per = (n + chunks - 1) / chunks
            DispatchQueue.concurrentPerform(iterations: chunks) { k in
                let lo = k * per, hi = min(n, lo + per)
                guard lo < hi else { return }
                minifloat_streaming_floor(src.source + lo * width, width, src.destination + lo, hi - lo, level)
            }
        }
    }
}

struct UncheckedPointers: @unchecked Sendable {
    let source: UnsafeRawPointer
    let destination: UnsafeMutablePointer<UInt8>
    init(_ s: UnsafeRawPointer, _ d: UnsafeMutablePointer<UInt8>) { source = s; destination = d }
}

