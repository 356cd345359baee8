import CGMP
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An exact rational number (GMP `mpq_t`), always in lowest terms. Immutable.
public final class Rational: @unchecked Sendable {
    let value: UnsafeMutablePointer<__mpq_struct>

    private init(uninitialized: ()) {
        value = .allocate(capacity: 1)
        __gmpq_init(value)
    }

    deinit {
        __gmpq_clear(value)
        value.deallocate()
    }

    /// The integer `n`.
    public convenience init(_ n: Int) {
        self.init(uninitialized: ())
        __gmpq_set_si(value, n, 1)
    }

    /// `numerator / denominator`; the denominator must not be zero.
    public convenience init(_ numerator: Int, _ denominator: Int) {
        precondition(denominator != 0, "zero denominator")
        self.init(uninitialized: ())
        if denominator < 0 {
            __gmpq_set_si(value, -numerator, UInt(-denominator))
        } else {
            __gmpq_set_si(value, numerator, UInt(denominator))
        }
        __gmpq_canonicalize(value)
    }

    /// The exact value of a finite Double (every Double is a dyadic rational).
    public convenience init(exactly x: Double) {
        precondition(x.isFinite, "only finite doubles have a rational value")
        self.init(uninitialized: ())
        __gmpq_set_d(value, x)
    }

    /// Parses `[-]digits` or `[-]digits/digits` in the given base (GMP `mpq_set_str`); nil if malformed
    /// or the denominator is zero.
    public convenience init?(integerRatio text: String, base: Int32 = 10) {
        let allowed = base == 16 ? "0123456789abcdefABCDEF" : "0123456789"
        var sawSlash = false
        var digitsInPart = 0
        for (i, c) in text.enumerated() {
            if c == "-" && i == 0 { continue }
            if c == "/" && !sawSlash && digitsInPart > 0 { sawSlash = true; digitsInPart = 0; continue }
            guard allowed.contains(c) else { return nil }
            digitsInPart += 1
        }
        guard digitsInPart > 0 else { return nil }
        self.init(uninitialized: ())
        guard __gmpq_set_str(value, text, base) == 0,
              cgmp_mpz_sgn(cgmp_mpq_denref(value)) != 0 else { return nil }
        __gmpq_canonicalize(value)
    }

    private static func make(_ body: (UnsafeMutablePointer<__mpq_struct>) -> Void) -> Rational {
        let r = Rational(uninitialized: ())
        body(r.value)
        return r
    }

    /// The exact sum.
    public static func + (a: Rational, b: Rational) -> Rational { make { __gmpq_add($0, a.value, b.value) } }
    /// The exact difference.
    public static func - (a: Rational, b: Rational) -> Rational { make { __gmpq_sub($0, a.value, b.value) } }
    /// The exact product.
    public static func * (a: Rational, b: Rational) -> Rational { make { __gmpq_mul($0, a.value, b.value) } }
    /// The exact quotient. - Precondition: `b` is not zero.
    public static func / (a: Rational, b: Rational) -> Rational {
        precondition(b.sign != 0, "division by zero")
        return make { __gmpq_div($0, a.value, b.value) }
    }
    public static prefix func - (a: Rational) -> Rational { make { __gmpq_neg($0, a.value) } }

    /// `self * 2^k` for any integer k.
    public func timesPowerOfTwo(_ k: Int) -> Rational {
        Rational.make { k >= 0 ? __gmpq_mul_2exp($0, value, mp_bitcnt_t(k)) : __gmpq_div_2exp($0, value, mp_bitcnt_t(-k)) }
    }

    /// `2^k`.
    public static func powerOfTwo(_ k: Int) -> Rational { Rational(1).timesPowerOfTwo(k) }

    /// -1, 0 or 1.
    public var sign: Int { Int(cgmp_mpq_sgn(value)) }

    /// The absolute value.
    public var magnitude: Rational { Rational.make { __gmpq_abs($0, value) } }

    /// Whether the denominator is 1.
    public var isInteger: Bool { __gmpz_cmp_ui(cgmp_mpq_denref(value), 1) == 0 }

    /// The largest integer not above `self`.
    public var floor: Rational {
        Rational.make { r in
            __gmpz_fdiv_q(cgmp_mpq_numref(r), cgmp_mpq_numref(value), cgmp_mpq_denref(value))
            __gmpz_set_ui(cgmp_mpq_denref(r), 1)
        }
    }

    /// For an integer, whether it is even.
    public var isEvenInteger: Bool { isInteger && cgmp_mpz_odd_p(cgmp_mpq_numref(value)) == 0 }

    /// `floor(log2(self))` for a positive rational, exactly.
    public var floorLog2: Int {
        precondition(sign > 0, "log2 of a non-positive number")
        // Bit lengths give the answer to within one; one comparison settles it.
        let guess = Int(__gmpz_sizeinbase(cgmp_mpq_numref(value), 2)) - Int(__gmpz_sizeinbase(cgmp_mpq_denref(value), 2))
        return self < Rational.powerOfTwo(guess) ? guess - 1 : guess
    }

    /// The value as an integer, if it is one that fits in UInt64.
    public var uint64: UInt64? {
        guard isInteger, sign >= 0, __gmpz_sizeinbase(cgmp_mpq_numref(value), 2) <= 64 else { return nil }
        return UInt64(__gmpz_get_ui(cgmp_mpq_numref(value)))
    }

