/// The binary floating-point types the array and block encoders read.
public enum FloatSource: Sendable, Hashable, CaseIterable {
    /// IEEE binary32 (`Float`).
    case float32
    /// IEEE binary64 (`Double`).
    case float64
    /// IEEE binary16 (`Float16`).
    case float16
    /// bfloat16 (``BFloat16``): the top half of a binary32.
    case bfloat16

    /// Bytes per element.
    public var byteCount: Int {
        switch self {
        case .float32: return 4
        case .float64: return 8
        case .float16, .bfloat16: return 2
        }
    }
}

/// A type whose arrays the encoders read: `Float`, `Double`, `Float16` and ``BFloat16``. Every
/// value of these types is exactly a Double, and each is rounded once, from that exact value (no
/// conversion to another type first).
public protocol MinifloatSource: Sendable {
    /// Which type it is.
    static var floatSource: FloatSource { get }
}

extension Float: MinifloatSource {
    /// ``FloatSource/float32``.
    public static var floatSource: FloatSource { .float32 }
}

extension Double: MinifloatSource {
    /// ``FloatSource/float64``.
    public static var floatSource: FloatSource { .float64 }
}

#if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
extension Float16: MinifloatSource {
    /// ``FloatSource/float16``.
    public static var floatSource: FloatSource { .float16 }
}
#endif

extension BFloat16: MinifloatSource {
    /// ``FloatSource/bfloat16``.
    public static var floatSource: FloatSource { .bfloat16 }
}

extension SourceBits {
    /// The elements at `base` read as `source` bit patterns.
    init(_ source: FloatSource, _ base: UnsafeRawPointer) {
        switch source {
        case .float32: self = .float32(base.assumingMemoryBound(to: UInt32.self))
        case .float64: self = .float64(base.assumingMemoryBound(to: UInt64.self))
        case .float16: self = .float16(base.assumingMemoryBound(to: UInt16.self))
        case .bfloat16: self = .bfloat16(base.assumingMemoryBound(to: UInt16.self))
        }
    }
}
