import Minifloat
import MinifloatIO
import MinifloatOracle

/// One claimed element, read as a code of the format.
enum Claim {
    case code(UInt32)
    /// A claimed value that is NaN (values compare as values: any NaN matches a NaN).
    case nanValue
    /// A claimed value that is not a value of the format, or a code beyond the format's codes.
    case notRepresentable(String)
}

/// Reads claimed elements: codes, values or packed FP4, from a binary or text file.
struct ClaimReader {
    enum Kind: String { case codes, values, packed = "packed-fp4" }
    let kind: Kind
    let data: ArrayData
    let f: Format
    /// Text claims, parsed up front so that a malformed line is an input error before any checking.
    let textClaims: [Claim]

    init(_ data: ArrayData, path: String, as requested: String?, _ f: Format, count: Int) throws {
        self.data = data
        self.f = f
        let kind: Kind
        if let requested {
            guard let k = Kind(rawValue: requested.lowercased()) else {
                throw CLIError("unknown --claimed-as '\(requested)': use codes, values or packed-fp4")
            }
            kind = k
        } else if case .binary(let a) = data, a.elementType.isFloatingPoint {
            kind = .values
        } else {
            kind = .codes
        }
        self.kind = kind
        if kind == .packed && f.bitWidth != 4 {
            throw CLIError("--claimed-as packed-fp4 needs a 4-bit format; \(f.name) has \(f.bitWidth) bits")
        }
        let expectedCount = kind == .packed ? (count + 1) / 2 : count
        if case .binary(let a) = data {
            switch kind {
            case .codes, .packed:
                guard !a.elementType.isFloatingPoint, a.elementType.byteCount <= 2 else {
                    throw CLIError("claimed '\(path)' holds \(a.elementType.numpyName); \(kind.rawValue) are read from uint8, "
                                   + "int8 or uint16 (for values give --claimed-as values)")
                }
                guard a.elementType.byteCount * 8 >= f.bitWidth else {
                    throw CLIError("claimed '\(path)' holds \(a.elementType.numpyName), too narrow for \(f.bitWidth)-bit codes")
                }
                if kind == .packed && a.elementType.byteCount != 1 {
                    throw CLIError("claimed '\(path)' holds \(a.elementType.numpyName); packed FP4 is bytes (uint8)")
                }
            case .values:
                guard a.elementType.isFloatingPoint else {
                    throw CLIError("claimed '\(path)' holds \(a.elementType.numpyName) integers; values must be float16, "
                                   + "float32, float64 or bfloat16 (for codes give --claimed-as codes)")
                }
            }
        }
        if data.count != expectedCount {
            let what = kind == .packed ? "\(expectedCount) packed bytes for \(count) elements" : "\(count) elements"
            throw CLIError("claimed '\(path)' holds \(data.count) elements but the input needs \(what); "
                           + "check that both files come from the same tensor")
        }
        if case .text(let lines, let numbers) = data {
            textClaims = try lines.indices.map { i in
                let place = "\(path) line \(numbers[i])"
                switch kind {
                case .codes: return .code(try parseCode(lines[i], f, place: place))
                case .packed:
                    let lower = lines[i].lowercased()
                    guard let b = lower.hasPrefix("0x") ? UInt8(lower.dropFirst(2), radix: 16) : UInt8(lower) else {
                        throw CLIError("\(place): '\(lines[i])' is not a byte (0 to 255 or 0x00 to 0xff)")
                    }
                    return .code(UInt32(b))
                case .values:
                    let (x, _) = try parseTextValue(lines[i], bitsType: nil, where: place)
                    return ClaimReader.claim(exact: x, f)
                }
            }
        } else {
            textClaims = []
        }
    }

