import Minifloat
import MinifloatIO
import MinifloatOracle

/// Checks a block format's claimed scale and element codes (OCP MX v1.0 sections 5 and 6.3;
/// NVFP4): every scale against the scale rule (and, for the diagnosis, against every other rule
/// and NaN policy), every element against the reference under the claimed scale of its block (so
/// one wrong scale does not make its whole block wrong), with the element causes of ``Diagnoser``
/// applied to the exact quotient `x / scale`; then whole-array behaviours for the elements: other
/// rounding and saturation modes, swapped FP4 nibbles, and float32 division or reciprocal
/// multiplication. Elements of blocks whose claimed scale is NaN are not checked (they decode to
/// NaN).
public struct BlockVerifier {
    /// The block format (element format, scale format, block size).
    public let format: BlockFormat
    /// The reference encoding: scale rule, NaN policy, element rounding and saturation.
    public let encoding: BlockEncoding
    /// The values that were quantized.
    public let data: BlockArray
    /// The logical axis the blocks run along.
    public let axis: Int
    /// The blocks, in storage order.
    public let layout: BlockLayout
    /// NVFP4's per-tensor scale (nil for MX).
    public let tensorScale: Float?
    /// The seed of R_i for a stochastic element rounding.
    public let seed: UInt64?
    /// Threads for the fast paths (nil: all processors).
    public let threads: Int?

    /// A verifier of `data` in blocks of `format` along logical `axis`, against `encoding`.
    public init(format: BlockFormat, encoding: BlockEncoding, data: BlockArray, axis: Int, tensorScale: Float?,
                seed: UInt64?, threads: Int?) {
        self.format = format
        self.encoding = encoding
        self.data = data
        self.axis = axis
        layout = data.layout(axis: axis, blockSize: format.blockSize)
        self.tensorScale = tensorScale
        self.seed = seed
        self.threads = threads
    }

    /// The reference codes under another encoding.
    func codes(_ e: BlockEncoding) -> BlockCodes {
        data.encode(format, layout: layout, encoding: e, tensorScale: tensorScale, seed: seed, threads: threads)
    }

    /// The reference element codes under the given scales and another encoding.
    func elements(_ e: BlockEncoding, scales: [UInt8]) -> [UInt8] {
        data.encodeElements(format, layout: layout, encoding: e, scales: scales, tensorScale: tensorScale, seed: seed, threads: threads)
    }

    /// A scale code and its value (`2^k` for E8M0, whose values have up to 127 decimals).
    func scaleText(_ c: UInt8) -> String {
        let code = UInt32(c)
        if format.scale.mantissaBits == 0, format.scale.classify(code) != .nan {
            return "\(format.scale.hexCode(code)) = 2^\(Int(c) - format.scale.bias)"
        }
        return "\(format.scale.hexCode(code)) = \(Oracle.decode(code, in: format.scale).shortDescription)"
    }

    /// Checks `claimedScales` (one per block, scale storage order) and `claimedElements` (stored
    /// element bytes in the input's storage order, unpacked); `packed` says whether the claims
    /// were packed FP4 (for the swapped-nibbles hypothesis). Keeps `maxMismatches` scale and
    /// element mismatches in detail. - Precondition: the counts fit the layout.
    public func verify(claimedScales: [UInt8], claimedElements: [UInt8], packed: Bool, maxMismatches: Int) -> BlockVerifyReport {
        var (report, details) = verifyWithLazyDetails(claimedScales: claimedScales, claimedElements: claimedElements,
                                                      packed: packed, maxMismatches: maxMismatches)
        report.mismatches = Array(details)
        return report
    }

    /// The detailed mismatches of a block verification (scale mismatches first, then element
    /// mismatches, each in order), each built when it is read.
    public struct LazyMismatches: RandomAccessCollection {
        let total: Int
        let build: (Int) -> BlockMismatch
        public var startIndex: Int { 0 }
        public var endIndex: Int { total }
        /// Mismatch `i`.
        public subscript(i: Int) -> BlockMismatch { build(i) }
    }

