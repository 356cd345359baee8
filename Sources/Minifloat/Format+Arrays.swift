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
    /// Encodes every element of `source` (Float, Double, Float16 or bfloat16) into
    /// `codes[0..<source.count]`.
    /// - Precondition: `codes.count >= source.count`; `Code` has at least ``bitWidth`` bits; a
    ///   stochastic `rounding` has 1...32 bits and `random` is given (with enough values).
    public func encode<Source: MinifloatSource, Code: FixedWidthInteger & UnsignedInteger>(
        _ source: UnsafeBufferPointer<Source>, into codes: UnsafeMutableBufferPointer<Code>,
        rounding: RoundingMode = .nearestTiesToEven, saturation: SaturationMode = .satNone,
        random: RandomSource? = nil, threads: Int? = nil
    ) {
        encode(raw: UnsafeRawBufferPointer(source), as: Source.floatSource, count: source.count, into: codes,
               rounding: rounding, saturation: saturation, random: random, threads: threads)
    }

    /// Encodes every element of `source` to a 4-bit code and packs two codes per byte into
    /// `bytes[0..<(source.count + 1) / 2]` (``PackedFP4``).
    /// - Precondition: ``bitWidth`` is 4; `bytes.count >= (source.count + 1) / 2`.
    public func encodePacked<Source: MinifloatSource>(
        _ source: UnsafeBufferPointer<Source>, into bytes: UnsafeMutableBufferPointer<UInt8>,
        rounding: RoundingMode = .nearestTiesToEven, saturation: SaturationMode = .satNone,
        random: RandomSource? = nil, threads: Int? = nil
    ) {
        encodePacked(raw: UnsafeRawBufferPointer(source), as: Source.floatSource, count: source.count, into: bytes,
                     rounding: rounding, saturation: saturation, random: random, threads: threads)
    }

    /// Encodes every element of `xs` (the array form of the buffer function above).
    public func encode<Source: MinifloatSource, Code: FixedWidthInteger & UnsignedInteger>(
        _ xs: [Source], as _: Code.Type, rounding: RoundingMode = .nearestTiesToEven,
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
    public func encodePacked<Source: MinifloatSource>(
        _ xs: [Source], rounding: RoundingMode = .nearestTiesToEven, saturation: SaturationMode = .satNone,
        random: RandomSource? = nil, threads: Int? = nil
    ) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: (xs.count + 1) / 2) { bytes, count in
            xs.withUnsafeBufferPointer {
                encodePacked($0, into: bytes, rounding: rounding, saturation: saturation, random: random, threads: threads)
            }
            count = (xs.count + 1) / 2
        }
    }

    /// Encodes `count` elements of type `source` stored at `raw` (native byte order, aligned for
    /// the type) into `codes[0..<count]`: the same as the typed function, for a type known only at
    /// run time (an array file's dtype).
    /// - Precondition: `raw` holds at least `count` elements; as the typed function otherwise.
    public func encode<Code: FixedWidthInteger & UnsignedInteger>(
        raw: UnsafeRawBufferPointer, as source: FloatSource, count: Int, into codes: UnsafeMutableBufferPointer<Code>,
        rounding: RoundingMode = .nearestTiesToEven, saturation: SaturationMode = .satNone,
        random: RandomSource? = nil, threads: Int? = nil
    ) {
        guard count > 0, let base = raw.baseAddress else { return }
        precondition(raw.count >= count * source.byteCount, "the source buffer holds fewer than \(count) elements")
        precondition(codes.count >= count, "the code buffer is shorter than the source")
        encodeArray(SourceBits(source, base), count: count, into: codes.baseAddress!, rounding: rounding,
                    saturation: saturation, random: random, threads: threads)
    }

    /// The packed-FP4 form of ``encode(raw:as:count:into:rounding:saturation:random:threads:)``.
    /// - Precondition: ``bitWidth`` is 4; `bytes.count >= (count + 1) / 2`.
    public func encodePacked(
        raw: UnsafeRawBufferPointer, as source: FloatSource, count: Int, into bytes: UnsafeMutableBufferPointer<UInt8>,
        rounding: RoundingMode = .nearestTiesToEven, saturation: SaturationMode = .satNone,
        random: RandomSource? = nil, threads: Int? = nil
    ) {
        guard count > 0, let base = raw.baseAddress else { return }
        precondition(raw.count >= count * source.byteCount, "the source buffer holds fewer than \(count) elements")
        precondition(bytes.count >= (count + 1) / 2, "the byte buffer is shorter than (count + 1) / 2")
        encodePackedArray(SourceBits(source, base), count: count, into: bytes.baseAddress!, rounding: rounding,
                          saturation: saturation, random: random, threads: threads)
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
