/// How a value between two adjacent representable values is rounded (IEEE P3109 Interim Report
/// v4.0 section 4.2; IEEE 754-2019 section 4.3).
///
/// Rounding is of the magnitude on the format's grid extended upward without bound (rounding comes
/// before saturation, P3109 v4.0 section 4.7.4); see ``SaturationMode`` for what happens above
/// the largest finite value.
public enum RoundingMode: Hashable, Sendable {
    /// Nearest; a tie goes to the neighbour with an even code (even last significand bit; for
    /// precision 1, the even exponent code, P3109 v4.0 "CodeIsEven"; zero counts as even).
    case nearestTiesToEven
    /// Nearest; a tie goes to the neighbour of larger magnitude.
    case nearestTiesToAway
    /// The neighbour of smaller magnitude (truncation).
    case towardZero
    /// The neighbour toward +Inf.
    case towardPositive
    /// The neighbour toward -Inf.
    case towardNegative
    /// Exact values are kept; an inexact value goes to whichever neighbour has an odd code.
    case toOdd
    /// P3109 StochasticA: with `nu` the position of |x| between its neighbours (0 <= nu < 1) and R a
    /// `bits`-bit random integer, round up in magnitude when `floor(nu * 2^N) + R >= 2^N`.
    case stochasticA(bits: Int, random: UInt64)
    /// P3109 StochasticB: round up when `floor(nu * 2^(N+1)) + (2R + 1) >= 2^(N+1)`.
    case stochasticB(bits: Int, random: UInt64)
    /// P3109 StochasticC: round up when `RNITE(nu * 2^N) + R >= 2^N` (RNITE: nearest, ties to even).
    case stochasticC(bits: Int, random: UInt64)

    /// The six deterministic modes.
    public static let deterministic: [RoundingMode] = [
        .nearestTiesToEven, .nearestTiesToAway, .towardZero, .towardPositive, .towardNegative, .toOdd,
    ]

    /// Largest supported number of random bits N for the stochastic modes.
    public static let maxRandomBits = 32

    /// Whether this is one of the stochastic modes.
    public var isStochastic: Bool {
        switch self {
        case .stochasticA, .stochasticB, .stochasticC: return true
        default: return false
        }
    }

    /// The number of random bits N of a stochastic mode; 0 for a deterministic mode.
    public var randomBits: Int {
        switch self {
        case .stochasticA(let n, _), .stochasticB(let n, _), .stochasticC(let n, _): return n
        default: return 0
        }
    }

    /// The random integer R of a stochastic mode; 0 for a deterministic mode.
    public var randomValue: UInt64 {
        switch self {
        case .stochasticA(_, let r), .stochasticB(_, let r), .stochasticC(_, let r): return r
        default: return 0
        }
    }

    /// The same stochastic mode (variant and N) with random integer `r`; a deterministic mode is
    /// returned unchanged. Array code uses it to give element i its own R_i.
    @inline(__always)
    public func withRandom(_ r: UInt64) -> RoundingMode {
        switch self {
        case .stochasticA(let n, _): return .stochasticA(bits: n, random: r)
        case .stochasticB(let n, _): return .stochasticB(bits: n, random: r)
        case .stochasticC(let n, _): return .stochasticC(bits: n, random: r)
        default: return self
        }
    }

    /// For a stochastic mode, whether `bits` is in 1...32 and `random < 2^bits`.
    public var isValid: Bool {
        switch self {
        case .stochasticA(let n, let r), .stochasticB(let n, let r), .stochasticC(let n, let r):
            return (1...RoundingMode.maxRandomBits).contains(n) && r < (1 as UInt64) << UInt64(n)
        default: return true
        }
    }

    /// Whether an overflowing finite value of the given sign is rounded toward zero by this mode,
    /// so that overflow gives the largest finite value rather than infinity (IEEE 754-2019 7.4).
    func pointsTowardZero(negative: Bool) -> Bool {
        switch self {
        case .towardZero: return true
        case .towardPositive: return negative
        case .towardNegative: return !negative
        default: return false
        }
    }

    /// The short name used on the command line (`rne`, `rna`, `rtz`, `rtp`, `rtn`, `rto`, `sra`, `srb`, `src`).
    public var shortName: String {
        switch self {
        case .nearestTiesToEven: return "rne"
        case .nearestTiesToAway: return "rna"
        case .towardZero: return "rtz"
        case .towardPositive: return "rtp"
        case .towardNegative: return "rtn"
        case .toOdd: return "rto"
        case .stochasticA: return "sra"
        case .stochasticB: return "srb"
        case .stochasticC: return "src"
        }
    }
}

/// What a value beyond the finite range becomes (IEEE P3109 Interim Report v4.0 section 4.7.5;
/// OCP OFP8 v1.0 saturating and non-saturating conversion). Applied after rounding.
///
/// Let `Mhi` be the largest finite value and `Mlo` the least (`-Mhi` for signed formats, the least
/// value, 0 or E8M0's `2^-127`, for unsigned ones).
public enum SaturationMode: String, Hashable, Sendable, CaseIterable {
    /// Everything, infinities included, clamps to `[Mlo, Mhi]`. NaN stays NaN.
    case satFinite
    /// Finite overflow clamps to `[Mlo, Mhi]`; an infinite input stays infinite when the format has
    /// that infinity, else it clamps.
    case satPropagate
    /// IEEE-like (= P3109 v3 `OvfInf` = OCP non-saturating): overflow gives infinity in formats that
    /// have one, except when the rounding mode points toward zero (`towardZero`; `towardNegative` for
    /// positive values, `towardPositive` for negative ones), which gives `Mhi`/`Mlo`; `toOdd` on P3109
    /// unsigned Extended formats gives `Mhi`. Without infinity: NaN for "fn"/"fnuz" formats, `Mhi`/`Mlo`
    /// for P3109 Finite formats and formats without specials. Negative values below an unsigned
    /// format's range give NaN (or `Mlo` when the format has no NaN).
    case satNone

    /// The short name used on the command line.
    public var shortName: String { rawValue.lowercased() }
}
