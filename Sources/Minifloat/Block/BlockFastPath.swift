/// The fast path of block encoding for Float sources (deterministic and stochastic element
/// rounding, blocks along any axis: along another than the last they are gathered in panels,
/// `encodeGathered`). It computes exactly what ``BlockEncoder`` computes (the tests compare both
/// with the oracle):
///
/// - Scale codes come from ``ScaleThresholds``: the scale code is a nondecreasing step function of
///   `amax`, so it is found by binary search among the least float32 magnitudes at which each code
///   begins (each found by bisection with the exact scalar rule).
/// - MX elements (scale `2^k`): `x * 2^-k` in float32 is exact unless the product is subnormal, so
///   the product goes through the array encoder (the same tables and SIMD kernel as
///   ``Format/encode(_:into:rounding:saturation:random:threads:)``); the rare inexact products are
///   redone with the exact scalar step.
/// - NVFP4 elements (E2M1, scale `S = s * tensorScale`): for each of the 127 scale codes, the seven
///   float32 magnitudes at which the element code reaches 1...7 (per sign, for directed modes) are
///   computed exactly from `boundary * S`; an element's code is the number of them it reaches.
///   Under stochastic rounding, from the quotient in Double away from the decision points and the
///   exact step near them (`encodeE2M1Stochastic`; for whole blocks the C kernel of
///   ``BlockFloat32Kernel/nvfp4Stochastic(_:)`` does most blocks and this the ones it reports).
enum BlockFastPath {
    /// Whether the fast path applies to float32 sources of this kind (bfloat16 and float16 are
    /// widened to float32 first). Under stochastic element rounding element `i` of the array takes
    /// `R_i`, its index in the array, along any axis (blocks along another axis gather their
    /// elements and random values).
    static func applies(_ format: BlockFormat, _ encoding: BlockEncoding, _ source: SourceKind, layout: BlockLayout) -> Bool {
        guard source == .float32 else { return false }
        if format.hasTensorScale { return format.element.parameters == Format.e2m1fn.parameters && format.scale.bitWidth <= 8 }
        return format.scale.parameters == Format.e8m0fnu.parameters && format.element.bucketTablesApply
    }
}

/// The least float32 magnitude (as bits) at which each finite scale code begins.
final class ScaleThresholds: Sendable {
    /// `starts[c - 1]` for code c = 1...maxFiniteCode; 0x7F80_0000 when no finite amax reaches c.
    let starts: [UInt32]

    struct Key: Hashable, Sendable {
        let scale: Format.Parameters
        let divisor: UInt64
        let rounding: RoundingMode
    }

    private static let cache = TableCache<Key>(limit: 16)

    static func shared(_ encoder: BlockEncoder) -> ScaleThresholds {
        let key = Key(scale: encoder.format.scale.parameters, divisor: encoder.divisor.bitPattern,
                      rounding: encoder.encoding.scaleRule.rounding)
        return cache.table(key) { ScaleThresholds(encoder) }
    }

    init(_ encoder: BlockEncoder) {
        func code(_ bits: UInt32) -> UInt32 { encoder.finiteScaleCode(amax: Double(Float(bitPattern: bits))) }
        let maxCode = encoder.format.scale.maxFiniteCode()
        var starts: [UInt32] = []
        var lo: UInt32 = 0
        let top: UInt32 = 0x7F7F_FFFF
        let topCode = code(top)
        for c in 1...maxCode {
            if topCode < c {
                starts.append(0x7F80_0000)
                continue
            }
            // The least bits in [lo, top] with code >= c (code(top) >= c).
            let a = Self.least(from: lo, to: top) { code($0) >= c }
            starts.append(a)
            lo = a
        }
        self.starts = starts
        // Buckets of 2^19 magnitudes (the top 12 bits): at most one code change in most; a bucket
        // with more is marked and searched.
        var buckets = [UInt32](repeating: 0, count: 4096)
        var bucketThresholds = [UInt32](repeating: 0, count: 4096)
        func codeOf(_ bits: UInt32) -> UInt32 { starts.withUnsafeBufferPointer { Self.code(bits, $0) } }
        for k in 0..<4096 {
            let first = UInt32(k) << 19, last = first | 0x7FFFF
            let low = codeOf(first), high = codeOf(last)
            if high == low {
                buckets[k] = low | low << 8
                bucketThresholds[k] = 0
            } else if high == low + 1 {
                buckets[k] = low | high << 8
                bucketThresholds[k] = starts[Int(high) - 1]
            } else {
                buckets[k] = 1 << 16  // search
            }
        }
        self.buckets = buckets
        self.bucketThresholds = bucketThresholds
    }

