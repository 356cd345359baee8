/// NVFP4 blocks from float64 sources. MX blocks go through float32 rounded to odd
/// (`encodeThroughFloat32`), but NVFP4's decision points are products with the float32 tensor
/// scale, which float32 does not hold; they are doubles, though, so this path compares the float64
/// inputs with float64 thresholds:
///
/// - The scale code is a nondecreasing step function of `amax`: the least float64 magnitude at
///   which each code begins lies between the float32 start of ``ScaleThresholds`` and the float32
///   below it, and is found there by bisection with the exact scalar rule (29 steps per code).
/// - A deterministic element's magnitude code is the number of its block's seven thresholds it
///   reaches, as for float32 (``E2M1Thresholds``): a threshold is `b * S` or the double after it,
///   with `b` an E2M1 value or midpoint (at most 3 significant bits) and `S` the scale value (4
///   bits) times the tensor scale (24), so `b * S` is exact in Double.
/// - Under stochastic element rounding (along the contiguous axis), the quotient in Double decides
///   away from the decision points and the exact step near them, as for float32 sources
///   (`encodeE2M1Stochastic`).
/// - Blocks with a NaN or an infinity, and blocks whose scale's divisor is zero, take the exact
///   step element by element.
final class NVFP4Float64Thresholds: Sendable {
    /// `scaleStarts[c - 1]`: the least float64 magnitude (bits) with scale code >= c, for
    /// c = 1...maxFiniteCode; 0x7FF0_0000_0000_0000 when no finite amax reaches c.
    let scaleStarts: [UInt64]
    /// `[code * 14 + (negative ? 7 : 0) + j - 1]`: the least float64 magnitude (bits) at which the
    /// E2M1 magnitude code reaches j (deterministic modes; empty under stochastic rounding).
    let elementStarts: [UInt64]
    /// The float32 scale thresholds these refine.
    let float32: ScaleThresholds

    init(_ encoder: BlockEncoder, float32 scaleThresholds: ScaleThresholds, elements: E2M1Thresholds) {
        float32 = scaleThresholds
        func code(_ bits: UInt64) -> UInt32 { encoder.finiteScaleCode(amax: Double(bitPattern: bits)) }
        let top: UInt64 = 0x7FEF_FFFF_FFFF_FFFF  // the largest finite double
        let topCode = code(top)
        var starts: [UInt64] = []
        var previous: UInt64 = 0
        for (k, start32) in scaleThresholds.starts.enumerated() {
            let c = UInt32(k + 1)
            guard topCode >= c else {
                starts.append(0x7FF0_0000_0000_0000)
                continue
            }
            // Every double at or above the float32 start has code >= c; every one at or below the
            // float32 before it has code < c.
            var a = previous, b = top
            if start32 < 0x7F80_0000 {
                b = Double(Float(bitPattern: start32)).bitPattern
                if start32 > 0 { a = Swift.max(a, Double(Float(bitPattern: start32 - 1)).bitPattern) }
            } else {
                a = Swift.max(a, Double(Float.greatestFiniteMagnitude).bitPattern)
            }
            while a < b {
                let mid = a + (b - a) / 2
                if code(mid) >= c { b = mid } else { a = mid + 1 }
            }
            starts.append(a)
            previous = a
        }
        scaleStarts = starts
        var table: [UInt64] = []
        if !encoder.encoding.rounding.isStochastic {
            let f = encoder.format
            let grid = (0...7).map { f.element.decode(UInt32($0)) }
            table = [UInt64](repeating: 0x7FF0_0000_0000_0000, count: 128 * 14)
            for c in 0..<128 where elements.divisors[c] > 0 {
                let S = elements.divisors[c]
                for negative in [false, true] {
                    for j in 1...7 {
                        let (b, inclusive) = E2M1Thresholds.boundary(j, grid, encoder.encoding.rounding, negative: negative)
                        let y = b * S  // exact
                        let start = inclusive ? y : y.nextUp
                        table[c * 14 + (negative ? 7 : 0) + j - 1] = start.isFinite ? start.bitPattern : 0x7FF0_0000_0000_0000
                    }
                }
            }
        }
        elementStarts = table
    }

    /// The scale code of a block with this finite amax (float64 magnitude bits): where amax is in
    /// float32's normal range, the code of amax truncated to float32 (``ScaleThresholds``' bucket
    /// tables) or the next one (no two codes begin within a float32 ulp: scale values are at least
    /// 1/16 apart relatively); elsewhere by binary search.
    @inline(__always)
    static func scaleCode(_ amax: UInt64, starts: UnsafeBufferPointer<UInt64>, float32 buckets: UnsafeBufferPointer<UInt32>,
                          _ bucketThresholds: UnsafeBufferPointer<UInt32>, _ starts32: UnsafeBufferPointer<UInt32>) -> UInt32 {
        let exponent = amax &>> 52
        guard exponent >= 897 && exponent <= 1150 else { return scaleCode(amax, starts) }
        let truncated = UInt32(truncatingIfNeeded: (amax &>> 29) &- (896 &<< 23))
        let c = ScaleThresholds.code(truncated, buckets: buckets.baseAddress!, thresholds: bucketThresholds.baseAddress!,
                                     starts: starts32)
        return Int(c) < starts.count && amax >= starts[Int(c)] ? c + 1 : c
    }

