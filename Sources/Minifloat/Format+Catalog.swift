/// A named format with the spec it comes from and the names other libraries give it.
public struct CatalogEntry: Sendable {
    /// The format.
    public let format: Format
    /// Names used by ml_dtypes, PyTorch, gfloat, microxcaling, LLVM, OCP and P3109, lowercased.
    public let aliases: [String]
    /// The document (and section) that defines the format.
    public let citation: String
}

extension Format {
    // MARK: OCP OFP8 v1.0 (2023)

    /// OCP FP8 E4M3 ("E4M3FN"): bias 7, no infinity, NaN at S.1111.111, max 448. OCP OFP8 v1.0 section 5.
    public static let e4m3fn = Format("e4m3fn", .signed, e: 4, m: 3, bias: 7, .nanAtAllOnes)
    /// OCP FP8 E5M2: IEEE-style, bias 15, +-Inf at S.11111.00, max 57344. OCP OFP8 v1.0 section 5.
    public static let e5m2 = Format("e5m2", .signed, e: 5, m: 2, bias: 15, .ieee)

    // MARK: FNUZ (Graphcore/AMD; Google)

    /// E4M3FNUZ: bias 8, no infinity, no -0, NaN at 0x80, max 240. arXiv:2206.02915; LLVM Float8E4M3FNUZ.
    public static let e4m3fnuz = Format("e4m3fnuz", .signed, e: 4, m: 3, bias: 8, .nanAtNegativeZero)
    /// E5M2FNUZ: bias 16, no infinity, no -0, NaN at 0x80, max 57344. arXiv:2206.02915; LLVM Float8E5M2FNUZ.
    public static let e5m2fnuz = Format("e5m2fnuz", .signed, e: 5, m: 2, bias: 16, .nanAtNegativeZero)
    /// E4M3B11FNUZ: bias 11, no infinity, no -0, NaN at 0x80, max 30. ml_dtypes float8_e4m3b11fnuz.
    public static let e4m3b11fnuz = Format("e4m3b11fnuz", .signed, e: 4, m: 3, bias: 11, .nanAtNegativeZero)

    // MARK: IEEE-style 8-bit (ml_dtypes, LLVM)

    /// IEEE-style E4M3: bias 7, +-Inf at S.1111.000, NaNs above, max 240. ml_dtypes float8_e4m3.
    public static let e4m3 = Format("e4m3", .signed, e: 4, m: 3, bias: 7, .ieee)
    /// IEEE-style E3M4: bias 3, +-Inf at S.111.0000, NaNs above, max 15.5. ml_dtypes float8_e3m4.
    public static let e3m4 = Format("e3m4", .signed, e: 3, m: 4, bias: 3, .ieee)

    // MARK: OCP MX v1.0 element and scale formats

    /// OCP MX FP6 E2M3: bias 1, every code finite, max 7.5. OCP MX v1.0 section 5.3.
    public static let e2m3fn = Format("e2m3fn", .signed, e: 2, m: 3, bias: 1, .none)
    /// OCP MX FP6 E3M2: bias 3, every code finite, max 28. OCP MX v1.0 section 5.3.
    public static let e3m2fn = Format("e3m2fn", .signed, e: 3, m: 2, bias: 3, .none)
    /// OCP MX FP4 E2M1 (also the NVFP4 element): bias 1, every code finite, values
    /// {0, 0.5, 1, 1.5, 2, 3, 4, 6}. OCP MX v1.0 section 5.3.3.
    public static let e2m1fn = Format("e2m1fn", .signed, e: 2, m: 1, bias: 1, .none)
    /// OCP MX scale E8M0: unsigned powers of two 2^-127 ... 2^127, no zero, NaN at 0xFF.
    /// OCP MX v1.0 section 5.4.1.
    public static let e8m0fnu = Format("e8m0fnu", .unsigned, e: 8, m: 0, bias: 127, .nanAtAllOnes, hasZero: false)
    /// NVFP4 block scale UE4M3: E4M3 without its sign bit (7 bits; cuBLAS ignores the stored sign
    /// bit), bias 7, NaN at 0x7F, max 448. NVIDIA cuBLASLt VEC16_UE4M3.
    public static let ue4m3 = Format("ue4m3", .unsigned, e: 4, m: 3, bias: 7, .nanAtAllOnes)

    // MARK: IEEE 754 interchange formats (self-checks against the hardware)

