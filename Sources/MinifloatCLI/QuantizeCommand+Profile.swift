import Minifloat
import MinifloatOracle
import MinifloatVerify

extension QuantizeCommand {
    /// `--rounding`, or rne.
    var roundingName: String { rounding ?? "rne" }

    /// `--from`, or exact (f32 with a system profile: the type a framework tensor has by default).
    var fromName: String { from ?? (profile.flatMap(systemProfile) != nil ? "f32" : "exact") }

    /// The system profile called `name`; nil for `reference` (the spec: no profile).
    func systemProfile(_ name: String) -> SystemProfile? {
        name.lowercased() == "reference" ? nil : SystemProfile.named(name)
    }

    /// The call of `--profile` converting to `f` under `--rounding`/`--saturation`, or nil without
    /// a profile (or with `reference`).
    func systemCall(_ f: Format) throws -> SystemProfileCall? {
        guard let name = profile else { return nil }
        guard name.lowercased() != "reference" else { return nil }
        guard let p = SystemProfile.named(name) else {
            throw CLIError("unknown profile '\(name)': use reference, \(SystemProfile.all.map(\.name).joined(separator: ", "))")
        }
        if randomBits != nil || random != nil || seed != nil {
            throw CLIError("profile \(p.name) converts deterministically: drop --random-bits, --random and --seed")
        }
        if fromName == "exact" {
            throw CLIError("profile \(p.name) converts typed values: give --from f32, f16, bf16 or f64, not exact")
        }
        let r = try rounding.map { try parseRounding($0, bits: nil, random: nil) }
        let s = try saturation.map(parseSaturation)
        do { return try SystemProfileCall(p, format: f, rounding: r, saturation: s) } catch let e as VerifyError {
            throw CLIError(e.description)
        }
    }

    /// The code `system` gives for `value`, a value of the `--from` type.
    func systemCode(_ value: ExactValue, _ system: SystemProfileCall) throws -> UInt32 {
        let d = Oracle.nearestDouble(value)
        let (source, bits): (FloatSource, UInt64)
        switch fromName {
        case "f64": (source, bits) = (.float64, d.bitPattern)
        case "f32": (source, bits) = (.float32, UInt64(Format.binary32.encode(d)))
        case "f16": (source, bits) = (.float16, UInt64(Format.binary16.encode(d)))
        default: (source, bits) = (.bfloat16, UInt64(Format.bfloat16.encode(d)))
        }
        do { return try system.conversion.code(bits: bits, as: source, call: system.call) } catch let e as VerifyError {
            throw CLIError(e.description)
        }
    }
}
