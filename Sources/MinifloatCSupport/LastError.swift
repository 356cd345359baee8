// What the C libraries share: the per-thread last error message.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The last error message of each thread, as a C string owned by the thread's slot.
private let lastErrorKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key) { free($0) }
    return key
}()

nonisolated(unsafe) private let noError: UnsafeMutablePointer<CChar> = strdup("")!

/// Records `message` as this thread's last error (the previous one is freed).
public func recordLastError(_ message: String) {
    let old = pthread_getspecific(lastErrorKey)
    pthread_setspecific(lastErrorKey, strdup(message))
    free(old)
}

/// This thread's last error message, or "" if none; valid until the thread's next error.
public func lastErrorMessage() -> UnsafePointer<CChar> {
    pthread_getspecific(lastErrorKey).map { UnsafePointer($0.assumingMemoryBound(to: CChar.self)) } ?? UnsafePointer(noError)
}