    /// IEEE 754 binary16 (half). IEEE 754-2019 section 3.6.
    public static let binary16 = Format("binary16", .signed, e: 5, m: 10, bias: 15, .ieee)
    /// bfloat16: binary32's top 16 bits.
    public static let bfloat16 = Format("bfloat16", .signed, e: 8, m: 7, bias: 127, .ieee)
    /// IEEE 754 binary32 (single). IEEE 754-2019 section 3.6.
    public static let binary32 = Format("binary32", .signed, e: 8, m: 23, bias: 127, .ieee)

    // MARK: LLM-FP4 (Liu et al., EMNLP 2023)

    /// LLM-FP4's E2M1 (Eq. 1-4): every code finite; bias 1 by default (values {0, 0.5, ..., 6}).
    /// Any integer bias: ``llmfp4(exponentBits:mantissaBits:bias:)`` or the name `e2m1b<B>`.
    public static let e2m1 = Format("e2m1", .signed, e: 2, m: 1, bias: 1, .none)
    /// LLM-FP4's E3M0: every code finite, bias 3 by default.
    public static let e3m0 = Format("e3m0", .signed, e: 3, m: 0, bias: 3, .none)
    /// LLM-FP4's E1M2: every code finite, bias 0 by default (the IEEE-style bias 2^(E-1) - 1).
    public static let e1m2 = Format("e1m2", .signed, e: 1, m: 2, bias: 0, .none)

    /// An LLM-FP4 format EeMm with any integer bias and no special values (paper Eq. 1 and 4:
    /// every code finite, Qmax = (2 - 2^-m) * 2^(2^e - 1 - b)).
    public static func llmfp4(exponentBits e: Int, mantissaBits m: Int, bias: Int) throws(FormatError) -> Format {
        try Format(name: "e\(e)m\(m)b\(bias)", signedness: .signed, exponentBits: e, mantissaBits: m, bias: bias,
                   specialValues: .none)
    }

    // MARK: IEEE P3109

    /// The P3109 domain: with or without infinities.
    public enum P3109Domain: String, Sendable, CaseIterable {
        case extended, finite
    }

    /// IEEE P3109 BinaryKpP (Interim Report v4.0 section 3.1, Annex B): K bits, precision P.
    /// Signed: exponent bits K - P, bias 2^(K-P-1), 1 <= P <= K - 1. Unsigned: exponent bits K - P + 1,
    /// bias 2^(K-P), 1 <= P <= K. K >= 3. One zero, one NaN, no -0; Extended adds infinities.
    public static func p3109(bits k: Int, precision p: Int, signedness: Signedness,
                             domain: P3109Domain) throws(FormatError) -> Format {
        guard k >= 3 && k <= 32 else { throw .invalid("P3109 needs 3 <= K <= 32 bits (got K=\(k))") }
        let maxP = signedness == .signed ? k - 1 : k
        guard p >= 1 && p <= maxP else {
            throw .invalid("P3109 \(signedness) K=\(k) needs 1 <= P <= \(maxP) (got P=\(p))")
        }
        let e = signedness == .signed ? k - p : k - p + 1
        let biasExponent = signedness == .signed ? k - p - 1 : k - p
        let name = "binary\(k)p\(p)\(signedness == .signed ? "s" : "u")\(domain == .extended ? "e" : "f")"
        return try Format(name: name, signedness: signedness, exponentBits: e, mantissaBits: p - 1,
                          bias: 1 << biasExponent, specialValues: domain == .extended ? .p3109Extended : .p3109Finite)
    }

    /// Every P3109 format of `k` bits: all precisions, signednesses and domains.
    public static func p3109Family(bits k: Int) -> [Format] {
        var out: [Format] = []
        for s in [Signedness.signed, .unsigned] {
            for p in 1...(s == .signed ? k - 1 : k) {
                for d in P3109Domain.allCases { out.append(try! p3109(bits: k, precision: p, signedness: s, domain: d)) }
            }
        }
        return out
    }

    // MARK: The catalog

