import ArgumentParser
import Minifloat
import MinifloatIO
import MinifloatOracle
import MinifloatVerify
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

@main
struct MinifloatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "minifloat",
        abstract: "The exact reference for FP4, FP6, FP8 and custom low-precision floating point.",
        discussion: "Format names: run 'minifloat formats'; custom formats are written [u]e<E>m<M>[b<B>][fn|fnuz|ieee].",
        subcommands: [FormatsCommand.self, TableCommand.self, QuantizeCommand.self, DecodeCommand.self,
                      VerifyCommand.self, GenCommand.self, BenchCommand.self, SweepCommand.self, FPQCommand.self])

    /// Runs a command; every failure is one line on stderr and exit status 2 (help exits 0).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as CLIError {
            fail(error.description)
        } catch let error as VerifyError {
            fail(error.description)
        } catch let code as ExitCode {
            terminate(code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is CleanExit {
                exit(withError: error)
            }
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            fail("\(message) (see 'minifloat help')")
        }
    }

    static func fail(_ message: String) -> Never {
        var stderr = StandardError()
        print("minifloat: error: \(message.singleLine)", to: &stderr)
        terminate(2)
    }
}

/// A usage or input error: printed as one line, exit status 2.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) { _ = string.withCString { writeToStandardError($0) } }
}

/// Looks a format up by name, turning the library's error into a CLI error with close matches.
func lookUpFormat(_ name: String) throws -> Format {
    do {
        return try Format.named(name)
    } catch .unknownName(let text, let close) {
        // Block formats (mxfp4, nvfp4, ...) are close matches too.
        let blocks = BlockFormat.closeMatches(to: text)
        throw CLIError(FormatError.unknownName(text, closeMatches: blocks + close.filter { !blocks.contains($0) }).description)
    } catch {
        throw CLIError(error.description)
    }
}

/// Ends the process with `status` (`exit(3)`, named apart from ArgumentParser's `exit`).
func terminate(_ status: Int32) -> Never { exit(status) }

/// Writes a C string to file descriptor 2.
func writeToStandardError(_ text: UnsafePointer<CChar>) -> Int { write(2, text, strlen(text)) }
