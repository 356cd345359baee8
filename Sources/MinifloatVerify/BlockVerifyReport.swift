import Minifloat

/// The outcome of checking a block format's claimed scales and elements: the scales against the
/// scale rule (and every other rule), the elements under the claimed scales with their causes, and
/// the first mismatches in detail. `Codable`; `minifloat verify mxfp4 --json` prints this value.
public struct BlockVerifyReport: Codable, Sendable {
    /// The block format's name (`mxfp4`).
    public var format: String
    /// Elements per block.
    public var blockSize: Int
    /// The logical axis the blocks run along.
    public var axis: Int
    /// The reference's scale rule (`floor`, `ceil`, ...).
    public var scaleRule: String
    /// The reference's policy for blocks with NaN or Inf (`nan-scale`, `finite-amax`).
    public var specials: String
    /// The reference's element rounding.
    public var rounding: RoundingMode
    /// The reference's element saturation.
    public var saturation: SaturationMode
    /// NVFP4's per-tensor scale as a hex float (`0x1.8p-3`), or nil.
    public var tensorScale: String?
    /// The files, when they came from files.
    public var input: BlockInputDescription?
    /// The claimed scales' path, when they came from a file.
    public var claimedScales: String?
    /// The claimed elements' path, when they came from a file.
    public var claimedElements: String?
    /// Whether the claimed FP4 elements were packed two per byte.
    public var packed: Bool
    /// The scales' summary.
    public var scales: ScaleSummary
    /// The elements' summary.
    public var elements: ElementSummary
    /// Scale mismatches first (block order), then element mismatches (element order), as many of
    /// each as asked for.
    public var mismatches: [BlockMismatch]
    /// Mismatches beyond those kept in detail (not encoded).
    public var omittedMismatches = 0

    /// Scales and elements that differ.
    public var mismatching: Int { scales.mismatching + elements.mismatching }

    /// The input file of a report.
    public struct BlockInputDescription: Codable, Sendable, Equatable {
        /// The path, as given.
        public var path: String
        /// The element type's name (`float32`, `text`).
        public var type: String
        /// The logical shape.
        public var shape: [Int]

        /// A description of an input file.
        public init(path: String, type: String, shape: [Int]) {
            self.path = path
            self.type = type
            self.shape = shape
        }
    }

    /// A name with a count.
    public struct NamedCount: Sendable, Equatable {
        /// What is counted.
        public var name: String
        /// How many.
        public var count: Int

        /// `count` of `name`.
        public init(name: String, count: Int) {
            self.name = name
            self.count = count
        }
    }

    /// The scales: how many differ, and which other rules the claimed scales follow.
    public struct ScaleSummary: Codable, Sendable {
        /// How many were checked.
        public var checked: Int
        /// How many differ from the reference.
        public var mismatching: Int
        /// Rules (with `with finite-amax` / `with nan-scale` where the NaN policy differs) that give
        /// every claimed scale.
        public var matchesRules: [String]
        /// For each other rule, how many of the differing scales it gives (most first; rules that
        /// give none are left out).
        public var byRule: [NamedCount]

        /// How many match.
        public var matching: Int { checked - mismatching }

        private enum CodingKeys: String, CodingKey {
            case checked, matching, mismatching, matchesRules = "matches_rules", byRule = "by_rule"
        }

        /// A summary of the scales.
        public init(checked: Int, mismatching: Int, matchesRules: [String], byRule: [NamedCount]) {
            self.checked = checked
            self.mismatching = mismatching
            self.matchesRules = matchesRules
            self.byRule = byRule
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(checked, forKey: .checked)
            try c.encode(matching, forKey: .matching)
            try c.encode(mismatching, forKey: .mismatching)
            try c.encode(matchesRules, forKey: .matchesRules)
            try encodeCounts(byRule, into: &c, forKey: .byRule)
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            checked = try c.decode(Int.self, forKey: .checked)
            mismatching = try c.decode(Int.self, forKey: .mismatching)
            matchesRules = try c.decode([String].self, forKey: .matchesRules)
            byRule = try decodeCounts(c, forKey: .byRule)
        }
    }

