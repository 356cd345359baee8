import Foundation
import FuzzChecks
import Minifloat
import Testing

/// The fuzz targets' properties as ordinary tests: every committed corpus input, then seeded random
/// byte strings, through the same check functions (Fuzz/Checks). `swift test` covers them without
/// libFuzzer; Fuzz/run.sh explores further.
@Suite("Fuzz properties")
struct FuzzReplayTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test(arguments: [("differential", 20_000), ("roundtrip", 20_000), ("parsers", 3_000), ("llmfp4", 5_000), ("folding", 1_000), ("blocks", 2_000)])
    func replay(target: String, randomCount: Int) throws {
        let check = try #require(FuzzChecks.all.first { $0.name == target }).check
        let directory = Self.root.appendingPathComponent("Fuzz/corpus/\(target)")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(!files.isEmpty)
        for file in files {
            let bytes = try [UInt8](Data(contentsOf: directory.appendingPathComponent(file)))
            let failure = bytes.withUnsafeBytes { check($0) }
            #expect(failure == nil, "\(target) corpus \(file): \(failure ?? "")")
        }
        var state: UInt64 = 0xF022 ^ UInt64(target.count)
        for i in 0..<randomCount {
            let length = [0, 1, 5, 13, 24, 40, 67][i % 7]
            let bytes = (0..<length).map { k -> UInt8 in
                state &+= 1
                return UInt8(truncatingIfNeeded: RandomSource.splitMix64(seed: state, index: UInt64(k)))
            }
            let failure = bytes.withUnsafeBytes { check($0) }
            #expect(failure == nil, "\(target) random input \(bytes): \(failure ?? "")")
            if failure != nil { break }
        }
    }

    /// The finding that started Fuzz/: a newline in user text used to split the error over lines.
    @Test func errorsStayOnOneLine() throws {
        for arguments in [["quantize", "e4m3fn", "1\n2"], ["quantize", "e4\nm3", "1"], ["decode", "e4m3fn", "0x\n7"],
                          ["quantize", String(repeating: "x", count: 5000), "1"]] {
            let r = try runMinifloat(arguments)
            #expect(r.status == 2 && r.stderr.split(separator: "\n").count == 1 && r.stderr.count < 400, "\(r.stderr)")
        }
    }
}
