internal import CMinifloatKernels

/// float64 inputs through the float32 path, without double rounding.
///
/// Rounding `x` to float32 *with round-to-odd* (truncate toward zero, then set the last bit when
/// anything was cut off) and then rounding that float32 to a format F gives the same code as
/// rounding `x` to F directly, in every deterministic mode, when every point that F's rounding
/// decisions compare `x` with is a float32 value whose last significand bit is 0 (Boldo and
/// Melquiond, "Emulation of FMA and correctly rounded sums: proved algorithms using rounding to
/// odd", IEEE TC 57(4), 2008, section 3, for the nearest modes; the argument below covers all):
///
/// - The points are F's values, the midpoints between neighbours, and the powers of two up to
///   2^(maxFiniteExponent + 3) beyond the largest finite value (the overflow decisions of every
///   mode are taken below that point: `Float64BucketTable` rests on the same fact). A midpoint needs
///   M + 2 significant bits, so with M <= 21 every point has a 0 in the last of float32's 24 bits.
///   In float32's subnormal range that means a multiple of 2^-148: F's finest spacing there,
///   2^(minExponent - M - 1), must be at least that.
/// - If `x` is a float32 value, round-to-odd returns it. Otherwise it returns one of the two float32
///   values around `x`, the one with last bit 1; both lie between the same two consecutive points
///   (points are float32 values), and the result is neither (its last bit is 1). So the result lies
///   strictly between the same two points as `x`: every mode's decision (which neighbour, a tie or
///   not, overflow or not) is the same. Inputs at or above 2^(maxFiniteExponent + 3) all round
///   alike, and so do their round-to-odd results (at least that power of two, or float32's largest
///   finite value, which is above it); inputs below float32's least subnormal become it, with their
///   sign, and lie below F's least midpoint as they do.
/// - Zeros, infinities and NaNs convert with their signs (a NaN's payload does not affect its code).
///
/// The stochastic modes (P3109 v4.0 section 4.2) with N random bits compare `x` with the points
/// `v + j * ulp / 2^(N+1)` between neighbours `v < v + ulp` (A reads `floor(nu 2^N)`, B
/// `floor(nu 2^(N+1))`, C rounds `nu 2^N` to nearest, ties to even: every decision changes only at
/// such a point, and a value on one is an exact multiple), up to the value after the largest finite
/// one (beyond it every input overflows). Such a point has at most M + N + 2 significant bits, so
/// with M + N <= 21 it is a float32 value with a 0 last bit, and in float32's subnormal range it is
/// a multiple of 2^(minExponent - M - N - 1), which must be at least 2^-148. Under those conditions
/// the argument above holds for every random value R: round-to-odd keeps `x` strictly between the
/// same two points, or on the same point.
extension Format {
    /// Whether float64 inputs may go through the float32 path (the conditions above): the float32
    /// lookup tables apply (at most 8 bits, M <= 7, fine spacing at least 2^-133) and
    /// `maxFiniteExponent + 3 <= 127`.
    package var float64ViaFloat32Applies: Bool {
        bucketTablesApply && mantissaBits <= 21 && minExponent - mantissaBits - 1 >= -148 && maxFiniteExponent + 3 <= 127
    }

    /// Whether float64 inputs may go through the float32 path under a stochastic mode with `bits`
    /// random bits (N): ``float64ViaFloat32Applies``, M + N <= 21 and
    /// `minExponent - M - N - 1 >= -148` (the conditions above). For E4M3 that is N <= 18; for
    /// E5M2 and E3M2, N <= 19; for E2M1, N <= 20.
    package func float64ViaFloat32Applies(randomBits bits: Int) -> Bool {
        float64ViaFloat32Applies && mantissaBits + bits <= 21 && minExponent - mantissaBits - bits - 1 >= -148
    }
}

/// Rounds `count` float64 bit patterns to float32 with round-to-odd, writing float32 bit patterns.
/// Where the result is a normal float32 (biased float64 exponent 897...1150) this is truncation
/// of the significand to 24 bits with the last bit set when any of the 29 bits cut off is 1, in
/// integer arithmetic on every element (`minifloat_float32_rounded_to_odd`, in C for the vector
/// unit); the other elements (zeros, float32 subnormals, overflow, infinities, NaNs) are then
/// redone by ``float32RoundedToOddByConversion(_:)``.
@inline(__always)
func float32RoundedToOdd(_ source: UnsafePointer<UInt64>, count: Int, into out: UnsafeMutablePointer<UInt32>) {
    guard minifloat_float32_rounded_to_odd(source, out, count, VectorUnits.level) != 0 else { return }
    redoOutsideFloat32Normals(source, count: count, into: out)
}

/// The second pass of ``float32RoundedToOdd(_:count:into:)``: the elements whose result is not a
/// normal float32, through the hardware conversion.
@inline(__always)
private func redoOutsideFloat32Normals(_ source: UnsafePointer<UInt64>, count: Int, into out: UnsafeMutablePointer<UInt32>) {
    for i in 0..<count {
        let exponent = (source[i] &>> 52) & 0x7FF
        if exponent < 897 || exponent > 1150 { out[i] = float32RoundedToOddByConversion(source[i]) }
    }
}

/// Round-to-odd of one float64 to float32 through the hardware conversion: the round-to-nearest
/// result, stepped back toward zero when it rounded away, with the last bit set when the
/// conversion was inexact; a NaN keeps its sign.
@inline(__always)
func float32RoundedToOddByConversion(_ bits: UInt64) -> UInt32 {
    let nearest = Float(Double(bitPattern: bits))
    let back = Double(nearest).bitPattern
    let magnitude = bits & 0x7FFF_FFFF_FFFF_FFFF
    let inexact = back != bits && magnitude <= 0x7FF0_0000_0000_0000
    let away = back & 0x7FFF_FFFF_FFFF_FFFF > magnitude
    var b = nearest.bitPattern
    b &-= inexact && away ? 1 : 0
    b |= inexact ? 1 : 0
    return b
}