    /// The elements, checked under the claimed scales.
    public struct ElementSummary: Codable, Sendable {
        /// How many were checked.
        public var checked: Int
        /// How many differ from the reference.
        public var mismatching: Int
        /// Elements of blocks whose claimed scale is NaN (they decode to NaN whatever they hold).
        public var notCheckedNaNScale: Int
        /// The causes chosen, most mismatches first, with their counts (a wrong code last).
        public var explanations: [VerifyReport.Explanation]
        /// Whole-array behaviours the claimed elements match exactly.
        public var matchesBehaviours: [String]
        /// Every whole-array behaviour tried, with its disagreements, in the order tried.
        public var otherBehaviours: [NamedCount]

        /// How many match.
        public var matching: Int { checked - mismatching }

        private enum CodingKeys: String, CodingKey {
            case checked, matching, mismatching, notCheckedNaNScale = "not_checked_nan_scale", explanations
            case matchesBehaviours = "matches_behaviours", otherBehaviours = "other_behaviours"
        }

        /// A summary of the elements.
        public init(checked: Int, mismatching: Int, notCheckedNaNScale: Int, explanations: [VerifyReport.Explanation],
                    matchesBehaviours: [String], otherBehaviours: [NamedCount]) {
            self.checked = checked
            self.mismatching = mismatching
            self.notCheckedNaNScale = notCheckedNaNScale
            self.explanations = explanations
            self.matchesBehaviours = matchesBehaviours
            self.otherBehaviours = otherBehaviours
        }

