#!/usr/bin/env bash
# Speed against accuracy on valid, for issue 10's speed condition (no worse than 1.5x the time per
# swipe of the issue's baseline): for each candidate default (the shipped 6+2-layer model at trie
# beam 12, 10, 9 and 8, and the 4+2-layer model shipped before it at beam 12), the neural n-best on
# valid, the rescoring weights refitted on it (`glide fit-rescore`), top-1 on valid with them, and
# the time per swipe against the issue's baseline (the before row of docs/accuracy.md: the old model,
# vocabulary and default search), all decoded in one process, interleaved swipe by swipe, PASSES
# passes over valid (glide_bench_pipelines). Only valid is read. About 10 minutes on 2 cores.
# Literal spellings (issue 23, later) are off in every pipeline here.
# Usage: scripts/beam-speed.sh [BUILD_DIR] [PASSES]   (after building glide_cli, glide_bench_pipelines
#        and glide_vocabularies)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
passes=${2:-2}
glide=$build/examples/glide
hws=../shared/data/how-we-swipe
work=${GLIDE_BEAM_SPEED_DIR:-$build/beam-speed}
mkdir -p "$work"
[[ -x $glide ]] || { echo "build glide_cli first ($glide)"; exit 1; }
[[ -f $hws/valid.jsonl ]] || { echo "no How-We-Swipe data in $hws"; exit 1; }
data=(--grids "$hws/grids.json" --data "$hws/valid.jsonl")

# The baseline and the 4+2-layer model, from the repository's history (scripts/history.sh).
source scripts/history.sh
model_at "$before_commit" "$work/before"
model_at "$decayed_commit" "$work/decayed"
vocab_without_contractions "$build" "$work/en-no-contractions.tsv"
# candidate NAME MODEL BEAM: its n-best on valid and its rescoring refitted there.
pipelines=(--pipeline "baseline:model=$work/before;vocab=$work/en-no-contractions.tsv;search=$old_default_search;rescore=0;literal=0")
candidate() {
  local name=$1 model=$2 beam=$3
  local search="trie_beam:beam_width=$beam,n_best=$beam,prior_weight=0.3"
  "$glide" predict "${data[@]}" --model "$model" --search "$search" --rescore-geometric 0 --top 0 --no-literal \
    --out "$work/$name-nbest.jsonl" --threads 2 > /dev/null 2>&1
  "$glide" fit-rescore "${data[@]}" --model "$model" --search "$search" --predictions "$work/$name-nbest.jsonl" \
    --out "$work/$name-rescore.json" > "$work/$name-fit.log" 2>&1
  echo "$name: $(tail -n 2 "$work/$name-fit.log" | head -n 1)"
  pipelines+=(--pipeline "$name:model=$model;search=$search;rescore_params=$work/$name-rescore.json;literal=0")
}
candidate deeper-beam12 models/en-qwerty 12
candidate deeper-beam10 models/en-qwerty 10
candidate deeper-beam9 models/en-qwerty 9
candidate deeper-beam8 models/en-qwerty 8
candidate decayed-beam12 "$work/decayed" 12
# Time and accuracy of every pipeline, interleaved swipe by swipe in one process (bench/pipelines.cpp).
"$build/bench/glide_bench_pipelines" --grids "$hws/grids.json" --data "$hws/valid.jsonl" --passes "$passes" "${pipelines[@]}"
