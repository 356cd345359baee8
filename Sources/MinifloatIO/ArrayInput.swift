#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only array in a file: a `.npy` file or raw little-endian binary, memory-mapped so that
/// files larger than memory work. Elements are handed out in chunks, converted to this machine's
/// byte order, in the file's storage order (C or Fortran, see `fortranOrder`).
public final class ArrayInput {
    /// The path, as given.
    public let path: String
    /// The element type; for integer files it can be changed with `reinterpret(as:)`.
    public private(set) var elementType: ElementType
    /// The shape (`[count]` for raw files).
    public let shape: [Int]
    /// Whether the data is stored in Fortran (column-major) order.
    public let fortranOrder: Bool
    /// The number of elements.
    public let count: Int
    /// The `.npy` header, or nil for a raw file.
    public let header: NpyHeader?
    let bigEndian: Bool
    let mapping: UnsafeRawPointer?
    let mappingLength: Int
    let dataOffset: Int

    /// Opens a `.npy` file (`rawType == nil`) or a raw little-endian file of `rawType` elements.
    /// Throws a one-line `ArrayFileError` for a missing or unreadable file, a malformed header,
    /// an unsupported dtype, or a data size that does not match the header.
    public init(path: String, rawType: ElementType? = nil) throws {
        self.path = path
        // O_NONBLOCK: a FIFO with no writer would block open() forever; it is refused below.
        let fd = openPath(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else {
            throw ArrayFileError("cannot read '\(path)': \(String(cString: strerror(errno))); check the path")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw ArrayFileError("cannot read '\(path)': not a regular file; give a file path")
        }
        let size = Int(info.st_size)
        var mapped: UnsafeRawPointer? = nil
        if size > 0 {
            let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
            guard let p, p != MAP_FAILED else {
                throw ArrayFileError("cannot map '\(path)' into memory: \(String(cString: strerror(errno)))")
            }
            madvise(p, size, MADV_SEQUENTIAL)
            mapped = UnsafeRawPointer(p)
            // A file truncated while mapped: exit 2 with a message instead of dying of SIGBUS.
            MappedFiles.register(UnsafeRawPointer(p), length: size, path: path)
        }
        mapping = mapped
        mappingLength = size
        let bytes = UnsafeRawBufferPointer(start: mapped, count: size)
        do {
            if let rawType {
                guard size % rawType.byteCount == 0 else {
                    throw ArrayFileError("'\(path)' is \(size) bytes, not a whole number of \(rawType.numpyName) "
                                         + "elements (\(rawType.byteCount) bytes each); check --raw-dtype")
                }
                header = nil
                elementType = rawType
                bigEndian = false
                fortranOrder = false
                count = size / rawType.byteCount
                shape = [count]
                dataOffset = 0
            } else {
                let h = try NpyHeader(parsing: bytes, name: path)
                let needed = h.count * h.elementType.byteCount
                let present = size - h.dataOffset
                guard present == needed else {
                    throw ArrayFileError("'\(path)' holds \(present) data bytes but its header (shape "
                                         + "\(NpyHeader.shapeText(h.shape)), \(h.descriptor)) needs \(needed); "
                                         + "the file is \(present < needed ? "truncated" : "followed by extra bytes")")
                }
                header = h
                elementType = h.elementType
                bigEndian = h.bigEndian
                fortranOrder = h.fortranOrder
                shape = h.shape
                count = h.count
                dataOffset = h.dataOffset
            }
        } catch {
            if let mapped {
                MappedFiles.unregister(mapped)
                munmap(UnsafeMutableRawPointer(mutating: mapped), size)
            }
            throw error
        }
    }

    deinit {
        if let mapping {
            MappedFiles.unregister(mapping)
            munmap(UnsafeMutableRawPointer(mutating: mapping), mappingLength)
        }
    }

    /// Reads the elements as another type of the same width: `uint16` bits as `bf16` or `f16`,
    /// `uint8` or `int8` as each other. Throws if the widths differ.
    public func reinterpret(as type: ElementType) throws {
        guard type.byteCount == elementType.byteCount else {
            throw ArrayFileError("'\(path)' holds \(elementType.numpyName) (\(elementType.byteCount) bytes); "
                                 + "it cannot be read as \(type.numpyName) (\(type.byteCount) bytes)")
        }
        elementType = type
    }

    /// Calls `body` with elements `range` (in storage order) as a native-endian buffer aligned for
    /// the element type. The buffer is valid only during the call.
    public func withElements<R>(_ range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range outside the array")
        let width = elementType.byteCount
        guard let mapping, !range.isEmpty else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        let start = mapping + dataOffset + range.lowerBound * width
        let length = range.count * width
        if !bigEndian || width == 1, Int(bitPattern: start) % width == 0 {
            return try body(UnsafeRawBufferPointer(start: start, count: length))
        }
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: length, alignment: 16)
        defer { scratch.deallocate() }
        scratch.copyMemory(from: UnsafeRawBufferPointer(start: start, count: length))
        if bigEndian && width > 1 {
            for e in 0..<range.count {
                let base = e * width
                for k in 0..<(width / 2) { scratch.swapAt(base + k, base + width - 1 - k) }
            }
        }
        return try body(UnsafeRawBufferPointer(scratch))
    }

    /// The raw bits of element `index` (storage order), zero-extended to 64 bits.
    public func bits(at index: Int) -> UInt64 { elementBits(at: index) }

    /// The multi-dimensional index of the element at storage position `index`.
    public func multiIndex(ofStoragePosition index: Int) -> [Int] {
        ArrayInput.multiIndex(index, shape: shape, fortranOrder: fortranOrder)
    }

    /// The multi-dimensional index of storage position `index` in an array of `shape`.
    public static func multiIndex(_ index: Int, shape: [Int], fortranOrder: Bool) -> [Int] {
        var rest = index
        var result = Array(repeating: 0, count: shape.count)
        let axes = fortranOrder ? Array(shape.indices) : Array(shape.indices.reversed())
        for axis in axes where shape[axis] > 0 {
            result[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return result
    }

    /// The storage position of multi-dimensional index `index` in an array of `shape`.
    public static func storagePosition(_ index: [Int], shape: [Int], fortranOrder: Bool) -> Int {
        var position = 0
        let axes = fortranOrder ? Array(shape.indices.reversed()) : Array(shape.indices)
        for axis in axes { position = position * shape[axis] + index[axis] }
        return position
    }
}
