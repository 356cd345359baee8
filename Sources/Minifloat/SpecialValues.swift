/// Which codes of a format are NaN or infinite, and what non-saturating overflow gives.
///
/// The schemes in use (docs/formats.md lists each format's):
///
/// | scheme | NaN | Inf | -0 | non-saturating overflow (``SaturationMode/satNone``) |
/// |---|---|---|---|---|
/// | ``ieee`` | top exponent, mantissa != 0 | top exponent, mantissa 0 | yes | +-Inf |
/// | ``nanAtAllOnes`` ("fn") | all-ones magnitude only | none | yes (signed) | NaN (OCP E4M3 non-saturating) |
/// | ``nanAtNegativeZero`` ("fnuz") | the -0 pattern `0x80..` only | none | no | NaN |
/// | ``p3109Finite`` | signed: `2^(K-1)`; unsigned: `2^K - 1` | none | no | largest finite (P3109 v4.0 SatNone) |
/// | ``p3109Extended`` | as Finite | signed: `2^(K-1)-1`, `2^K-1`; unsigned: `2^K-2` | no | +-Inf |
/// | ``none`` | none | none | yes (signed) | largest finite |
///
/// Note that E4M3FNUZ and Binary8p4sf have the same codes and values but differ on overflow
/// under ``SaturationMode/satNone``: the first gives NaN (as ml_dtypes and PyTorch), the second the
/// largest finite value (P3109 v4.0 section 4.7.5).
public enum SpecialValues: String, Sendable, Hashable, CaseIterable {
    /// IEEE 754 style: the all-ones exponent field holds +-Inf (mantissa 0) and NaNs (any other mantissa).
    case ieee
    /// "fn": no infinity; the all-ones magnitude (S.111..1) is NaN, for each sign. OCP E4M3, E8M0, UE4M3.
    case nanAtAllOnes
    /// "fnuz": no infinity, no negative zero; the negative-zero pattern (sign bit only) is the one NaN.
    case nanAtNegativeZero
    /// IEEE P3109 Finite: one NaN (signed: the -0 pattern; unsigned: all ones), no infinity, no -0.
    case p3109Finite
    /// IEEE P3109 Extended: as ``p3109Finite`` plus +-Inf at the top codes.
    case p3109Extended
    /// Every code is a finite number (OCP FP4/FP6, LLM-FP4's EeMm).
    case none
}

extension Format {
    /// Whether the format has a NaN code.
    public var hasNaN: Bool { specialValues != .none }

    /// Whether the format has infinities.
    public var hasInfinity: Bool { specialValues == .ieee || specialValues == .p3109Extended }

    /// Whether the format has a distinct negative zero.
    public var hasNegativeZero: Bool {
        guard signedness == .signed, hasZero else { return false }
        switch specialValues {
        case .ieee, .nanAtAllOnes, .none: return true
        case .nanAtNegativeZero, .p3109Finite, .p3109Extended: return false
        }
    }

    /// Where a finite value beyond the largest finite one goes when it is not saturated and the format
    /// has no infinity: NaN for the OCP/ml_dtypes "fn" and "fnuz" schemes, the largest finite value for
    /// P3109 Finite formats and formats without special values.
    var nonSaturatingOverflowIsNaN: Bool {
        switch specialValues {
        case .nanAtAllOnes, .nanAtNegativeZero: return true
        case .ieee, .p3109Extended, .p3109Finite, .none: return false
        }
    }
}
