import ArgumentParser
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

struct GenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gen",
        abstract: "Write test vectors for a quantizer to FORMAT, and optionally the reference answers.",
        discussion: """
            In the spirit of Berkeley TestFloat's testfloat_gen, but aimed at one format. The cases, in \\
            the source type (--from), in this order: signed zeros, infinities and NaNs; every finite \\
            value of FORMAT and the source values 1 ulp either side; every exact midpoint between \\
            adjacent values (and the nearest source values when the midpoint is not one) and 1 ulp \\
            either side; the overflow threshold (the largest finite value, the midpoint above it, the \\
            next grid point, twice the largest) and 1 ulp either side; the subnormal boundaries (the \\
            least subnormal, half of it, the least normal) and 1 ulp either side; the source type's own \\
            extremes; then --count seeded random values (half uniform over the source's bit patterns, \\
            half log-uniform over FORMAT's range). --level 2 adds 2 and 3 ulps either side and the \\
            quarter points. Duplicates are dropped; the same options give the same file.

            --expected writes the reference codes (computed by the exact oracle) as uint8 (uint16 for \\
            wider formats). For stochastic rounding, --random-output writes the random integers R_i \\
            (uint32) used for the expected codes; give it to 'verify --random-values'.
            """)

    @Argument(help: "A format name (see 'minifloat formats').") var format: String
    @Option(help: "rne | rna | rtz | rtp | rtn | rto | sra | srb | src.") var rounding = "rne"
    @Option(help: "satfinite | satpropagate | satnone.") var saturation = "satnone"
    @Option(help: "The source type of the cases: f32 | f64 | f16 | bf16.") var from = "f32"
    @Option(help: "1 (default) or 2 (more cases near every boundary).") var level = 1
    @Option(help: "How many seeded random cases (default 10000 at level 1, 100000 at level 2).") var count: Int?
    @Option(help: "Seed of the random cases (and of R_i for stochastic rounding).") var seed: UInt64 = 1
    @Option(help: "Stochastic rounding: the number of random bits N.") var randomBits: Int?
    @Option(help: "Where to write the cases (.npy, .txt or raw).") var output: String
    @Option(help: "Where to write the reference codes.") var expected: String?
    @Option(help: "Stochastic rounding: where to write the random integers R_i (uint32 .npy).") var randomOutput: String?

    func run() throws {
        let f = try lookUpFormat(format)
        let sat = try parseSaturation(saturation)
        let stochastic = RoundingMode.isStochastic(shortName: rounding)
        let mode = try parseRounding(rounding, bits: randomBits, random: stochastic ? 0 : nil)
        if stochastic && expected != nil && randomOutput == nil {
            throw CLIError("stochastic expected codes depend on R_i: give --random-output R.npy as well")
        }
        if !stochastic && randomOutput != nil { throw CLIError("--random-output applies only to stochastic rounding") }
        guard level == 1 || level == 2 else { throw CLIError("--level must be 1 or 2 (got \(level))") }
        let randomCount = count ?? (level == 1 ? 10_000 : 100_000)
        guard (0...100_000_000).contains(randomCount) else {
            throw CLIError("--count must be 0 to 100000000 (got \(randomCount))")
        }
        guard f.bitWidth <= 16 else { throw CLIError("\(f.name) has \(f.bitWidth) bits; gen handles formats of at most 16 bits") }
        guard let source = SourceType(rawValue: from) else {
            throw CLIError("unknown --from '\(from)': use f32, f64, f16 or bf16")
        }
        let cases = GenCases(f, source: source, level: level, randomCount: randomCount, seed: seed).values
        let type = source.elementType
        let header = NpyHeader(elementType: type, shape: [cases.count])
        try writeArray(cases, width: type.byteCount, header: header, to: output,
                       text: { source.exact($0).description })
        if let expected {
            var progress = Progress("gen expected", total: cases.count)
            let codes = cases.enumerated().map { i, bits -> UInt32 in
                if i % 65536 == 0 { progress.update(i) }
                let x = source.exact(bits)
                let m = stochastic ? mode.withRandom(randomValue(i, mode)) : mode
                return Oracle.Bracket(x, f).code(rounding: m, saturation: sat, nanNegative: source.signBit(bits))
            }
            progress.finish()
            let codeType: ElementType = f.bitWidth <= 8 ? .uint8 : .uint16
            try writeArray(codes.map(UInt64.init), width: codeType.byteCount,
                           header: NpyHeader(elementType: codeType, shape: [codes.count]), to: expected,
                           text: { hexCode(UInt32($0), f) })
        }
        if let randomOutput {
            let values = (0..<cases.count).map { UInt64(randomValue($0, mode)) }
            try writeArray(values, width: 4, header: NpyHeader(elementType: .uint32, shape: [values.count]),
                           to: randomOutput, text: { String($0) })
        }
    }

    /// R_i: the top N bits of SplitMix64's (i+1)-th output from `seed ^ 0x5EED` (a different stream
    /// from the random cases').
    func randomValue(_ i: Int, _ mode: RoundingMode) -> UInt64 {
        RandomSource.seed(seed ^ 0x5EED).value(at: i, bits: mode.randomBits)
    }

    /// Writes little-endian elements of `width` bytes as .npy, text (`text` per line) or raw.
    func writeArray(_ elements: [UInt64], width: Int, header: NpyHeader, to path: String,
                    text: (UInt64) -> String) throws {
        let layout = OutputLayout(path: path)
        do {
            let out = try ArrayOutput(path: path, layout: layout == .npy ? .npy(header) : .raw)
            if layout == .text {
                try out.write(elements.map { text($0) + "\n" }.joined())
            } else {
                var bytes: [UInt8] = []
                bytes.reserveCapacity(elements.count * width)
                for e in elements { for k in 0..<width { bytes.append(UInt8(truncatingIfNeeded: e >> UInt64(8 * k))) } }
                try out.write(bytes)
            }
            try out.commit()
        } catch let e as ArrayFileError { throw CLIError(e.description) }
    }
}

/// The source types of test vectors: bit patterns, exact values, and ulp steps.
enum SourceType: String {
    case f32, f64, f16, bf16

    var elementType: ElementType {
        switch self {
        case .f32: return .float32
        case .f64: return .float64
        case .f16: return .float16
        case .bf16: return .bfloat16
        }
    }

    var width: Int { elementType.byteCount * 8 }
    var signMask: UInt64 { 1 << UInt64(width - 1) }

    /// The format describing the type (nil for float64, which is a Double).
    var format: Format? {
        switch self {
        case .f32: return .binary32
        case .f16: return .binary16
        case .bf16: return .bfloat16
        case .f64: return nil
        }
    }

    func double(_ bits: UInt64) -> Double { elementType.doubleValue(bits: bits) }

    func exact(_ bits: UInt64) -> ExactValue { ExactValue(double(bits)) }
    func signBit(_ bits: UInt64) -> Bool { bits & signMask != 0 }

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

/// The cases `gen` writes, deterministic for given options.
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
