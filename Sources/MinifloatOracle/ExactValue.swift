import Minifloat

/// A number as the specs see it: NaN, a signed infinity, or a sign and an exact magnitude
/// (so that -0 is kept apart from +0). A NaN carries its sign bit, which formats with NaN codes of
/// both signs keep (IEEE 754 section 6.3 leaves it unspecified; OCP E4M3 and E5M2 have both).
public enum ExactValue: Hashable, Sendable, CustomStringConvertible {
    /// A NaN; `negative` is its sign bit.
    case nan(negative: Bool)
    case infinity(negative: Bool)
    /// `(-1)^negative * magnitude`, magnitude >= 0.
    case finite(negative: Bool, magnitude: Rational)

    /// The signed rational value of a finite number (0 for either zero).
    public var rational: Rational? {
        guard case .finite(let negative, let magnitude) = self else { return nil }
        return negative ? -magnitude : magnitude
    }

    /// Whether this is NaN.
    public var isNaN: Bool { if case .nan = self { return true }; return false }

    /// Whether this is a NaN with its sign bit set.
    public var isNegativeNaN: Bool { if case .nan(true) = self { return true }; return false }

    /// A finite value from a signed rational (+0 for zero).
    public init(_ r: Rational) { self = .finite(negative: r.sign < 0, magnitude: r.magnitude) }

    /// The exact value of a Double.
    public init(_ x: Double) {
        if x.isNaN { self = .nan(negative: x.sign == .minus) }
        else if x.isInfinite { self = .infinity(negative: x < 0) }
        else { self = .finite(negative: x.sign == .minus, magnitude: Rational(exactly: Swift.abs(x))) }
    }

    /// The exact value of a Float.
    public init(_ x: Float) { self.init(Double(x)) }

    #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
    /// The exact value of a Float16.
    public init(_ x: Float16) { self.init(Double(x)) }
    #endif

    /// The exact value of a bfloat16.
    public init(_ x: BFloat16) { self.init(Double(Float(x))) }

    /// `nan`, `-nan`, `inf`, `-inf`, `-0`, or the exact decimal expansion (`0.1`, `-448`, `1/3` when
    /// the value has no finite decimal expansion).
    public var description: String {
        switch self {
        case .nan(let negative): return negative ? "-nan" : "nan"
        case .infinity(let negative): return negative ? "-inf" : "inf"
        case .finite(let negative, let magnitude):
            if magnitude.sign == 0 { return negative ? "-0" : "0" }
            return (negative ? "-" : "") + magnitude.description
        }
    }

    /// ``description`` in the short exact notation of ``Rational/shortExactString(limit:)``: the
    /// decimal when it has at most 40 characters or is less than twice as long as the alternative,
    /// else `2^-127`, `-1.5 * 2^-130`. Exact, and read
    /// back by ``init(parsing:)``; its cost does not grow with the exponent.
    public var shortDescription: String {
        guard case .finite(let negative, let magnitude) = self, magnitude.sign != 0 else { return description }
        return (negative ? "-" : "") + magnitude.shortExactString()
    }

    /// A value's text (``description``, or anything ``init(parsing:)`` reads) in the short exact
    /// notation of ``shortDescription``; text of at most 40 characters, and text that is not a
    /// number, come back unchanged. For reports that hold values as exact decimals.
    public static func shortened(_ text: String) -> String {
        guard text.utf8.count > 40, let value = try? ExactValue(parsing: text) else { return text }
        return value.shortDescription
    }

    /// `p/q` for a finite value (`-0` for negative zero), else as ``description``.
    public var fractionString: String {
        guard case .finite(let negative, let magnitude) = self else { return description }
        if magnitude.sign == 0 { return negative ? "-0" : "0" }
        return (negative ? "-" : "") + magnitude.fractionString
    }
}

/// Why a number's text could not be read.
public struct NumberSyntaxError: Error, CustomStringConvertible, Equatable {
    /// The text that could not be read.
    public let text: String
    /// What is wrong when the text is well formed but cannot be taken (a zero denominator, an
    /// exponent beyond the limit); nil when it is not a number at all.
    public let problem: String?

    public init(text: String, problem: String? = nil) {
        self.text = text
        self.problem = problem
    }

    /// The one-line message: the problem, or the forms a number can take.
    public var description: String {
        if let problem { return "number '\(text.quotedForMessage())': \(problem)" }
        return "malformed number '\(text.quotedForMessage())': use a decimal (0.1, -1.5e-3), a fraction (1/3), a hex float (0x1.8p3), a power of two (2^-127, 1.5 * 2^-130), inf, -inf or nan"
    }
}

