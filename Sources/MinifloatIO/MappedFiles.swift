#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Memory-mapped input files, and what happens when one shrinks while it is read.
///
/// Reading a page of a mapping beyond the end of a file that another process has truncated raises
/// SIGBUS, which would kill the process with a crash report. Once a mapping is registered here, a
/// SIGBUS handler (installed unless the signal is ignored) checks whether the faulting address
/// lies in a registered mapping: if so it prints one line naming the file on standard error,
/// removes the temporary files of outputs in progress and exits with status 2; any other SIGBUS
/// goes to the action the signal had before (the Swift runtime's crash reporter, an application's
/// handler, or the default). The handler calls only `write`, `unlink`, `sigaction`, `pause` and `_exit`, and
/// `pthread_mutex_trylock` so that threads faulting together print one line.
enum MappedFiles {
    static let capacity = 64
    /// Registered mappings: start address, length, and the message for that file (a C string).
    nonisolated(unsafe) static let starts = UnsafeMutablePointer<UInt>.allocate(capacity: capacity)
    nonisolated(unsafe) static let lengths = UnsafeMutablePointer<UInt>.allocate(capacity: capacity)
    nonisolated(unsafe) static let messages = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
    nonisolated(unsafe) static var installed = false
    /// Held by the first thread that reports a fault (threads that fault together print one line):
    /// taken with `pthread_mutex_trylock`, which never blocks (one atomic exchange in glibc).
    nonisolated(unsafe) static var reporting = pthread_mutex_t()
    nonisolated(unsafe) static var lock = pthread_mutex_t()
    static let setUp: Void = {
        starts.initialize(repeating: 0, count: capacity)
        lengths.initialize(repeating: 0, count: capacity)
        messages.initialize(repeating: nil, count: capacity)
        pthread_mutex_init(&lock, nil)
        pthread_mutex_init(&reporting, nil)
    }()

    /// The program's name for messages (`minifloat`), taken once from the command line.
    static let programName: String = {
        let first = CommandLine.arguments.first ?? "minifloat"
        return first.split(separator: "/").last.map(String.init) ?? first
    }()

    /// Registers the mapping of `path` at `start`, `length` bytes.
    static func register(_ start: UnsafeRawPointer, length: Int, path: String) {
        _ = setUp
        _ = TemporaryFiles.setUp  // the handler reads its table, which must exist by then
        let message = "\(programName): error: '\(path.quotedForMessage())' shrank while it was being read (another process "
            + "truncated or rewrote it); read a file that nothing else writes meanwhile\n"
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        if !installed {
            installed = true
            installHandler()
        }
        for i in 0..<capacity where lengths[i] == 0 {
            messages[i] = strdup(message)
            starts[i] = UInt(bitPattern: start)
            lengths[i] = UInt(length)
            return
        }
    }

    /// Forgets the mapping at `start` (before it is unmapped).
    static func unregister(_ start: UnsafeRawPointer) {
        _ = setUp
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        for i in 0..<capacity where lengths[i] != 0 && starts[i] == UInt(bitPattern: start) {
            lengths[i] = 0
            free(messages[i])
            messages[i] = nil
            return
        }
    }

    /// The action SIGBUS had before (the Swift runtime's crash reporter, or the default), which
    /// every fault outside a registered mapping goes on to.
    nonisolated(unsafe) static var previous = sigaction()

    static func installHandler() {
        guard sigaction(SIGBUS, nil, &previous) == 0 else { return }
        // SIG_IGN is the handler address 1.
        #if canImport(Darwin)
        let ignored = unsafeBitCast(previous.__sigaction_u.__sa_handler, to: Int.self) == 1
        #else
        let ignored = unsafeBitCast(previous.__sigaction_handler.sa_handler, to: Int.self) == 1
        #endif
        guard !ignored else { return }
        var action = sigaction()
        #if canImport(Darwin)
        action.__sigaction_u.__sa_sigaction = { signalNumber, info, _ in MappedFiles.fault(signalNumber, info) }
        #else
        action.__sigaction_handler.sa_sigaction = { signalNumber, info, _ in MappedFiles.fault(signalNumber, info) }
        #endif
        action.sa_flags = SA_SIGINFO
        sigemptyset(&action.sa_mask)
        sigaction(SIGBUS, &action, nil)
    }

    /// The SIGBUS handler.
    static func fault(_ signalNumber: Int32, _ info: UnsafeMutablePointer<siginfo_t>?) {
        #if canImport(Darwin)
        let address = UInt(bitPattern: info?.pointee.si_addr)
        #else
        let address = UInt(bitPattern: info?.pointee._sifields._sigfault.si_addr)
        #endif
        for i in 0..<capacity {
            let length = lengths[i], start = starts[i]
            guard length != 0, address >= start, address - start < length, let message = messages[i] else { continue }
            guard pthread_mutex_trylock(&reporting) == 0 else {
                while true { pause() }  // another thread is reporting and will end the process
            }
            _ = write(2, message, strlen(message))
            TemporaryFiles.unlinkAll()
            _exit(2)
        }
        // Not one of ours: the previous action takes it when the faulting instruction runs again.
        sigaction(SIGBUS, &previous, nil)
    }
}
