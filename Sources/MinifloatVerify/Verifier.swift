import Minifloat
import MinifloatIO
import MinifloatOracle

/// Checks another quantizer's output element by element against the reference (the exact
/// conversion of IEEE P3109 v4.0 section 4 / OCP OFP8 v1.0 section 5 for the given rounding and
/// saturation), and explains each mismatch.
///
/// The input is read chunk by chunk (``chunkElements``); memory does not grow with the number of
/// mismatches: each mismatch's set of true causes is counted by set, and only the first
/// ``maxMismatches`` are kept in detail. When something differs and the reference is deterministic
/// and the input binary, a second pass counts, for every other deterministic rounding and
/// saturation mode and for the reference through each narrower type, the elements whose claim it
/// contradicts; those counts penalise the causes that stand for them, and the report names any
/// behaviour the claims match exactly.
public struct Verifier {
    /// The format the claims are codes of.
    public var format: Format
    /// The reference's rounding mode; for a stochastic mode, its N (R_i comes from ``random``).
    public var rounding: RoundingMode
    /// The reference's saturation mode.
    public var saturation: SaturationMode
    /// Whether any NaN code matches where the reference gives a NaN.
    public var nanAny: Bool
    /// The named behaviour checked against, if any (for the report).
    public var profile: Behaviour?
    /// The system profile's call whose codes are the reference, if any: the claims are compared
    /// with what that system gives (``SystemConversion/encode(raw:as:count:into:call:threads:)``),
    /// and ``rounding`` and ``saturation`` are its call's. Only binary inputs of a source type the
    /// call takes can be checked against it.
    public var system: SystemProfileCall?
    /// The random integers of a stochastic mode.
    public var random: VerifyRandomValues?
    /// How many mismatches the report keeps in detail.
    public var maxMismatches: Int
    /// Threads for the array paths (nil: all processors).
    public var threads: Int?
    /// Elements per chunk.
    public var chunkElements = 1 << 20

    /// A verifier for `format` under `rounding` and `saturation`. Throws a ``VerifyError`` for a
    /// format wider than 16 bits, a stochastic mode without random values (or random values for a
    /// deterministic mode), or a negative `maxMismatches`.
    public init(format: Format, rounding: RoundingMode = .nearestTiesToEven, saturation: SaturationMode = .satNone,
                nanAny: Bool = false, random: VerifyRandomValues? = nil, maxMismatches: Int = 10, threads: Int? = nil) throws {
        guard format.bitWidth <= 16 else {
            throw VerifyError("\(format.name) has \(format.bitWidth) bits; verify handles formats of at most 16 bits")
        }
        guard maxMismatches >= 0 else { throw VerifyError("the number of mismatches to keep must be at least 0 (got \(maxMismatches))") }
        if rounding.isStochastic {
            guard random != nil else { throw VerifyError("stochastic rounding needs random values: a seed or an array of R_i") }
            guard (1...RoundingMode.maxRandomBits).contains(rounding.randomBits) else {
                throw VerifyError("stochastic rounding needs 1 to \(RoundingMode.maxRandomBits) random bits (got \(rounding.randomBits))")
            }
        } else if random != nil {
            throw VerifyError("random values apply only to stochastic rounding (sra, srb, src)")
        }
        self.format = format
        self.rounding = rounding
        self.saturation = saturation
        self.nanAny = nanAny
        self.random = random
        self.maxMismatches = maxMismatches
        self.threads = threads
    }

