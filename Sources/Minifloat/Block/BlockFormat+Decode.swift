internal import CMinifloatKernels

/// Block decoding: value = element value * scale value (* tensor scale for NVFP4), computed
/// exactly and rounded once to the output type (to nearest, ties to even). A NaN scale code (or a
/// scale code beyond the scale format) makes every element of its block NaN; an element code beyond
/// the element format gives NaN; NaN and Inf element codes keep their meaning (Inf times a zero
/// scale is NaN).
extension BlockFormat {
    /// Decodes to Float. - Precondition: `scales` has ``BlockLayout/scaleCount`` codes, `elements` and
    /// `out` ``BlockLayout/elementCount``; NVFP4 needs `tensorScale` (finite, > 0).
    public func decode(scales: UnsafeBufferPointer<UInt8>, elements: UnsafeBufferPointer<UInt8>, layout: BlockLayout,
                       tensorScale: Float? = nil, into out: UnsafeMutableBufferPointer<Float>, threads: Int? = nil) {
        decodeBlocks(scales: scales, elements: elements, layout: layout, tensorScale: tensorScale, count: out.count,
                     threads: threads, float: out.baseAddress, double: nil)
    }

    /// Decodes to Double (exact). Same rules.
    public func decode(scales: UnsafeBufferPointer<UInt8>, elements: UnsafeBufferPointer<UInt8>, layout: BlockLayout,
                       tensorScale: Float? = nil, into out: UnsafeMutableBufferPointer<Double>, threads: Int? = nil) {
        decodeBlocks(scales: scales, elements: elements, layout: layout, tensorScale: tensorScale, count: out.count,
                     threads: threads, float: nil, double: out.baseAddress)
    }

    /// The values of block codes, as Doubles (exact).
    public func decode(_ codes: BlockCodes, layout: BlockLayout, threads: Int? = nil) -> [Double] {
        [Double](unsafeUninitializedCapacity: codes.elements.count) { out, n in
            codes.scales.withUnsafeBufferPointer { s in
                codes.elements.withUnsafeBufferPointer { e in
                    decode(scales: s, elements: e, layout: layout, tensorScale: codes.tensorScale, into: out, threads: threads)
                }
            }
            n = codes.elements.count
        }
    }

    /// The values of block codes, as Floats (each rounded once).
    public func decode(_ codes: BlockCodes, layout: BlockLayout, as _: Float.Type, threads: Int? = nil) -> [Float] {
        [Float](unsafeUninitializedCapacity: codes.elements.count) { out, n in
            codes.scales.withUnsafeBufferPointer { s in
                codes.elements.withUnsafeBufferPointer { e in
                    decode(scales: s, elements: e, layout: layout, tensorScale: codes.tensorScale, into: out, threads: threads)
                }
            }
            n = codes.elements.count
        }
    }

    private func decodeBlocks(scales: UnsafeBufferPointer<UInt8>, elements: UnsafeBufferPointer<UInt8>,
                              layout: BlockLayout, tensorScale: Float?, count: Int, threads: Int?,
                              float: UnsafeMutablePointer<Float>?, double: UnsafeMutablePointer<Double>?) {
        precondition(layout.blockSize == blockSize, "the layout's block size is not the format's")
        precondition(scales.count >= layout.scaleCount && elements.count >= layout.elementCount
                     && count >= layout.elementCount, "a buffer is too short")
        let t: Double
        if hasTensorScale {
            guard let tensorScale, tensorScale.isFinite, tensorScale > 0 else {
                preconditionFailure("NVFP4 decoding needs a finite positive tensor scale")
            }
            t = Double(tensorScale)
        } else {
            t = 1
        }
        if let float, floatProductsAreCorrectlyRounded {
            decodeBlocksToFloat(scales: scales, elements: elements, layout: layout, tensorScale: hasTensorScale ? Float(t) : nil,
                                threads: threads, into: float)
            return
        }
        var elementTable = [Double](repeating: .nan, count: 256)
        for c in 0..<256 { elementTable[c] = elementValue(UInt8(c)) }
        var scaleTable = [Double](repeating: .nan, count: 256)
        for c in 0..<256 { scaleTable[c] = scaleValue(UInt8(c)) * t }
        let shared = UncheckedSendable((elementTable, scaleTable, scales, elements, float, double))
        Parallel.forEachRange(count: layout.scaleCount, threads: threads, alignment: 1) { range in
            let (elementTable, scaleTable, scales, elements, float, double) = shared.value
            for block in range {
                let (first, n, stride) = layout.block(block)
                let s = scaleTable[Int(scales[block])]
                for j in 0..<n {
                    let i = first + j * stride
                    let v = elementTable[Int(elements[i])] * s
                    if let float { float[i] = Float(v) } else { double![i] = v }
                }
            }
        }
    }

    /// Whether float32 arithmetic gives each value rounded once: an element value times an E8M0
    /// scale (a power of two) is one IEEE multiplication of float32 values, correctly rounded; for
    /// NVFP4, an E2M1 value times a UE4M3 scale has at most 6 significant bits and lies between
    /// 2^-10 and 2688, so it is exact in float32, and one more multiplication by the float32 tensor
    /// scale rounds the exact product once.
    private var floatProductsAreCorrectlyRounded: Bool {
        scale.parameters == Format.e8m0fnu.parameters
            || (hasTensorScale && element.parameters == Format.e2m1fn.parameters && scale.parameters == Format.ue4m3.parameters)
    }

