import ArgumentParser
import Minifloat
import MinifloatIO
import MinifloatOracle

struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "The exact value of each code (decimal or 0x hex).",
        discussion: """
            Arrays: --input Y.npy (uint8, int8 or uint16 codes, or the one-byte voids ml_dtypes saves \
            FP8 as), Y.txt (one code per line) or raw (--raw-dtype u8|u16). --output Z.npy writes \
            float32 values (--output-dtype f64 for float64) with the input's shape; Z.txt writes exact \
            decimals. --packed reads FP4 codes two per byte (element 2k of a row in the low nibble) in rows \
            along the last axis (the first for Fortran order), as quantize --packed writes them; each \
            row holds twice its bytes unless --count gives its length (for an odd length, the last \
            high nibble is padding).
            """)

    @Argument(help: "A format name (see 'minifloat formats').", completion: .list(Completions.formats)) var format: String
    @Argument(help: "Codes, decimal (126) or hex (0x7e).") var codes: [String] = []
    @Flag(help: "Print a JSON array.") var json = false
    @Flag(help: exactDecimalHelp) var exactDecimal = false
    @Option(help: "Read the codes from a file (.npy, .txt, or raw with --raw-dtype).") var input: String?
    @Option(help: "Write the values to a file (.npy, .txt or raw); without it, print them.") var output: String?
    @Option(help: "The input file is raw little-endian binary of this type: u8 | u16 | i8.") var rawDtype: String?
    @Option(help: "The type of the values written: f32 or f64.") var outputDtype = "f32"
    @Flag(help: "The input holds FP4 codes two per byte (element 2k in the low nibble).") var packed = false
    @Option(parsing: .unconditional, help: "With --packed: the codes per row, or in all for 1-D input (default: twice the bytes).") var count: Int?
    @Option(parsing: .unconditional, help: "Threads for an array (default: all processors).") var threads: Int?
    @OptionGroup(title: "Block formats (MX, NVFP4)")
    var block: BlockLayoutArguments
    @Option(help: "Block formats: a directory written by 'quantize --output-dir' (scales.npy, elements.npy, block.json).")
    var inputDir: String?
    @Option(help: "Block formats: the scale codes (.npy uint8), with --elements.") var scales: String?
    @Option(help: "Block formats: the element codes (.npy uint8; FP4 packed with --packed), with --scales.") var elements: String?

    func run() throws {
        try checkDistinct(inputs: [("--input", input)] + blockFolderFiles(inputDir, role: "--input-dir"), outputs: [("--output", output)])
        if let b = BlockFormat.named(format) {
            try decodeBlocks(b)
            return
        }
        let f = try lookUpFormat(format)
        if let given = block.anyGiven ?? (inputDir != nil ? "--input-dir" : scales != nil ? "--scales" : elements != nil ? "--elements" : nil) {
            throw CLIError("\(given) applies to block formats (mxfp4, nvfp4, ...); \(f.name) is an element format")
        }
        if let input {
            guard codes.isEmpty else { throw CLIError("give codes on the command line or --input, not both") }
            try decodeArray(f, input: input)
            return
        }
        for (given, name) in [(output != nil, "--output"), (rawDtype != nil, "--raw-dtype"), (outputDtype != "f32", "--output-dtype"),
                              (packed, "--packed"), (count != nil, "--count"), (threads != nil, "--threads")] where given {
            throw CLIError("\(name) applies to arrays: give --input FILE")
        }
        let codes = self.codes.isEmpty ? try standardInputValues() : self.codes
        guard !codes.isEmpty else { throw CLIError("give at least one code, e.g. 'minifloat decode \(f.name) 0x7e'") }
        let parsed = try codes.map { try parseCode($0, f) }
        let rows = zip(codes, parsed).map { text, code in
            codeRow(input: .string(text), code: code, f)
        }
        printRows(rows, json: json, exactDecimal: exactDecimal)
    }
}

/// A code written as a decimal (126) or hex (0x7e) integer; `place` prefixes the error message.
func parseCode(_ text: String, _ f: Format, place: String? = nil) throws -> UInt32 {
    let lower = text.lowercased()
    let value = lower.hasPrefix("0x") ? UInt64(lower.dropFirst(2), radix: 16) : UInt64(lower)
    let prefix = place.map { "\($0): " } ?? ""
    guard let value else { throw CLIError("\(prefix)malformed code '\(text)': give a decimal (126) or hex (0x7e) integer") }
    guard value < f.codeCount else {
        throw CLIError("\(prefix)code \(text) is out of range for \(f.name): codes are 0 to \(hexCode(f.maxCode, f))")
    }
    return UInt32(value)
}

/// The JSON object (and text line) describing one code of a format.
func codeRow(input: Cell, code: UInt32, _ f: Format, extra: [(String, Cell)] = []) -> [(String, Cell)] {
    [("input", input), ("code", .int(Int(code))), ("hex", .string(hexCode(code, f))),
     ("value", .exact(Oracle.decode(code, in: f))), ("class", .string(className(Oracle.classify(code, in: f))))] + extra
}

/// One field of a printed row: JSON as is, or an exact value, which the text output prints in the
/// short exact notation (`2^-127`) unless `--exact-decimal` asks for the full decimal, and JSON
/// always as the full decimal.
enum Cell {
    case json(JSON)
    case exact(ExactValue)

    static func string(_ s: String) -> Cell { .json(.string(s)) }
    static func int(_ i: Int) -> Cell { .json(.int(i)) }

    /// The JSON value: an exact value as its full decimal.
    var json: JSON {
        switch self {
        case .json(let j): return j
        case .exact(let v): return .string(v.description)
        }
    }

    /// The text after `key=`.
    func text(exactDecimal: Bool) -> String {
        switch self {
        case .json(.string(let s)): return s
        case .json(let j): return j.text
        case .exact(let v): return exactDecimal ? v.description : v.shortDescription
        }
    }
}

/// Rows as a JSON array (one object per line) or as `key=value` lines.
func printRows(_ rows: [[(String, Cell)]], json: Bool, exactDecimal: Bool = false) {
    if json {
        print(JSON.lines(rows.map { JSON.object($0.map { ($0.0, $0.1.json) }) }))
        return
    }
    for row in rows {
        print(row.map { key, value in "\(key)=\(value.text(exactDecimal: exactDecimal))" }.joined(separator: "  "))
    }
}

/// The `--exact-decimal` flag's help.
let exactDecimalHelp = ArgumentHelp("Print values as full exact decimals (by default a decimal of over 40 characters, at least twice as long as the power form, prints as 2^-127 or 1.5 * 2^-130; JSON always has the full decimal).")
