import Minifloat
import MinifloatIO

/// A whole-array behaviour other than the reference: "the claims are what rounding mode m with
/// saturation s gives", "what the reference gives after a cast to float32 (float16, bfloat16)
/// first", or "what system profile p's call gives" (``SystemProfile``).
public struct Hypothesis: Hashable, Sendable {
    /// The rounding mode of the behaviour.
    public let rounding: RoundingMode
    /// The saturation mode of the behaviour.
    public let saturation: SaturationMode
    /// The narrower type the input is cast to first (to nearest, ties to even), or nil.
    public let through: IntermediateType?
    /// The system profile (`torch`) whose call this is, or nil.
    public let profile: String?
    /// The call of the profile (`tensor.to(torch.float8_e4m3fn)`), or nil.
    public let call: String?

    /// A behaviour: `rounding` and `saturation`, after a cast to `through` if given.
    public init(rounding: RoundingMode, saturation: SaturationMode, through: IntermediateType? = nil) {
        self.rounding = rounding
        self.saturation = saturation
        self.through = through
        profile = nil
        call = nil
    }

    /// What a system profile's call gives (its rounding and saturation, and its rules).
    public init(_ system: SystemProfileCall) {
        rounding = system.call.rounding
        saturation = system.call.saturation
        through = nil
        profile = system.profile.name
        call = system.call.name
    }

    /// A system profile's call by name (as a report reads it back).
    public init(profile: String, call: String, rounding: RoundingMode, saturation: SaturationMode) {
        self.rounding = rounding
        self.saturation = saturation
        through = nil
        self.profile = profile
        self.call = call
    }

    /// `rne satnone through float32`, or `profile torch (tensor.to(torch.float8_e4m3fn))`.
    public var label: String {
        if let profile, let call { return "profile \(profile) (\(call))" }
        return "\(rounding.shortName) \(saturation.shortName)" + (through.map { " through \($0.rawValue)" } ?? "")
    }

    /// The whole-array version of a cause, if it has one: other saturation, other rounding,
    /// double rounding.
    init?(_ cause: Cause, rounding: RoundingMode, saturation: SaturationMode) {
        switch cause {
        case .saturation(let s): self.init(rounding: rounding, saturation: s)
        case .otherRounding(let m): self.init(rounding: m, saturation: saturation)
        case .doubleRounding(let t): self.init(rounding: rounding, saturation: saturation, through: t)
        default: return nil
        }
    }
}

/// Counts, for each hypothesis, the elements whose claim it contradicts. Each is tested on every
/// element, matching or not, so that a cause that fits the mismatches but contradicts the matches
/// (ties-up looks like round-toward-positive on ties alone) is not preferred.
struct HypothesisCounter {
    let f: Format
    let hypotheses: [Hypothesis]
    var disagreements: [Int]
    let nanAny: Bool
    /// Whether each code is a NaN (a table: this is asked for every disagreeing element).
    let isNaN: [Bool]
    /// The system profile calls among the hypotheses, by index.
    let systems: [Int: SystemProfileCall]

    /// The hypotheses for a reference (`rounding`, `saturation`) on `source` inputs: every other
    /// deterministic mode and saturation, and, for a deterministic reference, the reference through
    /// each narrower type. (For a stochastic reference the deterministic modes tell a kernel that
    /// ignores its random values: "exactly what rne gives".)
    /// Then every system profile's call converting to `f` from `source`, but `excluding` (the
    /// one checked against).
    init(_ f: Format, rounding: RoundingMode, saturation: SaturationMode, source: ElementType, nanAny: Bool,
         excluding: SystemProfileCall? = nil) {
        self.f = f
        self.nanAny = nanAny
        isNaN = (0...f.maxCode).map { f.classify($0) == .nan }
        var list: [Hypothesis] = []
        for m in RoundingMode.deterministic {
            for s in SaturationMode.allCases where !(m == rounding && s == saturation) {
                list.append(Hypothesis(rounding: m, saturation: s))
            }
        }
        let narrower: [IntermediateType]
        switch source {
        case .float64: narrower = [.float32, .float16, .bfloat16]
        case .float32: narrower = [.float16, .bfloat16]
        default: narrower = []
        }
        if !rounding.isStochastic {
            for t in narrower { list.append(Hypothesis(rounding: rounding, saturation: saturation, through: t)) }
        }
        var systems: [Int: SystemProfileCall] = [:]
        if !rounding.isStochastic, let type = source.floatSource {
            for profile in SystemProfile.all {
                guard let conversion = profile.conversion(to: f) else { continue }
                for call in conversion.calls where call.sources[type] != nil
                    && !(profile.name == excluding?.profile.name && call.name == excluding?.call.name) {
                    guard let system = try? SystemProfileCall(profile, format: f, rounding: call.rounding,
                                                              saturation: call.saturation) else { continue }
                    systems[list.count] = system
                    list.append(Hypothesis(system))
                }
            }
        }
        self.systems = systems
        hypotheses = list
        disagreements = Array(repeating: 0, count: list.count)
    }

