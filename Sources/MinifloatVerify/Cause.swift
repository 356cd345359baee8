import Minifloat

/// Why a claimed code differs from the reference: one mismatch's diagnosis.
///
/// ``Verifier`` tests each mismatch against every candidate cause (``Cause/candidates``; all that
/// are true are kept), then chooses causes greedily, the one that explains the most mismatches
/// first, each penalised by how many matching elements its whole-array version contradicts; ties go
/// to the earlier candidate. A mismatch no candidate explains is ``wrongCode(distance:)``.
public enum Cause: Hashable, Sendable {
    /// The claimed value is not a value of the format, or the claimed code is not a code of it.
    case notRepresentable
    /// A NaN input gave the wrong code, or a NaN was produced or lost.
    case nanMapping(NaNMapping)
    /// Overflow saturated where the reference gives Inf or NaN, or the reverse: the claim is what
    /// saturation mode `matches` gives.
    case saturation(matches: SaturationMode)
    /// The claim is what rounding the input to a narrower type first (to nearest, ties to even, as
    /// a cast does), then to the format, gives.
    case doubleRounding(through: IntermediateType)
    /// An exact tie went to the other neighbour: the claim is what rounding mode `matches`
    /// (``RoundingMode/nearestTiesToAway``, ``RoundingMode/nearestTiesToEven`` or
    /// ``RoundingMode/towardZero``) gives.
    case tieBreak(matches: RoundingMode)
    /// A subnormal result (or a subnormal input) was flushed to zero.
    case subnormalFlush
    /// The input is subnormal in its own type and was rounded differently.
    case subnormalInput
    /// A zero with the wrong sign.
    case signOfZero
    /// The right magnitude with the wrong sign.
    case wrongSign
    /// A negative input to an unsigned format (E8M0) gave the code of its magnitude, where the
    /// reference gives NaN (OCP MX v1.0 section 5.4.1: E8M0 has no sign): the sign was dropped,
    /// as CUDA's `__nv_cvt_*_to_e8m0` and PyTorch do.
    case signDropped
    /// Stochastic rounding took the other neighbour: a different random value R.
    case stochasticDecision
    /// The claim is what deterministic rounding mode `matches` gives.
    case otherRounding(matches: RoundingMode)
    /// None of the above; `distance` is how many representable values apart the claim and the
    /// reference are (nil when either is NaN or infinite).
    case wrongCode(distance: Int?)

    /// The two NaN cases of ``Cause/nanMapping(_:)``.
    public enum NaNMapping: String, Hashable, Sendable, Codable {
        /// The input is a NaN and the claimed code is not the reference's.
        case nanInput = "nan-input"
        /// The input is not a NaN; the claim or the reference is.
        case nanProducedOrLost = "nan-produced-or-lost"
    }

    /// The kind of a cause, without its details: a stable key for counting and for JSON.
    public enum Kind: String, CaseIterable, Hashable, Sendable, Codable {
        case notRepresentable = "not-representable"
        case nanMapping = "nan-mapping"
        case saturation
        case doubleRounding = "double-rounding"
        case tieBreak = "tie-break"
        case subnormalFlush = "subnormal-flush"
        case subnormalInput = "subnormal-input"
        case signOfZero = "sign-of-zero"
        case wrongSign = "wrong-sign"
        case signDropped = "sign-dropped"
        case stochasticDecision = "stochastic-decision"
        case otherRounding = "other-rounding"
        case wrongCode = "wrong-code"

