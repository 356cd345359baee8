import Minifloat

/// The outcome of a verification: counts, the chosen explanations, the other behaviours tried on
/// the whole array, and the first mismatches in detail. `Codable`; the `minifloat verify` JSON
/// report is this value encoded (keys in the order below, snake_case).
public struct VerifyReport: Codable, Sendable {
    /// The format's name.
    public var format: String
    /// The reference's rounding mode (a stochastic mode's N and R are per element, not here).
    public var rounding: RoundingMode
    /// The reference's saturation mode.
    public var saturation: SaturationMode
    /// The named behaviour checked against, if any (``Behaviour/name``).
    public var profile: String?
    /// Whether any NaN code matched a NaN.
    public var nanAny: Bool
    /// The arrays, when they came from files.
    public var input: ArrayDescription?
    /// The claimed array, when it came from a file.
    public var claimed: ArrayDescription?
    /// How the claimed elements were read.
    public var claimedAs: ClaimedArray.Kind
    /// Elements checked, and how many differ.
    public var checked: Int
    /// Elements whose claim differs from the reference.
    public var mismatching: Int
    /// The explanations chosen, most mismatches first, with how many each explains; unexplained
    /// mismatches come last as ``Cause/wrongCode(distance:)`` (distance nil).
    public var explanations: [Explanation]
    /// Other behaviours tested on the whole array, fewest disagreements first (deterministic
    /// reference and binary inputs only, when something differs).
    public var otherBehaviours: [OtherBehaviour]
    /// The first mismatches (as many as asked for), in element order.
    public var mismatches: [Mismatch]

    /// Elements whose claim matches.
    public var matching: Int { checked - mismatching }

    /// Mismatches by kind of cause, in ``Cause/Kind`` order.
    public var countsByKind: [(kind: Cause.Kind, count: Int)] {
        Cause.Kind.allCases.compactMap { kind in
            let n = explanations.filter { $0.cause.kind == kind }.map(\.count).reduce(0, +)
            return n > 0 ? (kind, n) : nil
        }
    }

    /// Behaviours the claims match exactly, the one closest to the reference first (same
    /// saturation, then same rounding).
    public var exactBehaviours: [Hypothesis] {
        otherBehaviours.filter { $0.disagreements == 0 }.map(\.hypothesis).sorted { a, b in
            (a.profile == nil ? 0 : 1, a.saturation == saturation ? 0 : 1, a.rounding == rounding ? 0 : 1)
                < (b.profile == nil ? 0 : 1, b.saturation == saturation ? 0 : 1, b.rounding == rounding ? 0 : 1)
        }
    }

    /// One explanation and how many mismatches it explains.
    public struct Explanation: Codable, Sendable, Equatable {
        /// The cause.
        public var cause: Cause
        /// How many mismatches it explains.
        public var count: Int

        /// `count` mismatches explained by `cause`.
        public init(cause: Cause, count: Int) {
            self.cause = cause
            self.count = count
        }

        private enum CodingKeys: String, CodingKey { case diagnosis, count }

