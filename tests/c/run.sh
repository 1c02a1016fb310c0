#!/usr/bin/env bash
# The C API test: synthesises swipes of a few words (and of a name outside the vocabulary) with the
# CLI, writes them as plain text for the C program, and runs c_api_test (compiled as C).
# Usage: run.sh GLIDE_CLI C_API_TEST SOURCE_DIR VOCABULARY WORK_DIR
set -euo pipefail
glide=$1 test=$2 src=$3 vocab=$4 work=$5
mkdir -p "$work"
"$glide" synth --grids "$src/data/grids/grids.json" --grid qwerty_english --words hello,world,people,because,would,thanks,tarantino \
  --count 2 --seed 11 --synthesizer "$src/configs/synth-en.json" --out "$work/swipes.jsonl"
python3 - "$work/swipes.jsonl" "$work/swipes.txt" <<'PY'
import json, sys
with open(sys.argv[2], "w") as out:
    for line in open(sys.argv[1]):
        s = json.loads(line)
        c = s["curve"]
        out.write(" ".join([s["word"], c["grid_name"], str(len(c["x"]))] + [repr(v) for v in c["x"] + c["y"] + c["t"]]) + "\n")
PY
"$test" "$src/models/en-qwerty" "$vocab" "$src/data/grids/grids.json" "$work/swipes.txt" \
  "$src/configs/rescore-en.json" "$src/configs/literal-en.json"
