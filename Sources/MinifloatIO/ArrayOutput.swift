#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An array written to a file in pieces, never leaving a partial file at the path: data goes to a
/// temporary file in the same directory, renamed over the path by `commit()`. If the output is
/// dropped without `commit()`, or an error is thrown, the temporary file is removed.
public final class ArrayOutput {
    /// How the data is framed: a `.npy` header first, or raw bytes.
    public enum Layout: Sendable {
        /// A `.npy` file with this header (its element type, shape and order).
        case npy(NpyHeader)
        /// Raw bytes, no header.
        case raw
    }

    /// The final path.
    public let path: String
    let temporary: String
    var fd: Int32
    var buffer: [UInt8] = []
    var committed = false

    /// Creates the temporary file and writes the `.npy` header if there is one.
    public init(path: String, layout: Layout) throws {
        self.path = path
        temporary = path + ".tmp-\(getpid())"
        fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else {
            throw ArrayFileError("cannot write '\(path)': \(String(cString: strerror(errno))); choose a writable path")
        }
        buffer.reserveCapacity(1 << 20)
        if case .npy(let header) = layout { try write(header.encoded()) }
    }

    deinit {
        if !committed {
            if fd >= 0 { close(fd) }
            unlink(temporary)
        }
    }

    /// Appends bytes.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count > 1 << 20 { try flush() }
        if bytes.count >= 1 << 20 { try writeAll(bytes); return }
        buffer.append(contentsOf: bytes)
    }

    /// Appends `bytes`.
    public func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    /// Appends text (UTF-8).
    public func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    func flush() throws {
        let pending = buffer
        buffer.removeAll(keepingCapacity: true)
        try pending.withUnsafeBytes { try writeAll($0) }
    }

    func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = systemWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw ArrayFileError("cannot write '\(path)': \(String(cString: strerror(errno))); "
                                     + "choose a path with free space")
            }
            offset += n
        }
    }

    /// Flushes, closes and renames the temporary file over the path.
    public func commit() throws {
        try flush()
        let closed = close(fd) == 0
        fd = -1
        guard closed, rename(temporary, path) == 0 else {
            throw ArrayFileError("cannot write '\(path)': \(String(cString: strerror(errno))); choose a writable path")
        }
        committed = true
    }
}

extension ArrayOutput {
    /// Writes a whole array as a `.npy` (`.npy` extension) or raw file (any other extension).
    public static func write(_ bytes: UnsafeRawBufferPointer, header: NpyHeader, to path: String) throws {
        let output = try ArrayOutput(path: path, layout: path.hasSuffix(".npy") ? .npy(header) : .raw)
        try output.write(bytes)
        try output.commit()
    }
}

/// `write(2)`, named apart from the methods called `write` in this module.
@inline(__always)
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
