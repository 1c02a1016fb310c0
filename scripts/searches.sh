#!/usr/bin/env bash
# Reproduces the "Measured" section of docs/searches.md in one run on this machine: the search
# strategies side by side (glide_bench_search with its defaults), the trie's memory with 100,000
# words (the vocabulary padded with generated strings), and the frequency prior swept for the trie
# beam and best-first search with `glide predict` on the first 1,000 How-We-Swipe validation swipes
# (one thread, no rescoring: the search alone).
#
# Usage: scripts/searches.sh [BUILD_DIR]   (after building glide_cli, glide_bench_search and
#                                           glide_vocabularies; needs ../shared/data/how-we-swipe)
# About 5 minutes on 2 cores; run it with nothing else running, the times are per swipe on one thread.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
hws=../shared/data/how-we-swipe
[[ -f $hws/valid.jsonl ]] || { echo "no How-We-Swipe data in $hws"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== glide_bench_search (defaults)"
"$build/bench/glide_bench_search"
echo
echo "== 100,000 words: glide_bench_search --vocab-size 100000 (first 100 validation swipes, no synthetic ones)"
"$build/bench/glide_bench_search" --vocab-size 100000 --limit 100 --synthetic 0 | grep -E '^model|^peak RSS'
echo
echo "== frequency prior: first 1,000 validation swipes, glide predict, one thread, no rescoring"
head -n 1000 "$hws/valid.jsonl" > "$work/valid-1000.jsonl"
printf '%-46s %8s %8s %8s %9s\n' search MRR acc@1 acc@4 ms/swipe
for search in trie_beam:beam_width=8,n_best=4 best_first:n_best=4; do
  for prior in 0 0.3 0.6 1.0; do
    spec="$search,prior_weight=$prior"
    "$build/examples/glide" predict --grids "$hws/grids.json" --data "$work/valid-1000.jsonl" --out "$work/p.jsonl" \
      --threads 1 --rescore-geometric 0 --no-literal --search "$spec" 2> /dev/null |
      awk -v spec="$spec" '
        function grab(text, what,   v) {
          if (!match(text, what " [0-9.]+")) return "-"
          v = substr(text, RSTART, RLENGTH); sub(/.* /, "", v); return v
        }
        /swipes in/ {
          split($0, part, "in-vocabulary")
          printf "%-46s %8s %8s %8s %9.2f\n", spec, grab(part[1], "Swipe MRR"), grab(part[1], "accuracy@1"),
                 grab(part[1], "accuracy@4"), 1000 * $4 / $1
        }'
  done
done
