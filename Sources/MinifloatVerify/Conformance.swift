import Dispatch
import Minifloat
import MinifloatIO
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A recorded conversion of a real system (a GPU instruction, a CUDA header function, a framework's
/// cast): for every input of a source type, the code it produced, as runs. `starts[k]` is the
/// first input bit pattern of run k (as an unsigned integer); every input up to the next start
/// (or the last bit pattern) converted to `codes[k]`.
public struct Recording: Sendable {
    /// The recording's name (`f32_torch_float8_e4m3fn`).
    public let name: String
    /// The system: `ptx`, `cuda`, `torch`, `jax`, `triton`.
    public let system: String
    /// The call that was recorded.
    public let call: String
    /// The source type: float32, float16 or bfloat16.
    public let source: Sweep.Source
    /// The target format.
    public let format: Format
    /// The rounding and saturation the call asks for, by its documentation: what it is compared with.
    public let rounding: RoundingMode
    public let saturation: SaturationMode
    /// The runs.
    public let starts: [UInt32]
    public let codes: [UInt16]

    /// A recording; throws a ``VerifyError`` when the runs are malformed (not starting at 0, not
    /// increasing, beyond the source type, codes beyond the format).
    public init(name: String, system: String, call: String, source: Sweep.Source, format: Format, rounding: RoundingMode,
                saturation: SaturationMode, starts: [UInt32], codes: [UInt16]) throws {
        guard starts.count == codes.count, starts.first == 0 else {
            throw VerifyError("recording \(name): the runs must start at input 0, one code per run")
        }
        guard zip(starts, starts.dropFirst()).allSatisfy({ $0 < $1 }), UInt64(starts.last!) < source.inputCount else {
            throw VerifyError("recording \(name): run starts must increase within the \(source.rawValue) inputs")
        }
        guard codes.allSatisfy({ UInt32($0) <= format.maxCode }) else {
            throw VerifyError("recording \(name): a code is beyond \(format.name)")
        }
        guard !rounding.isStochastic else { throw VerifyError("recording \(name): stochastic rounding cannot be recorded as runs") }
        (self.name, self.system, self.call, self.source, self.format) = (name, system, call, source, format)
        (self.rounding, self.saturation, self.starts, self.codes) = (rounding, saturation, starts, codes)
    }

    /// The recorded code of input bit pattern `bits`.
    public func code(at bits: UInt32) -> UInt16 { codes[runIndex(containing: bits)] }

    /// The index of the run that holds input `bits` (the last run starting at or before it).
    func runIndex(containing bits: UInt32) -> Int {
        var lo = 0, hi = starts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= bits { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }
}

/// Recordings read from the JSON that Conformance/convert_npz.py writes.
public struct RecordingSet: Sendable {
    /// Where and with what the recordings were made.
    public let recorded: String
    public let recordings: [Recording]
    /// The recorded decode tables (none in a file without them).
    public let decodes: [DecodeRecording]

    /// Parses the JSON text; throws a ``VerifyError`` naming what is wrong.
    public init(json text: String) throws {
        guard let document = JSON.parse(text), let recorded = document["recorded"]?.stringValue,
              let items = document["recordings"]?.arrayValue else {
            throw VerifyError("not a recordings file (a JSON object with \"recorded\" and \"recordings\"), as Conformance/convert_npz.py writes")
        }
        self.recorded = recorded
        decodes = try (document["decodes"]?.arrayValue ?? []).map { item in
            guard let name = item["name"]?.stringValue, let values = item["values"]?.arrayValue else {
                throw VerifyError("a decode table lacks its name or values")
            }
            let codes = values.compactMap { $0.intValue }.compactMap { UInt16(exactly: $0) }
            guard codes.count == values.count else { throw VerifyError("decode table \(name): values must be 16-bit patterns") }
            return try DecodeRecording(name: name, values: codes)
        }
        recordings = try items.map { item in
            guard let name = item["name"]?.stringValue, let system = item["system"]?.stringValue,
                  let call = item["call"]?.stringValue, let sourceName = item["source"]?.stringValue,
                  let formatName = item["format"]?.stringValue, let r = item["rounding"]?.stringValue,
                  let s = item["saturation"]?.stringValue, let startItems = item["starts"]?.arrayValue,
                  let codeItems = item["codes"]?.arrayValue else {
                throw VerifyError("a recording lacks one of name, system, call, source, format, rounding, saturation, starts, codes")
            }
            let source: Sweep.Source
            switch sourceName {
            case "float32": source = .float32
            case "float16": source = .float16
            case "bfloat16": source = .bfloat16
            default: throw VerifyError("recording \(name): source \(sourceName) is not float32, float16 or bfloat16")
            }
            let format: Format
            do { format = try Format.named(formatName) } catch { throw VerifyError("recording \(name): \(error)") }
            guard let rounding = RoundingMode(shortName: r), let saturation = SaturationMode(shortName: s) else {
                throw VerifyError("recording \(name): unknown rounding \(r) or saturation \(s)")
            }
            let starts = startItems.compactMap { $0.intValue }.compactMap { UInt32(exactly: $0) }
            let codes = codeItems.compactMap { $0.intValue }.compactMap { UInt16(exactly: $0) }
            guard starts.count == startItems.count, codes.count == codeItems.count else {
                throw VerifyError("recording \(name): starts and codes must be unsigned integers")
            }
            return try Recording(name: name, system: system, call: call, source: source, format: format, rounding: rounding,
                                 saturation: saturation, starts: starts, codes: codes)
        }
    }
}

/// How a recorded code departs from the reference for one input.
public enum Departure: Hashable, Sendable, Comparable {
    /// A NaN input gave a NaN code other than the reference's (another sign or payload): a choice
    /// the specs leave open (OCP OFP8 v1.0 section 5; IEEE 754 section 6.2.3 on NaN payloads).
    case nanCode
    /// A NaN input to a format without NaN (FP4, FP6) gave this class of finite code; the specs
    /// leave the conversion of NaN to such formats undefined (OCP MX v1.0 section 5.3.3).
    case nanToFinite
    /// A NaN input to a format with NaN gave a non-NaN code.
    case nanLost
    /// A negative input to an unsigned format (E8M0) converted as its magnitude: the sign dropped.
    case signDropped
    /// The sign dropped, and the magnitude rounded as this other rounding mode does.
    case signDroppedRounding(RoundingMode)
    /// Overflow saturated as under this saturation mode, where the reference's mode does not.
    case saturation(SaturationMode)
    /// The code is what this other rounding mode gives.
    case rounding(RoundingMode)
    /// A zero input to a format without zero (E8M0) gave this code class.
    case zeroToFormatWithoutZero
    /// None of the above.
    case unexplained

    /// A short stable key: `nan-code`, `nan-to-finite`, `sign-dropped`, `saturation-satfinite`, `rounding-rtz`, ...
    public var key: String {
        switch self {
        case .nanCode: return "nan-code"
        case .nanToFinite: return "nan-to-finite"
        case .nanLost: return "nan-lost"
        case .signDropped: return "sign-dropped"
        case .signDroppedRounding(let r): return "sign-dropped-rounding-\(r.shortName)"
        case .saturation(let s): return "saturation-\(s.shortName)"
        case .rounding(let r): return "rounding-\(r.shortName)"
        case .zeroToFormatWithoutZero: return "zero-to-format-without-zero"
        case .unexplained: return "unexplained"
        }
    }

    /// What it means, in words.
    public var label: String {
        switch self {
        case .nanCode: return "NaN code differs (sign or payload; the specs allow any NaN)"
        case .nanToFinite: return "NaN input gives a finite code (the format has no NaN)"
        case .nanLost: return "NaN input gives a non-NaN code"
        case .signDropped: return "sign dropped: the magnitude was converted (unsigned format)"
        case .signDroppedRounding(let r): return "sign dropped, and the magnitude rounded as \(r.shortName) does"
        case .saturation(let s): return "overflow saturates as \(s.shortName) does"
        case .rounding(let r): return "rounds as \(r.shortName) does"
        case .zeroToFormatWithoutZero: return "zero input (the format has no zero)"
        case .unexplained: return "unexplained: an error against the spec"
        }
    }

    public static func < (a: Departure, b: Departure) -> Bool { a.key < b.key }
}

/// The differences between a recording and the reference, over every input.
public struct ConformanceResult: Sendable {
    /// One kind of departure: how many inputs, the first of them, and the first (reference,
    /// recorded) pair of codes.
    public struct Group: Sendable, Equatable {
        public var departure: Departure
        public var count: UInt64
        public var firstInput: UInt32
        public var referenceCode: UInt32
        public var recordedCode: UInt32
    }

    public let recording: Recording
    /// Inputs compared (2^32 or 2^16).
    public var checked: UInt64 = 0
    /// Inputs whose recorded code differs from the reference.
    public var differing: UInt64 = 0
    /// The departures, most frequent first.
    public var groups: [Group] = []
}

extension Recording {
    /// Compares the recording with the reference (the format, rounding and saturation the call asks
    /// for) on every input, and classifies every difference. The reference is the fast codec,
    /// which the tests prove equal to the exact oracle on every float16 and bfloat16 input and, by
    /// the sweep, on every float32 input.
    ///
    /// float32 blocks of 2^16 inputs are decided from their ends where that is exact
    /// (``uniformBlock(_:count:hypotheses:)``); `inputByInput` turns that off (the tests check both
    /// give the same result).
    public func compare(threads: Int? = nil, inputByInput: Bool = false) -> ConformanceResult {
        compare(threads: threads, inputByInput: inputByInput, blocks: nil)
    }

    /// ``compare(threads:inputByInput:)`` on the inputs of blocks `chosen` (of 2^16 inputs) only.
    package func compare(threads: Int?, inputByInput: Bool, blocks chosen: [Int]?) -> ConformanceResult {
        let block = 1 << 16
        let blockList = chosen ?? Array(0..<Int(source.inputCount / UInt64(block)))
        let blocks = blockList.count
        let workers = max(1, min(threads ?? ProcessInfoLite.processorCount, blocks))
        let hypotheses = self.hypotheses
        let total = Mutex((counts: [UInt64](repeating: 0, count: hypotheses.count),
                           firsts: [(UInt32, UInt32, UInt32)?](repeating: nil, count: hypotheses.count)))
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var counts = [UInt64](repeating: 0, count: hypotheses.count)
            var firsts = [(UInt32, UInt32, UInt32)?](repeating: nil, count: hypotheses.count)
            var inputs = [UInt32](repeating: 0, count: block)
            var reference = [UInt32](repeating: 0, count: block)
            var recorded = [UInt32](repeating: 0, count: block)
            var alternative = [UInt32](repeating: 0, count: block)
            var scratch = [UInt32](repeating: 0, count: block)
            var open: [Int] = []
            open.reserveCapacity(block)
            var k = w
            while k < blocks {
                let base = UInt32(blockList[k] * block)
                defer { k += workers }
                if !inputByInput, let uniform = uniformBlock(base, count: block, hypotheses: hypotheses) {
                    if let (h, reference, code) = uniform {
                        counts[h] += UInt64(block)
                        if firsts[h] == nil || base < firsts[h]!.0 { firsts[h] = (base, reference, code) }
                    }
                    continue
                }
                for i in 0..<block { inputs[i] = base &+ UInt32(i) }
                encode(&inputs, into: &reference, rounding, saturation)
                fillRecorded(base, &recorded)
                open.removeAll(keepingCapacity: true)
                for i in 0..<block where reference[i] != recorded[i] { open.append(i) }
                if !open.isEmpty {
                    classify(&open, inputs: &inputs, reference: reference, recorded: recorded, hypotheses: hypotheses,
                             counts: &counts, firsts: &firsts, alternative: &alternative, scratch: &scratch)
                }
            }
            total.withLock { all in
                for h in hypotheses.indices {
                    all.counts[h] += counts[h]
                    if let f = firsts[h], all.firsts[h] == nil || f.0 < all.firsts[h]!.0 { all.firsts[h] = f }
                }
            }
        }
        var result = ConformanceResult(recording: self)
        result.checked = UInt64(blocks * block)
        let (counts, firsts) = total.withLock { ($0.counts, $0.firsts) }
        result.differing = counts.reduce(0, +)
        result.groups = hypotheses.indices.compactMap { h in
            guard counts[h] > 0, let f = firsts[h] else { return nil }
            return ConformanceResult.Group(departure: hypotheses[h], count: counts[h], firstInput: f.0, referenceCode: f.1,
                                           recordedCode: f.2)
        }.sorted { ($0.count, $1.departure) > ($1.count, $0.departure) }
        return result
    }

    /// A block decided from its ends: nil when it must be compared input by input; otherwise
    /// .some(nil) when every input agrees, or .some((hypothesis, reference, recorded)) when every
    /// input differs in the same way and the first hypothesis that explains any of them explains
    /// all of them (each earlier one is constant over the block and explains none).
    ///
    /// Why the ends suffice: the block holds no NaN input and lies in one sign half, where the
    /// reference (and each alternative behaviour: another rounding or saturation, the magnitude's
    /// conversion) is a monotone function of the input's bits, since rounding is monotone in the
    /// value and codes are ordered as their values within a sign; a monotone function equal at both
    /// ends is constant between them. The recorded code is constant because one recorded run
    /// covers the whole block. (float16 and bfloat16 sources, one block each, are always compared
    /// input by input.)
    func uniformBlock(_ base: UInt32, count: Int, hypotheses: [Departure]) -> ((Int, UInt32, UInt32)?)? {
        guard source == .float32 else { return nil }
        let last = base &+ UInt32(count - 1)
        guard !isNaN(last), !isNaN(base), base & signBit == last & signBit else { return nil }
        let run = runIndex(containing: base)
        guard run + 1 == starts.count || starts[run + 1] > last else { return nil }
        let recorded = UInt32(codes[run])
        func code(_ bits: UInt32, _ r: RoundingMode, _ s: SaturationMode) -> UInt32 {
            format.encode(Float(bitPattern: bits), rounding: r, saturation: s)
        }
        let reference = code(base, rounding, saturation)
        guard code(last, rounding, saturation) == reference else { return nil }
        if reference == recorded { return .some(nil) }
        for (h, d) in hypotheses.enumerated() {
            let predicted: (UInt32, UInt32)
            switch d {
            case .signDropped:
                guard base & signBit != 0 else { continue }
                predicted = (code(base & ~signBit, rounding, saturation), code(last & ~signBit, rounding, saturation))
            case .signDroppedRounding(let r):
                guard base & signBit != 0 else { continue }
                predicted = (code(base & ~signBit, r, saturation), code(last & ~signBit, r, saturation))
            case .saturation(let s): predicted = (code(base, rounding, s), code(last, rounding, s))
            case .rounding(let r): predicted = (code(base, r, saturation), code(last, r, saturation))
            case .zeroToFormatWithoutZero:
                // It applies only to a zero input, the first of a block starting at +-0.
                if base & ~signBit == 0 && !format.hasZero { return nil }
                continue
            case .nanToFinite, .nanCode, .nanLost: continue
            case .unexplained: return nil
            }
            // Constant over the block (equal ends): it explains all inputs or none. Varying: it may
            // explain some, which only the input-by-input comparison can attribute.
            guard predicted.0 == predicted.1 else { return nil }
            if predicted.0 == recorded { return .some((h, reference, recorded)) }
        }
        return nil
    }

    /// The recorded codes of inputs base ..< base + out.count.
    func fillRecorded(_ base: UInt32, _ out: inout [UInt32]) {
        var run = runIndex(containing: base)
        for i in 0..<out.count {
            let bits = base &+ UInt32(i)
            while run + 1 < starts.count && starts[run + 1] <= bits { run += 1 }
            out[i] = UInt32(codes[run])
        }
    }

    /// Encodes bit patterns of the source type under a behaviour (the array path, one thread).
    func encode(_ inputs: inout [UInt32], into out: inout [UInt32], _ r: RoundingMode, _ s: SaturationMode) {
        out.withUnsafeMutableBufferPointer { o in
            switch source {
            case .float32:
                inputs.withUnsafeBytes { f32 in
                    format.encode(raw: f32, as: .float32, count: inputs.count, into: o, rounding: r, saturation: s, threads: 1)
                }
            case .float16, .bfloat16:
                let halves = inputs.map { UInt16(truncatingIfNeeded: $0) }
                halves.withUnsafeBytes {
                    format.encode(raw: $0, as: source == .float16 ? .float16 : .bfloat16, count: halves.count, into: o,
                                  rounding: r, saturation: s, threads: 1)
                }
            }
        }
    }

    /// The source type's sign bit and NaN test on bit patterns.
    var signBit: UInt32 { source == .float32 ? 0x8000_0000 : 0x8000 }
    func isNaN(_ bits: UInt32) -> Bool {
        switch source {
        case .float32: return bits & 0x7FFF_FFFF > 0x7F80_0000
        case .float16: return bits & 0x7FFF > 0x7C00
        case .bfloat16: return bits & 0x7FFF > 0x7F80
        }
    }

    /// The departures a recording's differences are tried against, in order: the first that gives
    /// exactly the recorded code explains it.
    var hypotheses: [Departure] {
        let otherRoundings = [RoundingMode.nearestTiesToEven, .nearestTiesToAway, .towardZero, .towardPositive,
                              .towardNegative, .toOdd].filter { $0 != rounding }
        return [.nanToFinite, .nanCode, .nanLost, .zeroToFormatWithoutZero]
            + (format.signedness == .unsigned ? [.signDropped] : [])
            + SaturationMode.allCases.filter { $0 != saturation }.map { .saturation($0) }
            + otherRoundings.map { .rounding($0) }
            + (format.signedness == .unsigned ? otherRoundings.map { .signDroppedRounding($0) } : [])
            + [.unexplained]
    }

    /// Classifies the differing positions `open` of one block, counting them per hypothesis
    /// (index into ``hypotheses``) in `counts` and keeping each hypothesis's first input.
    /// Alternative behaviours are encoded for the whole block, only while differences remain.
    func classify(_ open: inout [Int], inputs: inout [UInt32], reference: [UInt32], recorded: [UInt32],
                  hypotheses: [Departure], counts: inout [UInt64], firsts: inout [(UInt32, UInt32, UInt32)?],
                  alternative: inout [UInt32], scratch: inout [UInt32]) {
        for (h, d) in hypotheses.enumerated() where !open.isEmpty {
            // The code this hypothesis predicts for position i (nil: it does not apply there).
            switch d {
            case .signDropped, .signDroppedRounding:
                for i in 0..<inputs.count { scratch[i] = inputs[i] & ~signBit }
                if case .signDroppedRounding(let r) = d { encode(&scratch, into: &alternative, r, saturation) } else {
                    encode(&scratch, into: &alternative, rounding, saturation)
                }
            case .saturation(let s): encode(&inputs, into: &alternative, rounding, s)
            case .rounding(let r): encode(&inputs, into: &alternative, r, saturation)
            default: break
            }
            var kept = 0
            for i in open {
                let x = inputs[i], c = recorded[i]
                let explained: Bool
                switch d {
                case .nanToFinite: explained = isNaN(x) && !format.hasNaN
                case .nanCode: explained = isNaN(x) && format.hasNaN && format.classify(c) == .nan
                case .nanLost: explained = isNaN(x)
                case .zeroToFormatWithoutZero: explained = x & ~signBit == 0 && !format.hasZero
                case .signDropped, .signDroppedRounding: explained = x & signBit != 0 && !isNaN(x) && alternative[i] == c
                case .saturation, .rounding: explained = !isNaN(x) && alternative[i] == c
                case .unexplained: explained = true
                }
                if explained {
                    counts[h] += 1
                    if firsts[h] == nil || x < firsts[h]!.0 { firsts[h] = (x, reference[i], c) }
                } else {
                    open[kept] = i
                    kept += 1
                }
            }
            open.removeLast(open.count - kept)
        }
    }
}

extension ConformanceResult {
    /// An input bit pattern of the source type and its value (the shortest decimal that reads back
    /// as it): `0x43e80001 (464.00003)`.
    public static func inputText(_ bits: UInt32, _ source: Sweep.Source) -> String {
        switch source {
        case .float32: return ElementType.float32.hexBits(UInt64(bits)) + " (\(Float(bitPattern: bits)))"
        case .bfloat16: return ElementType.bfloat16.hexBits(UInt64(bits)) + " (\(Float(bitPattern: bits << 16)))"
        case .float16:
            #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
            return ElementType.float16.hexBits(UInt64(bits)) + " (\(Float(Float16(bitPattern: UInt16(bits)))))"
            #else
            return ElementType.float16.hexBits(UInt64(bits))
            #endif
        }
    }

    /// docs/conformance.md's table: one row per recording, its departures with their counts and
    /// first inputs (what `minifloat conformance --markdown` prints).
    public static func markdownTable(_ results: [ConformanceResult], recorded: String) -> String {
        var out = "Recorded on: \(recorded).\n\n"
        out += "| recording | call | format | source | reference | differing inputs | departures (count, first input: reference → recorded code) |\n"
        out += "|---|---|---|---|---|---|---|\n"
        for r in results {
            let c = r.recording
            let departures = r.groups.map { g in
                "\(g.departure.key) (\(g.count), first \(inputText(g.firstInput, c.source)): "
                    + "\(c.format.hexCode(g.referenceCode)) → \(c.format.hexCode(g.recordedCode)))"
            }.joined(separator: "; ")
            out += "| `\(c.name)` | `\(c.call)` | \(c.format.name) | \(c.source.rawValue) | \(c.rounding.shortName) \(c.saturation.shortName) | "
                + "\(r.differing == 0 ? "none" : "\(r.differing) of \(r.checked)") | \(departures.isEmpty ? "agrees" : departures) |\n"
        }
        return out
    }
}

/// The number of processors, without Foundation.
enum ProcessInfoLite {
    static var processorCount: Int {
        #if canImport(Glibc) || canImport(Musl)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return max(1, Int(sysconf(_SC_NPROCESSORS_ONLN)))
        #endif
    }
}
