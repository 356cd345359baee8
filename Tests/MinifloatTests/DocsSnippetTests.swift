import Foundation
import Minifloat
import MinifloatIO
import MinifloatOracle
import MinifloatVerify
import Testing

/// Every Swift snippet of README.md, docs/*.md and the modules' READMEs and DocC landing pages is
/// compiled and run here, verbatim (less its `import` lines, which are at the top of this file),
/// and the values its comments claim are checked against the oracle or the specification's tables.
/// `snippetsAreTheseTests` fails when a document's snippet is not, line for line, in this file.
@Suite("Docs snippets")
struct DocsSnippetTests {
    // README.md, "The API".
    @Test func scalarAPI() throws {
        let f = Format.e4m3fn                        // or try Format.named("float8_e4m3fn")
        let code = f.encode(464.0)                   // 0x7E: ties-to-even, SatNone (the defaults)
        let nan = f.encode(464.0001)                 // 0x7F: overflow gives NaN in E4M3 when not saturating
        let sat = f.encode(1e6, rounding: .nearestTiesToEven, saturation: .satFinite)   // 0x7E = 448
        let x = f.decode(code)                       // 448.0
        let q = Format.e2m1fn.quantize(2.5)          // 2.0 (round to nearest representable, back to Double)
        let sr = f.encode(1.1, rounding: .stochasticA(bits: 8, random: 200))            // deterministic given R
        let custom = try Format.named("e2m1b3")      // LLM-FP4 E2M1 with bias 3, every code finite
        let codes = f.encode([0.1, 0.2, 0.3] as [Float])  // [0x1D, 0x25, 0x2A]

        // OCP OFP8 v1.0 table 2: E4M3 max normal 448 = 0x7E, NaN S.1111.111; 464 is the midpoint
        // of 448 and 480 (not a value: beyond max), which rounds to even 448 = 1.110b * 2^8.
        #expect(code == 0x7E && nan == 0x7F && sat == 0x7E && x == 448 && q == 2.0)
        #expect(sr == oracleCode(1.1, f, .stochasticA(bits: 8, random: 200), .satNone))
        #expect((0...custom.maxCode).allSatisfy { custom.decode($0).isFinite } && custom.bias == 3)
        #expect(codes == [0.1, 0.2, 0.3].map { oracleCode(Double(Float($0)), f, .nearestTiesToEven, .satNone) })
        #expect(codes == [0x1D, 0x25, 0x2A])
    }

