/// Everything about encoding a block format that is not the format itself.
public struct BlockEncoding: Sendable, Hashable {
    /// How each block's scale is chosen.
    public var scaleRule: ScaleRule
    /// How an element `x / scale` is rounded (any mode; stochastic modes take `R_i` of the element's
    /// flat index in the source array).
    public var rounding: RoundingMode
    /// What an element beyond the largest element value becomes. The MX default, ``SaturationMode/satFinite``,
    /// is the clamp of OCP MX v1.0 section 6.3.
    public var saturation: SaturationMode
    /// What a block with NaN or +-Inf elements gets.
    public var specials: BlockSpecials

    /// The defaults: OCP `floor` scales for MX and `ceil` (cuDNN) for NVFP4, elements round to nearest
    /// even and clamp, a block with NaN or Inf gets the NaN scale.
    public init(for format: BlockFormat, scaleRule: ScaleRule? = nil, rounding: RoundingMode = .nearestTiesToEven,
                saturation: SaturationMode = .satFinite, specials: BlockSpecials = .nanScale) {
        self.scaleRule = scaleRule ?? (format.hasTensorScale ? .ceil : .floor)
        self.rounding = rounding
        self.saturation = saturation
        self.specials = specials
    }
}
