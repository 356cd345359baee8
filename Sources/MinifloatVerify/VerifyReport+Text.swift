import MinifloatIO
import MinifloatOracle

extension VerifyReport {
    /// The report as `minifloat verify` prints it: a header, the counts, the explanations, the
    /// behaviour the claims match (or the closest), then each detailed mismatch.
    public var text: String { textLines.joined(separator: "\n") + "\n" }

    /// What the command line's report says after the count of mismatches not shown.
    public static let commandLineMoreHint = "--max-report N shows more, --report FILE writes them as JSON"

    /// ``text`` with another hint after the count of mismatches not shown (a library names its own
    /// parameter there, as the Python package does with `max_mismatches=N`). Values whose exact
    /// decimal has more than 40 characters print in the short exact notation (`2^-127`,
    /// `1.5 * 2^-130`, ``ExactValue/shortDescription``) unless `exactDecimals`; the report itself
    /// (and its JSON) holds the full decimals.
    public func text(moreHint: String, exactDecimals: Bool = false) -> String {
        textLines(moreHint: moreHint, exactDecimals: exactDecimals).joined(separator: "\n") + "\n"
    }

    /// ``text``, line by line.
    public var textLines: [String] { textLines(moreHint: Self.commandLineMoreHint) }

    /// ``text(moreHint:exactDecimals:)``, line by line.
    public func textLines(moreHint: String, exactDecimals: Bool = false) -> [String] {
        var lines: [String] = []
        writeText(mismatches: mismatches, moreHint: moreHint, exactDecimals: exactDecimals) { lines.append($0) }
        return lines
    }

    /// The text report line by line to `emit`, with `mismatches` in detail instead of
    /// ``mismatches`` (for details built one at a time, ``Verifier/verifyWithLazyDetails(_:against:logicalIndex:progress:)``):
    /// memory does not grow with the number of mismatches shown.
    public func writeText<Details: Sequence<Mismatch>>(mismatches details: Details, moreHint: String = Self.commandLineMoreHint,
                                                       exactDecimals: Bool = false, to emit: (String) throws -> Void) rethrows {
        func v(_ text: String) -> String { exactDecimals ? text : ExactValue.shortened(text) }
        let profileText = profile.map { " (profile \($0))" } ?? ""
        var header = "verify \(format) \(rounding.shortName) \(saturation.shortName)\(profileText)"
            + (nanAny ? ", any NaN accepted" : "")
        if let input, let claimed {
            header += ": input \(input.path) \(input.type), claimed \(claimed.path) \(claimed.type) as \(claimedAs.rawValue)"
        } else {
            header += ": claimed as \(claimedAs.rawValue)"
        }
        try emit(header)
        try emit("checked \(checked), matching \(matching), mismatching \(mismatching)")
        for e in explanations { try emit("  \(e.cause.label): \(e.count)") }
        if mismatching > 0, let best = otherBehaviours.first {
            let exact = exactBehaviours
            if let first = exact.first {
                let others = exact.dropFirst().map(\.label)
                try emit("the claims are exactly what \(first.profile == nil ? format + " " : "")\(first.label) gives"
                         + (others.isEmpty ? "" : " (on these inputs, so do \(others.joined(separator: ", ")))"))
            } else if best.disagreements < mismatching {
                try emit("closest other behaviour: \(best.hypothesis.label) (\(best.disagreements) disagreements)")
            }
        }
        var shown = 0
        for m in details {
            shown += 1
            try emit("")
            try emit("mismatch \(shown) of \(mismatching): element \(m.index) [\(m.multiIndex.map(String.init).joined(separator: ", "))]")
            if let bits = m.inputBits {
                try emit("  input      \(bits) = \(v(m.input))")
            } else {
                try emit("  input      '\(m.inputText ?? "")' (line \(m.inputLine ?? 0)) = \(v(m.input))")
            }
            switch m.claimed {
            case .code(let c): try emit("  claimed    \(c.code) (\(v(c.value)))")
            case .nanValue: try emit("  claimed    value nan")
            case .notRepresentable(let text): try emit("  claimed    \(v(text)) (not a value of \(format))")
            }
            try emit("  expected   \(m.expected.code) (\(v(m.expected.value)))   [\(rounding.shortName)]")
            if let n = m.neighbours { try emit("  neighbours \(v(n.lo)) and \(v(n.hi)), midpoint \(v(n.midpoint))") }
            try emit("  diagnosis  \(m.diagnosis.cause.kind.rawValue): \(m.diagnosis.detail)")
        }
        if shown < mismatching && shown > 0 {
            try emit("")
            try emit("(\(mismatching - shown) more; \(moreHint))")
        }
    }

    /// The JSON report (as `JSON.encode(self).text`, one line) in pieces to `emit`, with
    /// `mismatches` in detail instead of ``mismatches``; memory does not grow with their number.
    public func writeJSON<Details: Sequence<Mismatch>>(mismatches details: Details, to emit: (String) throws -> Void) throws {
        var head = self
        head.mismatches = []
        try writeStreamedJSON(head, details, to: emit)
    }
}

/// Writes `head` (a report whose last key, `mismatches`, is an empty array) as JSON with `details`
/// as that array, piece by piece: the text `JSON.encode` gives for the whole report.
func writeStreamedJSON<Head: Encodable, Details: Sequence>(_ head: Head, _ details: Details,
                                                            to emit: (String) throws -> Void) throws where Details.Element: Encodable {
    let text = try JSON.encode(head).text
    let empty = "[]}"
    precondition(text.hasSuffix(empty), "mismatches is the report's last key")
    try emit(String(text.dropLast(empty.count)) + "[")
    var first = true
    for m in details {
        try emit((first ? "" : ",") + JSON.encode(m).text)
        first = false
    }
    try emit("]}")
}
