import Minifloat
import MinifloatOracle

/// A mismatch's cause with one line for people.
public struct Diagnosis: Hashable, Sendable {
    /// The cause.
    public let cause: Cause
    /// One line for people: the claim, the reference, and why they differ.
    public let detail: String

    /// A diagnosis.
    public init(cause: Cause, detail: String) {
        self.cause = cause
        self.detail = detail
    }
}

extension Diagnosis: Codable {
    private enum CodingKeys: String, CodingKey { case kind, detail }

    /// `{"kind": "tie-break", "detail": "...", "matches_rounding": "rna"}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(cause.kind, forKey: .kind)
        try c.encode(detail, forKey: .detail)
        try cause.encodeDetails(to: encoder)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        cause = try Cause(from: decoder)
        detail = try c.decode(String.self, forKey: .detail)
    }
}

/// Finds every candidate cause true of a claimed code, and words the chosen one: the element-level
/// engine that element-wise and block verification share.
public struct Diagnoser: Sendable {
    /// The format the claims are codes of.
    public let format: Format
    /// The reference's saturation mode.
    public let saturation: SaturationMode
    /// Whether any NaN code matches a NaN.
    public let nanAny: Bool

    /// A diagnoser for claims of `format` against a reference with `saturation`.
    public init(format: Format, saturation: SaturationMode, nanAny: Bool) {
        self.format = format
        self.saturation = saturation
        self.nanAny = nanAny
    }

    /// Whether claimed code `a` matches reference code `b`.
    public func same(_ a: UInt32, _ b: UInt32) -> Bool {
        a == b || (nanAny && format.classify(a) == .nan && format.classify(b) == .nan)
    }

    /// The candidate causes true of claimed code `claim` where the reference gives `expected`.
    /// `mode` carries the element's random value for stochastic modes.
    public func candidates(_ x: ReferenceInput, claim: UInt32, expected: UInt32, mode: RoundingMode) -> CauseSet {
        let f = format
        var set = CauseSet()
        let claimClass = f.classify(claim), expectedClass = f.classify(expected)
        if x.exact.isNaN {
            set.insert(.nanMapping(.nanInput))
            return set
        }
        if claimClass == .nan || expectedClass == .nan { set.insert(.nanMapping(.nanProducedOrLost)) }
        for other in SaturationMode.allCases where other != saturation {
            if same(x.code(f, mode, other), claim) { set.insert(.saturation(matches: other)) }
        }
        for via in IntermediateType.allCases {
            if let c = x.codeThrough(via, f, mode, saturation), same(c, claim) { set.insert(.doubleRounding(through: via)) }
        }
        if !mode.isStochastic && Oracle.Bracket(x.exact, f).isTie {
            for other in [RoundingMode.nearestTiesToAway, .nearestTiesToEven, .towardZero] where other != mode {
                if same(x.code(f, other, saturation), claim) { set.insert(.tieBreak(matches: other)) }
            }
        }
        if claimClass == .zero && (expectedClass == .subnormal || x.isSubnormalInSource) { set.insert(.subnormalFlush) }
        if x.isSubnormalInSource { set.insert(.subnormalInput) }
        if claimClass == .zero && expectedClass == .zero { set.insert(.signOfZero) }
        if f.signedness == .signed && claimClass != .zero && claim ^ f.signMask == expected { set.insert(.wrongSign) }
        if f.signedness == .unsigned, case .finite(true, let m) = x.exact, m.sign != 0 {
            // The magnitude under any deterministic rounding (a system that drops the sign may
            // also round otherwise, as PyTorch's E8M0 ties away).
            let magnitude = x.magnitude
            if RoundingMode.deterministic.contains(where: { same(magnitude.code(f, $0, saturation), claim) }) {
                set.insert(.signDropped)
            }
        }
        if mode.isStochastic {
            // The claim is one of the two neighbours, or what the mode gives with the least or the
            // greatest R (rounding up past the largest finite value gives what the saturation mode
            // gives there: NaN or Inf under satnone).
            let extremes = [UInt64(0), (UInt64(1) << UInt64(mode.randomBits)) - 1]
            if let n = Oracle.Bracket(x.exact, f).neighbours,
               [n.lo, n.hi].contains(where: { Oracle.Bracket($0, f).code(rounding: .towardZero, saturation: saturation) == claim })
                || extremes.contains(where: { same(x.code(f, mode.withRandom($0), saturation), claim) }) {
                set.insert(.stochasticDecision)
            }
        } else {
            for other in RoundingMode.deterministic where other != mode {
                if same(x.code(f, other, saturation), claim) { set.insert(.otherRounding(matches: other)) }
            }
        }
        return set
    }

