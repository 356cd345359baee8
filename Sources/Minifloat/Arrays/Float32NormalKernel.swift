internal import CMinifloatKernels

/// A vectorised path for the common case of float32 to a format of at most 8 bits: inputs whose
/// magnitude lies between the format's least normal value and its largest finite value (for round
/// to nearest even, from zero). There a code is the input's bits re-biased and shifted right by
/// `23 - M` with the mode's rounding increment, as in any float-to-float conversion; 16 inputs are
/// done at a time, and a group with any input outside that range (subnormal for the other modes,
/// overflow, Inf, NaN, or a negative input of an unsigned format) goes to the lookup table
/// instead. It vectorises with the baseline x86-64 (SSE2) and AArch64 instruction sets.
struct Float32NormalKernel {
    typealias U = SIMD16<UInt32>
    typealias I = SIMD16<Int32>

    let shift: UInt32
    let rebias: UInt32
    let lowest: UInt32
    /// Inputs with `rangeStart <= |bits| <= rangeStart + span` are done here.
    let rangeStart: UInt32
    let span: UInt32
    /// The bits of the largest finite value as a float32.
    let largest: UInt32
    let absMask: UInt32
    let signShift: UInt32
    let signMaskOut: UInt32
    let rule: Rule
    /// Round to nearest even also handles zero and the subnormal range: `|x| * 2^(M - minExponent)`
    /// is exact, and adding 2^23 rounds it to an integer once, in the hardware's default mode
    /// (round to nearest, ties to even), which is the subnormal code.
    let subnormalScale: Float?
    /// Whether a negative input that rounds to zero keeps its sign (the format has -0).
    let zeroKeepsSign: Bool

    enum Rule { case rne, rna, rtz, rtp, rtn, rto, stochastic }

    init?(_ format: Format, rounding: RoundingMode) {
        let m = format.mantissaBits
        let lowestExponent = format.minExponent + 127  // biased float32 exponent of the least normal
        guard format.hasZero, format.bitWidth <= 8, m <= 22, lowestExponent >= 1,
              format.maxFiniteExponent <= 127, format.exponentBits >= 1 else { return nil }
        switch rounding {
        case .nearestTiesToEven: rule = .rne
        case .nearestTiesToAway: rule = .rna
        case .towardZero: rule = .rtz
        case .towardPositive: rule = .rtp
        case .towardNegative: rule = .rtn
        case .toOdd: rule = .rto
        default: rule = .stochastic
        }
        shift = UInt32(23 - m)
        // bits - rebias puts the format's exponent field (biased) just above the float32 mantissa.
        rebias = UInt32(lowestExponent - 1) << 23
        lowest = UInt32(lowestExponent) << 23
        let largest = Float(format.decode(format.maxFiniteMagnitude)).bitPattern
        let scaleExponent = m - format.minExponent
        subnormalScale = rule == .rne && (0...127).contains(scaleExponent)
            ? Float(sign: .plus, exponent: scaleExponent, significand: 1) : nil
        let floor = subnormalScale == nil ? lowest : 0
        span = largest - floor
        rangeStart = floor
        self.largest = largest
        zeroKeepsSign = format.hasNegativeZero
        // Unsigned formats: the sign bit is kept in the range check, so negative inputs fall back.
        absMask = format.signedness == .signed ? 0x7FFF_FFFF : 0xFFFF_FFFF
        signShift = UInt32(31 - format.exponentBits - m)
        signMaskOut = format.signMask
    }

    /// The same constants for the C kernels (`minifloat_encode_float32_codes8`), which compute
    /// exactly what ``encodeGroup(_:_:)`` does, 16 inputs at a time, for AVX2 or AVX-512.
    var cKernel: minifloat_float32_kernel {
        let ruleNumber: Int32
        switch rule {
        case .rne: ruleNumber = 0
        case .rna: ruleNumber = 1
        case .rtz: ruleNumber = 2
        case .rtp: ruleNumber = 3
        case .rtn: ruleNumber = 4
        case .rto: ruleNumber = 5
        case .stochastic: ruleNumber = 6  // not read: minifloat_encode_float32_stochastic takes the plan
        }
        return minifloat_float32_kernel(shift: shift, rebias: rebias, lowest: lowest, range_start: rangeStart, span: span,
                                        abs_mask: absMask, sign_shift: signShift, sign_mask_out: signMaskOut,
                                        rule: ruleNumber, zero_keeps_sign: zeroKeepsSign ? 1 : 0,
                                        subnormal: subnormalScale == nil ? 0 : 1, subnormal_scale: subnormalScale ?? 0)
    }

