#!/usr/bin/env bash
# The web demo's decode time in headless Chromium against the same code natively, in one run
# (issue 15's target: under 30 ms a swipe in the browser). Builds the page (scripts/build-web.sh),
# draws one swipe each of 40 common words with the synthesizer fitted to real swipes, decodes them
# natively (glide_bench_web_native: web/glide_wasm.cpp built natively, the page's options) and in the
# page (bench/web_decode.mjs), and prints both, their ratio and the target. Run it on a quiet machine.
# Usage: scripts/bench-web.sh [BUILD_DIR] [REPEAT]   (needs scripts/install-deps.sh --with-web and a
#        build with glide, glide_bench_web_native and glide_vocabularies)
set -euo pipefail
cd "$(dirname "$0")/.."
build=$(realpath "${1:-build}")
repeat=${2:-5}
work=$build/web-bench
mkdir -p "$work"
scripts/build-web.sh "$build" "$build/web" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
words=the,and,you,that,was,for,are,with,his,they,this,have,from,one,had,word,but,not,what,all,were,when,your,can,said,there,use,each,which,she,how,their,will,other,about,out,many,then,them,these
"$build/examples/glide" synth --grids data/grids/grids.json --grid qwerty_english --words "$words" \
  --count 1 --seed 11 --synthesizer configs/synth-en.json --out "$work/swipes.jsonl"
# The page's English options (web/app.js).
"$build/bench/glide_bench_web_native" --model models/en-qwerty --vocab "$build/vocab/en.tsv" --grids data/grids/grids.json \
  --options '{"top":4,"rescore_geometric":1,"rescore_params":"configs/rescore-en.json"}' \
  --swipes "$work/swipes.jsonl" --repeat "$repeat" > "$work/native.jsonl"
node bench/web_decode.mjs "$build/web" "$work/swipes.jsonl" "$work/native.jsonl" "$repeat"