    /// The claim for element `q` (claimed storage order; for packed FP4, the element index).
    func claim(at q: Int) throws -> Claim {
        switch data {
        case .text:
            if kind == .packed, case .code(let b) = textClaims[q / 2] { return .code(b >> UInt32(4 * (q % 2)) & 0xF) }
            return textClaims[q]
        case .binary(let a):
            switch kind {
            case .packed:
                return .code(UInt32(a.bits(at: q / 2) >> UInt64(4 * (q % 2)) & 0xF))
            case .codes:
                let c = UInt32(a.bits(at: q))
                guard c <= f.maxCode else {
                    return .notRepresentable("code \(hexCode(c, f)) (\(f.name) codes are 0 to \(hexCode(f.maxCode, f)))")
                }
                return .code(c)
            case .values:
                let v = doubleValue(bits: a.bits(at: q), type: a.elementType)
                if v.isNaN { return .nanValue }
                // A value of the format is encoded to its own code in any mode; anything else is not a value.
                let c = f.encode(v, rounding: .towardZero, saturation: .satNone)
                let back = f.decode(c)
                guard back.bitPattern == v.bitPattern else { return .notRepresentable(ExactValue(v).description) }
                return .code(c)
            }
        }
    }

    /// The claims of input elements `range` as codes, `HypothesisCounter.nanClaim` for a NaN value
    /// or `HypothesisCounter.invalidClaim` for anything not a code of the format. Reads the file in
    /// bulk when the claimed file is in the input's storage order.
    func codes(_ range: Range<Int>, mapping: IndexMapping, into out: inout [UInt32]) throws {
        out.removeAll(keepingCapacity: true)
        guard case .binary(let a) = data, mapping.identity else {
            for p in range {
                switch try claim(at: mapping.claimedPosition(p)) {
                case .code(let c): out.append(c)
                case .nanValue: out.append(HypothesisCounter.nanClaim)
                case .notRepresentable: out.append(HypothesisCounter.invalidClaim)
                }
            }
            return
        }
        let maxCode = f.maxCode
        switch kind {
        case .codes:
            a.withElements(range) { raw in
                if a.elementType.byteCount == 1 {
                    for b in raw.bindMemory(to: UInt8.self) { out.append(UInt32(b) <= maxCode ? UInt32(b) : HypothesisCounter.invalidClaim) }
                } else {
                    for c in raw.bindMemory(to: UInt16.self) { out.append(UInt32(c) <= maxCode ? UInt32(c) : HypothesisCounter.invalidClaim) }
                }
            }
        case .packed:
            let bytes = (range.lowerBound / 2)..<((range.upperBound + 1) / 2)
            a.withElements(bytes) { raw in
                for p in range {
                    out.append(UInt32(raw[p / 2 - bytes.lowerBound] >> UInt8(4 * (p % 2)) & 0xF))
                }
            }
        case .values:
            // A value of the format is encoded to its own code in any mode; it is one if decoding
            // that code gives back the same bits (so -0 and +0 are told apart).
            let n = range.count
            var codes = [UInt16](repeating: 0, count: n)
            var back = [Double](repeating: 0, count: n)
            let f = self.f
            a.withElements(range) { raw in
                codes.withUnsafeMutableBufferPointer { c in
                    encodeElements(f, raw, a.elementType, n, into: c, .towardZero, .satNone, threads: nil)
                    back.withUnsafeMutableBufferPointer { f.decode(UnsafeBufferPointer(c), into: $0) }
                }
                func check(_ v: Double, _ i: Int) {
                    if v.isNaN { out.append(HypothesisCounter.nanClaim) }
                    else { out.append(back[i].bitPattern == v.bitPattern ? UInt32(codes[i]) : HypothesisCounter.invalidClaim) }
                }
                switch a.elementType {
                case .float32: for (i, v) in raw.bindMemory(to: Float.self).enumerated() { check(Double(v), i) }
                case .float64: for (i, v) in raw.bindMemory(to: Double.self).enumerated() { check(v, i) }
                case .float16: for (i, v) in raw.bindMemory(to: Float16.self).enumerated() { check(Double(v), i) }
                default:
                    for (i, v) in raw.bindMemory(to: UInt16.self).enumerated() { check(Double(Float(bitPattern: UInt32(v) << 16)), i) }
                }
            }
        }
    }

