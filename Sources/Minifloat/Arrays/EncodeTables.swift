import Synchronization

/// Lookup tables that make array encoding fast. Each is built from the scalar codec (the one
/// rounding kernel, ``Grid``), so it holds nothing the scalar codec does not; the sweep
/// (`minifloat sweep`) checks the result on every float32 input against the oracle.
///
/// The idea: the inputs of one table bucket (for float32, all 65,536 floats sharing their top 16
/// bits; for float64, the floats sharing sign, exponent and top 7 mantissa bits) form an interval
/// no wider than the gap between two rounding boundaries of a format with at most 7 mantissa
/// bits, at every exponent the format can represent. So within a bucket the code changes at most
/// once, and the bucket is described by two codes and the threshold where the second begins.
enum EncodeTables {
    struct Key: Hashable {
        let format: Format
        let rounding: RoundingMode
        let saturation: SaturationMode
        let source: SourceKind
    }

    enum SourceKind: Hashable { case float32Buckets, float64Buckets, float16Direct }

    private static let cache = TableCache<Key>(limit: 48)

    static func table<T: AnyObject & Sendable>(_ key: Key, build: () -> T) -> T {
        cache.table(key, build: build)
    }
}

/// Built tables by key, shared by all threads; emptied when it reaches `limit` entries.
final class TableCache<Key: Hashable & Sendable>: Sendable {
    private let tables = Mutex<[Key: any AnyObject & Sendable]>([:])
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    func table<T: AnyObject & Sendable>(_ key: Key, build: () -> T) -> T {
        if let hit = tables.withLock({ $0[key] }) { return hit as! T }
        let table = build()
        tables.withLock { tables in
            if tables.count >= limit { tables.removeAll() }
            tables[key] = table
        }
        return table
    }
}

extension Format {
    /// The exponent of the leading bit of the largest finite value.
    var maxFiniteExponent: Int {
        let (_, significand, exponent) = finiteValue(maxFiniteMagnitude)!
        return exponent + 63 - significand.leadingZeroBitCount
    }

    /// Whether the bucket tables apply: codes of at most 8 bits, at most 7 mantissa bits, and the
    /// smallest gap between values at least the width of a float32 bucket in float32's lowest
    /// binade (2^-133), so that no bucket holds two rounding boundaries.
    var bucketTablesApply: Bool {
        bitWidth <= 8 && mantissaBits <= 7 && minExponent - mantissaBits >= -133
    }
}

/// float32 (and bfloat16) to codes of at most 8 bits, for one deterministic rounding and saturation
/// mode. Entry `h` (the input's top 16 bits) is `low | high << 8 | threshold << 16`: the code is
/// `high` when the input's low 16 bits are at least `threshold` (1...0xFFFF), else `low`.
final class Float32BucketTable: Sendable {
    let entries: [UInt32]

    init(_ format: Format, rounding: RoundingMode, saturation: SaturationMode) {
        precondition(format.bucketTablesApply && !rounding.isStochastic)
        func code(_ bits: UInt32) -> UInt32 {
            format.encode(Float(bitPattern: bits), rounding: rounding, saturation: saturation)
        }
        var entries = [UInt32](repeating: 0, count: 1 << 16)
        for h in 0..<(1 << 16) {
            let base = UInt32(h) << 16
            let low = code(base), high = code(base | 0xFFFF)
            if low == high {
                entries[h] = low | low << 8 | 0xFFFF << 16
                continue
            }
            var a: UInt32 = 1, b: UInt32 = 0xFFFF  // code(base | b) == high
            while a < b {
                let m = (a + b) / 2
                if code(base | m) == high { b = m } else { a = m + 1 }
            }
            entries[h] = low | high << 8 | a << 16
        }
        self.entries = entries
    }

    static func shared(_ format: Format, _ rounding: RoundingMode, _ saturation: SaturationMode) -> Float32BucketTable {
        EncodeTables.table(.init(format: format, rounding: rounding, saturation: saturation, source: .float32Buckets)) {
            Float32BucketTable(format, rounding: rounding, saturation: saturation)
        }
    }
}

/// float64 to codes of at most 8 bits. Inputs are classed by sign and biased exponent: below
/// `lowExponent` (tiny: they all round alike, to zero or the least value), above `highExponent`
/// (huge: all overflow alike), NaN and infinity, and the rest, which go through a bucket table
/// indexed by sign, exponent and top 7 mantissa bits; entry = `threshold | high << 45 | low << 53`
/// where `threshold` is compared with the low 45 mantissa bits.
final class Float64BucketTable: Sendable {
    let lowExponent: Int
    let highExponent: Int
    let entries: [UInt64]
    /// Per sign (index 0 positive, 1 negative): the codes of zero, tiny, huge, infinity and NaN.
    let zero: [UInt32], tiny: [UInt32], huge: [UInt32], infinity: [UInt32], nan: [UInt32]

