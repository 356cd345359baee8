import ArgumentParser
import Minifloat
import MinifloatIO
import MinifloatOracle
import MinifloatVerify

/// `verify mxfp4 --input X --claimed-scales S --claimed-elements E`: scales against the scale rule,
/// elements against the reference under the claimed scales, with diagnoses.
extension VerifyCommand {
    func verifyBlocks(_ base: BlockFormat) throws {
        let f = try block.format(base)
        for (given, name) in [(claimed != nil, "--claimed (give --claimed-scales and --claimed-elements)"),
                              (claimedAs != nil, "--claimed-as"), (profile != nil, "--profile"), (nanAny, "--nan-any"),
                              (claimedRawDtype != nil, "--claimed-raw-dtype"), (randomValues != nil, "--random-values")] where given {
            throw CLIError("\(name) does not apply to block format \(f.name)")
        }
        guard let scalesPath = claimedScales, let elementsPath = claimedElements else {
            throw CLIError("give --claimed-scales S.npy and --claimed-elements E.npy: the quantizer's scale and element codes")
        }
        guard maxReport >= 0 else { throw CLIError("--max-report must be at least 0 (got \(maxReport))") }
        if let threads, threads < 1 { throw CLIError("--threads must be at least 1 (got \(threads))") }
        let sat = try parseSaturation(saturation ?? "satfinite")
        let name = rounding ?? "rne"
        let stochastic = RoundingMode.isStochastic(shortName: name)
        if stochastic && seed == nil { throw CLIError("stochastic rounding of blocks needs --random-bits N and --seed S") }
        if !stochastic && seed != nil { throw CLIError("--seed applies only to stochastic rounding (sra, srb, src)") }
        let mode = try parseRounding(name, bits: randomBits, random: stochastic ? 0 : nil)
        let encoding = try block.encoding(f, rounding: mode, saturation: sat)
        let data = try BlockInput.load(input, rawType: rawDtype, inputType: inputDtype)
        let axis = try block.axisIndex(rank: data.shape.count)
        let layout = data.layout(axis: axis, blockSize: f.blockSize)
        var tensorScale: Float? = nil
        if f.hasTensorScale {
            tensorScale = try block.givenTensorScale(f)
                ?? Float(Oracle.nearestDouble(ExactValue(BlockOracle.defaultTensorScale(amax: data.exactAmax, format: f))))
        }
        // The claimed files.
        let s = try BlockFiles.openCodes(scalesPath, role: "claimed scales")
        guard s.count == layout.scaleCount else {
            throw CLIError("claimed scales '\(scalesPath)' has \(s.count) codes; \(f) blocks of \(NpyHeader.shapeText(data.shape)) "
                           + "along axis \(axis) need \(layout.scaleCount)")
        }
        let e = try BlockFiles.openCodes(elementsPath, role: "claimed elements")
        let rowLength = data.storageShape.last ?? 1
        let packedCount = layout.elementCount / max(rowLength, 1) * ((rowLength + 1) / 2)
        let packed = f.elementBits == 4 && e.count != data.count && e.count == packedCount
        guard e.count == data.count || packed else {
            throw CLIError("claimed elements '\(elementsPath)' has \(e.count) codes; the input has \(data.count) elements"
                           + (f.elementBits == 4 ? " (\(packedCount) bytes packed)" : ""))
        }
        // Multi-dimensional claims must have the expected shape and the input's order (a flat array
        // is read in the input's storage order).
        let shape = data.shape.isEmpty ? [1] : data.shape
        for (a, path, want) in [(s, scalesPath, BlockLayout.scaleShape(shape, axis: axis, blockSize: f.blockSize)),
                                (e, elementsPath, packed ? blockPackedShape(shape, fortranOrder: data.fortranOrder) : shape)]
        where a.shape.filter({ $0 > 1 }).count > 1 {
            guard a.shape == want else {
                throw CLIError("'\(path)' has shape \(NpyHeader.shapeText(a.shape)); expected \(NpyHeader.shapeText(want)) "
                               + "(or a flat array of \(a.count) codes)")
            }
            guard a.fortranOrder == data.fortranOrder else {
                throw CLIError("'\(path)' is in \(a.fortranOrder ? "Fortran" : "C") order but the input is in "
                               + "\(data.fortranOrder ? "Fortran" : "C") order; save both in one order (np.ascontiguousarray)")
            }
        }
        let claimedScales = BlockFiles.bytes(s)
        var claimedElements = BlockFiles.bytes(e)
        if packed { claimedElements = BlockFormat.unpackNibbles(claimedElements, rowLength: rowLength) }
        let check = BlockCheck(format: f, encoding: encoding, data: data, axis: axis, layout: layout, tensorScale: tensorScale,
                               seed: seed, threads: threads)
        let result = check.run(claimedScales: claimedScales, claimedElements: claimedElements, packed: packed, maxReport: maxReport)
        let header: [(String, JSON)] = [
            ("format", .string(f.name)), ("block_size", .int(f.blockSize)), ("axis", .int(axis)),
            ("scale_rule", .string(encoding.scaleRule.name)), ("specials", .string(encoding.specials.rawValue)),
            ("rounding", .string(mode.shortName)), ("saturation", .string(sat.shortName)),
            ("tensor_scale", tensorScale.map { .string(hexFloat($0)) } ?? .null),
            ("input", .object([("path", .string(input)), ("type", .string(data.typeName)), ("shape", .array(data.shape.map { .int($0) }))])),
            ("claimed_scales", .string(scalesPath)), ("claimed_elements", .string(elementsPath)), ("packed", .bool(packed)),
        ]
        let report = JSON.object(header + result.json)
        if let path = self.report { try writeAtomically(Array((report.text + "\n").utf8), to: path) }
        if json {
            print(report.text)
        } else {
            print("verify \(f) blocks along axis \(axis), scale rule \(encoding.scaleRule), \(encoding.specials.rawValue), "
                  + "elements \(mode.shortName) \(sat.shortName)" + (tensorScale.map { ", tensor scale \(hexFloat($0))" } ?? ""))
            print("input \(input) \(data.typeName) \(NpyHeader.shapeText(data.shape)); claimed scales \(scalesPath), "
                  + "elements \(elementsPath)\(packed ? " (packed)" : "")")
            for line in result.lines { print(line) }
        }
        if result.mismatching > 0 { throw ExitCode(1) }
    }
}

