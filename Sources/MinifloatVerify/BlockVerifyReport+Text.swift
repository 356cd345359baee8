import Minifloat
import MinifloatIO
import MinifloatOracle

extension BlockVerifyReport {
    /// The report as `minifloat verify mxfp4` prints it.
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
    /// ``mismatches`` (for details built one at a time,
    /// ``BlockVerifier/verifyWithLazyDetails(claimedScales:claimedElements:packed:maxMismatches:)``):
    /// memory does not grow with the number of mismatches shown.
    public func writeText<Details: Sequence<BlockMismatch>>(mismatches details: Details, moreHint: String = Self.commandLineMoreHint,
                                                            exactDecimals: Bool = false, to emit: (String) throws -> Void) rethrows {
        func v(_ text: String) -> String { exactDecimals ? text : ExactValue.shortened(text) }
        let name = BlockFormat.named(format)?.blockSize == blockSize ? format : "\(format)/\(blockSize)"
        var lines: [String] = []
        func flush() throws {
            for line in lines { try emit(line) }
            lines.removeAll(keepingCapacity: true)
        }
        lines = ["verify \(name) blocks along axis \(axis), scale rule \(scaleRule), \(specials), "
                     + "elements \(rounding.shortName) \(saturation.shortName)" + (tensorScale.map { ", tensor scale \($0)" } ?? "")]
        if let input {
            lines.append("input \(input.path) \(input.type) \(NpyHeader.shapeText(input.shape)); "
                         + "claimed scales \(claimedScales ?? ""), elements \(claimedElements ?? "")\(packed ? " (packed)" : "")")
        }
        lines.append("scales: \(scales.checked) checked, \(scales.matching) match, \(scales.mismatching) differ")
        if scales.mismatching > 0 {
            if let first = scales.matchesRules.first {
                let others = scales.matchesRules.dropFirst()
                lines.append("  the claimed scales are exactly what scale rule \(first) gives"
                             + (others.isEmpty ? "" : " (on these inputs, so do \(others.joined(separator: ", ")))"))
            } else if !scales.byRule.isEmpty {
                lines.append("  other rules matching some: " + scales.byRule.prefix(4).map { "\($0.name) \($0.count)" }.joined(separator: ", "))
            }
        }
        lines.append("elements (under the claimed scales): \(elements.checked) checked, \(elements.matching) match, "
                     + "\(elements.mismatching) differ"
                     + (elements.notCheckedNaNScale > 0
                        ? "; \(elements.notCheckedNaNScale) not checked (blocks with a NaN scale decode to NaN)" : ""))
        for e in elements.explanations { lines.append("  \(e.cause.label): \(e.count)") }
        if let first = elements.matchesBehaviours.first {
            let others = elements.matchesBehaviours.dropFirst()
            lines.append("  the claimed elements are exactly what \(first) gives"
                         + (others.isEmpty ? "" : " (on these inputs, so do \(others.joined(separator: ", ")))"))
        } else if let best = elements.otherBehaviours.min(by: { $0.count < $1.count }), best.count < elements.mismatching {
            lines.append("  closest other behaviour: \(best.name) (\(best.count) disagreements)")
        }
        var scaleNumber = 0, elementNumber = 0
        for m in details {
            try flush()
            lines.append("")
            switch m {
            case .scale(let s):
                scaleNumber += 1
                lines += ["scale mismatch \(scaleNumber): scale \(s.block) [\(s.multiIndex.map(String.init).joined(separator: ", "))], "
                          + "elements \(s.elementCount)",
                          "  amax       \(v(s.amax))" + (s.hasSpecials ? " (the block also has NaN or Inf)" : ""),
                          "  claimed    \(s.claimedText)", "  expected   \(s.expectedText)   [\(scaleRule), \(specials)]",
                          "  diagnosis  \(s.cause.key): \(s.detail)"]
            case .element(let e):
                elementNumber += 1
                lines += ["element mismatch \(elementNumber) of \(elements.mismatching): element \(e.index) "
                          + "[\(e.multiIndex.map(String.init).joined(separator: ", "))] in block \(e.block)",
                          "  input      \(v(e.input))", "  scale      \(e.scaleText)" + (tensorScale.map { " x tensor scale \($0)" } ?? ""),
                          "  x / scale  \(v(e.quotient))",
                          "  claimed    \(e.claimedText)", "  expected   \(e.expectedText)   [\(e.rounding.shortName)]"]
                if let n = e.neighbours { lines.append("  neighbours \(v(n.lo)) and \(v(n.hi)), midpoint \(v(n.midpoint))") }
                lines.append("  diagnosis  \(e.diagnosis.cause.kind.rawValue): \(e.diagnosis.detail)")
            }
        }
        if omittedMismatches > 0 {
            lines.append("")
            lines.append("(\(omittedMismatches) more; \(moreHint))")
        }
        try flush()
    }

    /// The JSON report (as `JSON.encode(self).text`, one line) in pieces to `emit`, with
    /// `mismatches` in detail instead of ``mismatches``; memory does not grow with their number.
    public func writeJSON<Details: Sequence<BlockMismatch>>(mismatches details: Details, to emit: (String) throws -> Void) throws {
        var head = self
        head.mismatches = []
        try writeStreamedJSON(head, details, to: emit)
    }
}