extension ExactValue {
    /// Reads a number exactly: a decimal (`0.1` means 1/10, exponents `e`/`E` allowed), a fraction
    /// `p/q`, a C99 hex float (`0x1.8p-3`, `-0x1p127`), or `inf`, `infinity`, `nan` with an optional
    /// sign. Leading and trailing spaces are ignored; anything else throws.
    public init(parsing text: String) throws(NumberSyntaxError) {
        var s = Substring(text)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        var negative = false
        if s.first == "-" || s.first == "+" { negative = s.first == "-"; s.removeFirst() }
        let lower = s.lowercased()
        if lower == "nan" { self = .nan(negative: negative); return }
        if lower == "inf" || lower == "infinity" { self = .infinity(negative: negative); return }
        guard let magnitude = ExactValue.parseMagnitude(lower) else {
            throw NumberSyntaxError(text: text, problem: ExactValue.problem(lower))
        }
        self = .finite(negative: negative, magnitude: magnitude)
    }

    /// Why well-formed text was refused: a zero denominator, or an exponent over six digits.
    private static func problem(_ s: String) -> String? {
        if let slash = s.firstIndex(of: "/") {
            let denominator = s[s.index(after: slash)...]
            if !denominator.isEmpty, denominator.allSatisfy({ $0 == "0" }) { return "division by zero; give a nonzero denominator" }
            return nil
        }
        let marker: Character = s.contains("^") ? "^" : s.hasPrefix("0x") ? "p" : "e"
        guard let m = s.firstIndex(of: marker) else { return nil }
        var digits = s[s.index(after: m)...]
        if digits.first == "-" || digits.first == "+" { digits = digits.dropFirst() }
        let limit = marker == "e" ? 6 : 7
        guard digits.count > limit, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return "the exponent has \(digits.count) digits; at most \(limit) are taken (an exact value with a larger one would not fit in memory)"
    }

    private static func parseMagnitude(_ s: String) -> Rational? {
        if s.contains("^") { return parsePowerOfTwo(s) }
        if s.contains("/") { return Rational(integerRatio: s) }
        if s.hasPrefix("0x") { return parseHex(String(s.dropFirst(2))) }
        return parseDecimal(s)
    }

    /// `2^[+-]digits` or `magnitude * 2^[+-]digits` (spaces around `*` allowed): the short exact
    /// notation of ``shortDescription``.
    private static func parsePowerOfTwo(_ s: String) -> Rational? {
        let parts = s.split(separator: "*", omittingEmptySubsequences: false)
            .map { $0.trimmingPrefix(while: \.isWhitespace) }.map { String($0.reversed().drop(while: \.isWhitespace).reversed()) }
        guard parts.count <= 2, let power = parts.last, power.hasPrefix("2^"),
              let exponent = parseSignedInteger(String(power.dropFirst(2)), maxDigits: 7) else { return nil }
        var significand = Rational(1)
        if parts.count == 2 {
            guard !parts[0].contains("^"), let m = parseMagnitude(parts[0]) else { return nil }
            significand = m
        }
        return significand.timesPowerOfTwo(exponent)
    }

    /// digits[.digits][e[+-]digits]
    private static func parseDecimal(_ s: String) -> Rational? {
        var mantissa = s, exponent = 0
        if let e = s.firstIndex(of: "e") {
            mantissa = String(s[..<e])
            guard let x = parseSignedInteger(String(s[s.index(after: e)...])) else { return nil }
            exponent = x
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return nil }
        let whole = String(parts[0]), frac = parts.count == 2 ? String(parts[1]) : ""
        guard !(whole.isEmpty && frac.isEmpty), (whole + frac).allSatisfy({ $0.isASCII && $0.isNumber }),
              let digits = Rational(integerRatio: whole + frac) else { return nil }
        let scale = exponent - frac.count
        return scale >= 0 ? digits * Rational.power(10, scale) : digits / Rational.power(10, -scale)
    }

    /// hexdigits[.hexdigits][p[+-]digits]
    private static func parseHex(_ s: String) -> Rational? {
        var mantissa = s, exponent = 0
        if let p = s.firstIndex(of: "p") {
            mantissa = String(s[..<p])
            guard let x = parseSignedInteger(String(s[s.index(after: p)...]), maxDigits: 7) else { return nil }
            exponent = x
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return nil }
        let whole = String(parts[0]), frac = parts.count == 2 ? String(parts[1]) : ""
        guard !(whole.isEmpty && frac.isEmpty), let digits = Rational(integerRatio: whole + frac, base: 16)
        else { return nil }
        return digits.timesPowerOfTwo(exponent - 4 * frac.count)
    }

    /// An exponent of at most `maxDigits` digits (a larger one would make an enormous rational):
    /// 6 for powers of ten, 7 for powers of two (2^-9999999 takes 1.2 MB; every format's values
    /// print with binary exponents of at most 7 digits).
    private static func parseSignedInteger(_ s: String, maxDigits: Int = 6) -> Int? {
        var t = Substring(s), negative = false
        if t.first == "-" || t.first == "+" { negative = t.first == "-"; t.removeFirst() }
        guard !t.isEmpty, t.count <= maxDigits, t.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int(t) else { return nil }
        return negative ? -v : v
    }
}
