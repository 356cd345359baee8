"""The recorders' tools that run without a GPU: Conformance/cuda/npy_runs.h (the CUDA recorder's
.npy writer and run builder, compiled here with the host C++ compiler) and convert_npz.py on a
folder of .npy files, the layout record_cuda writes."""
import json
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("c++") is None, reason="no C++ compiler")
def test_npy_runs_writes_what_numpy_reads(tmp_path):
    exe = tmp_path / "npy_runs"
    subprocess.run(["c++", "-std=c++17", "-x", "c++", "-DNPY_RUNS_SELF_TEST", str(ROOT / "Conformance/cuda/npy_runs.h"),
                    "-o", str(exe)], check=True, capture_output=True)
    out = subprocess.run([str(exe), str(tmp_path)], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "ok"
    starts = np.load(tmp_path / "npy_runs_self_test__start.npy")
    codes = np.load(tmp_path / "npy_runs_self_test__code.npy")
    assert starts.dtype == np.uint32 and starts.tolist() == [0, 2, 5, 7]
    assert codes.dtype == np.uint16 and codes.tolist() == [5, 7, 1, 5]


def test_convert_npz_reads_a_folder(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    # E2M1 from float32 as runs: 0 up to 1.0, 2 (the code of 1.0) from there; a float16 table; a
    # decode table.
    np.save(folder / "f32_nv_fp4_e2m1_rn__start.npy", np.array([0, 0x3F80_0000], np.uint32))
    np.save(folder / "f32_nv_fp4_e2m1_rn__code.npy", np.array([0, 2], np.uint16))
    np.save(folder / "f16_nv_fp4_e2m1_rn.npy", np.repeat(np.array([1, 3], np.uint16), 1 << 15))
    np.save(folder / "dec_nv_fp4_e2m1_to_f16.npy", np.arange(256, dtype=np.uint16))
    (folder / "__recorded.txt").write_text("a test GPU; today\n")
    out = tmp_path / "r.json"
    subprocess.run([sys.executable, str(ROOT / "Conformance/convert_npz.py"), str(folder), str(out)], check=True)
    doc = json.loads(out.read_text())
    assert doc["recorded"] == "a test GPU; today"
    by_name = {r["name"]: r for r in doc["recordings"]}
    assert by_name["f32_nv_fp4_e2m1_rn"]["starts"] == [0, 0x3F80_0000] and by_name["f32_nv_fp4_e2m1_rn"]["codes"] == [0, 2]
    assert by_name["f16_nv_fp4_e2m1_rn"]["starts"] == [0, 1 << 15] and by_name["f16_nv_fp4_e2m1_rn"]["codes"] == [1, 3]
    assert by_name["f16_nv_fp4_e2m1_rn"]["system"] == "cuda" and by_name["f16_nv_fp4_e2m1_rn"]["format"] == "e2m1fn"
    assert doc["decodes"] == [{"name": "dec_nv_fp4_e2m1_to_f16", "values": list(range(256))}]
