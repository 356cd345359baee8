/// How a block's scale is chosen from `amax`, the largest magnitude among its finite elements.
///
/// Every rule is "round `amax / reference` onto the scale format with `rounding`, saturating":
///
/// - MX (E8M0 scale): the scale is `2^k` with `k` clamped to -127...127. `reference` is either
///   `2^emax_elem` (``Reference/powerOfTwo``) or the largest element value (``Reference/largestElement``).
///   With `2^emax_elem` and rounding toward zero this is exactly OCP MX v1.0 section 6.3's
///   `X = 2^(floor(log2(amax)) - emax_elem)` (``floor``). An all-zero block gets `2^-127` (code 0x00),
///   since E8M0 has no zero and every value below `2^-127` rounds to it.
/// - NVFP4 (UE4M3 scale): `reference` is multiplied by the per-tensor scale, so the block scale is
///   `round(amax / (6 * tensorScale))` (``ceil``, NVIDIA cuDNN's `quantize_round_up(amax / vmax)`) and
///   saturates at 448. A block scale of zero (an all-zero block, or a tiny `amax` rounded down)
///   makes every finite element of the block +-0.
///
/// The named rules and who uses them (OCP MX v1.0 section 6.3; the peers' sources are cited in
/// docs/block-formats.md):
///
/// | name | reference | rounding | used by |
/// |---|---|---|---|
/// | `floor` | `2^emax` | toward zero | OCP MX v1.0 section 6.3, microxcaling, gfloat `compute_scale_amax` |
/// | `ceil` | largest element | toward +Inf | NVIDIA MXFP8 recipe (CUDA `cudaRoundPosInf`), cuDNN NVFP4 |
/// | `ties-up` | largest element | nearest, ties away (up) | ml_dtypes and PyTorch casts of `amax / max` to E8M0 |
/// | `even` | largest element | nearest, ties to even code | gfloat `TiesToEven` into E8M0; RNE cast into UE4M3 |
/// | `down` | largest element | toward zero | CUDA `cudaRoundZero` of `amax / max` |
public struct ScaleRule: Sendable, Hashable, CustomStringConvertible {
    /// What `amax` is divided by before rounding onto the scale format.
    public enum Reference: String, Sendable, Hashable {
        /// `2^emax_elem`, the power of two of the largest element's binade (OCP MX section 6.3).
        case powerOfTwo
        /// The largest finite element value (448, 57344, 7.5, 28, 6, 127/64).
        case largestElement
    }

    /// The rule's name (`floor`, `ceil`, `ties-up`, `even`, `down`).
    public let name: String
    /// The divisor of `amax`.
    public let reference: Reference
    /// How the quotient is rounded onto the scale format (deterministic).
    public let rounding: RoundingMode

    /// OCP MX v1.0 section 6.3: `2^(floor(log2(amax)) - emax_elem)`.
    public static let floor = ScaleRule(name: "floor", reference: .powerOfTwo, rounding: .towardZero)
    /// `amax / largest element` rounded up: no element ever needs clamping (unless the scale saturates).
    public static let ceil = ScaleRule(name: "ceil", reference: .largestElement, rounding: .towardPositive)
    /// `amax / largest element` rounded to nearest, ties up (ml_dtypes, PyTorch).
    public static let tiesUp = ScaleRule(name: "ties-up", reference: .largestElement, rounding: .nearestTiesToAway)
    /// `amax / largest element` rounded to nearest, ties to the even code (gfloat; for UE4M3 plain RNE).
    public static let even = ScaleRule(name: "even", reference: .largestElement, rounding: .nearestTiesToEven)
    /// `amax / largest element` rounded down.
    public static let down = ScaleRule(name: "down", reference: .largestElement, rounding: .towardZero)

    /// The named rules.
    public static let all: [ScaleRule] = [.floor, .ceil, .tiesUp, .even, .down]

    /// The rule with this name, or nil.
    public static func named(_ name: String) -> ScaleRule? { all.first { $0.name == name.lowercased() } }

    public var description: String { name }
}