/// The checks of block verification, on one input and one set of options.
struct BlockCheck {
    let format: BlockFormat
    let encoding: BlockEncoding
    let data: BlockInput
    /// The logical axis blocks run along.
    let axis: Int
    let layout: BlockLayout
    let tensorScale: Float?
    let seed: UInt64?
    let threads: Int?

    struct Result {
        var json: [(String, JSON)] = []
        var lines: [String] = []
        var mismatching = 0
    }

    /// The reference codes under another encoding.
    func codes(_ e: BlockEncoding) -> BlockCodes {
        data.encode(format, layout: layout, encoding: e, tensorScale: tensorScale, seed: seed, threads: threads)
    }

    /// The reference element codes under the given scales and another encoding.
    func elements(_ e: BlockEncoding, scales: [UInt8]) -> [UInt8] {
        let given = BlockCodes(scales: scales, elements: [], tensorScale: tensorScale)
        let random: RandomSource? = e.rounding.isStochastic ? .seed(seed ?? 0) : nil
        switch data.values {
        case .float(let v):
            return format.encodeElements(v.map { Double($0) }, layout: layout, encoding: e, given: given, random: random, threads: threads)
        case .double(let v):
            return format.encodeElements(v, layout: layout, encoding: e, given: given, random: random, threads: threads)
        case .exact(let v, let negative):
            var out = [UInt8](repeating: 0, count: v.count)
            let t = tensorScale.map { Rational(exactly: Double($0)) } ?? Rational(1)
            let bits = UInt64(e.rounding.randomBits)
            for b in 0..<layout.scaleCount {
                let (first, n, stride) = layout.block(b)
                let members = (0..<n).map { first + $0 * stride }
                let rs = random == nil ? nil : members.map { RandomSource.seed(seed ?? 0).value(at: $0, bits: Int(bits)) }
                let block = BlockOracle.encodeBlock(members.map { v[$0] }, format: format, encoding: e, tensorScale: t, random: rs,
                                                    nanNegative: members.map { negative[$0] }, givenScale: UInt32(scales[b]))
                for (k, i) in members.enumerated() { out[i] = UInt8(block.elements[k]) }
            }
            return out
        }
    }

    /// A scale code and its value (`2^k` for E8M0, whose values have up to 127 decimals).
    func scaleText(_ c: UInt8) -> String {
        let code = UInt32(c)
        let value = Oracle.decode(code, in: format.scale)
        if format.scale.mantissaBits == 0, format.scale.classify(code) != .nan { return "\(hexCode(code, format.scale)) = 2^\(Int(c) - format.scale.bias)" }
        return "\(hexCode(code, format.scale)) = \(value)"
    }

