import Minifloat

extension Oracle {
    /// A run of consecutive source bit patterns, `first...last`, that all encode to `code`.
    public struct CodeInterval: Hashable, Sendable {
        /// The first bit pattern of the run.
        public let first: UInt32
        /// The last bit pattern of the run (inclusive).
        public let last: UInt32
        /// The code every pattern of the run encodes to.
        public let code: UInt32
    }

    /// Every input of a source format (binary32, bfloat16 or binary16), as runs of consecutive bit
    /// patterns with the code the oracle gives each, in increasing bit order, covering all
    /// `2^bitWidth` patterns (positive values, +Inf, positive NaNs, then the same negative).
    ///
    /// How: a deterministic rounding mode can change its result only at a value of the target's
    /// grid (extended one point past the largest finite value) or at a midpoint between two
    /// adjacent grid values. Each such point is located among the source's values exactly (the
    /// largest source value at or below it), which cuts the source's bit patterns into runs
    /// holding no such point inside; the oracle is then asked for the code at both ends of each
    /// run, and the two must agree (otherwise this returns nil: the premise failed).
    /// - Precondition: `rounding` is deterministic; `source` is an IEEE-style format with infinities.
    public static func codeIntervals(_ f: Format, source: Format, rounding: RoundingMode,
                                     saturation: SaturationMode) -> [CodeInterval]? {
        precondition(!rounding.isStochastic && source.specialValues == .ieee && source.bitWidth <= 32)
        // The grid's positive values in increasing order, up to the first one beyond Mhi.
        let mhi = largestFinite(f).value
        var grid: [Rational] = f.hasZero ? [Rational(0)] : []
        var v = f.hasZero ? Rational(0) : Rational.powerOfTwo(minExponent(f))
        if !f.hasZero { grid.append(v) }
        while !(mhi < v) {
            let t = v.sign == 0 ? minExponent(f) : max(v.floorLog2, minExponent(f))
            v = v + Rational.powerOfTwo(t - f.mantissaBits)
            grid.append(v)
        }
        var points = grid
        for (a, b) in zip(grid, grid.dropFirst()) { points.append((a + b) / Rational(2)) }
        if !f.hasZero { points.append(Rational(0)) }

        // Source magnitudes: 0 ... infinity, then NaNs up to the magnitude mask.
        let infinity = infinityCode(source, negative: false)!
        let top = UInt32((1 << UInt64(source.bitWidth - 1)) - 1)
        let signBit = top + 1
        var cuts: Set<UInt32> = [0, infinity, infinity + 1]
        for c in points {
            let floorCode = Bracket(ExactValue(c), source).code(rounding: .towardZero, saturation: .satFinite)
            let exact = decode(floorCode, in: source) == ExactValue(c)
            if exact { cuts.insert(floorCode) }
            if floorCode + 1 < infinity { cuts.insert(floorCode + 1) }
        }
        let starts = cuts.sorted()
        var result: [CodeInterval] = []
        for sign in [UInt32(0), signBit] {
            for (k, start) in starts.enumerated() {
                let end = k + 1 < starts.count ? starts[k + 1] - 1 : top
                func oracleCode(_ magnitude: UInt32) -> UInt32 {
                    let bits = sign | magnitude
                    return Bracket(decode(bits, in: source), f).code(rounding: rounding, saturation: saturation)
                }
                let code = oracleCode(start)
                guard oracleCode(end) == code else { return nil }
                if let last = result.last, last.code == code, last.last &+ 1 == sign | start {
                    result[result.count - 1] = CodeInterval(first: last.first, last: sign | end, code: code)
                } else {
                    result.append(CodeInterval(first: sign | start, last: sign | end, code: code))
                }
            }
        }
        return result
    }
}
