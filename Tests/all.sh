#!/usr/bin/env bash
# Every test of the project: the Swift suite, then the Python package's suite (python/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
swift test -c release
python/test.sh
