import Minifloat

/// A named conversion behaviour, so that a user can ask "is this exactly OCP saturating
/// round-to-nearest-even?" without knowing how Minifloat spells it: the saturation mode, the
/// default rounding mode, whether the rounding may be changed, and whether any NaN code is
/// accepted where the reference gives a NaN.
public struct Behaviour: Hashable, Sendable {
    /// The name (`ocp-saturating`).
    public let name: String
    /// What it is, with the spec section it follows.
    public let summary: String
    /// The saturation mode (fixed by every behaviour).
    public let saturation: SaturationMode
    /// The rounding mode, or the default one when ``roundingFixed`` is false.
    public let rounding: RoundingMode
    /// Whether the rounding mode is part of the behaviour (OCP: RNE only) or the caller's choice
    /// (P3109 profiles).
    public let roundingFixed: Bool
    /// Whether any NaN code matches a NaN (OCP does not say which NaN a conversion gives).
    public let nanAny: Bool
    /// The format names the behaviour is defined for; nil: any format.
    public let formats: [String]?

    /// OCP OFP8 v1.0 saturating conversion (section 5.3), and OCP MX v1.0 element conversion.
    public static let ocpSaturating = Behaviour(
        name: "ocp-saturating",
        summary: "OCP OFP8 v1.0 saturating conversion: round to nearest even; finite overflow and "
            + "+-Inf give +-max finite; NaN gives a NaN (OCP does not say which, so any NaN code is "
            + "accepted). OCP MX v1.0 element conversion (e2m3fn, e3m2fn, e2m1fn) is the same.",
        saturation: .satFinite, rounding: .nearestTiesToEven, roundingFixed: true, nanAny: true,
        formats: ["e4m3fn", "e5m2", "e2m3fn", "e3m2fn", "e2m1fn"])

    /// OCP OFP8 v1.0 non-saturating conversion (section 5.3).
    public static let ocpNonSaturating = Behaviour(
        name: "ocp-nonsaturating",
        summary: "OCP OFP8 v1.0 non-saturating conversion: round to nearest even; overflow gives +-Inf "
            + "in E5M2 and NaN in E4M3 (no Inf); Inf stays Inf in E5M2 and is NaN in E4M3; any NaN "
            + "code accepted for a NaN. This is what ml_dtypes and PyTorch casts do.",
        saturation: .satNone, rounding: .nearestTiesToEven, roundingFixed: true, nanAny: true,
        formats: ["e4m3fn", "e5m2"])

    /// IEEE P3109 v4.0 SatFinite (section 4.7.5).
    public static let p3109SatFinite = Behaviour(
        name: "p3109-satfinite",
        summary: "IEEE P3109 v4.0 SatFinite (4.7.5): overflow and +-Inf clamp to the finite range; "
            + "rounding by --rounding (default rne); NaN codes compared exactly.",
        saturation: .satFinite, rounding: .nearestTiesToEven, roundingFixed: false, nanAny: false, formats: nil)

    /// IEEE P3109 v4.0 SatPropagate (section 4.7.5).
    public static let p3109SatPropagate = Behaviour(
        name: "p3109-satpropagate",
        summary: "IEEE P3109 v4.0 SatPropagate: finite overflow clamps, +-Inf stays Inf where the format "
            + "has it; rounding by --rounding (default rne).",
        saturation: .satPropagate, rounding: .nearestTiesToEven, roundingFixed: false, nanAny: false, formats: nil)

    /// IEEE P3109 v4.0 SatNone (section 4.7.5; v3's OvfInf).
    public static let p3109SatNone = Behaviour(
        name: "p3109-satnone",
        summary: "IEEE P3109 v4.0 SatNone (v3 OvfInf): IEEE 754-like overflow to Inf, NaN for formats "
            + "without Inf, the finite limit for directed roundings toward zero; rounding by --rounding "
            + "(default rne).",
        saturation: .satNone, rounding: .nearestTiesToEven, roundingFixed: false, nanAny: false, formats: nil)

    /// Every named behaviour.
    public static let all: [Behaviour] = [ocpSaturating, ocpNonSaturating, p3109SatFinite, p3109SatPropagate, p3109SatNone]

    /// The behaviour called `name` (any letter case), or nil.
    public static func named(_ name: String) -> Behaviour? {
        all.first { $0.name == name.lowercased() }
    }

    /// Whether the behaviour is defined for `format`.
    public func applies(to format: Format) -> Bool {
        formats.map { $0.contains(format.name) } ?? true
    }
}