    static func digits(of z: UnsafeMutablePointer<__mpz_struct>, base: Int32) -> String {
        let size = __gmpz_sizeinbase(z, base) + 2
        var buffer = [CChar](repeating: 0, count: size)
        buffer.withUnsafeMutableBufferPointer { _ = __gmpz_get_str($0.baseAddress, base, z) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `p/q` in lowest terms, or `p` for an integer.
    public var fractionString: String {
        let n = Rational.digits(of: cgmp_mpq_numref(value), base: 10)
        return isInteger ? n : n + "/" + Rational.digits(of: cgmp_mpq_denref(value), base: 10)
    }

    /// The exact decimal expansion when the denominator is `2^a 5^b` (always so for floating-point
    /// values), else nil. No exponent notation: `0.001953125`, `-448`, `57344`. The cost is that of
    /// GMP's multiplication and base conversion: quasi-linear in the number of digits (2^-1000000
    /// has a million digits after the point and takes a fraction of a second).
    public var exactDecimalString: String? {
        // den = 2^a 5^b; self * 10^k is an integer for k = max(a, b): num * 2^(k-a) * 5^(k-b).
        let den = cgmp_mpq_denref(value)
        let twos = Int(__gmpz_scan1(den, 0))
        let rest = UnsafeMutablePointer<__mpz_struct>.allocate(capacity: 1)
        __gmpz_init(rest)
        defer { __gmpz_clear(rest); rest.deallocate() }
        __gmpz_tdiv_q_2exp(rest, den, mp_bitcnt_t(twos))
        let five = UnsafeMutablePointer<__mpz_struct>.allocate(capacity: 1)
        __gmpz_init_set_ui(five, 5)
        defer { __gmpz_clear(five); five.deallocate() }
        let fives = Int(__gmpz_remove(rest, rest, five))
        guard __gmpz_cmp_ui(rest, 1) == 0 else { return nil }
        let k = Swift.max(twos, fives)
        // rest := num * 5^(k - fives) * 2^(k - twos)
        __gmpz_ui_pow_ui(rest, 5, UInt(k - fives))
        __gmpz_mul(rest, rest, cgmp_mpq_numref(value))
        __gmpz_mul_2exp(rest, rest, mp_bitcnt_t(k - twos))
        var digits = Array(Rational.digits(of: rest, base: 10).utf8)
        let negative = digits.first == UInt8(ascii: "-")
        if negative { digits.removeFirst() }
        if k > 0 {
            if digits.count <= k { digits.insert(contentsOf: repeatElement(UInt8(ascii: "0"), count: k - digits.count + 1), at: 0) }
            digits.insert(UInt8(ascii: "."), at: digits.count - k)
        }
        if negative { digits.insert(UInt8(ascii: "-"), at: 0) }
        return String(decoding: digits, as: UTF8.self)
    }

    /// For a nonzero value whose denominator is a power of two: `self = significand * 2^exponent`
    /// with `1 <= |significand| < 2` (the significand's own exact decimal has as many digits after
    /// the point as the value has significant bits after the first). Nil for zero or any other
    /// denominator.
    public var binaryScientific: (significand: Rational, exponent: Int)? {
        guard sign != 0 else { return nil }
        let den = cgmp_mpq_denref(value)
        let twos = Int(__gmpz_scan1(den, 0))
        guard Int(__gmpz_sizeinbase(den, 2)) == twos + 1 else { return nil }
        let e = magnitude.floorLog2
        return (timesPowerOfTwo(-e), e)
    }

    /// The exact value in the shorter of two exact notations: the decimal (``description``) when
    /// it has at most `limit` characters or is less than twice as long as the alternative, else
    /// `significand * 2^exponent` with `1 <= significand < 2` written as an exact decimal, or
    /// `2^exponent` when the significand is 1: `2^-127`, `-1.5 * 2^-130`. Values whose
    /// denominator is not a power of two print as ``description``. Cost: linear in the length of
    /// what is printed, whatever the exponent (a value near 2^-1000000 prints as `2^-1000000` at
    /// once).
    public func shortExactString(limit: Int = 40) -> String {
        guard let (significand, exponent) = binaryScientific else { return description }
        // The decimal has about max(twos, exponent * log10(2)) digits: build it only when small.
        let twos = Int(__gmpz_scan1(cgmp_mpq_denref(value), 0))
        let decimal = twos <= 4096 && exponent <= 4096 ? exactDecimalString : nil
        if let decimal, decimal.utf8.count <= limit { return decimal }
        let negative = significand.sign < 0
        let s = significand.magnitude
        let power = "2^\(exponent)"
        let short = (negative ? "-" : "") + (s == Rational(1) ? power : "\(s.description) * \(power)")
        if let decimal, decimal.utf8.count < 2 * short.utf8.count { return decimal }
        return short
    }

    /// `base^exponent` for a non-negative exponent.
    public static func power(_ base: Int, _ exponent: Int) -> Rational {
        precondition(exponent >= 0 && base >= 0)
        return make { r in
            __gmpz_ui_pow_ui(cgmp_mpq_numref(r), UInt(base), UInt(exponent))
            __gmpz_set_ui(cgmp_mpq_denref(r), 1)
        }
    }
}

extension Rational: Comparable, Hashable, CustomStringConvertible {
    public static func == (a: Rational, b: Rational) -> Bool { __gmpq_equal(a.value, b.value) != 0 }
    /// Exact comparison.
    public static func < (a: Rational, b: Rational) -> Bool { __gmpq_cmp(a.value, b.value) < 0 }
    public func hash(into h: inout Hasher) { h.combine(fractionString) }
    public var description: String { exactDecimalString ?? fractionString }
}
