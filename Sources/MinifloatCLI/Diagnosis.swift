import Minifloat
import MinifloatIO
import MinifloatOracle

/// Why a claimed code differs from the reference.
///
/// Each mismatch is tested against every candidate explanation below (all that are true are
/// kept); then the explanations are chosen greedily, most mismatches first, so that one cause that
/// explains a whole run (say, rounding through float32 first) is reported as that cause even where a
/// narrower one (saturation) would also fit. Ties go to the earlier candidate in the list.
struct Diagnosis {
    /// A stable key for counting and JSON: one of `Diagnosis.keys`.
    let key: String
    /// One line for people.
    let detail: String
    /// Machine-readable facts behind it: `matches_saturation`, `via`, `matches_rounding`, `distance`.
    var facts: [(String, JSON)] = []

    /// Every key, with what it means.
    static let keys: [(String, String)] = [
        ("not-representable", "the claimed value is not a value of the format, or not a code of it"),
        ("nan-mapping", "a NaN input gave the wrong code, or a NaN was produced or lost"),
        ("saturation", "overflow saturated where it should give Inf/NaN, or the reverse"),
        ("double-rounding", "the claim is what rounding through a narrower type first gives"),
        ("tie-break", "an exact tie went to the other neighbour (ties away vs ties to even)"),
        ("subnormal-flush", "a subnormal result (or subnormal input) was flushed to zero"),
        ("subnormal-input", "the input is subnormal in its own type and was rounded differently"),
        ("sign-of-zero", "a zero with the wrong sign"),
        ("wrong-sign", "the right magnitude with the wrong sign"),
        ("stochastic-decision", "stochastic rounding took the other neighbour: a different random value R"),
        ("other-rounding", "the claim is what another rounding mode gives"),
        ("wrong-code", "none of the above; the distance in codes is given"),
    ]
}

/// One candidate explanation: a diagnosis key and, for keys with variants, which variant.
struct Candidate: Equatable {
    let key: String
    let variant: (name: String, value: String)?

    static func == (a: Candidate, b: Candidate) -> Bool { a.key == b.key && a.variant?.value == b.variant?.value }

    /// All candidates, in tie-break order. `wrong-code` is the fallback and is not in this list.
    static let all: [Candidate] = [
        Candidate(key: "not-representable", variant: nil),
        Candidate(key: "nan-mapping", variant: ("case", "nan-input")),
        Candidate(key: "saturation", variant: ("matches_saturation", "satfinite")),
        Candidate(key: "saturation", variant: ("matches_saturation", "satpropagate")),
        Candidate(key: "saturation", variant: ("matches_saturation", "satnone")),
        Candidate(key: "double-rounding", variant: ("via", "float32")),
        Candidate(key: "double-rounding", variant: ("via", "float16")),
        Candidate(key: "double-rounding", variant: ("via", "bfloat16")),
        Candidate(key: "tie-break", variant: ("matches_rounding", "rna")),
        Candidate(key: "tie-break", variant: ("matches_rounding", "rne")),
        Candidate(key: "tie-break", variant: ("matches_rounding", "rtz")),
        Candidate(key: "subnormal-flush", variant: nil),
        Candidate(key: "subnormal-input", variant: nil),
        Candidate(key: "sign-of-zero", variant: nil),
        Candidate(key: "wrong-sign", variant: nil),
        Candidate(key: "stochastic-decision", variant: nil),
    ] + ["rne", "rna", "rtz", "rtp", "rtn", "rto"].map { Candidate(key: "other-rounding", variant: ("matches_rounding", $0)) }
        + [Candidate(key: "nan-mapping", variant: ("case", "nan-produced-or-lost"))]

    static func index(_ key: String, _ value: String? = nil) -> Int {
        all.firstIndex { $0.key == key && $0.variant?.value == value }!
    }

    /// `double-rounding (via float32)`.
    var label: String {
        guard let variant else { return key }
        switch variant.name {
        case "via": return "\(key) (via \(variant.value))"
        case "case": return "\(key) (\(variant.value))"
        default: return "\(key) (matches \(variant.value))"
        }
    }
}

/// One input element, with what the reference needs to ask "what would another mode give?".
struct ReferenceInput {
    let exact: ExactValue
    let nanNegative: Bool
    /// The input as a Double when it came from a binary array (every float16, bfloat16, float32
    /// and float64 value is one); nil for text, which is handled by the oracle.
    let double: Double?
    /// The input's type; nil for exact text.
    let type: ElementType?

    /// The reference code under `mode` and `sat`. Binary inputs use the fast scalar codec (checked
    /// against the oracle by the test suite and the sweeps); text inputs use the oracle.
    func code(_ f: Format, _ mode: RoundingMode, _ sat: SaturationMode) -> UInt32 {
        if let double { return f.encode(double, rounding: mode, saturation: sat) }
        return Oracle.Bracket(exact, f).code(rounding: mode, saturation: sat, nanNegative: nanNegative)
    }

