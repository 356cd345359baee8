import Dispatch
import Minifloat
import Synchronization

extension Recording {
    /// The conversion and call of `profile` that this recording is of: the conversion to its
    /// format, the call with its call's name. Throws a ``VerifyError`` when the profile has none.
    public func call(in profile: SystemProfile) throws -> (SystemConversion, SystemCall) {
        guard let conversion = profile.conversion(to: format) else {
            throw VerifyError("profile \(profile.name) has no conversion to \(format.name) (recording \(name))")
        }
        guard let call = conversion.calls.first(where: { $0.name == self.call }) else {
            throw VerifyError("profile \(profile.name) has no call '\(self.call)' for \(format.name) (recording \(name))")
        }
        return (conversion, call)
    }

    /// The inputs whose recorded code `profile` does not reproduce: how many, and the first
    /// `keep` of them in input order, over every input (2^32 float32 bit patterns or 2^16).
    ///
    /// A float32 block of 2^16 inputs that lies in one sign half, holds no NaN and no zero, and is
    /// covered by one recorded run is decided from its two ends: there the profile's code is a
    /// monotone function of the input's bits (the reference conversion of the value or of its
    /// magnitude, and the round-up just above the least value keeps that order), so equal ends
    /// mean a constant code. Every other block is compared input by input (`inputByInput` does
    /// that for every block; the tests check both agree).
    public func differences(from profile: SystemProfile, keep: Int = 10, threads: Int? = nil,
                            inputByInput: Bool = false) throws -> (count: UInt64, first: [UInt32]) {
        try differences(from: profile, keep: keep, threads: threads, inputByInput: inputByInput, blocks: nil)
    }

    /// ``differences(from:keep:threads:inputByInput:)`` on the inputs of blocks `chosen` (of 2^16
    /// inputs) only.
    package func differences(from profile: SystemProfile, keep: Int, threads: Int?, inputByInput: Bool,
                             blocks chosen: [Int]?) throws -> (count: UInt64, first: [UInt32]) {
        let (conversion, call) = try call(in: profile)
        return try differences(from: conversion, call: call, keep: keep, threads: threads, inputByInput: inputByInput, blocks: chosen)
    }

    /// The same for `call` of `conversion`, whatever the recording's call.
    package func differences(from conversion: SystemConversion, call: SystemCall, keep: Int, threads: Int?, inputByInput: Bool,
                             blocks chosen: [Int]?) throws -> (count: UInt64, first: [UInt32]) {
        let sourceType: FloatSource = source == .float32 ? .float32 : source == .float16 ? .float16 : .bfloat16
        guard call.sources[sourceType] != nil else {
            throw VerifyError("'\(call.name)' does not take \(sourceType.shortName) (recording \(name))")
        }
        let block = 1 << 16
        let blockList = chosen ?? Array(0..<Int(source.inputCount / UInt64(block)))
        let blocks = blockList.count
        let workers = max(1, min(threads ?? ProcessInfoLite.processorCount, blocks))
        let total = Mutex((count: UInt64(0), first: [UInt32]()))
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var count: UInt64 = 0
            var first: [UInt32] = []
            var inputs = [UInt32](repeating: 0, count: block)
            var halves = [UInt16](repeating: 0, count: block)
            var produced = [UInt32](repeating: 0, count: block)
            var recorded = [UInt32](repeating: 0, count: block)
            var k = w
            while k < blocks {
                let base = UInt32(blockList[k] * block)
                k += workers
                let last = base &+ UInt32(block - 1)
                if !inputByInput && source == .float32 && !isNaN(base) && !isNaN(last) && base & signBit == last & signBit
                    && base & ~signBit != 0 {
                    let run = runIndex(containing: base)
                    if run + 1 == starts.count || starts[run + 1] > last,
                       let lo = try? conversion.code(bits: UInt64(base), as: .float32, call: call),
                       let hi = try? conversion.code(bits: UInt64(last), as: .float32, call: call), lo == hi {
                        if lo != UInt32(codes[run]) {
                            count += UInt64(block)
                            if first.count < keep { first += (0..<min(block, keep - first.count)).map { base &+ UInt32($0) } }
                        }
                        continue
                    }
                }
                for i in 0..<block { inputs[i] = base &+ UInt32(i) }
                produced.withUnsafeMutableBufferPointer { out in
                    if source == .float32 {
                        inputs.withUnsafeBytes { try! conversion.encode(raw: $0, as: .float32, count: block, into: out, call: call, threads: 1) }
                    } else {
                        for i in 0..<block { halves[i] = UInt16(truncatingIfNeeded: inputs[i]) }
                        halves.withUnsafeBytes { try! conversion.encode(raw: $0, as: sourceType, count: block, into: out, call: call, threads: 1) }
                    }
                }
                fillRecorded(base, &recorded)
                for i in 0..<block where produced[i] != recorded[i] {
                    count += 1
                    if first.count < keep { first.append(inputs[i]) }
                }
            }
            total.withLock { all in
                all.count += count
                all.first = Array((all.first + first).sorted().prefix(keep))
            }
        }
        return total.withLock { ($0.count, $0.first) }
    }
}
