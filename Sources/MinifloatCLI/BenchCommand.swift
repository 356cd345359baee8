import ArgumentParser
import Dispatch
import Minifloat
import MinifloatBenchmarks
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
            (bfloat16 and float16 rounded to nearest; float64 with its 29 low bits random, so not float32 \
            values); block formats get z with each run \
            of 32 multiplied by its own 2^k, k in -8...8. Each case runs --repeat times after one warm-up run (which also \
            builds and caches its lookup table); the best time is reported, for one thread and for \
            --threads threads. The floors are loops that read each float32 (float64) and write one byte, \
            at the kernels' vector unit and reading ahead as they do; "x floor" compares f64 cases with \
            the float64 floor and the others with the float32 one. Arrays that fit in the last-level \
            cache time the cache, not memory: for memory, choose --elements so that the float32 \
            inputs (4 bytes each) exceed it. \
            The header names the vector unit the kernels run for (avx512, avx2 or baseline); the \
            environment variable MINIFLOAT_KERNELS=baseline or avx2 lowers it. \
            Build in release mode: 'swift run -c release minifloat bench'.
            """)

    @Option(parsing: .unconditional, help: "Number of elements (at least 1).") var elements = 1 << 24
    @Option(parsing: .unconditional, help: "Threads for the parallel column (default: all processors).") var threads: Int?
    @Option(parsing: .unconditional, help: "Timed runs per case; the best is reported.") var `repeat` = 5
    @Option(help: "Also write the float32 inputs z (before scaling) to this file, raw little-endian, for Benchmarks/ml_dtypes_bench.py.")
    var dumpInputs: String?
    @Option(help: "Run only the cases whose name contains this text (the floors always run).") var only: String?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        // Each element takes about 30 bytes of inputs and outputs: 2^28 is 8 GB.
        guard (1...(1 << 28)).contains(elements) else {
            throw CLIError("--elements must be 1 to 268435456 (got \(elements)); the cases hold about 30 bytes per element")
        }
        guard `repeat` >= 1 else { throw CLIError("--repeat must be at least 1") }
        if let threads, threads < 1 { throw CLIError("--threads must be at least 1") }
        let n = elements
        let parallel = threads ?? processorCount()
        let inputs = BenchInputs(count: n)
        if let path = dumpInputs {
            let bytes = inputs.standard.withUnsafeBytes { Array($0) }
            try writeAtomically(bytes, to: path)
        }
        let results = BenchSuite(inputs: inputs, threads: parallel, repetitions: `repeat`, only: only).run { name in
            if isatty(2) != 0 && !json {
                var e = StandardError()
                print("  \(name) ...", to: &e)
            }
        }
        report(results, elements: n, threads: parallel)
    }

    func report(_ results: [BenchResult], elements: Int, threads: Int) {
        // Each case against the floor of its source's width.
        let f32Floor = results.first { $0.name.hasPrefix("floor: read f32") } ?? results[0]
        let f64Floor = results.first { $0.name.hasPrefix("floor: read f64") } ?? f32Floor
        func floorOf(_ r: BenchResult) -> BenchResult { r.name.hasPrefix("f64") || r.name.hasPrefix("floor: read f64") ? f64Floor : f32Floor }
        if json {
            let rows = results.map { r -> JSON in
                .object([("case", .string(r.name)), ("ns_per_element", .number(r.oneThread)),
                         ("elements_per_second", .number(1e9 / r.oneThread)),
                         ("ratio_to_floor", .number(r.oneThread / floorOf(r).oneThread)),
                         ("ns_per_element_parallel", .number(r.parallel)),
                         ("ratio_to_floor_parallel", .number(r.parallel / floorOf(r).parallel))])
            }
            print(JSON.object([("elements", .int(elements)), ("threads", .int(threads)),
                               ("vector_unit", .string(VectorUnits.name)), ("results", .array(rows))]).text)
            return
        }
        print("elements: \(elements); columns: 1 thread, then \(threads) thread\(threads == 1 ? "" : "s"); vector unit: \(VectorUnits.name)")
        print(pad("case", 46) + pad("ns/elem", 10) + pad("Melem/s", 10) + pad("x floor", 9)
              + pad("ns/elem", 10) + "x floor")
        for r in results {
            print(pad(r.name, 46) + pad(formatted(r.oneThread, decimals: 3), 10)
                  + pad(formatted(1e3 / r.oneThread, decimals: 0), 10)
                  + pad(formatted(r.oneThread / floorOf(r).oneThread, decimals: 2), 9)
                  + pad(formatted(r.parallel, decimals: 3), 10) + formatted(r.parallel / floorOf(r).parallel, decimals: 2))
        }
    }

    func pad(_ s: String, _ width: Int) -> String { s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count) }
}

func processorCount() -> Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