    /// The plan and random stream for the C kernel (`minifloat_encode_float32_stochastic`), which
    /// computes exactly what ``stochasticGroup(_:random:_:_:)`` does with R_i from the stream.
    func cStochastic(_ plan: StochasticPlan, seed: UInt64, values: UnsafePointer<UInt32>?, bits: UInt32) -> minifloat_stochastic {
        minifloat_stochastic(increment_right: plan.incrementRight, increment_left: plan.incrementLeft,
                             increment_add: plan.incrementAdd, round_bits: plan.roundBits, seed: seed, values: values, bits: bits,
                             subnormal_multiplier: plan.subnormalMultiplier, wide_fraction_scale: plan.wideFractionScale,
                             wide_threshold: plan.wideThreshold, wide_ties_to_even: plan.wideTiesToEven ? 1 : 0)
    }

    /// Encodes the 16 inputs at `input` to `output[0..<16]`, or returns false if any is outside
    /// the range (the caller then encodes the group another way).
    @inline(__always)
    func encodeGroup<Code: FixedWidthInteger>(_ input: UnsafeRawPointer, _ output: UnsafeMutablePointer<Code>) -> Bool {
        let b = input.loadUnaligned(as: U.self)
        let a = b & U(repeating: absMask)
        if outOfRange(a) { return false }
        let t = (b & U(repeating: 0x7FFF_FFFF)) &- U(repeating: rebias)
        let s = U(repeating: shift)
        let one = U(repeating: 1)
        let low = (one &<< s) &- one
        var q: U
        switch rule {
        case .rtz:
            q = t &>> s
        case .rne:
            q = (t &+ (low &>> one) &+ ((t &>> s) & one)) &>> s
            if let subnormalScale {
                let below = unsafeBitCast(a &- U(repeating: lowest), to: I.self) &>> I(repeating: 31)
                if Self.any(below) {  // only groups holding a zero or subnormal pay for this
                    let y = unsafeBitCast(a, to: SIMD16<Float>.self) * SIMD16<Float>(repeating: subnormalScale)
                    let z = unsafeBitCast(y + SIMD16<Float>(repeating: 0x1p23), to: U.self) &- U(repeating: 0x4B00_0000)
                    let mask = unsafeBitCast(below, to: U.self)
                    q = (q & ~mask) | (z & mask)
                }
            }
        case .rna:
            q = (t &+ (one &<< (s &- one))) &>> s
        case .rtp:
            let negative = unsafeBitCast(unsafeBitCast(b, to: I.self) &>> I(repeating: 31), to: U.self)
            q = (t &+ (low & ~negative)) &>> s
        case .rtn:
            let negative = unsafeBitCast(unsafeBitCast(b, to: I.self) &>> I(repeating: 31), to: U.self)
            q = (t &+ (low & negative)) &>> s
        case .rto:
            q = (t &>> s) | (((t & low) &+ U(repeating: 0x7FFF_FFFF)) &>> U(repeating: 31))
        case .stochastic:
            return false
        }
        var sign = (b &>> U(repeating: 31)) &<< U(repeating: 31 - signShift)
        if !zeroKeepsSign {  // -0 is not a code here (FNUZ, P3109): a zero result is +0
            sign &= unsafeBitCast(unsafeBitCast(U(repeating: 0) &- q, to: I.self) &>> I(repeating: 31), to: U.self)
        }
        let code = q | (sign & U(repeating: signMaskOut))
        Self.store(code, output)
        return true
    }

    /// Whether any magnitude (bits, after `absMask`) is outside `rangeStart...rangeStart + span`:
    /// below it the offset wraps negative, above it `span - offset` is negative.
    @inline(__always)
    func outOfRange(_ a: U) -> Bool {
        let offset = a &- U(repeating: rangeStart)
        return Self.any(unsafeBitCast(offset | (U(repeating: span) &- offset), to: I.self) &>> I(repeating: 31))
    }

    /// Writes 16 codes to `output[0..<16]`, narrowed to `Code`.
    @inline(__always)
    static func store<Code: FixedWidthInteger>(_ code: U, _ output: UnsafeMutablePointer<Code>) {
        let raw = UnsafeMutableRawPointer(output)
        switch Code.bitWidth {
        case 8: raw.storeBytes(of: SIMD16<UInt8>(truncatingIfNeeded: code), as: SIMD16<UInt8>.self)
        case 16: raw.storeBytes(of: SIMD16<UInt16>(truncatingIfNeeded: code), as: SIMD16<UInt16>.self)
        case 32: raw.storeBytes(of: code, as: U.self)
        default: for k in 0..<16 { output[k] = Code(truncatingIfNeeded: code[k]) }
        }
    }

