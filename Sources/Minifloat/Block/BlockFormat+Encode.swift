internal import CMinifloatKernels

/// Block encoding: for each block, the scale code from `amax` by the ``ScaleRule``, then every
/// element `x` encoded as `x / scale` (rounded once, by ``BlockEncoding/rounding``, then
/// ``BlockEncoding/saturation``), where `scale` is the scale code's value (times the tensor scale
/// for NVFP4). See ``BlockLayout`` for the axis and short last blocks, ``BlockSpecials`` for NaN and
/// Inf elements, ``ScaleRule`` for all-zero blocks and zero scales.
///
/// Common rules for the functions here:
/// - `scales` receives ``BlockLayout/scaleCount`` codes, `elements` one stored code per source
///   element (``BlockFormat/elementStorage``; FP4 is not packed here, see ``BlockFormat/packNibbles(_:rowLength:)``).
/// - Stochastic element rounding takes `R_i` from `random` for the element's flat index `i` in the
///   source (the array API's rule).
/// - `threads`: nil means all processors; the result does not depend on it.
/// - `tensorScale` (NVFP4 only): nil computes ``defaultTensorScale(amax:)`` from the source. It is
///   ignored by MX formats. The function returns the tensor scale used (nil for MX).
extension BlockFormat {
    /// Encodes an array of Float, Double, Float16 or bfloat16 (each element rounded once, never
    /// through another type). - Precondition: buffers are large enough; `tensorScale`, when given,
    /// is finite and positive; a stochastic mode has 1...32 bits and `random` is given.
    @discardableResult
    public func encode<Source: MinifloatSource>(_ source: UnsafeBufferPointer<Source>, layout: BlockLayout, encoding: BlockEncoding,
                                                tensorScale: Float? = nil, scales: UnsafeMutableBufferPointer<UInt8>,
                                                elements: UnsafeMutableBufferPointer<UInt8>, random: RandomSource? = nil,
                                                threads: Int? = nil) -> Float? {
        guard let base = source.baseAddress, source.count > 0 else { return hasTensorScale ? tensorScale ?? 1 : nil }
        return encodeBlocks(SourceBits(Source.floatSource, UnsafeRawPointer(base)), count: source.count, layout: layout,
                            encoding: encoding, tensorScale: tensorScale, scales: scales, elements: elements, random: random,
                            threads: threads)
    }

    /// The codes of an array, as arrays (the buffer function above).
    public func encode<Source: MinifloatSource>(_ xs: [Source], layout: BlockLayout, encoding: BlockEncoding, tensorScale: Float? = nil,
                                                random: RandomSource? = nil, threads: Int? = nil) -> BlockCodes {
        var scales = [UInt8](repeating: 0, count: layout.scaleCount)
        var elements = [UInt8](repeating: 0, count: xs.count)
        let used = xs.withUnsafeBufferPointer { x in
            scales.withUnsafeMutableBufferPointer { s in
                elements.withUnsafeMutableBufferPointer { e in
                    encode(x, layout: layout, encoding: encoding, tensorScale: tensorScale, scales: s, elements: e,
                           random: random, threads: threads)
                }
            }
        }
        return BlockCodes(scales: scales, elements: elements, tensorScale: used)
    }

    /// Encodes the elements of an array (as Doubles: every Float, Float16 and bfloat16 is one) with given scale codes (``BlockCodes/scales``
    /// of `given`, and its tensor scale for NVFP4) instead of the ones the rule would choose: what a
    /// verifier needs to check elements independently of the scales. A given scale code that is the
    /// NaN code or not a code of the scale format is replaced by the rule's (finite) choice.
    /// - Precondition: `given.scales.count == layout.scaleCount`; NVFP4 needs `given.tensorScale`.
    public func encodeElements(_ xs: [Double], layout: BlockLayout, encoding: BlockEncoding, given: BlockCodes,
                               random: RandomSource? = nil, threads: Int? = nil) -> [UInt8] {
        precondition(given.scales.count == layout.scaleCount, "one given scale per block")
        precondition(!hasTensorScale || given.tensorScale != nil, "NVFP4 needs the tensor scale")
        var scales = given.scales
        var elements = [UInt8](repeating: 0, count: xs.count)
        xs.withUnsafeBufferPointer { x in
            x.baseAddress.map { base in
                base.withMemoryRebound(to: UInt64.self, capacity: xs.count) { bits in
                    scales.withUnsafeMutableBufferPointer { s in
                        elements.withUnsafeMutableBufferPointer { e in
                            _ = encodeBlocks(.float64(bits), count: xs.count, layout: layout, encoding: encoding,
                                             tensorScale: given.tensorScale, scales: s, elements: e, random: random,
                                             threads: threads, useGivenScales: true)
                        }
                    }
                }
            }
        }
        return elements
    }

