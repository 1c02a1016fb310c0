#!/usr/bin/env bash
# Reproduces the speed section of docs/searches.md, in one run on this machine: the kernels bench
# (FLOPs, GFLOP/s and share of a peak measured in the same run), Glide against the seed's Python
# decoding on the same weights and swipes, and `glide predict` with the CLI's defaults on the
# How-We-Swipe test file on one thread (the rate it prints).
#
# Usage: scripts/speed.sh [BUILD_DIR]   (after building glide_cli, glide_bench_kernels, glide_bench_peer
#                                        and glide_vocabularies; the peer needs Debian's python3-torch)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
hws=../shared/data/how-we-swipe
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== kernels: glide_bench_kernels (first 500 How-We-Swipe validation swipes, CLI default search)"
"$build/bench/glide_bench_kernels"
echo
echo "== peer: glide_bench_peer (first 200 validation swipes, beam width 6 in both)"
"$build/bench/glide_bench_peer"
echo
echo "== glide predict, CLI defaults, How-We-Swipe test, one thread"
"$build/examples/glide" predict --grids "$hws/grids.json" --data "$hws/test.jsonl" --out "$work/p.jsonl" --threads 1 2> /dev/null |
  sed -E 's/:.*//' | awk '{ printf "%s %s in %s s (%s): %.0f swipes/s, %.2f ms a swipe\n", $1, $2, $4, "one thread", $1 / $4, 1000 * $4 / $1 }'
