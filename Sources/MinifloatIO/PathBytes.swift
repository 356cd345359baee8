#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Paths byte for byte. A POSIX path is bytes, not necessarily UTF-8 (`$'\xff.npy'`); Swift's
/// `String` would replace invalid bytes with U+FFFD and name another file. Every byte that is not
/// part of valid UTF-8 is held in a `String` as the private-use character U+F700 + byte
/// (U+F780...U+F7FF), and turned back into that byte whenever the path goes to the system. The
/// bytes of a literal U+F780...U+F7FF in a path are held the same way, so every byte string comes
/// back exactly.
public enum PathBytes {
    /// The first and last characters that stand for a raw byte 0x80...0xFF.
    static let escapes: ClosedRange<UInt32> = 0xF780...0xF7FF

    /// A path's (or a command-line argument's) bytes as a `String`, losslessly.
    public static func string(_ bytes: some Collection<UInt8>) -> String {
        let b = Array(bytes)
        var scalars = String.UnicodeScalarView()
        var i = 0
        while i < b.count {
            let lead = b[i]
            if lead < 0x80 {
                scalars.append(Unicode.Scalar(lead))
                i += 1
                continue
            }
            let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0
            if length > 0, i + length <= b.count,
               let s = String(validating: b[i..<(i + length)], as: UTF8.self), let scalar = s.unicodeScalars.first,
               s.unicodeScalars.count == 1, !escapes.contains(scalar.value) {
                scalars.append(scalar)
                i += length
            } else {
                scalars.append(Unicode.Scalar(0xF700 + UInt32(lead))!)
                i += 1
            }
        }
        return String(scalars)
    }

    /// The bytes a path held by ``string(_:)`` stands for.
    public static func bytes(_ path: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(path.utf8.count)
        for scalar in path.unicodeScalars {
            if escapes.contains(scalar.value) {
                out.append(UInt8(scalar.value - 0xF700))
            } else {
                out.append(contentsOf: String(scalar).utf8)
            }
        }
        return out
    }

    /// Calls `body` with the path as the NUL-terminated bytes the system takes.
    public static func withCString<R>(_ path: String, _ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        var b = bytes(path).map { CChar(bitPattern: $0) }
        b.append(0)
        return try b.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }

    /// The command line's arguments, byte for byte (``string(_:)`` of each), program name first.
    public static var arguments: [String] {
        (0..<Int(CommandLine.argc)).map { i in
            guard let p = CommandLine.unsafeArgv[i] else { return "" }
            return string(UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: strlen(p)))
        }
    }
}

/// `open(2)` of a path held by ``PathBytes``.
func openPath(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 {
    PathBytes.withCString(path) { open($0, flags, mode) }
}

/// `stat(2)` of a path held by ``PathBytes``.
func statPath(_ path: String, _ info: inout stat) -> Int32 {
    PathBytes.withCString(path) { stat($0, &info) }
}

/// `lstat(2)` of a path held by ``PathBytes``.
func lstatPath(_ path: String, _ info: inout stat) -> Int32 {
    PathBytes.withCString(path) { lstat($0, &info) }
}

/// `unlink(2)` of a path held by ``PathBytes``.
@discardableResult
public func unlinkPath(_ path: String) -> Int32 {
    PathBytes.withCString(path) { unlink($0) }
}

/// `mkdir(2)` of a path held by ``PathBytes``.
public func makeFolder(_ path: String, _ mode: mode_t) -> Int32 {
    PathBytes.withCString(path) { mkdir($0, mode) }
}

/// Whether `path` (held by ``PathBytes``) is a folder, links followed.
public func isFolder(_ path: String) -> Bool {
    var info = stat()
    return statPath(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
}

/// Opens `path` (held by ``PathBytes``) for reading.
public func openForReading(_ path: String) -> Int32 { openPath(path, O_RDONLY) }
