import Minifloat

/// A named conversion behaviour, so that a user can ask "is this exactly OCP saturating
/// round-to-nearest-even?" without knowing how Minifloat spells it. Each profile fixes the
/// saturation mode, the default rounding mode and whether any NaN code is accepted for a NaN.
struct Profile {
    let name: String
    let summary: String
    let saturation: SaturationMode
    let rounding: RoundingMode
    /// Whether `--rounding` may change the rounding mode (P3109 profiles: yes; OCP: RNE only).
    let roundingFixed: Bool
    let nanAny: Bool
    /// Formats the profile applies to (nil: any).
    let formats: [String]?

    static let all: [Profile] = [
        Profile(name: "ocp-saturating",
                summary: "OCP OFP8 v1.0 saturating conversion: round to nearest even; finite overflow and "
                    + "+-Inf give +-max finite; NaN gives a NaN (OCP does not say which, so any NaN code is "
                    + "accepted). OCP MX v1.0 element conversion (e2m3fn, e3m2fn, e2m1fn) is the same.",
                saturation: .satFinite, rounding: .nearestTiesToEven, roundingFixed: true, nanAny: true,
                formats: ["e4m3fn", "e5m2", "e2m3fn", "e3m2fn", "e2m1fn"]),
        Profile(name: "ocp-nonsaturating",
                summary: "OCP OFP8 v1.0 non-saturating conversion: round to nearest even; overflow gives +-Inf "
                    + "in E5M2 and NaN in E4M3 (no Inf); Inf stays Inf in E5M2 and is NaN in E4M3; any NaN "
                    + "code accepted for a NaN. This is what ml_dtypes and PyTorch casts do.",
                saturation: .satNone, rounding: .nearestTiesToEven, roundingFixed: true, nanAny: true,
                formats: ["e4m3fn", "e5m2"]),
        Profile(name: "p3109-satfinite",
                summary: "IEEE P3109 v4.0 SatFinite (4.7.5): overflow and +-Inf clamp to the finite range; "
                    + "rounding by --rounding (default rne); NaN codes compared exactly.",
                saturation: .satFinite, rounding: .nearestTiesToEven, roundingFixed: false, nanAny: false, formats: nil),
        Profile(name: "p3109-satpropagate",
                summary: "IEEE P3109 v4.0 SatPropagate: finite overflow clamps, +-Inf stays Inf where the format "
                    + "has it; rounding by --rounding (default rne).",
                saturation: .satPropagate, rounding: .nearestTiesToEven, roundingFixed: false, nanAny: false, formats: nil),
        Profile(name: "p3109-satnone",
                summary: "IEEE P3109 v4.0 SatNone (v3 OvfInf): IEEE 754-like overflow to Inf, NaN for formats "
                    + "without Inf, the finite limit for directed roundings toward zero; rounding by --rounding "
                    + "(default rne).",
                saturation: .satNone, rounding: .nearestTiesToEven, roundingFixed: false, nanAny: false, formats: nil),
    ]

    static func named(_ name: String) throws -> Profile {
        guard let p = all.first(where: { $0.name == name.lowercased() }) else {
            throw CLIError("unknown profile '\(name)': use \(all.map(\.name).joined(separator: ", "))")
        }
        return p
    }

    /// Checks that `f` is one the profile speaks about.
    func check(_ f: Format) throws {
        guard let formats, !formats.contains(f.name) else { return }
        throw CLIError("profile \(name) is defined for \(formats.joined(separator: ", ")), not \(f.name); "
                       + "use a p3109-* profile or --rounding and --saturation")
    }
}