    /// Adds a chunk: `raw` holds `claims.count` native-endian source elements of `type`.
    mutating func add(_ raw: UnsafeRawBufferPointer, type: ElementType, claims: [ClaimCode], threads: Int?) {
        let n = claims.count
        var codes = [UInt16](repeating: 0, count: n)
        var castBits = [UInt16](repeating: 0, count: n)
        var castBits32 = [UInt32](repeating: 0, count: n)
        // Only NaN claims (and any-NaN matching) need more than a comparison of codes.
        let needsSlowPath = nanAny || claims.contains(.nan)
        for (h, hypothesis) in hypotheses.enumerated() {
            let m = hypothesis.rounding, s = hypothesis.saturation
            codes.withUnsafeMutableBufferPointer { out in
                if let system = systems[h], let source = type.floatSource {
                    // The call takes this source type (chosen so in init).
                    try! system.encode(raw: raw, as: source, count: n, into: out, threads: threads)
                    return
                }
                switch hypothesis.through {
                case .float32?:
                    // Cast first, as the hardware does (IEEE conversions, correctly rounded, ties to
                    // even; Swift's Float(_:) and Float16(_:)); bfloat16 by the fast codec.
                    castBits32.withUnsafeMutableBufferPointer { c in
                        let xs = raw.bindMemory(to: Double.self)
                        for i in 0..<n { c[i] = Float(xs[i]).bitPattern }
                    }
                    castBits32.withUnsafeBytes {
                        f.encode(elementsOf: .float32, $0, count: n, into: out, rounding: m, saturation: s, threads: threads)
                    }
                case let via?:
                    castBits.withUnsafeMutableBufferPointer { c in
                        if via == .float16 {
                            if type == .float64 {
                                let xs = raw.bindMemory(to: Double.self)
                                for i in 0..<n { c[i] = Float16(xs[i]).bitPattern }
                            } else {
                                let xs = raw.bindMemory(to: Float.self)
                                for i in 0..<n { c[i] = Float16(xs[i]).bitPattern }
                            }
                        } else {
                            via.format.encode(elementsOf: type, raw, count: n, into: c, rounding: .nearestTiesToEven,
                                              saturation: .satNone, threads: threads)
                        }
                    }
                    castBits.withUnsafeBytes {
                        f.encode(elementsOf: via == .float16 ? .float16 : .bfloat16, $0, count: n, into: out, rounding: m,
                                 saturation: s, threads: threads)
                    }
                case nil:
                    f.encode(elementsOf: type, raw, count: n, into: out, rounding: m, saturation: s, threads: threads)
                }
            }
            var count = 0
            claims.withUnsafeBufferPointer { c in
                codes.withUnsafeBufferPointer { k in
                    // Branch-free: half the elements may differ, and a branch per element mispredicts.
                    var differing: UInt64 = 0
                    for i in 0..<n {
                        let d = c[i].raw ^ UInt32(k[i])
                        differing &+= UInt64((d | (0 &- d)) >> 31)
                    }
                    count = Int(differing)
                    if needsSlowPath {
                        for i in 0..<n where c[i].raw != UInt32(k[i]) && agrees(c[i], UInt32(k[i])) { count -= 1 }
                    }
                }
            }
            disagreements[h] += count
        }
    }

    func agrees(_ claim: ClaimCode, _ code: UInt32) -> Bool {
        if claim.raw == code { return true }
        if claim == .notACode { return false }
        let codeIsNaN = isNaN[Int(code)]
        if claim == .nan { return codeIsNaN }
        return nanAny && codeIsNaN && isNaN[Int(claim.raw)]
    }

    /// Disagreements of the hypothesis a cause stands for, or nil for a local cause.
    func disagreements(for cause: Cause, rounding: RoundingMode, saturation: SaturationMode) -> Int? {
        guard let wanted = Hypothesis(cause, rounding: rounding, saturation: saturation) else { return nil }
        return hypotheses.firstIndex(of: wanted).map { disagreements[$0] }
    }
}
