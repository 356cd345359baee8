"""Converts a recording (an .npz, e.g. from Conformance/record.py, in the layout of Conformance/README.md)
into the JSON that `minifloat conformance` and the tests read:

    python3 Conformance/convert_npz.py h100-2026-11.npz Conformance/recordings/h100-2026-11.json
    python3 Conformance/convert_npz.py OUT_DIR Conformance/recordings/NAME.json   # record_cuda's folder

A folder (what Conformance/cuda/record_cuda writes) holds one KEY.npy per array and __recorded.txt.

Every conversion becomes runs: `starts[k]` is the first input bit pattern (as an unsigned integer)
of run k, every input up to the next start (or the end of the input type) converts to `codes[k]`.
float32 recordings are stored as runs already; float16 and bfloat16 tables (65,536 codes) are
turned into runs here. Decode tables are kept as they are. Each recording is annotated with the
system, the Minifloat format, and the rounding and saturation its API asks for (the table below,
from each API's documentation), which is what it is compared with.
"""

import json
import os
import sys

import numpy as np

# name (without the source prefix) -> (system, API call, format, rounding, saturation)
SYSTEMS = {
    "ptx_cvt_rn_satfinite_e4m3x2": ("ptx", "cvt.rn.satfinite.e4m3x2", "e4m3fn", "rne", "satfinite"),
    "ptx_cvt_rn_satfinite_e5m2x2": ("ptx", "cvt.rn.satfinite.e5m2x2", "e5m2", "rne", "satfinite"),
    "nv_fp8_e4m3_satfinite": ("cuda", "__nv_cvt_*_to_fp8(__NV_SATFINITE, __NV_E4M3)", "e4m3fn", "rne", "satfinite"),
    "nv_fp8_e4m3_nosat": ("cuda", "__nv_cvt_*_to_fp8(__NV_NOSAT, __NV_E4M3)", "e4m3fn", "rne", "satnone"),
    "nv_fp8_e5m2_satfinite": ("cuda", "__nv_cvt_*_to_fp8(__NV_SATFINITE, __NV_E5M2)", "e5m2", "rne", "satfinite"),
    "nv_fp8_e5m2_nosat": ("cuda", "__nv_cvt_*_to_fp8(__NV_NOSAT, __NV_E5M2)", "e5m2", "rne", "satnone"),
    "nv_fp6_e2m3_rn": ("cuda", "__nv_cvt_*_to_fp6(__NV_E2M3, cudaRoundNearest)", "e2m3fn", "rne", "satfinite"),
    "nv_fp6_e3m2_rn": ("cuda", "__nv_cvt_*_to_fp6(__NV_E3M2, cudaRoundNearest)", "e3m2fn", "rne", "satfinite"),
    "nv_fp4_e2m1_rn": ("cuda", "__nv_cvt_*_to_fp4(__NV_E2M1, cudaRoundNearest)", "e2m1fn", "rne", "satfinite"),
    "nv_e8m0_rz_satfinite": ("cuda", "__nv_cvt_*_to_e8m0(__NV_SATFINITE, cudaRoundZero)", "e8m0fnu", "rtz", "satfinite"),
    "nv_e8m0_rz_nosat": ("cuda", "__nv_cvt_*_to_e8m0(__NV_NOSAT, cudaRoundZero)", "e8m0fnu", "rtz", "satnone"),
    "nv_e8m0_rp_satfinite": ("cuda", "__nv_cvt_*_to_e8m0(__NV_SATFINITE, cudaRoundPosInf)", "e8m0fnu", "rtp", "satfinite"),
    "nv_e8m0_rp_nosat": ("cuda", "__nv_cvt_*_to_e8m0(__NV_NOSAT, cudaRoundPosInf)", "e8m0fnu", "rtp", "satnone"),
}
for dtype, fmt in [("float8_e4m3fn", "e4m3fn"), ("float8_e5m2", "e5m2"), ("float8_e4m3fnuz", "e4m3fnuz"),
                   ("float8_e5m2fnuz", "e5m2fnuz"), ("float8_e8m0fnu", "e8m0fnu"), ("float4_e2m1fn", "e2m1fn"),
                   ("float6_e2m3fn", "e2m3fn"), ("float6_e3m2fn", "e3m2fn")]:
    # Casts in PyTorch, JAX, Triton and ml_dtypes are OCP's non-saturating conversion (FP4 and FP6
    # have no Inf or NaN: they clamp, as OCP MX v1.0 section 5.3.3 has it).
    sat = "satfinite" if fmt in ("e2m1fn", "e2m3fn", "e3m2fn") else "satnone"
    SYSTEMS[f"torch_{dtype}"] = ("torch", f"tensor.to(torch.{dtype})", fmt, "rne", sat)
    SYSTEMS[f"jax_{dtype}"] = ("jax", f"x.astype(jnp.{dtype})", fmt, "rne", sat)
    SYSTEMS[f"ml_dtypes_{dtype}"] = ("ml_dtypes", f"x.astype(ml_dtypes.{dtype})", fmt, "rne", sat)
    SYSTEMS[f"triton_rtne_{dtype}"] = ("triton", f"x.to(tl.{dtype}, fp_downcast_rounding='rtne')", fmt, "rne", sat)
    SYSTEMS[f"triton_rtz_{dtype}"] = ("triton", f"x.to(tl.{dtype}, fp_downcast_rounding='rtz')", fmt, "rtz", sat)

SOURCES = {"f32": "float32", "f16": "float16", "bf16": "bfloat16"}


def runs(codes):
    codes = np.asarray(codes)
    change = np.flatnonzero(np.diff(codes)) + 1
    starts = np.concatenate([[0], change])
    return starts.tolist(), codes[starts].tolist()


def load(path):
    """The arrays of an .npz, or of a folder of KEY.npy files (with __recorded.txt), by key."""
    if not os.path.isdir(path):
        return np.load(path)
    arrays = {name[:-4]: np.load(os.path.join(path, name)) for name in sorted(os.listdir(path)) if name.endswith(".npy")}
    recorded = os.path.join(path, "__recorded.txt")
    if os.path.exists(recorded):
        with open(recorded, encoding="utf-8") as f:
            arrays["__recorded"] = np.array(f.read().strip())
    return arrays


def main(npz_path, json_path):
    z = load(npz_path)
    recordings, decodes = [], []
    for key in sorted(z.keys()):
        if key == "__recorded":
            continue
        if key.startswith("dec_"):
            decodes.append({"name": key, "values": z[key].tolist()})
            continue
        if key.endswith("__start"):
            continue
        name = key[:-len("__code")] if key.endswith("__code") else key
        source, rest = name.split("_", 1)
        system, call, fmt, rounding, saturation = SYSTEMS[rest]
        if source == "f32":
            starts, codes = z[name + "__start"].tolist(), z[name + "__code"].tolist()
        else:
            starts, codes = runs(z[name])
        recordings.append({"name": name, "system": system, "call": call, "source": SOURCES[source], "format": fmt,
                           "rounding": rounding, "saturation": saturation, "starts": starts, "codes": codes})
    # Conformance/record.py says what ran; the H100 set predates that key.
    recorded = str(z["__recorded"]) if "__recorded" in z.keys() else (
        "NVIDIA H100 80GB HBM3, driver 580.159.04, CUDA 13.0, PyTorch 2.11.0+cu130, JAX 0.11.2, Triton 3.6.0; November 2026")
    document = {
        "recorded": recorded,
        "recordings": recordings, "decodes": decodes,
    }
    with open(json_path, "w") as f:
        json.dump(document, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