    static func applies(to format: Format) -> Bool {
        format.bucketTablesApply && format.minExponent - format.mantissaBits - 2 + 1023 >= 1
            && format.maxFiniteExponent + 2 + 1023 <= 2046
    }

    init(_ format: Format, rounding: RoundingMode, saturation: SaturationMode) {
        precondition(Float64BucketTable.applies(to: format) && !rounding.isStochastic)
        func code(_ x: Double) -> UInt32 { format.encode(x, rounding: rounding, saturation: saturation) }
        // Every value below 2^(minExponent - M - 2) is under a quarter of the least subnormal
        // spacing; every value at or above 2^(maxFiniteExponent + 3) is beyond the extended grid's
        // next point after the largest finite value.
        let lowExponent = format.minExponent - format.mantissaBits - 2 + 1023
        let highExponent = format.maxFiniteExponent + 2 + 1023
        self.lowExponent = lowExponent
        self.highExponent = highExponent
        let slots = highExponent - lowExponent + 1
        var entries = [UInt64](repeating: 0, count: 2 * slots << 7)
        for sign in 0..<2 {
            for slot in 0..<slots {
                for top in 0..<128 {
                    let base = UInt64(sign) << 63 | UInt64(slot + lowExponent) << 52 | UInt64(top) << 45
                    let low = UInt64(code(Double(bitPattern: base)))
                    let high = UInt64(code(Double(bitPattern: base | (1 << 45 - 1))))
                    var threshold: UInt64 = 1 << 45 - 1
                    if low != high {
                        var a: UInt64 = 1, b: UInt64 = 1 << 45 - 1
                        while a < b {
                            let m = (a + b) / 2
                            if UInt64(code(Double(bitPattern: base | m))) == high { b = m } else { a = m + 1 }
                        }
                        threshold = a
                    }
                    entries[(sign * slots + slot) << 7 | top] = threshold | high << 45 | low << 53
                }
            }
        }
        self.entries = entries
        let signs = [false, true]
        zero = signs.map { code($0 ? -0.0 : 0.0) }
        tiny = signs.map { code(Double(sign: $0 ? .minus : .plus, exponent: lowExponent - 1 - 1023, significand: 1)) }
        huge = signs.map { code(Double(sign: $0 ? .minus : .plus, exponent: highExponent + 1 - 1023, significand: 1)) }
        infinity = signs.map { code($0 ? -.infinity : .infinity) }
        nan = signs.map { code(Double(bitPattern: ($0 ? 1 << 63 : 0) | 0x7FF8_0000_0000_0000)) }
    }

    static func shared(_ format: Format, _ rounding: RoundingMode, _ saturation: SaturationMode) -> Float64BucketTable {
        EncodeTables.table(.init(format: format, rounding: rounding, saturation: saturation, source: .float64Buckets)) {
            Float64BucketTable(format, rounding: rounding, saturation: saturation)
        }
    }

    @inline(__always)
    func code(_ bits: UInt64) -> UInt32 {
        let sign = Int(bits >> 63)
        let exponent = Int(bits >> 52) & 0x7FF
        if exponent < lowExponent {
            return bits << 1 == 0 ? zero[sign] : tiny[sign]
        }
        if exponent > highExponent {
            if exponent == 0x7FF { return bits << 12 == 0 ? infinity[sign] : nan[sign] }
            return huge[sign]
        }
        let slots = highExponent - lowExponent + 1
        let index = (sign * slots + exponent - lowExponent) << 7 | Int(bits >> 45) & 0x7F
        let entry = entries[index]
        let code = bits & (1 << 45 - 1) >= entry & (1 << 45 - 1) ? entry >> 45 : entry >> 53
        return UInt32(truncatingIfNeeded: code) & 0xFF
    }
}

/// float16 to codes: one entry per float16 bit pattern (any format of up to 16 bits, any
/// deterministic mode).
final class Float16DirectTable: Sendable {
    let codes: [UInt16]

    init(_ format: Format, rounding: RoundingMode, saturation: SaturationMode) {
        precondition(format.bitWidth <= 16 && !rounding.isStochastic)
        codes = (0..<(1 << 16)).map { h in
            UInt16(format.encode(Format.binary16.decode(UInt32(h)), rounding: rounding, saturation: saturation))
        }
    }

    static func shared(_ format: Format, _ rounding: RoundingMode, _ saturation: SaturationMode) -> Float16DirectTable {
        EncodeTables.table(.init(format: format, rounding: rounding, saturation: saturation, source: .float16Direct)) {
            Float16DirectTable(format, rounding: rounding, saturation: saturation)
        }
    }
}
