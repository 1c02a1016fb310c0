#!/usr/bin/env bash
# Builds Glide's libFuzzer harnesses (clang, with ASan + UBSan, halting on the first report) and runs
# each for N seconds from its checked-in seed corpus (copied, so the repository's seeds stay as they
# are) with the JSON dictionary. Exits non-zero on any finding; the reproducer is left in the work dir.
#
# Usage: tests/fuzz/run.sh [--seconds N] [--work DIR] [NAME...]
#   NAME: safetensors model_config grid_features jsonl word_list user_words utf8_tokenizer predictions shards (default: all)
#   The test suite runs each for 20 s; a longer run, e.g. an hour each:  tests/fuzz/run.sh --seconds 3600
# Exit status 77 (a skip for ctest) when clang++ cannot build libFuzzer binaries.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
seconds=20
work=${TMPDIR:-/tmp}/glide-fuzz
names=()
while (($#)); do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    *) names+=("$1"); shift ;;
  esac
done
((${#names[@]})) || names=(safetensors model_config grid_features jsonl word_list user_words utf8_tokenizer predictions shards)
cxx=${GLIDE_FUZZ_CXX:-clang++}
mkdir -p "$work"
if ! command -v "$cxx" > /dev/null ||
   ! echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' |
     "$cxx" -x c++ -fsanitize=fuzzer - -o "$work/probe-$$" 2> /dev/null; then  # one per process: ctest runs fuzzers in parallel
  echo "fuzz: skipped: $cxx cannot build libFuzzer binaries (install Debian's clang)"
  exit 77
fi
rm -f "$work/probe-$$"
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
       -I "$src/include" -I /usr/include/eigen3)
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
for n in "${names[@]}"; do
  [[ -f "$here/fuzz_$n.cpp" ]] || { echo "fuzz: no harness '$n'"; exit 2; }
  bin="$work/fuzz_$n"
  if [[ ! -x "$bin" || "$here/fuzz_$n.cpp" -nt "$bin" || -n "$(find "$src/include" -newer "$bin" -name '*.hpp' -print -quit)" ]]; then
    "$cxx" "${flags[@]}" "$here/fuzz_$n.cpp" -o "$bin"
  fi
  corpus="$work/corpus_$n"
  mkdir -p "$corpus" "$work/artifacts_$n"
  cp -n "$here/corpus/$n"/* "$corpus"/ 2> /dev/null || true
  echo "fuzz: $n for ${seconds}s"
  if ! "$bin" -max_total_time="$seconds" -dict="$here/json.dict" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$work/artifacts_$n/" -print_final_stats=1 "$corpus" > "$work/$n.log" 2>&1; then
    tail -n 40 "$work/$n.log"
    echo "fuzz: FINDING in $n (reproducer in $work/artifacts_$n/)"
    status=1
  else
    grep -E "stat::number_of_executed_units|Done" "$work/$n.log" | tail -n 2
  fi
done
exit $status