        /// One line for people.
        public var meaning: String {
            switch self {
            case .notRepresentable: return "the claimed value is not a value of the format, or not a code of it"
            case .nanMapping: return "a NaN input gave the wrong code, or a NaN was produced or lost"
            case .saturation: return "overflow saturated where it should give Inf/NaN, or the reverse"
            case .doubleRounding: return "the claim is what rounding through a narrower type first gives"
            case .tieBreak: return "an exact tie went to the other neighbour (ties away vs ties to even)"
            case .subnormalFlush: return "a subnormal result (or subnormal input) was flushed to zero"
            case .subnormalInput: return "the input is subnormal in its own type and was rounded differently"
            case .signOfZero: return "a zero with the wrong sign"
            case .wrongSign: return "the right magnitude with the wrong sign"
            case .signDropped: return "a negative input to an unsigned format gave the code of its magnitude"
            case .stochasticDecision: return "stochastic rounding took the other neighbour: a different random value R"
            case .otherRounding: return "the claim is what another rounding mode gives"
            case .wrongCode: return "none of the above; the distance in codes is given"
            }
        }
    }

    /// The kind of this cause.
    public var kind: Kind {
        switch self {
        case .notRepresentable: return .notRepresentable
        case .nanMapping: return .nanMapping
        case .saturation: return .saturation
        case .doubleRounding: return .doubleRounding
        case .tieBreak: return .tieBreak
        case .subnormalFlush: return .subnormalFlush
        case .subnormalInput: return .subnormalInput
        case .signOfZero: return .signOfZero
        case .wrongSign: return .wrongSign
        case .signDropped: return .signDropped
        case .stochasticDecision: return .stochasticDecision
        case .otherRounding: return .otherRounding
        case .wrongCode: return .wrongCode
        }
    }

    /// The detail that tells variants of one kind apart, as a JSON field name and value:
    /// `("matches_saturation", "satfinite")`, `("via", "float32")`, `("matches_rounding", "rna")`,
    /// `("case", "nan-input")`; nil for kinds without variants (and for a wrong code, whose
    /// distance is a number: ``distance``).
    public var variant: (name: String, value: String)? {
        switch self {
        case .nanMapping(let c): return ("case", c.rawValue)
        case .saturation(let s): return ("matches_saturation", s.shortName)
        case .doubleRounding(let t): return ("via", t.rawValue)
        case .tieBreak(let m), .otherRounding(let m): return ("matches_rounding", m.shortName)
        default: return nil
        }
    }

    /// The distance of a ``wrongCode(distance:)``; nil for other causes.
    public var distance: Int? {
        if case .wrongCode(let d) = self { return d }
        return nil
    }

    /// `double-rounding (via float32)`, `saturation (matches satfinite)`, `nan-mapping (nan-input)`.
    public var label: String {
        guard let variant else { return kind.rawValue }
        switch variant.name {
        case "via": return "\(kind.rawValue) (via \(variant.value))"
        case "case": return "\(kind.rawValue) (\(variant.value))"
        default: return "\(kind.rawValue) (matches \(variant.value))"
        }
    }

    /// Every candidate cause, in tie-break order. ``wrongCode(distance:)`` is the fallback and is
    /// not a candidate.
    public static let candidates: [Cause] = [
        .notRepresentable,
        .nanMapping(.nanInput),
        .saturation(matches: .satFinite), .saturation(matches: .satPropagate), .saturation(matches: .satNone),
        .doubleRounding(through: .float32), .doubleRounding(through: .float16), .doubleRounding(through: .bfloat16),
        .tieBreak(matches: .nearestTiesToAway), .tieBreak(matches: .nearestTiesToEven), .tieBreak(matches: .towardZero),
        .subnormalFlush, .subnormalInput, .signOfZero, .wrongSign, .signDropped, .stochasticDecision,
    ] + RoundingMode.deterministic.map { .otherRounding(matches: $0) } + [.nanMapping(.nanProducedOrLost)]

    /// The position of a candidate in ``candidates`` (its bit in a ``CauseSet``).
    var candidateIndex: Int {
        guard let i = Cause.candidateIndices[self] else { preconditionFailure("\(self) is not a candidate cause") }
        return i
    }

    private static let candidateIndices: [Cause: Int] =
        Dictionary(uniqueKeysWithValues: candidates.enumerated().map { ($1, $0) })
}

