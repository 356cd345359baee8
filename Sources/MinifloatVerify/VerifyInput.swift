import Minifloat
import MinifloatIO
import MinifloatOracle

/// The values that were quantized, as the verifier reads them.
public enum VerifyInput {
    /// Binary floating-point elements (float16, bfloat16, float32, float64), read in chunks; the
    /// reference for them is the fast codec (equal to the oracle, as the test suite proves).
    case binary(any ElementSource)
    /// Exact values (from text), rounded by the oracle.
    case exact([ExactInput])

    /// The number of elements.
    public var count: Int {
        switch self {
        case .binary(let s): return s.count
        case .exact(let v): return v.count
        }
    }
}

/// One exact input value, with where it came from (for the report).
public struct ExactInput: Sendable {
    /// The exact value.
    public var value: ExactValue
    /// The text it was read from, and its line, if any.
    public var text: String?
    /// The line it was read from, if any.
    public var line: Int?

    /// An exact input.
    public init(_ value: ExactValue, text: String? = nil, line: Int? = nil) {
        self.value = value
        self.text = text
        self.line = line
    }
}

/// The random integers `R_i` of a stochastic verification (one per input element, storage order).
public enum VerifyRandomValues {
    /// `R_i` = the top N bits of word `i` of the seeded stream from `seed` (a 32-bit half of
    /// SplitMix64's output `i / 2`; ``RandomSource/seed(_:)``, what `quantize --seed` uses).
    case seed(UInt64)
    /// `R_i` = the low N bits of element `i` (uint8, uint16 or uint32).
    case array(any ElementSource)

    /// `R_p` for `bits` random bits.
    func value(_ p: Int, bits: Int) -> UInt64 {
        switch self {
        case .seed(let s): return RandomSource.seed(s).value(at: p, bits: bits)
        case .array(let a): return a.elementBits(at: p) & ((1 << UInt64(bits)) - 1)
        }
    }
}

/// An element of the input as the reference sees it.
public struct ReferenceInput {
    /// The input's exact value (a NaN with its sign).
    public let exact: ExactValue
    /// The input as a Double when it came from a binary array (every float16, bfloat16, float32
    /// and float64 value is one); nil for exact inputs, which the oracle handles.
    let double: Double?
    /// The input's type; nil for exact inputs.
    let type: ElementType?

    init(exact: ExactValue, double: Double?, type: ElementType?) {
        self.exact = exact
        self.double = double
        self.type = type
    }

    /// An exact input (rounded by the oracle): for block formats, the quotient `x / scale`.
    public init(exact: ExactValue) {
        self.init(exact: exact, double: nil, type: nil)
    }

    /// Element `p` of `input`.
    init(_ input: VerifyInput, _ p: Int) {
        switch input {
        case .binary(let source):
            let bits = source.elementBits(at: p), type = source.elementType
            self.init(exact: type.exactValue(bits: bits), double: type.doubleValue(bits: bits), type: type)
        case .exact(let values):
            self.init(exact: values[p].value, double: nil, type: nil)
        }
    }

    /// The input without its sign (a NaN keeps its sign).
    var magnitude: ReferenceInput {
        guard case .finite(true, let m) = exact else { return self }
        return ReferenceInput(exact: .finite(negative: false, magnitude: m), double: double.map(abs), type: type)
    }

    /// The reference code under `mode` and `sat`. Binary inputs use the fast scalar codec (checked
    /// against the oracle by the test suite and the sweeps); exact inputs use the oracle.
    func code(_ f: Format, _ mode: RoundingMode, _ sat: SaturationMode) -> UInt32 {
        if let double { return f.encode(double, rounding: mode, saturation: sat) }
        return Oracle.Bracket(exact, f).code(rounding: mode, saturation: sat)
    }

    /// The code when the input is first rounded (to nearest, ties to even: what a cast does) to
    /// `via`, then to the format; nil when `via` is not narrower than the input's type.
    func codeThrough(_ via: IntermediateType, _ f: Format, _ mode: RoundingMode, _ sat: SaturationMode) -> UInt32? {
        let narrower: Bool
        switch type {
        case nil, .float64?: narrower = true
        case .float32?: narrower = via != .float32
        default: narrower = false
        }
        guard narrower, !exact.isNaN else { return nil }
        if let double {
            // The fast codec rounds to binary32/16 and bfloat16 exactly as a hardware cast does.
            let r = via.format.decode(via.format.encode(double, rounding: .nearestTiesToEven, saturation: .satNone))
            return f.encode(r, rounding: mode, saturation: sat)
        }
        return Oracle.Bracket(Oracle.nearest(exact, in: via.format), f).code(rounding: mode, saturation: sat)
    }

    /// Whether the input is a subnormal number of its own type.
    var isSubnormalInSource: Bool {
        guard let double, double != 0, double.isFinite else { return false }
        switch type {
        case .float16?: return abs(double) < 0x1p-14
        case .bfloat16?, .float32?: return abs(double) < 0x1p-126
        case .float64?: return double.isSubnormal
        default: return false
        }
    }
}

extension ElementType {
    /// The exact value of an element's bits (a NaN with the sign bit of the bits).
    public func exactValue(bits: UInt64) -> ExactValue {
        let d = doubleValue(bits: bits)
        return d.isNaN ? .nan(negative: signBit(bits: bits)) : ExactValue(d)
    }
}
