/// The grid a format rounds onto: its binades extended upward without bound, before any
/// saturation (P3109 v4.0 section 4.7.4: rounding precedes saturation).
///
/// Magnitude codes number the grid points in increasing order, so a result above
/// `maxFiniteMagnitude` is an overflow. The code of the grid point `q * 2^(t - M)` in binade `t`
/// (`t >= minExponent`, `q < 2^(M+1)`) is `((t - minExponent) << M) + q`, shifted down by `2^M`
/// when the format has no zero; a carry out of `q` lands on the next binade by itself.
struct Grid: Sendable {
    let mantissaBits: Int
    let minExponent: Int
    let hasZero: Bool
    let maxFiniteMagnitude: UInt64
    /// Any value with its leading bit at or above this exponent is beyond the largest finite value.
    let overflowExponent: Int

    init(mantissaBits: Int, minExponent: Int, hasZero: Bool, maxFiniteMagnitude: UInt64) {
        self.mantissaBits = mantissaBits
        self.minExponent = minExponent
        self.hasZero = hasZero
        self.maxFiniteMagnitude = maxFiniteMagnitude
        let field = Int(maxFiniteMagnitude >> UInt64(mantissaBits)) + (hasZero ? 0 : 1)
        self.overflowExponent = minExponent + max(field, 1)
    }

    static let binary64 = Grid(mantissaBits: 52, minExponent: -1022, hasZero: true,
                               maxFiniteMagnitude: 0x7FEF_FFFF_FFFF_FFFF)
    static let binary32 = Grid(mantissaBits: 23, minExponent: -126, hasZero: true,
                               maxFiniteMagnitude: 0x7F7F_FFFF)
}

/// The result of rounding a magnitude onto a grid.
enum RoundedMagnitude: Equatable {
    /// The magnitude code (0 is zero when the grid has zero; for grids without zero, values
    /// below the least one give code 0, the least value).
    case magnitude(UInt64)
    /// The rounded value lies beyond the largest finite value.
    case overflow
}

extension Grid {
    /// Rounds `significand * 2^exponent` (significand > 0), of the given sign, onto the grid.
    ///
    /// This is the one rounding step of the fast codec: every encode and decode goes through it.
    @inline(__always)
    func round(negative: Bool, significand: UInt64, exponent lsbExponent: Int,
               rounding: RoundingMode) -> RoundedMagnitude {
        let m = mantissaBits
        let msbExponent = lsbExponent + 63 - significand.leadingZeroBitCount
        if msbExponent >= overflowExponent { return .overflow }
        if !hasZero && msbExponent < minExponent { return .magnitude(0) }
        let binade = Swift.max(msbExponent, minExponent)
        let shift = binade - m - lsbExponent
        let low: UInt64
        let fraction: Fraction
        if shift <= 0 {
            low = significand << UInt64(-shift)
            fraction = Fraction(bits: 0, width: 0)
        } else {
            low = shift >= 64 ? 0 : significand >> UInt64(shift)
            fraction = Fraction(bits: shift >= 64 ? significand : significand & ((1 << UInt64(shift)) - 1),
                                width: shift)
        }
        // Without zero there are no subnormals, so `low >= 2^M` and the shift down by 2^M is safe.
        let binadeCode = UInt64(binade - minExponent) << UInt64(m)
        let lowCode = binadeCode &+ low &- (hasZero ? 0 : 1 << UInt64(m))
        let up: Bool
        switch rounding {
        case .towardZero: up = false
        case .towardPositive: up = !negative && !fraction.isZero
        case .towardNegative: up = negative && !fraction.isZero
        case .nearestTiesToAway: up = fraction.leading(1) == 1
        case .nearestTiesToEven:
            up = fraction.leading(1) == 1 && (fraction.hasBitsBelow(1) || lowCode & 1 == 1)
        case .toOdd: up = !fraction.isZero && lowCode & 1 == 0
        case .stochasticA(let n, let r):
            up = fraction.leading(n) + r >= 1 << UInt64(n)
        case .stochasticB(let n, let r):
            up = fraction.leading(n + 1) + 2 * r + 1 >= 1 << UInt64(n + 1)
        case .stochasticC(let n, let r):
            let f = fraction.leading(n + 1)
            var k = f >> 1
            if f & 1 == 1 && (fraction.hasBitsBelow(n + 1) || k & 1 == 1) { k += 1 }
            up = k + r >= 1 << UInt64(n)
        }
        let code = lowCode &+ (up ? 1 : 0)
        return code > maxFiniteMagnitude ? .overflow : .magnitude(code)
    }
}

/// The discarded low part of a significand: `bits / 2^width`, a number in [0, 1).
struct Fraction {
    let bits: UInt64
    let width: Int

    var isZero: Bool { bits == 0 }

    /// `floor(fraction * 2^n)`, for 0 <= n <= 40.
    @inline(__always)
    func leading(_ n: Int) -> UInt64 {
        let d = width - n
        if d <= 0 { return bits << UInt64(-d) }
        return d >= 64 ? 0 : bits >> UInt64(d)
    }

    /// Whether `fraction * 2^n` has a nonzero fractional part.
    @inline(__always)
    func hasBitsBelow(_ n: Int) -> Bool {
        let d = width - n
        if d <= 0 { return false }
        return d >= 64 ? bits != 0 : bits & ((1 << UInt64(d)) - 1) != 0
    }
}
