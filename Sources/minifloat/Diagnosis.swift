import Minifloat
import MinifloatIO
import MinifloatOracle

/// Why a claimed code differs from the reference: the first rule below that explains it.
struct Diagnosis {
    /// A stable key for counting and JSON: one of `Diagnosis.keys`.
    let key: String
    /// One line for people.
    let detail: String
    /// Machine-readable facts behind it: `matches_saturation`, `via`, `matches_rounding`, `distance`.
    var facts: [(String, JSON)] = []

    /// Every key, in the order the rules are tried, with what it means.
    static let keys: [(String, String)] = [
        ("not-representable", "the claimed value is not a value of the format"),
        ("nan-mapping", "a NaN input gave the wrong code, or a NaN was produced or lost"),
        ("saturation", "overflow saturated where it should give Inf/NaN, or the reverse"),
        ("double-rounding", "the claim is what rounding through a narrower type first gives"),
        ("tie-break", "an exact tie went to the other neighbour (ties away vs ties to even)"),
        ("subnormal-flush", "a subnormal result (or subnormal input) was flushed to zero"),
        ("sign-of-zero", "a zero with the wrong sign"),
        ("wrong-sign", "the right magnitude with the wrong sign"),
        ("stochastic-decision", "stochastic rounding took the other neighbour: a different random value R"),
        ("other-rounding", "the claim is what another rounding mode gives"),
        ("wrong-code", "none of the above; the distance in codes is given"),
    ]
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
        case nil: narrower = true
        case .float64?: narrower = true
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

    /// The value as a Double when it is exactly one.
    var doubleValue: Double? {
        switch self {
        case .nan: return .nan
        case .infinity(let negative): return negative ? -.infinity : .infinity
        case .finite:
            let d = Oracle.nearestDouble(self)
            return ExactValue(d) == self ? d : nil
        }
    }
}

/// Finds the diagnosis of a claimed code `claim` against the expected code `expected` for `x`.
/// With `nanAny`, any NaN code counts as the same claim as any other.
func diagnose(_ x: ReferenceInput, claim: UInt32, expected: UInt32, _ f: Format, _ mode: RoundingMode,
              _ sat: SaturationMode, nanAny: Bool = false) -> Diagnosis {
    func same(_ a: UInt32, _ b: UInt32) -> Bool { a == b || (nanAny && f.classify(a) == .nan && f.classify(b) == .nan) }
    let claimClass = f.classify(claim), expectedClass = f.classify(expected)
    let names: [String: String] = ["rne": "to nearest, ties to even", "rna": "to nearest, ties away from zero",
                                   "rtz": "toward zero", "rtp": "toward +inf", "rtn": "toward -inf", "rto": "to odd"]
    if x.exact.isNaN {
        return Diagnosis(key: "nan-mapping", detail: "a NaN input gave \(describe(claim, f)); the reference gives "
                         + "\(describe(expected, f))")
    }
    // Saturation: the claim is what another saturation mode gives.
    for other in [SaturationMode.satFinite, .satPropagate, .satNone] where other != sat {
        if same(x.code(f, mode, other), claim) {
            let special = claimClass == .infinity || claimClass == .nan
            let what = special ? "gave \(describe(claim, f)) where \(sat.shortName) gives \(describe(expected, f))"
                : "saturated to \(describe(claim, f)) where \(sat.shortName) gives \(describe(expected, f))"
            return Diagnosis(key: "saturation", detail: "\(what) (the claim matches \(other.shortName))",
                             facts: [("matches_saturation", .string(other.shortName))])
        }
    }
    // Double rounding through a narrower type.
    for (via, name) in [(Format.binary32, "float32"), (Format.binary16, "float16"), (Format.bfloat16, "bfloat16")] {
        if let c = x.codeThrough(via, f, mode, sat), same(c, claim) {
            return Diagnosis(key: "double-rounding", detail: "the claim is the input rounded to \(name) first, then "
                             + "to \(f.name): \(describe(claim, f)) instead of \(describe(expected, f))",
                             facts: [("via", .string(name))])
        }
    }
    if !mode.isStochastic && Oracle.Bracket(x.exact, f).isTie {
        for other in [RoundingMode.nearestTiesToAway, .nearestTiesToEven, .towardZero] where other != mode {
            if same(x.code(f, other, sat), claim) {
                let rule = other == .nearestTiesToAway ? "ties away from zero" : other == .nearestTiesToEven
                    ? "ties to even" : "ties toward zero"
                return Diagnosis(key: "tie-break", detail: "the input is exactly halfway; the claim breaks the tie "
                                 + "\(rule) (\(describe(claim, f))), \(mode.shortName) gives \(describe(expected, f))",
                                 facts: [("matches_rounding", .string(other.shortName))])
            }
        }
    }
    if claimClass == .zero && (expectedClass == .subnormal || x.isSubnormalInSource) {
        let why = expectedClass == .subnormal ? "the subnormal result \(describe(expected, f)) was flushed to zero"
            : "the input is subnormal in its type and was treated as zero (denormals-are-zero)"
        return Diagnosis(key: "subnormal-flush", detail: why)
    }
    if claimClass == .zero && expectedClass == .zero {
        return Diagnosis(key: "sign-of-zero", detail: "the claim is \(describe(claim, f)), the reference \(describe(expected, f))")
    }
    if f.signedness == .signed && claim ^ f.signMask == expected {
        return Diagnosis(key: "wrong-sign", detail: "the claim \(describe(claim, f)) has the reference's magnitude "
                         + "with the other sign")
    }
    if mode.isStochastic {
        if let n = Oracle.Bracket(x.exact, f).neighbours,
           [Oracle.Bracket(n.lo, f).code(rounding: .towardZero, saturation: sat),
            Oracle.Bracket(n.hi, f).code(rounding: .towardZero, saturation: sat)].contains(claim) {
            return Diagnosis(key: "stochastic-decision", detail: "the claim \(describe(claim, f)) is the other neighbour: "
                             + "\(mode.shortName) with R = \(mode.randomValueForReport) gives \(describe(expected, f)); "
                             + "check the random value and the comparison")
        }
    } else {
        for other in RoundingMode.deterministic where other != mode {
            if same(x.code(f, other, sat), claim) {
                return Diagnosis(key: "other-rounding", detail: "the claim is rounding \(names[other.shortName] ?? other.shortName) "
                                 + "(\(other.shortName)): \(describe(claim, f)) instead of \(describe(expected, f))",
                                 facts: [("matches_rounding", .string(other.shortName))])
            }
        }
    }
    if claimClass == .nan || expectedClass == .nan {
        return Diagnosis(key: "nan-mapping", detail: "the claim \(describe(claim, f)) and the reference "
                         + "\(describe(expected, f)) differ in NaN-ness for a non-NaN input")
    }
    let distance = codeDistance(claim, expected, f)
    let away = distance.map { " \($0) code\($0 == 1 ? "" : "s") away" } ?? ""
    return Diagnosis(key: "wrong-code", detail: "the claim \(describe(claim, f)) is\(away) from the reference "
                     + "\(describe(expected, f))", facts: distance.map { [("distance", .int($0))] } ?? [])
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

extension RoundingMode {
    var randomValueForReport: UInt64 {
        switch self {
        case .stochasticA(_, let r), .stochasticB(_, let r), .stochasticC(_, let r): return r
        default: return 0
        }
    }
}
