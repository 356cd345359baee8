import Minifloat

/// What a real system (a GPU instruction, CUDA's header functions, PyTorch, JAX, ml_dtypes,
/// Triton) produces when it converts to a format, as rules on top of the reference conversion, so
/// that `minifloat quantize --profile torch` gives bit for bit what `tensor.to(torch.float8_e4m3fn)`
/// gives, and `minifloat verify --profile torch` accepts exactly that.
///
/// A profile is data: for each format the system converts to, the calls it offers (each a rounding
/// and saturation mode, and the source types it takes), and the rules by which it departs from the
/// reference (which NaN code, what a negative input to an unsigned format gives, ...). Every rule
/// states its evidence: a recording of the system (Conformance/recordings, replayed on every input
/// by the tests) or, where nothing was recorded (float64 sources), the system's source code or a
/// measurement on this machine.
public struct SystemProfile: Sendable {
    /// The profile's name (`torch`).
    public let name: String
    /// The `system` field of the recordings it reproduces (`ptx` for `cuda-ptx`).
    public let recordedSystem: String
    /// The system and its version, in words.
    public let summary: String
    /// The formats it converts to, with how.
    public let conversions: [SystemConversion]

    /// The conversion to `format`, or nil when the system has none.
    public func conversion(to format: Format) -> SystemConversion? {
        conversions.first { $0.format.name == format.name }
    }
}

/// How one system converts to one format.
public struct SystemConversion: Sendable {
    /// The target format.
    public let format: Format
    /// The calls, the first the default.
    public let calls: [SystemCall]
    /// The departures from the reference, applied in this order (a NaN rule first).
    public let rules: [SystemRule]
    /// Where the rules come from.
    public let evidence: String

    /// The call with `rounding` and `saturation` (either nil: the default call's, or the only call
    /// with the other one given); throws a ``VerifyError`` naming the calls when none matches.
    public func call(rounding: RoundingMode?, saturation: SaturationMode?, profile: String) throws -> SystemCall {
        let matching = calls.filter { c in
            (rounding == nil || c.rounding == rounding) && (saturation == nil || c.saturation == saturation)
        }
        guard let call = matching.first else {
            let offered = calls.map { "\($0.rounding.shortName) \($0.saturation.shortName)" }.joined(separator: ", ")
            throw VerifyError("profile \(profile) converts to \(format.name) with \(offered) only; "
                              + "give one of these, or no rounding and saturation for the first")
        }
        return call
    }
}

/// One call of a system: what it is, its rounding and saturation, and the source types it takes.
public struct SystemCall: Sendable {
    /// The call in the system's own words (`tensor.to(torch.float8_e4m3fn)`).
    public let name: String
    /// Its rounding mode.
    public let rounding: RoundingMode
    /// Its saturation mode.
    public let saturation: SaturationMode
    /// The source types it takes, and how.
    public let sources: [FloatSource: SourceRoute]
}

/// How a system reads a source type.
public enum SourceRoute: Hashable, Sendable {
    /// The value is converted as it is (a float16 or bfloat16 widened to float32 first is the same
    /// value: widening is exact).
    case direct
    /// The value is first rounded to float32 (to nearest, ties to even), then converted: double
    /// rounding, as ml_dtypes and PyTorch do with float64.
    case throughFloat32
}

/// A departure of a system from the reference conversion.
public enum SystemRule: Hashable, Sendable {
    /// Every NaN input of these source types gives this code, whatever its sign and payload.
    case nanCode(UInt32, sources: [FloatSource])
    /// A positive NaN input gives `positive`, a negative one `negative`.
    case nanCodeBySign(positive: UInt32, negative: UInt32, sources: [FloatSource])
    /// A NaN input gives its sign, OR `base`, OR the top mantissa-width bits of its payload
    /// (CUDA's `__nv_cvt_double_to_fp8`).
    case nanSignAndPayload(base: UInt32, sources: [FloatSource])
    /// A negative input to an unsigned format converts as its magnitude (the sign is dropped; the
    /// reference gives NaN).
    case magnitudeOfNegative
    /// A zero input (either sign) gives this code.
    case zeroCode(UInt32)
    /// A positive input strictly between the format's least positive value and the next one gives
    /// the next one (E8M0: the float32 and bfloat16 subnormals above 2^-127 round up to 2^-126).
    case aboveLeastRoundsUp