        /// The explanations as `{"diagnosis": "tie-break (matches rna)", "count": 3}`; the six
        /// behaviours with the fewest disagreements as an object.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(checked, forKey: .checked)
            try c.encode(matching, forKey: .matching)
            try c.encode(mismatching, forKey: .mismatching)
            try c.encode(notCheckedNaNScale, forKey: .notCheckedNaNScale)
            var list = c.nestedUnkeyedContainer(forKey: .explanations)
            for e in explanations {
                var item = list.nestedContainer(keyedBy: AnyKey.self)
                try item.encode(e.cause.label, forKey: AnyKey("diagnosis"))
                try item.encode(e.count, forKey: AnyKey("count"))
            }
            try c.encode(matchesBehaviours, forKey: .matchesBehaviours)
            let fewest = otherBehaviours.enumerated().sorted { ($0.element.count, $0.offset) < ($1.element.count, $1.offset) }
            try encodeCounts(fewest.prefix(6).map(\.element), into: &c, forKey: .otherBehaviours)
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            checked = try c.decode(Int.self, forKey: .checked)
            mismatching = try c.decode(Int.self, forKey: .mismatching)
            notCheckedNaNScale = try c.decode(Int.self, forKey: .notCheckedNaNScale)
            // Encoded by label: every label is a candidate's or wrong-code's.
            var list = try c.nestedUnkeyedContainer(forKey: .explanations)
            var decoded: [VerifyReport.Explanation] = []
            while !list.isAtEnd {
                let item = try list.nestedContainer(keyedBy: AnyKey.self)
                let label = try item.decode(String.self, forKey: AnyKey("diagnosis"))
                guard let cause = Cause.candidates.first(where: { $0.label == label })
                        ?? (label == Cause.Kind.wrongCode.rawValue ? .wrongCode(distance: nil) : nil) else {
                    throw DecodingError.dataCorruptedError(forKey: AnyKey("diagnosis"), in: item, debugDescription: "unknown cause '\(label)'")
                }
                decoded.append(.init(cause: cause, count: try item.decode(Int.self, forKey: AnyKey("count"))))
            }
            explanations = decoded
            matchesBehaviours = try c.decode([String].self, forKey: .matchesBehaviours)
            otherBehaviours = try decodeCounts(c, forKey: .otherBehaviours)
        }
    }

    private enum CodingKeys: String, CodingKey {
        case format, blockSize = "block_size", axis, scaleRule = "scale_rule", specials, rounding, saturation
        case tensorScale = "tensor_scale", input, claimedScales = "claimed_scales", claimedElements = "claimed_elements"
        case packed, scales, elements, mismatches
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(format, forKey: .format)
        try c.encode(blockSize, forKey: .blockSize)
        try c.encode(axis, forKey: .axis)
        try c.encode(scaleRule, forKey: .scaleRule)
        try c.encode(specials, forKey: .specials)
        try c.encode(rounding.shortName, forKey: .rounding)
        try c.encode(saturation.shortName, forKey: .saturation)
        if let tensorScale { try c.encode(tensorScale, forKey: .tensorScale) } else { try c.encodeNil(forKey: .tensorScale) }
        try c.encodeIfPresent(input, forKey: .input)
        try c.encodeIfPresent(claimedScales, forKey: .claimedScales)
        try c.encodeIfPresent(claimedElements, forKey: .claimedElements)
        try c.encode(packed, forKey: .packed)
        try c.encode(scales, forKey: .scales)
        try c.encode(elements, forKey: .elements)
        try c.encode(mismatches, forKey: .mismatches)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decode(String.self, forKey: .format)
        blockSize = try c.decode(Int.self, forKey: .blockSize)
        axis = try c.decode(Int.self, forKey: .axis)
        scaleRule = try c.decode(String.self, forKey: .scaleRule)
        specials = try c.decode(String.self, forKey: .specials)
        rounding = try decodeNamed(c, .rounding, "rounding") { RoundingMode(shortName: $0) }
        saturation = try decodeNamed(c, .saturation, "saturation") { SaturationMode(shortName: $0) }
        tensorScale = try c.decodeIfPresent(String.self, forKey: .tensorScale)
        input = try c.decodeIfPresent(BlockInputDescription.self, forKey: .input)
        claimedScales = try c.decodeIfPresent(String.self, forKey: .claimedScales)
        claimedElements = try c.decodeIfPresent(String.self, forKey: .claimedElements)
        packed = try c.decode(Bool.self, forKey: .packed)
        scales = try c.decode(ScaleSummary.self, forKey: .scales)
        elements = try c.decode(ElementSummary.self, forKey: .elements)
        mismatches = try c.decode([BlockMismatch].self, forKey: .mismatches)
    }

    /// A report; the file fields (``input``, ``claimedScales``, ``claimedElements``) are set by the caller.
    public init(format: String, blockSize: Int, axis: Int, scaleRule: String, specials: String, rounding: RoundingMode,
                saturation: SaturationMode, tensorScale: String?, packed: Bool, scales: ScaleSummary, elements: ElementSummary,
                mismatches: [BlockMismatch]) {
        self.format = format
        self.blockSize = blockSize
        self.axis = axis
        self.scaleRule = scaleRule
        self.specials = specials
        self.rounding = rounding
        self.saturation = saturation
        self.tensorScale = tensorScale
        self.packed = packed
        self.scales = scales
        self.elements = elements
        self.mismatches = mismatches
    }
}

/// Why a claimed scale differs from the rule's.
public enum ScaleCause: Hashable, Sendable {
    /// The claim is what these other rules give (`ceil`, `ties-up with finite-amax`, ...).
    case scaleRule([String])
    /// The claim or the reference is the NaN scale where the other is not.
    case nanScale
    /// The claimed byte is not a code of the scale format.
    case notRepresentable
    /// Another scale, `distance` codes above (positive) or below the reference.
    case wrongScale(distance: Int)

    /// The stable key: `scale-rule`, `nan-scale`, `not-representable`, `wrong-scale`.
    public var key: String {
        switch self {
        case .scaleRule: return "scale-rule"
        case .nanScale: return "nan-scale"
        case .notRepresentable: return "not-representable"
        case .wrongScale: return "wrong-scale"
        }
    }
}

/// One mismatching scale or element in detail.
public enum BlockMismatch: Codable, Sendable, Equatable {
    case scale(ScaleMismatch)
    case element(ElementMismatch)

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .scale(let s): try s.encode(to: encoder)
        case .element(let e): try e.encode(to: encoder)
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        let kind = try c.decode(String.self, forKey: AnyKey("kind"))
        self = kind == "scale" ? .scale(try ScaleMismatch(from: decoder)) : .element(try ElementMismatch(from: decoder))
    }
}

