import Minifloat

/// Elements of one ``ElementType`` that can be read in ranges, in storage order: a file
/// (``ArrayInput``, memory-mapped) or an array in memory (``ElementArray``). What the verifier and
/// the other streaming paths read.
public protocol ElementSource: AnyObject {
    /// The type of every element.
    var elementType: ElementType { get }
    /// The number of elements.
    var count: Int { get }
    /// Calls `body` with elements `range` as a native-endian buffer aligned for the element type,
    /// valid only during the call. - Precondition: `range` is within `0..<count`.
    func withElements<R>(_ range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension ElementSource {
    /// The raw bits of element `index`, zero-extended to 64 bits.
    public func elementBits(at index: Int) -> UInt64 {
        withElements(index..<(index + 1)) { raw in
            switch elementType.byteCount {
            case 1: return UInt64(raw.load(as: UInt8.self))
            case 2: return UInt64(raw.load(as: UInt16.self))
            case 4: return UInt64(raw.load(as: UInt32.self))
            default: return raw.load(as: UInt64.self)
            }
        }
    }
}

extension ArrayInput: ElementSource {}

/// Elements held in memory, for calling the streaming APIs on arrays without files.
public final class ElementArray: ElementSource {
    /// The type of every element.
    public let elementType: ElementType
    /// The number of elements.
    public let count: Int
    private let storage: UnsafeMutableRawBufferPointer

    /// A copy of `count` elements of `type` from `bytes` (native byte order).
    public init(copying bytes: UnsafeRawBufferPointer, type: ElementType, count: Int) {
        precondition(count >= 0 && bytes.count >= count * type.byteCount, "too few bytes for \(count) elements")
        elementType = type
        self.count = count
        storage = .allocate(byteCount: max(1, count * type.byteCount), alignment: 16)
        if count > 0 { storage.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[0..<(count * type.byteCount)])) }
    }

    private init<T>(_ values: [T], _ type: ElementType) {
        precondition(MemoryLayout<T>.stride == type.byteCount)
        elementType = type
        count = values.count
        storage = .allocate(byteCount: max(1, values.count * type.byteCount), alignment: 16)
        values.withUnsafeBytes { storage.copyMemory(from: $0) }
    }

    /// A copy of float32 values.
    public convenience init(_ values: [Float]) { self.init(values, .float32) }
    /// A copy of float64 values.
    public convenience init(_ values: [Double]) { self.init(values, .float64) }
    #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
    /// A copy of float16 values.
    public convenience init(_ values: [Float16]) { self.init(values, .float16) }
    #endif
    /// A copy of bfloat16 values.
    public convenience init(_ values: [BFloat16]) { self.init(values, .bfloat16) }
    /// Codes or bytes (`uint8`).
    public convenience init(_ values: [UInt8]) { self.init(values, .uint8) }
    /// Codes of formats wider than 8 bits (`uint16`).
    public convenience init(_ values: [UInt16]) { self.init(values, .uint16) }
    /// Random integers (`uint32`).
    public convenience init(_ values: [UInt32]) { self.init(values, .uint32) }

    deinit { storage.deallocate() }

    public func withElements<R>(_ range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range outside the array")
        let width = elementType.byteCount
        return try body(UnsafeRawBufferPointer(rebasing: storage[(range.lowerBound * width)..<(range.upperBound * width)]))
    }
}

/// Elements in memory the caller owns, read in place (no copy): for synchronous calls, such as the
/// C and Python entry points, whose caller keeps the memory alive and unchanged until they return.
public final class BorrowedElements: ElementSource {
    /// The type of every element.
    public let elementType: ElementType
    /// The number of elements.
    public let count: Int
    private let base: UnsafeRawPointer?

    /// `count` elements of `type` at `base` (native byte order, aligned for the type). `base` may be
    /// nil only when `count` is 0. - Precondition: `count >= 0`.
    public init(_ base: UnsafeRawPointer?, type: ElementType, count: Int) {
        precondition(count >= 0 && (count == 0 || base != nil), "a borrowed array needs memory for its elements")
        elementType = type
        self.count = count
        self.base = base
    }

    public func withElements<R>(_ range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range outside the array")
        let width = elementType.byteCount
        guard let base, !range.isEmpty else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: base + range.lowerBound * width, count: range.count * width))
    }
}