    func plan(_ rounding: RoundingMode) -> StochasticPlan {
        let (variant, n) = rounding.stochasticVariant
        return StochasticPlan(variant: variant, n: n, shift: shift, minExponent: Int(lowest >> 23) - 127)
    }

    /// Whether any lane is nonzero: an OR-reduction by halves (a whole-vector `!=` would be
    /// compiled lane by lane).
    @inline(__always)
    static func any(_ v: I) -> Bool {
        let v8 = v.lowHalf | v.highHalf
        let v4 = v8.lowHalf | v8.highHalf
        let v2 = v4.lowHalf | v4.highHalf
        return v2[0] | v2[1] != 0
    }

    /// The loop-invariant part of a stochastic mode (P3109 v4.0 section 4.2, N random bits).
    ///
    /// For one input (``stochasticCode(_:_:random:)``) the fraction's top bits are found with one
    /// right shift of `rem << 33` (rem < 2^22, so this fits), for N or N + 1 bits.
    ///
    /// For 16 inputs (``stochasticGroup(_:random:_:_:)``) each variant becomes "add an increment
    /// made from R to the re-biased bits `t`, shift right by `s = 23 - M`", as round toward zero
    /// with a random increment. With `t = q 2^s + f` (`f` the fraction's `s` bits, `nu = f / 2^s`):
    /// - StochasticA, `floor(nu 2^N) + R >= 2^N`: when `N <= s` this is `f + R 2^(s-N) >= 2^s`;
    ///   when `N > s`, `floor(nu 2^N) = f 2^(N-s)` and, both sides being integers after dividing by
    ///   `2^(N-s)`, it is `f + floor(R / 2^(N-s)) >= 2^s`. So the increment is `R << (s - N)` or
    ///   `R >> (N - s)`, and `q + up = (t + increment) >> s` (the sum stays below `2^(s+1)` above `q 2^s`).
    /// - StochasticB is StochasticA with `N + 1` bits and `2R + 1`: for `N < s` the increment is
    ///   `(R << (s - N)) + 2^(s-N-1)`; for `N >= s`, `floor((2R + 1) / 2^(N-s+1)) = floor(R / 2^(N-s))`,
    ///   the increment of StochasticA.
    /// - StochasticC, `RNITE(nu 2^N) + R >= 2^N`: for `N >= s`, `nu 2^N` is an integer and this is
    ///   StochasticA; for `N < s`, `t` is first rounded to nearest, ties to even, at `d = s - N` bits
    ///   (`RNITE(nu 2^N) 2^d` added to `q 2^s`; bit `d` of `t` is the parity of `floor(nu 2^N)`),
    ///   then the increment is `R << d`.
    ///
    /// Zero and the subnormal range (``subnormalMultiplier``): below the least normal value
    /// `2^e` (`e` the format's minExponent) the code is `T / 2^s` rounded the same way, with
    /// `T = |x| 2^(23 - e)`, the input in units of `2^-s` subnormal steps (`2^(e - M)`), which is
    /// below `2^23`, so the code part is below `2^M` (rounding up from the largest subnormal gives
    /// the least normal code, as for normal inputs). `T` is exact as a float32 product (a power of
    /// two times a float32), but need not be an integer; `t = floor(T)`, with bit 0 set when
    /// `T` is not an integer (rounded to odd). That changes no decision when `N <= s - 2`: A and B
    /// add an even increment (`R 2^(s-N)`, plus `2^(s-N-1)` for B) and shift right by `s`, so
    /// `t + increment` reaches a multiple of `2^s` exactly when `floor(T) + increment` does
    /// (`floor(T)` even when the bit was set); C first rounds at `d = s - N >= 2` bits, and rounding
    /// an odd-rounded value to nearest two or more bits above its last bit is rounding `T` itself
    /// (Boldo and Melquiond, IEEE TC 57(4), 2008); the scalar form reads bits below the top `N + 1`
    /// of the fraction, the sticky bit among them. Zero gives `t = 0` and the code 0 under every
    /// variant (the increment stays below `2^s`), with the input's sign when the format has -0.
    /// (The C kernel, `Stochastic.h`, gives A and B's lanes `floor(T)` alone, and rounds
    /// StochasticC's `t` at `d` bits in every lane, these and the normal ones alike, by the float32
    /// addition `|x| + 2^(E + d)`, `2^E` the larger of `|x|`'s exponent and the least normal's.)
    ///
    /// With more random bits, `N > s - 2` (``wideFractionScale``), the sticky bit would change
    /// decisions, and those lanes decide from the fraction itself: `q = floor(T) >> s`,
    /// `Y = nu 2^(N+1) = (T - q 2^s) 2^(N+1-s)` (exact in float32, `T` having at most 24 significant
    /// bits, and in Double), and, the right-hand sides being integers below `2^34`:
    /// - StochasticA: `floor(nu 2^N) + R >= 2^N` is `nu 2^N >= 2^N - R`, i.e. `Y >= 2^(N+1) - 2R`;
    /// - StochasticB: `floor(Y) + 2R + 1 >= 2^(N+1)` is `Y >= 2^(N+1) - 1 - 2R`;
    /// - StochasticC: with `K = 2^N - R`, `RNITE(Y / 2) >= K` is `Y / 2 > K - 1/2`, or equal with `K`
    ///   even (ties to even), i.e. `Y > 2^(N+1) - 1 - 2R`, or equal with `R` even.
    ///
    /// So the code is `q + 1` when `Y > L` or `Y == L` (under StochasticC only for even R), with
    /// `L = ``wideThreshold`` - 2R`, compared in float32 when `N <= 23` (`L` is then an integer of
    /// 1 ... `2^24`, and `Y` is below `2^(N+1)`, both exact) and in Double above. A magnitude below `2^-126` (an MX product that float32 may have
    /// rounded) has `Y < 2^(-126 - (e - M) + N + 1) <= 1 <= L` when `e - M >= -93`, so it rounds to
    /// zero as its exact value does; that bound is required here.
    struct StochasticPlan {
        let variant: Int
        let shiftN: UInt64, shiftN1: UInt64, maskN1: UInt64, limitN: UInt64, limitN1: UInt64
        /// The group increment is `((R >> incrementRight) << incrementLeft) + incrementAdd`.
        let incrementRight: UInt32, incrementLeft: UInt32, incrementAdd: UInt32
        /// StochasticC with `N < s`: `d`, the bits `t` is first rounded at; 0 otherwise.
        let roundBits: UInt32
        /// `2^(23 - minExponent)`, which takes a magnitude below the least normal value to `T` (see
        /// above), when `minExponent >= -100`, and with `N > s - 2` also `minExponent - M >= -93`;
        /// 0 otherwise (then zero and subnormal inputs are left to the caller, as inputs beyond the
        /// largest finite value are). The bounds keep `T < 1` (`Y < 1` with more bits) for every
        /// magnitude up to `2^-126`, so an MX product below `2^-126` (which float32 may have
        /// rounded) rounds to zero as its exact value does; every format in use has
        /// minExponent >= -14.
        let subnormalMultiplier: Float
        /// `2^(N + 1 - s)` when `N > s - 2` and ``subnormalMultiplier`` is not 0 (the subnormal
        /// lanes decide from the fraction, see above); 0 otherwise.
        let wideFractionScale: Double
        /// `2^(N + 1)` for StochasticA, `2^(N + 1) - 1` for StochasticB and StochasticC.
        let wideThreshold: Double
        /// StochasticC: a fraction exactly half way rounds up only for even R.
        let wideTiesToEven: Bool