    func run(claimedScales: [UInt8], claimedElements: [UInt8], packed: Bool, maxReport: Int) -> Result {
        var result = Result()
        let reference = codes(encoding)
        // Scales.
        let scaleMismatches = (0..<layout.scaleCount).filter { claimedScales[$0] != reference.scales[$0] }
        var alternatives: [(String, [UInt8])] = []
        if !scaleMismatches.isEmpty {
            for rule in ScaleRule.all {
                for specials in BlockSpecials.allCases where rule != encoding.scaleRule || specials != encoding.specials {
                    var e = encoding
                    e.scaleRule = rule
                    e.specials = specials
                    alternatives.append((rule.name + (specials == encoding.specials ? "" : " with \(specials.rawValue)"), codes(e).scales))
                }
            }
            // A rule with the other NaN policy is worth naming only where some block has NaN or Inf.
            alternatives = alternatives.filter { alt in
                guard let space = alt.0.firstIndex(of: " ") else { return true }
                let plain = String(alt.0[..<space])
                let same = plain == encoding.scaleRule.name ? reference.scales : alternatives.first { $0.0 == plain }?.1
                return same != alt.1
            }
        }
        let exactRules = alternatives.filter { alt in scaleMismatches.allSatisfy { alt.1[$0] == claimedScales[$0] } }.map(\.0)
        var ruleCounts: [(String, Int)] = alternatives.map { alt in (alt.0, scaleMismatches.filter { alt.1[$0] == claimedScales[$0] }.count) }
        ruleCounts = ruleCounts.filter { $0.1 > 0 }.sorted { $0.1 > $1.1 }
        result.lines.append("scales: \(layout.scaleCount) checked, \(layout.scaleCount - scaleMismatches.count) match, "
                            + "\(scaleMismatches.count) differ")
        if !scaleMismatches.isEmpty {
            if let first = exactRules.first {
                result.lines.append("  the claimed scales are exactly what scale rule \(first) gives"
                                    + (exactRules.count > 1 ? " (on these inputs, so do \(exactRules.dropFirst().joined(separator: ", ")))" : ""))
            } else if !ruleCounts.isEmpty {
                result.lines.append("  other rules matching some: " + ruleCounts.prefix(4).map { "\($0.0) \($0.1)" }.joined(separator: ", "))
            }
        }
        // Elements, under the claimed scales. A block whose claimed scale is NaN (or not a scale
        // code) decodes to NaN whatever its elements hold, so its elements are not checked; the
        // scale mismatch is reported above. (They are encoded under the rule's finite scale only
        // so that every block has one.)
        var effective = claimedScales
        let invalid = (0..<layout.scaleCount).filter {
            !format.scale.isValidCode(UInt32(claimedScales[$0])) || format.scale.classify(UInt32(claimedScales[$0])) == .nan
        }
        if !invalid.isEmpty {
            var finite = encoding
            finite.specials = .finiteAmax
            let rule = codes(finite).scales
            for b in invalid { effective[b] = rule[b] }
        }
        let expected = elements(encoding, scales: effective)
        var blockOf = [Int](repeating: 0, count: data.count)
        for b in 0..<layout.scaleCount {
            let (first, n, stride) = layout.block(b)
            for k in 0..<n { blockOf[first + k * stride] = b }
        }
        var checked = [Bool](repeating: true, count: data.count)
        for b in invalid {
            let (first, n, stride) = layout.block(b)
            for k in 0..<n { checked[first + k * stride] = false }
        }
        let checkedCount = checked.filter { $0 }.count
        let elementMismatches = (0..<data.count).filter { checked[$0] && claimedElements[$0] != expected[$0] }
        result.lines.append("elements (under the claimed scales): \(checkedCount) checked, \(checkedCount - elementMismatches.count) match, "
                            + "\(elementMismatches.count) differ"
                            + (checkedCount < data.count ? "; \(data.count - checkedCount) not checked (blocks with a NaN scale decode to NaN)" : ""))
        // Element diagnoses.
        let ef = format.element
        let context = Diagnoser(format: ef, saturation: encoding.saturation, nanAny: false)
        var maskCounts: [CauseSet: Int] = [:]
        var masks: [CauseSet] = []
        for (k, p) in elementMismatches.enumerated() {
            let mask = elementMask(p, context, claimedElements[p], expected[p], effective[blockOf[p]])
            maskCounts[mask, default: 0] += 1
            if k < maxReport { masks.append(mask) }
        }
        var hypotheses: [(String, Int)] = []
        if !elementMismatches.isEmpty {
            hypotheses = elementHypotheses(claimedElements, effective, checked: checked, packed: packed)
        }
        let order = chooseExplanations(maskCounts)
        var explanations: [(String, Int)] = order.map { ($0.cause.label, $0.count) }
        let unexplained = elementMismatches.count - order.map(\.count).reduce(0, +)
        if unexplained > 0 { explanations.append(("wrong-code", unexplained)) }
        for (label, n) in explanations { result.lines.append("  \(label): \(n)") }
        let exactHypotheses = hypotheses.filter { $0.1 == 0 }.map(\.0)
        if let first = exactHypotheses.first {
            result.lines.append("  the claimed elements are exactly what \(first) gives"
                                + (exactHypotheses.count > 1 ? " (on these inputs, so do \(exactHypotheses.dropFirst().joined(separator: ", ")))" : ""))
        } else if let best = hypotheses.min(by: { $0.1 < $1.1 }), best.1 < elementMismatches.count {
            result.lines.append("  closest other behaviour: \(best.0) (\(best.1) disagreements)")
        }
        // Details.
        var details: [JSON] = []
        var shown = 0
        for b in scaleMismatches.prefix(maxReport) {
            let (json, lines) = scaleDetail(b, claimed: claimedScales[b], reference: reference.scales[b], alternatives: alternatives)
            details.append(json)
            result.lines.append("")
            result.lines.append("scale mismatch \(shown + 1): " + lines[0])
            result.lines += lines.dropFirst()
            shown += 1
        }
        for (k, p) in elementMismatches.prefix(maxReport).enumerated() {
            let choice = explanation(of: masks[k], order: order)
            let (json, lines) = elementDetail(p, context, choice, claimedElements[p], expected[p], effective[blockOf[p]], blockOf[p])
            details.append(json)
            result.lines.append("")
            result.lines.append("element mismatch \(k + 1) of \(elementMismatches.count): " + lines[0])
            result.lines += lines.dropFirst()
        }
        let more = max(0, scaleMismatches.count - maxReport) + max(0, elementMismatches.count - maxReport)
        if more > 0 {
            result.lines.append("")
            result.lines.append("(\(more) more; --max-report N shows more, --report FILE writes them as JSON)")
        }
        result.mismatching = scaleMismatches.count + elementMismatches.count
        result.json = [
            ("scales", .object([("checked", .int(layout.scaleCount)), ("matching", .int(layout.scaleCount - scaleMismatches.count)),
                                ("mismatching", .int(scaleMismatches.count)),
                                ("matches_rules", .array(exactRules.map { .string($0) })),
                                ("by_rule", .object(ruleCounts.map { ($0.0, .int($0.1)) }))])),
            ("elements", .object([("checked", .int(checkedCount)), ("matching", .int(checkedCount - elementMismatches.count)),
                                  ("mismatching", .int(elementMismatches.count)),
                                  ("not_checked_nan_scale", .int(data.count - checkedCount)),
                                  ("explanations", .array(explanations.map { .object([("diagnosis", .string($0.0)), ("count", .int($0.1))]) })),
                                  ("matches_behaviours", .array(exactHypotheses.map { .string($0) })),
                                  ("other_behaviours", .object(hypotheses.sorted { $0.1 < $1.1 }.prefix(6).map { ($0.0, .int($0.1)) }))])),
            ("mismatches", .array(details)),
        ]
        return result
    }

