import ArgumentParser
import Minifloat
import MinifloatOracle

struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "The exact value of each code (decimal or 0x hex).")

    @Argument(help: "A format name (see 'minifloat formats').") var format: String
    @Argument(help: "Codes, decimal (126) or hex (0x7e).") var codes: [String]
    @Flag(help: "Print a JSON array.") var json = false

    func run() throws {
        let f = try lookUpFormat(format)
        guard !codes.isEmpty else { throw CLIError("give at least one code, e.g. 'minifloat decode \(f.name) 0x7e'") }
        let parsed = try codes.map { text -> UInt32 in
            let lower = text.lowercased()
            let value = lower.hasPrefix("0x") ? UInt64(lower.dropFirst(2), radix: 16) : UInt64(lower)
            guard let value else { throw CLIError("malformed code '\(text)': give a decimal (126) or hex (0x7e) integer") }
            guard value < f.codeCount else {
                throw CLIError("code \(text) is out of range for \(f.name): codes are 0 to \(hexCode(f.maxCode, f))")
            }
            return UInt32(value)
        }
        let rows = zip(codes, parsed).map { text, code in
            codeRow(input: .string(text), code: code, f)
        }
        printRows(rows, json: json)
    }
}

/// The JSON object (and text line) describing one code of a format.
func codeRow(input: JSON, code: UInt32, _ f: Format, extra: [(String, JSON)] = []) -> [(String, JSON)] {
    let v = Oracle.decode(code, in: f)
    return [("input", input), ("code", .int(Int(code))), ("hex", .string(hexCode(code, f))),
            ("value", .string(v.description)), ("class", .string(className(Oracle.classify(code, in: f))))] + extra
}

func printRows(_ rows: [[(String, JSON)]], json: Bool) {
    if json {
        print(JSON.lines(rows.map { JSON.object($0) }))
        return
    }
    for row in rows {
        print(row.map { key, value -> String in
            if case .string(let s) = value { return "\(key)=\(s)" }
            return "\(key)=\(value.text)"
        }.joined(separator: "  "))
    }
}
