"""Records what a framework's casts produce for every input, in the layout of Conformance/README.md,
so that `convert_npz.py` and `minifloat conformance` can compare them with the reference:

    python3 Conformance/record.py --systems ml_dtypes,torch,jax --sources f32,f16,bf16 --out rec.npz
    python3 Conformance/convert_npz.py rec.npz rec.json
    swift run -c release minifloat conformance rec.json

Systems: `ml_dtypes` (NumPy's `x.astype(ml_dtypes.<dtype>)`, on the CPU), `torch`
(`tensor.to(torch.<dtype>)`, on `--device`, default cuda when available) and `jax`
(`x.astype(jnp.<dtype>)` under `jax.jit`, on JAX's default device). Each records every target type
it has among float8_e4m3fn, float8_e5m2, float8_e4m3fnuz, float8_e5m2fnuz, float8_e8m0fnu,
float4_e2m1fn, float6_e2m3fn and float6_e3m2fn (PyTorch: its float4 type is packed and refuses the
cast; it is skipped).

Sources: `f16` and `bf16` record all 65,536 inputs (`<src>_<system>_<dtype>`, a code per input bit
pattern); `f32` sweeps all 2^32 inputs in chunks of 2^24 and keeps runs (`f32_<system>_<dtype>__start`
and `__code`: every input from a start to the next converts to its code). The f32 sweep takes
2^32 conversions per type: seconds on a GPU, about a minute per type for ml_dtypes on one CPU core.
Each system's decode table is recorded too (`dec_<system>_<dtype>_to_f16`, or `_to_bf16` for
E8M0: the float16 or bfloat16 bits each of the 256 codes casts to). `__recorded` says what ran, where and when.

Needs NumPy, and the frameworks of the systems asked for. The CUDA instruction and header-function
recordings of the H100 set come from a CUDA program not in this repository yet.
"""

import argparse
import datetime
import platform
import sys

import numpy as np

DTYPES = ["float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu",
          "float4_e2m1fn", "float6_e2m3fn", "float6_e3m2fn"]
CHUNK = 1 << 24


class MLDtypes:
    name = "ml_dtypes"

    def __init__(self, device):
        import ml_dtypes
        self.ml = ml_dtypes
        self.version = f"ml_dtypes {ml_dtypes.__version__}, NumPy {np.__version__}"

    def dtypes(self):
        return [d for d in DTYPES if hasattr(self.ml, d)]

    def source(self, bits, src):
        """The inputs (bit patterns `bits`) as an array of the source type."""
        if src == "f32":
            return bits.view(np.float32)
        if src == "f16":
            return bits.view(np.float16)
        return bits.view(self.ml.bfloat16)

    def cast(self, x, dtype):
        with np.errstate(invalid="ignore"):  # NaN to a type without NaN: recorded, not warned about
            return np.asarray(x.astype(getattr(self.ml, dtype))).view(np.uint8).astype(np.uint16)

    def decode(self, dtype):
        codes = np.arange(256, dtype=np.uint8).view(getattr(self.ml, dtype))
        wide = self.ml.bfloat16 if dtype == "float8_e8m0fnu" else np.float16
        return codes.astype(wide).view(np.uint16)


class Torch:
    name = "torch"

    def __init__(self, device):
        import torch
        self.torch = torch
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        where = torch.cuda.get_device_name() if self.device == "cuda" else platform.processor() or "CPU"
        self.version = f"PyTorch {torch.__version__} on {where}"

    def dtypes(self):
        return [d for d in DTYPES if hasattr(self.torch, d) and not d.startswith("float4")]

    def source(self, bits, src):
        t = self.torch.from_numpy(bits.view(np.int32 if src == "f32" else np.int16).copy()).to(self.device)
        return t.view({"f32": self.torch.float32, "f16": self.torch.float16, "bf16": self.torch.bfloat16}[src])

    def cast(self, x, dtype):
        return x.to(getattr(self.torch, dtype)).view(self.torch.uint8).cpu().numpy().astype(np.uint16)

    def decode(self, dtype):
        codes = self.torch.arange(256, dtype=self.torch.uint8, device=self.device).view(getattr(self.torch, dtype))
        wide = self.torch.bfloat16 if dtype == "float8_e8m0fnu" else self.torch.float16
        return codes.to(wide).view(self.torch.int16).cpu().numpy().view(np.uint16)


