import Minifloat
import MinifloatIO
import MinifloatOracle
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Test vectors for a quantizer to one format, in the spirit of Berkeley TestFloat's
/// `testfloat_gen`: inputs of a source type that probe every boundary of the format, and the
/// reference codes for them computed by the exact oracle.
///
/// The cases, in this order: signed zeros, infinities, quiet NaNs of both signs and a signalling
/// NaN; every finite value of the format and the source values 1 ulp either side; every exact
/// midpoint between adjacent values (or the source values either side of it when it is not one)
/// and 1 ulp either side; the overflow threshold (the largest finite value `Mhi`, `Mhi + ulp/2`,
/// the next grid point, `2 Mhi`) and 1 ulp either side; the subnormal boundaries (half and a
/// quarter of the least positive value, the least normal) and 1 ulp either side; the source type's
/// largest finite value and least subnormal; then `randomCount` seeded random cases (half any bit
/// pattern of the source type, half log-uniform over the format's range). Level 2 adds 2 and 3 ulps
/// either side and the quarter points between neighbours. Duplicates are dropped; the same
/// arguments give the same cases.
public struct TestVectors: Sendable {
    /// The format the cases probe.
    public let format: Format
    /// The source type: float32, float64, float16 or bfloat16.
    public let source: ElementType
    /// The cases as bit patterns of the source type, in order.
    public let bits: [UInt64]
    /// The seed of the random cases (the random values R_i of stochastic modes come from
    /// `seed ^ 0x5EED`, a different stream).
    public let seed: UInt64

    /// The cases for `format` from `source` at `level` (1 or 2) with `randomCount` random cases
    /// (default 10,000 at level 1, 100,000 at level 2). Throws a ``VerifyError`` for a format wider
    /// than 16 bits, an integer source type, a level other than 1 or 2, or more than 10^8 random cases.
    public init(format: Format, source: ElementType = .float32, level: Int = 1, randomCount: Int? = nil, seed: UInt64 = 1) throws {
        guard level == 1 || level == 2 else { throw VerifyError("the level must be 1 or 2 (got \(level))") }
        let count = randomCount ?? (level == 1 ? 10_000 : 100_000)
        guard (0...100_000_000).contains(count) else { throw VerifyError("the number of random cases must be 0 to 100000000 (got \(count))") }
        guard format.bitWidth <= 16 else {
            throw VerifyError("\(format.name) has \(format.bitWidth) bits; test vectors are made for formats of at most 16 bits")
        }
        guard source.isFloatingPoint else { throw VerifyError("test vectors are floats, not \(source.numpyName)") }
        self.format = format
        self.source = source
        self.seed = seed
        bits = GenCases(format, source: SourceType(elementType: source), level: level, randomCount: count, seed: seed).values
    }

    /// The number of cases.
    public var count: Int { bits.count }

    /// Case `i`'s exact value.
    public func value(_ i: Int) -> ExactValue { source.exactValue(bits: bits[i]) }

    /// R_i for stochastic rounding with `randomBits` bits: the seeded stream from `seed ^ 0x5EED`
    /// (``RandomSource/seed(_:)``, ``RandomSource/value(at:bits:)``).
    public func randomValue(_ i: Int, randomBits: Int) -> UInt64 {
        RandomSource.seed(seed ^ 0x5EED).value(at: i, bits: randomBits)
    }

    /// The reference code of every case under `rounding` and `saturation`, by the exact oracle
    /// (a stochastic mode takes ``randomValue(_:randomBits:)`` for case i). `progress` is called
    /// with the number of cases done now and then.
    public func expectedCodes(rounding: RoundingMode, saturation: SaturationMode,
                              progress: ((Int) -> Void)? = nil) -> [UInt32] {
        bits.indices.map { i in
            if i % 65536 == 0 { progress?(i) }
            let m = rounding.isStochastic ? rounding.withRandom(randomValue(i, randomBits: rounding.randomBits)) : rounding
            return Oracle.Bracket(value(i), format).code(rounding: m, saturation: saturation)
        }
    }
}

/// The source types of test vectors: bit patterns, exact values, and ulp steps.
struct SourceType {
    let elementType: ElementType

    var width: Int { elementType.byteCount * 8 }
    var signMask: UInt64 { 1 << UInt64(width - 1) }

    /// The format describing the type (nil for float64, which is a Double).
    var format: Format? {
        switch elementType {
        case .float32: return .binary32
        case .float16: return .binary16
        case .bfloat16: return .bfloat16
        default: return nil
        }
    }

    func double(_ bits: UInt64) -> Double { elementType.doubleValue(bits: bits) }

    func exact(_ bits: UInt64) -> ExactValue { ExactValue(double(bits)) }
    func signBit(_ bits: UInt64) -> Bool { elementType.signBit(bits: bits) }

    /// The bits of `x` rounded to this type with `mode` (towardZero, towardPositive, ... or RNE).
    func round(_ x: Double, _ mode: RoundingMode) -> UInt64 {
        guard let format else { return x.bitPattern }
        return UInt64(format.encode(x, rounding: mode, saturation: .satNone))
    }

