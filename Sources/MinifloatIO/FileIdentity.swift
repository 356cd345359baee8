#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file as the file system knows it (device and inode), so that two paths can be compared
/// whatever links, `..` or spellings lead to them.
public struct FileIdentity: Hashable, Sendable {
    let device: UInt64
    let inode: UInt64

    /// The identity of the file at `path` (links followed), or nil if there is none.
    public init?(path: String) {
        var info = stat()
        guard !path.isEmpty, statPath(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }

    /// Whether `path` is a pipe, a device or a socket (written through, never replaced).
    static func isStream(_ path: String) -> Bool {
        var info = stat()
        guard statPath(path, &info) == 0 else { return false }
        let type = info.st_mode & S_IFMT
        return type == S_IFIFO || type == S_IFCHR || type == S_IFSOCK
    }

    /// What a path that may not exist yet will name: its folder's identity and its last component
    /// (or the file's own identity when it exists).
    static func key(_ path: String) -> String? {
        if let id = FileIdentity(path: path) { return "file \(id.device):\(id.inode)" }
        let folder: String
        let name: String
        if let slash = path.lastIndex(of: "/") {
            folder = slash == path.startIndex ? "/" : String(path[..<slash])
            name = String(path[path.index(after: slash)...])
        } else {
            folder = "."
            name = path
        }
        guard let id = FileIdentity(path: folder) else { return nil }
        return "new \(id.device):\(id.inode)/\(name)"
    }

    /// Refuses a command whose output would overwrite one of its inputs, or whose two outputs are
    /// one file (compared by device and inode, so links and other spellings are caught). Pipes and
    /// devices (`/dev/null`, `/dev/stdout`) are written through and never refused. Each argument
    /// pairs a role (an option name, for the message) with a path.
    public static func checkDistinct(inputs: [(role: String, path: String)], outputs: [(role: String, path: String)]) throws {
        let written = outputs.filter { !isStream($0.path) }
        var seen: [String: String] = [:]
        for (role, path) in inputs {
            guard let id = FileIdentity(path: path), !isStream(path) else { continue }
            seen["file \(id.device):\(id.inode)"] = "\(role) '\(path.quotedForMessage())'"
        }
        for (role, path) in written {
            guard let key = key(path) else { continue }
            if let other = seen[key] {
                throw ArrayFileError("\(role) '\(path.quotedForMessage())' is the same file as \(other); "
                                     + "write to another path (it would be overwritten)")
            }
            seen[key] = "\(role) '\(path.quotedForMessage())'"
        }
    }
}
