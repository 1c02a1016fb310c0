#!/usr/bin/env bash
# ctest's python.pytest: runs python/tests with the Python the module was built for.
# Usage: run.sh PYTHON MODULE_DIR GLIDE_CLI WORK_DIR   (from the repository root)
# Exits 77 (skipped) with a message where the module was not built or pytest is missing.
set -uo pipefail
python=$1 module_dir=$2 cli=$3 work=$4
if ! ls "$module_dir"/glide/_glide*.so > /dev/null 2>&1; then
  echo "python.pytest: skipped: the module glide was not built (install pybind11-dev and python3-dev: scripts/install-deps.sh; then reconfigure)"
  exit 77
fi
if ! "$python" -c "import pytest" 2> /dev/null; then
  echo "python.pytest: skipped: $python has no pytest (python3-pytest: scripts/install-deps.sh)"
  exit 77
fi
mkdir -p "$work" && rm -f "$work/torch-parity.txt"  # the PyTorch parity figures of this run
export PYTHONPATH="$module_dir${PYTHONPATH:+:$PYTHONPATH}" GLIDE_CLI="$cli" GLIDE_TEST_DIR="$work"
exec "$python" -m pytest -q -p no:cacheprovider "$(dirname "$0")"
