import Minifloat

extension Oracle {
    /// A value placed on a format's grid: its two neighbours, the exact midpoint, and where it lies.
    /// Everything a rounding mode needs, computed once so that all modes can be asked cheaply.
    ///
    /// The grid is the format's values extended upward without bound (P3109 v4.0 section 4.7.4:
    /// rounding precedes saturation): in binade `2^t <= |x| < 2^(t+1)`, with `t` at least the
    /// smallest normal exponent when the format has subnormals, the representable magnitudes are
    /// the multiples of `2^(t - M)`.
    public struct Bracket {
        /// The format whose grid the value is placed on.
        public let format: Format
        let kind: Kind
        /// The codes that depend on the format alone (saturation targets, infinities, NaNs).
        let fixed: FixedCodes

        enum Kind {
            case nan(negative: Bool)
            case infinity(negative: Bool)
            case zero(negative: Bool)
            /// A nonzero magnitude below the least value of a format without zero.
            case belowLeast(negative: Bool)
            case between(Neighbours)
        }

        /// A class, so that asking a bracket for many modes does not copy (and retain) its
        /// rationals each time.
        final class Neighbours: Sendable {
            let negative: Bool
            /// `(|x| - lo) / (hi - lo)`, in [0, 1), for the grid points `lo <= |x| < hi = lo + 2^(t - M)`.
            let nu: Rational
            /// Sign of `|x| - (lo + hi) / 2`.
            let versusMidpoint: Int
            let loIsEven: Bool
            /// The codes of `lo` and `hi` with the input's sign, when they are representable
            /// (at most Mhi, and not a nonzero negative value in an unsigned format).
            let loCode: UInt32?, hiCode: UInt32?
            /// Whether `lo`, `hi` exceed the largest finite value Mhi.
            let loOverflows: Bool, hiOverflows: Bool
            /// The grid magnitudes themselves.
            let lo: Rational, hi: Rational
            var exact: Bool { nu.sign == 0 }

            init(negative: Bool, nu: Rational, versusMidpoint: Int, loIsEven: Bool, loCode: UInt32?, hiCode: UInt32?,
                 loOverflows: Bool, hiOverflows: Bool, lo: Rational, hi: Rational) {
                self.negative = negative
                self.nu = nu
                self.versusMidpoint = versusMidpoint
                self.loIsEven = loIsEven
                self.loCode = loCode
                self.hiCode = hiCode
                self.loOverflows = loOverflows
                self.hiOverflows = hiOverflows
                self.lo = lo
                self.hi = hi
            }
        }

        /// Places `x` on the grid of `f`.
        public init(_ x: ExactValue, _ f: Format) {
            format = f
            fixed = Oracle.fixedCodes(f)
            switch x {
            case .nan(let negative): kind = .nan(negative: negative)
            case .infinity(let negative): kind = .infinity(negative: negative)
            case .finite(let negative, let a):
                if a.sign == 0 { kind = .zero(negative: negative); return }
                let q = a.floorLog2
                if !f.hasZero && q < minExponent(f) { kind = .belowLeast(negative: negative); return }
                let t = f.hasZero ? Swift.max(q, minExponent(f)) : q
                let ulp = Rational.powerOfTwo(t - f.mantissaBits)
                let steps = (a / ulp).floor
                let lo = steps * ulp
                let hi = lo + ulp
                let mid = (lo + hi) / Rational(2)
                let versus = a < mid ? -1 : (a == mid ? 0 : 1)
                let mhi = fixed.largestFiniteValue
                func representableCode(_ r: Rational) -> UInt32? {
                    if r > mhi { return nil }
                    if negative && f.signedness == .unsigned { return r.sign == 0 ? Oracle.code(negative: false, magnitude: r, f) : nil }
                    return Oracle.code(negative: negative, magnitude: r, f)
                }
                kind = .between(Neighbours(negative: negative, nu: (a - lo) / ulp,
                                           versusMidpoint: versus, loIsEven: Oracle.isEven(lo, f),
                                           loCode: representableCode(lo), hiCode: representableCode(hi),
                                           loOverflows: lo > mhi, hiOverflows: hi > mhi, lo: lo, hi: hi))
            }
        }

        /// For a finite nonzero input that is not exactly on the grid: the two grid values around it
        /// (with the input's sign; `lo` nearer zero) and their exact midpoint. The grid is extended
        /// upward, so `hi` (and `lo`) can exceed the largest finite value. Nil for zero, infinity,
        /// NaN, values on the grid and values below the least value of a format without zero.
        public var neighbours: (lo: ExactValue, hi: ExactValue, midpoint: ExactValue)? {
            guard case .between(let n) = kind, !n.exact else { return nil }
            func signed(_ r: Rational) -> ExactValue { .finite(negative: n.negative, magnitude: r) }
            return (signed(n.lo), signed(n.hi), signed((n.lo + n.hi) / Rational(2)))
        }

        /// Whether the input lies exactly halfway between two grid values.
        public var isTie: Bool {
            guard case .between(let n) = kind else { return false }
            return !n.exact && n.versusMidpoint == 0
        }

