/// The element types Minifloat reads and writes in array files.
///
/// Floating-point types are the sources a quantizer starts from; the integer types hold codes
/// (`uint8` for formats of at most 8 bits, `uint16` for wider ones, `int8` because PyTorch users
/// often view FP8 tensors as `torch.int8`); `uint32` holds random values for stochastic rounding.
public enum ElementType: String, CaseIterable, Sendable {
    case float16 = "f16", bfloat16 = "bf16", float32 = "f32", float64 = "f64"
    case uint8 = "u8", uint16 = "u16", uint32 = "u32", int8 = "i8"

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .uint8, .int8: return 1
        case .float16, .bfloat16, .uint16: return 2
        case .float32, .uint32: return 4
        case .float64: return 8
        }
    }

    /// Whether elements are floating-point values (as opposed to integer codes).
    public var isFloatingPoint: Bool {
        switch self {
        case .float16, .bfloat16, .float32, .float64: return true
        case .uint8, .uint16, .uint32, .int8: return false
        }
    }

    /// The NumPy name (`np.dtype(...).name`); bfloat16 is ml_dtypes' name.
    public var numpyName: String {
        switch self {
        case .float16: return "float16"
        case .bfloat16: return "bfloat16"
        case .float32: return "float32"
        case .float64: return "float64"
        case .uint8: return "uint8"
        case .uint16: return "uint16"
        case .uint32: return "uint32"
        case .int8: return "int8"
        }
    }

    /// The little-endian `.npy` descriptor written for this type. bfloat16 is written as ml_dtypes
    /// 0.6 writes it, `<V2` (a two-byte void), which `np.load(...).view(ml_dtypes.bfloat16)` reads back.
    public var npyDescriptor: String {
        switch self {
        case .float16: return "<f2"
        case .bfloat16: return "<V2"
        case .float32: return "<f4"
        case .float64: return "<f8"
        case .uint8: return "|u1"
        case .uint16: return "<u2"
        case .uint32: return "<u4"
        case .int8: return "|i1"
        }
    }

    /// Parses a short name (`f32`), a NumPy name (`float32`) or `bfloat16`; nil if unknown.
    public init?(name: String) {
        let lower = name.lowercased()
        if let short = ElementType(rawValue: lower) { self = short; return }
        guard let match = ElementType.allCases.first(where: { $0.numpyName == lower }) else { return nil }
        self = match
    }

    /// The list of accepted names, for error messages.
    public static let namesForHelp = "f16, bf16, f32, f64, u8, u16, u32 or i8"
}
