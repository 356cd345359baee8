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
