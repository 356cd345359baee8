internal import CMinifloatKernels

/// The element types array encoding reads, as raw bits.
enum SourceBits {
    case float32(UnsafePointer<UInt32>)
    case bfloat16(UnsafePointer<UInt16>)
    case float16(UnsafePointer<UInt16>)
    case float64(UnsafePointer<UInt64>)

    /// The element type, without the data.
    var kind: SourceKind {
        switch self {
        case .float32: return .float32
        case .bfloat16: return .bfloat16
        case .float16: return .float16
        case .float64: return .float64
        }
    }
}

/// The element types array encoding reads.
enum SourceKind { case float32, bfloat16, float16, float64 }

/// Encodes ranges of an array: the method is chosen once (lookup table or scalar codec), then
/// applied to each range a thread is given.
struct ArrayEncoder {
    let format: Format
    let rounding: RoundingMode
    let saturation: SaturationMode
    let random: RandomSource?
    private let method: Method

    private enum Method {
        case float32Buckets([UInt32], Float32NormalKernel?)
        case float64Buckets(Float64BucketTable)
        /// float64 rounded to float32 with round-to-odd, then the float32 path (see
        /// ``Format/float64ViaFloat32Applies``).
        case float64ViaFloat32([UInt32], Float32NormalKernel?)
        case float16Direct([UInt16])
        case float32Stochastic(Float32NormalKernel)
        case float64Stochastic(Float64StochasticKernel)
        case scalar
    }

    init(_ format: Format, rounding: RoundingMode, saturation: SaturationMode, random: RandomSource?,
         source: SourceKind) {
        self.format = format
        self.rounding = rounding
        self.saturation = saturation
        self.random = random
        if rounding.isStochastic {
            switch source {
            case .float32, .bfloat16, .float16:  // float16 and bfloat16 widen to float32 exactly
                method = Float32NormalKernel(format, rounding: rounding).map { .float32Stochastic($0) } ?? .scalar
            case .float64:
                // In 64-bit lanes (any N) with AVX2 or AVX-512; on the SSE2 baseline, which lacks 64-bit
                // compares, rounded to float32 with round-to-odd first where that keeps every decision
                // (faster there: 3.3 against 3.7 ns per element, docs/performance.md).
                let viaFloat32 = format.float64ViaFloat32Applies(randomBits: rounding.randomBits)
                    ? Float32NormalKernel(format, rounding: rounding) : nil
                if let kernel = Float64StochasticKernel(format, rounding: rounding),
                   viaFloat32 == nil || VectorUnits.level > 0 {
                    method = .float64Stochastic(kernel)
                } else {
                    method = viaFloat32.map { .float32Stochastic($0) } ?? .scalar
                }
            }
            return
        }
        switch source {
        case .float32, .bfloat16:
            method = format.bucketTablesApply
                ? .float32Buckets(Float32BucketTable.shared(format, rounding, saturation).entries,
                                  Float32NormalKernel(format, rounding: rounding)) : .scalar
        case .float64:
            if format.float64ViaFloat32Applies {
                method = .float64ViaFloat32(Float32BucketTable.shared(format, rounding, saturation).entries,
                                            Float32NormalKernel(format, rounding: rounding))
            } else {
                method = Float64BucketTable.applies(to: format)
                    ? .float64Buckets(Float64BucketTable.shared(format, rounding, saturation)) : .scalar
            }
        case .float16:
            method = format.bitWidth <= 16
                ? .float16Direct(Float16DirectTable.shared(format, rounding, saturation).codes) : .scalar
        }
    }

