import Minifloat
import MinifloatOracle
let f = Format.e4m3fn
var n = 0
for b in 0...UInt16.max {
  let x = Double(Float16(bitPattern: b))
  for r in RoundingMode.deterministic { for s in SaturationMode.allCases {
    let e = Oracle.Bracket(ExactValue(x), f).code(rounding: r, saturation: s, nanNegative: x.sign == .minus)
    let g = f.encode(x, rounding: r, saturation: s)
    if e != g && n < 10 { n += 1; print(x, r.shortName, s, "fast", String(g, radix:16), "oracle", String(e, radix:16)) }
  }}
}
