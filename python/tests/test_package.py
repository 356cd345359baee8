"""The installed package: its library needs no Swift toolchain, its version is the project's."""
import re
import shutil
import subprocess

import pytest

import minifloat
from minifloat import _native
from conftest import REPOSITORY


def test_version_is_the_projects():
    swift = (REPOSITORY / "Sources" / "MinifloatCLI" / "MinifloatCommand.swift").read_text()
    version = re.search(r'let minifloatVersion = "([^"]+)"', swift).group(1)  # 0.1.0-dev
    pep440 = version.replace("-dev", ".dev0")
    assert minifloat.__version__ == pep440
    assert f'version: "{version}"' in (REPOSITORY / "CITATION.cff").read_text()


@pytest.mark.skipif(shutil.which("readelf") is None, reason="readelf is not installed")
def test_library_needs_no_swift_runtime():
    # A wheel must run where Swift is not installed: no libswift*/libFoundation* dependency and no
    # RUNPATH into a toolchain (only $ORIGIN).
    dynamic = subprocess.run(["readelf", "-d", str(_native.library_path)], check=True, capture_output=True, text=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic)
    assert needed, dynamic
    assert not [n for n in needed if n.startswith(("libswift", "libFoundation", "libdispatch", "libBlocksRuntime"))], needed
    for path in re.findall(r"\((?:RUNPATH|RPATH)\)\s+Library r(?:un)?path: \[([^\]]+)\]", dynamic):
        assert all(p == "$ORIGIN" for p in path.split(":")), path


@pytest.mark.skipif(shutil.which("ldd") is None, reason="ldd is not installed")
def test_library_resolves_without_the_toolchain():
    ldd = subprocess.run(["ldd", str(_native.library_path)], check=True, capture_output=True, text=True).stdout
    assert "not found" not in ldd, ldd
    assert "swift" not in ldd.lower(), ldd


def test_every_public_name_is_documented():
    for name in minifloat.__all__:
        obj = getattr(minifloat, name)
        assert obj.__doc__ and len(obj.__doc__.strip()) > 40, name
