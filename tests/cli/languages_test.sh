#!/usr/bin/env bash
# Language packs end to end (issue 24): every pack of data/packs.json decodes its sample swipes with
# `glide decode --language CODE` and nothing else, showing words as written (diacritics, capitals);
# synth draws a pack's words; unknown codes and contradictory options are named errors.
# Usage: languages_test.sh GLIDE SOURCE_DIR WORK_DIR
set -euo pipefail
# Whether the input holds a match, reading all of it: `grep -q` stops at the first match, and under
# pipefail the writer's SIGPIPE would then fail the pipeline at random.
matches() { grep "$@" > /dev/null; }
glide=$1 src=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
expect_error() {
  local what=$1
  shift
  if "$@" > "$work/out.txt" 2> "$work/err.txt"; then fail "accepted: $*"; fi
  grep -q -- "$what" "$work/err.txt" || { cat "$work/err.txt"; fail "error for '$*' does not mention '$what'"; }
}

codes=$(python3 -c "import json; print(' '.join(json.load(open('$src/data/packs.json'))))")
n=0
for code in $codes; do
  out=$("$glide" decode --language "$code" 2> "$work/$code.err") || { cat "$work/$code.err"; fail "decode --language $code"; }
  samples=$(wc -l < "$src/data/samples/$code.jsonl")
  lines=$(echo "$out" | grep -c -- ' -> ' || true)
  [[ $lines == "$samples" ]] || fail "$code: $lines decoded lines for $samples samples"
  mrr=$(echo "$out" | sed -nE 's/.*Swipe MRR ([0-9.]+).*/\1/p')
  echo "$code: $samples samples, Swipe MRR $mrr"
  awk -v m="$mrr" 'BEGIN { exit !(m >= 0.75) }' || { echo "$out"; fail "$code: Swipe MRR $mrr on its samples < 0.75"; }
  n=$((n + 1))
done
((n >= 12)) || fail "only $n language packs"
# Words are shown as written: German nouns capitalised, Turkish and Greek letters kept.
"$glide" decode --language de | matches -- '-> [[:upper:]]' || fail "no capitalised German word shown"
"$glide" decode --language tr | matches -E -- '-> [^ ]*[ışğ]' || fail "no Turkish letter shown"
"$glide" decode --language el | matches -E -- '-> [^ ]*[άέήίόύώ]' || fail "no accented Greek word shown"
# The English pack is the default pipeline.
[[ $("$glide" decode --language en | tail -1) == $("$glide" decode | tail -1) ]] || fail "--language en differs from the defaults"

# synth draws words of a pack by their counts, labelled as written, swiped on the pack's layout.
"$glide" synth --language fr --draw 40 --seed 3 --out "$work/fr.jsonl"
[[ $(wc -l < "$work/fr.jsonl") == 40 ]] || fail "synth --draw 40 wrote $(wc -l < "$work/fr.jsonl") lines"
grep -q '"grid_name":"azerty"' "$work/fr.jsonl" || fail "French swipes not on azerty"
"$glide" predict --language fr --data "$work/fr.jsonl" --out "$work/fr-pred.jsonl" --table "$work/t.csv" > "$work/fr.log"
grep -q "alphabet=abcdefghijklmnopqrstuvwxyz" "$work/t.csv" || fail "the table's key lacks the pack's alphabet"

expect_error "unknown language 'xx' (known: " "$glide" decode --language xx
expect_error "unknown language 'xx'" "$glide" synth --language xx --draw 3
expect_error "give --words or --draw" "$glide" synth --language de --draw 3 --words a
expect_error "give --words or --draw" "$glide" synth --grid qwerty
expect_error "--draw needs --vocab or --language" "$glide" synth --grid qwerty --draw 3
expect_error "the model has no letter" "$glide" decode --language de --model "$src/models/en-qwerty"
echo "language packs: all checks passed"