    /// The scale code of a block with this finite amax (float64 magnitude bits), by binary search.
    @inline(__always)
    static func scaleCode(_ amax: UInt64, _ starts: UnsafeBufferPointer<UInt64>) -> UInt32 {
        var a = 0, b = starts.count
        while a < b {
            let mid = (a + b) / 2
            if starts[mid] <= amax { a = mid + 1 } else { b = mid }
        }
        return UInt32(a)
    }
}

extension BlockFormat {
    /// Whether NVFP4 blocks from float64 take ``encodeNVFP4Float64(_:layout:_:encoder:thresholds:elementTable:scales:elements:stream:)``:
    /// E2M1 elements with a scale of at most 8 bits (NVFP4 and its block-size variants);
    /// stochastic element rounding along the contiguous axis only (element i takes R_i).
    static func nvfp4Float64Applies(_ format: BlockFormat, _ encoding: BlockEncoding, layout: BlockLayout) -> Bool {
        format.hasTensorScale && format.element.parameters == Format.e2m1fn.parameters && format.scale.bitWidth <= 8
            && (!encoding.rounding.isStochastic || layout.inner == 1)
    }

    /// Encodes NVFP4 blocks `range` of a float64 source (see ``NVFP4Float64Thresholds``).
    func encodeNVFP4Float64(_ p: UnsafePointer<UInt64>, layout: BlockLayout, _ range: Range<Int>, encoder: BlockEncoder,
                            thresholds: NVFP4Float64Thresholds, elementTable: E2M1Thresholds,
                            scales: UnsafeMutablePointer<UInt8>, elements: UnsafeMutablePointer<UInt8>, stream: RandomStream?) {
        let nanScale = UInt8(scale.nanCode())
        let nanPolicy = encoder.encoding.specials == .nanScale
        let symmetric = encoder.encoding.rounding != .towardPositive && encoder.encoding.rounding != .towardNegative
        thresholds.scaleStarts.withUnsafeBufferPointer { starts in
        thresholds.elementStarts.withUnsafeBufferPointer { table in
        thresholds.float32.starts.withUnsafeBufferPointer { starts32 in
        thresholds.float32.buckets.withUnsafeBufferPointer { buckets in
        thresholds.float32.bucketThresholds.withUnsafeBufferPointer { bucketThresholds in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: blockSize) { gathered in
                withUnsafeTemporaryAllocation(of: UInt32.self, capacity: blockSize) { random in
                    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: blockSize) { codes in
                        // Along the last axis, block t is block b of line o: (o, b) advance without a division.
                        let perLine = layout.blocksPerLine
                        var o = range.lowerBound / perLine, b = range.lowerBound % perLine
                        for t in range {
                            let (first, n, stride): (Int, Int, Int)
                            if layout.inner == 1 {
                                let start = b * blockSize
                                (first, n, stride) = (o * layout.length + start, Swift.min(blockSize, layout.length - start), 1)
                                b += 1
                                if b == perLine { b = 0; o += 1 }
                            } else {
                                (first, n, stride) = layout.block(t)
                            }
                            let src: UnsafePointer<UInt64>
                            if stride == 1 {
                                src = p + first
                            } else {
                                for j in 0..<n { gathered[j] = p[first + j * stride] }
                                src = UnsafePointer(gathered.baseAddress!)
                            }
                            var (amax, special) = Self.finiteAmax(src, n)
                            if special {
                                amax = 0
                                for j in 0..<n where src[j] & 0x7FFF_FFFF_FFFF_FFFF < 0x7FF0_0000_0000_0000 {
                                    amax = Swift.max(amax, src[j] & 0x7FFF_FFFF_FFFF_FFFF)
                                }
                            }
                            let code = NVFP4Float64Thresholds.scaleCode(amax, starts: starts, float32: buckets, bucketThresholds,
                                                                        starts32)
                            scales[t] = special && nanPolicy ? nanScale : UInt8(code)
                            let out = stride == 1 ? elements + first : codes.baseAddress!
                            if let stream {
                                encodeE2M1Stochastic(n, first: first, scaleCode: code, table: elementTable, encoder: encoder,
                                                     stream: stream, random: random.baseAddress!, into: out) {
                                    Double(bitPattern: src[$0])
                                }
                            } else if special || elementTable.zeroScale[Int(code)] {
                                let d = elementTable.divisors[Int(code)]
                                for j in 0..<n { out[j] = encoder.elementCode(Double(bitPattern: src[j]), scale: d, random: 0) }
                            } else {
                                Self.encodeE2M1(src, n, table: table.baseAddress! + Int(code) * 14, symmetric: symmetric, into: out)
                            }
                            if stride != 1 { for j in 0..<n { elements[first + j * stride] = out[j] } }
                        }
                    }
                }
            }
        }
        }
        }
        }
        }
    }

    /// The largest magnitude (bits) of n float64s, and whether any is NaN or infinite (then the
    /// largest is not meaningful).
    @inline(__always)
    private static func finiteAmax(_ src: UnsafePointer<UInt64>, _ n: Int) -> (UInt64, Bool) {
        typealias Lanes64 = SIMD8<UInt64>
        var j = 0
        var largest = SIMD8<Double>(repeating: 0)
        var specials = Lanes64(repeating: 0)
        while j + 8 <= n {
            let magnitude = UnsafeRawPointer(src + j).loadUnaligned(as: Lanes64.self) & Lanes64(repeating: 0x7FFF_FFFF_FFFF_FFFF)
            specials |= Lanes64(repeating: 0x7FEF_FFFF_FFFF_FFFF) &- magnitude  // top bit set where NaN or infinite
            let m = unsafeBitCast(magnitude, to: SIMD8<Double>.self)
            largest.replace(with: m, where: m .> largest)  // (pointwiseMax is not inlined)
            j += 8
        }
        // Halves (as doubles: the unsigned 64-bit compare has no SSE2 instruction).
        let l4 = largest.lowHalf.replacing(with: largest.highHalf, where: largest.highHalf .> largest.lowHalf)
        let l2 = l4.lowHalf.replacing(with: l4.highHalf, where: l4.highHalf .> l4.lowHalf)
        var amax = Swift.max(l2[0], l2[1]).bitPattern
        var special = (specials[0] | specials[1] | specials[2] | specials[3] | specials[4] | specials[5] | specials[6]
                       | specials[7]) >> 63 != 0
        while j < n {
            let magnitude = src[j] & 0x7FFF_FFFF_FFFF_FFFF
            special = special || magnitude >= 0x7FF0_0000_0000_0000
            amax = Swift.max(amax, magnitude)
            j += 1
        }
        return (amax, special)
    }

    /// Finite float64 E2M1 elements by thresholds (`base`: the 14 of the block's scale code): the
    /// magnitude code is the number of thresholds |x| reaches (compared as doubles, whose order is
    /// that of the magnitude bits), and the sign is the input's. `symmetric`: the negative
    /// thresholds are the positive ones (every mode but toward +-infinity).
    @inline(__always)
    private static func encodeE2M1(_ src: UnsafePointer<UInt64>, _ n: Int, table base: UnsafePointer<UInt64>, symmetric: Bool,
                                   into out: UnsafeMutablePointer<UInt8>) {
        typealias Lanes64 = SIMD8<UInt64>
        @inline(__always) func count(_ a: SIMD8<Double>, _ t: UnsafePointer<UInt64>) -> SIMD8<Int64> {
            var c = SIMD8<Int64>(repeating: 0)
            for i in 0..<7 {
                // A true lane of the mask is -1.
                c &-= unsafeBitCast(a .>= SIMD8<Double>(repeating: Double(bitPattern: t[i])), to: SIMD8<Int64>.self)
            }
            return c
        }
        var j = 0
        while j + 8 <= n {
            let b = UnsafeRawPointer(src + j).loadUnaligned(as: Lanes64.self)
            let a = unsafeBitCast(b & Lanes64(repeating: 0x7FFF_FFFF_FFFF_FFFF), to: SIMD8<Double>.self)
            let negative = b &>> Lanes64(repeating: 63)
            var c = unsafeBitCast(count(a, base), to: Lanes64.self)
            if !symmetric {
                let select = Lanes64(repeating: 0) &- negative  // all ones where negative
                c ^= (c ^ unsafeBitCast(count(a, base + 7), to: Lanes64.self)) & select
            }
            UnsafeMutableRawPointer(out + j).storeBytes(of: SIMD8<UInt8>(truncatingIfNeeded: (negative &<< Lanes64(repeating: 3)) | c),
                                                        as: SIMD8<UInt8>.self)
            j += 8
        }
        while j < n {
            let b = src[j]
            let magnitude = b & 0x7FFF_FFFF_FFFF_FFFF
            let negative = b >> 63
            var c: UInt64 = 0
            for i in 0..<7 { c &+= magnitude >= base[Int(negative) * 7 + i] ? 1 : 0 }
            out[j] = UInt8(truncatingIfNeeded: negative << 3 | c)
            j += 1
        }
    }
}