    private func encodeBlocks(_ source: SourceBits, count: Int, layout: BlockLayout, encoding: BlockEncoding,
                              tensorScale: Float?, scales: UnsafeMutableBufferPointer<UInt8>,
                              elements: UnsafeMutableBufferPointer<UInt8>, random: RandomSource?,
                              threads: Int?, useGivenScales: Bool = false) -> Float? {
        precondition(layout.elementCount == count, "the layout has \(layout.elementCount) elements, the source \(count)")
        precondition(layout.blockSize == blockSize, "the layout's block size is not the format's")
        precondition(scales.count >= layout.scaleCount && elements.count >= count, "an output buffer is too short")
        if let tensorScale { precondition(tensorScale.isFinite && tensorScale > 0, "the tensor scale must be finite and > 0") }
        let rounding = encoding.rounding
        if rounding.isStochastic {
            precondition((1...RoundingMode.maxRandomBits).contains(rounding.randomBits), "stochastic rounding needs 1...32 random bits")
            guard let random else { preconditionFailure("stochastic rounding of an array needs a RandomSource") }
            if case .values(let v) = random { precondition(v.count >= count, "fewer random values than elements") }
        }
        var usedTensorScale: Float? = nil
        if hasTensorScale {
            usedTensorScale = tensorScale ?? defaultTensorScale(amax: source.finiteAmax(count: count, threads: threads))
        }
        let encoder = BlockEncoder(self, encoding, tensorScale: Double(usedTensorScale ?? 1))
        let stochasticRandom = rounding.isStochastic ? random : nil
        if !useGivenScales && BlockFastPath.applies(self, encoding, source.kind, layout: layout), case .float32(let p) = source {
            let thresholds = ScaleThresholds.shared(encoder)
            let elementTable = hasTensorScale ? E2M1Thresholds(encoder) : nil
            let arrayEncoder = hasTensorScale ? nil
                : ArrayEncoder(element, rounding: encoding.rounding, saturation: encoding.saturation, random: stochasticRandom,
                               source: .float32)
            let kernel = BlockFloat32Kernel(encoder, thresholds: thresholds, elementTable: elementTable)
            let shared = UncheckedSendable((p, scales.baseAddress!, elements.baseAddress!))
            Parallel.forEachRange(count: layout.scaleCount, threads: threads, alignment: 1) { range in
                let (p, scales, elements) = shared.value
                RandomStream.with(stochasticRandom, bits: rounding.randomBits) { stream in
                    encodeBlocksFast(p, layout: layout, range, encoder: encoder, thresholds: thresholds, elementTable: elementTable,
                                     arrayEncoder: arrayEncoder, scales: scales, elements: elements, stream: stream, kernel: kernel)
                }
            }
            return usedTensorScale
        }
        // NVFP4 from float64: float64 thresholds (its decision points are not float32 values).
        if !useGivenScales, case .float64(let p) = source, Self.nvfp4Float64Applies(self) {
            let elementTable = E2M1Thresholds(encoder)
            let thresholds = NVFP4Float64Thresholds(encoder, float32: ScaleThresholds.shared(encoder), elements: elementTable)
            let shared = UncheckedSendable((p, scales.baseAddress!, elements.baseAddress!))
            Parallel.forEachRange(count: layout.scaleCount, threads: threads, alignment: 1) { range in
                let (p, scales, elements) = shared.value
                RandomStream.with(stochasticRandom, bits: rounding.randomBits) { stream in
                    encodeNVFP4Float64(p, layout: layout, range, encoder: encoder, thresholds: thresholds, elementTable: elementTable,
                                       scales: scales, elements: elements, stream: stream)
                }
            }
            return usedTensorScale
        }
        // float64 is rounded to odd, which keeps stochastic decisions for at most 21 - M random bits.
        if !useGivenScales && source.goesThroughFloat32(for: self, rounding: rounding)
            && BlockFastPath.applies(self, encoding, .float32, layout: layout) {
            encodeThroughFloat32(source, count: count, layout: layout, encoder: encoder, scales: scales, elements: elements,
                                 random: stochasticRandom, threads: threads)
            return usedTensorScale
        }
        // MX from float64 under stochastic element rounding with more random bits than float32 keeps.
        if !useGivenScales, case .float64(let p) = source, mxFloat64StochasticApplies(encoding, layout: layout) {
            let thresholds = ScaleThresholds.shared(encoder)
            let arrayEncoder = ArrayEncoder(element, rounding: rounding, saturation: encoding.saturation, random: stochasticRandom,
                                            source: .float64)
            let shared = UncheckedSendable((p, scales.baseAddress!, elements.baseAddress!))
            Parallel.forEachRange(count: layout.scaleCount, threads: threads, alignment: 1) { range in
                let (p, scales, elements) = shared.value
                RandomStream.with(stochasticRandom, bits: rounding.randomBits) { stream in
                    encodeMXFloat64Stochastic(p, layout: layout, range, encoder: encoder, thresholds: thresholds,
                                              arrayEncoder: arrayEncoder, scales: scales, elements: elements, stream: stream)
                }
            }
            return usedTensorScale
        }
        let shared = UncheckedSendable((source, scales.baseAddress!, elements.baseAddress!))
        Parallel.forEachRange(count: layout.scaleCount, threads: threads, alignment: 1) { range in
            let (source, scales, elements) = shared.value
            RandomStream.with(rounding.isStochastic ? random : nil, bits: rounding.randomBits) { stream in
                encodeBlocksExact(source, layout: layout, range, encoder: encoder, scales: scales, elements: elements,
                                  stream: stream, useGivenScales: useGivenScales)
            }
        }
        return usedTensorScale
    }

