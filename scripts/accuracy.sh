#!/usr/bin/env bash
# Reproduces the table of docs/accuracy.md: each row decodes the How-We-Swipe valid and test files
# (real swipes of volunteers no model trained on, each on its exact keyboard) with `glide predict`
# and prints top-1 / top-4 / Swipe MRR on all swipes and on in-vocabulary swipes, and ms per swipe
# on one thread. Every choice was made on valid; test is only reported. Then the fitted merge of the
# neural and geometric lists, the 20 commonest confusions of the defaults on valid, and the speed
# ratios. Rows before literal spellings pin --no-literal (the CLI's default since issue 23).
#
# Usage: scripts/accuracy.sh [BUILD_DIR]   (after building glide_cli and glide_vocabularies)
# Needs ../shared/data/how-we-swipe and git history. About 10 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
glide=$build/examples/glide
hws=../shared/data/how-we-swipe
work=${GLIDE_ACCURACY_DIR:-$build/accuracy}
mkdir -p "$work"
[[ -x $glide ]] || { echo "build glide_cli first ($glide)"; exit 1; }
[[ -f $hws/valid.jsonl ]] || { echo "no How-We-Swipe data in $hws"; exit 1; }
source scripts/history.sh

# The model before the real-swipe work.
model_at "$before_commit" "$work/before"
# The first model trained on real swipes (step 6000 of the run, shipped before its learning rate decayed).
prev=e11f56a
model_at "$prev" "$work/prev"
git show "$prev:configs/rescore-en.json" > "$work/prev-rescore.json"
# The model after the learning-rate decay (4+2 layers), shipped before the deeper encoder, with the
# rescoring weights refitted for it.
model_at "$decayed_commit" "$work/decayed"
git show "$decayed_commit:configs/rescore-en.json" > "$work/decayed-rescore.json"
# The shipped model before its weights were stored as int8 (the rows up to literal use it).
model_at "$f32_commit" "$work/f32"
# The vocabulary before contractions were added.
vocab_without_contractions "$build" "$work/en-no-contractions.tsv"
old_search="--search $old_default_search --rescore-geometric 0 --no-literal"
# The deeper model's defaults before the beam was narrowed to the speed limit, with the rescoring
# weights fitted for them.
git show f4d3868:configs/rescore-en.json > "$work/deeper-rescore.json"
beam12="--search $beam12_search --no-literal"
# The literal gate with the free beam of width 8 (the literal and int8 rows), before it was narrowed to 4.
git show f6e4094^:configs/literal-en.json > "$work/literal-beam8.json"

# row NAME PREDICT-OPTIONS...: one table row, valid then test.
row() {
  local name=$1
  shift
  local cells="| $name |" ms=""
  for split in valid test; do
    local log="$work/$name-$split.log"
    # shellcheck disable=SC2068
    "$glide" predict --grids "$hws/grids.json" --data "$hws/$split.jsonl" --out "$work/$name-$split.jsonl" --threads 1 $@ \
      > "$log" 2> /dev/null
    cells+=$(awk '
      function grab(text, what,   v) {
        if (!match(text, what " [0-9.]+")) return "-"
        v = substr(text, RSTART, RLENGTH); sub(/.* /, "", v); return v
      }
      /swipes in/ {
        split($0, part, "in-vocabulary|out-of-vocabulary")
        printf " %s / %s / %s | %s / %s / %s | %s / %s / %s |", grab(part[1], "accuracy@1"), grab(part[1], "accuracy@4"),
               grab(part[1], "Swipe MRR"), grab(part[2], "accuracy@1"), grab(part[2], "accuracy@4"), grab(part[2], "Swipe MRR"),
               grab(part[3], "accuracy@1"), grab(part[3], "accuracy@4"), grab(part[3], "Swipe MRR")
      }' "$log")
    ms=$(awk '/swipes in/ { printf "%.1f", 1000 * $4 / $1 }' "$log")
  done
  echo "$cells $ms |"
}

echo "| row | valid: top-1 / top-4 / MRR | valid, in-vocabulary | valid, out-of-vocabulary | test: top-1 / top-4 / MRR | test, in-vocabulary | test, out-of-vocabulary | ms/swipe (test) |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
# Every row but the last multiplies float32 weights (int8 files dequantized on load), as when it was
# measured; the int8 kernel (issue 27), the default where built for AVX-512 VNNI, is the last row,
# int8-kernel.
export GLIDE_INT8_KERNELS=0
row before --model "$work/before" --vocab "$work/en-no-contractions.tsv" $old_search
row real-data --model "$work/prev" --vocab "$work/en-no-contractions.tsv" $old_search
row contractions --model "$work/prev" $old_search
row defaults --model "$work/prev" $beam12 --rescore-params "$work/prev-rescore.json"
row lr-decay --model "$work/decayed" $beam12 --rescore-params "$work/prev-rescore.json"
row refit-rescore --model "$work/decayed" $beam12 --rescore-params "$work/decayed-rescore.json"
row deeper --model "$work/f32" $beam12 --rescore-params "$work/decayed-rescore.json"
row deeper-refit-rescore --model "$work/f32" $beam12 --rescore-params "$work/deeper-rescore.json"
row beam9 --model "$work/f32" --no-literal
row literal --model "$work/f32" --literal-params "$work/literal-beam8.json"
# The same model with int8 weights (issue 27).
row int8 --literal-params "$work/literal-beam8.json"
# The literal spellings' free beam narrowed from 8 to 4 (issue 27).
row free-beam4
row geometric --recognizer geometric
# The layout-conditioned model (issue 24) as --language would run it: the English letters, its own
# search (trie beam 16), the English rescoring and literal gate (float32 products, as measured then).
row layout-model --language en --model models/multi-layout
unset GLIDE_INT8_KERNELS
# The shipped defaults: int8 products (issue 27).
row int8-kernel
echo
echo "Fitted merge of the contractions row (neural) and the geometric row, weights fitted on valid:"
"$glide" aggregate --method weighted --fit "$work/contractions-valid.jsonl,$work/geometric-valid.jsonl" \
  --apply "$work/contractions-test.jsonl,$work/geometric-test.jsonl" --out "$work/merged-test.jsonl" > /dev/null
"$glide" aggregate --method weighted --fit "$work/contractions-valid.jsonl,$work/geometric-valid.jsonl" \
  --apply "$work/contractions-valid.jsonl,$work/geometric-valid.jsonl" --out "$work/merged-valid.jsonl" > /dev/null
for split in valid test; do
  echo "$split: $("$glide" evaluate --predictions "$work/merged-$split.jsonl" | tr '\n' ';')"
done
echo
echo "Commonest confusions of the defaults on valid:"
"$glide" evaluate --predictions "$work/int8-kernel-valid.jsonl" --confusions 20 | tail -n 21
echo
# Issue 10's speed condition on test: the defaults against the before row, in one process,
# interleaved swipe by swipe (bench/pipelines.cpp).
echo "Time per swipe on test, the defaults against the issue's baseline (the before row) and issue 23's (beam9):"
"$build/bench/glide_bench_pipelines" --grids "$hws/grids.json" --data "$hws/test.jsonl" --passes 2 \
  --pipeline "before:model=$work/before;vocab=$work/en-no-contractions.tsv;search=$old_default_search;rescore=0;literal=0" \
  --pipeline "beam9:model=$work/f32;literal=0" --pipeline "defaults:" \
  --pipeline "deeper-beam12:model=$work/f32;search=$beam12_search;rescore_params=$work/deeper-rescore.json;literal=0"
