import ArgumentParser
import Dispatch
import Minifloat
import MinifloatIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the array paths (ns per element) against the memory-streaming floor measured in the same run.",
        discussion: """
            Inputs: N float32 values z from a standard normal distribution (Box-Muller over \
            SplitMix64 from seed 1), scaled by a power of two to each format's range: 64 z for \
            e4m3fn, 8192 z for e5m2, z for e2m1fn; the other source types hold the values of 64 z \
            (bfloat16 and float16 rounded to nearest, float64 exact); block formats get z with each run \
            of 32 multiplied by its own 2^k, k in -8...8. Each case runs --repeat times after one warm-up run (which also \
            builds and caches its lookup table); the best time is reported, for one thread and for \
            --threads threads. The floor is a loop that reads each float32 and writes one byte. \
            Build in release mode: 'swift run -c release minifloat bench'.
            """)

    @Option(help: "Number of elements (at least 1).") var elements = 1 << 24
    @Option(help: "Threads for the parallel column (default: all processors).") var threads: Int?
    @Option(help: "Timed runs per case; the best is reported.") var `repeat` = 5
    @Option(help: "Also write the float32 inputs z (before scaling) to this file, raw little-endian, for Benchmarks/ml_dtypes_bench.py.")
    var dumpInputs: String?
    @Option(help: "Run only the cases whose name contains this text (the floor always runs).") var only: String?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        guard elements >= 1 else { throw CLIError("--elements must be at least 1") }
        guard `repeat` >= 1 else { throw CLIError("--repeat must be at least 1") }
        if let threads, threads < 1 { throw CLIError("--threads must be at least 1") }
        let n = elements
        let parallel = threads ?? processorCount()
        let inputs = BenchInputs(count: n)
        if let path = dumpInputs {
            let bytes = inputs.standard.withUnsafeBytes { Array($0) }
            try writeAtomically(bytes, to: path)
        }
        var results: [BenchResult] = []
        func measure(_ name: String, _ body: (Int) -> Void) {
            if let only, !results.isEmpty, !name.contains(only) { return }
            body(1)  // warm-up, builds tables
            var best = [Double]()
            for t in [1, parallel] {
                var b = Double.infinity
                for _ in 0..<`repeat` {
                    let start = ContinuousClock.now
                    body(t)
                    let d = ContinuousClock.now - start
                    b = min(b, Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9)
                }
                best.append(b / Double(n))
            }
            results.append(BenchResult(name: name, oneThread: best[0], parallel: best[1]))
            if isatty(2) != 0 && !json {
                var e = StandardError()
                print("  \(name) ...", to: &e)
            }
        }
        var u8 = [UInt8](repeating: 0, count: n)
        var packed = [UInt8](repeating: 0, count: (n + 1) / 2)
        var f32out = [Float](repeating: 0, count: n)
        let e4m3fn = Format.e4m3fn, e5m2 = Format.e5m2, e2m1fn = Format.e2m1fn
        let sat = SaturationMode.satFinite
        measure("floor: read f32, write 1 byte") { t in streamingFloor(inputs.f32, &u8, threads: t) }
        for (label, mode) in zip(["rne", "rna", "rtz", "rtp", "rtn", "rto"], RoundingMode.deterministic) {
            measure("f32 -> e4m3fn \(label) satfinite") { t in
                inputs.f32.withUnsafeBufferPointer { s in u8.withUnsafeMutableBufferPointer { d in
                    e4m3fn.encode(s, into: d, rounding: mode, saturation: sat, threads: t) } }
            }
        }
        measure("f32 -> e4m3fn sr (P3109 C, 8 bits, seeded)") { t in
            inputs.f32.withUnsafeBufferPointer { s in u8.withUnsafeMutableBufferPointer { d in
                e4m3fn.encode(s, into: d, rounding: .stochasticC(bits: 8, random: 0), saturation: sat,
                              random: .seed(42), threads: t) } }
        }
        let e5m2Inputs = inputs.standard.map { $0 * 8192 }
        measure("f32 -> e5m2 rne satfinite") { t in
            e5m2Inputs.withUnsafeBufferPointer { s in u8.withUnsafeMutableBufferPointer { d in
                e5m2.encode(s, into: d, rounding: .nearestTiesToEven, saturation: sat, threads: t) } }
        }
        measure("f32 -> e2m1fn packed rne satfinite") { t in
            inputs.standard.withUnsafeBufferPointer { s in packed.withUnsafeMutableBufferPointer { d in
                e2m1fn.encodePacked(s, into: d, rounding: .nearestTiesToEven, saturation: sat, threads: t) } }
        }
        measure("bf16 -> e4m3fn rne satfinite") { t in
            inputs.bf16.withUnsafeBufferPointer { s in u8.withUnsafeMutableBufferPointer { d in
                e4m3fn.encode(s, into: d, rounding: .nearestTiesToEven, saturation: sat, threads: t) } }
        }
        measure("f16 -> e4m3fn rne satfinite") { t in
            inputs.f16.withUnsafeBufferPointer { s in u8.withUnsafeMutableBufferPointer { d in
                e4m3fn.encode(s, into: d, rounding: .nearestTiesToEven, saturation: sat, threads: t) } }
        }
        measure("f64 -> e4m3fn rne satfinite") { t in
            inputs.f64.withUnsafeBufferPointer { s in u8.withUnsafeMutableBufferPointer { d in
                e4m3fn.encode(s, into: d, rounding: .nearestTiesToEven, saturation: sat, threads: t) } }
        }
        measure("f32 -> e2m1fn rne satfinite (one code per byte)") { t in
            inputs.standard.withUnsafeBufferPointer { s in u8.withUnsafeMutableBufferPointer { d in
                e2m1fn.encode(s, into: d, rounding: .nearestTiesToEven, saturation: sat, threads: t) } }
        }
        // Block formats: the inputs z times a log-normal scale per block of 32 (so that scales vary).
        var blockScales = [UInt8](repeating: 0, count: (n + 15) / 16)
        let blockInputs = inputs.blockScaled
        for (label, format, rule) in [("mxfp4 (32, floor)", BlockFormat.mxfp4, ScaleRule.floor),
                                      ("mxfp8_e4m3 (32, floor)", BlockFormat.mxfp8e4m3, ScaleRule.floor),
                                      ("nvfp4 (16, ceil, tensor scale given)", BlockFormat.nvfp4, ScaleRule.ceil)] {
            let layout = BlockLayout(shape: [n], blockSize: format.blockSize)
            let encoding = BlockEncoding(for: format, scaleRule: rule)
            measure("f32 -> \(label) rne, codes") { t in
                blockInputs.withUnsafeBufferPointer { s in
                    blockScales.withUnsafeMutableBufferPointer { sc in
                        u8.withUnsafeMutableBufferPointer { d in
                            format.encode(s, layout: layout, encoding: encoding, tensorScale: format.hasTensorScale ? 0x1p-4 : nil,
                                          scales: sc, elements: d, threads: t)
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
        report(results, elements: n, threads: parallel)
        // Keep the outputs alive so no loop is optimised away.
        if u8.isEmpty || packed.isEmpty || f32out.isEmpty { print("") }
    }

    func report(_ results: [BenchResult], elements: Int, threads: Int) {
        let floor = results[0].oneThread, floorParallel = results[0].parallel
        if json {
            let rows = results.map { r -> JSON in
                .object([("case", .string(r.name)), ("ns_per_element", .number(r.oneThread)),
                         ("elements_per_second", .number(1e9 / r.oneThread)),
                         ("ratio_to_floor", .number(r.oneThread / floor)),
                         ("ns_per_element_parallel", .number(r.parallel)),
                         ("ratio_to_floor_parallel", .number(r.parallel / floorParallel))])
            }
            print(JSON.object([("elements", .int(elements)), ("threads", .int(threads)),
                               ("results", .array(rows))]).text)
            return
        }
        print("elements: \(elements); columns: 1 thread, then \(threads) threads")
        print(pad("case", 46) + pad("ns/elem", 10) + pad("Melem/s", 10) + pad("x floor", 9)
              + pad("ns/elem", 10) + "x floor")
        for r in results {
            print(pad(r.name, 46) + pad(formatted(r.oneThread, decimals: 3), 10)
                  + pad(formatted(1e3 / r.oneThread, decimals: 0), 10)
                  + pad(formatted(r.oneThread / floor, decimals: 2), 9)
                  + pad(formatted(r.parallel, decimals: 3), 10) + formatted(r.parallel / floorParallel, decimals: 2))
        }
    }

    func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count) }
}

struct BenchResult {
    let name: String
    let oneThread: Double
    let parallel: Double
}

/// The benchmark's inputs: standard normal values, and 64 times them in each source type.
struct BenchInputs {
    let standard: [Float]
    let f32: [Float]
    let f64: [Double]
    let f16: [Float16]
    let bf16: [BFloat16]
    /// `standard` with each run of 32 elements multiplied by its own power of two 2^k, k in -8...8.
    let blockScaled: [Float]

    init(count n: Int) {
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
        f64 = scaled.map(Double.init)
        f16 = scaled.map { Float16($0) }
        bf16 = scaled.map { BFloat16(bitPattern: UInt16(truncatingIfNeeded: Format.bfloat16.encode($0))) }
        blockScaled = values.indices.map { i in
            values[i] * Float(sign: .plus, exponent: Int(RandomSource.splitMix64(seed: 2, index: UInt64(i / 32)) % 17) - 8, significand: 1)
        }
    }
}

/// Reads each float32 and writes one byte (its top byte): the memory traffic of f32 -> FP8 with no work.
@inline(never)
func streamingFloor(_ input: [Float], _ output: inout [UInt8], threads: Int) {
    input.withUnsafeBufferPointer { s in
        output.withUnsafeMutableBufferPointer { d in
            let src = UncheckedPointers(s.baseAddress!, d.baseAddress!)
            let n = s.count
            let chunks = max(1, min(threads, n / (1 << 15)))
            let per = (n + chunks - 1) / chunks
            DispatchQueue.concurrentPerform(iterations: chunks) { k in
                let lo = k * per, hi = min(n, lo + per)
                if lo < hi { floorKernel(src.source + lo, src.destination + lo, hi - lo) }
            }
        }
    }
}

@inline(never)
func floorKernel(_ s: UnsafePointer<Float>, _ d: UnsafeMutablePointer<UInt8>, _ n: Int) {
    s.withMemoryRebound(to: UInt32.self, capacity: n) { bits in
        for i in 0..<n { d[i] = UInt8(truncatingIfNeeded: bits[i] &>> 24) }
    }
}

struct UncheckedPointers: @unchecked Sendable {
    let source: UnsafePointer<Float>
    let destination: UnsafeMutablePointer<UInt8>
    init(_ s: UnsafePointer<Float>, _ d: UnsafeMutablePointer<UInt8>) { source = s; destination = d }
}

func processorCount() -> Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
