"""The PEP 517 build backend of the minifloat Python package.

It builds the Swift library the package loads (product MinifloatPython, with the Swift runtime
linked in statically, so the wheel runs on machines without Swift) and writes a wheel of the
pure-Python modules plus that library. It needs the Swift toolchain and libgmp-dev, nothing from
PyPI. Set MINIFLOAT_LIBRARY to the path of an already built libMinifloatPython.so to skip the
Swift build.
"""

import base64
import hashlib
import os
import pathlib
import re
import subprocess
import sys
import sysconfig
import zipfile

NAME = "minifloat"
SUMMARY = "The exact reference for FP4, FP6, FP8, MX and NVFP4: quantize, dequantize and verify NumPy arrays."
REQUIRES = ["numpy>=1.22"]
EXTRAS = {"ml-dtypes": ["ml_dtypes>=0.3"], "test": ["pytest>=7"]}

HERE = pathlib.Path(__file__).resolve().parent
PYTHON_ROOT = HERE.parent
SOURCE = PYTHON_ROOT / "src" / NAME


def _version():
    """The package version: __version__ in src/minifloat/__init__.py (PEP 440 form of the Swift version)."""
    text = (SOURCE / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


def _library_name():
    return "libMinifloatPython.dylib" if sys.platform == "darwin" else "libMinifloatPython.so"


def _repository_root():
    for folder in [PYTHON_ROOT.parent, *PYTHON_ROOT.parents]:
        if (folder / "Package.swift").exists():
            return folder
    raise RuntimeError("Package.swift not found above python/: build from a checkout of Minifloat")


def _build_library():
    given = os.environ.get("MINIFLOAT_LIBRARY")
    if given:
        return pathlib.Path(given)
    root = _repository_root()
    scratch = root / ".build-python"
    command = ["swift", "build", "-c", "release", "--product", "MinifloatPython", "-Xswiftc", "-static-stdlib",
               "--scratch-path", str(scratch)]
    print("minifloat: " + " ".join(command), file=sys.stderr, flush=True)
    try:
        subprocess.run(command, cwd=root, check=True, stdout=sys.stderr)
    except FileNotFoundError:
        raise RuntimeError("the Swift toolchain (swift) is needed to build minifloat: https://swift.org/install")
    return scratch / "release" / _library_name()


def _platform_tag():
    return re.sub(r"[^A-Za-z0-9]", "_", sysconfig.get_platform())


def _metadata():
    lines = ["Metadata-Version: 2.1", f"Name: {NAME}", f"Version: {_version()}", f"Summary: {SUMMARY}",
             "License: Apache-2.0", "Requires-Python: >=3.9"]
    lines += [f"Requires-Dist: {r}" for r in REQUIRES]
    for extra, requirements in EXTRAS.items():
        lines.append(f"Provides-Extra: {extra}")
        lines += [f'Requires-Dist: {r}; extra == "{extra}"' for r in requirements]
    readme = PYTHON_ROOT / "README.md"
    if readme.exists():
        lines.append("Description-Content-Type: text/markdown")
        return "\n".join(lines) + "\n\n" + readme.read_text(encoding="utf-8")
    return "\n".join(lines) + "\n"


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _write_wheel(wheel_directory, files):
    """files: (archive name, bytes, executable). Returns the wheel's file name."""
    version = _version()
    tag = f"py3-none-{_platform_tag()}"
    dist_info = f"{NAME}-{version}.dist-info"
    wheel_name = f"{NAME}-{version}-{tag}.whl"
    meta = [
        (f"{dist_info}/METADATA", _metadata().encode(), False),
        (f"{dist_info}/WHEEL", f"Wheel-Version: 1.0\nGenerator: minifloat_build\nRoot-Is-Purelib: false\nTag: {tag}\n".encode(), False),
        (f"{dist_info}/top_level.txt", f"{NAME}\n".encode(), False),
    ]
    entries = files + meta
    record = [_record_line(name, data) for name, data, _ in entries] + [f"{dist_info}/RECORD,,"]
    entries.append((f"{dist_info}/RECORD", ("\n".join(record) + "\n").encode(), False))
    path = pathlib.Path(wheel_directory) / wheel_name
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as wheel:
        for name, data, executable in entries:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if executable else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(info, data)
    return wheel_name


def _package_files():
    return [(f"{NAME}/{p.relative_to(SOURCE).as_posix()}", p.read_bytes(), False)
            for p in sorted(SOURCE.rglob("*")) if p.is_file() and "__pycache__" not in p.parts and p.suffix in (".py", ".typed")]


# PEP 517 hooks.

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    library = _build_library()
    if not library.exists():
        raise RuntimeError(f"the Swift build did not produce {library}")
    files = _package_files() + [(f"{NAME}/{_library_name()}", library.read_bytes(), True)]
    return _write_wheel(wheel_directory, files)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """An editable install: a .pth file that puts src/ on the path; the library is found in .build-python."""
    library = _build_library()
    if not library.exists():
        raise RuntimeError(f"the Swift build did not produce {library}")
    pth = f"{SOURCE.parent}\n".encode()
    files = [(f"__editable__.{NAME}.pth", pth, False)]
    return _write_wheel(wheel_directory, files)
