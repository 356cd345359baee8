import Minifloat
import MinifloatIO

/// Whole-array hypotheses: "the claims are what rounding mode m with saturation s gives", or "what
/// the reference gives after a cast to float32 (float16, bfloat16) first". Each is tested on every
/// element, matching or not, so that a cause that fits the mismatches but contradicts the matches
/// (ties-up looks like round-toward-positive on ties alone) is not preferred.
struct Hypothesis: Equatable {
    let rounding: RoundingMode
    let saturation: SaturationMode
    /// The narrower type the input is cast to first (nearest even), or nil.
    let via: Format?

    var label: String {
        "\(rounding.shortName) \(saturation.shortName)" + (via.map { " through \($0.name == "binary32" ? "float32" : $0.name == "binary16" ? "float16" : "bfloat16")" } ?? "")
    }
}

/// Counts, for each hypothesis, the elements whose claim it contradicts.
struct HypothesisCounter {
    let f: Format
    let hypotheses: [Hypothesis]
    var disagreements: [Int]
    let nanAny: Bool
    /// Whether each code is a NaN (a table: this is asked for every disagreeing element).
    let isNaN: [Bool]

    /// The hypotheses for a deterministic reference (`rounding`, `saturation`) on `source` inputs:
    /// every other deterministic mode and saturation, and the reference through each narrower type.
    init(_ f: Format, rounding: RoundingMode, saturation: SaturationMode, source: ElementType, nanAny: Bool) {
        self.f = f
        self.nanAny = nanAny
        isNaN = (0...f.maxCode).map { f.classify($0) == .nan }
        var list: [Hypothesis] = []
        for m in RoundingMode.deterministic {
            for s in [SaturationMode.satFinite, .satPropagate, .satNone] where !(m == rounding && s == saturation) {
                list.append(Hypothesis(rounding: m, saturation: s, via: nil))
            }
        }
        let narrower: [Format]
        switch source {
        case .float64: narrower = [.binary32, .binary16, .bfloat16]
        case .float32: narrower = [.binary16, .bfloat16]
        default: narrower = []
        }
        for t in narrower { list.append(Hypothesis(rounding: rounding, saturation: saturation, via: t)) }
        hypotheses = list
        disagreements = Array(repeating: 0, count: list.count)
    }

    /// Claim codes of a chunk: a code, or `nanClaim` (a NaN value: any NaN matches), or
    /// `invalidClaim` (never matches).
    static let nanClaim: UInt32 = 0xFFFF_FFFE, invalidClaim: UInt32 = 0xFFFF_FFFF

    /// Adds a chunk: `raw` holds `claims.count` native-endian source elements of `type`.
    mutating func add(_ raw: UnsafeRawBufferPointer, type: ElementType, claims: [UInt32], threads: Int?) {
        let n = claims.count
        var codes = [UInt16](repeating: 0, count: n)
        var castBits = [UInt16](repeating: 0, count: n)
        var castBits32 = [UInt32](repeating: 0, count: n)
        // Only NaN claims (and any-NaN matching) need more than a comparison of codes.
        let needsSlowPath = nanAny || claims.contains(HypothesisCounter.nanClaim)
        for (h, hypothesis) in hypotheses.enumerated() {
            codes.withUnsafeMutableBufferPointer { out in
                if let via = hypothesis.via {
                    // Cast first, as the hardware does (IEEE conversions, correctly rounded, ties to
                    // even; Swift's Float(_:) and Float16(_:)); bfloat16 by the fast codec.
                    if via == .binary32 {
                        castBits32.withUnsafeMutableBufferPointer { c in
                            let xs = raw.bindMemory(to: Double.self)
                            for i in 0..<n { c[i] = Float(xs[i]).bitPattern }
                        }
                        castBits32.withUnsafeBytes { encodeElements(f, $0, .float32, n, into: out, hypothesis.rounding, hypothesis.saturation, threads: threads) }
                    } else {
                        castBits.withUnsafeMutableBufferPointer { c in
                            if via == .binary16 {
                                if type == .float64 {
                                    let xs = raw.bindMemory(to: Double.self)
                                    for i in 0..<n { c[i] = Float16(xs[i]).bitPattern }
                                } else {
                                    let xs = raw.bindMemory(to: Float.self)
                                    for i in 0..<n { c[i] = Float16(xs[i]).bitPattern }
                                }
                            } else {
                                encodeElements(via, raw, type, n, into: c, .nearestTiesToEven, .satNone, threads: threads)
                            }
                        }
                        castBits.withUnsafeBytes {
                            encodeElements(f, $0, via == .binary16 ? .float16 : .bfloat16, n, into: out, hypothesis.rounding,
                                           hypothesis.saturation, threads: threads)
                        }
                    }
                } else {
                    encodeElements(f, raw, type, n, into: out, hypothesis.rounding, hypothesis.saturation, threads: threads)
                }
            }
            var count = 0
            claims.withUnsafeBufferPointer { c in
                codes.withUnsafeBufferPointer { k in
                    // Branch-free: half the elements may differ, and a branch per element mispredicts.
                    var differing: UInt64 = 0
                    for i in 0..<n {
                        let d = c[i] ^ UInt32(k[i])
                        differing &+= UInt64((d | (0 &- d)) >> 31)
                    }
                    count = Int(differing)
                    if needsSlowPath {
                        for i in 0..<n where c[i] != UInt32(k[i]) && agrees(c[i], UInt32(k[i])) { count -= 1 }
                    }
                }
            }
            disagreements[h] += count
        }
    }

    func agrees(_ claim: UInt32, _ code: UInt32) -> Bool {
        if claim == code { return true }
        if claim == HypothesisCounter.invalidClaim { return false }
        let codeIsNaN = isNaN[Int(code)]
        if claim == HypothesisCounter.nanClaim { return codeIsNaN }
        return nanAny && codeIsNaN && isNaN[Int(claim)]
    }

    /// Disagreements of the hypothesis a candidate stands for, or nil for a local candidate.
    func disagreements(for candidate: Candidate, rounding: RoundingMode, saturation: SaturationMode) -> Int? {
        guard let value = candidate.variant?.value else { return nil }
        let wanted: Hypothesis
        switch candidate.key {
        case "saturation":
            guard let s = [SaturationMode.satFinite, .satPropagate, .satNone].first(where: { $0.shortName == value }) else { return nil }
            wanted = Hypothesis(rounding: rounding, saturation: s, via: nil)
        case "other-rounding":
            guard let m = RoundingMode.deterministic.first(where: { $0.shortName == value }) else { return nil }
            wanted = Hypothesis(rounding: m, saturation: saturation, via: nil)
        case "double-rounding":
            let via: Format = value == "float32" ? .binary32 : value == "float16" ? .binary16 : .bfloat16
            wanted = Hypothesis(rounding: rounding, saturation: saturation, via: via)
        default:
            return nil
        }
        return hypotheses.firstIndex(of: wanted).map { disagreements[$0] }
    }
}