    /// Per bucket of 2^19 magnitudes: low code | high code << 8, or bit 16 set when the bucket
    /// holds more than one code change.
    let buckets: [UInt32]
    /// Per bucket: the magnitude at which the high code begins.
    let bucketThresholds: [UInt32]

    /// The scale code of `amax` (float32 magnitude bits, finite) from the bucket tables.
    @inline(__always)
    static func code(_ amax: UInt32, buckets: UnsafePointer<UInt32>, thresholds: UnsafePointer<UInt32>,
                     starts: UnsafeBufferPointer<UInt32>) -> UInt32 {
        let k = Int(amax >> 19)
        let entry = buckets[k]
        if entry & 1 << 16 != 0 { return code(amax, starts) }
        return amax >= thresholds[k] ? (entry >> 8) & 0xFF : entry & 0xFF
    }

    /// The scale code of a block with this amax (float32 or float64 magnitude bits, with starts of
    /// the same width): the number of starts at or below it.
    @inline(__always)
    static func code<Bits: FixedWidthInteger>(_ amax: Bits, _ starts: UnsafeBufferPointer<Bits>) -> UInt32 {
        var a = 0, b = starts.count
        while a < b {
            let mid = (a + b) / 2
            if starts[mid] <= amax { a = mid + 1 } else { b = mid }
        }
        return UInt32(a)
    }

    /// The least bits in `a...b` at which `reaches` holds, by bisection; `reaches` is monotone
    /// (false, then true) and holds at `b`.
    static func least<Bits: FixedWidthInteger>(from a: Bits, to b: Bits, where reaches: (Bits) -> Bool) -> Bits {
        var a = a, b = b
        while a < b {
            let mid = a + (b - a) / 2
            if reaches(mid) { b = mid } else { a = mid + 1 }
        }
        return a
    }
}

/// NVFP4's element thresholds: for each scale code and sign, the seven float32 magnitudes at which
/// the E2M1 magnitude code reaches 1...7.
final class E2M1Thresholds: Sendable {
    /// `[code * 14 + (negative ? 7 : 0) + j - 1]`; for a zero or NaN scale the entries are unused.
    let table: [UInt32]
    /// Whether a scale code's divisor is zero (its finite elements are all +-0).
    let zeroScale: [Bool]
    /// Each scale code's divisor (scale value times tensor scale, exact) and its reciprocal
    /// rounded to a Double, for stochastic rounding (which has no thresholds: the table is unused).
    let divisors: [Double], reciprocals: [Double]
    /// The reciprocals rounded to Float where that is a normal float32, else 0 (for the C kernel's
    /// float32 lanes, `minifloat_encode_nvfp4_float32_stochastic`).
    let reciprocals32: [Float]

    init(_ encoder: BlockEncoder) {
        let f = encoder.format
        let grid = (0...7).map { f.element.decode(UInt32($0)) }
        var table = [UInt32](repeating: 0x7F80_0000, count: 128 * 14)
        var zeroScale = [Bool](repeating: false, count: 128)
        var divisors = [Double](repeating: 0, count: 128), reciprocals = [Double](repeating: 0, count: 128)
        for c in 0..<UInt32(128) where f.scale.isValidCode(c) && f.scale.classify(c) != .nan {
            let S = encoder.divisor(ofScale: c)
            zeroScale[Int(c)] = S == 0
            guard S > 0 && S.isFinite else { continue }
            divisors[Int(c)] = S
            reciprocals[Int(c)] = 1 / S
            if encoder.encoding.rounding.isStochastic { continue }
            for negative in [false, true] {
                for j in 1...7 {
                    let (b, inclusive) = E2M1Thresholds.boundary(j, grid, encoder.encoding.rounding, negative: negative)
                    table[Int(c) * 14 + (negative ? 7 : 0) + j - 1] = E2M1Thresholds.start(b * S, inclusive: inclusive)
                }
            }
        }
        self.table = table
        self.zeroScale = zeroScale
        self.divisors = divisors
        self.reciprocals = reciprocals
        reciprocals32 = reciprocals.map { Float($0).isNormal ? Float($0) : 0 }
    }

    /// Where the magnitude code reaches `j`: at `b` (inclusive) or just above it.
    static func boundary(_ j: Int, _ g: [Double], _ mode: RoundingMode, negative: Bool) -> (Double, Bool) {
        let mid = (g[j - 1] + g[j]) / 2
        switch mode {
        case .nearestTiesToEven: return (mid, j % 2 == 0)
        case .nearestTiesToAway: return (mid, true)
        case .towardZero: return (g[j], true)
        case .towardPositive: return negative ? (g[j], true) : (g[j - 1], false)
        case .towardNegative: return negative ? (g[j - 1], false) : (g[j], true)
        case .toOdd: return j % 2 == 1 ? (g[j - 1], false) : (g[j], true)
        default: preconditionFailure("stochastic modes do not use thresholds")
        }
    }