/// A scale that differs from the rule's.
public struct ScaleMismatch: Codable, Sendable, Equatable {
    /// The block's index (scale storage order) and its multi-dimensional index in the scales array.
    public var block: Int
    /// The multi-dimensional index (scales array for a scale, input for an element).
    public var multiIndex: [Int]
    /// The number of elements in the block.
    public var elementCount: Int
    /// The largest finite magnitude in the block, exactly, and whether it also has NaN or Inf.
    public var amax: String
    /// Whether the block also has NaN or Inf elements.
    public var hasSpecials: Bool
    /// Scale codes in hex, and as printed (`0x82 = 2^3`).
    public var claimed: String
    /// The reference's code in hex.
    public var expected: String
    /// The claimed code as printed (`0x82 = 2^3`, `0x09 = -0.5`).
    public var claimedText: String
    /// The reference's code as printed.
    public var expectedText: String
    /// Why the claimed scale differs.
    public var cause: ScaleCause
    /// One line for people.
    public var detail: String

    /// A scale mismatch.
    public init(block: Int, multiIndex: [Int], elementCount: Int, amax: String, hasSpecials: Bool, claimed: String, expected: String,
                claimedText: String, expectedText: String, cause: ScaleCause, detail: String) {
        self.block = block
        self.multiIndex = multiIndex
        self.elementCount = elementCount
        self.amax = amax
        self.hasSpecials = hasSpecials
        self.claimed = claimed
        self.expected = expected
        self.claimedText = claimedText
        self.expectedText = expectedText
        self.cause = cause
        self.detail = detail
    }

    /// `{"kind": "scale", "block", "multi_index", "amax", "claimed", "expected", "diagnosis": {"kind",
    /// "detail", "matches_rules"}}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode("scale", forKey: AnyKey("kind"))
        try c.encode(block, forKey: AnyKey("block"))
        try c.encode(multiIndex, forKey: AnyKey("multi_index"))
        try c.encode(amax, forKey: AnyKey("amax"))
        try c.encode(claimed, forKey: AnyKey("claimed"))
        try c.encode(expected, forKey: AnyKey("expected"))
        var d = c.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("diagnosis"))
        try d.encode(cause.key, forKey: AnyKey("kind"))
        try d.encode(detail, forKey: AnyKey("detail"))
        if case .scaleRule(let rules) = cause { try d.encode(rules, forKey: AnyKey("matches_rules")) } else {
            try d.encode([String](), forKey: AnyKey("matches_rules"))
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        block = try c.decode(Int.self, forKey: AnyKey("block"))
        multiIndex = try c.decode([Int].self, forKey: AnyKey("multi_index"))
        amax = try c.decode(String.self, forKey: AnyKey("amax"))
        claimed = try c.decode(String.self, forKey: AnyKey("claimed"))
        expected = try c.decode(String.self, forKey: AnyKey("expected"))
        let d = try c.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("diagnosis"))
        detail = try d.decode(String.self, forKey: AnyKey("detail"))
        switch try d.decode(String.self, forKey: AnyKey("kind")) {
        case "scale-rule": cause = .scaleRule(try d.decode([String].self, forKey: AnyKey("matches_rules")))
        case "nan-scale": cause = .nanScale
        case "not-representable": cause = .notRepresentable
        default:
            let claimedCode = Int(claimed.dropFirst(2), radix: 16) ?? 0, expectedCode = Int(expected.dropFirst(2), radix: 16) ?? 0
            cause = .wrongScale(distance: claimedCode - expectedCode)
        }
        elementCount = 0
        hasSpecials = false
        claimedText = claimed
        expectedText = expected
    }
}

