/// Array encoding and decoding: the scalar codec's exact semantics, applied to every element,
/// fast (lookup tables built from the scalar codec; see `docs/performance.md`) and in parallel.
///
/// Common rules for every function here:
/// - Element `i` of the output is exactly what the scalar function gives for element `i` of the
///   input: ``Format/encode(_:rounding:saturation:)-(Double,_,_)`` (with, for a stochastic mode,
///   the random value `R_i` of `random`), or ``Format/decode(_:)`` / ``Format/decode(_:as:)``.
/// - `threads`: how many threads to use; `nil` means all processors. The result does not depend
///   on it.
/// - Stochastic modes take `R_i` from `random` (required), not from the mode's own `random` value,
///   which is ignored; the mode's `bits` must be in 1...32.
/// - Codes are written to any unsigned integer type at least as wide as the format (`UInt8` for
///   formats of up to 8 bits, `UInt16` up to 16, `UInt32` above); packed FP4 puts element `2k` in
///   the low nibble and `2k + 1` in the high nibble of byte `k` (PyTorch `float4_e2m1fn_x2`), and a
///   last odd element leaves the high nibble 0.
/// - Decoding a code above ``Format/maxCode`` gives NaN.
extension Format {
    /// Encodes every element of `source` into `codes[0..<source.count]`.
    /// - Precondition: `codes.count >= source.count`; `Code` has at least ``bitWidth`` bits; a
    ///   stochastic `rounding` has 1...32 bits and `random` is given (with enough values).
    public func encode<Code: FixedWidthInteger & UnsignedInteger>(
        _ source: UnsafeBufferPointer<Float>, into codes: UnsafeMutableBufferPointer<Code>,
        rounding: RoundingMode = .nearestTiesToEven, saturation: SaturationMode = .satNone,
        random: RandomSource? = nil, threads: Int? = nil
    ) {
        guard let base = source.baseAddress else { return }
        precondition(codes.count >= source.count, "the code buffer is shorter than the source")
        base.withMemoryRebound(to: UInt32.self, capacity: source.count) { bits in
            encodeArray(.float32(bits), count: source.count, into: codes.baseAddress!, rounding: rounding,
                        saturation: saturation, random: random, threads: threads)
        }
    }

    /// Encodes every element of `source` to a 4-bit code and packs two codes per byte into
    /// `bytes[0..<(source.count + 1) / 2]`.
    /// - Precondition: ``bitWidth`` is 4; `bytes.count >= (source.count + 1) / 2`.
    public func encodePacked(
        _ source: UnsafeBufferPointer<Float>, into bytes: UnsafeMutableBufferPointer<UInt8>,
        rounding: RoundingMode = .nearestTiesToEven, saturation: SaturationMode = .satNone,
        random: RandomSource? = nil, threads: Int? = nil
    ) {
        guard let base = source.baseAddress else { return }
        precondition(bytes.count >= (source.count + 1) / 2, "the byte buffer is shorter than (count + 1) / 2")
        base.withMemoryRebound(to: UInt32.self, capacity: source.count) { bits in
            encodePackedArray(.float32(bits), count: source.count, into: bytes.baseAddress!, rounding: rounding,
                              saturation: saturation, random: random, threads: threads)
        }
    }

    /// Encodes every element of `xs` (the array form of the buffer function above).
    public func encode<Code: FixedWidthInteger & UnsignedInteger>(
        _ xs: [Float], as _: Code.Type, rounding: RoundingMode = .nearestTiesToEven,
        saturation: SaturationMode = .satNone, random: RandomSource? = nil, threads: Int? = nil
    ) -> [Code] {
        [Code](unsafeUninitializedCapacity: xs.count) { codes, count in
            xs.withUnsafeBufferPointer {
                encode($0, into: codes, rounding: rounding, saturation: saturation, random: random, threads: threads)
            }
            count = xs.count
        }
    }