    /// The code when the input is first rounded (to nearest, ties to even: what a cast does) to
    /// `via`, then to the format; nil when `via` is not narrower than the input's type.
    func codeThrough(_ via: Format, _ f: Format, _ mode: RoundingMode, _ sat: SaturationMode) -> UInt32? {
        let narrower: Bool
        switch type {
        case nil, .float64?: narrower = true
        case .float32?: narrower = via == .binary16 || via == .bfloat16
        default: narrower = false
        }
        guard narrower, !exact.isNaN else { return nil }
        if let double {
            // The fast codec rounds to binary32/16 and bfloat16 exactly as a hardware cast does.
            let r = via.decode(via.encode(double, rounding: .nearestTiesToEven, saturation: .satNone))
            return f.encode(r, rounding: mode, saturation: sat)
        }
        let rounded = Oracle.nearest(exact, in: via, nanNegative: nanNegative)
        return Oracle.Bracket(rounded, f).code(rounding: mode, saturation: sat, nanNegative: nanNegative)
    }

    /// Whether the input is a subnormal number of its own type.
    var isSubnormalInSource: Bool {
        guard let double, double != 0, double.isFinite else { return false }
        switch type {
        case .float16?: return abs(double) < 0x1p-14
        case .bfloat16?, .float32?: return abs(double) < 0x1p-126
        case .float64?: return double.isSubnormal
        default: return false
        }
    }
}

extension ExactValue {
    var isNaN: Bool { if case .nan = self { return true }; return false }
}

/// The context of a verification: the format and the modes the claim is checked against.
struct DiagnosisContext {
    let f: Format
    let saturation: SaturationMode
    let nanAny: Bool

    func same(_ a: UInt32, _ b: UInt32) -> Bool {
        a == b || (nanAny && f.classify(a) == .nan && f.classify(b) == .nan)
    }

    /// The candidates (bit i: `Candidate.all[i]`) that are true of a claimed code. `mode` carries
    /// the element's random value for stochastic modes.
    func candidates(_ x: ReferenceInput, claim: UInt32, expected: UInt32, mode: RoundingMode) -> UInt32 {
        var mask: UInt32 = 0
        func set(_ key: String, _ value: String? = nil) { mask |= 1 << UInt32(Candidate.index(key, value)) }
        let claimClass = f.classify(claim), expectedClass = f.classify(expected)
        if x.exact.isNaN {
            set("nan-mapping", "nan-input")
            return mask
        }
        if claimClass == .nan || expectedClass == .nan { set("nan-mapping", "nan-produced-or-lost") }
        for other in [SaturationMode.satFinite, .satPropagate, .satNone] where other != saturation {
            if same(x.code(f, mode, other), claim) { set("saturation", other.shortName) }
        }
        for (via, name) in [(Format.binary32, "float32"), (Format.binary16, "float16"), (Format.bfloat16, "bfloat16")] {
            if let c = x.codeThrough(via, f, mode, saturation), same(c, claim) { set("double-rounding", name) }
        }
        if !mode.isStochastic && Oracle.Bracket(x.exact, f).isTie {
            for other in [RoundingMode.nearestTiesToAway, .nearestTiesToEven, .towardZero] where other != mode {
                if same(x.code(f, other, saturation), claim) { set("tie-break", other.shortName) }
            }
        }
        if claimClass == .zero && (expectedClass == .subnormal || x.isSubnormalInSource) { set("subnormal-flush") }
        if x.isSubnormalInSource { set("subnormal-input") }
        if claimClass == .zero && expectedClass == .zero { set("sign-of-zero") }
        if f.signedness == .signed && claimClass != .zero && claim ^ f.signMask == expected { set("wrong-sign") }
        if mode.isStochastic {
            if let n = Oracle.Bracket(x.exact, f).neighbours,
               [n.lo, n.hi].contains(where: { Oracle.Bracket($0, f).code(rounding: .towardZero, saturation: saturation) == claim }) {
                set("stochastic-decision")
            }
        } else {
            for other in RoundingMode.deterministic where other != mode {
                if same(x.code(f, other, saturation), claim) { set("other-rounding", other.shortName) }
            }
        }
        return mask
    }