    /// The exact path: blocks `range`, each element's value as a Double through the scalar steps.
    func encodeBlocksExact(_ source: SourceBits, layout: BlockLayout, _ range: Range<Int>, encoder: BlockEncoder,
                                   scales: UnsafeMutablePointer<UInt8>, elements: UnsafeMutablePointer<UInt8>,
                                   stream: RandomStream?, useGivenScales: Bool) {
        for t in range {
            let (first, n, stride) = layout.block(t)
            var amax = 0.0
            var special = false
            for j in 0..<n {
                let x = source.value(at: first + j * stride)
                if x.isFinite { amax = Swift.max(amax, Swift.abs(x)) } else { special = true }
            }
            var code = encoder.finiteScaleCode(amax: amax)
            if useGivenScales {
                let c = UInt32(scales[t])
                if self.scale.isValidCode(c) && self.scale.classify(c) != .nan { code = c }
            } else {
                scales[t] = UInt8(encoder.storedScaleCode(finite: code, hasSpecial: special))
            }
            let d = encoder.divisor(ofScale: code)
            for j in 0..<n {
                let i = first + j * stride
                elements[i] = encoder.elementCode(source.value(at: i), scale: d, random: stream?.random(i) ?? 0)
            }
        }
    }
}

extension BlockFormat {
    /// bfloat16, float16 and (MX) float64 sources through the float32 fast path. bfloat16 and
    /// float16 values are float32 values (widening is exact), so the codes are those of the same
    /// values given as float32. A float64 is rounded to float32 with round-to-odd: every point the
    /// scale rules and the element rounding compare a value with (an E8M0 threshold `m * 2^k` with
    /// `m` of at most 9 bits, an element value or midpoint of at most 9 bits times the scale, down
    /// to 2^-144) is a float32 value with a 0 last bit, so the rounded value lies on the same side
    /// of each as the input (`Float64ViaFloat32.swift`), provided no finite input is beyond
    /// float32's range; blocks holding such an input take the exact path. Under stochastic element
    /// rounding with N random bits the points also include `v + j * ulp / 2^(N+1)` between element
    /// neighbours, times the scale (P3109 v4.0 section 4.2): with M + N <= 21 those at or above
    /// 2^-126 are float32 values with a 0 last bit, and the ones below matter only to inputs below
    /// 2^-126, so blocks holding a nonzero input below 2^-126 take the exact path. Blocks along the
    /// contiguous axis are converted a group at a time into a buffer on the stack; other layouts
    /// are converted whole first (4 bytes per element).
    private func encodeThroughFloat32(_ source: SourceBits, count: Int, layout: BlockLayout,
                                      encoder: BlockEncoder, scales: UnsafeMutableBufferPointer<UInt8>,
                                      elements: UnsafeMutableBufferPointer<UInt8>, random: RandomSource?, threads: Int?) {
        let encoding = encoder.encoding
        let thresholds = ScaleThresholds.shared(encoder)
        let elementTable = hasTensorScale ? E2M1Thresholds(encoder) : nil
        let arrayEncoder = hasTensorScale ? nil
            : ArrayEncoder(element, rounding: encoding.rounding, saturation: encoding.saturation, random: random,
                           source: .float32)
        let outputs = UncheckedSendable((scales.baseAddress!, elements.baseAddress!))
        let kernel = BlockFloat32Kernel(encoder, thresholds: thresholds, elementTable: elementTable)
        if layout.inner == 1 {
            let group = Swift.max(1, 4096 / blockSize)
            Parallel.forEachRange(count: layout.scaleCount, threads: threads, alignment: 1) { range in
                let (scales, elements) = outputs.value
                RandomStream.with(random, bits: encoding.rounding.randomBits) { stream in
                    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: group * blockSize) { buffer in
                        var t0 = range.lowerBound
                        while t0 < range.upperBound {
                            let t1 = Swift.min(t0 + group, range.upperBound)
                            // Blocks t0..<t1 hold the elements first..<last, contiguous.
                            let first = layout.block(t0).first
                            let (lastFirst, lastCount, _) = layout.block(t1 - 1)
                            let last = lastFirst + lastCount
                            if source.narrow(first..<last, into: buffer.baseAddress!, stochastic: stream != nil) {
                                // Indexed from `first`: element i of the array is at base[i].
                                let base = UnsafePointer(buffer.baseAddress!) - first
                                encodeBlocksFast(base, layout: layout, t0..<t1, encoder: encoder, thresholds: thresholds,
                                                 elementTable: elementTable, arrayEncoder: arrayEncoder, scales: scales, elements: elements,
                                                 stream: stream, kernel: kernel)
                            } else {
                                encodeBlocksExact(source, layout: layout, t0..<t1, encoder: encoder, scales: scales, elements: elements,
                                                  stream: stream, useGivenScales: false)
                            }
                            t0 = t1
                        }
                    }
                }
            }
        } else {
            var fits = true
            let wide = [UInt32](unsafeUninitializedCapacity: count) { buffer, n in
                fits = source.narrow(0..<count, into: buffer.baseAddress!, stochastic: random != nil)
                n = count
            }
            wide.withUnsafeBufferPointer { w in
                let shared = UncheckedSendable((w.baseAddress!, source))
                Parallel.forEachRange(count: layout.scaleCount, threads: threads, alignment: 1) { range in
                    let (scales, elements) = outputs.value
                    RandomStream.with(random, bits: encoding.rounding.randomBits) { stream in
                        if fits {
                            encodeBlocksFast(shared.value.0, layout: layout, range, encoder: encoder, thresholds: thresholds,
                                             elementTable: elementTable, arrayEncoder: arrayEncoder, scales: scales, elements: elements,
                                             stream: stream, kernel: kernel)
                        } else {
                            encodeBlocksExact(shared.value.1, layout: layout, range, encoder: encoder, scales: scales,
                                              elements: elements, stream: stream, useGivenScales: false)
                        }
                    }
                }
            }
        }
    }
}

