#!/usr/bin/env bash
# Issue 23's user-word measure: 200 proper names outside the shipped vocabulary (data/user-words/,
# made by scripts/user-words.py), 5 synthetic swipes each from the fitted synthesizer
# (configs/synth-en.json) on qwerty_english, decoded with the CLI's defaults three ways: with the names
# added by --user-words, without them, and without them and without literal spellings. Prints top-1 /
# top-4 for each and, without the user words, how the top-1 hits were read (they can only be literal).
# Usage: scripts/user-words.sh [BUILD_DIR] [LIST] [WEIGHT]   (LIST: test (default) or dev; WEIGHT: a
#        count given to every word, default: the CLI's default user-word weight)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
list=${2:-test}
weight=${3:-}
glide=$build/examples/glide
work=${GLIDE_USER_WORDS_DIR:-$build/user-words}
mkdir -p "$work"
[[ -x $glide ]] || { echo "build glide_cli first ($glide)"; exit 1; }
words_file=data/user-words/$list.txt
if [[ -n $weight ]]; then
  grep -v '^#' "$words_file" | sed "s/\$/ $weight/" > "$work/$list-weighted.txt"
  words_file=$work/$list-weighted.txt
fi
spelled=$(grep -v '^#' "data/user-words/$list.txt" | tr 'A-Z' 'a-z' | paste -sd, -)
"$glide" synth --grid qwerty_english --words "$spelled" --count 5 --seed 23 --synthesizer configs/synth-en.json \
  --out "$work/$list-swipes.jsonl"
run() {
  local name=$1
  shift
  "$glide" predict --data "$work/$list-swipes.jsonl" --out "$work/$list-$name.jsonl" --threads 2 "$@" > /dev/null
  python3 - "$work/$list-$name.jsonl" "$name" <<'PY'
import json, sys
n = at1 = at4 = 0
origins = {}
for line in open(sys.argv[1]):
    p = json.loads(line)
    n += 1
    words = [w["word"].lower() for w in p["predictions"]]
    if words[:1] == [p["word"]]:
        at1 += 1
        o = p["predictions"][0].get("origin", "vocabulary")
        origins[o] = origins.get(o, 0) + 1
    at4 += p["word"] in words[:4]
print(f"{sys.argv[2]:<28} {n} swipes: top-1 {at1 / n:.4f}, top-4 {at4 / n:.4f}; top-1 hits by origin: {origins}")
PY
}
run with-user-words --user-words "$words_file"
run without-user-words
run without-either --no-literal
