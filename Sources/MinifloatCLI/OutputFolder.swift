import MinifloatIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A folder of outputs written as a unit: the folder is created if missing, every file goes to a
/// temporary (``prepare(_:layout:_:)``), and ``commit()`` renames them into place in the order
/// prepared (so the describing file, prepared last, lands last). If anything fails before the
/// commit, the temporaries are removed, and so is the folder when this run created it.
final class OutputFolder {
    let path: String
    private let created: Bool
    private var pending: [ArrayOutput] = []
    private var committed = false

    /// Creates the folder if missing; refuses a path that is not a folder.
    init(_ path: String) throws {
        self.path = path
        if makeFolder(path, 0o755) == 0 {
            created = true
        } else if errno == EEXIST {
            created = false
        } else {
            throw CLIError("cannot create '\(path.quotedForMessage())': \(String(cString: strerror(errno))); choose a writable directory")
        }
        guard isFolder(path) else {
            throw CLIError("'\(path.quotedForMessage())' is not a directory; give a directory for the outputs")
        }
    }

    deinit {
        guard !committed else { return }
        pending.removeAll()  // each removes its temporary
        if created { _ = PathBytes.withCString(path) { rmdir($0) } }
    }

    /// Opens `name` in the folder as a temporary and lets `body` fill it.
    func prepare(_ name: String, layout: ArrayOutput.Layout, _ body: (ArrayOutput) throws -> Void) throws {
        do {
            let output = try ArrayOutput(path: path + "/" + name, layout: layout)
            pending.append(output)
            try body(output)
        } catch let e as ArrayFileError { throw CLIError(e.description) }
    }

    /// Completes every prepared file (all data written: a full disk shows itself here, before any
    /// file lands), then renames them into place in order; `beforeLast` runs just before the last.
    func commit(beforeLast: () -> Void = {}) throws {
        do {
            for output in pending { try output.complete() }
            for (i, output) in pending.enumerated() {
                if i == pending.count - 1 { beforeLast() }
                try output.commit()
            }
        } catch let e as ArrayFileError { throw CLIError(e.description) }
        committed = true
    }
}
