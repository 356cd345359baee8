import Minifloat
import MinifloatVerify

/// What shell completion offers for the arguments that take names (`minifloat
/// --generate-completion-script bash|zsh|fish`): every format name and alias, rounding and
/// saturation modes, source types, profiles and scale rules.
enum Completions {
    /// Element formats (catalog names and aliases) and block formats.
    static let formats: [String] = Format.catalog.flatMap { [$0.format.name] + $0.aliases }
        + BlockFormat.all.map(\.name) + BlockFormat.aliases.keys.sorted()
    static let roundings = ["rne", "rna", "rtz", "rtp", "rtn", "rto", "sra", "srb", "src"]
    static let saturations = ["satfinite", "satpropagate", "satnone"]
    static let profiles: [String] = ["reference"] + SystemProfile.all.map(\.name) + Behaviour.all.map(\.name)
    static let systemProfiles: [String] = ["reference"] + SystemProfile.all.map(\.name)
    static let scaleRules: [String] = ScaleRule.all.map(\.name)
}
