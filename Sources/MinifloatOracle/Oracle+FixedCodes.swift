import Minifloat
import Synchronization

extension Oracle {
    /// The codes that depend on the format alone: where saturation and overflow go, the infinities,
    /// the NaNs, the zeros and the least value of a format without zero. Each is worked out from
    /// the format's values by the rules written out in `init` (the same transcription of the specs
    /// as the rest of the oracle) once per format, and kept: rounding asks for them for almost every
    /// input that overflows or is special, and working them out again each time (GMP rationals, each
    /// code decoded back as a check) was most of the oracle's time on exhaustive sweeps.
    final class FixedCodes: Sendable {
        /// Mhi, the largest finite value.
        let largestFiniteValue: Rational
        private let largestFinitePositive: UInt32, largestFiniteNegative: UInt32
        /// Nil for signed formats, which hold every negative value they can round to.
        private let belowRangeSatNone: UInt32?, belowRangeSaturating: UInt32?
        private let infinityPositive: UInt32?, infinityNegative: UInt32?
        /// Nil where a NaN has nowhere to go (no NaN and no zero).
        private let nanPositive: UInt32?, nanNegative: UInt32?
        private let zeroPositive: UInt32?, zeroNegative: UInt32?
        /// The code of the smallest normal value 2^emin in a format without zero (its least
        /// positive value); nil in a format with zero, where it is not asked for (and need not be a
        /// finite code: unsigned E1M1 with P3109's infinities has the infinity there).
        private let smallestNormalCode: UInt32?

        init(_ f: Format) {
            let mhi = Oracle.largestFinite(f).value
            largestFiniteValue = mhi
            // The least finite value Mlo of an unsigned format (a signed one's is -Mhi).
            let leastCode = f.signedness == .unsigned ? Oracle.code(negative: false, magnitude: leastFinite(f), f) : nil
            // Saturation's target: +-Mhi; for a negative value in an unsigned format, Mlo (P3109 v4.0
            // section 4.7.5).
            largestFinitePositive = Oracle.code(negative: false, magnitude: mhi, f)
            largestFiniteNegative = leastCode ?? Oracle.code(negative: true, magnitude: mhi, f)
            // A negative value (or -Inf) that an unsigned format cannot hold: NaN under SatNone when
            // the format has a NaN (P3109 v4.0 section 4.7.5), otherwise the least value.
            belowRangeSatNone = f.specialValues != .none && leastCode != nil ? Oracle.nanCode(f, negative: false) : leastCode
            belowRangeSaturating = leastCode
            infinityPositive = Oracle.infinityCode(f, negative: false)
            infinityNegative = Oracle.infinityCode(f, negative: true)
            let nanHasACode = f.specialValues != .none || f.hasZero
            nanPositive = nanHasACode ? Oracle.nanCode(f, negative: false) : nil
            nanNegative = nanHasACode ? Oracle.nanCode(f, negative: true) : nil
            zeroPositive = f.hasZero ? Oracle.code(negative: false, magnitude: Rational(0), f) : nil
            zeroNegative = f.hasZero ? Oracle.code(negative: true, magnitude: Rational(0), f) : nil
            smallestNormalCode = f.hasZero ? nil : Oracle.code(negative: false, magnitude: Oracle.smallestNormal(f), f)
        }

        /// +-Mhi, or Mlo for a negative value in an unsigned format.
        func largestFinite(negative: Bool) -> UInt32 { negative ? largestFiniteNegative : largestFinitePositive }

        /// What a negative value an unsigned format cannot hold becomes under `saturation`.
        /// - Precondition: the format is unsigned.
        func belowRange(_ saturation: SaturationMode) -> UInt32 {
            (saturation == .satNone ? belowRangeSatNone : belowRangeSaturating)!
        }

        /// The infinity of this sign, if the format has it.
        func infinity(negative: Bool) -> UInt32? { negative ? infinityNegative : infinityPositive }

        /// The NaN a NaN input of this sign becomes (``Oracle/nanCode(_:negative:)``).
        /// - Precondition: the format has a NaN or a zero (a format with neither has no code for NaN
        ///   input; `nanCode` traps on it too).
        func nan(negative: Bool) -> UInt32 { (negative ? nanNegative : nanPositive)! }

        /// The least positive value of a format without zero, 2^emin.
        /// - Precondition: the format has no zero.
        var smallestNormal: UInt32 { smallestNormalCode! }

        /// The zero of this sign (+0 where the format has no distinct -0).
        /// - Precondition: the format has a zero.
        func zero(negative: Bool) -> UInt32 { (negative ? zeroNegative : zeroPositive)! }
    }

    private static let fixedCodesCache = Mutex<[Format.Parameters: FixedCodes]>([:])

    /// The format's ``FixedCodes``, worked out on first use.
    static func fixedCodes(_ f: Format) -> FixedCodes {
        if let hit = fixedCodesCache.withLock({ $0[f.parameters] }) { return hit }
        let codes = FixedCodes(f)
        fixedCodesCache.withLock { $0[f.parameters] = codes }
        return codes
    }
}
