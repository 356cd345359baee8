#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Minifloat

/// The LLM-FP4 quantizer Q(x; e, m, b) as the paper's code evaluates it, in float64.
///
/// Liu et al., "LLM-FP4: 4-Bit Floating-Point Quantized Transformers", EMNLP 2023, Eqs. 4 and 7-9;
/// `quant_layers/fp_linear.py` `get_scale` in `nbasyl/LLM-FP4` (docs/llm-fp4.md section 1):
///
/// - clip to `[-Qmax, Qmax]`, `Qmax = (2 - 2^-m) * 2^(2^e - 1 - b)`;
/// - `p = max(floor(log2|x| + b), 1)` (`log2(0) = -inf` gives `p = 1`);
/// - `step = 2^(p - m - b)`; the result is `round_half_even(x / step) * step`.
///
/// The bias `b` is any real number; every code is finite (no Inf or NaN encodings) and the grid
/// has gradual underflow with step `2^(1 - m - b)` below `2^(1 - b)`. A NaN input gives NaN (as
/// the paper's code). For an integer `b` every step is exact and the result equals the core's
/// `Format.llmfp4(exponentBits: e, mantissaBits: m, bias: b)` with `SaturationMode.satFinite`
/// (tested). For a non-integer `b`, `log2`, `exp2` and the division each round, as in the paper's
/// code; `ExactFPQuantizer` is the same quantizer in exact arithmetic.
public struct FPQuantizer: Hashable, Sendable {
    /// Exponent field width E.
    public let exponentBits: Int
    /// Mantissa (trailing significand) field width M.
    public let mantissaBits: Int
    /// The paper's real exponent bias b (Eq. 7's b-tilde).
    public let bias: Double

    /// - Precondition: `exponentBits` in 1...8, `mantissaBits` in 0...23, `bias` finite.
    public init(exponentBits: Int, mantissaBits: Int, bias: Double) {
        precondition((1...8).contains(exponentBits) && (0...23).contains(mantissaBits) && bias.isFinite,
                     "LLM-FP4 formats have 1-8 exponent bits, 0-23 mantissa bits and a finite bias")
        self.exponentBits = exponentBits
        self.mantissaBits = mantissaBits
        self.bias = bias
    }

    /// The quantizer whose largest value is `maxValue` (Eq. 7:
    /// `b = 2^e - log2(maxValue) + log2(2 - 2^-m) - 1`). - Precondition: `maxValue > 0`, finite.
    public init(exponentBits: Int, mantissaBits: Int, maxValue: Double) {
        precondition(maxValue > 0 && maxValue.isFinite, "maxValue must be positive and finite")
        self.init(exponentBits: exponentBits, mantissaBits: mantissaBits,
                  bias: FPQuantizer.bias(maxValue: maxValue, exponentBits: exponentBits, mantissaBits: mantissaBits))
    }

    /// Eq. 7 (and Eq. 14 per channel): the bias that puts Qmax at `maxValue`.
    public static func bias(maxValue: Double, exponentBits e: Int, mantissaBits m: Int) -> Double {
        Double(1 << e) - log2(maxValue) + log2(2 - exp2(Double(-m))) - 1
    }

    /// Eq. 4: `Qmax = (2 - 2^-m) * 2^(2^e - 1 - b)`.
    public var qmax: Double {
        (2 - exp2(Double(-mantissaBits))) * exp2(Double((1 << exponentBits) - 1) - bias)
    }

    /// Q(x), as the paper's code computes it (in float64 rather than the code's float32).
    public func callAsFunction(_ x: Double) -> Double {
        if x.isNaN { return x }
        let limit = qmax
        let clipped = Swift.min(Swift.max(x, -limit), limit)
        let p = Swift.max((log2(Swift.abs(clipped)) + bias).rounded(.down), 1)
        let step = exp2(p - Double(mantissaBits) - bias)
        return (clipped / step).rounded(.toNearestOrEven) * step
    }

    /// The quantizer with bias `b + k`.
    public func shifted(by k: Int) -> FPQuantizer {
        FPQuantizer(exponentBits: exponentBits, mantissaBits: mantissaBits, bias: bias + Double(k))
    }
}
