import Foundation
import LLMFP4
import Minifloat
import MinifloatIO
import MinifloatOracle
import Testing

@Suite("LLM-FP4: search and command line")
struct LLMFP4SearchTests {
    @Test func grids() {
        let paper = FPQSearch.Grid.paper.gammas, corrected = FPQSearch.Grid.corrected.gammas
        #expect(paper.count == 100 && paper.first == 0.01 && abs(paper.last! - 1.1881) < 1e-12)
        #expect(!paper.contains { abs($0 - 1) < 1e-12 || abs($0 - 1.2) < 1e-12 })       // the code never tries MinMax or 1.2
        #expect(corrected.contains(1.0) && corrected.contains { abs($0 - 1.2) < 1e-12 } && corrected.count == 102)
        #expect(FPQSearch.FormatChoice.candidates(bits: 4).map(\.description) == ["E3M0", "E2M1", "E1M2"])
        #expect(FPQSearch.FormatChoice.candidates(bits: 8).map(\.description) == ["E5M2", "E4M3", "E3M4", "E2M5", "E1M6"])
    }

    /// Each step keeps the current choice among its candidates, so the output MSE never rises from
    /// round to round; with gamma = 1 on the grid the search can never end worse than MinMax.
    @Test(arguments: [UInt64(1), 2, 3])
    func searchNeverWorsens(seed: UInt64) {
        let data = SyntheticLayer(seed: seed, tokens: 24, channels: 12, outputs: 6)
        let x = data.activations, w = data.weights
        let e2m1 = FPQSearch.FormatChoice(exponentBits: 2, mantissaBits: 1)
        for granularity in [FPQSearch.ActivationGranularity.perTensor, .perChannel(.code), .perChannel(.paper)] {
            let minMax = FPQSearch.minMax(activations: x, weights: w, format: e2m1, activation: granularity)
            for grid in FPQSearch.Grid.allCases {
                let r = FPQSearch.run(activations: x, weights: w, grid: grid, activation: granularity, rounds: 3, formats: [e2m1])
                #expect(zip(r.roundMSE, r.roundMSE.dropFirst()).allSatisfy { $1 <= $0 }, "\(grid) \(r.roundMSE)")
                if grid == .corrected { #expect(r.outputMSE <= minMax.outputMSE) }
                if granularity != .perTensor { #expect(r.offsets.allSatisfy { (0...3).contains($0) } && r.offsets.count == 12) }
                // The reported MSE is the MSE of the reported quantizers.
                let biases = granularity == .perTensor ? Array(repeating: r.activationBias, count: 12)
                    : FPQSearch.channelBiases(rho: r.activationBias, offsets: r.offsets)
                let again = FPQSearch.quantizeActivations(x, r.activationFormat, channelBiases: biases)
                    .times(FPQSearch.quantizeWeights(w, r.weightFormat, biases: r.weightBiases)).mse(x.times(w))
                #expect(again == r.outputMSE)
            }
        }
        // With the format search on, formats come from the candidates.
        let r = FPQSearch.run(activations: x, weights: w, bits: 4, rounds: 1)
        #expect(FPQSearch.FormatChoice.candidates(bits: 4).contains(r.weightFormat))
    }

    /// Each weight column's chosen bias is the best candidate for that column (columns are independent).
    /// The sweeps run on several threads and are compared in gamma order: the same result, bit for
    /// bit, for 1, 2 and 5 threads, per tensor and per channel; progress reaches every sweep.
    @Test func threadsDoNotChangeTheResult() {
        let data = SyntheticLayer(seed: 4, tokens: 20, channels: 10, outputs: 7)
        for granularity in [FPQSearch.ActivationGranularity.perTensor, .perChannel(.code)] {
            var messages: [String] = []
            let one = FPQSearch.run(activations: data.activations, weights: data.weights, activation: granularity, rounds: 2,
                                    threads: 1, progress: { messages.append($0) })
            #expect(messages.contains { $0.hasPrefix("round 2: activations") && $0.hasSuffix("/100") })
            for threads in [2, 5] {
                let r = FPQSearch.run(activations: data.activations, weights: data.weights, activation: granularity, rounds: 2,
                                      threads: threads)
                #expect(r.weightFormat == one.weightFormat && r.activationFormat == one.activationFormat)
                #expect(r.weightBiases.map(\.bitPattern) == one.weightBiases.map(\.bitPattern))
                #expect(r.activationBias.bitPattern == one.activationBias.bitPattern && r.offsets == one.offsets)
                #expect(r.roundMSE.map(\.bitPattern) == one.roundMSE.map(\.bitPattern))
            }
        }
    }

    @Test func weightColumnsAreChosenIndependently() {
        let data = SyntheticLayer(seed: 9, tokens: 16, channels: 8, outputs: 5)
        let x = data.activations, w = data.weights
        let e2m1 = FPQSearch.FormatChoice(exponentBits: 2, mantissaBits: 1)
        let r = FPQSearch.run(activations: x, weights: w, grid: .corrected, rounds: 1, formats: [e2m1])
        // In round 1 the weights were searched with MinMax activations (gamma = 1 per tensor).
        let a = FPQuantizer.bias(maxValue: x.maxAbs, exponentBits: 2, mantissaBits: 1)
        let xq = FPQSearch.quantizeActivations(x, e2m1, channelBiases: Array(repeating: a, count: 8))
        let reference = x.times(w)
        let chosen = xq.times(FPQSearch.quantizeWeights(w, e2m1, biases: r.weightBiases)).columnMSE(reference)
        for k in 0..<5 {
            let start = FPQuantizer.bias(maxValue: w.columnMaxAbs(k), exponentBits: 2, mantissaBits: 1)
            for g in FPQSearch.Grid.corrected.gammas {
                var biases = r.weightBiases
                biases[k] = g * start
                let e = xq.times(FPQSearch.quantizeWeights(w, e2m1, biases: biases)).columnMSE(reference)
                #expect(e[k] >= chosen[k])
            }
        }
    }

    @Test func commandLine() throws {
        // fpq quantize: the paper's E2M1 b = 1 answers (docs/llm-fp4.md), and the exact form's code.
        let q = try runMinifloat(["fpq", "quantize", "--format", "e2m1", "--bias", "1", "2.5", "0.25", "-5", "--json"])
        #expect(q.status == 0, "\(q.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(q.stdout.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["paper"] as? String } == ["2", "0", "-4"] && rows.map { $0["exact"] as? String } == ["2", "0", "-4"])
        #expect(rows.map { $0["code"] as? String } == ["0x04", "0x00", "0x0e"])
        // fpq fold on a small layer: files written, folding exact.
        let data = SyntheticLayer(seed: 5, tokens: 8, channels: 6, outputs: 3)
        let xPath = try writeNpy(data.activations.values, .float64, shape: [8, 6])
        let wPath = try writeNpy(data.weights.values.map { Float($0) }, .float32, shape: [6, 3])
        let dir = NSTemporaryDirectory() + "minifloat-fold-\(UUID().uuidString)"
        defer { for p in [xPath, wPath, dir] { try? FileManager.default.removeItem(atPath: p) } }
        let f = try runMinifloat(["fpq", "fold", "--weights", wPath, "--activations", xPath, "--out", dir, "--format", "e2m1", "--rounds", "1"])
        #expect(f.status == 0, "\(f.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/summary.json"))) as? [String: Any])
        #expect(summary["folded_equals_unfolded"] as? Bool == true && summary["outputs_compared"] as? Int == 24)
        let codes = try ArrayInput(path: dir + "/weight_codes.npy")
        #expect(codes.shape == [6, 3] && codes.elementType == .uint8)
        let offsets = try ArrayInput(path: dir + "/offsets.npy")
        #expect(offsets.shape == [6] && offsets.elementType == .int8 && (0..<6).allSatisfy { offsets.bits(at: $0) <= 3 })
        // search --json and the demo.
        let s = try runMinifloat(["fpq", "search", "--weights", wPath, "--activations", xPath, "--rounds", "1", "--json"])
        #expect(s.status == 0 && s.stdout.contains("\"weight_format\""), "\(s.stderr)")
        let d = try runMinifloat(["fpq", "demo", "--tokens", "16", "--channels", "8", "--outputs", "4", "--json"])
        #expect(d.status == 0 && d.stdout.contains("\"folded_equals_unfolded\":true"), "\(d.stderr) \(d.stdout)")
        // Bad input: one line, exit 2.
        let oneD = try writeNpy([Float(1), 2], .float32)
        defer { try? FileManager.default.removeItem(atPath: oneD) }
        let bad: [([String], String)] = [
            (["fpq", "quantize", "--format", "e2m1", "1"], "--bias B or --maxval M"),
            (["fpq", "quantize", "--format", "e2m1", "--bias", "1", "--maxval", "2", "1"], "one of them"),
            (["fpq", "quantize", "--format", "e0m3", "--bias", "1", "1"], "unknown LLM-FP4 format"),
            (["fpq", "quantize", "--format", "e2m1", "--maxval=-1", "1"], "positive"),
            (["fpq", "quantize", "--format", "e2m1", "--bias", "1", "nan"], "finite values"),
            (["fpq", "search", "--weights", wPath, "--activations", wPath], "transpose"),
            (["fpq", "search", "--weights", oneD, "--activations", xPath], "2-D"),
            (["fpq", "search", "--weights", wPath, "--activations", xPath, "--bits", "9"], "--bits"),
            (["fpq", "search", "--weights", wPath, "--activations", xPath, "--grid", "fine"], "unknown --grid"),
            (["fpq", "fold", "--weights", wPath, "--activations", xPath, "--out", "/nonexistent/dir/x"], "cannot create"),
            (["fpq", "fold", "--weights", wPath, "--activations", xPath, "--out", dir, "--format", "e4m3"], "bits"),
        ]
        for (arguments, expected) in bad {
            let r = try runMinifloat(arguments)
            #expect(r.status == 2 && r.stderr.contains(expected) && r.stderr.split(separator: "\n").count == 1, "\(arguments): \(r.stderr)")
        }
    }
}
