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
                        ("0x1p-1000000", "exponent has 7 digits"), ("abc", "malformed number"), ("1e99x", "malformed number")]
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
}