    /// A verifier for a named behaviour: its saturation and NaN rule, and its rounding mode or,
    /// where the behaviour lets the caller choose, `rounding`. Throws a ``VerifyError`` when the
    /// behaviour is not defined for `format` or fixes another rounding mode.
    public init(format: Format, behaviour: Behaviour, rounding: RoundingMode? = nil, random: VerifyRandomValues? = nil,
                maxMismatches: Int = 10, threads: Int? = nil) throws {
        guard behaviour.applies(to: format) else {
            throw VerifyError("profile \(behaviour.name) is defined for \((behaviour.formats ?? []).joined(separator: ", ")), "
                              + "not \(format.name); use a p3109-* profile or a rounding and saturation mode")
        }
        if behaviour.roundingFixed, let rounding, rounding != behaviour.rounding {
            throw VerifyError("profile \(behaviour.name) fixes the rounding mode (\(behaviour.rounding.shortName)), not "
                              + "\(rounding.shortName)")
        }
        try self.init(format: format, rounding: rounding ?? behaviour.rounding, saturation: behaviour.saturation,
                      nanAny: behaviour.nanAny, random: random, maxMismatches: maxMismatches, threads: threads)
        profile = behaviour
    }

    /// The two passes over the input, for progress reports.
    public enum Phase: Sendable { case checking, otherBehaviours }

    /// Verifies `claims` for `input`. `logicalIndex` gives an element's multi-dimensional index for
    /// the report (default: `[p]`); `progress` is called with the elements done in each pass.
    /// Throws a ``VerifyError`` for an input of integers or counts that do not match.
    public func verify(_ input: VerifyInput, against claims: ClaimedArray, logicalIndex: ((Int) -> [Int])? = nil,
                       progress: ((Phase, Int, Int) -> Void)? = nil) throws -> VerifyReport {
        var (report, details) = try verifyWithLazyDetails(input, against: claims, logicalIndex: logicalIndex, progress: progress)
        report.mismatches = Array(details)
        return report
    }

    /// The detailed mismatches of a verification, each built when it is read (the report's text,
    /// values and diagnosis take a few kilobytes each; what is kept until then is a few bytes).
    public struct LazyMismatches: RandomAccessCollection {
        let kept: [Kept]
        let build: (Kept) -> Mismatch
        public var startIndex: Int { 0 }
        public var endIndex: Int { kept.count }
        /// The mismatch `i`, in element order.
        public subscript(i: Int) -> Mismatch { build(kept[i]) }
    }

    struct Kept: Sendable {
        let position: Int
        let claim: Claim
        let expected: UInt32
        let causes: CauseSet
    }

