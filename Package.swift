// swift-tools-version: 6.0
import Foundation
import PackageDescription

let package = Package(
    name: "Minifloat",
    products: [
        .library(name: "Minifloat", targets: ["Minifloat"]),
        .library(name: "MinifloatOracle", targets: ["MinifloatOracle"]),
        .library(name: "LLMFP4", targets: ["LLMFP4"]),
        .library(name: "MinifloatVerify", targets: ["MinifloatVerify"]),
        .executable(name: "minifloat", targets: ["MinifloatCLI"]),
        // The C library: include/minifloat.h (in Sources/MinifloatC/include), libMinifloatC.so.
        .library(name: "MinifloatC", type: .dynamic, targets: ["MinifloatC"]),
        // Verification from C: include/minifloat_verify.h, libMinifloatVerifyC.so (links GMP).
        .library(name: "MinifloatVerifyC", type: .dynamic, targets: ["MinifloatVerifyC"]),
        // What the Python package (python/) loads: minifloat.h, minifloat_verify.h and its own
        // entry points in one library, built with the Swift runtime linked in (python/README.md).
        .library(name: "MinifloatPython", type: .dynamic, targets: ["MinifloatPython"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        // The core: formats, rounding and saturation modes, the fast codec. No dependencies.
        .target(name: "Minifloat", dependencies: ["CMinifloatKernels"], exclude: ["README.md"]),
        // The core's loops for wider vector units (AVX2, AVX-512), chosen at run time; C with
        // per-function target attributes, so no compiler flags. Internal to the core.
        .target(name: "CMinifloatKernels"),
        // GMP, seen from Swift. Debian: libgmp-dev.
        .systemLibrary(name: "CGMP", pkgConfig: "gmp", providers: [.apt(["libgmp-dev"]), .brew(["gmp"])]),
        // The exact reference: GMP rationals, a plain transcription of the specs.
        // It uses the core's *format descriptions* only, never its rounding code.
        .target(name: "MinifloatOracle", dependencies: ["CGMP", "Minifloat"], exclude: ["README.md"]),
        // LLM-FP4: the paper's quantizer (float and exact), channel offsets, weight folding.
        .target(name: "LLMFP4", dependencies: ["Minifloat", "MinifloatOracle"], exclude: ["README.md"]),
        // The properties the fuzz targets check, also replayed by the tests (Fuzz/README.md).
        .target(name: "FuzzChecks", dependencies: ["Minifloat", "MinifloatOracle", "MinifloatIO", "MinifloatVerify", "LLMFP4"],
                path: "Fuzz/Checks"),
        // Verification: the checker and its typed causes, named behaviours, test vectors.
        .target(name: "MinifloatVerify", dependencies: ["Minifloat", "MinifloatOracle", "MinifloatIO"], exclude: ["README.md"]),
        // The C interface: @_cdecl wrappers over the core, declared in include/minifloat.h.
        .target(name: "MinifloatC", dependencies: ["Minifloat", "MinifloatCSupport"], exclude: ["include", "README.md"]),
        // What the C libraries share: the per-thread last error.
        .target(name: "MinifloatCSupport"),
        // The C interface to verification: minifloat_verify over MinifloatVerify.
        .target(name: "MinifloatVerifyC", dependencies: ["MinifloatVerify", "MinifloatCSupport", "CMinifloatVerify"], exclude: ["README.md"]),
        // The Python package's private C entry points (Sources/MinifloatPython/PythonABI.swift).
        .target(name: "MinifloatPython", dependencies: ["MinifloatC", "MinifloatVerifyC", "CMinifloatVerify", "MinifloatVerify", "MinifloatIO", "MinifloatCSupport"]),
        // minifloat_verify.h (in Sources/CMinifloatVerify/include), so that Swift sees its C types.
        .target(name: "CMinifloatVerify"),
        // Array files: NumPy .npy (versions 1-3), raw binary; memory-mapped input, atomic output.
        .target(name: "MinifloatIO", dependencies: ["Minifloat"], exclude: ["README.md"]),
        // What `minifloat bench` times: the cases, their inputs and the streaming floor.
        .target(name: "MinifloatBenchmarks", dependencies: ["Minifloat", "CMinifloatKernels"], path: "Benchmarks/MinifloatBenchmarks"),
        // The command line: argument parsing, files and printing over the libraries. Product `minifloat`.
        .executableTarget(
            name: "MinifloatCLI",
            dependencies: [
                "Minifloat", "MinifloatOracle", "MinifloatIO", "MinifloatVerify", "LLMFP4", "MinifloatBenchmarks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(
            name: "MinifloatTests",
            dependencies: [
                "Minifloat", "MinifloatOracle", "MinifloatIO", "MinifloatVerify", "LLMFP4", "FuzzChecks", "CMinifloatKernels",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]),
    ]
)

// libFuzzer targets, only when MINIFLOAT_FUZZ is set (they have no main without -sanitize=fuzzer):
// MINIFLOAT_FUZZ=1 swift build -c release --product fuzz-differential --sanitize=fuzzer --scratch-path .build-fuzz
// (Fuzz/run.sh does this).
if ProcessInfo.processInfo.environment["MINIFLOAT_FUZZ"] != nil {
    for name in ["differential", "roundtrip", "parsers", "llmfp4", "folding", "blocks"] {
        package.targets.append(.executableTarget(name: "fuzz-\(name)", dependencies: ["FuzzChecks"], path: "Fuzz/Targets/\(name)"))
        package.products.append(.executable(name: "fuzz-\(name)", targets: ["fuzz-\(name)"]))
    }
}
