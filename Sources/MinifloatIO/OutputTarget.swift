#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Where an output path leads, decided before anything is written (``ArrayOutput``):
/// - a regular file, or nothing yet: the data goes to a new temporary file in the same folder,
///   renamed over the path when complete (``replace(final:mode:)``); an existing file keeps its
///   permission bits;
/// - a symbolic link to a regular file: the same, for the file it leads to (the link stays);
/// - a FIFO, a character device or a socket (`/dev/stdout`, `/dev/null`, a pipe): the data is
///   written through it (``stream``), as a shell redirection would;
/// - a folder, a dangling link, anything else: refused with a one-line message.
enum OutputTarget {
    case replace(final: String, mode: mode_t)
    case stream

    static func resolve(_ path: String) throws -> OutputTarget {
        guard !path.isEmpty else { throw ArrayFileError("the output path is empty; give a file name") }
        var info = stat()
        if lstatPath(path, &info) != 0 {
            guard errno == ENOENT else { throw ArrayFileError("cannot write '\(path.quotedForMessage())': \(String(cString: strerror(errno)))") }
            return .replace(final: path, mode: 0o666 & ~processUmask)
        }
        var final = path
        if info.st_mode & S_IFMT == S_IFLNK {
            guard statPath(path, &info) == 0 else {
                throw ArrayFileError("'\(path.quotedForMessage())' is a symbolic link to a missing file; write to the file itself or remove the link")
            }
            // A link to a regular file: replace that file. (A link to a pipe or device, such as
            // /dev/stdout, is written through below; realpath cannot name a pipe.)
            if info.st_mode & S_IFMT == S_IFREG {
                guard let resolved = PathBytes.withCString(path, { realpath($0, nil) }) else {
                    throw ArrayFileError("cannot write '\(path.quotedForMessage())': \(String(cString: strerror(errno)))")
                }
                final = PathBytes.string(UnsafeBufferPointer(start: UnsafeRawPointer(resolved).assumingMemoryBound(to: UInt8.self),
                                                             count: strlen(resolved)))
                free(resolved)
            }
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .replace(final: final, mode: info.st_mode & 0o7777)
        case S_IFIFO, S_IFCHR, S_IFSOCK: return .stream
        case S_IFDIR: throw ArrayFileError("'\(path.quotedForMessage())' is a folder; give a file name")
        default: throw ArrayFileError("'\(path.quotedForMessage())' is not a regular file, a device or a pipe; give a file name")
        }
    }
}

/// The process's umask (read once: setting and restoring it is the portable way).
let processUmask: mode_t = {
    let m = umask(0o022)
    umask(m)
    return m
}()

/// Creates an exclusive temporary file in `final`'s folder (O_EXCL, a name no one can have
/// planted: mkstemp), short enough for any final name. Returns its path and descriptor.
func createTemporary(beside final: String) throws -> (path: String, fd: Int32) {
    let folder: String
    if let slash = final.lastIndex(of: "/") {
        folder = String(final[...slash])
    } else {
        folder = ""
    }
    var template = (PathBytes.bytes(folder) + Array(".minifloat-XXXXXX".utf8)).map { CChar(bitPattern: $0) } + [0]
    let fd = TemporaryFiles.create(&template)
    guard fd >= 0 else {
        let folderName = folder.isEmpty ? "." : folder
        throw ArrayFileError("cannot write '\(final.quotedForMessage())': cannot create a file in '\(folderName.quotedForMessage())': "
                             + "\(String(cString: strerror(errno))); choose a writable folder")
    }
    let path = PathBytes.string(template.dropLast().map { UInt8(bitPattern: $0) })
    return (path, fd)
}

/// Temporary files in progress, removed if the process is stopped by SIGINT, SIGTERM or SIGHUP
/// (the handler is installed only where the signal's action is the default, so an application's
/// own handler is left alone). The handler calls only unlink, sched_yield, signal and raise, and
/// reads an atomic.
enum TemporaryFiles {
    static let capacity = 64
    static let handled = [SIGINT, SIGTERM, SIGHUP]
    nonisolated(unsafe) static let slots = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
    nonisolated(unsafe) static var installed = false
    nonisolated(unsafe) static var lock = pthread_mutex_t()
    /// 1 while a thread creates a temporary and registers it (``create(_:)``).
    static let creating = Atomic<Int>(0)
    static let setUp: Void = {
        slots.initialize(repeating: nil, count: capacity)
        pthread_mutex_init(&lock, nil)
    }()

    /// Creates the file `template` names (mkstemp, which fills in its X's) and registers it;
    /// returns its descriptor, or -1 with errno set. No signal can leave the file behind: the
    /// handlers are installed before it exists; this thread blocks the signals until the file is
    /// registered (one that arrives meanwhile is delivered after, and its handler removes the
    /// file), and a handler that runs meanwhile in another thread waits for the registration
    /// (``creating``; set only under the lock, so that thread does not hold it).
    static func create(_ template: inout [CChar]) -> Int32 {
        _ = setUp
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        if !installed {
            installed = true
            for s in handled { installHandler(s) }
        }
        var blocked = sigset_t(), previous = sigset_t()
        sigemptyset(&blocked)
        for s in handled { sigaddset(&blocked, s) }
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        creating.store(1, ordering: .sequentiallyConsistent)
        defer {
            creating.store(0, ordering: .sequentiallyConsistent)
            pthread_sigmask(SIG_SETMASK, &previous, nil)
        }
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd >= 0 {
            for i in 0..<capacity where slots[i] == nil {
                slots[i] = strdup(template)
                break
            }
        }
        return fd
    }

    static func unregister(_ path: String) {
        _ = setUp
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        for i in 0..<capacity {
            if let p = slots[i], PathBytes.bytes(path).map({ CChar(bitPattern: $0) }) == Array(UnsafeBufferPointer(start: p, count: strlen(p))) {
                slots[i] = nil
                free(p)
                return
            }
        }
    }

    static func installHandler(_ s: Int32) {
        var current = sigaction()
        guard sigaction(s, nil, &current) == 0 else { return }
        #if canImport(Darwin)
        let isDefault = current.__sigaction_u.__sa_handler == nil
        #else
        let isDefault = current.__sigaction_handler.sa_handler == nil
        #endif
        guard isDefault else { return }
        var action = sigaction()
        #if canImport(Darwin)
        action.__sigaction_u.__sa_handler = { signalNumber in TemporaryFiles.removeAll(signalNumber) }
        #else
        action.__sigaction_handler.sa_handler = { signalNumber in TemporaryFiles.removeAll(signalNumber) }
        #endif
        sigemptyset(&action.sa_mask)
        sigaction(s, &action, nil)
    }

    /// Unlinks every registered temporary (async-signal-safe: only `unlink`).
    static func unlinkAll() {
        for i in 0..<capacity {
            if let p = slots[i] { unlink(p) }
        }
    }

    /// The signal handler: wait for a temporary being created in another thread to be registered,
    /// unlink every registered temporary, then die of the signal as before.
    static func removeAll(_ signalNumber: Int32) {
        while creating.load(ordering: .sequentiallyConsistent) != 0 { sched_yield() }
        unlinkAll()
        signal(signalNumber, SIG_DFL)
        raise(signalNumber)
    }
}
