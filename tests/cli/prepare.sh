#!/usr/bin/env bash
# glide prepare: the shipped samples into feature shards, without and with a model's features; the
# summary it prints, the manifest, lines skipped and named; inputs it refuses, with errors naming them.
# Usage: prepare.sh GLIDE SOURCE_DIR WORK_DIR
set -euo pipefail
glide=$1 src=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
# `text` must hold the fixed string `what`.
expect_text() {
  local file=$1 what=$2
  grep -qF -- "$what" "$file" || { echo "--- $file:"; head -c 1500 "$file"; fail "$file does not hold '$what'"; }
}
# Refused: a non-zero exit (not a crash) and a message holding each of the fixed strings given.
expect_error() {
  local rc=0 args=()
  while [[ $1 != -- ]]; do args+=("$1"); shift; done
  shift
  "$@" > "$work/out.txt" 2> "$work/err.txt" || rc=$?
  ((rc != 0)) || { fail "accepted: $*"; return 0; }
  ((rc < 128)) || { fail "crashed (exit $rc): $*"; return 0; }
  for what in "${args[@]}"; do expect_text "$work/err.txt" "$what"; done
}
samples=$src/data/samples/en.jsonl
[[ -f $samples ]] || { echo "no $samples"; exit 1; }

# The samples, no features: one shard of all 20 swipes.
"$glide" prepare --out "$work/plain" "$samples" > "$work/plain.txt"
expect_text "$work/plain.txt" "20 swipes from 1 file(s)"
expect_text "$work/plain.txt" "-> 1 shard(s) in $work/plain"
expect_text "$work/plain.txt" "no features"
expect_text "$work/plain.txt" "skipped 0 lines"
[[ -s $work/plain/shard-00000.safetensors ]] || fail "no shard written"
expect_text "$work/plain/shards.json" '"format": "glide-shards"'
# Teacher lists (distillation) are not kept in shards: counted and said.
"$glide" predict --data "$samples" --out "$work/samples-p.jsonl" > /dev/null 2>&1 || fail "predict"
"$glide" teach --data "$samples" --predictions "$work/samples-p.jsonl" --out "$work/taught.jsonl" > /dev/null || fail "teach"
"$glide" prepare --out "$work/taught" "$work/taught.jsonl" > "$work/taught.txt"
expect_text "$work/taught.txt" "20 swipes' teacher lists not kept"

# With the English model's features, 7 swipes a shard, and a file of bad lines: counted and named.
{
  echo '{not json'
  head -n 1 "$samples"
  echo '{"curve": {"x": [1, 2], "y": [3, 4], "t": [0, 10], "grid_name": "qwerty_english"}}'
  head -n 1 "$samples" | sed 's/"word":"[^"]*"/"word":"Hello"/'
} > "$work/bad.jsonl"
"$glide" prepare --out "$work/feat" --model "$src/models/en-qwerty" --examples-per-shard 7 "$samples" "$work/bad.jsonl" > "$work/feat.txt"
expect_text "$work/feat.txt" "21 swipes from 2 file(s)"
expect_text "$work/feat.txt" "-> 4 shard(s)"  # 7 + 7 + 6 of the samples, 1 of bad.jsonl: a shard holds one file's swipes
expect_text "$work/feat.txt" "features of $src/models/en-qwerty/config.json: max_points 100, soft_keys 0"
expect_text "$work/feat.txt" "skipped 3 line(s): 1 invalid line, 1 no word, 1 word outside the alphabet"
expect_text "$work/feat.txt" "$work/bad.jsonl:1: malformed JSON"
expect_text "$work/feat.txt" "$work/bad.jsonl:3: no word"
expect_text "$work/feat.txt" "$work/bad.jsonl:4: character 'H'"
[[ $(grep -c '"file": "shard-' "$work/feat/shards.json") == 4 ]] || fail "the manifest does not list 4 shards"
expect_text "$work/feat/shards.json" '"max_points": 100'
# The config file itself does as well as its folder.
"$glide" prepare --out "$work/feat2" --model "$src/models/en-qwerty/config.json" "$samples" > "$work/feat2.txt"
expect_text "$work/feat2.txt" "20 swipes from 1 file(s)"

# Refused, naming what is wrong.
expect_error "absent.jsonl" -- "$glide" prepare --out "$work/x" "$work/absent.jsonl"
python3 - "$src/data/grids/grids.json" "$samples" "$work/inline.jsonl" <<'PY'
import json, sys
grids = json.load(open(sys.argv[1]))
line = json.loads(open(sys.argv[2]).readline())
line["curve"]["grid"] = grids["qwerty_english"]
del line["curve"]["grid_name"]
open(sys.argv[3], "w").write(open(sys.argv[2]).readline() + json.dumps(line) + "\n")
PY
expect_error "$work/inline.jsonl:2:" "inline" -- "$glide" prepare --out "$work/x" "$work/inline.jsonl"
sed 's/"grid_name":"[^"]*"/"grid_name":"no_such_grid"/' "$samples" > "$work/unknown.jsonl"
expect_error "$work/unknown.jsonl:1:" "no_such_grid" -- "$glide" prepare --out "$work/x" "$work/unknown.jsonl"
echo '{"d_model": 96, "bogus": 1}' > "$work/config.json"
expect_error "$work/config.json" "bogus" -- "$glide" prepare --out "$work/x" --model "$work/config.json" "$samples"
expect_error "--examples-per-shard" -- "$glide" prepare --out "$work/x" --examples-per-shard 0 "$samples"
[[ ! -e $work/x/shards.json ]] || fail "a refused preparation left a manifest"

if ((failures)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "prepare: all checks passed"
