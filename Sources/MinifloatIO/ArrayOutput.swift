#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An array written to a file in pieces, never leaving a partial or foreign file at the path.
///
/// - A regular file (or a path with nothing there yet) is written to a new temporary file in the
///   same folder, created exclusively (no planted file or link can be followed), and renamed over
///   the path by `commit()`; an existing file keeps its permission bits. A symbolic link to a
///   regular file: the file it leads to is replaced, the link stays.
/// - A FIFO, a character device or a socket (`/dev/stdout`, `/dev/null`, a pipe) is written
///   through, as a shell redirection would be.
/// - A folder, a dangling link or anything else is refused (``ArrayFileError``).
/// - `-` is standard output.
///
/// If the output is dropped without `commit()`, or an error is thrown, the temporary file is
/// removed; so it is when the process is stopped by SIGINT, SIGTERM or SIGHUP (where those
/// signals have their default action).
public final class ArrayOutput {
    /// How the data is framed: a `.npy` header first, or raw bytes.
    public enum Layout: Sendable {
        /// A `.npy` file with this header (its element type, shape and order).
        case npy(NpyHeader)
        /// Raw bytes, no header.
        case raw
    }

    /// The path, as given.
    public let path: String
    /// The file renamed into place by `commit()` (the path, or the file a link leads to); nil when
    /// the output is written through (a device or a pipe).
    let final: String?
    /// The temporary file, while there is one.
    var temporary: String?
    var fd: Int32
    var buffer: [UInt8] = []
    var committed = false

    /// Opens the output (see the type's rules) and writes the `.npy` header if there is one.
    public init(path: String, layout: Layout) throws {
        self.path = path
        if path == "-" {
            // Standard output (a copy of its descriptor, so that closing this one leaves it open).
            final = nil
            fd = dup(1)
            guard fd >= 0 else { throw ArrayFileError("cannot write to standard output: \(String(cString: strerror(errno)))") }
            buffer.reserveCapacity(1 << 20)
            if case .npy(let header) = layout { try write(header.encoded()) }
            return
        }
        switch try OutputTarget.resolve(path) {
        case .stream:
            final = nil
            fd = openPath(path, O_WRONLY | O_APPEND)
            guard fd >= 0 else {
                throw ArrayFileError("cannot write '\(path.quotedForMessage())': \(String(cString: strerror(errno)))")
            }
        case .replace(let target, let mode):
            final = target
            let created = try createTemporary(beside: target)
            temporary = created.path
            fd = created.fd
            fchmod(fd, mode)
        }
        buffer.reserveCapacity(1 << 20)
        if case .npy(let header) = layout { try write(header.encoded()) }
    }

    deinit {
        if !committed {
            if fd >= 0 { close(fd) }
            removeTemporary()
        }
    }

    func removeTemporary() {
        guard let temporary else { return }
        unlinkPath(temporary)
        TemporaryFiles.unregister(temporary)
        self.temporary = nil
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
                throw ArrayFileError("cannot write '\(path.quotedForMessage())': \(String(cString: strerror(errno))); "
                                     + "choose a path with free space")
            }
            offset += n
        }
    }

    /// Writes out what is buffered and closes the file, without renaming it into place: after this
    /// the data is on the file system (a full disk has shown itself), and only ``commit()``'s rename
    /// is left. For several files that must land together: complete them all, then commit them all.
    public func complete() throws {
        guard fd >= 0 else { return }
        try flush()
        let closed = close(fd) == 0
        let reason = String(cString: strerror(errno))
        fd = -1
        guard closed else {
            removeTemporary()
            throw ArrayFileError("cannot write '\(path.quotedForMessage())': \(reason); choose a writable path with free space")
        }
    }

    /// Completes the file (``complete()``) and renames the temporary file over the path (or
    /// closes the stream).
    public func commit() throws {
        try complete()
        if let final, let temporary {
            guard PathBytes.withCString(temporary, { t in PathBytes.withCString(final) { rename(t, $0) } }) == 0 else {
                let reason = String(cString: strerror(errno))
                removeTemporary()
                throw ArrayFileError("cannot write '\(path.quotedForMessage())': \(reason); choose a writable path")
            }
            TemporaryFiles.unregister(temporary)
            self.temporary = nil
        }
        committed = true
    }
}

extension ArrayOutput {
    /// Writes bytes to `path` by the type's rules (a complete file or none).
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let output = try ArrayOutput(path: path, layout: .raw)
        try output.write(bytes)
        try output.commit()
    }

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
