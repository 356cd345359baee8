import ArgumentParser
import Minifloat
import MinifloatIO
import MinifloatOracle

struct TableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table",
        abstract: "One row per code: hex, class, exact rational value, exact decimal value (from the oracle).")

    @Argument(help: "A format name (see 'minifloat formats').") var format: String
    @Flag(help: "Print a JSON array.") var json = false

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
                print("\(hexCode(c, f))\t\(cls)\t\(v.fractionString)\t\(v.description)")
            }
        }
        if json { print(JSON.lines(rows)) }
    }
}
