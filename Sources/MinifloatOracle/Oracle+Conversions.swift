import Minifloat

extension Oracle {
    /// The Double nearest to an exact value, ties to even, overflow to +-Inf (IEEE 754-2019 section
    /// 4.3.1 roundTiesToEven). NaN gives NaN; the sign of zero is kept.
    public static func nearestDouble(_ x: ExactValue) -> Double {
        switch x {
        case .nan(let negative): return negative ? -.nan : .nan
        case .infinity(let negative): return negative ? -.infinity : .infinity
        case .finite(let negative, let a):
            let signed: (Double) -> Double = { negative ? -$0 : $0 }
            if a.sign == 0 { return signed(0) }
            // binary64: 53-bit significand, smallest normal exponent -1022, largest finite (2 - 2^-52) 2^1023.
            let t = Swift.max(a.floorLog2, -1022)
            let ulp = Rational.powerOfTwo(t - 52)
            let steps = roundToNearestIntegerTiesToEven(a / ulp)
            let largest = (Rational(2) - Rational.powerOfTwo(-52)).timesPowerOfTwo(1023)
            if steps * ulp > largest { return signed(.infinity) }
            // steps <= 2^53 and t - 52 >= -1074: the product is a Double, so this is exact.
            return signed(Double(sign: .plus, exponent: t - 52, significand: Double(steps.uint64!)))
        }
    }

    /// An exact value rounded to nearest-even in `f` (an IEEE-style format such as binary32,
    /// binary16 or bfloat16), as that format's exact value: what a user's array of that type holds.
    public static func nearest(_ x: ExactValue, in f: Format) -> ExactValue {
        let code = Bracket(x, f).code(rounding: .nearestTiesToEven, saturation: .satNone)
        return decode(code, in: f)
    }
}
