import Foundation
import Minifloat
import MinifloatIO
import MinifloatOracle
import MinifloatVerify
import Testing

/// Block verification called on arrays in memory. The claims are built with the exact oracle
/// (`BlockOracle`) under other rules, so every expected count comes from the oracle.
@Suite("BlockVerifier")
struct BlockVerifierTests {
    /// 4 x 64 multiples of 1/4 (times 1 to 8), blocks of 32 along the last axis.
    static let values: [Float] = (0..<256).map { i in
        let r = RandomSource.splitMix64(seed: 17, index: UInt64(i))
        return Float(Int(r % 33) - 16) / 4 * Float(1 << (r >> 60 & 3))  // many E2M1 ties under power-of-two scales
    }

    /// The oracle's codes for `values` under `encoding`.
    static func oracleCodes(_ f: BlockFormat, _ encoding: BlockEncoding, layout: BlockLayout) -> (scales: [UInt8], elements: [UInt8]) {
        BlockOracle.encode(values.map { ExactValue($0) }, layout: layout, format: f,
                           encoding: encoding, tensorScale: Rational(1), random: nil)
    }

    /// The streamed report (details built one at a time) is the report built whole, as JSON and text.
    @Test func streamedReportsEqualWholeOnes() throws {
        let f = BlockFormat.mxfp4
        let data = BlockArray(values: .float(Self.values), shape: [4, 64], typeName: "float32")
        let layout = data.layout(axis: 1, blockSize: f.blockSize)
        var claimedEncoding = BlockEncoding(for: f)
        claimedEncoding.scaleRule = .ceil
        let claimed = Self.oracleCodes(f, claimedEncoding, layout: layout)
        let verifier = BlockVerifier(format: f, encoding: BlockEncoding(for: f), data: data, axis: 1, tensorScale: nil, seed: nil, threads: 1)
        for maxMismatches in [0, 2, 1000] {
            let whole = verifier.verify(claimedScales: claimed.scales, claimedElements: claimed.elements, packed: false,
                                        maxMismatches: maxMismatches)
            let (head, details) = verifier.verifyWithLazyDetails(claimedScales: claimed.scales, claimedElements: claimed.elements,
                                                                 packed: false, maxMismatches: maxMismatches)
            #expect(head.mismatches.isEmpty && details.count == whole.mismatches.count && (maxMismatches == 0 || details.count > 0))
            var json = ""
            try head.writeJSON(mismatches: details) { json += $0 }
            #expect(json == (try JSON.encode(whole).text))
            var lines: [String] = []
            head.writeText(mismatches: details) { lines.append($0) }
            #expect(lines == whole.textLines)
        }
    }

    @Test func otherScaleRuleAndTieRuleAreNamed() throws {
        let f = BlockFormat.mxfp4
        let data = BlockArray(values: .float(Self.values), shape: [4, 64], typeName: "float32")
        let layout = data.layout(axis: 1, blockSize: f.blockSize)
        let reference = BlockEncoding(for: f)
        var claimedEncoding = reference
        claimedEncoding.scaleRule = .ceil
        claimedEncoding.rounding = .nearestTiesToAway
        let claimed = Self.oracleCodes(f, claimedEncoding, layout: layout)
        let verifier = BlockVerifier(format: f, encoding: reference, data: data, axis: 1, tensorScale: nil, seed: nil, threads: 1)
        let report = verifier.verify(claimedScales: claimed.scales, claimedElements: claimed.elements, packed: false, maxMismatches: 1000)
        // Scales: the oracle says which blocks floor and ceil disagree on.
        let floorScales = Self.oracleCodes(f, reference, layout: layout).scales
        let differingScales = zip(floorScales, claimed.scales).filter { $0 != $1 }.count
        #expect(differingScales > 0 && report.scales.mismatching == differingScales)
        #expect(report.scales.matchesRules.first == "ceil")
        // Elements, under the claimed (ceil) scales: RNA against RNE, element by element by the oracle.
        var underClaimedScales = reference
        underClaimedScales.scaleRule = .ceil
        let rne = Self.oracleCodes(f, underClaimedScales, layout: layout).elements
        let differingElements = zip(rne, claimed.elements).filter { $0 != $1 }.count
        #expect(differingElements > 0 && report.elements.mismatching == differingElements)
        #expect(report.elements.explanations == [.init(cause: .tieBreak(matches: .nearestTiesToAway), count: differingElements)])
        #expect(report.elements.matchesBehaviours.first == "rna satfinite")
        #expect(report.mismatching == differingScales + differingElements)
        #expect(report.mismatches.count == differingScales + differingElements)
        // The JSON names the same, and decodes back.
        let json = try JSON.encode(report)
        #expect(json["scales"]?["matches_rules"]?.arrayValue?.first == .string("ceil"))
        let decoded = try JSONDecoder().decode(BlockVerifyReport.self, from: Data(json.text.utf8))
        #expect(decoded.elements.explanations == report.elements.explanations && decoded.scales.matchesRules == ["ceil"])
        #expect(decoded.mismatches == report.mismatches.map { m in
            // Decoding keeps what the JSON holds; the printed forms come back as the codes.
            switch m {
            case .scale(var s):
                s.elementCount = 0; s.hasSpecials = false; s.claimedText = s.claimed; s.expectedText = s.expected
                return .scale(s)
            case .element(var e):
                e.scaleText = e.scale; e.claimedText = e.claimed; e.expectedText = e.expected; e.rounding = .nearestTiesToEven
                return .element(e)
            }
        })
    }

    @Test func correctClaimsPassAndNaNScalesSkipTheirBlock() throws {
        let f = BlockFormat.mxfp8e4m3
        let data = BlockArray(values: .float(Self.values), shape: [4, 64], typeName: "float32")
        let layout = data.layout(axis: 1, blockSize: f.blockSize)
        let encoding = BlockEncoding(for: f)
        var claimed = Self.oracleCodes(f, encoding, layout: layout)
        let verifier = BlockVerifier(format: f, encoding: encoding, data: data, axis: 1, tensorScale: nil, seed: nil, threads: 1)
        let clean = verifier.verify(claimedScales: claimed.scales, claimedElements: claimed.elements, packed: false, maxMismatches: 10)
        #expect(clean.mismatching == 0 && clean.elements.checked == 256 && clean.text.contains("0 differ"))
        // A NaN scale for block 2: one scale mismatch (nan-scale), its 32 elements not checked.
        claimed.scales[2] = 0xFF
        let r = verifier.verify(claimedScales: claimed.scales, claimedElements: claimed.elements, packed: false, maxMismatches: 10)
        #expect(r.scales.mismatching == 1 && r.elements.notCheckedNaNScale == 32 && r.elements.mismatching == 0)
        guard case .scale(let s)? = r.mismatches.first else { Issue.record("no scale mismatch"); return }
        #expect(s.cause == .nanScale && s.block == 2 && s.multiIndex == [1, 0])
    }
}
