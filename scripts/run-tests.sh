#!/usr/bin/env bash
# Installs dependencies, builds everything (with each public header compiled on its own) and runs the
# whole test suite (unit, law, CLI, training, packaging, fuzzing, peer-benchmark, browser and MPI tests), then runs
# the unit, law and CLI tests again in a sanitizer build. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --with-torch --with-web --with-mpi
build=${GLIDE_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DGLIDE_WITH_TORCH=ON -DGLIDE_WITH_MPI=ON
cmake --build "$build" -j"$(nproc)"
cmake --build "$build" -j"$(nproc)" --target all_verify_interface_header_sets
ctest --test-dir "$build" -j"$(nproc)" --output-on-failure

# The same unit, law and CLI tests built with ASan + UBSan (halting at the first report, so a report
# fails its test). LibTorch and the benches are left out of this build.
san=${GLIDE_SANITIZE_BUILD_DIR:-build-sanitize}
cmake -S . -B "$san" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-O1 -DGLIDE_SANITIZE=ON -DGLIDE_WITH_TORCH=OFF \
  -DGLIDE_BUILD_BENCH=OFF -DGLIDE_NATIVE=OFF
cmake --build "$san" -j"$(nproc)" --target glide_unit_tests glide_law_tests glide_cli glide_vocabularies
ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --test-dir "$san" -j"$(nproc)" --output-on-failure -R '^(glide_unit_tests|glide_law_tests|cli\.)'

# Decoding while words are added and removed (tests tagged [threads]) in a ThreadSanitizer build.
tsan=${GLIDE_TSAN_BUILD_DIR:-build-tsan}
cmake -S . -B "$tsan" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-O1 -DGLIDE_SANITIZE_THREAD=ON -DGLIDE_WITH_TORCH=OFF \
  -DGLIDE_BUILD_BENCH=OFF -DGLIDE_NATIVE=OFF
cmake --build "$tsan" -j"$(nproc)" --target glide_pipeline_tests glide_vocabularies
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ctest --test-dir "$tsan" --output-on-failure -R 'glide_pipeline_tests:.*while other threads decode'
