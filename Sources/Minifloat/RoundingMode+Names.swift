extension RoundingMode {
    /// The mode whose ``shortName`` is `shortName` (any letter case): `rne`, `rna`, `rtz`, `rtp`,
    /// `rtn`, `rto`, or the stochastic `sra`, `srb`, `src`, which take `randomBits` (N) and `random`
    /// (R). Nil for any other name. Whether N and R are in range is ``isValid``; this does not check.
    public init?(shortName: String, randomBits: Int = 1, random: UInt64 = 0) {
        switch shortName.lowercased() {
        case "rne": self = .nearestTiesToEven
        case "rna": self = .nearestTiesToAway
        case "rtz": self = .towardZero
        case "rtp": self = .towardPositive
        case "rtn": self = .towardNegative
        case "rto": self = .toOdd
        case "sra": self = .stochasticA(bits: randomBits, random: random)
        case "srb": self = .stochasticB(bits: randomBits, random: random)
        case "src": self = .stochasticC(bits: randomBits, random: random)
        default: return nil
        }
    }

    /// Whether `shortName` names a stochastic mode (`sra`, `srb`, `src`, any letter case).
    public static func isStochastic(shortName: String) -> Bool {
        RoundingMode(shortName: shortName)?.isStochastic ?? false
    }

    /// Every short name, deterministic modes first.
    public static let shortNames = ["rne", "rna", "rtz", "rtp", "rtn", "rto", "sra", "srb", "src"]
}

extension SaturationMode {
    /// The mode whose ``shortName`` is `shortName` (any letter case): `satfinite`, `satpropagate`,
    /// `satnone`, or `ovfinf` (P3109 v3's name for `satnone`). Nil for any other name.
    public init?(shortName: String) {
        switch shortName.lowercased() {
        case "satfinite": self = .satFinite
        case "satpropagate": self = .satPropagate
        case "satnone", "ovfinf": self = .satNone
        default: return nil
        }
    }
}