    /// As ``verify(claimedScales:claimedElements:packed:maxMismatches:)``, but the report's
    /// ``BlockVerifyReport/mismatches`` is empty and the detailed mismatches come as a collection
    /// that builds each when read: write them with
    /// ``BlockVerifyReport/writeText(mismatches:moreHint:exactDecimals:to:)`` or
    /// ``BlockVerifyReport/writeJSON(mismatches:to:)`` so that memory stays bounded however many are
    /// asked for.
    public func verifyWithLazyDetails(claimedScales: [UInt8], claimedElements: [UInt8], packed: Bool,
                                      maxMismatches: Int) -> (BlockVerifyReport, LazyMismatches) {
        precondition(claimedScales.count == layout.scaleCount && claimedElements.count == data.count)
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
        let ruleCounts = alternatives.map { alt in
            BlockVerifyReport.NamedCount(name: alt.0, count: scaleMismatches.filter { alt.1[$0] == claimedScales[$0] }.count)
        }.filter { $0.count > 0 }.enumerated().sorted { ($1.element.count, $0.offset) < ($0.element.count, $1.offset) }.map(\.element)
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
        // Element causes.
        let diagnoser = Diagnoser(format: format.element, saturation: encoding.saturation, nanAny: false)
        var setCounts: [CauseSet: Int] = [:]
        var sets: [CauseSet] = []
        for (k, p) in elementMismatches.enumerated() {
            let set = causes(p, diagnoser, claimedElements[p], expected[p], effective[blockOf[p]])
            setCounts[set, default: 0] += 1
            if k < maxMismatches { sets.append(set) }
        }
        let hypotheses = elementMismatches.isEmpty ? [] : elementHypotheses(claimedElements, effective, checked: checked, packed: packed)
        let order = chooseExplanations(setCounts)
        var explanations = order.map { VerifyReport.Explanation(cause: $0.cause, count: $0.count) }
        let unexplained = elementMismatches.count - order.map(\.count).reduce(0, +)
        if unexplained > 0 { explanations.append(.init(cause: .wrongCode(distance: nil), count: unexplained)) }
        // Details, built when read.
        let scaleShown = Array(scaleMismatches.prefix(maxMismatches)), elementShown = Array(elementMismatches.prefix(maxMismatches))
        let verifier = self
        let details = LazyMismatches(total: scaleShown.count + elementShown.count) { i in
            if i < scaleShown.count {
                let b = scaleShown[i]
                return .scale(verifier.scaleDetail(b, claimed: claimedScales[b], reference: reference.scales[b], alternatives: alternatives))
            }
            let k = i - scaleShown.count, p = elementShown[k]
            return .element(verifier.elementDetail(p, diagnoser, explanation(of: sets[k], order: order), claimedElements[p],
                                                   expected[p], effective[blockOf[p]], blockOf[p]))
        }
        var report = BlockVerifyReport(
            format: format.name, blockSize: format.blockSize, axis: axis, scaleRule: encoding.scaleRule.name,
            specials: encoding.specials.rawValue, rounding: encoding.rounding, saturation: encoding.saturation,
            tensorScale: tensorScale.map(hexFloat), packed: packed,
            scales: .init(checked: layout.scaleCount, mismatching: scaleMismatches.count, matchesRules: exactRules, byRule: ruleCounts),
            elements: .init(checked: checkedCount, mismatching: elementMismatches.count, notCheckedNaNScale: data.count - checkedCount,
                            explanations: explanations, matchesBehaviours: hypotheses.filter { $0.count == 0 }.map(\.name),
                            otherBehaviours: hypotheses),
            mismatches: [])
        report.omittedMismatches = max(0, scaleMismatches.count - maxMismatches) + max(0, elementMismatches.count - maxMismatches)
        return (report, details)
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
        let x = data.exact(p)
        let t = tensorScale.map { Rational(exactly: Double($0)) } ?? Rational(1)
        let scale = Oracle.decode(UInt32(s), in: format.scale).rational! * t
        let q: ExactValue
        switch x {
        case .finite(let n, let m): q = .finite(negative: n, magnitude: scale.sign == 0 ? Rational(0) : m / scale)
        default: q = x
        }
        return ReferenceInput(exact: q)
    }

    func elementMode(_ p: Int) -> RoundingMode {
        guard encoding.rounding.isStochastic else { return encoding.rounding }
        return encoding.rounding.withRandom(RandomSource.seed(seed ?? 0).value(at: p, bits: encoding.rounding.randomBits))
    }

    func causes(_ p: Int, _ diagnoser: Diagnoser, _ claimed: UInt8, _ expected: UInt8, _ s: UInt8) -> CauseSet {
        guard let c = elementCode(claimed), let want = elementCode(expected) else { return CauseSet(.notRepresentable) }
        return diagnoser.candidates(quotient(p, s), claim: c, expected: want, mode: elementMode(p))
    }