/// The codes of a block-encoded array.
public struct BlockCodes: Sendable, Hashable {
    /// One scale code per block (``BlockLayout/scaleCount``).
    public var scales: [UInt8]
    /// One stored element code per element, in the source's order.
    public var elements: [UInt8]
    /// The per-tensor scale used (NVFP4), or nil.
    public var tensorScale: Float?

    /// Codes of a block-encoded array.
    public init(scales: [UInt8], elements: [UInt8], tensorScale: Float?) {
        self.scales = scales
        self.elements = elements
        self.tensorScale = tensorScale
    }
}

extension SourceBits {
    /// Whether blocks of `format` from this source may go through float32: bfloat16 and float16
    /// (exact), float64 for E8M0 scales (MX; rounded to odd, see `encodeThroughFloat32`), under a
    /// stochastic `rounding` when the element's M plus the random bits is at most 21.
    func goesThroughFloat32(for format: BlockFormat, rounding: RoundingMode) -> Bool {
        switch self {
        case .bfloat16, .float16: return true
        case .float64:
            return !format.hasTensorScale && format.scale.parameters == Format.e8m0fnu.parameters
                && (!rounding.isStochastic || format.element.mantissaBits + rounding.randomBits <= 21)
        case .float32: return false
        }
    }

    /// Elements `range` as float32 bits into `out[0..<range.count]`: bfloat16 and float16 exactly,
    /// float64 rounded to odd. False when a finite float64 is beyond float32's range, or, for
    /// `stochastic` rounding, a nonzero float64 is below 2^-126 (its blocks then need the exact
    /// path).
    @inline(__always)
    func narrow(_ range: Range<Int>, into out: UnsafeMutablePointer<UInt32>, stochastic: Bool = false) -> Bool {
        switch self {
        case .bfloat16(let p):
            // Offsets from the range's start (no overflow check per element: the loop vectorises).
            let q = p + range.lowerBound
            for k in 0..<range.count { out[k] = UInt32(q[k]) &<< 16 }
        case .float16(let p):
            // In C (the conversion instruction with AVX2 and AVX-512, vectorised integer arithmetic on
            // the baseline; Swift converts one at a time).
            minifloat_widen_float16(p + range.lowerBound, out, range.count, VectorUnits.level)
        case .float64(let p):
            float32RoundedToOdd(p + range.lowerBound, count: range.count, into: out)
            // Rounded to odd, a finite float64 beyond float32's range becomes float32's largest value,
            // and a nonzero one below 2^-126 a float32 subnormal (magnitude bits 1...0x7F_FFFF).
            let leastNormal: UInt32 = stochastic ? 0x0080_0000 : 1
            var outside: UInt32 = 0
            for k in 0..<range.count {
                let magnitude = out[k] & 0x7FFF_FFFF
                outside |= (magnitude &- leastNormal) & (0 &- magnitude) | (0x7F7F_FFFE &- magnitude)
            }
            guard outside & 0x8000_0000 != 0 else { break }
            for k in 0..<range.count {
                let magnitude = p[range.lowerBound + k] & 0x7FFF_FFFF_FFFF_FFFF
                if magnitude > Double(Float.greatestFiniteMagnitude).bitPattern && magnitude < 0x7FF0_0000_0000_0000 { return false }
                if stochastic && magnitude != 0 && magnitude < 0x3810_0000_0000_0000 { return false }
            }
        case .float32: preconditionFailure("float32 sources need no conversion")
        }
        return true
    }