    /// What the rule does, in words, for `format`.
    public func description(_ format: Format) -> String {
        func types(_ s: [FloatSource]) -> String {
            s.count == FloatSource.allCases.count ? ""
                : " from " + s.dropLast().map(\.shortName).joined(separator: ", ") + (s.count > 1 ? " or " : "") + s.last!.shortName
        }
        switch self {
        case .nanCode(let c, let s): return "every NaN\(types(s)) gives \(format.hexCode(c)) (NaN sign and payload dropped)"
        case .nanCodeBySign(let p, let n, let s):
            return "a positive NaN\(types(s)) gives \(format.hexCode(p)), a negative one \(format.hexCode(n))"
        case .nanSignAndPayload(let b, let s):
            return "a NaN\(types(s)) gives \(format.hexCode(b)) with its sign bit and the top \(format.mantissaBits) bits of its "
                + "payload set in it"
        case .magnitudeOfNegative: return "a negative input converts as its magnitude (sign dropped)"
        case .zeroCode(let c): return "zero gives \(format.hexCode(c))"
        case .aboveLeastRoundsUp:
            let least = format.hasZero ? 1 : 0 as UInt32
            return "inputs strictly between \(format.decode(least)) and \(format.decode(least + 1)) round up to the latter"
        }
    }
}

extension FloatSource {
    /// `f32`, `f64`, `f16`, `bf16`.
    public var shortName: String {
        switch self {
        case .float32: return "f32"
        case .float64: return "f64"
        case .float16: return "f16"
        case .bfloat16: return "bf16"
        }
    }
}

/// A system profile's conversion to one format with one of its calls: what `--profile torch`
/// resolves to for a format and the `--rounding`/`--saturation` given.
public struct SystemProfileCall: Sendable {
    public let profile: SystemProfile
    public let conversion: SystemConversion
    public let call: SystemCall

    /// The call of `profile` converting to `format` with `rounding` and `saturation` (nil: the
    /// default call's). Throws a ``VerifyError`` naming the formats or calls the profile has.
    public init(_ profile: SystemProfile, format: Format, rounding: RoundingMode? = nil, saturation: SaturationMode? = nil) throws {
        guard let conversion = profile.conversion(to: format) else {
            throw VerifyError("profile \(profile.name) converts to \(profile.conversions.map(\.format.name).joined(separator: ", ")) "
                              + "only, not \(format.name)")
        }
        if let rounding, rounding.isStochastic {
            throw VerifyError("profile \(profile.name) records deterministic conversions; drop --rounding \(rounding.shortName)")
        }
        self.profile = profile
        self.conversion = conversion
        call = try conversion.call(rounding: rounding, saturation: saturation, profile: profile.name)
    }

    /// Encodes as ``SystemConversion/encode(raw:as:count:into:call:threads:)`` with this call.
    public func encode<Code: FixedWidthInteger & UnsignedInteger>(
        raw: UnsafeRawBufferPointer, as source: FloatSource, count: Int, into codes: UnsafeMutableBufferPointer<Code>,
        threads: Int? = nil
    ) throws {
        try conversion.encode(raw: raw, as: source, count: count, into: codes, call: call, threads: threads)
    }

    /// Throws the ``VerifyError`` that encoding `source` values would.
    public func check(source: FloatSource) throws {
        _ = try call.route(source)
    }
}

extension SystemProfile {
    /// docs/conformance.md's profile tables (what `minifloat conformance --profiles` prints): per
    /// profile, each format's calls (rounding, saturation, source types), its departures from the
    /// reference rule by rule, and the evidence.
    public static func markdown(_ profiles: [SystemProfile] = all) -> String {
        var out = ""
        for p in profiles {
            out += "### `\(p.name)`\n\n\(p.summary)\n\n"
            out += "| format | calls: rounding saturation (sources) | departures from the reference | evidence |\n|---|---|---|---|\n"
            for c in p.conversions {
                let calls = c.calls.map { call in
                    let sources = FloatSource.allCases.compactMap { s -> String? in
                        guard let route = call.sources[s] else { return nil }
                        return route == .throughFloat32 ? "\(s.shortName) through f32" : s.shortName
                    }
                    return "`\(call.name)`: \(call.rounding.shortName) \(call.saturation.shortName) (\(sources.joined(separator: ", ")))"
                }
                let rules = c.rules.isEmpty ? "none" : c.rules.map { $0.description(c.format) }.joined(separator: "; ")
                out += "| \(c.format.name) | \(calls.joined(separator: "<br>")) | \(rules) | \(c.evidence) |\n"
            }
            out += "\n"
        }
        return out
    }
}