class Jax:
    name = "jax"

    def __init__(self, device):
        import jax
        import jax.numpy as jnp
        import ml_dtypes
        self.jax, self.jnp, self.ml = jax, jnp, ml_dtypes
        self.version = f"JAX {jax.__version__} on {jax.devices()[0].device_kind}"
        self.jitted = {}

    def dtypes(self):
        return [d for d in DTYPES if hasattr(self.jnp, d)]

    def source(self, bits, src):
        view = {"f32": np.float32, "f16": np.float16, "bf16": self.ml.bfloat16}[src]
        return self.jnp.asarray(bits.view(view))

    def cast(self, x, dtype):
        if dtype not in self.jitted:
            target = getattr(self.jnp, dtype)
            self.jitted[dtype] = self.jax.jit(lambda v: v.astype(target))
        return np.asarray(self.jitted[dtype](x)).view(np.uint8).astype(np.uint16)

    def decode(self, dtype):
        codes = self.jnp.asarray(np.arange(256, dtype=np.uint8).view(getattr(self.ml, dtype)))
        wide = self.jnp.bfloat16 if dtype == "float8_e8m0fnu" else self.jnp.float16
        return np.asarray(codes.astype(wide)).view(np.uint16)


SYSTEMS = {"ml_dtypes": MLDtypes, "torch": Torch, "jax": Jax}


def record(system, sources, out, progress):
    for dtype in system.dtypes():
        out[f"dec_{system.name}_{dtype}_to_{'bf16' if dtype == 'float8_e8m0fnu' else 'f16'}"] = system.decode(dtype)
        for src in sources:
            key = f"{src}_{system.name}_{dtype}"
            if src in ("f16", "bf16"):
                bits = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16)
                out[key] = system.cast(system.source(bits, src), dtype)
                continue
            starts, codes, last = [], [], None
            for first in range(0, 1 << 32, CHUNK):
                bits = np.arange(first, first + CHUNK, dtype=np.uint64).astype(np.uint32)
                c = system.cast(system.source(bits, src), dtype)
                change = np.flatnonzero(np.diff(c)) + 1
                if last is None or c[0] != last:
                    starts.append(first)
                    codes.append(int(c[0]))
                starts.extend((first + change).tolist())
                codes.extend(c[change].tolist())
                last = c[-1]
                progress(f"{key}: {first + CHUNK >> 24}/256")
            out[key + "__start"] = np.array(starts, dtype=np.uint32)
            out[key + "__code"] = np.array(codes, dtype=np.uint16)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--systems", default="ml_dtypes", help="comma-separated: ml_dtypes, torch, jax")
    parser.add_argument("--sources", default="f32,f16,bf16", help="comma-separated: f32, f16, bf16")
    parser.add_argument("--device", default=None, help="PyTorch device (default: cuda when available)")
    parser.add_argument("--out", required=True, help="the .npz to write")
    args = parser.parse_args(argv)
    sources = [s for s in args.sources.split(",") if s]
    for s in sources:
        if s not in ("f32", "f16", "bf16"):
            parser.error(f"unknown source '{s}': use f32, f16 or bf16")
    out, versions = {}, []
    tty = sys.stderr.isatty()

    def progress(text):
        if tty:
            print(f"\r{text}   ", end="", file=sys.stderr, flush=True)

    for name in [s for s in args.systems.split(",") if s]:
        if name not in SYSTEMS:
            parser.error(f"unknown system '{name}': use ml_dtypes, torch or jax")
        system = SYSTEMS[name](args.device)
        versions.append(system.version)
        record(system, sources, out, progress)
    if tty:
        print(file=sys.stderr)
    machine = f"{platform.system()} {platform.machine()}, Python {platform.python_version()}"
    out["__recorded"] = np.array("; ".join(versions + [machine, f"recorded {datetime.date.today().isoformat()}"]))
    np.savez_compressed(args.out, **out)


if __name__ == "__main__":
    main()
