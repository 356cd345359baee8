#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so the
/// path never holds a partial file. Errors are one-line CLI errors naming the path.
func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    let temporary = path + ".tmp-\(getpid())"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else {
        throw CLIError("cannot write '\(path)': \(String(cString: strerror(errno))); choose a writable path")
    }
    var offset = 0
    let ok = bytes.withUnsafeBytes { raw -> Bool in
        while offset < raw.count {
            let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n <= 0 { return false }
            offset += n
        }
        return true
    }
    let closed = close(fd) == 0
    guard ok && closed, rename(temporary, path) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(temporary)
        throw CLIError("cannot write '\(path)': \(reason); choose a writable path with free space")
    }
}
