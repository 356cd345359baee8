/// Error messages quote what the user gave; these keep a message on one line and short.
extension String {
    /// The text with control characters escaped (`\n`, `\t`, `\u{1B}`, ...) and, past `limit`
    /// characters, cut with an ellipsis: safe to quote in a one-line message.
    /// Linear in the text's length (the count of what is written so far is kept, not recomputed).
    package func quotedForMessage(limit: Int = 80) -> String {
        var out = ""
        var written = 0
        for scalar in unicodeScalars {
            if written >= limit { return out + "..." }
            switch scalar {
            case "\n": out += "\\n"; written += 2
            case "\r": out += "\\r"; written += 2
            case "\t": out += "\\t"; written += 2
            case _ where (0xF780...0xF7FF).contains(scalar.value):
                // A path byte that is not UTF-8, as MinifloatIO's PathBytes holds it.
                out += "\\x" + String(scalar.value - 0xF700, radix: 16)
                written += 4
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                || scalar.value == 0x2028 || scalar.value == 0x2029:
                let escape = "\\u{\(String(scalar.value, radix: 16))}"
                out += escape
                written += escape.unicodeScalars.count
            default:
                out.unicodeScalars.append(scalar)
                written += 1
            }
        }
        return out
    }

    /// The whole message on one line: every line break and control character escaped; a message
    /// over 1,000 characters (a very long path or argument quoted in it) keeps its first 700 and
    /// last 250 characters around `...`, so that the line stays readable and ends with the fix.
    package var singleLine: String {
        let escaped = quotedForMessage(limit: Int.max)
        let scalars = escaped.unicodeScalars
        guard scalars.count > 1000 else { return escaped }
        var cut = String.UnicodeScalarView()
        cut.append(contentsOf: scalars.prefix(700))
        cut.append(contentsOf: "...".unicodeScalars)
        cut.append(contentsOf: scalars.suffix(250))
        return String(cut)
    }
}

extension String {
    /// The candidates within a small edit distance of this text (at most a third of its length,
    /// and at least 2), closest first, at most `count` of them: for "did you mean" in messages.
    package func closeMatches(among candidates: [String], count: Int = 3) -> [String] {
        let target = Array(self)
        guard target.count <= 48 else { return [] }
        let limit = Swift.max(2, target.count / 3)
        return candidates.compactMap { c -> (Int, String)? in
            guard abs(c.count - target.count) <= limit else { return nil }
            let d = Format.editDistance(target, Array(c), limit: limit)
            return d <= limit ? (d, c) : nil
        }.sorted { $0.0 < $1.0 }.prefix(count).map(\.1)
    }
}
