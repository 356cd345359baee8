import Minifloat
import MinifloatOracle

/// Catalog formats of at most `bits` bits.
func catalogFormats(upToBits bits: Int) -> [Format] {
    Format.catalog.map(\.format).filter { $0.bitWidth <= bits }
}

/// Extra LLM-FP4 formats with non-default biases (the catalog has the default ones).
let llmfp4Variants: [Format] = [
    try! Format.llmfp4(exponentBits: 2, mantissaBits: 1, bias: -3),
    try! Format.llmfp4(exponentBits: 2, mantissaBits: 1, bias: 4),
    try! Format.llmfp4(exponentBits: 3, mantissaBits: 0, bias: 9),
    try! Format.llmfp4(exponentBits: 1, mantissaBits: 2, bias: 1),
]

/// All formats the exhaustive tests cover: every catalog format of at most 8 bits, plus LLM-FP4 variants.
let smallFormats: [Format] = catalogFormats(upToBits: 8) + llmfp4Variants

/// What the oracle says a Double encodes to.
func oracleCode(_ x: Double, _ f: Format, _ r: RoundingMode, _ s: SaturationMode) -> UInt32 {
    Oracle.Bracket(ExactValue(x), f).code(rounding: r, saturation: s)
}

func hex(_ c: UInt32) -> String { "0x" + String(c, radix: 16) }

/// R_i of the seeded stream as the documentation defines it, computed here from SplitMix64's
/// outputs (checked against the published ones in `ArrayTests`): the top `bits` bits of word `i`,
/// the low half of output i / 2 for even i, its high half for odd i.
func seededRandom(seed: UInt64, index: Int, bits: Int) -> UInt64 {
    let output = RandomSource.splitMix64(seed: seed, index: UInt64(index / 2))
    let word = index % 2 == 0 ? output & 0xFFFF_FFFF : output >> 32
    return word >> UInt64(32 - bits)
}
