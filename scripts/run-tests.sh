#!/usr/bin/env bash
# Installs dependencies, builds everything (with each public header compiled on its own) and runs the
# whole test suite. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --with-torch
build=${GLIDE_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DGLIDE_WITH_TORCH=ON
cmake --build "$build" -j"$(nproc)"
cmake --build "$build" -j"$(nproc)" --target all_verify_interface_header_sets
ctest --test-dir "$build" -j"$(nproc)" --output-on-failure
