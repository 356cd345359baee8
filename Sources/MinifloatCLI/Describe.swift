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

    var maxFinite: String {
        let (value, code) = Oracle.largestFinite(format)
        let (_, significand, exponent) = format.finiteValue(code)!
        return compact(value, significand, exponent)
    }

    /// The smallest positive normal number, 2^minExponent.
    var minNormal: String { compact(Rational.powerOfTwo(format.minExponent), 1, format.minExponent) }

    /// The smallest positive subnormal, or "none".
    var minSubnormal: String {
        guard format.hasZero && format.mantissaBits > 0 else { return "none" }
        let e = format.minExponent - format.mantissaBits
        return compact(Rational.powerOfTwo(e), 1, e)
    }

    /// The exact decimal, or `significand*2^exponent` when the decimal has more than 40 characters.
    func compact(_ value: Rational, _ significand: UInt64, _ exponent: Int) -> String {
        let decimal = value.description
        if decimal.count <= 40 { return decimal }
        return significand == 1 ? "2^\(exponent)" : "\(significand)*2^\(exponent)"
    }

    var json: JSON {
        .object([
            ("name", .string(format.name)), ("bits", .int(format.bitWidth)),
            ("signed", .bool(format.signedness == .signed)),
            ("exponent_bits", .int(format.exponentBits)), ("mantissa_bits", .int(format.mantissaBits)),
            ("bias", .int(format.bias)), ("special_values", .string(format.specialValues.rawValue)),
            ("has_zero", .bool(format.hasZero)), ("has_infinity", .bool(format.hasInfinity)),
            ("has_nan", .bool(format.hasNaN)), ("has_negative_zero", .bool(format.hasNegativeZero)),
            ("max_finite", .string(maxFinite)), ("min_normal", .string(minNormal)),
            ("min_subnormal", .string(minSubnormal)),
            ("aliases", .array((entry?.aliases ?? []).map { .string($0) })),
            ("spec", .string(entry?.citation ?? "custom")),
        ])
    }
}

/// The class name of a code (zero, subnormal, normal, inf, nan).
func className(_ c: CodeClass) -> String { c.shortName }

/// `0x7e`-style hex, padded to the format's width.
func hexCode(_ code: UInt32, _ f: Format) -> String { f.hexCode(code) }