    /// The diagnosis of claimed code `claim` by `cause` (nil: a wrong code, with its distance).
    public func diagnosis(_ cause: Cause?, _ x: ReferenceInput, claim: UInt32, expected: UInt32, mode: RoundingMode) -> Diagnosis {
        let f = format
        let c = describe(claim), e = describe(expected)
        guard let cause, cause.kind != .wrongCode else {
            let distance = codeDistance(claim, expected)
            let away = distance.map { " \($0) code\($0 == 1 ? "" : "s") away" } ?? ""
            return Diagnosis(cause: .wrongCode(distance: distance), detail: "the claim \(c) is\(away) from the reference \(e)")
        }
        let detail: String
        switch cause {
        case .nanMapping:
            detail = x.exact.isNaN ? nanInputDetail(x, claim: claim, c, e)
                : "the claim \(c) and the reference \(e) differ in NaN-ness for a non-NaN input"
        case .saturation(let other):
            let special = [.infinity, .nan].contains(f.classify(claim))
            detail = (special ? "gave \(c) where \(saturation.shortName) gives \(e)"
                      : "saturated to \(c) where \(saturation.shortName) gives \(e)") + " (the claim matches \(other.shortName))"
        case .doubleRounding(let via):
            detail = "the claim is the input rounded to \(via.rawValue) first, then to \(f.name): \(c) instead of \(e)"
        case .tieBreak(let other):
            let rule = other == .nearestTiesToAway ? "ties away from zero" : other == .nearestTiesToEven ? "ties to even" : "ties toward zero"
            detail = "the input is exactly halfway; the claim breaks the tie \(rule) (\(c)), \(mode.shortName) gives \(e)"
        case .subnormalInput:
            detail = "the input is subnormal in its own type; the claim \(c) is not the reference \(e) (a path that "
                + "assumes normal inputs?)"
        case .subnormalFlush:
            detail = f.classify(expected) == .subnormal ? "the subnormal result \(e) was flushed to zero (\(c))"
                : "the input is subnormal in its type and was treated as zero (denormals-are-zero): \(c)"
        case .signOfZero:
            detail = "the claim is \(c), the reference \(e)"
        case .wrongSign:
            detail = "the claim \(c) has the reference's magnitude with the other sign"
        case .signDropped:
            detail = "the claim \(c) is the input's magnitude converted; \(f.name) has no sign and the reference gives \(e) "
                + "for a negative input"
        case .stochasticDecision:
            detail = "the claim \(c) is the other neighbour: \(mode.shortName) with R = \(mode.randomValue) gives "
                + "\(e); check the random value and the comparison"
        case .otherRounding(let other):
            detail = "the claim is rounding \(Diagnoser.roundingDescription(other)) (\(other.shortName)): \(c) instead of \(e)"
        case .notRepresentable, .wrongCode:
            detail = "the claim is \(c)"
        }
        return Diagnosis(cause: cause, detail: detail)
    }

