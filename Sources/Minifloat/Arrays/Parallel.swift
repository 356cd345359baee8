import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits element-wise work over threads. Each element's result depends only on its index, so
/// any split gives the same output.
package enum Parallel {
    /// The number of online processors (at least 1).
    package static var processorCount: Int {
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 1
        #endif
    }

    /// Elements below which a single thread is used: splitting costs more than it saves.
    static let minimumChunk = 1 << 15

    /// Calls `body` on contiguous ranges covering `0..<count`, in parallel. Every range but the
    /// last starts and ends on a multiple of `alignment` (so packed pairs are never split).
    /// `threads` nil means all processors.
    static func forEachRange(count: Int, threads: Int?, alignment: Int = 64,
                             _ body: (Range<Int>) -> Void) {
        let wanted = max(1, threads ?? processorCount)
        let chunks = min(wanted, max(1, count / minimumChunk))
        if chunks <= 1 {
            body(0..<count)
            return
        }
        let per = (count / chunks + alignment - 1) / alignment * alignment
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { k in
                let start = min(count, k * per)
                let end = k == chunks - 1 ? count : min(count, start + per)
                if start < end { box.value(start..<end) }
            }
        }
    }
}

/// Wraps a value the compiler cannot prove thread-safe but which is only read, or whose parts
/// are written by one thread each (disjoint output ranges).
package struct UncheckedSendable<Value>: @unchecked Sendable {
    package let value: Value
    package init(_ value: Value) { self.value = value }
}

extension Parallel {
    /// The largest of `body`'s results over ranges covering `0..<count` (0 when count is 0).
    static func maxOverRanges(count: Int, threads: Int?, _ body: (Range<Int>) -> Double) -> Double {
        let wanted = max(1, threads ?? processorCount)
        let chunks = min(wanted, max(1, count / minimumChunk))
        if chunks <= 1 { return body(0..<count) }
        let per = (count + chunks - 1) / chunks
        let results = UnsafeMutableBufferPointer<Double>.allocate(capacity: chunks)
        defer { results.deallocate() }
        results.initialize(repeating: 0)
        withoutActuallyEscaping(body) { body in
            let box = UncheckedSendable((body, results))
            DispatchQueue.concurrentPerform(iterations: chunks) { k in
                let start = min(count, k * per)
                let end = min(count, start + per)
                box.value.1[k] = box.value.0(start..<end)
            }
        }
        return results.max() ?? 0
    }
}
