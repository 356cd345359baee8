internal import CMinifloatKernels

/// NVFP4 blocks from float64 sources. MX blocks go through float32 rounded to odd
/// (`encodeThroughFloat32`), but NVFP4's decision points are products with the float32 tensor
/// scale, which float32 does not hold; they are doubles, though, so this path compares the float64
/// inputs with float64 thresholds:
///
/// - The scale code is a nondecreasing step function of `amax`: the least float64 magnitude at
///   which each code begins lies between the float32 start of ``ScaleThresholds`` and the float32
///   below it, and is found there by bisection with the exact scalar rule (29 steps per code).
///   A block's code is then the float32 tables' code of its amax truncated to float32, or the next
///   (``scaleCode(_:starts:float32:_:_:)``).
/// - A deterministic element's magnitude code is the number of its block's seven thresholds it
///   reaches, as for float32 (``E2M1Thresholds``): a threshold is `b * S` or the double after it,
///   with `b` an E2M1 value or midpoint (at most 3 significant bits) and `S` the scale value (at
///   most 8 bits; 4 for UE4M3) times the tensor scale (24), so `b * S` is exact in Double.
///   Along the last axis with AVX2 or AVX-512 in C (`minifloat_encode_nvfp4_float64`), else in Swift.
/// - Under stochastic element rounding, `floor(u + c)` in vector lanes away from the decision
///   points, and near them the Double quotient with the exact step, as for float32 sources
///   (`encodeE2M1Stochastic`): along the last axis in C (`minifloat_encode_nvfp4_float64_stochastic`,
///   scale and elements in one pass per block), along other axes in Swift
///   (``encodeE2M1Stochastic(_:_:reciprocal:random:lanes:into:)``).
/// - Blocks with a NaN or an infinity take the exact step element by element, and so do blocks
///   whose scale's divisor is zero in Swift (the C kernels give their finite elements +-0
///   directly, as the exact step does).
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
            let start = ScaleThresholds.least(from: a, to: b) { code($0) >= c }
            starts.append(start)
            previous = start
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
    /// tables) or the next one (no two codes begin within a float32 ulp: the decision points of a
    /// scale format of at most 8 bits are at least 2^-9 apart relatively); elsewhere by binary
    /// search.
    @inline(__always)
    static func scaleCode(_ amax: UInt64, starts: UnsafeBufferPointer<UInt64>, float32 buckets: UnsafeBufferPointer<UInt32>,
                          _ bucketThresholds: UnsafeBufferPointer<UInt32>, _ starts32: UnsafeBufferPointer<UInt32>) -> UInt32 {
        let exponent = amax &>> 52
        guard exponent >= 897 && exponent <= 1150 else { return ScaleThresholds.code(amax, starts) }
        let truncated = UInt32(truncatingIfNeeded: (amax &>> 29) &- (896 &<< 23))
        let c = ScaleThresholds.code(truncated, buckets: buckets.baseAddress!, thresholds: bucketThresholds.baseAddress!,
                                     starts: starts32)
        return Int(c) < starts.count && amax >= starts[Int(c)] ? c + 1 : c
    }

}

extension BlockFormat {
    /// Whether MX blocks from float64 under stochastic element rounding take
    /// ``encodeMXFloat64Stochastic(_:layout:_:encoder:thresholds:arrayEncoder:scales:elements:stream:)``:
    /// an E8M0 scale (blocks along any axis), and an element format the float64 stochastic
    /// kernel takes (``Float64StochasticKernel``; every MX element format, MXINT8's grid included, any N)
    /// whose least subnormal step `2^(e - M)` is at least `2^-989`. The caller tries the float32
    /// route first (at most 21 - M random bits).
    func mxFloat64StochasticApplies(_ encoding: BlockEncoding, layout: BlockLayout) -> Bool {
        encoding.rounding.isStochastic && !hasTensorScale && scale.parameters == Format.e8m0fnu.parameters
            && element.minExponent - element.mantissaBits >= -989 && Float64StochasticKernel(element, rounding: encoding.rounding) != nil
    }