    /// An element's code in the element format (sign-magnitude for MXINT8), or nil when the stored
    /// byte is not one (above the format's codes, or MXINT8's -2).
    func elementCode(_ byte: UInt8) -> UInt32? {
        if format.elementStorage == .twosComplement {
            let k = Int(Int8(bitPattern: byte))
            if k == -128 { return nil }
            return k < 0 ? 0x80 | UInt32(-k) : UInt32(k)
        }
        return format.element.isValidCode(UInt32(byte)) ? UInt32(byte) : nil
    }

    /// x / scale of element `p` under scale code `s`, as the element rounding sees it.
    func quotient(_ p: Int, _ s: UInt8) -> ReferenceInput {
        let (x, negative) = data.exact(p)
        let t = tensorScale.map { Rational(exactly: Double($0)) } ?? Rational(1)
        let scale = Oracle.decode(UInt32(s), in: format.scale).rational! * t
        let q: ExactValue
        switch x {
        case .finite(let n, let m): q = .finite(negative: n, magnitude: scale.sign == 0 ? Rational(0) : m / scale)
        default: q = x
        }
        return ReferenceInput(exact: q, nanNegative: negative)
    }

    func elementMode(_ p: Int) -> RoundingMode {
        guard encoding.rounding.isStochastic else { return encoding.rounding }
        let bits = UInt64(encoding.rounding.randomBits)
        return encoding.rounding.withRandom(RandomSource.seed(seed ?? 0).value(at: p, bits: Int(bits)))
    }

