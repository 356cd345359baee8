import Dispatch
import Minifloat
import MinifloatOracle
import Synchronization

/// Checks the fast array path on every input of a source type against the oracle.
///
/// The oracle gives each output code's exact run of inputs (``Oracle/codeIntervals(_:source:rounding:saturation:)``);
/// the fast path (``Format/encode(raw:as:count:into:rounding:saturation:random:threads:)``)
/// is then run on every input, all 2^32 float32 bit patterns or all 2^16 of a 16-bit type, and
/// each output is compared with the code of its run. Nothing is sampled.
public enum Sweep {
    /// The source types a sweep can enumerate.
    public enum Source: String, CaseIterable, Sendable {
        case float32 = "f32", bfloat16 = "bf16", float16 = "f16"

        /// The source as a format, for the oracle.
        public var format: Format {
            switch self {
            case .float32: return .binary32
            case .bfloat16: return .bfloat16
            case .float16: return .binary16
            }
        }

        /// Number of inputs: 2^32 or 2^16.
        public var inputCount: UInt64 { 1 << UInt64(format.bitWidth) }
    }

    /// An input whose fast-path code differs from the oracle's.
    public struct Mismatch: Hashable, Sendable {
        /// The input's bit pattern in the source type.
        public let input: UInt32
        /// The fast path's code.
        public let got: UInt32
        /// The oracle's code.
        public let expected: UInt32
    }

    /// The outcome of a sweep.
    public struct Result: Sendable {
        /// Inputs checked.
        public var checked: UInt64 = 0
        /// Inputs whose code differs.
        public var mismatchCount: UInt64 = 0
        /// The first mismatches, in increasing input order within each block (at most the limit asked).
        public var mismatches: [Mismatch] = []
        /// Number of oracle runs (intervals).
        public var intervals = 0
    }

    /// Why a sweep cannot run.
    public enum Failure: Error, CustomStringConvertible {
        case stochastic
        case intervalPremise
        public var description: String {
            switch self {
            case .stochastic: return "a sweep checks deterministic rounding; give rne, rna, rtz, rtp, rtn or rto"
            case .intervalPremise: return "the oracle's intervals disagreed at their ends (a bug in the sweep); please report it"
            }
        }
    }

    /// Runs the sweep. `progress` is called now and then with the number of inputs checked so far.
    public static func run(_ f: Format, source: Source, rounding: RoundingMode, saturation: SaturationMode,
                           threads: Int, maxReported: Int = 20,
                           progress: (@Sendable (UInt64) -> Void)? = nil) throws(Failure) -> Result {
        guard !rounding.isStochastic else { throw .stochastic }
        guard let intervals = Oracle.codeIntervals(f, source: source.format, rounding: rounding,
                                                   saturation: saturation) else { throw .intervalPremise }
        let block = 1 << 16
        let blocks = Int(source.inputCount / UInt64(block))
        let workers = max(1, min(threads, blocks))
        let state = Mutex(Result())
        let done = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var inputs = [UInt32](repeating: 0, count: block)
            var codes = [UInt32](repeating: 0, count: block)
            var bytes = [UInt8](repeating: 0, count: block)
            var local = Result()
            var k = w
            while k < blocks {
                let base = UInt32(k * block)
                for i in 0..<block { inputs[i] = base &+ UInt32(i) }
                if f.bitWidth <= 8 {
                    // The code type users pick for such formats; the result is widened for comparison.
                    encodeBlock(f, source, &inputs, &bytes, rounding, saturation)
                    compare(base, bytes, intervals, maxReported, &local)
                } else {
                    encodeBlock(f, source, &inputs, &codes, rounding, saturation)
                    compare(base, codes, intervals, maxReported, &local)
                }
                local.checked += UInt64(block)
                let finished = done.add(1, ordering: .relaxed).newValue
                if w == 0, let progress { progress(UInt64(finished) * UInt64(block)) }
                k += workers
            }
            state.withLock { total in
                total.checked += local.checked
                total.mismatchCount += local.mismatchCount
                total.mismatches += local.mismatches
            }
        }
        var result = state.withLock { $0 }
        result.mismatches.sort { $0.input < $1.input }
        result.mismatches = Array(result.mismatches.prefix(maxReported))
        result.intervals = intervals.count
        return result
    }

    static func encodeBlock<Code: FixedWidthInteger & UnsignedInteger>(
        _ f: Format, _ source: Source, _ inputs: inout [UInt32], _ codes: inout [Code],
                            _ rounding: RoundingMode, _ saturation: SaturationMode) {
        codes.withUnsafeMutableBufferPointer { out in
            switch source {
            case .float32:
                inputs.withUnsafeBytes {
                    f.encode(raw: $0, as: .float32, count: inputs.count, into: out, rounding: rounding, saturation: saturation, threads: 1)
                }
            case .bfloat16, .float16:
                let halves = inputs.map { UInt16(truncatingIfNeeded: $0) }
                halves.withUnsafeBytes {
                    f.encode(raw: $0, as: source == .float16 ? .float16 : .bfloat16, count: halves.count, into: out,
                             rounding: rounding, saturation: saturation, threads: 1)
                }
            }
        }
    }

    /// Compares `codes` (for inputs `base ..< base + codes.count`) with the intervals.
    static func compare<Code: FixedWidthInteger & UnsignedInteger>(
        _ base: UInt32, _ codes: [Code], _ intervals: [Oracle.CodeInterval], _ maxReported: Int,
                        _ result: inout Result) {
        // The interval holding `base`: binary search on the first bit pattern.
        var lo = 0, hi = intervals.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if intervals[mid].first <= base { lo = mid } else { hi = mid - 1 }
        }
        var index = 0
        var k = lo
        codes.withUnsafeBufferPointer { codes in
            while index < codes.count {
                let interval = intervals[k]
                let end = min(codes.count, Int(interval.last - base) + 1)
                let expected = Code(truncatingIfNeeded: interval.code)
                var bad = 0
                for i in index..<end where codes[i] != expected { bad += 1 }
                if bad > 0 {
                    result.mismatchCount += UInt64(bad)
                    for i in index..<end where codes[i] != expected && result.mismatches.count < maxReported {
                        result.mismatches.append(Mismatch(input: base &+ UInt32(i), got: UInt32(codes[i]),
                                                          expected: interval.code))
                    }
                }
                index = end
                k += 1
            }
        }
    }
}
