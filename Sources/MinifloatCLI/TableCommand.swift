import ArgumentParser
import Minifloat
import MinifloatIO
import MinifloatOracle

struct TableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "One row per code: hex, class, exact rational value, exact decimal value (from the oracle).")

    @Argument(help: "A format name (see 'minifloat formats').", completion: .list(Completions.formats)) var format: String
    @Flag(help: "Print a JSON array.") var json = false
    @Flag(help: "Print the rational and decimal columns in full (by default a value whose decimal has over 40 characters, at least twice as long as the power form, prints as 2^-127 or 1.5 * 2^-130 in both; JSON always has both in full).")
    var exactDecimal = false

    func run() throws {
        let f = try lookUpFormat(format)
        guard f.bitWidth <= 16 else {
            throw CLIError("table lists every code, so it takes formats of at most 16 bits (\(f.name) has \(f.bitWidth))")
        }
        if !json { print("code\tclass\trational\tdecimal") }
        var rows: [JSON] = []
        for c in 0...f.maxCode {
            let v = Oracle.decode(c, in: f)
            let cls = className(Oracle.classify(c, in: f))
            if json {
                rows.append(.object([("code", .int(Int(c))), ("hex", .string(hexCode(c, f))), ("class", .string(cls)),
                                     ("rational", .string(v.fractionString)), ("value", .string(v.description))]))
            } else {
                // A value whose decimal is long prints in the short notation in both columns.
                let short = v.shortDescription
                let fraction = exactDecimal || !short.contains("^") ? v.fractionString : short
                print("\(hexCode(c, f))\t\(cls)\t\(fraction)\t\(exactDecimal ? v.description : short)")
            }
        }
        if json { print(JSON.lines(rows)) }
    }
}