    func elementDetail(_ p: Int, _ diagnoser: Diagnoser, _ choice: Cause?, _ claimed: UInt8, _ expected: UInt8, _ s: UInt8,
                       _ b: Int) -> ElementMismatch {
        let index = ArrayInput.multiIndex(p, shape: data.shape.isEmpty ? [1] : data.shape, fortranOrder: data.fortranOrder)
        let q = quotient(p, s)
        let x = data.exact(p)
        let d: Diagnosis
        if let c = elementCode(claimed), let want = elementCode(expected) {
            d = diagnoser.diagnosis(choice, q, claim: c, expected: want, mode: elementMode(p))
        } else {
            d = Diagnosis(cause: .notRepresentable, detail: "the claimed byte \(hexByte(claimed)) is not an element code of \(format.name)")
        }
        func text(_ byte: UInt8) -> String { "\(hexByte(byte)) = \(ExactValue(format.elementValue(byte)).shortDescription)" }
        let neighbours = Oracle.Bracket(q.exact, format.element).neighbours.map {
            Neighbours(lo: $0.lo.description, hi: $0.hi.description, midpoint: $0.midpoint.description)
        }
        return ElementMismatch(index: p, multiIndex: index, block: b, input: x.description, scale: format.scale.hexCode(UInt32(s)),
                               scaleText: scaleText(s), quotient: q.exact.description, claimed: hexByte(claimed),
                               expected: hexByte(expected), claimedText: text(claimed), expectedText: text(expected),
                               rounding: elementMode(p), neighbours: neighbours, diagnosis: d)
    }

    func scaleDetail(_ b: Int, claimed: UInt8, reference: UInt8, alternatives: [(String, [UInt8])]) -> ScaleMismatch {
        let (first, n, stride) = layout.block(b)
        var amax = Rational(0)
        var special = false
        for k in 0..<n {
            switch data.exact(first + k * stride) {
            case .finite(_, let m): if amax < m { amax = m }
            default: special = true
            }
        }
        let matching = alternatives.filter { $0.1[b] == claimed }.map(\.0)
        let cause: ScaleCause
        let detail: String
        if !matching.isEmpty {
            cause = .scaleRule(matching)
            detail = "the claim is what scale rule \(matching.joined(separator: ", ")) gives"
        } else if format.scale.isValidCode(UInt32(claimed)) && format.scale.classify(UInt32(claimed)) == .nan
                    || format.scale.classify(UInt32(reference)) == .nan {
            cause = .nanScale
            detail = special ? "the block has NaN or Inf elements; the claim and the reference differ in NaN-ness"
                : amax.sign == 0 ? "a NaN scale for an all-zero block (E8M0 has no zero; a cast of 0 to E8M0 gives NaN in ml_dtypes)"
                : "a NaN scale for a block with no NaN or Inf element"
        } else if !format.scale.isValidCode(UInt32(claimed)) {
            cause = .notRepresentable
            detail = "\(hexByte(claimed)) is not a \(format.scale.name) code"
        } else {
            let distance = Int(claimed) - Int(reference)
            cause = .wrongScale(distance: distance)
            detail = "\(abs(distance)) code\(abs(distance) == 1 ? "" : "s") \(distance > 0 ? "above" : "below") the reference"
                + (format.scale.mantissaBits == 0 ? " (a factor 2^\(distance))" : "")
        }
        let scaleShape = BlockLayout.scaleShape(data.shape.isEmpty ? [1] : data.shape, axis: axis, blockSize: format.blockSize)
        return ScaleMismatch(block: b, multiIndex: ArrayInput.multiIndex(b, shape: scaleShape, fortranOrder: data.fortranOrder),
                             elementCount: n, amax: ExactValue(amax).description, hasSpecials: special,
                             claimed: format.scale.hexCode(UInt32(claimed)), expected: format.scale.hexCode(UInt32(reference)),
                             claimedText: scaleText(claimed), expectedText: scaleText(reference), cause: cause, detail: detail)
    }

    /// Whole-array alternatives for the elements under the same scales, with their disagreements.
    func elementHypotheses(_ claimed: [UInt8], _ scales: [UInt8], checked: [Bool], packed: Bool) -> [BlockVerifyReport.NamedCount] {
        func disagreements(_ codes: [UInt8]) -> Int { codes.indices.filter { checked[$0] && codes[$0] != claimed[$0] }.count }
        var out: [BlockVerifyReport.NamedCount] = []
        if !encoding.rounding.isStochastic {
            for m in RoundingMode.deterministic {
                for s in SaturationMode.allCases where m != encoding.rounding || s != encoding.saturation {
                    var e = encoding
                    e.rounding = m
                    e.saturation = s
                    out.append(.init(name: "\(m.shortName) \(s.shortName)", count: disagreements(elements(e, scales: scales))))
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
            out.append(.init(name: "the reference with FP4 nibbles swapped (element 2k in the high nibble)",
                             count: reference.indices.filter { checked[$0] && reference[$0] != swapped[$0] }.count))
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
                    division[i] = format.storedElement(format.element.encode(xs[i] / s32, rounding: encoding.rounding,
                                                                             saturation: encoding.saturation))
                    reciprocal[i] = format.storedElement(format.element.encode(xs[i] * inverse, rounding: encoding.rounding,
                                                                               saturation: encoding.saturation))
                }
            }
            out.append(.init(name: "float32 division x / scale, then \(encoding.rounding.shortName)", count: disagreements(division)))
            out.append(.init(name: "float32 x * (1 / scale), then \(encoding.rounding.shortName)", count: disagreements(reciprocal)))
        }
        return out
    }
}
