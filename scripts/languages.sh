#!/usr/bin/env bash
# Reproduces docs/languages.md: for every language pack, 1,000 synthetic swipes (the synthesizer fitted
# to real swipes, configs/synth-en.json; words drawn by their counts from the pack's vocabulary; seed
# 24, which no training run uses) decoded by the geometric recognizer, the layout-conditioned model
# (models/multi-layout) and, for English and Russian, the dedicated models (models/en-qwerty,
# models/ru-jcuken); top-1 / top-4 / Swipe
# MRR each, and top-1 on the swipes of words the layout model never trained on (outside the first
# 20,000 words of its vocabulary: configs/multi-layout.json's top_words). Then two layouts no model
# trained on: Colemak (English words) and de_tablet (German QWERTZ on a tablet keyboard, keys wider
# than tall).
#
# Usage: scripts/languages.sh [BUILD_DIR] [SWIPES]   (after building glide_cli and glide_vocabularies)
# About 25 minutes on 2 cores with 1,000 swipes a pack.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
n=${2:-1000}
glide=$build/examples/glide
work=${GLIDE_LANGUAGES_DIR:-$build/languages}
mkdir -p "$work"
[[ -x $glide ]] || { echo "build glide_cli first ($glide)"; exit 1; }
[[ -f models/multi-layout/model.safetensors ]] || { echo "no models/multi-layout"; exit 1; }
synth=configs/synth-en.json
layout=models/multi-layout
threads=${GLIDE_THREADS:-2}
# The figures of docs/languages.md multiply the int8 weights as float32 (as when they were measured,
# before the int8 kernel became the default); GLIDE_INT8_KERNELS=1 measures the int8 kernel.
export GLIDE_INT8_KERNELS=${GLIDE_INT8_KERNELS:-0}
trained_words=$(python3 -c "import json; print(json.load(open('configs/multi-layout.json'))['sources'][0]['top_words'])")

# score FILE VOCAB: "top1 top4 mrr held_out_top1 held_out_count" of a predictions file (glide evaluate:
# the library's metrics), held out meaning a target outside the first $trained_words words of VOCAB.
score() {
  local held=${1%.jsonl}.held-out.jsonl
  python3 - "$1" "$2" "$trained_words" "$held" <<'EOF2'
import json, sys
path, vocab, k, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
trained = set()
with open(vocab, encoding="utf-8") as f:
    for line in f:
        if line.startswith("#") or not line.strip():
            continue
        if len(trained) >= k:
            break
        trained.add(line.split()[0])
with open(path, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as o:
    for line in f:
        if json.loads(line)["word"] not in trained:
            o.write(line)
EOF2
  local all h
  all=$("$glide" evaluate --predictions "$1" | head -1)
  if [[ -s $held ]]; then h=$("$glide" evaluate --predictions "$held" | head -1); else h="0 predictions: accuracy@1 0"; fi
  python3 - "$all" "$h" <<'EOF2'
import re, sys
def grab(text, name):
    return float(re.search(name + r" ([0-9.]+)", text).group(1))
a, h = sys.argv[1], sys.argv[2]
print(f"{grab(a, 'accuracy@1'):.4f} {grab(a, 'accuracy@4'):.4f} {grab(a, 'Swipe MRR'):.4f} {grab(h, 'accuracy@1'):.4f} {int(h.split()[0])}")
EOF2
}

run() {  # run OUT ARGS...: glide predict into OUT (kept when it exists: rerun after a crash resumes)
  local out=$1
  shift
  [[ -s $out ]] || "$glide" predict --threads "$threads" --top 4 --out "$out" "$@" > /dev/null
}

printf '| pack | layout | geometric top-1 / top-4 / MRR | layout model top-1 / top-4 / MRR | held-out words: geometric / layout model top-1 (swipes) | dedicated model top-1 / top-4 / MRR |\n'
printf '| --- | --- | --- | --- | --- | --- |\n'
sum_geo=0 sum_layout=0 packs=0
row() {  # row CODE GRID LABEL: one table row
  local code=$1 grid=$2 label=$3 vocab=$build/vocab/$1.tsv data=$work/$3.jsonl
  [[ -s $data ]] || "$glide" synth --language "$code" --grid "$grid" --draw "$n" --seed 24 --synthesizer "$synth" --out "$data"
  run "$work/$label-geometric.jsonl" --language "$code" --recognizer geometric --model "$layout" --data "$data"
  run "$work/$label-layout.jsonl" --language "$code" --model "$layout" --data "$data"
  read -r g1 g4 gm gh gn <<< "$(score "$work/$label-geometric.jsonl" "$vocab")"
  read -r l1 l4 lm lh ln <<< "$(score "$work/$label-layout.jsonl" "$vocab")"
  local dedicated="-"
  if [[ $code == en || $code == ru ]] && [[ $label == "$code" ]]; then
    local own=models/en-qwerty
    [[ $code == ru ]] && own=models/ru-jcuken
    run "$work/$label-dedicated.jsonl" --language "$code" --model "$own" --data "$data"
    read -r d1 d4 dm dh dn <<< "$(score "$work/$label-dedicated.jsonl" "$vocab")"
    dedicated="$d1 / $d4 / $dm"
  fi
  printf '| %s | %s | %s / %s / %s | %s / %s / %s | %s / %s (%s) | %s |\n' "$label" "$grid" "$g1" "$g4" "$gm" "$l1" "$l4" "$lm" "$gh" "$lh" "$gn" "$dedicated"
  if [[ $label == "$code" ]]; then
    sum_geo=$(python3 -c "print($sum_geo + $g1)")
    sum_layout=$(python3 -c "print($sum_layout + $l1)")
    packs=$((packs + 1))
  fi
}
for code in $(python3 -c "import json; print(' '.join(json.load(open('data/packs.json'))))"); do
  grid=$(python3 -c "import json; print(json.load(open('data/packs.json'))['$code']['grid'])")
  row "$code" "$grid" "$code"
done
echo
python3 -c "print(f'mean top-1 over the $packs packs: geometric {$sum_geo / $packs:.4f}, layout model {$sum_layout / $packs:.4f}')"
echo
echo "Layouts no model trained on:"
echo
printf '| pack | layout | geometric top-1 / top-4 / MRR | layout model top-1 / top-4 / MRR | held-out words: geometric / layout model top-1 (swipes) | dedicated model top-1 / top-4 / MRR |\n'
printf '| --- | --- | --- | --- | --- | --- |\n'
row en colemak en-colemak
row de de_tablet de-tablet