    /// Writes the codes of elements `range` to `out[0..<range.count]`. Under stochastic rounding
    /// element i takes R_i from `stream` when given (the block paths' random values of gathered
    /// elements), else from this encoder's ``RandomSource``.
    func encode<Code: FixedWidthInteger & UnsignedInteger>(_ source: SourceBits, _ range: Range<Int>,
                                                           into destination: UnsafeMutablePointer<Code>, stream given: RandomStream? = nil) {
        let out = destination - range.lowerBound  // out[i] for i in range is inside the destination
        switch (method, source) {
        case (.float32Buckets(let entries, let kernel), .float32(let p)):
            entries.withUnsafeBufferPointer { t in
                Self.encodeFloat32(p + range.lowerBound, count: range.count, table: t.baseAddress!, kernel: kernel,
                                   into: out + range.lowerBound)
            }
        case (.float64ViaFloat32(let entries, let kernel), .float64(let p)):
            // Blocks of 256: round to float32 (to odd) into a buffer on the stack, then the float32 path.
            entries.withUnsafeBufferPointer { t in
                withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 256) { buffer in
                    let narrow = buffer.baseAddress!
                    var start = range.lowerBound
                    while start < range.upperBound {
                        let n = min(256, range.upperBound - start)
                        float32RoundedToOdd(p + start, count: n, into: narrow)
                        Self.encodeFloat32(narrow, count: n, table: t.baseAddress!, kernel: kernel, into: out + start)
                        start += n
                    }
                }
            }
        case (.float32Buckets(let entries, _), .bfloat16(let p)):
            entries.withUnsafeBufferPointer { t in
                let table = t.baseAddress!
                for i in range { out[i] = Code(truncatingIfNeeded: table[Int(p[i])] & 0xFF) }
            }
        case (.float16Direct(let codes), .float16(let p)):
            codes.withUnsafeBufferPointer { t in
                let table = t.baseAddress!
                for i in range { out[i] = Code(truncatingIfNeeded: table[Int(p[i])]) }
            }
        case (.float32Stochastic(let kernel), .float32(let p)):
            if Code.self == UInt8.self {
                encodeStochasticInC(kernel, source, range, into: UnsafeMutableRawPointer(out).assumingMemoryBound(to: UInt8.self),
                                    given: given, element: { p[$0] }) { k, s, i, n, codes, redo in
                    minifloat_encode_float32_stochastic(k, s, p + i, codes, n, UInt64(i), redo, VectorUnits.level)
                }
            } else {
                encodeStochastic(kernel, source, range, into: out, given: given, element: { p[$0] }, group: { i, _ in p + i })
            }
        case (.float32Stochastic(let kernel), .bfloat16(let p)) where Code.self == UInt8.self:
            // Widened in registers by the C kernel.
            encodeStochasticInC(kernel, source, range, into: UnsafeMutableRawPointer(out).assumingMemoryBound(to: UInt8.self),
                                given: given, element: { UInt32(p[$0]) &<< 16 }) { k, s, i, n, codes, redo in
                minifloat_encode_bfloat16_stochastic(k, s, p + i, codes, n, UInt64(i), redo, VectorUnits.level)
            }
        case (.float32Stochastic(let kernel), .bfloat16(let p)):
            encodeStochasticWidened(kernel, source, range, into: out, given: given) { UInt32(p[$0]) << 16 }
        case (.float32Stochastic(let kernel), .float16(let p)) where Code.self == UInt8.self:
            // Widened in C: by the conversion instruction in the kernel's registers with AVX2 and
            // AVX-512, into a buffer on the baseline (Swift converts one float16 at a time, through
            // a library call).
            encodeStochasticInC(kernel, source, range, into: UnsafeMutableRawPointer(out).assumingMemoryBound(to: UInt8.self),
                                given: given, element: { Float(Float16(bitPattern: p[$0])).bitPattern }) { k, s, i, n, codes, redo in
                minifloat_encode_float16_stochastic(k, s, p + i, codes, n, UInt64(i), redo, VectorUnits.level)
            }
        case (.float32Stochastic(let kernel), .float16(let p)):
            encodeStochasticWidened(kernel, source, range, into: out, given: given) { Float(Float16(bitPattern: p[$0])).bitPattern }
        case (.float32Stochastic(let kernel), .float64(let p)):
            // Rounded to float32 with round-to-odd (``Format/float64ViaFloat32Applies(randomBits:)``);
            // an element the kernel does not take goes to the scalar codec with its float64 value.
            if Code.self == UInt8.self {
                encodeStochasticInC(kernel, source, range, into: UnsafeMutableRawPointer(out).assumingMemoryBound(to: UInt8.self),
                                    given: given, element: { float32RoundedToOddByConversion(p[$0]) }) { k, s, i, n, codes, redo in
                    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 4096) { buffer in  // n <= 4096
                        float32RoundedToOdd(p + i, count: n, into: buffer.baseAddress!)
                        minifloat_encode_float32_stochastic(k, s, buffer.baseAddress!, codes, n, UInt64(i), redo, VectorUnits.level)
                    }
                }
            } else {
                encodeStochastic(kernel, source, range, into: out, given: given,
                                 element: { float32RoundedToOddByConversion(p[$0]) }) { i, buffer in
                    float32RoundedToOdd(p + i, count: 16, into: buffer)
                    return UnsafePointer(buffer)
                }
            }
        case (.float64Stochastic(let kernel), .float64(let p)):
            encodeFloat64Stochastic(kernel, p, range, into: out, given: given)
        case (.float64Buckets(let table), .float64(let p)):
            for i in range { out[i] = Code(truncatingIfNeeded: table.code(p[i])) }
        default:
            if rounding.isStochastic {
                withRandomStream(given) { stream in
                    for i in range { out[i] = Code(truncatingIfNeeded: scalarCode(source, i, random: stream.random(i))) }
                }
            } else {
                for i in range { out[i] = Code(truncatingIfNeeded: scalarCode(source, i, random: 0)) }
            }
        }
    }

    /// The float32 path: groups of 16 through the vector kernel where it applies, the rest through
    /// the bucket table.
    @inline(__always)
    static func encodeFloat32<Code: FixedWidthInteger & UnsignedInteger>(
        _ p: UnsafePointer<UInt32>, count: Int, table: UnsafePointer<UInt32>, kernel: Float32NormalKernel?,
        into out: UnsafeMutablePointer<Code>
    ) {
        @inline(__always) func lookUp(_ i: Int) {
            let bits = p[i]
            let entry = table[Int(bits &>> 16)]
            let code = bits & 0xFFFF >= entry &>> 16 ? entry &>> 8 : entry
            out[i] = Code(truncatingIfNeeded: code & 0xFF)
        }
        var i = 0
        if let kernel, Code.self == UInt8.self, VectorUnits.level > 0 {
            // The same kernel and table lookups in C, for AVX2 or AVX-512 (CMinifloatKernels).
            var constants = kernel.cKernel
            minifloat_encode_float32_codes8(&constants, table, p, UnsafeMutableRawPointer(out).assumingMemoryBound(to: UInt8.self),
                                            count, VectorUnits.level)
            return
        }
        if let kernel {
            while i + 16 <= count {
                if !kernel.encodeGroup(UnsafeRawPointer(p + i), out + i) {
                    for j in i..<(i + 16) { lookUp(j) }
                }
                i += 16
            }
        }
        while i < count {
            lookUp(i)
            i += 1
        }
    }

    /// The stochastic path for sources that widen to float32: groups of 16 through the vector
    /// kernel (their float32 bits from `group(i, scratch)`, a pointer to 16 values; one element's
    /// from `element(i)`); a group with any input outside the normal range, and the tail, element
    /// by element (the kernel's scalar form, or the scalar codec); each element `i` with its own
    /// `R_i`, computed 256 at a time.
    @inline(__always)
    private func encodeStochastic<Code: FixedWidthInteger & UnsignedInteger>(
        _ kernel: Float32NormalKernel, _ source: SourceBits, _ range: Range<Int>, into out: UnsafeMutablePointer<Code>,
        given: RandomStream?, element: (Int) -> UInt32, group: (Int, UnsafeMutablePointer<UInt32>) -> UnsafePointer<UInt32>
    ) {
        let plan = kernel.plan(rounding)
        withRandomStream(given) { stream in
            // 16 widened inputs, then the random values of up to 256 elements.
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16 + 256) { scratch in
                let widened = scratch.baseAddress!, randoms = scratch.baseAddress! + 16
                @inline(__always) func one(_ bits: UInt32, _ i: Int, _ r: UInt64) {
                    let code = kernel.stochasticCode(bits, plan, random: r)
                    out[i] = Code(truncatingIfNeeded: code ?? scalarCode(source, i, random: r))
                }
                var i = range.lowerBound
                while i + 16 <= range.upperBound {
                    let chunk = min(256, (range.upperBound - i) & ~15)
                    stream.fill(randoms, from: i, count: chunk)
                    for g in stride(from: 0, to: chunk, by: 16) {
                        let bits = group(i + g, widened)
                        let r = UnsafeRawPointer(randoms + g).loadUnaligned(as: SIMD16<UInt32>.self)
                        if !kernel.stochasticGroup(UnsafeRawPointer(bits), random: r, plan, out + i + g) {
                            for k in 0..<16 { one(bits[k], i + g + k, UInt64(randoms[g + k])) }
                        }
                    }
                    i += chunk
                }
                while i < range.upperBound {
                    one(element(i), i, stream.random(i))
                    i += 1
                }
            }
        }
    }

    /// The stochastic path for a source that widens to float32 (`widen(i)`: element i's bits) to
    /// codes wider than a byte, 16 elements at a time in Swift (byte codes take
    /// ``encodeStochasticInC(_:_:_:into:given:element:run:)``).
    @inline(__always)
    private func encodeStochasticWidened<Code: FixedWidthInteger & UnsignedInteger>(
        _ kernel: Float32NormalKernel, _ source: SourceBits, _ range: Range<Int>, into out: UnsafeMutablePointer<Code>,
        given: RandomStream?, widen: (Int) -> UInt32
    ) {
        encodeStochastic(kernel, source, range, into: out, given: given, element: widen) { i, buffer in
            for k in 0..<16 { buffer[k] = widen(i + k) }
            return UnsafePointer(buffer)
        }
    }

    /// The stochastic path for byte codes in C (`minifloat_encode_float32_stochastic`, AVX-512,
    /// AVX2 or the baseline; faster than the Swift vectors at each: f32 -> e4m3fn 0.60, 0.88 and
    /// 1.45 ns per element against 0.93, 1.23 and 1.70, docs/performance.md): chunks of up to 4,096
    /// elements, `run(kernel, mode, i, n, out + i, redo)` rounding elements `i ..< i + n` (a
    /// multiple of 16) with the C function for the source, each group of 16 with its random values
    /// made and rounded in registers; the groups it reports (an input outside the normal range)
    /// and the tail element by element from `element(i)` (element i's float32 bits), as
    /// ``encodeStochastic(_:_:_:into:element:group:)`` does them. Element `i` takes `R_i`.
    @inline(__always)
    private func encodeStochasticInC(
        _ kernel: Float32NormalKernel, _ source: SourceBits, _ range: Range<Int>, into out: UnsafeMutablePointer<UInt8>,
        given: RandomStream?, element: (Int) -> UInt32,
        run: (UnsafePointer<minifloat_float32_kernel>, UnsafePointer<minifloat_stochastic>, Int, Int, UnsafeMutablePointer<UInt8>,
              UnsafeMutablePointer<UInt64>) -> Void
    ) {
        let plan = kernel.plan(rounding)
        var constants = kernel.cKernel
        withRandomStream(given) { stream in
            var random = kernel.cStochastic(plan, seed: stream.seed, values: stream.values, bits: UInt32(stream.bits))
            @inline(__always) func one(_ i: Int) {
                let r = stream.random(i)
                out[i] = UInt8(truncatingIfNeeded: kernel.stochasticCode(element(i), plan, random: r) ?? scalarCode(source, i, random: r))
            }
            chunksRedoingReported(range, run: { i, n, redo in run(&constants, &random, i, n, out + i, redo) }, one: one)
        }
    }

    /// Elements `range` in chunks of up to 4,096 (a multiple of 16) through `run(i, n, redo)`,
    /// which sets bit g % 64 of redo[g / 64] for each group g of 16 it did not write; those groups
    /// and the tail go element by element through `one(i)`.
    @inline(__always)
    private func chunksRedoingReported(_ range: Range<Int>, run: (Int, Int, UnsafeMutablePointer<UInt64>) -> Void,
                                       one: (Int) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 4) { redo in
            var i = range.lowerBound
            while i + 16 <= range.upperBound {
                let n = min(4096, (range.upperBound - i) & ~15)
                run(i, n, redo.baseAddress!)
                for w in 0..<((n + 1023) / 1024) {
                    var word = redo[w]
                    while word != 0 {
                        let start = w * 1024 + word.trailingZeroBitCount * 16
                        word &= word &- 1
                        for k in start..<(start + 16) { one(i + k) }
                    }
                }
                i += n
            }
            while i < range.upperBound {
                one(i)
                i += 1
            }
        }
    }

    /// The stochastic path for float64 sources (`minifloat_encode_float64_stochastic`, any number of
    /// random bits): chunks of up to 4,096 elements in C, byte codes written in place (other code
    /// types through a buffer); the groups it reports (an input beyond the largest finite value)
    /// and the tail through the scalar codec. Element `i` takes `R_i`.
    private func encodeFloat64Stochastic<Code: FixedWidthInteger & UnsignedInteger>(
        _ kernel: Float64StochasticKernel, _ p: UnsafePointer<UInt64>, _ range: Range<Int>, into out: UnsafeMutablePointer<Code>,
        given: RandomStream?
    ) {
        var constants = kernel.constants
        let source = SourceBits.float64(p)
        withRandomStream(given) { stream in
            var random = minifloat_stochastic(increment_right: 0, increment_left: 0, increment_add: 0, round_bits: 0,
                                              seed: stream.seed, values: stream.values, bits: UInt32(stream.bits),
                                              subnormal_multiplier: 0, wide_fraction_scale: 0, wide_threshold: 0, wide_ties_to_even: 0)
            @inline(__always) func one(_ i: Int) {
                out[i] = Code(truncatingIfNeeded: scalarCode(source, i, random: stream.random(i)))
            }
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Code.self == UInt8.self ? 0 : 4096) { buffer in
                chunksRedoingReported(range, run: { i, n, redo in
                    let codes = Code.self == UInt8.self
                        ? UnsafeMutableRawPointer(out + i).assumingMemoryBound(to: UInt8.self) : buffer.baseAddress!
                    minifloat_encode_float64_stochastic(&constants, &random, p + i, codes, n, UInt64(i), redo, VectorUnits.level)
                    if Code.self != UInt8.self { for k in 0..<n { out[i + k] = Code(codes[k]) } }
                }, one: one)
            }
        }
    }

    /// Calls `body` with `given`, or else a stream of this encoder's random values, unwrapped once
    /// (not per element).
    @inline(__always)
    func withRandomStream(_ given: RandomStream? = nil, _ body: (RandomStream) -> Void) {
        if let given {
            body(given)
            return
        }
        let bits = UInt64(rounding.randomBits)
        switch random! {
        case .seed(let seed):
            body(RandomStream(seed: seed, values: nil, bits: bits))
        case .values(let values):
            values.withUnsafeBufferPointer { body(RandomStream(seed: 0, values: $0.baseAddress!, bits: bits)) }
        }
    }

    /// The scalar codec on element `i`, with random value `r` for a stochastic mode.
    @inline(__always)
    func scalarCode(_ source: SourceBits, _ i: Int, random r: UInt64) -> UInt32 {
        let mode = rounding.withRandom(r)
        let x: Double
        switch source {
        case .float32(let p): x = Double(Float(bitPattern: p[i]))
        case .bfloat16(let p): x = Double(Float(bitPattern: UInt32(p[i]) << 16))
        case .float16(let p): x = Format.binary16.decode(UInt32(p[i]))
        case .float64(let p): x = Double(bitPattern: p[i])
        }
        return format.encode(x, rounding: mode, saturation: saturation)
    }
}

/// The random values R_i of a ``RandomSource`` (as it documents them), for a fixed number of bits.
struct RandomStream {
    let seed: UInt64
    let values: UnsafePointer<UInt32>?
    let bits: UInt64

    @inline(__always)
    func random(_ i: Int) -> UInt64 {
        if let values { return UInt64(values[i]) & ((1 &<< bits) &- 1) }
        return UInt64(RandomSource.splitMix64Word(seed: seed, index: UInt64(i)) &>> UInt32(32 &- bits))  // bits is 1...32
    }

    /// Writes `R_i ..< R_(i+count)` to `buffer[0..<count]`.
    @inline(__always)
    func fill(_ buffer: UnsafeMutablePointer<UInt32>, from i: Int, count: Int) {
        if let values {
            let mask = UInt32(truncatingIfNeeded: (1 &<< bits) &- 1)
            for k in 0..<count { buffer[k] = values[i + k] & mask }
        } else {
            RandomSource.seededValues(seed: seed, first: UInt64(i), bits: UInt32(bits), into: buffer, count: count)
        }
    }
}