    /// A claimed exact value (text) as a claim.
    static func claim(exact x: ExactValue, _ f: Format) -> Claim {
        if x.isNaN { return .nanValue }
        let c = Oracle.Bracket(x, f).code(rounding: .towardZero, saturation: .satNone)
        let back = Oracle.decode(c, in: f)
        // Zero signs must agree too: compare the decimal forms ("-0" vs "0").
        guard back == x, back.description == x.description else { return .notRepresentable(x.description) }
        return .code(c)
    }
}

/// Where input element `p` (storage order) is in the claimed file.
struct IndexMapping {
    let identity: Bool
    let inputShape: [Int], inputFortran: Bool
    let claimedShape: [Int], claimedFortran: Bool
    /// Whether the claimed file is read as the C-order flattening of the input's shape.
    let claimedFlat: Bool
    let inputFlat: Bool

    init(input: ArrayData, claimed: ArrayData, packed: Bool, inputPath: String, claimedPath: String) throws {
        inputShape = input.shape
        inputFortran = input.fortranOrder
        claimedShape = claimed.shape
        claimedFortran = claimed.fortranOrder
        func nontrivial(_ s: [Int]) -> Bool { s.filter { $0 > 1 }.count > 1 }
        let inF = inputFortran && nontrivial(inputShape), clF = claimedFortran && nontrivial(claimedShape)
        if packed || (claimedShape.count <= 1 && inputShape.count > 1) {
            claimedFlat = true; inputFlat = false
            identity = !inF
        } else if inputShape.count <= 1 && claimedShape.count > 1 {
            claimedFlat = false; inputFlat = true
            identity = !clF
            guard input.count == claimed.count else { throw IndexMapping.mismatch(input, claimed, inputPath, claimedPath) }
        } else {
            claimedFlat = false; inputFlat = false
            guard inputShape == claimedShape else { throw IndexMapping.mismatch(input, claimed, inputPath, claimedPath) }
            identity = inF == clF
        }
    }

    static func mismatch(_ a: ArrayData, _ b: ArrayData, _ pa: String, _ pb: String) -> CLIError {
        CLIError("shape mismatch: input '\(pa)' is \(NpyHeader.shapeText(a.shape)) but claimed '\(pb)' is "
                 + "\(NpyHeader.shapeText(b.shape)); save both with the same shape (or one of them flat)")
    }

    /// The logical (multi-dimensional) index of input element `p`.
    func logicalIndex(_ p: Int) -> [Int] {
        inputFlat ? ArrayInput.multiIndex(p, shape: claimedShape, fortranOrder: false)
            : ArrayInput.multiIndex(p, shape: inputShape, fortranOrder: inputFortran)
    }

    func claimedPosition(_ p: Int) -> Int {
        if identity { return p }
        let index = logicalIndex(p)
        if claimedFlat { return ArrayInput.storagePosition(index, shape: inputShape, fortranOrder: false) }
        return ArrayInput.storagePosition(index, shape: claimedShape, fortranOrder: claimedFortran)
    }
}

/// The random integers R_i of a stochastic verification.
struct RandomValues {
    let bits: Int
    let seed: UInt64?
    let file: ArrayInput?

    init(mode: RoundingMode, seed: UInt64?, file path: String?, count: Int) throws {
        bits = mode.randomBits
        self.seed = seed
        if let path {
            let data = try openArray(path, rawType: nil, inputType: nil, role: "random values")
            guard case .binary(let a) = data, [.uint8, .uint16, .uint32].contains(a.elementType) else {
                throw CLIError("random values '\(path)' must be a .npy of uint8, uint16 or uint32")
            }
            guard a.count == count else {
                throw CLIError("random values '\(path)' hold \(a.count) elements but the input has \(count)")
            }
            file = a
        } else {
            file = nil
        }
    }

    /// R_p: the top N bits of SplitMix64's (p+1)-th output, or the low N bits of the file's element p.
    func value(_ p: Int) -> UInt64 {
        if let seed { return RandomSource.splitMix64(seed: seed, index: UInt64(p)) >> UInt64(64 - bits) }
        if let file { return file.bits(at: p) & ((1 << UInt64(bits)) - 1) }
        return 0
    }
}

