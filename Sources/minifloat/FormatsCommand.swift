import ArgumentParser
import Minifloat

struct FormatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "formats",
        abstract: "List every catalog format: bits, fields, bias, special values, range, aliases, spec.")

    @Flag(help: "Print a JSON array.") var json = false
    @Flag(help: "Leave out the IEEE P3109 family (binaryKpP...).") var noP3109 = false

    func run() throws {
        let entries = Format.catalog.filter { !(noP3109 && $0.format.name.hasPrefix("binary") && $0.format.name.contains("p")) }
        let facts = entries.map { FormatFacts(entry: $0, format: $0.format) }
        if json {
            print(JSON.lines(facts.map(\.json)))
            return
        }
        print(["name", "bits", "E", "M", "bias", "specials", "max", "min normal", "min subnormal", "aliases"]
            .joined(separator: "\t"))
        for f in facts {
            print([f.format.name, "\(f.format.bitWidth)", "\(f.format.exponentBits)", "\(f.format.mantissaBits)",
                   "\(f.format.bias)", f.specials, f.maxFinite, f.minNormal, f.minSubnormal,
                   (f.entry?.aliases ?? []).joined(separator: ",")].joined(separator: "\t"))
        }
    }
}