    func elementMask(_ p: Int, _ context: Diagnoser, _ claimed: UInt8, _ expected: UInt8, _ s: UInt8) -> CauseSet {
        guard let c = elementCode(claimed), let want = elementCode(expected) else {
            return CauseSet(.notRepresentable)
        }
        return context.candidates(quotient(p, s), claim: c, expected: want, mode: elementMode(p))
    }

    func elementDetail(_ p: Int, _ context: Diagnoser, _ choice: Cause?, _ claimed: UInt8, _ expected: UInt8, _ s: UInt8,
                       _ b: Int) -> (JSON, [String]) {
        let index = ArrayInput.multiIndex(p, shape: data.shape.isEmpty ? [1] : data.shape, fortranOrder: data.fortranOrder)
        let q = quotient(p, s)
        let (x, _) = data.exact(p)
        let ef = format.element
        let d: Diagnosis
        if let c = elementCode(claimed), let want = elementCode(expected) {
            d = context.diagnosis(choice, q, claim: c, expected: want, mode: elementMode(p))
        } else {
            d = Diagnosis(cause: .notRepresentable, detail: "the claimed byte 0x\(hexByte(claimed)) is not an element code of \(format.name)")
        }
        func text(_ byte: UInt8) -> String { "0x\(hexByte(byte)) = \(ExactValue(format.elementValue(byte)))" }
        var lines = ["element \(p) \(indexText(index)) in block \(b)",
                     "  input      \(x)", "  scale      \(scaleText(s))" + (tensorScale.map { " x tensor scale \(hexFloat($0))" } ?? ""),
                     "  x / scale  \(q.exact.description)",
                     "  claimed    \(text(claimed))", "  expected   \(text(expected))   [\(elementMode(p).shortName)]"]
        var fields: [(String, JSON)] = [("kind", .string("element")), ("index", .int(p)), ("multi_index", .array(index.map { .int($0) })),
                                        ("block", .int(b)), ("input", .string(x.description)), ("scale", .string(hexCode(UInt32(s), format.scale))),
                                        ("quotient", .string(q.exact.description)), ("claimed", .string("0x" + hexByte(claimed))),
                                        ("expected", .string("0x" + hexByte(expected)))]
        if let n = Oracle.Bracket(q.exact, ef).neighbours {
            lines.append("  neighbours \(n.lo) and \(n.hi), midpoint \(n.midpoint)")
            fields.append(("neighbours", .object([("lo", .string(n.lo.description)), ("hi", .string(n.hi.description)),
                                                  ("midpoint", .string(n.midpoint.description))])))
        }
        lines.append("  diagnosis  \(d.cause.kind.rawValue): \(d.detail)")
        fields.append(("diagnosis", (try? JSON.encode(d)) ?? .null))
        return (.object(fields), lines)
    }