        /// `{"diagnosis": "saturation", "matches_saturation": "satfinite", "count": 3}`.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(cause.kind, forKey: .diagnosis)
            try cause.encodeDetails(to: encoder)
            try c.encode(count, forKey: .count)
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            cause = try Cause(kind: c.decode(Cause.Kind.self, forKey: .diagnosis), details: decoder.container(keyedBy: AnyKey.self))
            count = try c.decode(Int.self, forKey: .count)
        }
    }

    /// A whole-array behaviour and how many elements' claims it contradicts.
    public struct OtherBehaviour: Codable, Sendable, Equatable {
        /// The behaviour.
        public var hypothesis: Hypothesis
        /// Elements whose claim it contradicts (matching or not).
        public var disagreements: Int

        private enum CodingKeys: String, CodingKey { case rounding, saturation, through, profile, call, disagreements }

        /// A behaviour and its disagreements.
        public init(hypothesis: Hypothesis, disagreements: Int) {
            self.hypothesis = hypothesis
            self.disagreements = disagreements
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(hypothesis.rounding.shortName, forKey: .rounding)
            try c.encode(hypothesis.saturation.shortName, forKey: .saturation)
            if let t = hypothesis.through { try c.encode(t.format.name, forKey: .through) } else { try c.encodeNil(forKey: .through) }
            if let p = hypothesis.profile, let call = hypothesis.call {
                try c.encode(p, forKey: .profile)
                try c.encode(call, forKey: .call)
            }
            try c.encode(disagreements, forKey: .disagreements)
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let through = try c.decodeIfPresent(String.self, forKey: .through).map { name in
                IntermediateType.allCases.first { $0.format.name == name || $0.rawValue == name }
            }
            let rounding = try decodeRounding(c, .rounding), saturation = try decodeSaturation(c, .saturation)
            if let p = try c.decodeIfPresent(String.self, forKey: .profile), let call = try c.decodeIfPresent(String.self, forKey: .call) {
                hypothesis = Hypothesis(profile: p, call: call, rounding: rounding, saturation: saturation)
            } else {
                hypothesis = Hypothesis(rounding: rounding, saturation: saturation, through: through ?? nil)
            }
            disagreements = try c.decode(Int.self, forKey: .disagreements)
        }
    }

    private enum CodingKeys: String, CodingKey {
        case format, rounding, saturation, profile, nanAny = "nan_any", input, claimed, claimedAs = "claimed_as"
        case checked, matching, mismatching, byDiagnosis = "by_diagnosis", explanations
        case otherBehaviours = "other_behaviours", mismatches
    }

    /// A report; ``input`` and ``claimed`` are set by the caller when the arrays came from files.
    public init(format: String, rounding: RoundingMode, saturation: SaturationMode, profile: String?, nanAny: Bool,
                input: ArrayDescription?, claimed: ArrayDescription?, claimedAs: ClaimedArray.Kind, checked: Int,
                mismatching: Int, explanations: [Explanation], otherBehaviours: [OtherBehaviour], mismatches: [Mismatch]) {
        self.format = format
        self.rounding = rounding
        self.saturation = saturation
        self.profile = profile
        self.nanAny = nanAny
        self.input = input
        self.claimed = claimed
        self.claimedAs = claimedAs
        self.checked = checked
        self.mismatching = mismatching
        self.explanations = explanations
        self.otherBehaviours = otherBehaviours
        self.mismatches = mismatches
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(format, forKey: .format)
        try c.encode(rounding.shortName, forKey: .rounding)
        try c.encode(saturation.shortName, forKey: .saturation)
        if let profile { try c.encode(profile, forKey: .profile) } else { try c.encodeNil(forKey: .profile) }
        try c.encode(nanAny, forKey: .nanAny)
        if let input { try c.encode(input, forKey: .input) }
        if let claimed { try c.encode(claimed, forKey: .claimed) }
        try c.encode(claimedAs, forKey: .claimedAs)
        try c.encode(checked, forKey: .checked)
        try c.encode(matching, forKey: .matching)
        try c.encode(mismatching, forKey: .mismatching)
        var counts = c.nestedContainer(keyedBy: AnyKey.self, forKey: .byDiagnosis)
        for (kind, n) in countsByKind { try counts.encode(n, forKey: AnyKey(kind.rawValue)) }
        try c.encode(explanations, forKey: .explanations)
        try c.encode(otherBehaviours, forKey: .otherBehaviours)
        try c.encode(mismatches, forKey: .mismatches)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        format = try c.decode(String.self, forKey: .format)
        rounding = try decodeRounding(c, .rounding)
        saturation = try decodeSaturation(c, .saturation)
        profile = try c.decodeIfPresent(String.self, forKey: .profile)
        nanAny = try c.decode(Bool.self, forKey: .nanAny)
        input = try c.decodeIfPresent(ArrayDescription.self, forKey: .input)
        claimed = try c.decodeIfPresent(ArrayDescription.self, forKey: .claimed)
        claimedAs = try c.decode(ClaimedArray.Kind.self, forKey: .claimedAs)
        checked = try c.decode(Int.self, forKey: .checked)
        mismatching = try c.decode(Int.self, forKey: .mismatching)
        explanations = try c.decode([Explanation].self, forKey: .explanations)
        otherBehaviours = try c.decode([OtherBehaviour].self, forKey: .otherBehaviours)
        mismatches = try c.decode([Mismatch].self, forKey: .mismatches)
    }
}

/// An array a report speaks about: its path, `float32 (2, 3)`, shape and order.
public struct ArrayDescription: Codable, Sendable, Equatable {
    /// The path, as given.
    public var path: String
    /// Element type and shape as printed: `float32 (2, 3)`, `text (5,)`.
    public var type: String
    /// The logical shape.
    public var shape: [Int]
    /// Whether the array is stored in Fortran order.
    public var fortranOrder: Bool

    /// A description of an array file.
    public init(path: String, type: String, shape: [Int], fortranOrder: Bool) {
        self.path = path
        self.type = type
        self.shape = shape
        self.fortranOrder = fortranOrder
    }

    private enum CodingKeys: String, CodingKey { case path, type, shape, fortranOrder = "fortran_order" }
}

/// One mismatching element in detail.
public struct Mismatch: Codable, Sendable, Equatable {
    /// Storage position in the input, and the logical (multi-dimensional) index.
    public var index: Int
    /// The logical (multi-dimensional) index.
    public var multiIndex: [Int]
    /// The input: its bits in hex (binary inputs) or its text and line (text inputs), and its exact
    /// value.
    public var inputBits: String?
    /// A text input's line as written.
    public var inputText: String?
    /// A text input's line number.
    public var inputLine: Int?
    /// The input's exact value (`nan`, `-inf`, an exact decimal).
    public var input: String
    /// What was claimed.
    public var claimed: ClaimedElement
    /// What the reference gives.
    public var expected: CodeDescription
    /// The input's two neighbours in the format and their midpoint (nil for NaN, and beyond the
    /// largest value).
    public var neighbours: Neighbours?
    /// The cause chosen for this element, and its wording.
    public var diagnosis: Diagnosis