        init(variant: Int, n: Int, shift s: UInt32, minExponent: Int) {
            self.variant = variant
            shiftN = UInt64(Int(s) + 33 - n)
            shiftN1 = UInt64(Int(s) + 33 - n - 1)
            maskN1 = (1 << shiftN1) - 1
            limitN = 1 << UInt64(n)
            limitN1 = 1 << UInt64(n + 1)
            let s = Int(s)
            incrementRight = UInt32(max(n - s, 0))
            incrementLeft = UInt32(max(s - n, 0))
            incrementAdd = variant == 1 && n < s ? 1 << UInt32(s - n - 1) : 0
            roundBits = variant == 2 && n < s ? UInt32(s - n) : 0
            let wide = n > s - 2
            subnormalMultiplier = minExponent >= -100 && (!wide || minExponent - (23 - s) >= -93)
                ? Float(sign: .plus, exponent: 23 - minExponent, significand: 1) : 0
            wideFractionScale = wide && subnormalMultiplier != 0 ? Double(sign: .plus, exponent: n + 1 - s, significand: 1) : 0
            wideThreshold = Double(sign: .plus, exponent: n + 1, significand: 1) - (variant == 0 ? 0 : 1)
            wideTiesToEven = variant == 2
        }
    }

    /// Encodes the 16 inputs at `input` under a stochastic mode, element `k` with random value
    /// `random[k]` (below 2^N), to `output[0..<16]`; or returns false if any input is outside the
    /// normal range (the caller then encodes the group one element at a time, with
    /// ``stochasticCode(_:_:random:)``, which also takes zero and the subnormal range). The same
    /// codes as ``stochasticCode(_:_:random:)``; the derivation is at ``StochasticPlan``. (The C
    /// kernel, `minifloat_encode_float32_stochastic`, also does zero and subnormal inputs in groups.)
    @inline(__always)
    func stochasticGroup<Code: FixedWidthInteger>(_ input: UnsafeRawPointer, random r: U, _ plan: StochasticPlan,
                                                  _ output: UnsafeMutablePointer<Code>) -> Bool {
        let b = input.loadUnaligned(as: U.self)
        // A stochastic kernel's range is the normal range: rangeStart == lowest (no subnormal scale).
        if outOfRange(b & U(repeating: absMask)) { return false }
        var t = (b & U(repeating: 0x7FFF_FFFF)) &- U(repeating: rebias)
        if plan.roundBits != 0 {
            let d = U(repeating: plan.roundBits)
            let one = U(repeating: 1)
            let low = (one &<< d) &- one
            t = (t &+ (low &>> one) &+ ((t &>> d) & one)) & ~low
        }
        let increment = ((r &>> U(repeating: plan.incrementRight)) &<< U(repeating: plan.incrementLeft))
            &+ U(repeating: plan.incrementAdd)
        let q = (t &+ increment) &>> U(repeating: shift)
        // q >= 1 (the input is normal), so a negative input keeps its sign in every format.
        let code = q | (((b &>> U(repeating: 31)) &<< U(repeating: 31 - signShift)) & U(repeating: signMaskOut))
        Self.store(code, output)
        return true
    }