    /// As ``verify(_:against:logicalIndex:progress:)``, but the report's ``VerifyReport/mismatches``
    /// is empty and the first ``maxMismatches`` come as a collection that builds each when read:
    /// write them with ``VerifyReport/writeText(mismatches:moreHint:exactDecimals:to:)`` or
    /// ``VerifyReport/writeJSON(mismatches:to:)`` so that memory stays bounded however many are
    /// asked for (a few bytes per mismatch kept, never more than the input's elements).
    public func verifyWithLazyDetails(_ input: VerifyInput, against claims: ClaimedArray, logicalIndex: ((Int) -> [Int])? = nil,
                                      progress: ((Phase, Int, Int) -> Void)? = nil) throws -> (VerifyReport, LazyMismatches) {
        let f = format, n = input.count
        if case .binary(let a) = input, !a.elementType.isFloatingPoint {
            throw VerifyError("the input holds \(a.elementType.numpyName); verify needs the float values that were quantized")
        }
        if case .array(let r)? = random {
            guard [.uint8, .uint16, .uint32].contains(r.elementType) else {
                throw VerifyError("the random values must be uint8, uint16 or uint32, not \(r.elementType.numpyName)")
            }
            guard r.count == n else { throw VerifyError("the random values hold \(r.count) elements but the input has \(n)") }
        }
        if let system {
            guard case .binary(let a) = input, let source = a.elementType.floatSource else {
                throw VerifyError("profile \(system.profile.name) converts typed values; the input holds exact decimals")
            }
            try system.check(source: source)
        }
        let diagnoser = Diagnoser(format: f, saturation: saturation, nanAny: nanAny)
        // Every mismatch's set of true causes, counted by set; the first mismatches kept in detail.
        var setCounts: [CauseSet: Int] = [:]
        var mismatching = 0
        var kept: [Kept] = []
        var chunkClaims: [ClaimCode] = []
        var expected = [UInt16](repeating: 0, count: min(chunkElements, n))
        for start in stride(from: 0, to: n, by: chunkElements) {
            let range = start..<min(start + chunkElements, n)
            computeExpected(input, range, into: &expected)
            claims.codes(range, into: &chunkClaims)
            for k in 0..<range.count {
                let want = UInt32(expected[k])
                let c = chunkClaims[k]
                if c.raw == want { continue }
                let p = start + k
                let claim: Claim
                if c == .nan {
                    if f.classify(want) == .nan { continue }
                    claim = .nanValue
                } else if c == .notACode {
                    claim = claims.claim(at: p)
                } else {
                    if diagnoser.same(c.raw, want) { continue }
                    claim = .code(c.raw)
                }
                let causes = self.causes(of: claim, ReferenceInput(input, p), expected: want, mode: elementMode(p), diagnoser)
                setCounts[causes, default: 0] += 1
                mismatching += 1
                if kept.count < maxMismatches { kept.append(Kept(position: p, claim: claim, expected: want, causes: causes)) }
            }
            progress?(.checking, range.upperBound, n)
        }
        // Whole-array hypotheses, in a second pass, only when something differs.
        var hypotheses: HypothesisCounter? = nil
        if mismatching > 0, case .binary(let a) = input {
            var counter = HypothesisCounter(f, rounding: rounding, saturation: saturation, source: a.elementType, nanAny: nanAny,
                                            excluding: system)
            for start in stride(from: 0, to: n, by: chunkElements) {
                let range = start..<min(start + chunkElements, n)
                claims.codes(range, into: &chunkClaims)
                a.withElements(range) { raw in counter.add(raw, type: a.elementType, claims: chunkClaims, threads: threads) }
                progress?(.otherBehaviours, range.upperBound, n)
            }
            hypotheses = counter
        }
        let order = chooseExplanations(setCounts) { cause in
            guard let h = hypotheses, let d = h.disagreements(for: cause, rounding: rounding, saturation: saturation) else { return 0 }
            // Elements the hypothesis contradicts that the reference gets right.
            let covered = setCounts.filter { $0.key.contains(cause) }.map(\.value).reduce(0, +)
            return max(0, d - (mismatching - covered))
        }
        var explanations = order.map { VerifyReport.Explanation(cause: $0.cause, count: $0.count) }
        let unexplained = mismatching - order.map(\.count).reduce(0, +)
        if unexplained > 0 { explanations.append(.init(cause: .wrongCode(distance: nil), count: unexplained)) }
        let others = hypotheses.map { h in
            zip(h.hypotheses, h.disagreements).map { VerifyReport.OtherBehaviour(hypothesis: $0, disagreements: $1) }
                .enumerated().sorted { ($0.element.disagreements, $0.offset) < ($1.element.disagreements, $1.offset) }.map(\.element)
        } ?? []
        let verifier = self
        let details = LazyMismatches(kept: kept) { m in
            verifier.mismatch(m.position, input, m.claim, m.expected, explanation(of: m.causes, order: order),
                              logicalIndex, diagnoser)
        }
        let report = VerifyReport(format: f.name, rounding: rounding, saturation: saturation, profile: profile?.name ?? system?.profile.name, nanAny: nanAny,
                                  input: nil, claimed: nil, claimedAs: claims.kind, checked: n, mismatching: mismatching,
                                  explanations: explanations, otherBehaviours: others, mismatches: [])
        return (report, details)
    }

    /// The rounding mode of element `p`: the mode itself, or for a stochastic mode the mode with R_p.
    func elementMode(_ p: Int) -> RoundingMode {
        guard rounding.isStochastic, let random else { return rounding }
        return rounding.withRandom(random.value(p, bits: rounding.randomBits))
    }

