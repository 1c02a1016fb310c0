#!/usr/bin/env bash
# Whole `glide predict` runs of this build against the `glide` of an earlier commit, each with its own
# defaults (model, vocabulary, search, rescoring as shipped then), on one thread, alternated round by
# round (the order swapped every round) so that a machine that speeds up or slows down weighs on both.
# Prints each run's swipes a second (the rate `glide predict` reports for its decoding), both sides'
# accuracy, and as the last line `glide/COMMIT speed ratio: N.NNx` (the median of the old side's time
# a swipe over the median of this build's).
#
# The earlier commit is built once from `git archive` (no worktree; GLIDE_WITH_TORCH off, the glide_cli
# target and its vocabulary), under WORK (default /tmp/glide-at-COMMIT), and reused after.
#
# GLIDE_BENCH_OPTIONS: more `glide predict` options for this build's side only (split on spaces),
# e.g. GLIDE_BENCH_OPTIONS="--ensemble models/multi-layout --ensemble-method words" to time an ensemble
# against the earlier commit's defaults.
#
# Usage: bench/against_commit.sh BUILD_DIR COMMIT [DATA] [ROUNDS] [WORK]
#   e.g. bench/against_commit.sh build f4aef71 ../shared/data/how-we-swipe/test.jsonl 3   (issue 27's baseline)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: bench/against_commit.sh BUILD_DIR COMMIT [DATA] [ROUNDS] [WORK]}
commit=${2:?usage: bench/against_commit.sh BUILD_DIR COMMIT [DATA] [ROUNDS] [WORK]}
data=${3:-../shared/data/how-we-swipe/test.jsonl}
rounds=${4:-3}
old=${5:-/tmp/glide-at-$commit}
grids=../shared/data/how-we-swipe/grids.json
[[ -x $build/examples/glide ]] || { echo "no $build/examples/glide: build the glide_cli target first" >&2; exit 1; }
[[ -f $data ]] || { echo "no data file $data" >&2; exit 1; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS must be a positive count, not '$rounds'" >&2; exit 1; }
source bench/lib.sh
if [[ ! -x $old/build/examples/glide ]]; then
  echo "building glide at $commit in $old (once)"
  build_commit "$commit" "$old" glide_cli || exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One run: prints its rate (swipes a second); its summary goes to $work/NAME.txt.
read -r -a new_options <<< "${GLIDE_BENCH_OPTIONS:-}"
run() {
  local bin=$1 name=$2 rate extra=()
  [[ $name == new ]] && extra=("${new_options[@]}")
  rate=$("$bin" predict --grids "$grids" --data "$data" --out "$work/$name.jsonl" --threads 1 "${extra[@]}" 2>&1 > "$work/$name.txt" |
    tr '\r' '\n' | sed -nE 's/^glide predict: ([0-9]+)\/\1 swipes, ([0-9.]+) swipes\/s$/\2/p' | tail -1)
  [[ -n $rate ]] || { echo "$bin predict printed no final rate" >&2; exit 1; }
  echo "$rate"
}
echo "$(grep -c '' "$data") swipes of $data, one thread, $rounds rounds alternated${GLIDE_BENCH_OPTIONS:+; this build with $GLIDE_BENCH_OPTIONS}"
printf '%-8s %14s %14s\n' round "$commit" "this build"
old_ms=() new_ms=()
for ((r = 1; r <= rounds; r++)); do
  if ((r % 2)); then
    a=$(run "$old/build/examples/glide" old) b=$(run "$build/examples/glide" new)
  else
    b=$(run "$build/examples/glide" new) a=$(run "$old/build/examples/glide" old)
  fi
  printf '%-8s %10s sw/s %10s sw/s\n' "$r" "$a" "$b"
  old_ms+=("$(awk -v r="$a" 'BEGIN { printf "%.6f", 1000 / r }')")
  new_ms+=("$(awk -v r="$b" 'BEGIN { printf "%.6f", 1000 / r }')")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mo=$(median "${old_ms[@]}") mn=$(median "${new_ms[@]}")
echo "accuracy, $commit: $(sed -n 's/^[0-9]* swipes in [^:]*: //p' "$work/old.txt" | head -1)"
echo "accuracy, this build: $(sed -n 's/^[0-9]* swipes in [^:]*: //p' "$work/new.txt" | head -1)"
printf 'median ms a swipe: %s %.3f, this build %.3f\n' "$commit" "$mo" "$mn"
awk -v o="$mo" -v n="$mn" -v c="$commit" 'BEGIN { printf "glide/%s speed ratio: %.2fx\n", c, o / n }'