/// A set of candidate causes (bit i: ``Cause/candidates``[i]), small enough to count by set.
public struct CauseSet: Hashable, Sendable {
    /// Bit i: whether ``Cause/candidates``[i] is in the set.
    public var bits: UInt32

    /// The empty set.
    public init() { bits = 0 }
    /// The set of one candidate cause.
    public init(_ cause: Cause) { bits = 1 << UInt32(cause.candidateIndex) }

    /// Whether no cause is in the set.
    public var isEmpty: Bool { bits == 0 }
    /// Adds a candidate cause.
    public mutating func insert(_ cause: Cause) { bits |= 1 << UInt32(cause.candidateIndex) }
    /// Whether a candidate cause is in the set.
    public func contains(_ cause: Cause) -> Bool { bits & 1 << UInt32(cause.candidateIndex) != 0 }
    func contains(index: Int) -> Bool { bits & 1 << UInt32(index) != 0 }

    /// The causes in the set, in candidate order.
    public var causes: [Cause] { Cause.candidates.indices.filter { contains(index: $0) }.map { Cause.candidates[$0] } }
}

/// A narrower type an input can be cast to before it is quantized (double rounding).
public enum IntermediateType: String, CaseIterable, Hashable, Sendable, Codable {
    case float32, float16, bfloat16

    /// The format of the type (IEEE binary32, binary16, bfloat16).
    public var format: Format {
        switch self {
        case .float32: return .binary32
        case .float16: return .binary16
        case .bfloat16: return .bfloat16
        }
    }
}

extension Cause: Codable {
    private enum CodingKeys: String, CodingKey {
        case kind, matchesSaturation = "matches_saturation", via, matchesRounding = "matches_rounding", nanCase = "case", distance
    }

    /// `{"kind": "saturation", "matches_saturation": "satfinite"}`: the kind, then its variant's
    /// field (``variant``) or, for a wrong code, `distance` when known.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try encodeDetails(to: encoder)
    }

    /// The fields after the kind (shared with the explanations of a report).
    func encodeDetails(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .nanMapping(let m): try c.encode(m, forKey: .nanCase)
        case .saturation(let s): try c.encode(s.shortName, forKey: .matchesSaturation)
        case .doubleRounding(let t): try c.encode(t, forKey: .via)
        case .tieBreak(let m), .otherRounding(let m): try c.encode(m.shortName, forKey: .matchesRounding)
        case .wrongCode(let d?): try c.encode(d, forKey: .distance)
        default: break
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try c.decode(Kind.self, forKey: .kind)
        self = try Cause(kind: kind, details: c)
    }

    init<K>(kind: Kind, details c: KeyedDecodingContainer<K>) throws {
        func key(_ k: CodingKeys) -> K { K(stringValue: k.rawValue)! }
        func rounding() throws -> RoundingMode {
            try decodeNamed(c, key(.matchesRounding), "deterministic rounding") { RoundingMode(shortName: $0).flatMap { $0.isStochastic ? nil : $0 } }
        }
        switch kind {
        case .notRepresentable: self = .notRepresentable
        case .nanMapping: self = .nanMapping(try c.decode(NaNMapping.self, forKey: key(.nanCase)))
        case .saturation:
            self = .saturation(matches: try decodeNamed(c, key(.matchesSaturation), "saturation") { SaturationMode(shortName: $0) })
        case .doubleRounding: self = .doubleRounding(through: try c.decode(IntermediateType.self, forKey: key(.via)))
        case .tieBreak: self = .tieBreak(matches: try rounding())
        case .subnormalFlush: self = .subnormalFlush
        case .subnormalInput: self = .subnormalInput
        case .signOfZero: self = .signOfZero
        case .wrongSign: self = .wrongSign
        case .signDropped: self = .signDropped
        case .stochasticDecision: self = .stochasticDecision
        case .otherRounding: self = .otherRounding(matches: try rounding())
        case .wrongCode: self = .wrongCode(distance: try c.decodeIfPresent(Int.self, forKey: key(.distance)))
        }
    }
}