    /// The least float32 magnitude bits m with m >= y (inclusive) or m > y; y is exact.
    static func start(_ y: Double, inclusive: Bool) -> UInt32 {
        var f = Float(y)
        if Double(f) < y || (!inclusive && Double(f) == y) { f = f.nextUp }
        return f.isInfinite ? 0x7F80_0000 : f.bitPattern
    }
}

/// Sixteen float32 bit patterns at a time.
typealias Lanes = SIMD16<UInt32>

@inline(__always)
private func orAll(_ v: Lanes) -> UInt32 {
    let v8 = v.lowHalf | v.highHalf
    let v4 = v8.lowHalf | v8.highHalf
    let v2 = v4.lowHalf | v4.highHalf
    return v2[0] | v2[1]
}

@inline(__always)
private func maxAll(_ v: SIMD16<Int32>) -> Int32 {
    let v8 = pointwiseMax(v.lowHalf, v.highHalf)
    let v4 = pointwiseMax(v8.lowHalf, v8.highHalf)
    let v2 = pointwiseMax(v4.lowHalf, v4.highHalf)
    return Swift.max(v2[0], v2[1])
}

/// The largest finite magnitude (bits) of n float32s, and whether any is NaN or infinite.
@inline(__always)
func finiteAmax(_ src: UnsafePointer<UInt32>, _ n: Int) -> (amax: UInt32, special: Bool) {
    var j = 0
    var m = SIMD16<Int32>(repeating: 0)
    var specials = Lanes(repeating: 0)
    while j + 16 <= n {
        let a = UnsafeRawPointer(src + j).loadUnaligned(as: Lanes.self) & Lanes(repeating: 0x7FFF_FFFF)
        let special = (a &+ Lanes(repeating: 0x0080_0000)) &>> Lanes(repeating: 31)  // 1 where a >= 0x7F80_0000
        specials |= special
        m = pointwiseMax(m, unsafeBitCast(a & (special &- Lanes(repeating: 1)), to: SIMD16<Int32>.self))
        j += 16
    }
    var amax = UInt32(maxAll(m))
    var special = orAll(specials) != 0
    while j < n {
        let a = src[j] & 0x7FFF_FFFF
        if a >= 0x7F80_0000 { special = true } else { amax = Swift.max(amax, a) }
        j += 1
    }
    return (amax, special)
}

