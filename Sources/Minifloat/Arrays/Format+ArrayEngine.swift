internal import CMinifloatKernels

extension Format {
    func checkArrayArguments<Code: FixedWidthInteger>(_: Code.Type, count: Int, rounding: RoundingMode,
                                                     random: RandomSource?) {
        precondition(Code.bitWidth >= bitWidth, "\(Code.self) is narrower than the \(bitWidth)-bit format \(name)")
        if rounding.isStochastic {
            precondition((1...RoundingMode.maxRandomBits).contains(rounding.randomBits),
                         "stochastic rounding needs 1...32 random bits")
            guard let random else { preconditionFailure("stochastic rounding of an array needs a RandomSource") }
            if case .values(let values) = random {
                precondition(values.count >= count, "fewer random values than elements")
            }
        }
    }

    func encodeArray<Code: FixedWidthInteger & UnsignedInteger>(
        _ source: SourceBits, count: Int, into out: UnsafeMutablePointer<Code>,
        rounding: RoundingMode, saturation: SaturationMode, random: RandomSource?, threads: Int?
    ) {
        checkArrayArguments(Code.self, count: count, rounding: rounding, random: random)
        encodeArray(source, count: count, into: UnsafeMutableRawPointer(out), codeBits: Code.bitWidth,
                    rounding: rounding, saturation: saturation, random: random, threads: threads)
    }

    /// Not generic, so that the calls below are specialized even when the public generic caller is not.
    private func encodeArray(
        _ source: SourceBits, count: Int, into raw: UnsafeMutableRawPointer, codeBits: Int,
        rounding: RoundingMode, saturation: SaturationMode, random: RandomSource?, threads: Int?
    ) {
        let encoder = ArrayEncoder(self, rounding: rounding, saturation: saturation, random: random, source: source.kind)
        switch codeBits {
        case 8: encodeRanges(encoder, source, count, raw.assumingMemoryBound(to: UInt8.self), threads)
        case 16: encodeRanges(encoder, source, count, raw.assumingMemoryBound(to: UInt16.self), threads)
        case 32: encodeRanges(encoder, source, count, raw.assumingMemoryBound(to: UInt32.self), threads)
        default: encodeRanges(encoder, source, count, raw.assumingMemoryBound(to: UInt64.self), threads)
        }
    }

    private func encodeRanges<C: FixedWidthInteger & UnsignedInteger>(
        _ encoder: ArrayEncoder, _ source: SourceBits, _ count: Int, _ out: UnsafeMutablePointer<C>, _ threads: Int?
    ) {
        let shared = UncheckedSendable((encoder, source, out))
        Parallel.forEachRange(count: count, threads: threads) { range in
            let (encoder, source, out) = shared.value
            encoder.encode(source, range, into: out + range.lowerBound)
        }
    }

