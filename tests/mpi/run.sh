#!/usr/bin/env bash
# MPI tests: glide_mpi predict on 2 and 3 ranks (3 oversubscribed on this 2-core machine) writes
# predictions byte-identical to the single-process glide predict and registers one run; a sweep
# registers each job once and a rerun skips them all; a bad line fails the run naming the rank,
# and nothing is written or registered. Skipped (77) where OpenMPI's mpirun is absent.
# Usage: run.sh GLIDE GLIDE_MPI SOURCE_DIR WORK_DIR
set -euo pipefail
glide=$1 glide_mpi=$2 src=$3 work=$4
command -v mpirun > /dev/null || { echo "MPI tests skipped: mpirun not found (scripts/install-deps.sh --with-mpi)"; exit 77; }
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
# OpenMPI refuses root without these two variables; --oversubscribe lets 3 ranks share 2 cores.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi=(mpirun --oversubscribe --bind-to none)

# Data: 40 swipes of 10 words (fewer lines than ranks x threads would still shard: 40 / 3 is uneven).
"$glide" synth --words hello,world,quick,brown,keyboard,people,thanks,because,typing,model --count 4 --seed 3 \
  --out "$work/data.jsonl"
"$glide" predict --data "$work/data.jsonl" --out "$work/single.jsonl" --threads 2 --table "$work/single.csv" > "$work/single.txt"
for np in 2 3; do
  "${mpi[@]}" -np $np "$glide_mpi" predict --data "$work/data.jsonl" --out "$work/np$np.jsonl" --threads 1 \
    --table "$work/np$np.csv" > "$work/np$np.txt" 2>&1 || { cat "$work/np$np.txt"; fail "mpirun -np $np"; }
  cmp "$work/single.jsonl" "$work/np$np.jsonl" || fail "-np $np predictions differ from the single process's"
  grep -q "x $np ranks" "$work/np$np.txt" || fail "-np $np: no rank count in $(cat "$work/np$np.txt")"
  [[ $(grep -c "" "$work/np$np.csv") == 2 ]] || fail "-np $np: table should hold one run: $(cat "$work/np$np.csv")"
  # The same key as the single process's run (one data file, same weights, same search).
  [[ "$(tail -1 "$work/np$np.csv" | cut -d, -f1-5)" == "$(tail -1 "$work/single.csv" | cut -d, -f1-5)" ]] ||
    fail "-np $np registered another key"
  echo "mpirun -np $np: predictions identical to the single process ($(wc -l < "$work/np$np.jsonl") lines)"
done

# A sweep of 4 jobs (2 searches x 2 datasets) on 3 ranks; a rerun skips all of them. Job 1 is the
# CLI's default search (glide::backends::eigen::default_search), so it equals the single predict.
head -20 "$work/data.jsonl" > "$work/half.jsonl"
cat > "$work/jobs.json" <<JSON
[
  {"data": "$work/data.jsonl", "out": "$work/s1.jsonl", "search": "trie_beam:beam_width=9,n_best=9,prior_weight=0.3"},
  {"data": "$work/data.jsonl", "out": "$work/s2.jsonl", "search": "best_first:n_best=4,prior_weight=0.3", "rescore_geometric": 0},
  {"data": "$work/half.jsonl", "out": "$work/s3.jsonl", "search": "trie_beam:beam_width=9,n_best=9,prior_weight=0.3"},
  {"data": "$work/half.jsonl", "out": "$work/s4.jsonl", "search": "best_first:n_best=4,prior_weight=0.3", "rescore_geometric": 0}
]
JSON
"${mpi[@]}" -np 3 "$glide_mpi" sweep --jobs "$work/jobs.json" --table "$work/sweep.csv" --threads 1 > "$work/sweep1.txt" 2>&1 ||
  { cat "$work/sweep1.txt"; fail "sweep"; }
grep -q "4 run and registered" "$work/sweep1.txt" || fail "sweep: $(cat "$work/sweep1.txt")"
[[ $(grep -c "" "$work/sweep.csv") == 5 ]] || fail "sweep table should hold 4 runs: $(cat "$work/sweep.csv")"
cmp "$work/s1.jsonl" "$work/single.jsonl" || fail "sweep job 1 differs from predict with the same options"
"${mpi[@]}" -np 2 "$glide_mpi" sweep --jobs "$work/jobs.json" --table "$work/sweep.csv" --threads 1 > "$work/sweep2.txt" 2>&1 ||
  { cat "$work/sweep2.txt"; fail "sweep rerun"; }
grep -q "0 run and registered in .*, 4 already there" "$work/sweep2.txt" || fail "sweep rerun: $(cat "$work/sweep2.txt")"
echo "sweep: 4 jobs registered once, a rerun skipped them"

# A bad line (x and y of different lengths) fails the run with the rank, the file:line and the cause;
# nothing is half-written or registered.
cp "$work/data.jsonl" "$work/bad.jsonl"
echo '{"curve": {"grid_name": "qwerty_english", "x": [1, 2], "y": [1], "t": [0, 1]}, "word": "oops"}' >> "$work/bad.jsonl"
if "${mpi[@]}" -np 2 "$glide_mpi" predict --data "$work/bad.jsonl" --out "$work/bad-out.jsonl" --table "$work/bad.csv" \
  > "$work/bad.txt" 2>&1; then
  fail "a bad line did not fail the run"
fi
grep -q "bad.jsonl:41" "$work/bad.txt" || fail "the error does not name the line: $(cat "$work/bad.txt")"
[[ ! -e "$work/bad-out.jsonl" && ! -e "$work/bad.csv" ]] || fail "a failed run wrote its output or registered it"
# A model that does not exist: every rank fails, the run fails once, naming rank 0.
if "${mpi[@]}" -np 2 "$glide_mpi" predict --model "$work/no-model" --data "$work/data.jsonl" --out "$work/nm.jsonl" \
  > "$work/nm.txt" 2>&1; then
  fail "a missing model did not fail the run"
fi
grep -q "rank 0 of 2 failed (2 ranks failed)" "$work/nm.txt" || fail "missing model: $(cat "$work/nm.txt")"
echo "failures: named by rank and line, nothing written or registered"
echo "MPI tests passed"
