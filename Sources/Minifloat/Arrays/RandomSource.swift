/// Where the stochastic rounding modes get their random integer R for each element of an array.
///
/// Element `i` of an array uses `R_i`, which depends only on the source and `i`, never on how the
/// work is split between threads, so results are the same for every thread count.
public enum RandomSource: Sendable, Hashable {
    /// A counter-based generator: `R_i` is the top N bits of the `(i + 1)`-th output of SplitMix64
    /// started from state `seed` (``splitMix64(seed:index:)``), so NumPy or C code can reproduce it.
    case seed(UInt64)
    /// The caller's random integers, one per element: `R_i` is the low N bits of `values[i]`.
    /// There must be at least as many values as elements.
    case values([UInt32])

    /// The `(index + 1)`-th output of SplitMix64 (Steele, Lea and Flood, OOPSLA 2014) from state
    /// `seed`: with `z = seed &+ (index &+ 1) &* 0x9E3779B97F4A7C15`, then
    /// `z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9`, `z = (z ^ (z >> 27)) &* 0x94D049BB133111EB`,
    /// the result is `z ^ (z >> 31)`.
    @inline(__always)
    public static func splitMix64(seed: UInt64, index: UInt64) -> UInt64 {
        var z = seed &+ (index &+ 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `R_index` for a stochastic mode with `bits` random bits (1 to 32): for ``seed(_:)`` the top
    /// `bits` bits of ``splitMix64(seed:index:)``, for ``values(_:)`` the low `bits` bits of
    /// `values[index]`. - Precondition: `1 <= bits <= 32`; for `values`, `index < values.count`.
    @inline(__always)
    public func value(at index: Int, bits: Int) -> UInt64 {
        precondition((1...RoundingMode.maxRandomBits).contains(bits), "random bits must be 1 to 32")
        switch self {
        case .seed(let seed): return RandomSource.splitMix64(seed: seed, index: UInt64(index)) &>> UInt64(64 - bits)
        case .values(let values): return UInt64(values[index]) & ((1 << UInt64(bits)) - 1)
        }
    }
}

extension RoundingMode {
    /// (0, 1 or 2 for StochasticA, B, C; N), or (-1, 0) for a deterministic mode.
    var stochasticVariant: (Int, Int) {
        switch self {
        case .stochasticA(let n, _): return (0, n)
        case .stochasticB(let n, _): return (1, n)
        case .stochasticC(let n, _): return (2, n)
        default: return (-1, 0)
        }
    }
}
