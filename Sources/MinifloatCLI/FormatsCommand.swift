import ArgumentParser
import Minifloat
import MinifloatIO
import MinifloatOracle

struct FormatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "formats",
        abstract: "List every catalog format: bits, fields, bias, special values, range, aliases, spec.")

    @Flag(help: "Print a JSON array.") var json = false
    @Flag(help: "Leave out the IEEE P3109 family (binaryKpP...).") var noP3109 = false
    @Flag(help: "Print a Markdown table (docs/formats.md is made this way).") var markdown = false
    @Flag(help: "List the block-scaled formats (MX, NVFP4) instead.") var blocks = false
    @Flag(help: exactDecimalHelp) var exactDecimal = false

    func run() throws {
        if blocks {
            listBlocks()
            return
        }
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
                   "\(f.format.bias)", f.specials, f.text(f.maxFiniteValue, exactDecimal: exactDecimal),
                   f.text(f.minNormalValue, exactDecimal: exactDecimal), f.text(f.minSubnormalValue, exactDecimal: exactDecimal),
                   (f.entry?.aliases ?? []).joined(separator: ",")].joined(separator: "\t"))
        }
        print("block formats: \(BlockFormat.all.map(\.name).joined(separator: ", ")) ('minifloat formats --blocks')")
    }

    func listBlocks() {
        let rows: [[(String, JSON)]] = BlockFormat.all.map { b in
            let aliases = BlockFormat.aliases.filter { $0.value == b.name }.keys.sorted()
            return [("name", .string(b.name)), ("element", .string(b.element.name)),
                    ("element_storage", .string(b.elementStorage == .twosComplement ? "two's complement k/64" : "codes")),
                    ("block_size", .int(b.blockSize)), ("scale", .string(b.scale.name)),
                    ("tensor_scale", .string(b.hasTensorScale ? "float32" : "none")),
                    ("default_scale_rule", .string(BlockEncoding(for: b).scaleRule.name)),
                    ("largest_element", .string(ExactValue(b.largestElement).description)), ("emax_elem", .int(b.elementEmax)),
                    ("aliases", .array(aliases.map { .string($0) }))]
        }
        if json {
            print(JSON.lines(rows.map { JSON.object($0) }))
            return
        }
        let header = ["name", "element", "storage", "block", "scale", "tensor scale", "default rule", "largest element", "emax", "aliases"]
        func cells(_ row: [(String, JSON)]) -> [String] {
            row.map { _, v in
                switch v {
                case .string(let s): return s
                case .array(let a): return a.compactMap(\.stringValue).joined(separator: ", ")
                default: return v.text
                }
            }
        }
        if markdown {
            print("| " + header.joined(separator: " | ") + " |")
            print("|" + String(repeating: "---|", count: header.count))
            for row in rows { print("| " + cells(row).joined(separator: " | ") + " |") }
            return
        }
        print(header.joined(separator: "\t"))
        for row in rows { print(cells(row).joined(separator: "\t")) }
    }
}
