#!/usr/bin/env bash
# Writes data/samples/CODE.jsonl for every language pack but English (real swipes) and Russian (Yandex Cup swipes):
# 12 words drawn by their counts from the pack's vocabulary, swiped on the pack's layout by the
# synthesizer fitted to real swipes (configs/synth-en.json), seed 1. `glide decode --language CODE`
# decodes them. Usage: scripts/make-samples.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
glide="$build/examples/glide"
codes=$(python3 -c "import json; print(' '.join(c for c in json.load(open('$root/data/packs.json')) if c not in ('en', 'ru')))")
for code in $codes; do
  "$glide" synth --language "$code" --draw 12 --seed 1 --synthesizer "$root/configs/synth-en.json" --out "$root/data/samples/$code.jsonl"
  echo "data/samples/$code.jsonl"
done
