#!/usr/bin/env bash
# The scaling table of docs/mpi.md: glide predict (one process) and glide_mpi predict on 1 and 2
# ranks, one decoding thread per rank, on the How-We-Swipe valid file with the CLI's defaults; then
# the same with two threads in one process. Prints swipes/s per run; outputs must be identical.
# Usage: scripts/mpi-scaling.sh [BUILD_DIR]   (built with -DGLIDE_WITH_MPI=ON; run on a quiet machine)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
hws=../shared/data/how-we-swipe
work=$build/mpi-scaling
mkdir -p "$work"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
args=(predict --grids "$hws/grids.json" --data "$hws/valid.jsonl")
rate() { awk '/swipes in/ { printf "%.0f swipes/s (%s s)", $1 / $4, $4 }' "$1"; }
"$build/examples/glide" "${args[@]}" --out "$work/single.jsonl" --threads 1 > "$work/single.txt" 2> /dev/null
echo "glide predict, 1 process x 1 thread: $(rate "$work/single.txt")"
for np in 1 2; do
  mpirun --oversubscribe --bind-to none -np $np "$build/examples/glide_mpi" "${args[@]}" --out "$work/np$np.jsonl" --threads 1 \
    > "$work/np$np.txt" 2> /dev/null
  cmp -s "$work/single.jsonl" "$work/np$np.jsonl" && same="identical" || same="DIFFERENT"
  echo "glide_mpi predict, $np rank(s) x 1 thread: $(rate "$work/np$np.txt"), predictions $same"
done
"$build/examples/glide" "${args[@]}" --out "$work/threads2.jsonl" --threads 2 > "$work/threads2.txt" 2> /dev/null
cmp -s "$work/single.jsonl" "$work/threads2.jsonl" && same="identical" || same="DIFFERENT"
echo "glide predict, 1 process x 2 threads: $(rate "$work/threads2.txt"), predictions $same"
