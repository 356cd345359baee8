/// A binary floating-point format of 2 to 32 bits, given as plain data.
///
/// A code is `[sign] exponent mantissa`, most significant bit first. With `E` exponent bits,
/// `M` mantissa bits and bias `B`, a finite code with exponent field `e` and mantissa field `f` means
///
/// - `2^(e - B) * (1 + f / 2^M)` when `e >= 1`, or when the format has no zero (``hasZero`` is
///   false, as in E8M0, where every exponent field, 0 included, is a normal binade);
/// - `2^(1 - B) * (f / 2^M)` when `e == 0` and the format has a zero (zero and subnormals).
///
/// Which codes are NaN or infinite, and what overflow gives when there is no infinity, is the
/// ``SpecialValues`` scheme. Everything else (largest finite value, smallest subnormal, ...)
/// is derived. Named formats live in the catalog (`Format.e4m3fn`, `Format.named(_:)`).
///
/// A format is a value: two formats with the same parameters but different names are different
/// values only in their ``name``; compare ``parameters`` to ask "same format?".
public struct Format: Sendable {
    /// The name used to print this format (`"e4m3fn"`, `"binary8p3se"`, `"e2m1b3"`).
    public let name: String
    /// Whether the format has a sign bit.
    public let signedness: Signedness
    /// Width of the exponent field, `E`.
    public let exponentBits: Int
    /// Width of the trailing mantissa field, `M`. The precision is `M + 1`.
    public let mantissaBits: Int
    /// The exponent bias `B`: exponent field `e` means `2^(e - B)`.
    public let bias: Int
    /// Which codes are NaN or infinite, and where overflow goes when there is no infinity.
    public let specialValues: SpecialValues
    /// False for formats whose exponent field 0 is an ordinary binade, so that there is no zero
    /// and no subnormal (E8M0). True for every other format.
    public let hasZero: Bool

    /// The parameters that define the value set and the conversion rules (everything but the name).
    public struct Parameters: Hashable, Sendable {
        /// Whether codes have a sign bit.
        public let signedness: Signedness
        /// Exponent field width E.
        public let exponentBits: Int
        /// Mantissa (trailing significand) field width M.
        public let mantissaBits: Int
        /// Exponent bias.
        public let bias: Int
        /// Which codes are NaN and infinity.
        public let specialValues: SpecialValues
        /// Whether exponent field 0 holds zero and subnormals (false only for E8M0-like formats).
        public let hasZero: Bool
    }

    /// The defining parameters (everything but the name): formats with equal parameters have the same values and rules.
    public var parameters: Parameters {
        Parameters(signedness: signedness, exponentBits: exponentBits, mantissaBits: mantissaBits,
                   bias: bias, specialValues: specialValues, hasZero: hasZero)
    }

    /// Creates a format, checking that the parameters describe one.
    ///
    /// - Throws: ``FormatError`` when the width is outside 2...32 bits, `E < 1`, `M < 0`,
    ///   the scheme needs a sign bit the format lacks, IEEE-style specials have no mantissa bit
    ///   for NaN, or no finite non-negative value would remain.
    public init(name: String, signedness: Signedness, exponentBits: Int, mantissaBits: Int,
                bias: Int, specialValues: SpecialValues, hasZero: Bool = true) throws(FormatError) {
        let width = (signedness == .signed ? 1 : 0) + exponentBits + mantissaBits
        guard exponentBits >= 1 else { throw .invalid("exponent bits must be at least 1 (got \(exponentBits))") }
        guard mantissaBits >= 0 else { throw .invalid("mantissa bits must be at least 0 (got \(mantissaBits))") }
        guard (2...32).contains(width) else {
            throw .invalid("width must be 2 to 32 bits (sign + exponent + mantissa = \(width))")
        }
        guard abs(bias) <= 1 << 20 else { throw .invalid("bias \(bias) is out of range (|bias| <= 2^20)") }
        if specialValues == .ieee && mantissaBits == 0 {
            throw .invalid("IEEE-style special values need at least one mantissa bit for NaN")
        }
        if specialValues == .nanAtNegativeZero && signedness == .unsigned {
            throw .invalid("'fnuz' puts NaN at the negative-zero code, so it needs a sign bit")
        }
        if specialValues == .ieee && exponentBits < 2 {
            throw .invalid("IEEE-style special values need at least two exponent bits")
        }
        if !hasZero && signedness == .signed {
            throw .invalid("formats without zero are unsigned (as E8M0)")
        }
        self.name = name
        self.signedness = signedness
        self.exponentBits = exponentBits
        self.mantissaBits = mantissaBits
        self.bias = bias
        self.specialValues = specialValues
        self.hasZero = hasZero
        guard maxFiniteMagnitude >= (hasZero ? 1 : 0) else {
            throw .invalid("no positive finite value is left after the special values")
        }
    }

    /// Builds a catalog entry; the parameters are known to be valid.
    init(_ name: String, _ signedness: Signedness, e: Int, m: Int, bias: Int, _ specials: SpecialValues,
         hasZero: Bool = true) {
        do {
            try self.init(name: name, signedness: signedness, exponentBits: e, mantissaBits: m, bias: bias,
                          specialValues: specials, hasZero: hasZero)
        } catch {
            fatalError("catalog format \(name) is invalid: \(error)")
        }
    }
}

extension Format: Hashable {}

/// Whether a format has a sign bit.
public enum Signedness: String, Sendable, Hashable, CaseIterable {
    case signed
    case unsigned
}

/// A format that cannot exist, or a name that names none.
public enum FormatError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    /// An unknown name, with the catalog names closest to it.
    case unknownName(String, closeMatches: [String])

    public var description: String {
        switch self {
        case .invalid(let why): return "invalid format: \(why.singleLine)"
        case .unknownName(let name, let close):
            let hint = close.isEmpty ? "" : "; did you mean \(close.joined(separator: ", "))?"
            return "unknown format '\(name.quotedForMessage())'\(hint) (run 'minifloat formats' for the list, or give [u]e<E>m<M>[b<B>][fn|fnuz|ieee])"
        }
    }
}

extension Format: CustomStringConvertible {
    /// The format's name, e.g. `e4m3fn`.
    public var description: String { name }
}