    /// The code of one input under a stochastic mode with random value `r` (P3109 v4.0 section
    /// 4.2, the same rules as ``Grid``), or nil when the input is beyond the largest finite value
    /// (or Inf, NaN, or negative for an unsigned format), or below the least normal value when
    /// the plan has no ``StochasticPlan/subnormalMultiplier``.
    @inline(__always)
    func stochasticCode(_ b: UInt32, _ plan: StochasticPlan, random r: UInt64) -> UInt32? {
        let a = b & absMask
        guard a <= largest else { return nil }
        let magnitude = b & 0x7FFF_FFFF
        let t: UInt32
        if magnitude >= lowest {
            t = magnitude &- rebias
        } else {
            guard plan.subnormalMultiplier != 0 else { return nil }
            let y = Float(bitPattern: magnitude) * plan.subnormalMultiplier  // exact, below 2^23
            let whole = UInt32(y)
            if plan.wideFractionScale != 0 {
                let q = whole &>> shift
                let scaled = Double(y - Float(q &<< shift)) * plan.wideFractionScale  // Y, exact
                let limit = plan.wideThreshold - 2 * Double(r)
                let up = scaled > limit || (scaled == limit && (!plan.wideTiesToEven || r & 1 == 0))
                return signed(q &+ (up ? 1 : 0), b)
            }
            t = whole | (Float(whole) == y ? 0 : 1)
        }
        let q = t &>> shift
        let fraction = UInt64(t & ((1 &<< shift) &- 1)) &<< 33  // nu * 2^(shift + 33)
        let up: Bool
        switch plan.variant {
        case 0:  // StochasticA: floor(nu 2^N) + R >= 2^N
            up = (fraction &>> plan.shiftN) &+ r >= plan.limitN
        case 1:  // StochasticB: floor(nu 2^(N+1)) + 2R + 1 >= 2^(N+1)
            up = (fraction &>> plan.shiftN1) &+ 2 &* r &+ 1 >= plan.limitN1
        default:  // StochasticC: RNITE(nu 2^N) + R >= 2^N
            let f = fraction &>> plan.shiftN1
            let below: UInt64 = fraction & plan.maskN1 != 0 ? 1 : 0
            let k = (f &>> 1) &+ (f & 1 & (below | (f &>> 1) & 1))
            up = k &+ r >= plan.limitN
        }
        return signed(q &+ (up ? 1 : 0), b)
    }

    /// The magnitude code `code` with the sign of input `b`: a zero result keeps the input's sign
    /// only where the format has -0 (not FNUZ or P3109).
    @inline(__always)
    private func signed(_ code: UInt32, _ b: UInt32) -> UInt32 {
        let sign = code == 0 && !zeroKeepsSign ? 0 : (b &>> 31) &<< (31 &- signShift)
        return code | (sign & signMaskOut)
    }
}