        /// The code for this rounding and saturation mode. A NaN gives the format's NaN code with the
        /// NaN's sign where the format has NaN codes of both signs.
        public func code(rounding: RoundingMode, saturation: SaturationMode) -> UInt32 {
            let f = format
            switch kind {
            case .nan(let negative):
                return fixed.nan(negative: negative)
            case .infinity(let negative):
                if negative && f.signedness == .unsigned { return belowRange(saturation) }
                switch saturation {
                case .satFinite: return largestFiniteCode(negative: negative)
                case .satPropagate: return fixed.infinity(negative: negative) ?? largestFiniteCode(negative: negative)
                case .satNone: return nonSaturatingOverflow(negative: negative, rounding: nil)
                }
            case .zero(let negative):
                if !f.hasZero { return fixed.smallestNormal }
                return fixed.zero(negative: negative)
            case .belowLeast(let negative):
                // No zero to round to: every mode gives the least value (CUDA, PyTorch, gfloat >= PR 66).
                if negative { return belowRange(saturation) }
                return fixed.smallestNormal
            case .between(let n):
                let up = chooseNeighbour(n, rounding)
                if up ? n.hiOverflows : n.loOverflows {
                    if n.negative && f.signedness == .unsigned { return belowRange(saturation) }
                    if saturation != .satNone { return largestFiniteCode(negative: n.negative) }
                    return nonSaturatingOverflow(negative: n.negative, rounding: rounding)
                }
                // In range: the rounded value's code, or (negative, unsigned, nonzero) below the range.
                return (up ? n.hiCode : n.loCode) ?? belowRange(saturation)
            }
        }

        /// Whether the mode picks `hi`, the neighbour of larger magnitude (P3109 v4.0 section 4.2).
        func chooseNeighbour(_ n: Neighbours, _ rounding: RoundingMode) -> Bool {
            if n.exact { return false }
            switch rounding {
            case .nearestTiesToEven: return n.versusMidpoint > 0 || (n.versusMidpoint == 0 && !n.loIsEven)
            case .nearestTiesToAway: return n.versusMidpoint >= 0
            case .towardZero: return false
            case .towardPositive: return !n.negative
            case .towardNegative: return n.negative
            case .toOdd: return n.loIsEven
            case .stochasticA(let bits, let r):
                // floor(nu * 2^N) + R >= 2^N
                return (n.nu.timesPowerOfTwo(bits)).floor + Rational(Int(r)) >= Rational.powerOfTwo(bits)
            case .stochasticB(let bits, let r):
                // floor(nu * 2^(N+1)) + (2R + 1) >= 2^(N+1)
                return (n.nu.timesPowerOfTwo(bits + 1)).floor + Rational(2 * Int(r) + 1) >= Rational.powerOfTwo(bits + 1)
            case .stochasticC(let bits, let r):
                // RNITE(nu * 2^N) + R >= 2^N
                return Oracle.roundToNearestIntegerTiesToEven(n.nu.timesPowerOfTwo(bits)) + Rational(Int(r))
                    >= Rational.powerOfTwo(bits)
            }
        }

        func largestFiniteCode(negative: Bool) -> UInt32 { fixed.largestFinite(negative: negative) }

        func belowRange(_ saturation: SaturationMode) -> UInt32 { fixed.belowRange(saturation) }

        /// SatNone beyond the largest finite value (`rounding` nil: the input itself was infinite).
        /// P3109 v4.0 section 4.7.5: infinity where the format has one, except that roundings pointing
        /// toward zero give the largest finite value, and ToOdd on unsigned Extended formats gives Mhi.
        /// OCP OFP8 non-saturating: formats without infinity give NaN ("fn", "fnuz"); P3109 Finite
        /// formats and formats without specials give the largest finite value.
        func nonSaturatingOverflow(negative: Bool, rounding: RoundingMode?) -> UInt32 {
            let f = format
            if let rounding {
                let towardZero = rounding == .towardZero || (rounding == .towardNegative && !negative)
                    || (rounding == .towardPositive && negative)
                if towardZero { return largestFiniteCode(negative: negative) }
                if rounding == .toOdd && f.specialValues == .p3109Extended && f.signedness == .unsigned {
                    return largestFiniteCode(negative: negative)
                }
            }
            if let infinity = fixed.infinity(negative: negative) { return infinity }
            switch f.specialValues {
            case .nanAtAllOnes, .nanAtNegativeZero: return fixed.nan(negative: negative)
            default: return largestFiniteCode(negative: negative)
            }
        }
    }

    /// Whether a grid value counts as even for ties-to-even and to-odd (P3109 v4.0 section 4.2,
    /// "CodeIsEven"): zero is even; with precision P >= 2, the last bit of the integral significand
    /// `v / 2^(t - M)` decides; with P = 1, the biased exponent `Q + bias` decides.
    static func isEven(_ v: Rational, _ f: Format) -> Bool {
        if v.sign == 0 { return true }
        let q = v.floorLog2
        if f.mantissaBits == 0 { return (q + f.bias) % 2 == 0 }
        let t = f.hasZero ? Swift.max(q, minExponent(f)) : q
        return v.timesPowerOfTwo(f.mantissaBits - t).isEvenInteger
    }

    /// The nearest integer to `y >= 0`, ties to the even integer.
    static func roundToNearestIntegerTiesToEven(_ y: Rational) -> Rational {
        let down = y.floor
        let rest = y - down
        let half = Rational(1, 2)
        if rest < half { return down }
        if rest > half { return down + Rational(1) }
        return down.isEvenInteger ? down : down + Rational(1)
    }
}