    /// MX blocks `range` of a float64 source under stochastic element rounding, up to 4,096
    /// elements at a time (`minifloat_mx_float64_products`, then the element encoder): each block's
    /// scale code from its amax rounded to float32 with round-to-odd (every E8M0 threshold `m 2^k`,
    /// `m` of at most 9 bits, is a float32 value with a 0 last bit, so the code is amax's:
    /// `Float64ViaFloat32.swift`); its elements times `2^(127 - code)` in Double, exact but below
    /// 2^-1022, where the product is below `2^-1022 < 2^(e - M - 33)`, so it and its exact value
    /// both round to zero under every variant with at most 32 random bits; clamped to the largest
    /// element but under SatNone; then the element array encoder with R_i by array index (the
    /// float64 stochastic kernel). A block holding a NaN, an infinity or a finite value beyond
    /// float32's range takes the exact path. Blocks along another axis than the last are taken
    /// side by side (``encodeMXFloat64StochasticColumns(_:layout:_:encoder:thresholds:arrayEncoder:scales:elements:stream:)``).
    func encodeMXFloat64Stochastic(_ p: UnsafePointer<UInt64>, layout: BlockLayout, _ range: Range<Int>, encoder: BlockEncoder,
                                   thresholds: ScaleThresholds, arrayEncoder: ArrayEncoder, scales: UnsafeMutablePointer<UInt8>,
                                   elements: UnsafeMutablePointer<UInt8>, stream: RandomStream?) {
        if layout.inner != 1 {
            encodeMXFloat64StochasticColumns(p, layout: layout, range, encoder: encoder, thresholds: thresholds,
                                             arrayEncoder: arrayEncoder, scales: scales, elements: elements, stream: stream)
            return
        }
        let twos = elementStorage == .twosComplement
        let limit = Swift.max(1, 4096 / blockSize)
        // Under SatFinite and SatPropagate a finite product beyond the largest element encodes as the
        // largest element does under every variant and R, so it is clamped to it (keeping the kernel
        // on its range, as the float32 path does).
        let clamp = encoder.encoding.saturation == .satNone ? 0x7FF0_0000_0000_0000 : largestElement.bitPattern
        thresholds.withTable { table in
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: limit * blockSize) { buffer in
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: limit) { exact in
            var scale = table
            let products = buffer.baseAddress!
            forEachKernelRun(layout, range, limit: limit) { t, end, first, count in
                minifloat_mx_float64_products(&scale, clamp, p + first, count, blockSize, scales + t, products, exact.baseAddress!,
                                              VectorUnits.level)
                // Indexed by element: element i of the array takes R_i.
                arrayEncoder.encode(.float64(UnsafePointer(products) - first), first..<(first + count), into: elements + first,
                                    stream: stream)
                if twos { for i in first..<(first + count) { elements[i] = encoder.stored(UInt32(elements[i])) } }
                for b in t..<end where exact[b - t] != 0 {
                    encodeBlocksExact(.float64(p), layout: layout, b..<(b + 1), encoder: encoder, scales: scales, elements: elements,
                                      stream: stream, useGivenScales: false)
                }
            }
        }
        }
        }
    }

    /// Blocks `range` along an axis other than the last (stride `inner`) as
    /// ``encodeMXFloat64Stochastic(_:layout:_:encoder:thresholds:arrayEncoder:scales:elements:stream:)``
    /// does them, up to 4,096 elements at a time of blocks that are neighbours along the last axis
    /// (the same position in consecutive lines: the same length n, and block t0 + c begins at
    /// block t0's first element plus c), side by side: `minifloat_mx_float64_products_columns`
    /// writes row j of their products (the elements `first + j * stride + c`) to row j of an
    /// n x w buffer, and the element encoder rounds it with R_i by array index (directly when the
    /// rows are whole lines, w == stride; else through a buffer of the rows' R_i and one of their
    /// codes, copied back row by row: nothing is transposed); MXINT8's codes are then stored in
    /// two's complement.
    private func encodeMXFloat64StochasticColumns(_ p: UnsafePointer<UInt64>, layout: BlockLayout, _ range: Range<Int>,
                                                  encoder: BlockEncoder, thresholds: ScaleThresholds, arrayEncoder: ArrayEncoder,
                                                  scales: UnsafeMutablePointer<UInt8>, elements: UnsafeMutablePointer<UInt8>,
                                                  stream: RandomStream?) {
        let twos = elementStorage == .twosComplement, stride = layout.inner
        let widest = Swift.max(1, 4096 / blockSize)
        let clamp = encoder.encoding.saturation == .satNone ? 0x7FF0_0000_0000_0000 : largestElement.bitPattern
        thresholds.withTable { table in
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: widest * blockSize) { productsBuffer in
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: widest * blockSize) { randomsBuffer in
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: widest * blockSize + widest) { codesBuffer in
            var scale = table
            let products = productsBuffer.baseAddress!, randoms = randomsBuffer.baseAddress!
            let codes = codesBuffer.baseAddress!, exact = codes + widest * blockSize
            var t0 = range.lowerBound
            while t0 < range.upperBound {
                let w = Swift.min(widest, stride - t0 % stride, range.upperBound - t0)
                let (first, n, _) = layout.block(t0)
                minifloat_mx_float64_products_columns(&scale, clamp, p + first, n, w, stride, scales + t0, products, exact,
                                                      VectorUnits.level)
                if w == stride {  // whole lines: elements first..<(first + n * w), in order
                    arrayEncoder.encode(.float64(UnsafePointer(products) - first), first..<(first + n * w), into: elements + first,
                                        stream: stream)
                    if twos { for i in first..<(first + n * w) { elements[i] = encoder.stored(UInt32(elements[i])) } }
                } else {
                    var rowStream: RandomStream? = nil
                    if let stream {
                        for j in 0..<n { stream.fill(randoms + j * w, from: first + j * stride, count: w) }
                        rowStream = RandomStream(seed: 0, values: randoms, bits: stream.bits)
                    }
                    arrayEncoder.encode(.float64(products), 0..<(n * w), into: codes, stream: rowStream)
                    if twos { for i in 0..<(n * w) { codes[i] = encoder.stored(UInt32(codes[i])) } }
                    for j in 0..<n { (elements + first + j * stride).update(from: codes + j * w, count: w) }
                }
                for c in 0..<w where exact[c] != 0 {
                    encodeBlocksExact(.float64(p), layout: layout, (t0 + c)..<(t0 + c + 1), encoder: encoder, scales: scales,
                                      elements: elements, stream: stream, useGivenScales: false)
                }
                t0 += w
            }
        }
        }
        }
        }
    }

    /// Whether NVFP4 blocks from float64 take ``encodeNVFP4Float64(_:layout:_:encoder:thresholds:elementTable:scales:elements:stream:)``:
    /// E2M1 elements with a scale of at most 8 bits (NVFP4 and its block-size variants), along any
    /// axis (element i takes R_i under stochastic rounding).
    static func nvfp4Float64Applies(_ format: BlockFormat) -> Bool {
        format.hasTensorScale && format.element.parameters == Format.e2m1fn.parameters && format.scale.bitWidth <= 8
    }

    /// Encodes NVFP4 blocks `range` of a float64 source (see ``NVFP4Float64Thresholds``); with
    /// `kernel`, blocks along the last axis through the C kernels where they apply.
    func encodeNVFP4Float64(_ p: UnsafePointer<UInt64>, layout: BlockLayout, _ range: Range<Int>, encoder: BlockEncoder,
                            thresholds: NVFP4Float64Thresholds, elementTable: E2M1Thresholds,
                            scales: UnsafeMutablePointer<UInt8>, elements: UnsafeMutablePointer<UInt8>, stream: RandomStream?,
                            kernel: Bool = true) {
        let nanScale = UInt8(scale.nanCode())
        let nanPolicy = encoder.encoding.specials == .nanScale
        let symmetric = encoder.encoding.rounding != .towardPositive && encoder.encoding.rounding != .towardNegative
        let lanes = E2M1StochasticLanes(encoder)
        // Deterministic: the C kernel with AVX2 or AVX-512 (on the SSE2 baseline the Swift loop is
        // faster: 3.0 against 3.6 ns per element, docs/performance.md); stochastic: at every level.
        if kernel, layout.inner == 1, stream == nil ? VectorUnits.level > 0 : lanes != nil {
            encodeNVFP4Float64WithKernel(p, layout: layout, range, encoder: encoder, thresholds: thresholds, elementTable: elementTable,
                                         symmetric: symmetric, scales: scales, elements: elements, stream: stream)
            return
        }
        thresholds.scaleStarts.withUnsafeBufferPointer { starts in
        thresholds.elementStarts.withUnsafeBufferPointer { table in
        thresholds.float32.starts.withUnsafeBufferPointer { starts32 in
        thresholds.float32.buckets.withUnsafeBufferPointer { buckets in
        thresholds.float32.bucketThresholds.withUnsafeBufferPointer { bucketThresholds in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: blockSize) { gathered in
                withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 256 * blockSize) { random in
                    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: blockSize) { codes in
                        // Along the last axis, block t is block b of line o: (o, b) advance without a division.
                        let perLine = layout.blocksPerLine
                        var o = range.lowerBound / perLine, b = range.lowerBound % perLine
                        var randomStart = 0, randomEnd = 0
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
                                var blockRandom = random.baseAddress!
                                var blockStream = stream, blockFirst = first
                                if stride == 1 {
                                    // The random values of the blocks from here on (contiguous along the last
                                    // axis), refilled as needed.
                                    if first + n > randomEnd {
                                        let (lastFirst, lastCount, _) = layout.block(Swift.min(range.upperBound, t + 256) - 1)
                                        randomStart = first
                                        randomEnd = lastFirst + lastCount
                                        stream.fill(random.baseAddress!, from: randomStart, count: randomEnd - randomStart)
                                    }
                                    blockRandom += first - randomStart
                                } else {
                                    // A gathered block: its R_i, as a stream indexed 0..<n.
                                    for j in 0..<n { blockRandom[j] = UInt32(truncatingIfNeeded: stream.random(first + j * stride)) }
                                    blockStream = RandomStream(seed: 0, values: blockRandom, bits: stream.bits)
                                    blockFirst = 0
                                }
                                if let lanes, !special, n % 8 == 0, !elementTable.zeroScale[Int(code)],
                                   Self.encodeE2M1Stochastic(src, n, reciprocal: elementTable.reciprocals[Int(code)],
                                                             random: blockRandom, lanes: lanes, into: out) {
                                    if stride != 1 { for j in 0..<n { elements[first + j * stride] = out[j] } }
                                    continue
                                }
                                encodeE2M1Stochastic(n, first: blockFirst, scaleCode: code, table: elementTable, encoder: encoder,
                                                     stream: blockStream, random: blockRandom, into: out) {
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

    /// Blocks `range` along the last axis with the C kernels: deterministic
    /// (`minifloat_encode_nvfp4_float64`: the thresholds of ``NVFP4Float64Thresholds`` compared as
    /// doubles) or under stochastic element rounding (`minifloat_encode_nvfp4_float64_stochastic`,
    /// which computes what the Swift loop does, its double lanes with the band 2^-(N+16) of the
    /// float32 kernel's: the error analysis holds for any exact magnitude); up to 1,024 blocks per
    /// call (and one line's when lines end in a short block); each block they report (a NaN or Inf;
    /// stochastic: also a length that is not a multiple of 16, an element near a decision point) is
    /// done by the Swift loop.
    private func encodeNVFP4Float64WithKernel(_ p: UnsafePointer<UInt64>, layout: BlockLayout, _ range: Range<Int>,
                                              encoder: BlockEncoder, thresholds: NVFP4Float64Thresholds,
                                              elementTable: E2M1Thresholds, symmetric: Bool, scales: UnsafeMutablePointer<UInt8>,
                                              elements: UnsafeMutablePointer<UInt8>, stream: RandomStream?) {
        let nanScale = UInt32(scale.nanCode()), nanPolicy: Int32 = encoder.encoding.specials == .nanScale ? 1 : 0
        var random = minifloat_stochastic(increment_right: 0, increment_left: 0, increment_add: 0, round_bits: 0,
                                          seed: stream?.seed ?? 0, values: stream?.values, bits: UInt32(stream?.bits ?? 1),
                                          subnormal_multiplier: 0, wide_fraction_scale: 0, wide_threshold: 0, wide_ties_to_even: 0)
        elementTable.reciprocals.withUnsafeBufferPointer { reciprocals in
        elementTable.reciprocals32.withUnsafeBufferPointer { reciprocals32 in
        thresholds.scaleStarts.withUnsafeBufferPointer { starts in
        thresholds.elementStarts.withUnsafeBytes { elementStarts in
        thresholds.float32.withTable { scale in
            var stochastic = minifloat_nvfp4_float64_stochastic_blocks(
                blocks: minifloat_nvfp4_stochastic_blocks(scale: scale, reciprocals: reciprocals.baseAddress,
                                                          reciprocals32: reciprocals32.baseAddress, nan_scale: nanScale,
                                                          nan_policy: nanPolicy, variant: Int32(encoder.encoding.rounding.stochasticVariant.0)),
                starts: starts.baseAddress, start_count: UInt32(starts.count))
            // The element thresholds' bits as doubles (+Inf where unused).
            var deterministic = minifloat_nvfp4_float64_blocks(scale: scale, starts: starts.baseAddress, start_count: UInt32(starts.count),
                                                               thresholds: elementStarts.baseAddress?.assumingMemoryBound(to: Double.self),
                                                               nan_scale: nanScale, nan_policy: nanPolicy, symmetric: symmetric ? 1 : 0)
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { redo in
                forEachKernelRun(layout, range, limit: 1024) { t, end, first, count in
                    if stream != nil {
                        minifloat_encode_nvfp4_float64_stochastic(&stochastic, &random, p + first, count, blockSize, UInt64(first),
                                                                  scales + t, elements + first, redo.baseAddress!, VectorUnits.level)
                    } else {
                        minifloat_encode_nvfp4_float64(&deterministic, p + first, count, blockSize, scales + t, elements + first,
                                                       redo.baseAddress!, VectorUnits.level)
                    }
                    for b in t..<end where redo[b - t] != 0 {
                        encodeNVFP4Float64(p, layout: layout, b..<(b + 1), encoder: encoder, thresholds: thresholds,
                                           elementTable: elementTable, scales: scales, elements: elements, stream: stream,
                                           kernel: false)
                    }
                }
            }
        }
        }
        }
        }
        }
    }

    /// NVFP4 elements under stochastic rounding in vector lanes (n a multiple of 8, finite values,
    /// a nonzero divisor d with `reciprocal` = 1/d rounded), element j with `random[j]`; false,
    /// with `out` unfinished, when some nonzero element lies within 2^-40 of a decision point
    /// (the caller then does the block with the exact step near them). The E2M1 code of q = |x|/d
    /// is floor(u + c), u = min(2q, q + 2, q/2 + 4) its grid index (concave, piecewise linear: no
    /// binade branch) and c = (R + offset) * 2^-N (``E2M1StochasticLanes``), clamped to 7 (6.0):
    /// every P3109 variant rounds the index up when its fraction reaches its threshold, and C's
    /// ties are where u + c is an integer. u + c is computed with an error below 2^-46 (q within
    /// 2^-49 for q < 8, and two roundings), so away from integers by 2^-40 its floor is exact;
    /// lanes with u + c >= 7.5 are 7 whatever the error, and zeros +-0.
    @inline(__always)
    private static func encodeE2M1Stochastic(_ src: UnsafePointer<UInt64>, _ n: Int, reciprocal: Double, random: UnsafePointer<UInt32>,
                                             lanes: E2M1StochasticLanes, into out: UnsafeMutablePointer<UInt8>) -> Bool {
        typealias D = SIMD8<Double>
        typealias U = SIMD8<UInt64>
        var near = SIMD8<Int64>(repeating: 0)
        var j = 0
        while j < n {
            let b = UnsafeRawPointer(src + j).loadUnaligned(as: U.self)
            let a = unsafeBitCast(b & U(repeating: 0x7FFF_FFFF_FFFF_FFFF), to: D.self)
            let q = a * D(repeating: reciprocal)
            var u = q + q
            let q1 = q + D(repeating: 2), q3 = q * D(repeating: 0.5) + D(repeating: 4)
            u.replace(with: q1, where: q1 .< u)
            u.replace(with: q3, where: q3 .< u)
            // R as a double, exactly: 2^52 + R has R in its low bits.
            let r = U(truncatingIfNeeded: UnsafeRawPointer(random + j).loadUnaligned(as: SIMD8<UInt32>.self))
            let rd = unsafeBitCast(r | U(repeating: 0x4330_0000_0000_0000), to: D.self) - D(repeating: 0x1p52)
            let s = u + (rd + D(repeating: lanes.offset)) * D(repeating: lanes.step)
            // floor(s) for 0 <= s < 2^51: s rounded to an integer, less one where that is above s.
            var f = (s + D(repeating: 0x1p52)) - D(repeating: 0x1p52)
            f.replace(with: f - D(repeating: 1), where: f .> s)
            let fraction = s - f
            let big = s .>= D(repeating: 7.5)
            let close = (fraction .< D(repeating: 0x1p-40)) .| (fraction .> D(repeating: 1 - 0x1p-40))
            near |= unsafeBitCast(close .& .!big .& (a .!= D(repeating: 0)), to: SIMD8<Int64>.self)
            var code = unsafeBitCast(f + D(repeating: 0x1p52), to: U.self) & U(repeating: 0xF)
            code.replace(with: 7, where: big)
            let bytes = SIMD8<UInt8>(truncatingIfNeeded: code | (b &>> U(repeating: 63)) &<< U(repeating: 3))
            UnsafeMutableRawPointer(out + j).storeBytes(of: bytes, as: SIMD8<UInt8>.self)
            j += 8
        }
        let n4 = near.lowHalf | near.highHalf
        let n2 = n4.lowHalf | n4.highHalf
        return n2[0] | n2[1] == 0
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

/// The constants of NVFP4's vector stochastic step (`c = (R + offset) * step`: offset 0 for P3109
/// A, 1/2 for B and C; step 2^-N), where E2M1 clamps every value beyond 6 to 6 (for R = 0 and
/// 2^N - 1, both signs, under the encoding's saturation; the step assumes it); nil otherwise.
struct E2M1StochasticLanes {
    let offset: Double
    let step: Double

    init?(_ encoder: BlockEncoder) {
        guard encoder.encoding.rounding.isStochastic, encoder.stochasticE2M1ClampsBeyondSix else { return nil }
        let (variant, bits) = encoder.encoding.rounding.stochasticVariant
        offset = variant == 0 ? 0 : 0.5
        step = Double(sign: .plus, exponent: -bits, significand: 1)
    }
}
