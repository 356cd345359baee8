import Minifloat
import MinifloatOracle

/// A linear layer `Y = X W` (X: n x c activations, W: c x o weights) with per-channel activation
/// biases `rho + k_j`, re-parameterized as the paper proposes (section 4.2, Eqs. 16-19) and folded
/// for real: the integer offsets `k_j` leave the activations, which are quantized with the one
/// per-tensor bias `rho` after channel j is scaled by `2^k_j`, and move into the weights, whose
/// row j keeps its codes while its exponent bias grows by `k_j`.
///
/// Exactness: `Q(x; rho + k) = 2^-k Q(2^k x; rho)` for every integer k (and the same code), and a
/// code read with bias `B + k` is `2^-k` times the code read with bias B, so every term
/// `Q(x_ij; rho + k_j) Qw(W_jo)` equals `Q(2^k_j x_ij; rho) Qw'(W_jo)` with `Qw'` the folded weight.
/// `output(_:)` and `unfoldedOutput(_:)` compute both sides in exact rational arithmetic; the tests
/// check that they agree.
public struct FoldedLinear {
    /// The per-tensor activation quantizer (bias rho).
    public let activation: ExactFPQuantizer
    /// The integer offsets k_j, one per input channel (row of W).
    public let offsets: [Int]
    /// The weight quantizer of each output column o, before folding.
    public let weightQuantizers: [ExactFPQuantizer]
    /// The weight codes, c x o: the same codes before and after folding.
    public let weightCodes: [[UInt32]]

    /// Quantizes W (c x o) column by column with `weightQuantizers` and records the offsets.
    /// - Precondition: `offsets.count == W.count`, every row of W has `weightQuantizers.count` entries.
    public init(weights: [[Rational]], weightQuantizers: [ExactFPQuantizer], activation: ExactFPQuantizer,
                offsets: [Int], rounding: RoundingMode = .nearestTiesToEven) {
        precondition(offsets.count == weights.count, "one offset per row of W (input channel)")
        precondition(weights.allSatisfy { $0.count == weightQuantizers.count }, "one weight quantizer per column of W")
        self.activation = activation
        self.offsets = offsets
        self.weightQuantizers = weightQuantizers
        weightCodes = weights.map { row in
            row.indices.map { o in weightQuantizers[o].code(ExactValue(row[o]), rounding: rounding) }
        }
    }

    /// The folded weight format of row j, column o: the column's grid with exponent bias `B_o + k_j`.
    public func foldedWeightQuantizer(row j: Int, column o: Int) throws -> ExactFPQuantizer {
        try weightQuantizers[o].shifted(by: offsets[j])
    }

    /// The folded weight (j, o): the unchanged code read with the shifted bias.
    public func foldedWeight(row j: Int, column o: Int) throws -> Rational {
        try foldedWeightQuantizer(row: j, column: o).value(ofCode: weightCodes[j][o])
    }

    /// The activation codes: `x_ij * 2^k_j` quantized with the per-tensor bias rho.
    public func activationCodes(_ x: [[Rational]], rounding: RoundingMode = .nearestTiesToEven) -> [[UInt32]] {
        x.map { row in
            row.indices.map { j in activation.code(ExactValue(row[j].timesPowerOfTwo(offsets[j])), rounding: rounding) }
        }
    }

    /// The folded layer's output: per-tensor activation codes times folded weights, summed exactly.
    public func output(_ x: [[Rational]], rounding: RoundingMode = .nearestTiesToEven) throws -> [[Rational]] {
        let codes = activationCodes(x, rounding: rounding)
        let folded = try weightCodes.indices.map { j in try weightCodes[j].indices.map { o in try foldedWeight(row: j, column: o) } }
        return codes.map { row in
            weightQuantizers.indices.map { o in
                row.indices.reduce(Rational(0)) { sum, j in sum + activation.value(ofCode: row[j]) * folded[j][o] }
            }
        }
    }

    /// The unfolded layer's output: `sum_j Q(x_ij; rho + k_j) * Qw_o(W_jo)`, per-channel activation
    /// biases and the weights as quantized, summed exactly.
    public func unfoldedOutput(_ x: [[Rational]], rounding: RoundingMode = .nearestTiesToEven) throws -> [[Rational]] {
        let channel = try offsets.map { try activation.shifted(by: $0) }
        let weights = weightCodes.indices.map { j in weightCodes[j].indices.map { o in weightQuantizers[o].value(ofCode: weightCodes[j][o]) } }
        return x.map { row in
            weightQuantizers.indices.map { o in
                row.indices.reduce(Rational(0)) { sum, j in sum + channel[j](row[j], rounding: rounding) * weights[j][o] }
            }
        }
    }
}