extension BlockFormat {
    /// Encodes blocks `range` of a Float source with the fast path.
    func encodeBlocksFast(_ p: UnsafePointer<UInt32>, layout: BlockLayout, _ range: Range<Int>, encoder: BlockEncoder,
                          thresholds: ScaleThresholds, elementTable: E2M1Thresholds?, arrayEncoder: ArrayEncoder?,
                          scales: UnsafeMutablePointer<UInt8>, elements: UnsafeMutablePointer<UInt8>, stream: RandomStream? = nil,
                          kernel: BlockFloat32Kernel? = nil) {
        if layout.inner != 1 {
            encodeGathered(p, layout: layout, range, encoder: encoder, thresholds: thresholds, elementTable: elementTable,
                           arrayEncoder: arrayEncoder, scales: scales, elements: elements, stream: stream, kernel: kernel)
            return
        }
        let size = blockSize
        let nanScale = UInt8(scale.nanCode())
        let nanPolicy = encoder.encoding.specials == .nanScale
        let twos = elementStorage == .twosComplement
        let clampBits: UInt32 = encoder.encoding.saturation == .satNone ? 0x7F80_0000 : Float(largestElement).bitPattern
        // Blocks are done in groups, whose elements are contiguous (MX: one array-encoder call per group).
        let group = Swift.max(1, 4096 / size)
        let capacity = group * size
        let e2m1 = elementTable?.table ?? [], zeroScale = elementTable?.zeroScale ?? []
        thresholds.starts.withUnsafeBufferPointer { starts in
        thresholds.buckets.withUnsafeBufferPointer { buckets in
        thresholds.bucketThresholds.withUnsafeBufferPointer { bucketThresholds in
        e2m1.withUnsafeBufferPointer { e2m1 in
        zeroScale.withUnsafeBufferPointer { zeroScale in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: capacity) { scaled in
                var t0 = range.lowerBound
                while t0 < range.upperBound {
                    let t1 = Swift.min(t0 + group, range.upperBound)
                    if let kernel {
                        encodeWithKernel(p, layout: layout, t0..<t1, kernel: kernel, encoder: encoder, starts: starts,
                                         scales: scales, elements: elements, arrayEncoder: arrayEncoder, elementTable: elementTable,
                                         stream: stream, clampBits: clampBits, scaled: scaled.baseAddress!)
                        t0 = t1
                        continue
                    }
                    let groupFirst = layout.block(t0).first
                    var inexact = false
                    var groupCount = 0
                    // Along the last axis, block t is block b of line o: (o, b) advance
                    // without a division per block.
                    let perLine = layout.blocksPerLine
                    var o = t0 / perLine, b = t0 % perLine
                    for t in t0..<t1 {
                        let start = b * size
                        let (first, n) = (o * layout.length + start, Swift.min(size, layout.length - start))
                        b += 1
                        if b == perLine { b = 0; o += 1 }
                        let src = p + first
                        let (amax, special) = finiteAmax(src, n)
                        let code = ScaleThresholds.code(amax, buckets: buckets.baseAddress!, thresholds: bucketThresholds.baseAddress!,
                                                        starts: starts)
                        scales[t] = special && nanPolicy ? nanScale : UInt8(code)
                        if let elementTable {
                            let out = elements + first
                            if let stream {  // stochastic rounding
                                encodeE2M1Stochastic(src, n, first: first, scaleCode: code, table: elementTable, encoder: encoder,
                                                     stream: stream, random: scaled.baseAddress!, into: out)
                            } else if zeroScale[Int(code)] {
                                for j in 0..<n { out[j] = encoder.elementCode(Double(Float(bitPattern: src[j])), scale: 0, random: 0) }
                            } else {
                                encodeE2M1(src, n, table: e2m1.baseAddress! + Int(code) * 14, encoder: encoder, into: out)
                            }
                        } else {
                            inexact = scaleByPowerOfTwo(src, n, k: Int(code) - 127, clampBits: clampBits,
                                                        into: scaled.baseAddress! + (first - groupFirst)) || inexact
                            groupCount = first + n - groupFirst
                        }
                    }
                    if elementTable == nil {
                        let out = elements + groupFirst
                        // Indexed by element: element i of the array takes R_i under stochastic rounding.
                        arrayEncoder!.encode(.float32(UnsafePointer(scaled.baseAddress!) - groupFirst),
                                             groupFirst..<(groupFirst + groupCount), into: out, stream: stream)
                        if inexact {
                            for t in t0..<t1 {
                                let (first, n, _) = layout.block(t)
                                let code = ScaleThresholds.code(finiteAmax(p + first, n).amax, starts)
                                redoInexact(p + first, n, k: Int(code) - 127, encoder: encoder, into: elements + first,
                                            first: first, stream: stream)
                            }
                        }
                        if twos {
                            for i in groupFirst..<(groupFirst + groupCount) { elements[i] = encoder.stored(UInt32(elements[i])) }
                        }
                    }
                    t0 = t1
                }
            }
        }
        }
        }
        }
        }
    }

    /// Blocks `range` along an axis other than the last (stride `inner`), taken up to 64 blocks
    /// at a time that are neighbours along the last axis (the same position in their lines, so the
    /// same length n, and consecutive first elements). Blocks with a C kernel (MX and NVFP4, any
    /// rounding), 16 side by side
    /// in place (``BlockFloat32Kernel/encodeColumns(_:rows:width:stride:first:stream:scales:elements:redo:)``:
    /// a row of 16 elements belongs to 16 blocks, so nothing is transposed). The others, and the
    /// strips of 16 that kernel reports, through a panel: gathered transposed into a contiguous
    /// w x n array (each block's elements contiguous) with, under stochastic rounding, the random
    /// values R_i of its elements by array index, transposed alike and given as a stream indexed
    /// by position in the panel; that array is encoded as blocks along the last axis are (the C
    /// kernels, or the Swift loop), and the codes are scattered back.
    private func encodeGathered(_ p: UnsafePointer<UInt32>, layout: BlockLayout, _ range: Range<Int>, encoder: BlockEncoder,
                                thresholds: ScaleThresholds, elementTable: E2M1Thresholds?, arrayEncoder: ArrayEncoder?,
                                scales: UnsafeMutablePointer<UInt8>, elements: UnsafeMutablePointer<UInt8>, stream: RandomStream?,
                                kernel: BlockFloat32Kernel?) {
        let stride = layout.inner, panel = 64
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 2 * panel * blockSize) { buffer in
            let gathered = buffer.baseAddress!, randoms = gathered + panel * blockSize
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: panel) { row in
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: panel * blockSize + panel) { codesBuffer in
                    let codes = codesBuffer.baseAddress!, redo = codes + panel * blockSize
                    /// Blocks t0..<(t0 + w) (neighbours along the last axis) through a panel.
                    func encodePanel(_ t0: Int, _ w: Int) {
                        let (first0, n, _) = layout.block(t0)  // block t0 + k begins at first0 + k
                        // Element j of block k at gathered[k * n + j]; its R_i at randoms[k * n + j].
                        for j in 0..<n {
                            let source = p + first0 + j * stride
                            for k in 0..<w { gathered[k * n + j] = source[k] }
                        }
                        var panelStream: RandomStream? = nil
                        if let stream {
                            for j in 0..<n {
                                stream.fill(row.baseAddress!, from: first0 + j * stride, count: w)
                                for k in 0..<w { randoms[k * n + j] = row[k] }
                            }
                            panelStream = RandomStream(seed: 0, values: randoms, bits: stream.bits)
                        }
                        // One block per line of the panel (whole or short alike); its codes are stored bytes.
                        encodeBlocksFast(gathered, layout: BlockLayout(shape: [w, n], blockSize: blockSize), 0..<w, encoder: encoder,
                                         thresholds: thresholds, elementTable: elementTable, arrayEncoder: arrayEncoder,
                                         scales: scales + t0, elements: codes, stream: panelStream, kernel: kernel)
                        for j in 0..<n {
                            let destination = elements + first0 + j * stride
                            for k in 0..<w { destination[k] = codes[k * n + j] }
                        }
                    }
                    var t0 = range.lowerBound
                    while t0 < range.upperBound {
                        let w = Swift.min(panel, stride - t0 % stride, range.upperBound - t0)
                        // With a C kernel: 16 blocks at a time side by side, in place; the
                        // strips it reports, and the last up to 15 blocks, through a panel.
                        var done = 0
                        if w >= 16, let kernel {
                            done = w & ~15
                            let (first0, n, _) = layout.block(t0)
                            kernel.encodeColumns(p + first0, rows: n, width: done, stride: stride, first: first0, stream: stream,
                                                 scales: scales + t0, elements: elements + first0, redo: redo)
                            for strip in Swift.stride(from: 0, to: done, by: 16) where redo[strip] != 0 { encodePanel(t0 + strip, 16) }
                        }
                        if done < w { encodePanel(t0 + done, w - done) }
                        t0 += w
                    }
                }
            }
        }
    }

    /// Blocks `range` (along the contiguous axis, or a gathered panel) with the C kernel: one call per run of blocks
    /// that are contiguous in memory (the whole range when lines hold whole blocks), then what the
    /// kernel reports redone with the exact step (MX elements whose product may be inexact).
    private func encodeWithKernel(_ p: UnsafePointer<UInt32>, layout: BlockLayout, _ range: Range<Int>, kernel: BlockFloat32Kernel,
                                  encoder: BlockEncoder, starts: UnsafeBufferPointer<UInt32>, scales: UnsafeMutablePointer<UInt8>,
                                  elements: UnsafeMutablePointer<UInt8>, arrayEncoder: ArrayEncoder?, elementTable: E2M1Thresholds?,
                                  stream: RandomStream?, clampBits: UInt32, scaled: UnsafeMutablePointer<UInt32>) {
        if kernel.isStochastic, let stream {
            encodeStochasticWithKernel(p, layout: layout, range, kernel: kernel, encoder: encoder, starts: starts, scales: scales,
                                       elements: elements, arrayEncoder: arrayEncoder, elementTable: elementTable, stream: stream,
                                       clampBits: clampBits, scaled: scaled)
            return
        }
        var redo = false
        forEachKernelRun(layout, range) { t, _, first, count in
            redo = kernel.encode(p + first, count: count, blockSize: blockSize, scales: scales + t, elements: elements + first) || redo
        }
        guard redo else { return }
        for t in range {
            let (first, n, _) = layout.block(t)
            let code = ScaleThresholds.code(finiteAmax(p + first, n).amax, starts)
            redoInexact(p + first, n, k: Int(code) - 127, encoder: encoder, into: elements + first, first: first, stream: nil,
                        stored: elementStorage == .twosComplement)
        }
    }

    /// Blocks `range` under stochastic element rounding with the C kernel (MX or NVFP4): up to
    /// 1,024 blocks per call (and one line's when lines end in a short block); each block it
    /// reports is done as the Swift loop does it (MX: the products into `scaled`, the array encoder
    /// with R_i by array index, MXINT8's stored bytes; NVFP4: `encodeE2M1Stochastic`).
    private func encodeStochasticWithKernel(_ p: UnsafePointer<UInt32>, layout: BlockLayout, _ range: Range<Int>,
                                            kernel: BlockFloat32Kernel, encoder: BlockEncoder, starts: UnsafeBufferPointer<UInt32>,
                                            scales: UnsafeMutablePointer<UInt8>, elements: UnsafeMutablePointer<UInt8>,
                                            arrayEncoder: ArrayEncoder?, elementTable: E2M1Thresholds?, stream: RandomStream,
                                            clampBits: UInt32, scaled: UnsafeMutablePointer<UInt32>) {
        let twos = elementStorage == .twosComplement
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { redo in
            forEachKernelRun(layout, range, limit: 1024) { t, end, first, count in
                kernel.encodeStochastic(p + first, count: count, blockSize: blockSize, first: first,
                                        stream: stream, scales: scales + t, elements: elements + first, redo: redo.baseAddress!)
                for b in t..<end where redo[b - t] != 0 {
                    let (bf, n, _) = layout.block(b)
                    let code = ScaleThresholds.code(finiteAmax(p + bf, n).amax, starts)
                    if let elementTable {
                        encodeE2M1Stochastic(p + bf, n, first: bf, scaleCode: code, table: elementTable, encoder: encoder,
                                             stream: stream, random: scaled, into: elements + bf)
                        continue
                    }
                    // A product that may be inexact is below 2^-126, a tiny fraction of the element's
                    // least subnormal step (2^-16 for E5M2): every stochastic variant with at most 32
                    // random bits rounds it, and its float32 product, to zero with its sign, so it
                    // needs no exact redo here.
                    _ = scaleByPowerOfTwo(p + bf, n, k: Int(code) - 127, clampBits: clampBits, into: scaled)
                    // Indexed by element: element i of the array takes R_i.
                    arrayEncoder!.encode(.float32(UnsafePointer(scaled) - bf), bf..<(bf + n), into: elements + bf, stream: stream)
                    if twos { for i in bf..<(bf + n) { elements[i] = encoder.stored(UInt32(elements[i])) } }
                }
            }
        }
    }

    /// Blocks `range` (along the last axis) in the runs the C kernels take in one call: at most
    /// `limit` consecutive blocks, and at most the rest of a line when lines end in a short block
    /// (a kernel takes every block of a run but the last as whole); `body(t, end, first, count)`
    /// for blocks `t..<end`, whose elements are the `count` from `first`.
    @inline(__always)
    func forEachKernelRun(_ layout: BlockLayout, _ range: Range<Int>, limit: Int = .max, _ body: (Int, Int, Int, Int) -> Void) {
        let perLine = layout.blocksPerLine
        let wholeBlocks = layout.length % blockSize == 0
        var t = range.lowerBound
        while t < range.upperBound {
            var end = range.upperBound - t > limit ? t + limit : range.upperBound
            if !wholeBlocks { end = Swift.min(end, (t / perLine + 1) * perLine) }
            let first = layout.block(t).first
            let (lastFirst, lastCount, _) = layout.block(end - 1)
            body(t, end, first, lastFirst + lastCount - first)
            t = end
        }
    }

    /// x * 2^-k in float32 into `out`; true when some product may be inexact (nonzero x whose
    /// exponent field is at most k, for k >= 1: the product is below 2^-126).
    @inline(__always)
    private func scaleByPowerOfTwo(_ src: UnsafePointer<UInt32>, _ n: Int, k: Int, clampBits: UInt32,
                                   into out: UnsafeMutablePointer<UInt32>) -> Bool {
        // 2^-k as a Float: normal for -k >= -126, the subnormal 2^-127 otherwise (k is in -127...127).
        let multiplier = Float(sign: .plus, exponent: -k, significand: 1)
        let limit: UInt32 = k >= 1 ? UInt32(k) : 0
        var j = 0
        var flags = Lanes(repeating: 0)
        let m = SIMD16<Float>(repeating: multiplier)
        // Under SatFinite and SatPropagate a finite product beyond the largest element encodes as the
        // largest element does, so it is clamped to it (keeping the SIMD kernel on its fast range).
        let clamp = SIMD16<Int32>(repeating: Int32(bitPattern: clampBits))
        while j + 16 <= n {
            let b = UnsafeRawPointer(src + j).loadUnaligned(as: Lanes.self)
            let product = unsafeBitCast(unsafeBitCast(b, to: SIMD16<Float>.self) * m, to: Lanes.self)
            let magnitude = product & Lanes(repeating: 0x7FFF_FFFF)
            let special = Lanes(repeating: 0) &- ((magnitude &+ Lanes(repeating: 0x0080_0000)) &>> Lanes(repeating: 31))
            let clamped = unsafeBitCast(pointwiseMin(unsafeBitCast(magnitude, to: SIMD16<Int32>.self), clamp), to: Lanes.self)
            let result = (product & Lanes(repeating: 0x8000_0000)) | (magnitude & special) | (clamped & ~special)
            UnsafeMutableRawPointer(out + j).storeBytes(of: result, as: Lanes.self)
            // field <= limit and magnitude != 0: both differences below are negative.
            let field = (b &>> Lanes(repeating: 23)) & Lanes(repeating: 0xFF)
            let a = b & Lanes(repeating: 0x7FFF_FFFF)
            flags |= (field &- Lanes(repeating: limit &+ 1)) & (Lanes(repeating: 0) &- a)
            j += 16
        }
        var inexact = orAll(flags) >> 31 != 0
        while j < n {
            let b = src[j]
            out[j] = (Float(bitPattern: b) * multiplier).bitPattern
            inexact = inexact || (((b >> 23) & 0xFF) <= limit && b & 0x7FFF_FFFF != 0)
            j += 1
        }
        return k >= 1 && inexact
    }

    /// Redoes, with the exact scalar step, the elements whose product by 2^-k may be inexact
    /// (`first`: the array index of `src[0]`, for `R_i` under stochastic rounding; `stored`: write
    /// the stored byte, for MXINT8's two's complement, rather than the element code).
    private func redoInexact(_ src: UnsafePointer<UInt32>, _ n: Int, k: Int, encoder: BlockEncoder,
                             into out: UnsafeMutablePointer<UInt8>, first: Int, stream: RandomStream?, stored: Bool = false) {
        guard k >= 1 else { return }
        let scale = Double(sign: .plus, exponent: k, significand: 1)
        for j in 0..<n where (src[j] >> 23) & 0xFF <= UInt32(k) && src[j] & 0x7FFF_FFFF != 0 {
            let mode = stream.map { encoder.encoding.rounding.withRandom($0.random(first + j)) } ?? encoder.encoding.rounding
            let code = encoder.format.element.encode(Double(Float(bitPattern: src[j])), dividedBy: scale,
                                                     rounding: mode, saturation: encoder.encoding.saturation)
            out[j] = stored ? encoder.stored(code) : UInt8(truncatingIfNeeded: code)
        }
    }

    /// A block of NVFP4 elements under stochastic rounding with scale code `scaleCode`, element j
    /// taking R_(first + j) (written to `random[0..<n]` first): a zero divisor gives +-0 for
    /// finite elements, as the exact step does.
    private func encodeE2M1Stochastic(_ src: UnsafePointer<UInt32>, _ n: Int, first: Int, scaleCode: UInt32, table: E2M1Thresholds,
                                      encoder: BlockEncoder, stream: RandomStream, random: UnsafeMutablePointer<UInt32>,
                                      into out: UnsafeMutablePointer<UInt8>) {
        encodeE2M1Stochastic(n, first: first, scaleCode: scaleCode, table: table, encoder: encoder, stream: stream, random: random,
                             into: out) { Double(Float(bitPattern: src[$0])) }
    }

    /// The same for elements whose exact values are `value(0..<n)` (float32 or float64 sources).
    @inline(__always)
    func encodeE2M1Stochastic(_ n: Int, first: Int, scaleCode: UInt32, table: E2M1Thresholds, encoder: BlockEncoder,
                              stream: RandomStream, random: UnsafeMutablePointer<UInt32>, into out: UnsafeMutablePointer<UInt8>,
                              value: (Int) -> Double) {
        if table.zeroScale[Int(scaleCode)] {
            for j in 0..<n { out[j] = encoder.elementCode(value(j), scale: 0, random: 0) }
            return
        }
        stream.fill(random, from: first, count: n)
        encodeE2M1Stochastic(n, divisor: table.divisors[Int(scaleCode)], reciprocal: table.reciprocals[Int(scaleCode)],
                             random: random, encoder: encoder, into: out, value: value)
    }

    /// NVFP4 elements under stochastic rounding (P3109 v4.0 section 4.2), element j (exact value
    /// `value(j)`, a float32 or float64) with random value `random[j]` (below 2^N). With q = |x| / d (d = scale value * tensor scale) and the
    /// E2M1 step h of q's binade (0.5 below 2, 1 below 4, 2 below 6), each variant decides from
    /// F = floor(w), w = frac(q / h) * 2^(N+1), and whether w is an integer (the Swift kernel's
    /// `f` and `below`). w is computed in Double from `reciprocal` = 1/d rounded: q is off by at
    /// most 2^-52 relative, so w by at most 4 * 2^(N+1) * 2^-52 <= 2^-17 for N <= 32 (the
    /// binade and the grid index are exact too, else w lies near 0 or 2^(N+1)); when w is more
    /// than 2^-16 from every integer, F is floor(w) and w is no integer. Otherwise, and for
    /// zeros, q >= 6, NaN and Inf (and a q that underflows or overflows), the exact step (`x / d`
    /// rounded once) decides.
    @inline(__always)
    private func encodeE2M1Stochastic(_ n: Int, divisor d: Double, reciprocal: Double, random: UnsafePointer<UInt32>,
                                      encoder: BlockEncoder, into out: UnsafeMutablePointer<UInt8>, value: (Int) -> Double) {
        let (variant, bits) = encoder.encoding.rounding.stochasticVariant
        let scale = Double(sign: .plus, exponent: bits + 1, significand: 1)
        let limit = UInt64(1) << UInt64(bits)
        for j in 0..<n {
            let x = value(j)
            let r = UInt64(random[j])
            let q = abs(x) * reciprocal
            if q < 6 && x != 0 {  // false for NaN
                // Without branches (the binade is random in real data): 2^(1 - binade) from its bits.
                let binade = (q >= 2 ? 1 : 0) + (q >= 4 ? 1 : 0)
                let u = q * Double(bitPattern: UInt64(1024 - binade) << 52)  // q / h, exact
                // Floors by conversion to an integer (u and w are >= 0 and below 2^34), not libm's floor.
                let m = Double(Int64(u))
                let w = (u - m) * scale  // exact
                let f = Double(Int64(w))
                if w - f > 0x1p-16 && f + 1 - w > 0x1p-16 {
                    let F = UInt64(f)
                    let up: Bool
                    switch variant {
                    case 0: up = (F >> 1) &+ r >= limit  // A: floor(frac 2^N) + R >= 2^N
                    case 1: up = F &+ 2 &* r &+ 1 >= 2 &* limit  // B: floor(frac 2^(N+1)) + 2R + 1 >= 2^(N+1)
                    default: up = (F >> 1) &+ (F & 1) &+ r >= limit  // C: RNITE(frac 2^N) + R >= 2^N; not a tie
                    }
                    let magnitude = UInt32(m) + UInt32(2 * binade) + (up ? 1 : 0)
                    out[j] = encoder.stored(magnitude | UInt32(truncatingIfNeeded: x.bitPattern >> 63) << 3)
                    continue
                }
            }
            out[j] = encoder.elementCode(x, scale: d, random: r)
        }
    }

    /// NVFP4 elements by thresholds (`base`: the 14 thresholds of the block's scale code): the
    /// magnitude code is the number of thresholds |x| reaches.
    @inline(__always)
    private func encodeE2M1(_ src: UnsafePointer<UInt32>, _ n: Int, table base: UnsafePointer<UInt32>, encoder: BlockEncoder,
                            into out: UnsafeMutablePointer<UInt8>) {
        var j = 0
        var nan = Lanes(repeating: 0)
        while j + 16 <= n {
            let b = UnsafeRawPointer(src + j).loadUnaligned(as: Lanes.self)
            let magnitude = b & Lanes(repeating: 0x7FFF_FFFF)
            let negative = b &>> Lanes(repeating: 31)
            let select = Lanes(repeating: 0) &- negative  // all ones where negative
            var c = Lanes(repeating: 0)
            for i in 0..<7 {
                let p = Lanes(repeating: base[i]), q = Lanes(repeating: base[7 + i])
                let v = p ^ ((p ^ q) & select)
                // magnitude >= v (both below 2^31): v - 1 - magnitude is negative.
                c &+= ((v &- Lanes(repeating: 1)) &- magnitude) &>> Lanes(repeating: 31)
            }
            nan |= Lanes(repeating: 0x7F80_0000) &- magnitude  // top bit set where NaN
            UnsafeMutableRawPointer(out + j).storeBytes(of: SIMD16<UInt8>(truncatingIfNeeded: (negative &<< Lanes(repeating: 3)) | c),
                                                        as: SIMD16<UInt8>.self)
            j += 16
        }
        var anyNaN = orAll(nan) >> 31 != 0
        while j < n {
            let b = src[j]
            let magnitude = b & 0x7FFF_FFFF
            let negative = b >> 31
            var c: UInt32 = 0
            for i in 0..<7 { c &+= magnitude >= base[Int(negative) * 7 + i] ? 1 : 0 }
            out[j] = UInt8(truncatingIfNeeded: negative << 3 | c)
            anyNaN = anyNaN || magnitude > 0x7F80_0000
            j += 1
        }
        if anyNaN {
            // NaN elements: the element format's NaN rule.
            for i in 0..<n where src[i] & 0x7FFF_FFFF > 0x7F80_0000 {
                out[i] = UInt8(truncatingIfNeeded: encoder.format.element.encode(Double(Float(bitPattern: src[i]))))
            }
        }
    }
}
