#!/usr/bin/env bash
# The layout-conditioned model's search for the language packs, chosen on a validation set of its own:
# 400 synthetic swipes a pack (configs/synth-en.json, seed 25; docs/languages.md's evaluation uses seed
# 24), decoded with trie beams of width 9 (the English default) and 16; prints top-1 per pack and the
# mean of each. The CLI's --language takes the better (glide::swipe::layout_model_search).
# Usage: scripts/languages-choose.sh [BUILD_DIR]   (about 5 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
glide=$build/examples/glide
work=${GLIDE_LANGUAGES_DIR:-$build/languages}/choose
mkdir -p "$work"
codes=$(python3 -c "import json; print(' '.join(json.load(open('data/packs.json'))))")
declare -A total
printf '| pack | beam 9 top-1 | beam 16 top-1 |\n| --- | --- | --- |\n'
for code in $codes; do
  [[ -s $work/$code.jsonl ]] || "$glide" synth --language "$code" --draw 400 --seed 25 --synthesizer configs/synth-en.json --out "$work/$code.jsonl"
  row="| $code"
  for beam in 9 16; do
    top1=$("$glide" predict --language "$code" --model models/multi-layout --data "$work/$code.jsonl" --out "$work/$code-$beam.jsonl" \
             --search "trie_beam:beam_width=$beam,n_best=9,prior_weight=0.3" --threads 2 2> /dev/null |
           sed -nE 's/.*: Swipe MRR [0-9.]+, accuracy@1 ([0-9.]+),.*/\1/p' | head -1)
    total[$beam]=$(python3 -c "print(${total[$beam]:-0} + $top1)")
    row="$row | $top1"
  done
  echo "$row |"
done
n=$(echo "$codes" | wc -w)
python3 -c "print(f'mean top-1: beam 9 {${total[9]} / $n:.4f}, beam 16 {${total[16]} / $n:.4f}')"