/// A mismatching element, with the candidate explanations true of it.
struct Mismatch {
    let position: Int
    let claim: Claim
    let expected: UInt32
    let mask: UInt32
}

/// Counts, the chosen explanations and the first mismatches in detail.
struct VerifyResult {
    var checked: Int
    var mismatching: Int
    var counts: [String: Int] = [:]
    /// The explanations chosen, most mismatches first, with how many each explains.
    var explanations: [(Candidate, Int)] = []
    var details: [MismatchDetail] = []
    /// Other behaviours tested on the whole array, fewest disagreements first (deterministic modes
    /// and binary inputs only).
    var hypotheses: [(Hypothesis, Int)] = []
    var matching: Int { checked - mismatching }

    /// Behaviours the claims match exactly.
    var exactBehaviours: [Hypothesis] { hypotheses.filter { $0.1 == 0 }.map(\.0) }

    init(checked: Int, mismatching: Int) {
        self.checked = checked
        self.mismatching = mismatching
    }

    /// Diagnoses with their counts, in the order of `Diagnosis.keys`.
    var orderedCounts: [(String, Int)] {
        Diagnosis.keys.compactMap { key, _ in counts[key].map { (key, $0) } }
    }

    func jsonFields() -> [(String, JSON)] {
        let explained = explanations.map { c, n -> JSON in
            .object([("diagnosis", .string(c.key))] + (c.variant.map { [($0.name, JSON.string($0.value))] } ?? [])
                    + [("count", .int(n))])
        }
        return [("checked", .int(checked)), ("matching", .int(matching)), ("mismatching", .int(mismatching)),
                ("by_diagnosis", .object(orderedCounts.map { ($0.0, .int($0.1)) })),
                ("explanations", .array(explained)),
                ("other_behaviours", .array(hypotheses.prefix(5).map { h, d in
                    .object([("rounding", .string(h.rounding.shortName)), ("saturation", .string(h.saturation.shortName)),
                             ("through", h.via.map { .string($0.name) } ?? .null), ("disagreements", .int(d))])
                })),
                ("mismatches", .array(details.map(\.json)))]
    }
}

/// Everything about one mismatch, for the text report and the JSON report.
struct MismatchDetail {
    let json: JSON
    let lines: [String]
}

func mismatchDetail(_ p: Int, _ data: ArrayData, _ mapping: IndexMapping, _ x: ReferenceInput, _ claim: Claim,
                    _ expected: UInt32, _ f: Format, _ d: Diagnosis, _ mode: RoundingMode) -> MismatchDetail {
    let index = mapping.logicalIndex(p)
    var fields: [(String, JSON)] = [("index", .int(p)), ("multi_index", .array(index.map { .int($0) }))]
    var lines = ["element \(p) \(indexText(index))"]
    switch data {
    case .binary(let a):
        let bits = hexBits(a.bits(at: p), type: a.elementType)
        fields += [("input_bits", .string(bits)), ("input", .string(x.exact.description))]
        lines.append("  input      \(bits) = \(x.exact.description)")
    case .text(let text, let numbers):
        fields += [("input_text", .string(text[p])), ("input_line", .int(numbers[p])), ("input", .string(x.exact.description))]
        lines.append("  input      '\(text[p])' (line \(numbers[p])) = \(x.exact.description)")
    }
    switch claim {
    case .code(let c):
        fields.append(("claimed", codeJSON(c, f)))
        lines.append("  claimed    \(describe(c, f))")
    case .nanValue:
        fields.append(("claimed", .object([("value", .string("nan"))])))
        lines.append("  claimed    value nan")
    case .notRepresentable(let text):
        fields.append(("claimed", .object([("value", .string(text)), ("representable", .bool(false))])))
        lines.append("  claimed    \(text) (not a value of \(f.name))")
    }
    fields.append(("expected", codeJSON(expected, f)))
    lines.append("  expected   \(describe(expected, f))   [\(mode.shortName)]")
    if let n = Oracle.Bracket(x.exact, f).neighbours {
        fields.append(("neighbours", .object([("lo", .string(n.lo.description)), ("hi", .string(n.hi.description)),
                                              ("midpoint", .string(n.midpoint.description))])))
        lines.append("  neighbours \(n.lo.description) and \(n.hi.description), midpoint \(n.midpoint.description)")
    } else {
        fields.append(("neighbours", .null))
    }
    fields.append(("diagnosis", .object([("kind", .string(d.key)), ("detail", .string(d.detail))] + d.facts)))
    lines.append("  diagnosis  \(d.key): \(d.detail)")
    return MismatchDetail(json: .object(fields), lines: lines)
}