    /// Encodes every element of `xs` to packed FP4 bytes (`(xs.count + 1) / 2` of them).
    public func encodePacked(
        _ xs: [Float], rounding: RoundingMode = .nearestTiesToEven, saturation: SaturationMode = .satNone,
        random: RandomSource? = nil, threads: Int? = nil
    ) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: (xs.count + 1) / 2) { bytes, count in
            xs.withUnsafeBufferPointer {
                encodePacked($0, into: bytes, rounding: rounding, saturation: saturation, random: random, threads: threads)
            }
            count = (xs.count + 1) / 2
        }
    }

    /// Encodes every element of `source` into `codes[0..<source.count]`.
    /// - Precondition: `codes.count >= source.count`; `Code` has at least ``bitWidth`` bits; a
    ///   stochastic `rounding` has 1...32 bits and `random` is given (with enough values).
    public func encode<Code: FixedWidthInteger & UnsignedInteger>(
        _ source: UnsafeBufferPointer<Double>, into codes: UnsafeMutableBufferPointer<Code>,
        rounding: RoundingMode = .nearestTiesToEven, saturation: SaturationMode = .satNone,
        random: RandomSource? = nil, threads: Int? = nil
    ) {
        guard let base = source.baseAddress else { return }
        precondition(codes.count >= source.count, "the code buffer is shorter than the source")
        base.withMemoryRebound(to: UInt64.self, capacity: source.count) { bits in
            encodeArray(.float64(bits), count: source.count, into: codes.baseAddress!, rounding: rounding,
                        saturation: saturation, random: random, threads: threads)
        }
    }

    /// Encodes every element of `source` to a 4-bit code and packs two codes per byte into
    /// `bytes[0..<(source.count + 1) / 2]`.
    /// - Precondition: ``bitWidth`` is 4; `bytes.count >= (source.count + 1) / 2`.
    public func encodePacked(
        _ source: UnsafeBufferPointer<Double>, into bytes: UnsafeMutableBufferPointer<UInt8>,
        rounding: RoundingMode = .nearestTiesToEven, saturation: SaturationMode = .satNone,
        random: RandomSource? = nil, threads: Int? = nil
    ) {
        guard let base = source.baseAddress else { return }
        precondition(bytes.count >= (source.count + 1) / 2, "the byte buffer is shorter than (count + 1) / 2")
        base.withMemoryRebound(to: UInt64.self, capacity: source.count) { bits in
            encodePackedArray(.float64(bits), count: source.count, into: bytes.baseAddress!, rounding: rounding,
                              saturation: saturation, random: random, threads: threads)
        }
    }

    /// Encodes every element of `xs` (the array form of the buffer function above).
    public func encode<Code: FixedWidthInteger & UnsignedInteger>(
        _ xs: [Double], as _: Code.Type, rounding: RoundingMode = .nearestTiesToEven,
        saturation: SaturationMode = .satNone, random: RandomSource? = nil, threads: Int? = nil
    ) -> [Code] {
        [Code](unsafeUninitializedCapacity: xs.count) { codes, count in
            xs.withUnsafeBufferPointer {
                encode($0, into: codes, rounding: rounding, saturation: saturation, random: random, threads: threads)
            }
            count = xs.count
        }
    }

    /// Encodes every element of `xs` to packed FP4 bytes (`(xs.count + 1) / 2` of them).
    public func encodePacked(
        _ xs: [Double], rounding: RoundingMode = .nearestTiesToEven, saturation: SaturationMode = .satNone,
        random: RandomSource? = nil, threads: Int? = nil
    ) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: (xs.count + 1) / 2) { bytes, count in
            xs.withUnsafeBufferPointer {
                encodePacked($0, into: bytes, rounding: rounding, saturation: saturation, random: random, threads: threads)
            }
            count = (xs.count + 1) / 2
        }
    }

    #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
    /// Encodes every element of `source` into `codes[0..<source.count]`.
    /// - Precondition: `codes.count >= source.count`; `Code` has at least ``bitWidth`` bits; a
    ///   stochastic `rounding` has 1...32 bits and `random` is given (with enough values).
    public func encode<Code: FixedWidthInteger & UnsignedInteger>(
        _ source: UnsafeBufferPointer<Float16>, into codes: UnsafeMutableBufferPointer<Code>,
        rounding: RoundingMode = .nearestTiesToEven, saturation: SaturationMode = .satNone,
        random: RandomSource? = nil, threads: Int? = nil
    ) {
        guard let base = source.baseAddress else { return }
        precondition(codes.count >= source.count, "the code buffer is shorter than the source")
        base.withMemoryRebound(to: UInt16.self, capacity: source.count) { bits in
            encodeArray(.float16(bits), count: source.count, into: codes.baseAddress!, rounding: rounding,
                        saturation: saturation, random: random, threads: threads)
        }
    }

    /// Encodes every element of `source` to a 4-bit code and packs two codes per byte into
    /// `bytes[0..<(source.count + 1) / 2]`.
    /// - Precondition: ``bitWidth`` is 4; `bytes.count >= (source.count + 1) / 2`.
    public func encodePacked(
        _ source: UnsafeBufferPointer<Float16>, into bytes: UnsafeMutableBufferPointer<UInt8>,
        rounding: RoundingMode = .nearestTiesToEven, saturation: SaturationMode = .satNone,
        random: RandomSource? = nil, threads: Int? = nil
    ) {
        guard let base = source.baseAddress else { return }
        precondition(bytes.count >= (source.count + 1) / 2, "the byte buffer is shorter than (count + 1) / 2")
        base.withMemoryRebound(to: UInt16.self, capacity: source.count) { bits in
            encodePackedArray(.float16(bits), count: source.count, into: bytes.baseAddress!, rounding: rounding,
                              saturation: saturation, random: random, threads: threads)
        }
    }

    /// Encodes every element of `xs` (the array form of the buffer function above).
    public func encode<Code: FixedWidthInteger & UnsignedInteger>(
        _ xs: [Float16], as _: Code.Type, rounding: RoundingMode = .nearestTiesToEven,
        saturation: SaturationMode = .satNone, random: RandomSource? = nil, threads: Int? = nil
    ) -> [Code] {
        [Code](unsafeUninitializedCapacity: xs.count) { codes, count in
            xs.withUnsafeBufferPointer {
                encode($0, into: codes, rounding: rounding, saturation: saturation, random: random, threads: threads)
            }
            count = xs.count
        }
    }

    /// Encodes every element of `xs` to packed FP4 bytes (`(xs.count + 1) / 2` of them).
    public func encodePacked(
        _ xs: [Float16], rounding: RoundingMode = .nearestTiesToEven, saturation: SaturationMode = .satNone,
        random: RandomSource? = nil, threads: Int? = nil
    ) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: (xs.count + 1) / 2) { bytes, count in
            xs.withUnsafeBufferPointer {
                encodePacked($0, into: bytes, rounding: rounding, saturation: saturation, random: random, threads: threads)
            }
            count = (xs.count + 1) / 2
        }
    }
    #endif

    /// Encodes every element of `source` into `codes[0..<source.count]`.
    /// - Precondition: `codes.count >= source.count`; `Code` has at least ``bitWidth`` bits; a
    ///   stochastic `rounding` has 1...32 bits and `random` is given (with enough values).
    public func encode<Code: FixedWidthInteger & UnsignedInteger>(
        _ source: UnsafeBufferPointer<BFloat16>, into codes: UnsafeMutableBufferPointer<Code>,
        rounding: RoundingMode = .nearestTiesToEven, saturation: SaturationMode = .satNone,
        random: RandomSource? = nil, threads: Int? = nil
    ) {
        guard let base = source.baseAddress else { return }
        precondition(codes.count >= source.count, "the code buffer is shorter than the source")
        base.withMemoryRebound(to: UInt16.self, capacity: source.count) { bits in
            encodeArray(.bfloat16(bits), count: source.count, into: codes.baseAddress!, rounding: rounding,
                        saturation: saturation, random: random, threads: threads)
        }
    }

    /// Encodes every element of `source` to a 4-bit code and packs two codes per byte into
    /// `bytes[0..<(source.count + 1) / 2]`.
    /// - Precondition: ``bitWidth`` is 4; `bytes.count >= (source.count + 1) / 2`.
    public func encodePacked(
        _ source: UnsafeBufferPointer<BFloat16>, into bytes: UnsafeMutableBufferPointer<UInt8>,
        rounding: RoundingMode = .nearestTiesToEven, saturation: SaturationMode = .satNone,
        random: RandomSource? = nil, threads: Int? = nil
    ) {
        guard let base = source.baseAddress else { return }
        precondition(bytes.count >= (source.count + 1) / 2, "the byte buffer is shorter than (count + 1) / 2")
        base.withMemoryRebound(to: UInt16.self, capacity: source.count) { bits in
            encodePackedArray(.bfloat16(bits), count: source.count, into: bytes.baseAddress!, rounding: rounding,
                              saturation: saturation, random: random, threads: threads)
        }
    }

    /// Encodes every element of `xs` (the array form of the buffer function above).
    public func encode<Code: FixedWidthInteger & UnsignedInteger>(
        _ xs: [BFloat16], as _: Code.Type, rounding: RoundingMode = .nearestTiesToEven,
        saturation: SaturationMode = .satNone, random: RandomSource? = nil, threads: Int? = nil
    ) -> [Code] {
        [Code](unsafeUninitializedCapacity: xs.count) { codes, count in
            xs.withUnsafeBufferPointer {
                encode($0, into: codes, rounding: rounding, saturation: saturation, random: random, threads: threads)
            }
            count = xs.count
        }
    }

    /// Encodes every element of `xs` to packed FP4 bytes (`(xs.count + 1) / 2` of them).
    public func encodePacked(
        _ xs: [BFloat16], rounding: RoundingMode = .nearestTiesToEven, saturation: SaturationMode = .satNone,
        random: RandomSource? = nil, threads: Int? = nil
    ) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: (xs.count + 1) / 2) { bytes, count in
            xs.withUnsafeBufferPointer {
                encodePacked($0, into: bytes, rounding: rounding, saturation: saturation, random: random, threads: threads)
            }
            count = (xs.count + 1) / 2
        }
    }

    /// Decodes `codes` into `values[0..<codes.count]`; a code above ``maxCode`` gives NaN.
    /// - Precondition: `values.count >= codes.count`.
    public func decode<Code: FixedWidthInteger & UnsignedInteger>(
        _ codes: UnsafeBufferPointer<Code>, into values: UnsafeMutableBufferPointer<Float>, threads: Int? = nil
    ) {
        guard let base = codes.baseAddress else { return }
        precondition(values.count >= codes.count, "the value buffer is shorter than the codes")
        values.baseAddress!.withMemoryRebound(to: UInt32.self, capacity: codes.count) { out in
            decodeArray(base, count: codes.count, into: out, threads: threads)
        }
    }

    /// Decodes packed FP4 (`count` codes, two per byte, element `2k` in the low nibble of byte `k`).
    /// - Precondition: ``bitWidth`` is 4; `bytes.count >= (count + 1) / 2`; `values.count >= count`.
    public func decodePacked(
        _ bytes: UnsafeBufferPointer<UInt8>, count: Int, into values: UnsafeMutableBufferPointer<Float>, threads: Int? = nil
    ) {
        precondition(bytes.count >= (count + 1) / 2 && values.count >= count, "buffers too short for count")
        guard count > 0 else { return }
        values.baseAddress!.withMemoryRebound(to: UInt32.self, capacity: count) { out in
            decodePackedArray(bytes.baseAddress!, count: count, into: out, threads: threads)
        }
    }

    /// Decodes every code; a code above ``maxCode`` gives NaN.
    public func decode<Code: FixedWidthInteger & UnsignedInteger>(_ codes: [Code], as _: Float.Type,
                                                                  threads: Int? = nil) -> [Float] {
        [Float](unsafeUninitializedCapacity: codes.count) { values, count in
            codes.withUnsafeBufferPointer { decode($0, into: values, threads: threads) }
            count = codes.count
        }
    }

    /// Decodes `count` packed FP4 codes.
    public func decodePacked(_ bytes: [UInt8], count: Int, as _: Float.Type, threads: Int? = nil) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { values, n in
            bytes.withUnsafeBufferPointer { decodePacked($0, count: count, into: values, threads: threads) }
            n = count
        }
    }

    /// Decodes `codes` into `values[0..<codes.count]`; a code above ``maxCode`` gives NaN.
    /// - Precondition: `values.count >= codes.count`.
    public func decode<Code: FixedWidthInteger & UnsignedInteger>(
        _ codes: UnsafeBufferPointer<Code>, into values: UnsafeMutableBufferPointer<Double>, threads: Int? = nil
    ) {
        guard let base = codes.baseAddress else { return }
        precondition(values.count >= codes.count, "the value buffer is shorter than the codes")
        values.baseAddress!.withMemoryRebound(to: UInt64.self, capacity: codes.count) { out in
            decodeArray(base, count: codes.count, into: out, threads: threads)
        }
    }

    /// Decodes packed FP4 (`count` codes, two per byte, element `2k` in the low nibble of byte `k`).
    /// - Precondition: ``bitWidth`` is 4; `bytes.count >= (count + 1) / 2`; `values.count >= count`.
    public func decodePacked(
        _ bytes: UnsafeBufferPointer<UInt8>, count: Int, into values: UnsafeMutableBufferPointer<Double>, threads: Int? = nil
    ) {
        precondition(bytes.count >= (count + 1) / 2 && values.count >= count, "buffers too short for count")
        guard count > 0 else { return }
        values.baseAddress!.withMemoryRebound(to: UInt64.self, capacity: count) { out in
            decodePackedArray(bytes.baseAddress!, count: count, into: out, threads: threads)
        }
    }

    /// Decodes every code; a code above ``maxCode`` gives NaN.
    public func decode<Code: FixedWidthInteger & UnsignedInteger>(_ codes: [Code], as _: Double.Type,
                                                                  threads: Int? = nil) -> [Double] {
        [Double](unsafeUninitializedCapacity: codes.count) { values, count in
            codes.withUnsafeBufferPointer { decode($0, into: values, threads: threads) }
            count = codes.count
        }
    }

    /// Decodes `count` packed FP4 codes.
    public func decodePacked(_ bytes: [UInt8], count: Int, as _: Double.Type, threads: Int? = nil) -> [Double] {
        [Double](unsafeUninitializedCapacity: count) { values, n in
            bytes.withUnsafeBufferPointer { decodePacked($0, count: count, into: values, threads: threads) }
            n = count
        }
    }

}
