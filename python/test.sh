#!/usr/bin/env bash
# The Python package's tests, run on the package as a user installs it: `pip install ./python`
# into a virtual environment (.build-python/venv, which sees the system's site-packages), then
# pytest on python/tests. NumPy and pytest come from the system or PyPI; ml_dtypes from PyPI when
# it can be had (without it, the ml_dtypes cross-checks are skipped). Arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
unset MINIFLOAT_LIBRARY
venv="$PWD/.build-python/venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv --system-site-packages "$venv"
fi
py="$venv/bin/python"
"$py" -c "import numpy, pytest" 2>/dev/null || "$py" -m pip install -q "numpy>=1.22" "pytest>=7"
"$py" -c "import ml_dtypes" 2>/dev/null || "$py" -m pip install -q ml_dtypes \
    || echo "python/test.sh: ml_dtypes could not be installed; its cross-checks are skipped" >&2
"$py" -m pip install -q --no-deps --force-reinstall ./python
cd python/tests
exec "$py" -m pytest -q -p no:cacheprovider "$@"