    // README.md, "The API": arrays.
    @Test func arrayAPI() throws {
        let f = Format.e4m3fn
        let xs: [Float] = [0.1, -2.5, 464, 1e6]
        let bytes = f.encode(xs, as: UInt8.self, saturation: .satFinite)   // [0x1D, 0xC2, 0x7E, 0x7E], a code per byte
        let fp4 = Format.e2m1fn.encodePacked([0.5, -2.5, 6, 1] as [Float])  // [0xC1, 0x27]: element 2k in the low nibble
        let sr = f.encode(xs, as: UInt8.self, rounding: .stochasticA(bits: 8, random: 0),
                          random: .seed(42))                               // R_i: word i of SplitMix64(seed)
        let back = f.decode(bytes, as: Float.self)                         // [0.1015625, -2.5, 448, 448]
        // Buffers: f.encode(UnsafeBufferPointer<Float>, into: UnsafeMutableBufferPointer<UInt8>, ...) and
        // the same for Double, Float16 and BFloat16 sources, decode into Float or Double buffers.

        #expect(bytes == [0x1D, 0xC2, 0x7E, 0x7E]
                && bytes == xs.map { UInt8(oracleCode(Double($0), f, .nearestTiesToEven, .satFinite)) })
        // E2M1 (OCP MX v1.0 table 5): 0.5 = 0x1, -2.5 ties to even -2 = 0xC, 6 = 0x7, 1 = 0x2.
        #expect(fp4 == [0xC1, 0x27])
        for (i, x) in xs.enumerated() {
            let r = seededRandom(seed: 42, index: i, bits: 8)
            #expect(UInt32(sr[i]) == oracleCode(Double(x), f, .stochasticA(bits: 8, random: r), .satNone), "element \(i)")
        }
        #expect(back == [0.1015625, -2.5, 448, 448])
    }

    // README.md, "The API": the oracle.
    @Test func oracleAPI() throws {
        let v = try ExactValue(parsing: "0.1")       // exactly 1/10
        let c = Oracle.round(v, to: .e4m3fn, rounding: .nearestTiesToEven, saturation: .satNone)
        print(Oracle.decode(c, in: .e4m3fn))         // 0.1015625

        // 0.1 lies between 0.09375 (0x1C) and 0.1015625 (0x1D) = 13 * 2^-7, nearer the second.
        #expect(v == ExactValue(Rational(1, 10)) && c == 0x1D && Oracle.decode(c, in: .e4m3fn).description == "0.1015625")
    }

    // README.md, "Validating another quantizer", and Sources/MinifloatVerify/README.md.
    @Test func verifyAPI() throws {
        let xs: [Float] = [2.125, 0.1, -2.125]
        let claims: [UInt8] = [0x41, 0x1D, 0xC1]          // what some E4M3 quantizer produced
        let report = try Verifier(format: .e4m3fn)        // RNE, SatNone; or Verifier(format:behaviour:)
            .verify(.binary(ElementArray(xs)), against: ClaimedArray(codes: ElementArray(claims), format: .e4m3fn))
        let count = report.mismatching                    // 2
        let causes = report.explanations.map(\.cause)     // [.tieBreak(matches: .nearestTiesToAway)]
        let closest = report.exactBehaviours.first?.label // "rna satnone"
        let text = report.text                            // what `minifloat verify` prints
        let json = try JSON.encode(report).text           // the `--report` JSON

        #expect(count == 2 && causes == [.tieBreak(matches: .nearestTiesToAway)] && closest == "rna satnone")
        // By the oracle: 2.125 is the midpoint of 2 (0x40, even) and 2.25 (0x41); 0.1 rounds to 0x1d.
        for (x, claim) in zip(xs, claims) {
            #expect(oracleCode(Double(x), .e4m3fn, .nearestTiesToAway, .satNone) == UInt32(claim))
        }
        #expect(oracleCode(2.125, .e4m3fn, .nearestTiesToEven, .satNone) == 0x40)
        #expect(text.hasPrefix("verify e4m3fn rne satnone: claimed as codes\nchecked 3, matching 1, mismatching 2\n"))
        #expect(json.contains("\"mismatching\":2"))
    }

    // README.md, "Block formats".
    @Test func blockAPI() throws {
        let f = BlockFormat.mxfp4
        let rows = 2
        let xs: [Float] = (0..<rows * 4096).map { Float($0 % 97) / 8 - 6 }
        let layout = BlockLayout(shape: [rows, 4096], axis: -1, blockSize: f.blockSize)
        let codes = f.encode(xs, layout: layout, encoding: BlockEncoding(for: f, scaleRule: .ceil))
        // codes.scales: 256 E8M0 codes, one per block of 32; codes.elements: 8192 E2M1 codes
        let back = f.decode(codes, layout: layout, as: Float.self)  // each x rounded to its block's grid

        #expect(codes.scales.count == 256 && codes.elements.count == 8192)
        let exact = BlockOracle.encode(xs.map { ExactValue(Double($0)) }, layout: layout, format: f,
                                       encoding: BlockEncoding(for: f, scaleRule: .ceil), tensorScale: Rational(1), random: nil)
        #expect(codes.scales == exact.scales && codes.elements == exact.elements)
        for i in stride(from: 0, to: xs.count, by: 61) {
            let b = i / 32
            let want = BlockOracle.decode(element: UInt32(exact.elements[i]), scale: UInt32(exact.scales[b]), format: f,
                                          tensorScale: Rational(1))
            #expect(ExactValue(Double(back[i])) == want, "element \(i)")
        }
    }

    // docs/block-formats.md, "Files".
    @Test func blockFormatsDocAPI() throws {
        let f = BlockFormat.mxfp4
        let values: [Float] = [18, 1, -2.5, 0.2] + [Float](repeating: 0.5, count: 8 * 64 - 4)
        let layout = BlockLayout(shape: [8, 64], axis: -1, blockSize: f.blockSize)
        let codes = f.encode(values, layout: layout, encoding: BlockEncoding(for: f, scaleRule: .ceil))
        // codes.scales[0] == 0x81: 2^ceil(log2(18 / 6)) = 4, as in the worked example above
        let back = f.decode(codes, layout: layout, as: Float.self)  // back[0..<4] == [16, 0, -2, 0]

        // OCP MX v1.0 E8M0: code 127 + k is 2^k. x / 4: 4.5 ties to even 4, 0.25 ties to 0,
        // -0.625 rounds to -0.5, 0.05 to 0 (E2M1 values 0, 0.5, 1, 1.5, 2, 3, 4, 6).
        #expect(codes.scales[0] == 0x81 && Array(back[0..<4]) == [16, 0, -2, 0])
    }

    /// Each ```swift block of the documents, less its imports, appears line for line in this file.
    @Test func snippetsAreTheseTests() throws {
        let root = DocsTranscriptTests.root
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("        ") ? String($0.dropFirst(8)) : String($0) }
        let docs = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.map { "docs/" + $0 }
        // Each module's README and its DocC catalog's landing page.
        let modules = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Sources").path)
            .flatMap { ["Sources/\($0)/README.md", "Sources/\($0)/\($0).docc/\($0).md"] }
            .filter { FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path) }
        var found = 0
        for file in ["README.md"] + docs.sorted() + modules.sorted() {
            let lines = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
                .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            var i = 0
            while i < lines.count {
                guard lines[i] == "```swift" else { i += 1; continue }
                let start = i + 1
                var j = start
                while j < lines.count, !lines[j].hasPrefix("```") { j += 1 }
                var body = Array(lines[start..<j]).filter { !$0.hasPrefix("import ") }
                while body.first == "" { body.removeFirst() }
                found += 1
                let present = (0...max(0, source.count - body.count)).contains { k in Array(source[k..<(k + body.count)]) == body }
                #expect(present, "\(file):\(start): this snippet is not in DocsSnippetTests.swift (copy it there and check its claims)")
                i = j + 1
            }
        }
        #expect(found >= 9, "found \(found) Swift snippets")
    }
}
