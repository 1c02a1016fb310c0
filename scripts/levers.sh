#!/usr/bin/env bash
# Issue 28's levers, measured: each model directory decoded with the CLI's defaults (the shipped
# rescoring and literal gate, one thread) on How-We-Swipe valid, and on test with --test; `glide
# evaluate` prints top-1 / top-4 / Swipe MRR on all, in-vocabulary and out-of-vocabulary swipes. Then
# the models' lists merged by `glide aggregate` (weighted merge of sorted predictions, weights fitted
# on valid's lists; on valid this is the fit's own score, on test the held-out one), each model's
# decoding time and the merge's.
#
# Usage: scripts/levers.sh [--test] BUILD_DIR NAME=MODEL_DIR [NAME=MODEL_DIR ...]
#   e.g. scripts/levers.sh build shipped=models/en-qwerty near11=RUNS/keys-nearest-s11 soft11=RUNS/keys-soft3-s11
# Writes predictions under $GLIDE_LEVERS_DIR (default BUILD_DIR/levers). Choices use valid only.
set -euo pipefail
cd "$(dirname "$0")/.."
test=0
if [[ ${1:-} == --test ]]; then test=1; shift; fi
build=${1:?usage: scripts/levers.sh [--test] BUILD_DIR NAME=MODEL_DIR...}
shift
(($# >= 1)) || { echo "usage: scripts/levers.sh [--test] BUILD_DIR NAME=MODEL_DIR..." >&2; exit 1; }
glide=$build/examples/glide
hws=../shared/data/how-we-swipe
work=${GLIDE_LEVERS_DIR:-$build/levers}
[[ -x $glide ]] || { echo "levers: build glide_cli first ($glide)" >&2; exit 1; }
[[ -f $hws/valid.jsonl ]] || { echo "levers: no How-We-Swipe data in $hws" >&2; exit 1; }
mkdir -p "$work"
splits=(valid)
((test)) && splits+=(test)
names=()
for spec in "$@"; do
  name=${spec%%=*}
  dir=${spec#*=}
  [[ $name != "$spec" && -n $name && $name =~ ^[A-Za-z0-9_.-]+$ ]] || { echo "levers: '$spec' is not NAME=MODEL_DIR" >&2; exit 1; }
  [[ -f $dir/config.json && -f $dir/model.safetensors ]] || { echo "levers: $dir holds no model (config.json, model.safetensors)" >&2; exit 1; }
  names+=("$name")
  for split in "${splits[@]}"; do
    out=$work/$name-$split.jsonl
    start=$(date +%s%N)
    "$glide" predict --model "$dir" --grids "$hws/grids.json" --data "$hws/$split.jsonl" --out "$out" --threads 1 > "$work/$name-$split.log" 2>&1 ||
      { cat "$work/$name-$split.log"; exit 1; }
    ms=$((($(date +%s%N) - start) / 1000000))
    echo "== $name ($dir), $split: $(grep -o '[0-9.]* swipes/s' "$work/$name-$split.log" | tail -n 1 || true) ($((ms / 1000)).$(printf %03d $((ms % 1000))) s with loading, one thread)"
    "$glide" evaluate --predictions "$out"
  done
done
if ((${#names[@]} >= 2)); then
  fit=$(printf "$work/%s-valid.jsonl," "${names[@]}")
  for split in "${splits[@]}"; do
    apply=$(printf "$work/%s-$split.jsonl," "${names[@]}")
    echo "== weighted merge of ${names[*]} (weights fitted on valid), $split"
    "$glide" aggregate --method weighted --fit "${fit%,}" --apply "${apply%,}" --out "$work/merged-$split.jsonl" --top-k 4
    "$glide" evaluate --predictions "$work/merged-$split.jsonl"
  done
fi
