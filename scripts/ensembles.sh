#!/usr/bin/env bash
# Issue 28's in-pipeline ensembles, measured: `glide predict` with the CLI's defaults plus each row's
# ensemble options on How-We-Swipe valid (and test with --test), one thread; `glide evaluate` prints
# top-1 / top-4 / Swipe MRR on all, in-vocabulary and out-of-vocabulary swipes, and each run's rate.
# Choices (method, weights, members) use valid only.
#
# Usage: scripts/ensembles.sh [--test] BUILD_DIR [NAME='OPTIONS' ...]
#   without rows: the shipped model alone, then with the layout-conditioned model by each method.
#   e.g. scripts/ensembles.sh build 'soft=--ensemble RUNS/en-from-layout-s11 --ensemble-method words'
# Writes predictions under $GLIDE_ENSEMBLES_DIR (default BUILD_DIR/ensembles).
set -euo pipefail
cd "$(dirname "$0")/.."
test=0
if [[ ${1:-} == --test ]]; then test=1; shift; fi
build=${1:?usage: scripts/ensembles.sh [--test] BUILD_DIR [NAME='OPTIONS' ...]}
shift
glide=$build/examples/glide
hws=../shared/data/how-we-swipe
work=${GLIDE_ENSEMBLES_DIR:-$build/ensembles}
[[ -x $glide ]] || { echo "ensembles: build glide_cli first ($glide)" >&2; exit 1; }
[[ -f $hws/valid.jsonl ]] || { echo "ensembles: no How-We-Swipe data in $hws" >&2; exit 1; }
rows=("$@")
if ((${#rows[@]} == 0)); then
  layout=models/multi-layout
  rows=("single="
        "product=--ensemble $layout --ensemble-method product"
        "mixture=--ensemble $layout --ensemble-method mixture"
        "words=--ensemble $layout --ensemble-method words"
        "words-0.75-1=--ensemble $layout --ensemble-method words --ensemble-weights 0.75,1"
        "words-1-0.75=--ensemble $layout --ensemble-method words --ensemble-weights 1,0.75")
fi
mkdir -p "$work"
splits=(valid)
((test)) && splits+=(test)
for spec in "${rows[@]}"; do
  name=${spec%%=*}
  [[ $name != "$spec" && -n $name && $name =~ ^[A-Za-z0-9_.-]+$ ]] || { echo "ensembles: '$spec' is not NAME='OPTIONS'" >&2; exit 1; }
  read -r -a options <<< "${spec#*=}"
  for split in "${splits[@]}"; do
    out=$work/$name-$split.jsonl
    "$glide" predict --grids "$hws/grids.json" --data "$hws/$split.jsonl" --out "$out" --threads 1 "${options[@]}" \
      > "$work/$name-$split.log" 2>&1 || { cat "$work/$name-$split.log"; exit 1; }
    echo "== $name (${spec#*=}), $split: $(tr '\r' '\n' < "$work/$name-$split.log" | grep -o '[0-9.]* swipes/s' | tail -n 1 || true), one thread"
    "$glide" evaluate --predictions "$out"
  done
done
