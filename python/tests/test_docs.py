"""The Python examples in the documents are run, and what they print is compared with the text
block that follows each of them (docs/python.md, README.md, python/README.md)."""
import contextlib
import importlib.util
import io
import re

import pytest

from conftest import REPOSITORY

DOCUMENTS = ["docs/python.md", "README.md", "python/README.md"]
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```\n", re.S | re.M)


def examples(text):
    """(code, expected output or None) for every python block, in order."""
    blocks = [(m.group(1), m.group(2), m.end(), m.start()) for m in BLOCK.finditer(text)]
    out = []
    for i, (kind, body, end, _) in enumerate(blocks):
        if kind != "python":
            continue
        following = blocks[i + 1] if i + 1 < len(blocks) else None
        expected = following[1] if following and following[0] == "text" and text[end:following[3]].strip() == "" else None
        out.append((body, expected))
    return out


@pytest.mark.parametrize("document", DOCUMENTS)
def test_examples_print_what_the_document_shows(document):
    text = (REPOSITORY / document).read_text(encoding="utf-8")
    if "import ml_dtypes" in text:
        pytest.importorskip("ml_dtypes")
    found = examples(text)
    assert found, f"{document} has no python examples"
    namespace = {"__name__": "__doc_example__"}
    for code, expected in found:
        # An example that needs an optional package (PyTorch: a 2.5 GB download) runs where it is
        # installed; later examples must not depend on it.
        if "import torch" in code and importlib.util.find_spec("torch") is None:
            continue
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(code, document, "exec"), namespace)
        if expected is not None:
            assert printed.getvalue() == expected, f"{document}: the example\n{code}\nprinted\n{printed.getvalue()}"
