/// Minimal JSON writing: strings, numbers, booleans, arrays and objects with keys in a fixed order.
enum JSON {
    case string(String)
    case int(Int)
    /// A finite number, written with up to 4 decimals.
    case number(Double)
    case bool(Bool)
    case null
    case array([JSON])
    case object([(String, JSON)])

    var text: String {
        switch self {
        case .string(let s): return JSON.quote(s)
        case .int(let i): return String(i)
        case .number(let x): return formatted(x, decimals: 4)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let items): return "[" + items.map(\.text).joined(separator: ",") + "]"
        case .object(let fields):
            return "{" + fields.map { JSON.quote($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
        }
    }

    /// One array element per line, for readable output of long lists.
    static func lines(_ items: [JSON]) -> String {
        items.isEmpty ? "[]" : "[\n" + items.map { "  " + $0.text }.joined(separator: ",\n") + "\n]"
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16) }
                else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}

/// `x` with at most `decimals` decimals, trailing zeros dropped (no Foundation needed).
func formatted(_ x: Double, decimals: Int) -> String {
    guard x.isFinite else { return x.isNaN ? "nan" : (x < 0 ? "-inf" : "inf") }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(x) * scale).rounded()
    guard scaled < 9e15 else { return String(x) }
    let whole = Int(scaled) / Int(scale), fraction = Int(scaled) % Int(scale)
    var text = (x < 0 && scaled > 0 ? "-" : "") + String(whole)
    if fraction > 0 {
        var digits = String(fraction)
        digits = String(repeating: "0", count: decimals - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        text += "." + digits
    }
    return text
}
