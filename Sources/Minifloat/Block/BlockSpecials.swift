/// What a block containing NaN or +-Inf elements gets. Implementation-defined in OCP MX v1.0
/// (section 6.3); both choices keep the other elements' codes the same.
public enum BlockSpecials: String, Sendable, Hashable, CaseIterable {
    /// The scale is the scale format's NaN code (E8M0 0xFF, UE4M3 0x7F), so the whole block
    /// decodes to NaN (OCP MX v1.0 section 5.2: a NaN scale makes every element NaN). The element
    /// codes are those ``finiteAmax`` gives.
    case nanScale = "nan-scale"
    /// `amax` is taken over the finite elements only; a NaN element is encoded as the element
    /// format encodes NaN (its NaN code, or -0 in a format without NaN), an infinite one by the
    /// element saturation mode (``SaturationMode/satFinite``: +-largest).
    case finiteAmax = "finite-amax"
}