    /// The diagnosis for candidate `index` (nil: wrong-code) of a claimed code.
    func diagnosis(_ index: Int?, _ x: ReferenceInput, claim: UInt32, expected: UInt32, mode: RoundingMode) -> Diagnosis {
        let names: [String: String] = ["rne": "to nearest, ties to even", "rna": "to nearest, ties away from zero",
                                       "rtz": "toward zero", "rtp": "toward +inf", "rtn": "toward -inf", "rto": "to odd"]
        let c = describe(claim, f), e = describe(expected, f)
        guard let index else {
            let distance = codeDistance(claim, expected, f)
            let away = distance.map { " \($0) code\($0 == 1 ? "" : "s") away" } ?? ""
            return Diagnosis(key: "wrong-code", detail: "the claim \(c) is\(away) from the reference \(e)",
                             facts: distance.map { [("distance", .int($0))] } ?? [])
        }
        let candidate = Candidate.all[index]
        let facts = candidate.variant.map { [($0.name, JSON.string($0.value))] } ?? []
        let value = candidate.variant?.value ?? ""
        let detail: String
        switch candidate.key {
        case "nan-mapping":
            detail = x.exact.isNaN ? "a NaN input gave \(c); the reference gives \(e)"
                : "the claim \(c) and the reference \(e) differ in NaN-ness for a non-NaN input"
        case "saturation":
            let special = [.infinity, .nan].contains(f.classify(claim))
            detail = (special ? "gave \(c) where \(saturation.shortName) gives \(e)"
                      : "saturated to \(c) where \(saturation.shortName) gives \(e)") + " (the claim matches \(value))"
        case "double-rounding":
            detail = "the claim is the input rounded to \(value) first, then to \(f.name): \(c) instead of \(e)"
        case "tie-break":
            let rule = value == "rna" ? "ties away from zero" : value == "rne" ? "ties to even" : "ties toward zero"
            detail = "the input is exactly halfway; the claim breaks the tie \(rule) (\(c)), \(mode.shortName) gives \(e)"
        case "subnormal-input":
            detail = "the input is subnormal in its own type; the claim \(c) is not the reference \(e) (a path that "
                + "assumes normal inputs?)"
        case "subnormal-flush":
            detail = f.classify(expected) == .subnormal ? "the subnormal result \(e) was flushed to zero (\(c))"
                : "the input is subnormal in its type and was treated as zero (denormals-are-zero): \(c)"
        case "sign-of-zero":
            detail = "the claim is \(c), the reference \(e)"
        case "wrong-sign":
            detail = "the claim \(c) has the reference's magnitude with the other sign"
        case "stochastic-decision":
            detail = "the claim \(c) is the other neighbour: \(mode.shortName) with R = \(mode.randomValue) gives "
                + "\(e); check the random value and the comparison"
        case "other-rounding":
            detail = "the claim is rounding \(names[value] ?? value) (\(value)): \(c) instead of \(e)"
        default:
            detail = "the claim is \(c)"
        }
        return Diagnosis(key: candidate.key, detail: detail, facts: facts)
    }
}

/// Chooses the explanations: greedily the candidate with the best score, the number of
/// mismatches not yet explained that it is true of minus `penalty[c]` (how many matching elements
/// its whole-array hypothesis contradicts; 0 for local candidates); earlier candidates win ties.
/// `maskCounts` holds each distinct set of true candidates (bit i: `Candidate.all[i]`) with how
/// many mismatches have it. Returns the chosen candidates in order with the number of mismatches
/// each explains; a mismatch is explained by the first chosen candidate in its set
/// (`explanation(of:order:)`), and by none (wrong-code) if its set is empty.
func chooseExplanations(_ maskCounts: [UInt32: Int], penalty: [Int]) -> [(Int, Int)] {
    var remaining = maskCounts.filter { $0.key != 0 }
    var order: [(Int, Int)] = []
    while !remaining.isEmpty {
        var counts = [Int](repeating: 0, count: Candidate.all.count)
        for (mask, n) in remaining {
            var m = mask
            while m != 0 {
                counts[m.trailingZeroBitCount] += n
                m &= m - 1
            }
        }
        let candidates = counts.indices.filter { counts[$0] > 0 }
        func score(_ c: Int) -> Int { counts[c] - penalty[c] }
        guard let best = candidates.max(by: { score($0) < score($1) || (score($0) == score($1) && $0 > $1) }) else { break }
        order.append((best, counts[best]))
        remaining = remaining.filter { $0.key & (1 << UInt32(best)) == 0 }
    }
    return order
}

/// The chosen explanation of a mismatch with candidate set `mask`, or nil (wrong-code).
func explanation(of mask: UInt32, order: [(Int, Int)]) -> Int? {
    order.first { mask & (1 << UInt32($0.0)) != 0 }?.0
}

/// How many representable values apart two finite codes are (both zeros count as one value).
func codeDistance(_ a: UInt32, _ b: UInt32, _ f: Format) -> Int? {
    func rank(_ c: UInt32) -> Int? {
        let k = f.classify(c)
        guard k != .nan && k != .infinity else { return nil }
        let magnitude = Int(c & f.magnitudeMask)
        return c & f.signMask != 0 ? -magnitude : magnitude
    }
    guard let ra = rank(a), let rb = rank(b) else { return nil }
    return abs(ra - rb)
}

/// `0x7e (448)`.
func describe(_ code: UInt32, _ f: Format) -> String {
    "\(hexCode(code, f)) (\(Oracle.decode(code, in: f).description))"
}