    /// Float output by float32 products (see ``floatProductsAreCorrectlyRounded``): per block, the
    /// scale as a Float (exact: NaN for a NaN or invalid code), then `value(e) * s` (and `* t`).
    private func decodeBlocksToFloat(scales: UnsafeBufferPointer<UInt8>, elements: UnsafeBufferPointer<UInt8>,
                                     layout: BlockLayout, tensorScale: Float?, threads: Int?, into float: UnsafeMutablePointer<Float>) {
        let elementTable = (0..<256).map { Float(elementValue(UInt8($0))) }  // exact: at most 8 significant bits
        let scaleTable = (0..<256).map { Float(scaleValue(UInt8($0))) }      // exact: E8M0 and UE4M3 values are float32 values
        if layout.inner == 1 {
            decodeBlocksToFloatInC(scales: scales, elements: elements, layout: layout, elementTable: elementTable,
                                   scaleTable: scaleTable, tensorScale: tensorScale, threads: threads, into: float)
            return
        }
        let shared = UncheckedSendable((scales, elements, float))
        Parallel.forEachRange(count: layout.scaleCount, threads: threads, alignment: 1) { range in
            let (scales, elements, float) = shared.value
            elementTable.withUnsafeBufferPointer { table in
                for block in range {
                    let (first, n, stride) = layout.block(block)
                    let s = scaleTable[Int(scales[block])]
                    if let t = tensorScale, stride == 1 {
                        for i in first..<(first + n) { float[i] = table[Int(elements[i])] * s * t }
                    } else if let t = tensorScale {
                        for j in 0..<n { let i = first + j * stride; float[i] = table[Int(elements[i])] * s * t }
                    } else if stride == 1 {
                        for i in first..<(first + n) { float[i] = table[Int(elements[i])] * s }
                    } else {
                        for j in 0..<n { let i = first + j * stride; float[i] = table[Int(elements[i])] * s }
                    }
                }
            }
        }
    }

    /// Blocks along the contiguous axis by `minifloat_decode_blocks_float32`: the same float32
    /// products as the Swift loop, FP4 elements with AVX2 or AVX-512 a vector at a time (a table
    /// permutation, one multiply per product), other elements with AVX2 or AVX-512 by arithmetic
    /// on the codes (`minifloat_block_decoder_set_arithmetic`, which checks its form against the
    /// table), the baseline one at a time (faster than the Swift loop there: MXFP4 0.35 against
    /// 0.47 ns per element, docs/performance.md).
    /// One call per run of whole lines' blocks, or per line when the last block of a line is short.
    private func decodeBlocksToFloatInC(scales: UnsafeBufferPointer<UInt8>, elements: UnsafeBufferPointer<UInt8>,
                                        layout: BlockLayout, elementTable: [Float], scaleTable: [Float], tensorScale: Float?,
                                        threads: Int?, into float: UnsafeMutablePointer<Float>) {
        guard layout.scaleCount > 0, let scalesBase = scales.baseAddress, let elementsBase = elements.baseAddress else { return }
        // What the vector path needs: every code above 15 has one value (NaN for FP4 elements).
        let fp4 = elementTable[16...].allSatisfy { $0.bitPattern == elementTable[16].bitPattern }
        let shared = UncheckedSendable((scalesBase, elementsBase, float))
        let perLine = layout.blocksPerLine, wholeBlocks = layout.length % blockSize == 0
        Parallel.forEachRange(count: layout.scaleCount, threads: threads, alignment: 1) { range in
            let (scales, elements, float) = shared.value
            elementTable.withUnsafeBufferPointer { e in
                scaleTable.withUnsafeBufferPointer { s in
                    var decoder = minifloat_block_decoder(element_values: e.baseAddress, scale_values: s.baseAddress,
                                                          tensor_scale: tensorScale ?? 1, has_tensor_scale: tensorScale == nil ? 0 : 1,
                                                          fp4: fp4 ? 1 : 0, arithmetic: 0, mantissa_bits: 0, sign_bit: 0,
                                                          special_start: 0, exponent_offset: 0, unit: 0)
                    minifloat_block_decoder_set_arithmetic(&decoder, Int32(element.exponentBits), Int32(element.mantissaBits),
                                                           Int32(element.bias), elementStorage == .twosComplement ? 1 : 0)
                    var t = range.lowerBound
                    while t < range.upperBound {
                        let end = wholeBlocks ? range.upperBound : Swift.min(range.upperBound, (t / perLine + 1) * perLine)
                        let first = layout.block(t).first
                        let (lastFirst, lastCount, _) = layout.block(end - 1)
                        minifloat_decode_blocks_float32(&decoder, scales + t, elements + first, lastFirst + lastCount - first,
                                                        blockSize, float + first, VectorUnits.level)
                        t = end
                    }
                }
            }
        }
    }

    /// Same as ``PackedFP4/pack(_:rowLength:)``.
    public static func packNibbles(_ codes: [UInt8], rowLength: Int) -> [UInt8] { PackedFP4.pack(codes, rowLength: rowLength) }

    /// Same as ``PackedFP4/unpack(_:rowLength:)``.
    public static func unpackNibbles(_ bytes: [UInt8], rowLength: Int) -> [UInt8] { PackedFP4.unpack(bytes, rowLength: rowLength) }
}
