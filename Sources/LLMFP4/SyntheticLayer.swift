#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Minifloat

/// Transformer-like calibration data with the pattern LLM-FP4 describes (section 4.2, Fig. 2): high
/// variance between channels, low variance within a channel, and a few outlier channels.
/// Reproducible from a seed (SplitMix64 and Box-Muller; no platform random generator).
public struct SyntheticLayer: Sendable {
    /// The activations X (tokens x channels).
    public let activations: Matrix
    /// The weights W (channels x outputs).
    public let weights: Matrix

    /// - Parameters: `tokens` n, `channels` c, `outputs` o; `outlierChannels` of the c channels get a
    ///   scale `outlierScale` times larger.
    ///
    /// Channel j has scale `s_j = exp(1.5 z_j)` (log-normal: the channels' ranges span about
    /// three orders of magnitude), outliers times `outlierScale`; element
    /// `x_ij = s_j * (1 + 0.25 u_ij) * sign`: within a channel magnitudes vary by at most 25%.
    /// Weights are `N(0, 1/c)`.
    public init(seed: UInt64, tokens n: Int = 128, channels c: Int = 64, outputs o: Int = 64,
                outlierChannels: Int = 4, outlierScale: Double = 40) {
        var counter: UInt64 = 0
        func uniform() -> Double {
            counter += 1
            return (Double(RandomSource.splitMix64(seed: seed, index: counter) >> 11) + 0.5) / 9_007_199_254_740_992
        }
        func normal() -> Double { sqrt(-2 * log(uniform())) * cos(2 * Double.pi * uniform()) }
        var scales = (0..<c).map { _ in exp(1.5 * normal()) }
        for j in 0..<Swift.min(outlierChannels, c) { scales[(j * 7919) % c] *= outlierScale }
        var x = [Double](repeating: 0, count: n * c)
        for i in 0..<n {
            for j in 0..<c {
                let magnitude = scales[j] * (1 + 0.25 * (2 * uniform() - 1))
                x[i * c + j] = uniform() < 0.5 ? -magnitude : magnitude
            }
        }
        activations = Matrix(rows: n, columns: c, values: x)
        weights = Matrix(rows: c, columns: o, values: (0..<(c * o)).map { _ in normal() / sqrt(Double(c)) })
    }
}