    /// The named formats (P3109 formats for K = 3...16 included), each with its citation and aliases.
    public static let catalog: [CatalogEntry] = {
        let ocp8 = "OCP 8-bit Floating Point Specification (OFP8) v1.0, 2023"
        let mx = "OCP Microscaling Formats (MX) Specification v1.0, 2023"
        let fnuz = "Noune et al., 8-bit Numerical Formats for Deep Neural Networks, arXiv:2206.02915; LLVM APFloat"
        let llm = "Liu et al., LLM-FP4: 4-Bit Floating-Point Quantized Transformers, EMNLP 2023, Eq. 1 and 4"
        var entries: [CatalogEntry] = [
            .init(format: .e4m3fn, aliases: ["float8_e4m3fn", "ocp_e4m3", "fp8_e4m3", "float8e4m3fn", "e4m3fn_ocp"],
                  citation: "\(ocp8), E4M3"),
            .init(format: .e5m2, aliases: ["float8_e5m2", "ocp_e5m2", "fp8_e5m2", "float8e5m2"],
                  citation: "\(ocp8), E5M2"),
            .init(format: .e4m3fnuz, aliases: ["float8_e4m3fnuz", "float8e4m3fnuz"], citation: fnuz),
            .init(format: .e5m2fnuz, aliases: ["float8_e5m2fnuz", "float8e5m2fnuz"], citation: fnuz),
            .init(format: .e4m3b11fnuz, aliases: ["float8_e4m3b11fnuz", "float8e4m3b11fnuz"],
                  citation: "ml_dtypes float8_e4m3b11fnuz (Google), ml_dtypes/include/float8.h"),
            .init(format: .e4m3, aliases: ["float8_e4m3", "f8e4m3"],
                  citation: "IEEE 754-2019 conventions at 8 bits; ml_dtypes float8_e4m3; LLVM f8E4M3"),
            .init(format: .e3m4, aliases: ["float8_e3m4", "f8e3m4"],
                  citation: "IEEE 754-2019 conventions at 8 bits; ml_dtypes float8_e3m4; LLVM f8E3M4"),
            .init(format: .e2m3fn, aliases: ["float6_e2m3fn", "ocp_e2m3", "fp6_e2m3"],
                  citation: "\(mx), section 5.3 (FP6 E2M3)"),
            .init(format: .e3m2fn, aliases: ["float6_e3m2fn", "ocp_e3m2", "fp6_e3m2"],
                  citation: "\(mx), section 5.3 (FP6 E3M2)"),
            .init(format: .e2m1fn, aliases: ["float4_e2m1fn", "float4_e2m1fn_x2", "ocp_e2m1", "fp4", "fp4_e2m1"],
                  citation: "\(mx), section 5.3.3 (FP4 E2M1)"),
            .init(format: .e8m0fnu, aliases: ["float8_e8m0fnu", "ocp_e8m0", "e8m0", "ue8m0"],
                  citation: "\(mx), section 5.4.1 (E8M0 scale)"),
            .init(format: .ue4m3, aliases: ["nvfp4_scale", "vec16_ue4m3"],
                  citation: "NVIDIA NVFP4 block scale, cuBLASLt VEC16_UE4M3 (E4M3 with the sign bit ignored)"),
            .init(format: .binary16, aliases: ["float16", "half", "fp16", "f16", "ieee_half"],
                  citation: "IEEE 754-2019, section 3.6 (binary16)"),
            .init(format: .bfloat16, aliases: ["bf16", "brain_float16"],
                  citation: "bfloat16: Google Brain floating point; Intel BF16 Hardware Numerics Definition, 2018"),
            .init(format: .binary32, aliases: ["float32", "single", "fp32", "f32"],
                  citation: "IEEE 754-2019, section 3.6 (binary32)"),
            .init(format: .e2m1, aliases: ["llmfp4_e2m1"], citation: llm),
            .init(format: .e3m0, aliases: ["llmfp4_e3m0"], citation: llm),
            .init(format: .e1m2, aliases: ["llmfp4_e1m2"], citation: llm),
        ]
        for k in 3...16 {
            for f in p3109Family(bits: k) {
                let gfloat = "p3109_k\(k)p" + f.name.dropFirst("binary\(k)p".count)
                entries.append(.init(format: f, aliases: [gfloat],
                                     citation: "IEEE P3109 Interim Report v4.0 (2026-06-26), section 3.1 and Annex B"))
            }
        }
        return entries
    }()

    /// The catalog entry of a format with this exact name, if any.
    public static func catalogEntry(named name: String) -> CatalogEntry? {
        catalogIndex[normalize(name)]
    }

    private static let catalogIndex: [String: CatalogEntry] = {
        var index: [String: CatalogEntry] = [:]
        for entry in catalog {
            index[entry.format.name] = entry
            for alias in entry.aliases { index[alias] = entry }
        }
        return index
    }()

    /// Lowercases and drops a library prefix: `torch.float8_e4m3fn` -> `float8_e4m3fn`.
    static func normalize(_ name: String) -> String {
        var s = name.lowercased()
        for prefix in ["torch.", "ml_dtypes.", "jnp.", "np.", "numpy.", "jax.numpy."] where s.hasPrefix(prefix) {
            s.removeFirst(prefix.count)
        }
        return s
    }
}
