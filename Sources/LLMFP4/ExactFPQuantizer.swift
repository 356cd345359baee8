import Minifloat
import MinifloatOracle

/// The LLM-FP4 quantizer in exact arithmetic, for a real bias written as an integer and a rational
/// scale: `b = B - log2(alpha)`, so that `2^(-b) = alpha * 2^(-B)` (paper Eqs. 5-6 fold a tensor
/// scale alpha into the bias the same way).
///
/// Then `floor(log2|x| + b) = floor(log2|x / alpha| + B)` and `2^(p - m - b) = alpha * 2^(p - m - B)`,
/// so `Q(x; b) = alpha * Q(x / alpha; B)`: the input divided by alpha, exactly, is rounded once on
/// the grid of `Format.llmfp4(exponentBits: e, mantissaBits: m, bias: B)` (every code finite; the
/// same grid) after the paper's clip, and the grid value is multiplied by alpha. Every rounding
/// mode of the core works; the paper uses `nearestTiesToEven` (`torch.round`). All arithmetic is on
/// GMP rationals, transcribing the paper's formula (it shares no rounding code with the oracle).
public struct ExactFPQuantizer {
    /// Exponent field width E.
    public let exponentBits: Int
    /// Mantissa (trailing significand) field width M.
    public let mantissaBits: Int
    /// The integer part B of the bias.
    public let integerBias: Int
    /// The scale alpha > 0.
    public let scale: Rational
    /// The integer-bias grid: `e<E>m<M>b<B>`.
    public let format: Format

    /// - Throws: if the format cannot be built (see `Format.llmfp4`). - Precondition: `scale > 0`.
    public init(exponentBits: Int, mantissaBits: Int, integerBias: Int, scale: Rational = Rational(1)) throws {
        precondition(scale.sign > 0, "the scale must be positive")
        format = try Format.llmfp4(exponentBits: exponentBits, mantissaBits: mantissaBits, bias: integerBias)
        self.exponentBits = exponentBits
        self.mantissaBits = mantissaBits
        self.integerBias = integerBias
        self.scale = scale
    }

    /// The quantizer whose largest value is exactly `maxValue` (Eq. 7), with integer part B = 0:
    /// `alpha = maxValue / ((2 - 2^-m) 2^(2^e - 1))`.
    public init(exponentBits: Int, mantissaBits: Int, maxValue: Rational) throws {
        let q = try ExactFPQuantizer(exponentBits: exponentBits, mantissaBits: mantissaBits, integerBias: 0)
        try self.init(exponentBits: exponentBits, mantissaBits: mantissaBits, integerBias: 0, scale: maxValue / q.qmax)
    }

    /// `Qmax = alpha * (2 - 2^-m) * 2^(2^e - 1 - B)`.
    public var qmax: Rational {
        scale * Oracle.largestFinite(format).value
    }

    /// The code of Q(x) in `format` (the code whose value times alpha is Q(x)).
    public func code(_ x: ExactValue, rounding: RoundingMode = .nearestTiesToEven) -> UInt32 {
        guard let r = x.rational else {
            if case .infinity(let negative) = x { return code(ExactValue(negative ? -qmax : qmax), rounding: rounding) }
            return Oracle.Bracket(x, format).code(rounding: rounding, saturation: .satFinite)
        }
        let q = callAsFunction(r, rounding: rounding)
        // Q(x) / alpha is a grid value: its code, read exactly.
        return Oracle.Bracket(ExactValue(q / scale), format).code(rounding: .towardZero, saturation: .satFinite)
    }

    /// The value of a code: `alpha * (the code's grid value)`.
    public func value(ofCode code: UInt32) -> Rational {
        scale * Oracle.decode(code, in: format).rational!
    }

    /// Q(x) exactly, transcribing the paper's formula (Eqs. 8-9) with `y = x / alpha` and the
    /// integer bias B: clip y to `[-Qmax_B, Qmax_B]`; `p = max(floor(log2|y|) + B, 1)` (p = 1 for
    /// y = 0); `step = 2^(p - m - B)`; `t = |y| / step` rounded to an integer n by `rounding`; the
    /// result is `sign(y) * n * step * alpha`.
    ///
    /// Rounding acts on the integer multiple of the step, as the paper's `round(x / step)`: ties to
    /// even means an even n. For m >= 1 this is the core's rule (an even significand); for m = 0
    /// (E3M0) normal ties have n in {1, 2} and go up, while the core's P = 1 formats follow P3109's
    /// CodeIsEven rule (docs/llm-fp4.md). Directed modes act on the signed value; to-odd picks the
    /// odd n; stochastic modes use `nu = t - floor(t)` with P3109's formulas (4.2).
    public func callAsFunction(_ x: Rational, rounding: RoundingMode = .nearestTiesToEven) -> Rational {
        let y = x / scale
        let negative = y.sign < 0
        let limit = Oracle.largestFinite(format).value
        let a = Swift.min(y.magnitude, limit)
        if a.sign == 0 { return Rational(0) }
        let p = Swift.max(a.floorLog2 + integerBias, 1)
        let step = Rational.powerOfTwo(p - mantissaBits - integerBias)
        let t = a / step
        let lo = t.floor
        let nu = t - lo
        var up: Bool
        if nu.sign == 0 {
            up = false
        } else {
            let half = Rational(1, 2)
            switch rounding {
            case .nearestTiesToEven: up = nu > half || (nu == half && !lo.isEvenInteger)
            case .nearestTiesToAway: up = nu >= half
            case .towardZero: up = false
            case .towardPositive: up = !negative
            case .towardNegative: up = negative
            case .toOdd: up = lo.isEvenInteger
            case .stochasticA(let n, let r):
                up = nu.timesPowerOfTwo(n).floor + Rational(Int(r)) >= Rational.powerOfTwo(n)
            case .stochasticB(let n, let r):
                up = nu.timesPowerOfTwo(n + 1).floor + Rational(2 * Int(r) + 1) >= Rational.powerOfTwo(n + 1)
            case .stochasticC(let n, let r):
                up = ExactFPQuantizer.nearestIntegerTiesToEven(nu.timesPowerOfTwo(n)) + Rational(Int(r)) >= Rational.powerOfTwo(n)
            }
        }
        let magnitude = (up ? lo + Rational(1) : lo) * step * scale
        return negative ? -magnitude : magnitude
    }

    /// RNITE: the nearest integer to `y >= 0`, ties to the even integer.
    static func nearestIntegerTiesToEven(_ y: Rational) -> Rational {
        let f = y.floor
        let d = y - f
        let half = Rational(1, 2)
        if d < half || (d == half && f.isEvenInteger) { return f }
        return f + Rational(1)
    }

    /// The quantizer with bias `b + k`: integer part `B + k`, the same scale. Its codes are the same
    /// bit patterns and its values are `2^-k` times (`Q(x; b + k) = 2^-k Q(2^k x; b)`).
    public func shifted(by k: Int) throws -> ExactFPQuantizer {
        try ExactFPQuantizer(exponentBits: exponentBits, mantissaBits: mantissaBits, integerBias: integerBias + k,
                             scale: scale)
    }
}