func codeJSON(_ c: UInt32, _ f: Format) -> JSON {
    .object([("code", .string(hexCode(c, f))), ("value", .string(Oracle.decode(c, in: f).description)),
             ("class", .string(className(f.classify(c))))])
}

extension VerifyCommand {
    func reportHeader(_ f: Format, _ setup: Setup, _ input: ArrayData, _ claimed: ArrayData,
                      _ claims: ClaimReader) -> [(String, JSON)] {
        func file(_ path: String, _ d: ArrayData) -> JSON {
            .object([("path", .string(path)), ("type", .string(d.typeAndShape)),
                     ("shape", .array(d.shape.map { .int($0) })), ("fortran_order", .bool(d.fortranOrder))])
        }
        return [("format", .string(f.name)), ("rounding", .string(setup.mode.shortName)),
                ("saturation", .string(setup.saturation.shortName)),
                ("profile", setup.profile.map { .string($0.name) } ?? .null), ("nan_any", .bool(setup.nanAny)),
                ("input", file(self.input, input)), ("claimed", file(self.claimed ?? "", claimed)),
                ("claimed_as", .string(claims.kind.rawValue))]
    }

    func printText(_ f: Format, _ setup: Setup, _ input: ArrayData, _ claimed: ArrayData, _ claims: ClaimReader,
                   _ r: VerifyResult) {
        let profileText = setup.profile.map { " (profile \($0.name))" } ?? ""
        print("verify \(f.name) \(setup.mode.shortName) \(setup.saturation.shortName)\(profileText)"
              + "\(setup.nanAny ? ", any NaN accepted" : ""): input \(self.input) \(input.typeAndShape), "
              + "claimed \(self.claimed ?? "") \(claimed.typeAndShape) as \(claims.kind.rawValue)")
        print("checked \(r.checked), matching \(r.matching), mismatching \(r.mismatching)")
        for (candidate, count) in r.explanations { print("  \(candidate.label): \(count)") }
        if r.mismatching > 0, let best = r.hypotheses.first {
            let exact = r.exactBehaviours
            if !exact.isEmpty {
                // The one closest to what was asked first: same saturation, then same rounding.
                let ordered = exact.sorted { a, b in
                    (a.saturation == setup.saturation ? 0 : 1, a.rounding == setup.mode ? 0 : 1)
                        < (b.saturation == setup.saturation ? 0 : 1, b.rounding == setup.mode ? 0 : 1)
                }
                let others = ordered.dropFirst().map(\.label)
                print("the claims are exactly what \(f.name) \(ordered[0].label) gives"
                      + (others.isEmpty ? "" : " (on these inputs, so do \(others.joined(separator: ", ")))"))
            } else if best.1 < r.mismatching {
                print("closest other behaviour: \(best.0.label) (\(best.1) disagreements)")
            }
        }
        for (k, d) in r.details.enumerated() {
            print("")
            print("mismatch \(k + 1) of \(r.mismatching): " + d.lines[0])
            for line in d.lines.dropFirst() { print(line) }
        }
        if r.details.count < r.mismatching && !r.details.isEmpty {
            print("")
            print("(\(r.mismatching - r.details.count) more; --max-report N shows more, --report FILE writes them as JSON)")
        }
    }
}
