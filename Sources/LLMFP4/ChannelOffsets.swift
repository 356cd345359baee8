/// Per-channel activation biases split into a shared real part and integer offsets (paper
/// section 4.2, Eqs. 14-15; docs/llm-fp4.md).
public enum ChannelOffsets {
    /// How the integer offset `k_j` of channel j is computed from its bias `b_j` and the shared `rho`.
    public enum Rule: String, Sendable, CaseIterable {
        /// Paper Eq. 15: `k_j = clip(round(b_j - rho), 0, 2^e - 1)`.
        case paper
        /// The released code (`fp_linear.py` lines 1007 and 1045):
        /// `k_j = clip(round(b_j) - round(rho), 0, 2^e - 1)`.
        case code
    }

    /// Eq. 14: the bias of a channel whose largest magnitude is `maxAbs`.
    public static func channelBias(maxAbs: Double, exponentBits e: Int, mantissaBits m: Int) -> Double {
        FPQuantizer.bias(maxValue: maxAbs, exponentBits: e, mantissaBits: m)
    }

    /// The integer offsets. `round` is round half to even (`torch.round`), and the clip range
    /// `[0, 2^e - 1]` is the paper's text ("integers within [0, 2^e - 1]") and the code's.
    public static func offsets(biases: [Double], rho: Double, exponentBits e: Int, rule: Rule) -> [Int] {
        let top = Double((1 << e) - 1)
        return biases.map { b in
            let raw: Double
            switch rule {
            case .paper: raw = (b - rho).rounded(.toNearestOrEven)
            case .code: raw = b.rounded(.toNearestOrEven) - rho.rounded(.toNearestOrEven)
            }
            return Int(Swift.min(Swift.max(raw, 0), top))
        }
    }

    /// The shared part's starting point (the search moves it): `rho = min_j b_j`.
    public static func initialRho(biases: [Double]) -> Double { biases.min() ?? 0 }
}
