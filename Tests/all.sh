#!/usr/bin/env bash
# Every test of the project: the Python package's suite (python/test.sh, which also makes the
# virtual environment with NumPy and ml_dtypes that the Swift suite's Python checks use), then the
# Swift suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python/test.sh
swift test -c release