/// An element that differs from the reference under its block's claimed scale.
public struct ElementMismatch: Codable, Sendable, Equatable {
    /// Storage position, multi-dimensional index, and block.
    public var index: Int
    /// The multi-dimensional index (scales array for a scale, input for an element).
    public var multiIndex: [Int]
    /// The element's block.
    public var block: Int
    /// The input's exact value, the claimed scale (hex, and as printed), the exact quotient `x / scale`.
    public var input: String
    /// The claimed scale code in hex.
    public var scale: String
    /// The claimed scale as printed (`0x7c = 2^-3`).
    public var scaleText: String
    /// The exact quotient `x / scale` (times the tensor scale for NVFP4).
    public var quotient: String
    /// The stored element bytes (`0x09`), and as printed (`0x09 = -0.5`).
    public var claimed: String
    /// The reference's code in hex.
    public var expected: String
    /// The claimed code as printed (`0x82 = 2^3`, `0x09 = -0.5`).
    public var claimedText: String
    /// The reference's code as printed.
    public var expectedText: String
    /// The element's rounding mode (stochastic modes: the mode, R per element).
    public var rounding: RoundingMode
    /// The quotient's neighbours in the element format and their midpoint (nil for NaN).
    public var neighbours: Neighbours?
    /// The cause chosen for this element, and its wording.
    public var diagnosis: Diagnosis

    /// An element mismatch.
    public init(index: Int, multiIndex: [Int], block: Int, input: String, scale: String, scaleText: String, quotient: String,
                claimed: String, expected: String, claimedText: String, expectedText: String, rounding: RoundingMode,
                neighbours: Neighbours?, diagnosis: Diagnosis) {
        self.index = index
        self.multiIndex = multiIndex
        self.block = block
        self.input = input
        self.scale = scale
        self.scaleText = scaleText
        self.quotient = quotient
        self.claimed = claimed
        self.expected = expected
        self.claimedText = claimedText
        self.expectedText = expectedText
        self.rounding = rounding
        self.neighbours = neighbours
        self.diagnosis = diagnosis
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        try c.encode("element", forKey: AnyKey("kind"))
        try c.encode(index, forKey: AnyKey("index"))
        try c.encode(multiIndex, forKey: AnyKey("multi_index"))
        try c.encode(block, forKey: AnyKey("block"))
        try c.encode(input, forKey: AnyKey("input"))
        try c.encode(scale, forKey: AnyKey("scale"))
        try c.encode(quotient, forKey: AnyKey("quotient"))
        try c.encode(claimed, forKey: AnyKey("claimed"))
        try c.encode(expected, forKey: AnyKey("expected"))
        try c.encodeIfPresent(neighbours, forKey: AnyKey("neighbours"))
        try c.encode(diagnosis, forKey: AnyKey("diagnosis"))
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        index = try c.decode(Int.self, forKey: AnyKey("index"))
        multiIndex = try c.decode([Int].self, forKey: AnyKey("multi_index"))
        block = try c.decode(Int.self, forKey: AnyKey("block"))
        input = try c.decode(String.self, forKey: AnyKey("input"))
        scale = try c.decode(String.self, forKey: AnyKey("scale"))
        quotient = try c.decode(String.self, forKey: AnyKey("quotient"))
        claimed = try c.decode(String.self, forKey: AnyKey("claimed"))
        expected = try c.decode(String.self, forKey: AnyKey("expected"))
        neighbours = try c.decodeIfPresent(Neighbours.self, forKey: AnyKey("neighbours"))
        diagnosis = try c.decode(Diagnosis.self, forKey: AnyKey("diagnosis"))
        scaleText = scale
        claimedText = claimed
        expectedText = expected
        rounding = .nearestTiesToEven
    }
}

/// Counts as a JSON object `{name: count}` in order.
private func encodeCounts<K: CodingKey>(_ counts: [BlockVerifyReport.NamedCount], into c: inout KeyedEncodingContainer<K>,
                                        forKey key: K) throws {
    var object = c.nestedContainer(keyedBy: AnyKey.self, forKey: key)
    for n in counts { try object.encode(n.count, forKey: AnyKey(n.name)) }
}

private func decodeCounts<K: CodingKey>(_ c: KeyedDecodingContainer<K>, forKey key: K) throws -> [BlockVerifyReport.NamedCount] {
    let object = try c.nestedContainer(keyedBy: AnyKey.self, forKey: key)
    return try object.allKeys.map { BlockVerifyReport.NamedCount(name: $0.stringValue, count: try object.decode(Int.self, forKey: $0)) }
}
