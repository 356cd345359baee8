internal import CMinifloatKernels

/// Where the stochastic rounding modes get their random integer R for each element of an array.
///
/// Element `i` of an array uses `R_i`, which depends only on the source and `i`, never on how the
/// work is split between threads, so results are the same for every thread count.
public enum RandomSource: Sendable, Hashable {
    /// A counter-based generator: `R_i` is the top N bits of the 32-bit word `i` of SplitMix64's
    /// output stream from state `seed` (``splitMix64Word(seed:index:)``: output `j` gives words
    /// `2j` and `2j + 1`, its low half first), so NumPy or C code can reproduce it: in NumPy, the
    /// `uint64` outputs viewed as `uint32` (little-endian), shifted right by `32 - N`.
    ///
    /// Until 2026-11-29 `R_i` was the top N bits of a whole output, ``splitMix64(seed:index:)``
    /// at `index: i`; that stream is still available as ``values(_:)`` with `values[i]` =
    /// `UInt32(truncatingIfNeeded: RandomSource.splitMix64(seed: seed, index: UInt64(i)) >> (64 - N))`.
    case seed(UInt64)
    /// The caller's random integers, one per element: `R_i` is the low N bits of `values[i]`.
    /// There must be at least as many values as elements.
    case values([UInt32])

    /// The `(index + 1)`-th output of SplitMix64 (Steele, Lea and Flood, OOPSLA 2014) from state
    /// `seed`: with `z = seed &+ (index &+ 1) &* 0x9E3779B97F4A7C15`, then
    /// `z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9`, `z = (z ^ (z >> 27)) &* 0x94D049BB133111EB`,
    /// the result is `z ^ (z >> 31)`.
    @inline(__always)
    public static func splitMix64(seed: UInt64, index: UInt64) -> UInt64 {
        var z = seed &+ (index &+ 1) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Word `index` of the seeded stream from state `seed`: the low 32 bits of
    /// ``splitMix64(seed:index:)`` at `index / 2` for an even `index`, its high 32 bits for an odd
    /// one. One SplitMix64 output serves two elements, so the generator costs half as much.
    @inline(__always)
    public static func splitMix64Word(seed: UInt64, index: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: splitMix64(seed: seed, index: index &>> 1) &>> ((index & 1) &* 32))
    }

    /// `R_index` for a stochastic mode with `bits` random bits (1 to 32): for ``seed(_:)`` the top
    /// `bits` bits of ``splitMix64Word(seed:index:)``, for ``values(_:)`` the low `bits` bits of
    /// `values[index]`. - Precondition: `1 <= bits <= 32`; for `values`, `index < values.count`.
    @inline(__always)
    public func value(at index: Int, bits: Int) -> UInt64 {
        precondition((1...RoundingMode.maxRandomBits).contains(bits), "random bits must be 1 to 32")
        switch self {
        case .seed(let seed):
            return UInt64(RandomSource.splitMix64Word(seed: seed, index: UInt64(index)) &>> UInt32(32 - bits))
        case .values(let values): return UInt64(values[index]) & ((1 << UInt64(bits)) - 1)
        }
    }
}

extension RandomSource {
    /// Writes `R_i` for each `i` in `range` (``value(at:bits:)``) to `buffer[0..<range.count]`.
    /// For ``seed(_:)`` SplitMix64 runs on the processor's vector unit, 8 counters (16 words) at a
    /// time (AVX-512 or AVX2 where the processor has it, else the build's baseline vectors): a fast
    /// way to give another program (or a chunk of a file) the same random values.
    /// - Precondition: `1 <= bits <= 32`, `range.lowerBound >= 0`, `buffer.count >= range.count`;
    ///   for ``values(_:)``, `range.upperBound <= values.count`.
    public func values(_ range: Range<Int>, bits: Int, into buffer: UnsafeMutableBufferPointer<UInt32>) {
        precondition((1...RoundingMode.maxRandomBits).contains(bits), "random bits must be 1 to 32")
        precondition(range.lowerBound >= 0 && buffer.count >= range.count, "the buffer must hold range.count values")
        guard let out = buffer.baseAddress, !range.isEmpty else { return }
        switch self {
        case .seed(let seed):
            RandomSource.seededValues(seed: seed, first: UInt64(range.lowerBound), bits: UInt32(bits), into: out,
                                      count: range.count)
        case .values(let values):
            precondition(range.upperBound <= values.count, "fewer random values than elements")
            let mask = UInt32(truncatingIfNeeded: (UInt64(1) << UInt64(bits)) - 1)
            for k in 0..<range.count { out[k] = values[range.lowerBound + k] & mask }
        }
    }

    /// `out[k]` = the top `bits` bits of ``splitMix64Word(seed:index:)`` at index `first + k`, for
    /// `k < count`: the C kernel for AVX2 or AVX-512 (``VectorUnits``), or SplitMix64 on Swift's
    /// 8-lane vectors (which the baseline build compiles better than the C loop).
    @inline(__always)
    static func seededValues(seed: UInt64, first: UInt64, bits: UInt32, into out: UnsafeMutablePointer<UInt32>,
                             count: Int) {
        if VectorUnits.level > 0 {
            minifloat_seeded_random(seed, first, bits, out, count, VectorUnits.level)
            return
        }
        typealias V = SIMD8<UInt64>
        let shift = SIMD16<UInt32>(repeating: 32 &- bits)
        var k = 0
        if count > 0 && first & 1 == 1 {
            out[0] = splitMix64Word(seed: seed, index: first) &>> (32 &- bits)
            k = 1
        }
        while k + 16 <= count {
            // Outputs j ... j + 7 for the even word first + k = 2j: words 2j ... 2j + 15 in order.
            let index = V(1, 2, 3, 4, 5, 6, 7, 8) &+ V(repeating: (first &+ UInt64(k)) &>> 1)
            var z = V(repeating: seed) &+ index &* V(repeating: 0x9E37_79B9_7F4A_7C15)
            z = (z ^ (z &>> V(repeating: 30))) &* V(repeating: 0xBF58_476D_1CE4_E5B9)
            z = (z ^ (z &>> V(repeating: 27))) &* V(repeating: 0x94D0_49BB_1331_11EB)
            z = z ^ (z &>> V(repeating: 31))
            let words = unsafeBitCast(z, to: SIMD16<UInt32>.self) &>> shift
            UnsafeMutableRawPointer(out + k).storeBytes(of: words, as: SIMD16<UInt32>.self)
            k += 16
        }
        while k < count {
            out[k] = splitMix64Word(seed: seed, index: first &+ UInt64(k)) &>> (32 &- bits)
            k += 1
        }
    }
}

extension RoundingMode {
    /// (0, 1 or 2 for StochasticA, B, C; N), or (-1, 0) for a deterministic mode.
    var stochasticVariant: (Int, Int) {
        switch self {
        case .stochasticA(let n, _): return (0, n)
        case .stochasticB(let n, _): return (1, n)
        case .stochasticC(let n, _): return (2, n)
        default: return (-1, 0)
        }
    }
}
