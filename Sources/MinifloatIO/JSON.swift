/// A JSON value whose objects keep their keys in the order given: what Minifloat writes (reports,
/// `block.json`) and reads back. ``encode(_:)`` turns any `Encodable` value into one, keys in the
/// order its `encode(to:)` writes them.
public enum JSON: Sendable {
    case string(String)
    case int(Int)
    /// A finite number, written with up to 4 decimals.
    case number(Double)
    case bool(Bool)
    case null
    case array([JSON])
    case object([(String, JSON)])

    /// The compact text (no spaces), keys in order.
    public var text: String {
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
    public static func lines(_ items: [JSON]) -> String {
        items.isEmpty ? "[]" : "[\n" + items.map { "  " + $0.text }.joined(separator: ",\n") + "\n]"
    }

    /// `s` as a JSON string literal.
    public static func quote(_ s: String) -> String {
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
public func formatted(_ x: Double, decimals: Int) -> String {
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

extension JSON {
    /// Parses JSON text (objects, arrays, strings with simple escapes, integers, decimals as
    /// strings' text, booleans, null): enough to read the files this tool writes. Nil if malformed
    /// or nested more than ``maxDepth`` deep (a hostile file cannot exhaust the stack).
    public static func parse(_ text: String) -> JSON? {
        var p = JSONParser(Array(text.unicodeScalars))
        guard let value = p.value() else { return nil }
        p.skipSpace()
        return p.atEnd ? value : nil
    }

    /// The deepest nesting of arrays and objects `parse` accepts.
    public static let maxDepth = 64

    /// The value of `key` in an object (the first, if repeated); nil for a missing key or a non-object.
    public subscript(key: String) -> JSON? {
        guard case .object(let fields) = self else { return nil }
        return fields.first { $0.0 == key }?.1
    }

    /// The string, if this is one.
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    /// The integer, if this is one.
    public var intValue: Int? { if case .int(let i) = self { return i }; return nil }
    /// The Boolean, if this is one.
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    /// The elements, if this is an array.
    public var arrayValue: [JSON]? { if case .array(let a) = self { return a }; return nil }
}

private struct JSONParser {
    let s: [Unicode.Scalar]
    var i = 0
    var depth = 0
    init(_ s: [Unicode.Scalar]) { self.s = s }

    var atEnd: Bool { i >= s.count }

    mutating func skipSpace() { while i < s.count, [" ", "\n", "\t", "\r"].contains(s[i]) { i += 1 } }

    mutating func take(_ c: Unicode.Scalar) -> Bool {
        skipSpace()
        if i < s.count && s[i] == c { i += 1; return true }
        return false
    }

    mutating func literal(_ word: String) -> Bool {
        let w = Array(word.unicodeScalars)
        guard i + w.count <= s.count, Array(s[i..<(i + w.count)]) == w else { return false }
        i += w.count
        return true
    }

    /// A value nested `depth` deep: refused beyond JSON.maxDepth + 1 (a scalar in the deepest container).
    mutating func value() -> JSON? {
        depth += 1
        defer { depth -= 1 }
        guard depth <= JSON.maxDepth + 1 else { return nil }
        return valueAtThisDepth()
    }

    mutating func valueAtThisDepth() -> JSON? {
        skipSpace()
        guard i < s.count else { return nil }
        switch s[i] {
        case "{":
            i += 1
            var fields: [(String, JSON)] = []
            if take("}") { return .object(fields) }
            repeat {
                skipSpace()
                guard let key = string(), take(":"), let v = value() else { return nil }
                fields.append((key, v))
            } while take(",")
            return take("}") ? .object(fields) : nil
        case "[":
            i += 1
            var items: [JSON] = []
            if take("]") { return .array(items) }
            repeat {
                guard let v = value() else { return nil }
                items.append(v)
            } while take(",")
            return take("]") ? .array(items) : nil
        case "\"":
            return string().map { .string($0) }
        case "t": return literal("true") ? .bool(true) : nil
        case "f": return literal("false") ? .bool(false) : nil
        case "n": return literal("null") ? .null : nil
        default:
            var text = ""
            while i < s.count, "-+0123456789.eE".unicodeScalars.contains(s[i]) { text.unicodeScalars.append(s[i]); i += 1 }
            if let n = Int(text) { return .int(n) }
            if let x = Double(text) { return .number(x) }
            return nil
        }
    }

    mutating func string() -> String? {
        guard i < s.count, s[i] == "\"" else { return nil }
        i += 1
        var out = ""
        while i < s.count {
            let c = s[i]
            i += 1
            if c == "\"" { return out }
            if c == "\\" {
                guard i < s.count else { return nil }
                let e = s[i]
                i += 1
                switch e {
                case "n": out += "\n"
                case "t": out += "\t"
                case "u":
                    guard i + 4 <= s.count, let v = UInt32(String(String.UnicodeScalarView(s[i..<(i + 4)])), radix: 16),
                          let u = Unicode.Scalar(v) else { return nil }
                    out.unicodeScalars.append(u)
                    i += 4
                default: out.unicodeScalars.append(e)
                }
            } else {
                out.unicodeScalars.append(c)
            }
        }
        return nil
    }
}

extension JSON: Equatable {
    public static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.null, .null): return true
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }
}