    /// What a NaN input's claimed code is: the NaN canonicalised (its sign dropped), another NaN
    /// code, or a number (for a format without NaN, the specs leave the result open).
    func nanInputDetail(_ x: ReferenceInput, claim: UInt32, _ c: String, _ e: String) -> String {
        let f = format
        guard f.hasNaN else {
            return "a NaN input gave \(c); \(f.name) has no NaN and the specs leave this conversion open "
                + "(the reference gives \(e))"
        }
        guard f.classify(claim) == .nan else { return "a NaN input gave the number \(c); the reference gives \(e)" }
        let negativeClaim = f.signMask != 0 && claim & f.signMask != 0
        if x.exact.isNegativeNaN && !negativeClaim && f.signMask != 0 {
            return "NaN canonicalised: a negative NaN gave the positive NaN \(c), its sign dropped; the reference keeps the "
                + "sign (\(e)); the specs allow either"
        }
        return "another NaN code: \(c) where the reference gives \(e); the specs do not fix which NaN a conversion gives"
    }

    /// `to nearest, ties to even` for `rne`, and so on.
    static func roundingDescription(_ m: RoundingMode) -> String {
        switch m {
        case .nearestTiesToEven: return "to nearest, ties to even"
        case .nearestTiesToAway: return "to nearest, ties away from zero"
        case .towardZero: return "toward zero"
        case .towardPositive: return "toward +inf"
        case .towardNegative: return "toward -inf"
        case .toOdd: return "to odd"
        default: return m.shortName
        }
    }

    /// How many representable values apart two finite codes are (both zeros count as one value);
    /// nil when either is NaN or infinite.
    public func codeDistance(_ a: UInt32, _ b: UInt32) -> Int? {
        func rank(_ c: UInt32) -> Int? {
            let k = format.classify(c)
            guard k != .nan && k != .infinity else { return nil }
            let magnitude = Int(c & format.magnitudeMask)
            return c & format.signMask != 0 ? -magnitude : magnitude
        }
        guard let ra = rank(a), let rb = rank(b) else { return nil }
        return abs(ra - rb)
    }

    /// `0x7e (448)`.
    public func describe(_ code: UInt32) -> String {
        "\(format.hexCode(code)) (\(Oracle.decode(code, in: format).shortDescription))"
    }
}

/// Chooses the explanations of a set of mismatches: greedily the candidate with the best score,
/// the number of mismatches not yet explained that it is true of minus `penalty(cause)` (how many
/// matching elements its whole-array hypothesis contradicts; 0 for local causes); earlier
/// candidates win ties. `setCounts` holds each distinct set of true causes with how many mismatches
/// have it. Returns the chosen causes in order with the number of mismatches each explains; a
/// mismatch is explained by the first chosen cause in its set (``explanation(of:order:)``), and by
/// none (a wrong code) if its set is empty.
public func chooseExplanations(_ setCounts: [CauseSet: Int], penalty: (Cause) -> Int = { _ in 0 }) -> [(cause: Cause, count: Int)] {
    var remaining = setCounts.filter { !$0.key.isEmpty }
    var order: [(cause: Cause, count: Int)] = []
    let penalties = Cause.candidates.map(penalty)
    while !remaining.isEmpty {
        var counts = [Int](repeating: 0, count: Cause.candidates.count)
        for (set, n) in remaining {
            var m = set.bits
            while m != 0 {
                counts[m.trailingZeroBitCount] += n
                m &= m - 1
            }
        }
        let candidates = counts.indices.filter { counts[$0] > 0 }
        func score(_ c: Int) -> Int { counts[c] - penalties[c] }
        guard let best = candidates.max(by: { score($0) < score($1) || (score($0) == score($1) && $0 > $1) }) else { break }
        order.append((Cause.candidates[best], counts[best]))
        remaining = remaining.filter { !$0.key.contains(index: best) }
    }
    return order
}

/// The chosen explanation of a mismatch whose true causes are `set`, or nil (a wrong code).
public func explanation(of set: CauseSet, order: [(cause: Cause, count: Int)]) -> Cause? {
    order.first { set.contains($0.cause) }?.cause
}