    func scaleDetail(_ b: Int, claimed: UInt8, reference: UInt8, alternatives: [(String, [UInt8])]) -> (JSON, [String]) {
        let (first, n, stride) = layout.block(b)
        var amax = Rational(0)
        var special = false
        for k in 0..<n {
            switch data.exact(first + k * stride).0 {
            case .finite(_, let m): if amax < m { amax = m }
            default: special = true
            }
        }
        let matching = alternatives.filter { $0.1[b] == claimed }.map(\.0)
        let key: String
        let detail: String
        if !matching.isEmpty {
            key = "scale-rule"
            detail = "the claim is what scale rule \(matching.joined(separator: ", ")) gives"
        } else if format.scale.isValidCode(UInt32(claimed)) && format.scale.classify(UInt32(claimed)) == .nan
                    || format.scale.classify(UInt32(reference)) == .nan {
            key = "nan-scale"
            detail = special ? "the block has NaN or Inf elements; the claim and the reference differ in NaN-ness"
                : amax.sign == 0 ? "a NaN scale for an all-zero block (E8M0 has no zero; a cast of 0 to E8M0 gives NaN in ml_dtypes)"
                : "a NaN scale for a block with no NaN or Inf element"
        } else if !format.scale.isValidCode(UInt32(claimed)) {
            key = "not-representable"
            detail = "0x\(hexByte(claimed)) is not a \(format.scale.name) code"
        } else {
            key = "wrong-scale"
            let distance = Int(claimed) - Int(reference)
            detail = "\(abs(distance)) code\(abs(distance) == 1 ? "" : "s") \(distance > 0 ? "above" : "below") the reference"
                + (format.scale.mantissaBits == 0 ? " (a factor 2^\(distance))" : "")
        }
        let scaleShape = BlockLayout.scaleShape(data.shape.isEmpty ? [1] : data.shape, axis: axis, blockSize: format.blockSize)
        let multi = ArrayInput.multiIndex(b, shape: scaleShape, fortranOrder: data.fortranOrder)
        let lines = ["scale \(b) \(indexText(multi)), elements \(n)",
                     "  amax       \(ExactValue(amax))" + (special ? " (the block also has NaN or Inf)" : ""),
                     "  claimed    \(scaleText(claimed))", "  expected   \(scaleText(reference))   [\(encoding.scaleRule), \(encoding.specials.rawValue)]",
                     "  diagnosis  \(key): \(detail)"]
        let json = JSON.object([("kind", .string("scale")), ("block", .int(b)), ("multi_index", .array(multi.map { .int($0) })),
                                ("amax", .string(ExactValue(amax).description)),
                                ("claimed", .string(hexCode(UInt32(claimed), format.scale))),
                                ("expected", .string(hexCode(UInt32(reference), format.scale))),
                                ("diagnosis", .object([("kind", .string(key)), ("detail", .string(detail)),
                                                       ("matches_rules", .array(matching.map { .string($0) }))]))])
        return (json, lines)
    }

    /// Whole-array alternatives for the elements under the same scales, with their disagreements.
    func elementHypotheses(_ claimed: [UInt8], _ scales: [UInt8], checked: [Bool], packed: Bool) -> [(String, Int)] {
        func disagreements(_ codes: [UInt8]) -> Int { codes.indices.filter { checked[$0] && codes[$0] != claimed[$0] }.count }
        var out: [(String, Int)] = []
        if !encoding.rounding.isStochastic {
            for m in RoundingMode.deterministic {
                for s in SaturationMode.allCases where m != encoding.rounding || s != encoding.saturation {
                    var e = encoding
                    e.rounding = m
                    e.saturation = s
                    out.append(("\(m.shortName) \(s.shortName)", disagreements(elements(e, scales: scales))))
                }
            }
        }
        let reference = elements(encoding, scales: scales)
        if packed {
            // Nibbles swapped: element 2k in the high nibble.
            let rowLength = data.storageShape.last ?? 1
            var swapped = claimed
            for r in 0..<(claimed.count / max(rowLength, 1)) {
                var j = 0
                while j + 1 < rowLength {
                    swapped.swapAt(r * rowLength + j, r * rowLength + j + 1)
                    j += 2
                }
            }
            out.append(("the reference with FP4 nibbles swapped (element 2k in the high nibble)",
                        reference.indices.filter { checked[$0] && reference[$0] != swapped[$0] }.count))
        }
        // float32 arithmetic: x / float32(scale), and x * float32(1 / scale).
        if case .float(let xs) = data.values, !encoding.rounding.isStochastic {
            var division = reference, reciprocal = reference
            let t = Double(tensorScale ?? 1)
            for b in 0..<layout.scaleCount {
                let sv = format.scale.decode(UInt32(scales[b])) * t
                guard sv.isFinite && sv > 0 else { continue }
                let s32 = Float(sv)
                let inverse = 1 / s32
                let (first, n, stride) = layout.block(b)
                for k in 0..<n {
                    let i = first + k * stride
                    guard xs[i].isFinite else { continue }
                    division[i] = format.storedElement(format.element.encode(xs[i] / s32, rounding: encoding.rounding, saturation: encoding.saturation))
                    reciprocal[i] = format.storedElement(format.element.encode(xs[i] * inverse, rounding: encoding.rounding,
                                                                     saturation: encoding.saturation))
                }
            }
            out.append(("float32 division x / scale, then \(encoding.rounding.shortName)", disagreements(division)))
            out.append(("float32 x * (1 / scale), then \(encoding.rounding.shortName)", disagreements(reciprocal)))
        }
        return out
    }
}
