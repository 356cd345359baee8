import Minifloat
import MinifloatOracle
import Testing

@Suite("Names and number syntax")
struct NameAndParsingTests {
    @Test func aliases() throws {
        #expect(try Format.named("torch.float8_e4m3fn") == .e4m3fn)
        #expect(try Format.named("FLOAT8_E5M2") == .e5m2)
        #expect(try Format.named("ocp_e2m1") == .e2m1fn)
        #expect(try Format.named("float8_e8m0fnu") == .e8m0fnu)
        #expect(try Format.named("p3109_k8p3se").name == "binary8p3se")
        #expect(try Format.named("bf16") == .bfloat16)
    }

    @Test func grammar() throws {
        let f = try Format.named("e2m1b3")
        #expect(f.signedness == .signed && f.exponentBits == 2 && f.mantissaBits == 1 && f.bias == 3
                && f.specialValues == SpecialValues.none && f.hasZero)
        #expect(try Format.named("e4m3b-2").bias == -2)
        #expect(try Format.named("e5m2fnuz").bias == 16)
        #expect(try Format.named("e5m10ieee").parameters == Format.binary16.parameters)
        #expect(try Format.named("ue4m3fn").parameters == Format.ue4m3.parameters)
        #expect(try Format.named("binary12p5ue").bitWidth == 12)
        #expect(try Format.named("binary32p24se").bitWidth == 32)
    }

    @Test func errors() {
        #expect(throws: FormatError.self) { try Format.named("binary8p8se") }  // signed P must be < K
        #expect(throws: FormatError.self) { try Format.named("e20m20") }  // 41 bits
        do {
            _ = try Format.named("e4m3nf")
            Issue.record("expected an error")
        } catch {
            guard case .unknownName(_, let close) = error else { Issue.record("\(error)"); return }
            #expect(close.contains("e4m3fn"))
        }
    }

    @Test func exactNumbers() throws {
        #expect(try ExactValue(parsing: "0.1") == .finite(negative: false, magnitude: Rational(1, 10)))
        #expect(try ExactValue(parsing: "-1/3") == .finite(negative: true, magnitude: Rational(1, 3)))
        #expect(try ExactValue(parsing: "0x1.8p3") == ExactValue(12.0))
        #expect(try ExactValue(parsing: "-0") == ExactValue(-0.0))
        #expect(try ExactValue(parsing: "1.5e-3") == .finite(negative: false, magnitude: Rational(3, 2000)))
        #expect(try ExactValue(parsing: "-inf") == .infinity(negative: true))
        #expect(try ExactValue(parsing: "NaN") == .nan(negative: false))
        #expect(try ExactValue(parsing: "-nan") == .nan(negative: true) && ExactValue(-Double.nan).description == "-nan")
        for bad in ["", "1..2", "abc", "1/0", "0x", "1e", "--1", "1e9999999"] {
            #expect(throws: NumberSyntaxError.self, "\(bad)") { try ExactValue(parsing: bad) }
        }
        // Well-formed but refused: the message says why, not "malformed".
        let problems = [("1/0", "division by zero"), ("-3/000", "division by zero"), ("1e1000000", "exponent has 7 digits"),
                        ("0x1p-10000000", "exponent has 8 digits"), ("2^-10000000", "exponent has 8 digits"), ("abc", "malformed number"), ("1e99x", "malformed number")]
        for (text, message) in problems {
            let error = #expect(throws: NumberSyntaxError.self) { try ExactValue(parsing: text) }
            #expect(error?.description.contains(message) == true, "\(text): \(error?.description ?? "")")
        }
        // A huge bias or width is out of range, not an unknown name.
        for (name, message) in [("e4m3b100000000", "out of range"), ("e4m3b-99999999999999999999", "out of range"),
                                 ("e100m3", "at most 32"), ("e4m300fn", "at most 32")] {
            let error = #expect(throws: FormatError.self) { try Format.named(name) }
            #expect(error?.description.contains(message) == true, "\(name): \(error?.description ?? "")")
        }
        #expect(Rational(exactly: 0.1).exactDecimalString == "0.1000000000000000055511151231257827021181583404541015625")
        // Decimals with both 2s and 5s in the denominator get no trailing zeros.
        for text in ["0.1", "-0.3", "0.005", "1.25", "12.5", "0.0625", "-7", "0.2"] {
            #expect(try ExactValue(parsing: text).description == text)
        }
        #expect(Rational(3, 2000).exactDecimalString == "0.0015")
        #expect(Oracle.nearestDouble(try ExactValue(parsing: "0.1")) == 0.1)
        #expect(Oracle.nearestDouble(try ExactValue(parsing: "1/3")) == 1.0 / 3)
        #expect(Oracle.nearestDouble(try ExactValue(parsing: "1e400")) == .infinity)
        #expect(Oracle.nearestDouble(try ExactValue(parsing: "0x1p-1075")) == 0)  // tie to even (zero)
        #expect(Oracle.nearestDouble(try ExactValue(parsing: "0x1.8p-1074")) == 0x1p-1073)
    }

    /// The short exact notation: expected strings written from the definitions (2^-127 is E8M0's
    /// least value, OCP MX v1.0 section 5.4.1), and every printed form read back to the same value.
    @Test func shortExactNotation() throws {
        let cases: [(Rational, String)] = [
            (Rational.powerOfTwo(-127), "2^-127"),
            (-Rational(3, 2).timesPowerOfTwo(-130), "-1.5 * 2^-130"),
            (Rational(448), "448"),
            (Rational.powerOfTwo(-9), "0.001953125"),                       // 11 characters: decimal
            (Rational(exactly: Double(Float(0.1))), "0.100000001490116119384765625"),  // 29 characters
            (Rational.powerOfTwo(127), "170141183460469231731687303715884105728"),  // 39 characters
            (Rational.powerOfTwo(-30), "0.000000000931322574615478515625"),  // 32 characters
            (Rational.powerOfTwo(-40), "2^-40"),                            // 42 characters otherwise
            (Rational(15).timesPowerOfTwo(-1_000_003), "1.875 * 2^-1000000"),
            (Rational.powerOfTwo(1_000_000), "2^1000000"),
            (Rational(1, 3), "1/3"),                                      // not dyadic: as before
            (Rational.powerOfTwo(-149), "2^-149"),
            // A float64 with a full significand: the power form would be barely shorter.
            (Rational(exactly: 0.1), "0.1000000000000000055511151231257827021181583404541015625"),
            (Rational(exactly: 0x1.0000000000001p-10), "0.00097656250000000021684043449710088680149056017398834228515625"),
            (Rational(exactly: 0x1.0000000000001p-100),
             "1.0000000000000002220446049250313080847263336181640625 * 2^-100"),
        ]
        for (value, text) in cases {
            #expect(value.shortExactString() == text)
            let back = try ExactValue(parsing: text)
            #expect(back.rational == value, "\(text)")
        }
        #expect(ExactValue.nan(negative: true).shortDescription == "-nan")
        #expect(ExactValue.finite(negative: true, magnitude: Rational(0)).shortDescription == "-0")
        #expect(ExactValue.shortened("0.0000000000000000000000000000000000000058774717541114375398436826861112283890933277838604376075437585313920862972736358642578125") == "2^-127")
        #expect(ExactValue.shortened("not a number but longer than forty characters") == "not a number but longer than forty characters")
        // Every value of E8M0 and of e5m2 reads back from its short form.
        for f in [Format.e8m0fnu, Format.e5m2] {
            for c in 0...f.maxCode {
                let v = Oracle.decode(c, in: f)
                let back = try ExactValue(parsing: v.shortDescription)
                #expect(back == v || (back.isNaN && v.isNaN), "\(f.name) \(hex(c)): \(v.shortDescription)")
            }
        }
        // Spaces around '*' are optional; anything else around the power is refused.
        #expect(try ExactValue(parsing: "1.5*2^-130") == ExactValue(parsing: "1.5 * 2^-130"))
        #expect(try ExactValue(parsing: "0x1.8p0 * 2^2").rational == Rational(6))
        for bad in ["2^", "3^2", "2^1.5", "1 * 2 * 2^3", "2^3 * 1.5", "2^12345678"] {
            #expect(throws: NumberSyntaxError.self, "\(bad)") { try ExactValue(parsing: bad) }
        }
    }

    /// The full decimal of a tiny value is built in quasi-linear time: 2^-1000000 has a million
    /// digits after the point (the test's time is bounded by CI's, not measured).
    @Test func longExactDecimals() throws {
        let tiny = Rational.powerOfTwo(-1_000_000)
        let decimal = try #require(tiny.exactDecimalString)
        #expect(decimal.hasPrefix("0.") && decimal.utf8.count == 1_000_002)
        // 2^-k = 5^k / 10^k: the last digits are those of 5^k, computed here modulo 10^4.
        var lastFour = 1
        for _ in 0..<1_000_000 { lastFour = lastFour * 5 % 10_000 }
        let padded = String(repeating: "0", count: 4 - String(lastFour).count) + String(lastFour)
        #expect(decimal.hasSuffix(padded))
        #expect(try ExactValue(parsing: decimal).rational == tiny)
    }
}
