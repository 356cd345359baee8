/// Error messages quote what the user gave; these keep a message on one line and short.
extension String {
    /// The text with control characters escaped (`\n`, `\t`, `\u{1B}`, ...) and, past `limit`
    /// characters, cut with an ellipsis: safe to quote in a one-line message.
    package func quotedForMessage(limit: Int = 80) -> String {
        var out = ""
        for scalar in unicodeScalars {
            if out.count >= limit { return out + "..." }
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                || scalar.value == 0x2028 || scalar.value == 0x2029:
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The whole message on one line: every line break and control character escaped.
    package var singleLine: String { quotedForMessage(limit: Int.max) }
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