    /// The exact value of element `i` as a Double.
    @inline(__always)
    func value(at i: Int) -> Double {
        switch self {
        case .float32(let p): return Double(Float(bitPattern: p[i]))
        case .bfloat16(let p): return Double(Float(bitPattern: UInt32(p[i]) << 16))
        case .float16(let p): return Format.binary16.decode(UInt32(p[i]))
        case .float64(let p): return Double(bitPattern: p[i])
        }
    }

    /// The largest finite magnitude among the first `count` elements (0 when there is none).
    func finiteAmax(count: Int, threads: Int?) -> Double {
        let parts = Parallel.maxOverRanges(count: count, threads: threads) { range in
            var m = 0.0
            for i in range {
                let x = Swift.abs(value(at: i))
                if x.isFinite && x > m { m = x }
            }
            return m
        }
        return parts
    }
}

extension RandomStream {
    /// Calls `body` with the stream of `source` (nil when there is no source: deterministic rounding).
    @inline(__always)
    static func with(_ source: RandomSource?, bits: Int, _ body: (RandomStream?) -> Void) {
        switch source {
        case nil: body(nil)
        case .seed(let seed)?: body(RandomStream(seed: seed, values: nil, bits: UInt64(bits)))
        case .values(let values)?:
            values.withUnsafeBufferPointer { body(RandomStream(seed: 0, values: $0.baseAddress!, bits: UInt64(bits))) }
        }
    }
}
