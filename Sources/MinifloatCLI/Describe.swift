import Minifloat
import MinifloatIO
import MinifloatOracle

/// Facts about a format for `formats` and `docs/formats.md`, all computed by the oracle.
struct FormatFacts {
    let entry: CatalogEntry?
    let format: Format

    var specials: String {
        switch format.specialValues {
        case .ieee: return "ieee (Inf, NaNs)"
        case .nanAtAllOnes: return "fn (NaN at all ones, no Inf)"
        case .nanAtNegativeZero: return "fnuz (NaN at -0, no Inf, no -0)"
        case .p3109Finite: return "p3109 finite (one NaN, no Inf)"
        case .p3109Extended: return "p3109 extended (one NaN, +-Inf)"
        case .none: return "none (all finite)"
        }
    }

    /// The largest finite value.
    var maxFiniteValue: Rational { Oracle.largestFinite(format).value }

    /// The smallest positive normal number, 2^minExponent.
    var minNormalValue: Rational { Rational.powerOfTwo(format.minExponent) }

    /// The smallest positive subnormal, or nil.
    var minSubnormalValue: Rational? {
        guard format.hasZero && format.mantissaBits > 0 else { return nil }
        return Rational.powerOfTwo(format.minExponent - format.mantissaBits)
    }

    /// Printed values: the short exact notation (`2^-127`) unless `exactDecimal`; "none" for nil.
    func text(_ value: Rational?, exactDecimal: Bool = false) -> String {
        guard let value else { return "none" }
        return exactDecimal ? value.description : value.shortExactString()
    }

    var maxFinite: String { text(maxFiniteValue) }
    var minNormal: String { text(minNormalValue) }
    var minSubnormal: String { text(minSubnormalValue) }

    var json: JSON {
        .object([
            ("name", .string(format.name)), ("bits", .int(format.bitWidth)),
            ("signed", .bool(format.signedness == .signed)),
            ("exponent_bits", .int(format.exponentBits)), ("mantissa_bits", .int(format.mantissaBits)),
            ("bias", .int(format.bias)), ("special_values", .string(format.specialValues.rawValue)),
            ("has_zero", .bool(format.hasZero)), ("has_infinity", .bool(format.hasInfinity)),
            ("has_nan", .bool(format.hasNaN)), ("has_negative_zero", .bool(format.hasNegativeZero)),
            ("max_finite", .string(maxFiniteValue.description)), ("min_normal", .string(minNormalValue.description)),
            ("min_subnormal", minSubnormalValue.map { .string($0.description) } ?? .string("none")),
            ("aliases", .array((entry?.aliases ?? []).map { .string($0) })),
            ("spec", .string(entry?.citation ?? "custom")),
        ])
    }
}

/// The class name of a code (zero, subnormal, normal, inf, nan).
func className(_ c: CodeClass) -> String { c.shortName }

/// `0x7e`-style hex, padded to the format's width.
func hexCode(_ code: UInt32, _ f: Format) -> String { f.hexCode(code) }