    /// The bits of `x` if it is exactly a value of this type.
    func exactBits(_ x: Double) -> UInt64? {
        let b = round(x, .towardZero)
        return double(b) == x || (x.isNaN && double(b).isNaN) ? (x == 0 ? (x.sign == .minus ? signMask : 0) : b) : nil
    }

    /// The value `steps` ulps away (in order of value; -0 and +0 are one point), nil past infinity.
    func step(_ bits: UInt64, _ steps: Int) -> UInt64? {
        let magnitude = bits & ~signMask
        let ordinal = signBit(bits) ? -Int64(magnitude) : Int64(magnitude)
        let next = ordinal + Int64(steps)
        let infinity = Int64(round(.infinity, .nearestTiesToEven))
        guard abs(next) <= infinity else { return nil }
        return next >= 0 ? UInt64(next) : signMask | UInt64(-next)
    }
}

/// The cases, deterministic for given options.
struct GenCases {
    private(set) var values: [UInt64] = []
    private var seen = Set<UInt64>()

    init(_ f: Format, source: SourceType, level: Int, randomCount: Int, seed: UInt64) {
        let ulps = level == 1 ? [1] : [1, 2, 3]
        func add(_ bits: UInt64?) {
            guard let bits, !seen.contains(bits) else { return }
            seen.insert(bits)
            values.append(bits)
        }
        /// `x` if it is a value of the source type, else the source values either side; plus ulps around.
        func addAround(_ x: Double) {
            guard !x.isNaN else { return }
            let centres: [UInt64]
            if let b = source.exactBits(x) { centres = [b] } else {
                centres = [source.round(x, .towardNegative), source.round(x, .towardPositive)]
            }
            for c in centres {
                add(c)
                for u in ulps { add(source.step(c, -u)); add(source.step(c, u)) }
            }
        }
        // Specials.
        add(source.exactBits(0)); add(source.exactBits(-0.0))
        add(source.round(.infinity, .nearestTiesToEven)); add(source.round(-.infinity, .nearestTiesToEven))
        let quietNaN = source.round(.nan, .nearestTiesToEven)
        add(quietNaN); add(quietNaN | source.signMask)
        add(source.round(.infinity, .nearestTiesToEven) | 1)  // a signalling NaN (payload 1)
        // Every finite value and the midpoints between neighbours, both signs.
        let finite = (0...f.maxCode).filter { [.zero, .subnormal, .normal].contains(f.classify($0)) }
        let magnitudes = Set(finite.map { abs(f.decode($0)) }).sorted()
        for sign in [1.0, -1.0] {
            for (k, v) in magnitudes.enumerated() {
                addAround(sign * v)
                if k + 1 < magnitudes.count {
                    let w = magnitudes[k + 1]
                    addAround(sign * (v + w) / 2)
                    if level == 2 { addAround(sign * (3 * v + w) / 4); addAround(sign * (v + 3 * w) / 4) }
                }
            }
            // Overflow threshold: Mhi, the midpoint above it, the next grid point, 2 Mhi.
            if let mhi = magnitudes.last, magnitudes.count >= 2 {
                let ulp = f.exponentBits == 0 ? mhi - magnitudes[magnitudes.count - 2]
                    : Double(sign: .plus, exponent: mhi.exponent - f.mantissaBits, significand: 1)
                for x in [mhi + ulp / 2, mhi + ulp, 2 * mhi] { addAround(sign * x) }
            }
            // Subnormal boundaries: the least positive value, half of it, and the least normal.
            if let least = magnitudes.first(where: { $0 > 0 }) {
                addAround(sign * least / 2)
                addAround(sign * least / 4)
            }
            let leastNormal = Double(sign: .plus, exponent: f.minExponent, significand: 1)
            addAround(sign * leastNormal)
            // The source type's own extremes.
            let maxFinite = source.step(source.round(.infinity, .nearestTiesToEven), -1)!
            add(sign > 0 ? maxFinite : maxFinite | source.signMask)
            add(sign > 0 ? 1 : 1 | source.signMask)  // the least subnormal of the source
        }
        // Seeded random cases.
        let lo = magnitudes.first(where: { $0 > 0 }) ?? 1, hi = magnitudes.last ?? 1
        let logLo = binaryLogarithm(lo) - 2, logHi = binaryLogarithm(hi) + 2
        var i: UInt64 = 0
        var added = 0
        while added < randomCount {
            let r = RandomSource.splitMix64(seed: seed, index: i)
            i += 1
            let before = values.count
            if r & 1 == 0 {
                // Any bit pattern of the source type.
                add(RandomSource.splitMix64(seed: seed &+ 1, index: i) & (source.signMask << 1 &- 1))
            } else {
                let u = Double(r >> 12 & 0xFFFFF_FFFF) / Double(1 << 40)
                let x = binaryExponential(logLo + u * (logHi - logLo)) * (r & 2 == 0 ? 1 : -1)
                add(source.round(x, .nearestTiesToEven))
            }
            if values.count > before { added += 1 }
            if i > UInt64(randomCount) * 4 + 1000 { break }  // tiny source types run out of new patterns
        }
    }
}

private func binaryLogarithm(_ x: Double) -> Double { log2(x) }
private func binaryExponential(_ x: Double) -> Double { exp2(x) }