    func encodePackedArray(
        _ source: SourceBits, count: Int, into bytes: UnsafeMutablePointer<UInt8>,
        rounding: RoundingMode, saturation: SaturationMode, random: RandomSource?, threads: Int?
    ) {
        precondition(bitWidth == 4, "packing two codes per byte needs a 4-bit format; \(name) has \(bitWidth) bits")
        checkArrayArguments(UInt8.self, count: count, rounding: rounding, random: random)
        let encoder = ArrayEncoder(self, rounding: rounding, saturation: saturation, random: random, source: source.kind)
        let shared = UncheckedSendable((encoder, source, bytes))
        Parallel.forEachRange(count: count, threads: threads) { range in
            let (encoder, source, bytes) = shared.value
            let block = 4096
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: block) { temp in
                var start = range.lowerBound  // even: ranges start on multiples of 64
                while start < range.upperBound {
                    let end = min(start + block, range.upperBound)
                    encoder.encode(source, start..<end, into: temp.baseAddress!)
                    var k = 0
                    let raw = UnsafeRawPointer(temp.baseAddress!)
                    while k + 32 <= end - start {  // 32 codes to 16 bytes: even lanes low, odd lanes high
                        let codes = raw.loadUnaligned(fromByteOffset: k, as: SIMD32<UInt8>.self)
                        let pairs = codes.evenHalf | (codes.oddHalf &<< SIMD16<UInt8>(repeating: 4))
                        UnsafeMutableRawPointer(bytes + (start + k) / 2).storeBytes(of: pairs, as: SIMD16<UInt8>.self)
                        k += 32
                    }
                    while k + 1 < end - start {
                        bytes[(start + k) / 2] = temp[k] | temp[k + 1] << 4
                        k += 2
                    }
                    if k < end - start { bytes[(start + k) / 2] = temp[k] }
                    start = end
                }
            }
        }
    }

    func decodeArray<Code: FixedWidthInteger & UnsignedInteger, Bits: FixedWidthInteger & UnsignedInteger>(
        _ codes: UnsafePointer<Code>, count: Int, into out: UnsafeMutablePointer<Bits>, threads: Int?
    ) {
        precondition(Code.bitWidth <= 64 && (Bits.bitWidth == 32 || Bits.bitWidth == 64))
        decodeArray(UnsafeRawPointer(codes), codeBits: Code.bitWidth, count: count,
                    into: UnsafeMutableRawPointer(out), valueBits: Bits.bitWidth, threads: threads)
    }

    /// Not generic, so that the calls below are specialized even when the public generic caller is not.
    private func decodeArray(_ codes: UnsafeRawPointer, codeBits: Int, count: Int, into out: UnsafeMutableRawPointer,
                             valueBits: Int, threads: Int?) {
        if valueBits == 32 {
            let out = out.assumingMemoryBound(to: UInt32.self)
            switch codeBits {
            case 8: decodeRanges(codes.assumingMemoryBound(to: UInt8.self), count, out, threads)
            case 16: decodeRanges(codes.assumingMemoryBound(to: UInt16.self), count, out, threads)
            case 32: decodeRanges(codes.assumingMemoryBound(to: UInt32.self), count, out, threads)
            default: decodeRanges(codes.assumingMemoryBound(to: UInt64.self), count, out, threads)
            }
        } else {
            let out = out.assumingMemoryBound(to: UInt64.self)
            switch codeBits {
            case 8: decodeRanges(codes.assumingMemoryBound(to: UInt8.self), count, out, threads)
            case 16: decodeRanges(codes.assumingMemoryBound(to: UInt16.self), count, out, threads)
            case 32: decodeRanges(codes.assumingMemoryBound(to: UInt32.self), count, out, threads)
            default: decodeRanges(codes.assumingMemoryBound(to: UInt64.self), count, out, threads)
            }
        }
    }

    private func decodeRanges<C: FixedWidthInteger & UnsignedInteger, Bits: FixedWidthInteger & UnsignedInteger>(
        _ codes: UnsafePointer<C>, _ count: Int, _ out: UnsafeMutablePointer<Bits>, _ threads: Int?
    ) {
        let shared = UncheckedSendable((codes, out))
        if bitWidth <= 16 {
            let table = DecodeTable.shared(self)
            let nan = Bits.bitWidth == 32 ? Bits(truncatingIfNeeded: 0x7FC0_0000 as UInt32)
                                          : Bits(truncatingIfNeeded: 0x7FF8_0000_0000_0000 as UInt64)
            Parallel.forEachRange(count: count, threads: threads) { range in
                let (codes, out) = shared.value
                table.withBits(Bits.self) { t in
                    if C.bitWidth == 8 && Bits.bitWidth == 32 {
                        // In C, which asks for the output lines ahead (4 bytes written per byte read).
                        minifloat_decode_table8(UnsafeRawPointer(t).assumingMemoryBound(to: UInt32.self),
                                                UnsafeRawPointer(codes + range.lowerBound).assumingMemoryBound(to: UInt8.self),
                                                UnsafeMutableRawPointer(out + range.lowerBound).assumingMemoryBound(to: UInt32.self),
                                                range.count)
                    } else if C.bitWidth <= 16 {
                        // The table has an entry (NaN above maxCode) for every 16-bit code.
                        for i in range { out[i] = t[Int(truncatingIfNeeded: codes[i])] }
                    } else {
                        for i in range {
                            let c = UInt64(truncatingIfNeeded: codes[i])
                            out[i] = c <= 0xFFFF ? t[Int(c)] : nan
                        }
                    }
                }
            }
        } else {
            Parallel.forEachRange(count: count, threads: threads) { range in
                let (codes, out) = shared.value
                for i in range { out[i] = scalarDecodedBits(UInt64(truncatingIfNeeded: codes[i]), as: Bits.self) }
            }
        }
    }

    func decodePackedArray<Bits: FixedWidthInteger & UnsignedInteger>(
        _ bytes: UnsafePointer<UInt8>, count: Int, into out: UnsafeMutablePointer<Bits>, threads: Int?
    ) {
        precondition(bitWidth == 4, "packed codes need a 4-bit format; \(name) has \(bitWidth) bits")
        let table = DecodeTable.shared(self)
        let shared = UncheckedSendable((bytes, out))
        Parallel.forEachRange(count: count, threads: threads) { range in
            let (bytes, out) = shared.value
            table.withBits(Bits.self) { t in
                for i in range {
                    let byte = bytes[i >> 1]
                    out[i] = t[Int(i & 1 == 0 ? byte & 0xF : byte >> 4)]
                }
            }
        }
    }

    /// The scalar decode of a code (NaN above ``maxCode``) as Float or Double bits.
    func scalarDecodedBits<Bits: FixedWidthInteger & UnsignedInteger>(_ code: UInt64, as _: Bits.Type) -> Bits {
        if Bits.bitWidth == 32 {
            let value = code < codeCount ? decode(UInt32(code), as: Float.self) : .nan
            return Bits(truncatingIfNeeded: value.bitPattern)
        }
        let value = code < codeCount ? decode(UInt32(code)) : .nan
        return Bits(truncatingIfNeeded: value.bitPattern)
    }
}

extension DecodeTable {
    /// Calls `body` with the Float (32-bit `Bits`) or Double (64-bit) table.
    @inline(__always)
    func withBits<Bits: FixedWidthInteger, R>(_: Bits.Type, _ body: (UnsafePointer<Bits>) -> R) -> R {
        if Bits.bitWidth == 32 {
            return floatBits.withUnsafeBufferPointer {
                body(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: Bits.self))
            }
        }
        return doubleBits.withUnsafeBufferPointer {
            body(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: Bits.self))
        }
    }
}
