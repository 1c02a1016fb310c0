#!/usr/bin/env bash
# Concurrent registrations in one prediction table (issue 29 D8): N `glide predict --table` runs
# started at once, each on its own copy of a tiny dataset (so each has its own row), must all keep
# their row, and leave no temporary file behind.
# Usage: table_concurrency.sh GLIDE WORK_DIR [N...]   (default N: 8 32; more rounds: ROUNDS=10)
set -euo pipefail
glide=$1 work=$2
shift 2
counts=("${@:-8 32}")
read -r -a counts <<< "${counts[*]}"
rounds=${ROUNDS:-1}
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }

"$glide" synth --grid qwerty_english --words the,and --count 1 --seed 5 --out "$work/data.jsonl"
for n in "${counts[@]}"; do
  for round in $(seq 1 "$rounds"); do
    dir="$work/n$n-r$round"
    mkdir -p "$dir"
    for i in $(seq 1 "$n"); do cp "$work/data.jsonl" "$dir/d$i.jsonl"; done
    pids=()
    for i in $(seq 1 "$n"); do
      "$glide" predict --data "$dir/d$i.jsonl" --out "$dir/p$i.jsonl" --threads 1 --table "$dir/t.csv" > "$dir/log$i.txt" 2>&1 &
      pids+=($!)
    done
    for i in "${!pids[@]}"; do wait "${pids[$i]}" || fail "run $((i + 1)) of $n failed: $(cat "$dir/log$((i + 1)).txt")"; done
    rows=$(($(wc -l < "$dir/t.csv") - 1))
    echo "$n concurrent registrations (round $round) -> $rows rows"
    ((rows == n)) || { cat "$dir/t.csv"; fail "$n concurrent registrations kept $rows rows"; }
    for i in $(seq 1 "$n"); do grep -q "d$i.jsonl#" "$dir/t.csv" || fail "run $i's row is missing"; done
    leftovers=$(find "$dir" -name '*.tmp' | wc -l)
    ((leftovers == 0)) || fail "$leftovers temporary file(s) left behind"
  done
done
echo "table concurrency test passed"