    /// A mismatch.
    public init(index: Int, multiIndex: [Int], inputBits: String?, inputText: String?, inputLine: Int?, input: String,
                claimed: ClaimedElement, expected: CodeDescription, neighbours: Neighbours?, diagnosis: Diagnosis) {
        self.index = index
        self.multiIndex = multiIndex
        self.inputBits = inputBits
        self.inputText = inputText
        self.inputLine = inputLine
        self.input = input
        self.claimed = claimed
        self.expected = expected
        self.neighbours = neighbours
        self.diagnosis = diagnosis
    }

    private enum CodingKeys: String, CodingKey {
        case index, multiIndex = "multi_index", inputBits = "input_bits", inputText = "input_text", inputLine = "input_line"
        case input, claimed, expected, neighbours, diagnosis
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(index, forKey: .index)
        try c.encode(multiIndex, forKey: .multiIndex)
        try c.encodeIfPresent(inputBits, forKey: .inputBits)
        try c.encodeIfPresent(inputText, forKey: .inputText)
        try c.encodeIfPresent(inputLine, forKey: .inputLine)
        try c.encode(input, forKey: .input)
        try c.encode(claimed, forKey: .claimed)
        try c.encode(expected, forKey: .expected)
        if let neighbours { try c.encode(neighbours, forKey: .neighbours) } else { try c.encodeNil(forKey: .neighbours) }
        try c.encode(diagnosis, forKey: .diagnosis)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        index = try c.decode(Int.self, forKey: .index)
        multiIndex = try c.decode([Int].self, forKey: .multiIndex)
        inputBits = try c.decodeIfPresent(String.self, forKey: .inputBits)
        inputText = try c.decodeIfPresent(String.self, forKey: .inputText)
        inputLine = try c.decodeIfPresent(Int.self, forKey: .inputLine)
        input = try c.decode(String.self, forKey: .input)
        claimed = try c.decode(ClaimedElement.self, forKey: .claimed)
        expected = try c.decode(CodeDescription.self, forKey: .expected)
        neighbours = try c.decodeIfPresent(Neighbours.self, forKey: .neighbours)
        diagnosis = try c.decode(Diagnosis.self, forKey: .diagnosis)
    }
}

/// A code with its exact value and class: `{"code": "0x7e", "value": "448", "class": "normal"}`.
public struct CodeDescription: Codable, Sendable, Equatable {
    /// The code in hex, zero-padded to the format's width (`0x7e`).
    public var code: String
    /// Its exact value.
    public var value: String
    /// Its class: `zero`, `subnormal`, `normal`, `inf`, `nan`.
    public var codeClass: String

    /// A code's description.
    public init(code: String, value: String, codeClass: String) {
        self.code = code
        self.value = value
        self.codeClass = codeClass
    }

    private enum CodingKeys: String, CodingKey { case code, value, codeClass = "class" }
}

/// What was claimed for an element: a code, a NaN value, or something not of the format.
public enum ClaimedElement: Codable, Sendable, Equatable {
    case code(CodeDescription)
    case nanValue
    case notRepresentable(String)

    private enum CodingKeys: String, CodingKey { case code, value, codeClass = "class", representable }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .code(let d): try d.encode(to: encoder)
        case .nanValue:
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode("nan", forKey: .value)
        case .notRepresentable(let text):
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(text, forKey: .value)
            try c.encode(false, forKey: .representable)
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if c.contains(.code) { self = .code(try CodeDescription(from: decoder)); return }
        let value = try c.decode(String.self, forKey: .value)
        self = try c.decodeIfPresent(Bool.self, forKey: .representable) == false ? .notRepresentable(value) : .nanValue
    }
}

/// The two values of the format around an input, and their exact midpoint.
public struct Neighbours: Codable, Sendable, Equatable {
    /// The neighbour nearer zero (exact).
    public var lo: String
    /// The neighbour farther from zero (exact; beyond the largest value, the next grid point).
    public var hi: String
    /// Their exact midpoint.
    public var midpoint: String

    /// Two neighbours and their midpoint.
    public init(lo: String, hi: String, midpoint: String) {
        self.lo = lo
        self.hi = hi
        self.midpoint = midpoint
    }
}

/// A coding key made from a string.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A mode decoded from its short name.
func decodeNamed<K, T>(_ c: KeyedDecodingContainer<K>, _ key: K, _ what: String, _ parse: (String) -> T?) throws -> T {
    let name = try c.decode(String.self, forKey: key)
    guard let value = parse(name) else {
        throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "unknown \(what) '\(name)'")
    }
    return value
}

private func decodeRounding<K>(_ c: KeyedDecodingContainer<K>, _ key: K) throws -> RoundingMode {
    try decodeNamed(c, key, "rounding") { RoundingMode(shortName: $0) }
}

private func decodeSaturation<K>(_ c: KeyedDecodingContainer<K>, _ key: K) throws -> SaturationMode {
    try decodeNamed(c, key, "saturation") { SaturationMode(shortName: $0) }
}
