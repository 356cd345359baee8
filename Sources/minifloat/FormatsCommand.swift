import ArgumentParser
import Minifloat

struct FormatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "formats",
        abstract: "List every catalog format: bits, fields, bias, special values, range, aliases, spec.")

    @Flag(help: "Print a JSON array.") var json = false
    @Flag(help: "Leave out the IEEE P3109 family (binaryKpP...).") var noP3109 = false
    @Flag(help: "Print a Markdown table (docs/formats.md is made this way).") var markdown = false

    func run() throws {
        let entries = Format.catalog.filter { !(noP3109 && $0.format.specialValues.rawValue.hasPrefix("p3109")) }
        let facts = entries.map { FormatFacts(entry: $0, format: $0.format) }
        if json {
            print(JSON.lines(facts.map(\.json)))
            return
        }
        if markdown {
            print("| name | bits | E | M | bias | special values | max finite | min normal | min subnormal | aliases | spec |")
            print("|---|---|---|---|---|---|---|---|---|---|---|")
            for f in facts {
                let cells = [f.format.name, "\(f.format.bitWidth)", "\(f.format.exponentBits)", "\(f.format.mantissaBits)",
                             "\(f.format.bias)", f.specials, f.maxFinite, f.minNormal, f.minSubnormal,
                             (f.entry?.aliases ?? []).joined(separator: ", "), f.entry?.citation ?? ""]
                print("| " + cells.joined(separator: " | ") + " |")
            }
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
