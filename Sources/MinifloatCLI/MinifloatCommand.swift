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
        version: minifloatVersion,
        subcommands: [FormatsCommand.self, TableCommand.self, QuantizeCommand.self, DecodeCommand.self,
                      VerifyCommand.self, GenCommand.self, BenchCommand.self, SweepCommand.self, FPQCommand.self,
                      ConformanceCommand.self])

    /// Runs a command; every failure is one line on stderr and exit status 2 (help exits 0).
    static func main() {
        do {
            // The arguments byte for byte: a path that is not UTF-8 names the file it names.
            var command = try parseAsRoot(Array(PathBytes.arguments.dropFirst()))
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
            if let unknown = unknownSubcommand() {
                let matches = unknown.closeMatches(among: subcommandNames)
                fail("unknown command '\(unknown.quotedForMessage())'"
                     + (matches.isEmpty ? "" : "; did you mean \(matches.map { "'\($0)'" }.joined(separator: " or "))?")
                     + " (see 'minifloat help')")
            }
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            fail("\(message) (see 'minifloat help')")
        }
    }

    /// The names of the subcommands.
    static var subcommandNames: [String] {
        configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
    }

    /// The first argument when it is a word that names no subcommand (`quantise`).
    static func unknownSubcommand() -> String? {
        let arguments = CommandLine.arguments.dropFirst()
        guard let first = arguments.first, !first.hasPrefix("-"), !subcommandNames.contains(first) else { return nil }
        return first
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
        if let b = BlockFormat.named(text) {
            throw CLIError("'\(text.quotedForMessage())' is a block format; this command takes element formats "
                           + "(its elements are \(b.element.name))")
        }
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

/// The version of Minifloat: `minifloat --version`; CITATION.cff states the same (a test checks).
let minifloatVersion = "0.1.0-dev"

/// The values of a command whose arguments are numbers (`quantize`, `fpq quantize`), which reach it
/// unparsed so that negative numbers need no `--`: everything after a `--` is a value as written;
/// before it, an argument that looks like an option (`--saturaton`, `-x`; not `-1.5`, `-inf`, `-nan`)
/// is an unknown option, reported with the command's close option names.
func valueArguments(_ raw: [String], of command: ParsableCommand.Type) throws -> [String] {
    var values: [String] = []
    var verbatim = false
    for a in raw {
        if verbatim { values.append(a); continue }
        if a == "--" { verbatim = true; continue }
        if looksLikeOption(a) {
            let name = String(a.prefix { $0 != "=" })
            let options = optionNames(of: command)
            let matches = name.closeMatches(among: options)
            let commandName = command.configuration.commandName ?? "minifloat"
            throw CLIError("unknown option '\(name.quotedForMessage())'"
                           + (matches.isEmpty ? "" : "; did you mean \(matches.map { "'\($0)'" }.joined(separator: " or "))?")
                           + " (see 'minifloat \(commandName) --help'; a value that starts with '-' goes after '--')")
        }
        values.append(a)
    }
    return values
}

/// Whether an argument is written like an option rather than a number.
func looksLikeOption(_ a: String) -> Bool {
    if a.hasPrefix("--") { return a.count > 2 }
    guard a.hasPrefix("-"), let first = a.dropFirst().first, first.isLetter else { return false }
    let word = a.dropFirst().lowercased()
    return !["inf", "infinity", "nan"].contains(word)
}

/// The long option names a command's help lists.
func optionNames(of command: ParsableCommand.Type) -> [String] {
    let help = MinifloatCommand.helpMessage(for: command, columns: 10_000)
    var names: [String] = []
    let characters = Array(help)
    var i = 0
    while i + 2 < characters.count {
        if characters[i] == "-" && characters[i + 1] == "-" && (i == 0 || !characters[i - 1].isLetter) {
            var j = i + 2
            while j < characters.count, characters[j].isLetter || characters[j].isNumber || characters[j] == "-" { j += 1 }
            let name = String(characters[i..<j])
            if name.count > 2, !names.contains(name) { names.append(name) }
            i = j
        } else {
            i += 1
        }
    }
    return names
}