    /// The reference codes of elements `range`.
    func computeExpected(_ input: VerifyInput, _ range: Range<Int>, into out: inout [UInt16]) {
        switch input {
        case .binary(let a):
            let source = rounding.isStochastic
                ? RandomSource.values(range.map { UInt32(truncatingIfNeeded: elementMode($0).randomValue) }) : nil
            out.withUnsafeMutableBufferPointer { buffer in
                a.withElements(range) { raw in
                    if let system, let type = a.elementType.floatSource {
                        // Checked in verifyWithLazyDetails: the call takes this source type.
                        try! system.encode(raw: raw, as: type, count: range.count,
                                           into: UnsafeMutableBufferPointer(rebasing: buffer[0..<range.count]), threads: threads)
                        return
                    }
                    format.encode(elementsOf: a.elementType, raw, count: range.count,
                                  into: UnsafeMutableBufferPointer(rebasing: buffer[0..<range.count]),
                                  rounding: rounding, saturation: saturation, random: source, threads: threads)
                }
            }
        case .exact(let values):
            for p in range {
                let x = values[p]
                out[p - range.lowerBound] = UInt16(Oracle.Bracket(x.value, format).code(
                    rounding: elementMode(p), saturation: saturation))
            }
        }
    }

    /// The candidate causes true of a mismatching claim.
    func causes(of claim: Claim, _ x: ReferenceInput, expected: UInt32, mode: RoundingMode, _ diagnoser: Diagnoser) -> CauseSet {
        switch claim {
        case .code(let c): return diagnoser.candidates(x, claim: c, expected: expected, mode: mode)
        case .nanValue:
            // A NaN value stands for any NaN code of the format.
            guard format.hasNaN else { return CauseSet(.nanMapping(.nanProducedOrLost)) }
            return Diagnoser(format: format, saturation: saturation, nanAny: true)
                .candidates(x, claim: format.nanCode(negative: x.exact.isNegativeNaN), expected: expected, mode: mode)
        case .notRepresentable: return CauseSet(.notRepresentable)
        }
    }

    /// A kept mismatch in detail.
    func mismatch(_ p: Int, _ input: VerifyInput, _ claim: Claim, _ expected: UInt32, _ choice: Cause?,
                  _ logicalIndex: ((Int) -> [Int])?, _ diagnoser: Diagnoser) -> Mismatch {
        let f = format
        let x = ReferenceInput(input, p)
        let mode = elementMode(p)
        let diagnosis: Diagnosis
        let claimed: ClaimedElement
        switch claim {
        case .code(let c):
            diagnosis = diagnoser.diagnosis(choice, x, claim: c, expected: expected, mode: mode)
            claimed = .code(describe(c))
        case .nanValue:
            diagnosis = f.hasNaN
                ? Diagnoser(format: f, saturation: saturation, nanAny: true)
                    .diagnosis(choice, x, claim: f.nanCode(negative: x.exact.isNegativeNaN), expected: expected, mode: mode)
                : Diagnosis(cause: .nanMapping(.nanProducedOrLost), detail: "the claimed value is NaN, which \(f.name) cannot "
                            + "hold; the reference gives \(diagnoser.describe(expected))")
            claimed = .nanValue
        case .notRepresentable(let text):
            diagnosis = Diagnosis(cause: .notRepresentable, detail: "the claim \(text) is not a value of \(f.name)")
            claimed = .notRepresentable(text)
        }
        var bits: String? = nil, text: String? = nil, line: Int? = nil
        switch input {
        case .binary(let a): bits = a.elementType.hexBits(a.elementBits(at: p))
        case .exact(let values): text = values[p].text; line = values[p].line
        }
        let neighbours = Oracle.Bracket(x.exact, f).neighbours.map {
            Neighbours(lo: $0.lo.description, hi: $0.hi.description, midpoint: $0.midpoint.description)
        }
        return Mismatch(index: p, multiIndex: logicalIndex?(p) ?? [p], inputBits: bits, inputText: text, inputLine: line,
                        input: x.exact.description, claimed: claimed, expected: describe(expected), neighbours: neighbours,
                        diagnosis: diagnosis)
    }

    /// A code with its exact value and class.
    func describe(_ c: UInt32) -> CodeDescription {
        CodeDescription(code: format.hexCode(c), value: Oracle.decode(c, in: format).description,
                        codeClass: format.classify(c).shortName)
    }
}
