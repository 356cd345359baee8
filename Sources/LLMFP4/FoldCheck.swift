import Minifloat
import MinifloatOracle

/// A per-channel search result folded for real, with the exactness check on the data it came from.
public struct FoldCheck {
    /// The folded layer (exact quantizers).
    public let layer: FoldedLinear
    /// Qmax of the per-tensor activation quantizer (bias rho) and of each weight column.
    public let activationQmax: Double
    /// Qmax of each weight column's quantizer.
    public let weightQmax: [Double]
    /// The activation codes (n x c): `x_ij * 2^k_j` quantized with rho.
    public let activationCodes: [[UInt32]]
    /// Whether the folded layer's output equals the unfolded one on X, exactly, and how many outputs.
    public let lossless: Bool
    /// How many outputs were compared.
    public let outputsCompared: Int

    /// Builds exact quantizers with the same Qmax as the result's (float) quantizers, so their
    /// biases are the searched ones up to the rounding of one `exp2`; folds; compares
    /// `sum_j Q(x_ij; rho + k_j) Qw(W_jk)` with `sum_j Q(2^k_j x_ij; rho) Qw'(W_jk)` in rational arithmetic.
    public init(activations x: Matrix, weights w: Matrix, result r: FPQSearch.Result) throws {
        precondition(r.offsets.count == x.columns, "a per-channel search result is needed")
        let af = r.activationFormat, wf = r.weightFormat
        activationQmax = FPQuantizer(exponentBits: af.exponentBits, mantissaBits: af.mantissaBits, bias: r.activationBias).qmax
        weightQmax = r.weightBiases.map { FPQuantizer(exponentBits: wf.exponentBits, mantissaBits: wf.mantissaBits, bias: $0).qmax }
        let activation = try ExactFPQuantizer(exponentBits: af.exponentBits, mantissaBits: af.mantissaBits,
                                              maxValue: Rational(exactly: activationQmax))
        let weightQuantizers = try weightQmax.map {
            try ExactFPQuantizer(exponentBits: wf.exponentBits, mantissaBits: wf.mantissaBits, maxValue: Rational(exactly: $0))
        }
        let wr = (0..<w.rows).map { j in (0..<w.columns).map { k in Rational(exactly: w[j, k]) } }
        let xr = (0..<x.rows).map { i in (0..<x.columns).map { j in Rational(exactly: x[i, j]) } }
        layer = FoldedLinear(weights: wr, weightQuantizers: weightQuantizers, activation: activation, offsets: r.offsets)
        activationCodes = layer.activationCodes(xr)
        let folded = try layer.output(xr), unfolded = try layer.unfoldedOutput(xr)
        lossless = folded == unfolded
        outputsCompared = folded.count * (folded.first?.count ?? 0)
    }
}
