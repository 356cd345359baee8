extension VerifyReport {
    /// The report as `minifloat verify` prints it: a header, the counts, the explanations, the
    /// behaviour the claims match (or the closest), then each detailed mismatch.
    public var text: String { textLines.joined(separator: "\n") + "\n" }

    /// What the command line's report says after the count of mismatches not shown.
    public static let commandLineMoreHint = "--max-report N shows more, --report FILE writes them as JSON"

    /// ``text`` with another hint after the count of mismatches not shown (a library names its own
    /// parameter there, as the Python package does with `max_mismatches=N`).
    public func text(moreHint: String) -> String { textLines(moreHint: moreHint).joined(separator: "\n") + "\n" }

    /// ``text``, line by line.
    public var textLines: [String] { textLines(moreHint: Self.commandLineMoreHint) }

    /// ``text(moreHint:)``, line by line.
    public func textLines(moreHint: String) -> [String] {
        var lines: [String] = []
        let profileText = profile.map { " (profile \($0))" } ?? ""
        var header = "verify \(format) \(rounding.shortName) \(saturation.shortName)\(profileText)"
            + (nanAny ? ", any NaN accepted" : "")
        if let input, let claimed {
            header += ": input \(input.path) \(input.type), claimed \(claimed.path) \(claimed.type) as \(claimedAs.rawValue)"
        } else {
            header += ": claimed as \(claimedAs.rawValue)"
        }
        lines.append(header)
        lines.append("checked \(checked), matching \(matching), mismatching \(mismatching)")
        for e in explanations { lines.append("  \(e.cause.label): \(e.count)") }
        if mismatching > 0, let best = otherBehaviours.first {
            let exact = exactBehaviours
            if let first = exact.first {
                let others = exact.dropFirst().map(\.label)
                lines.append("the claims are exactly what \(format) \(first.label) gives"
                             + (others.isEmpty ? "" : " (on these inputs, so do \(others.joined(separator: ", ")))"))
            } else if best.disagreements < mismatching {
                lines.append("closest other behaviour: \(best.hypothesis.label) (\(best.disagreements) disagreements)")
            }
        }
        for (k, m) in mismatches.enumerated() {
            lines.append("")
            lines.append("mismatch \(k + 1) of \(mismatching): element \(m.index) [\(m.multiIndex.map(String.init).joined(separator: ", "))]")
            if let bits = m.inputBits {
                lines.append("  input      \(bits) = \(m.input)")
            } else {
                lines.append("  input      '\(m.inputText ?? "")' (line \(m.inputLine ?? 0)) = \(m.input)")
            }
            switch m.claimed {
            case .code(let c): lines.append("  claimed    \(c.code) (\(c.value))")
            case .nanValue: lines.append("  claimed    value nan")
            case .notRepresentable(let text): lines.append("  claimed    \(text) (not a value of \(format))")
            }
            lines.append("  expected   \(m.expected.code) (\(m.expected.value))   [\(rounding.shortName)]")
            if let n = m.neighbours { lines.append("  neighbours \(n.lo) and \(n.hi), midpoint \(n.midpoint)") }
            lines.append("  diagnosis  \(m.diagnosis.cause.kind.rawValue): \(m.diagnosis.detail)")
        }
        if mismatches.count < mismatching && !mismatches.isEmpty {
            lines.append("")
            lines.append("(\(mismatching - mismatches.count) more; \(moreHint))")
        }
        return lines
    }
}
