#!/usr/bin/env bash
# The web demo test: builds the WebAssembly recognizer and the page (scripts/build-web.sh), makes
# synthetic swipes of a few words with `glide synth`, decodes them with the native CLI, then drives
# the page in headless Chromium (demo_test.mjs). Skipped (exit 77) where emscripten, chromium, node
# or the npm packages are missing: scripts/install-deps.sh --with-web installs them.
# Usage: run.sh GLIDE_CLI SOURCE_DIR BUILD_DIR
set -euo pipefail
glide=$(realpath "$1") src=$(realpath "$2") build=$(realpath "$3")
skip() { echo "web demo test skipped: $1"; exit 77; }
command -v em++ > /dev/null || skip "em++ not found (emscripten)"
command -v chromium > /dev/null || skip "chromium not found"
command -v node > /dev/null || skip "node not found"
[[ -d $src/tests/web/node_modules/puppeteer-core ]] || skip "puppeteer-core not installed (npm ci --prefix tests/web)"
work=$build/web-test
mkdir -p "$work"
"$src/scripts/build-web.sh" "$build" "$build/web" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
# One swipe each of six words on the page's English grid, as the synthesizer fitted to real swipes draws them.
"$glide" synth --grids "$src/data/grids/grids.json" --grid qwerty_english --words hello,world,keyboard,people,thanks,because \
  --count 1 --seed 7 --synthesizer "$src/configs/synth-en.json" --out "$work/swipes.jsonl"
# A name outside the vocabulary, for the page's box of user words.
"$glide" synth --grids "$src/data/grids/grids.json" --grid qwerty_english --words tarantino \
  --count 1 --seed 7 --synthesizer "$src/configs/synth-en.json" --out "$work/user.jsonl"
# The native CLI's words for the same swipes, with the options the page uses (the CLI's defaults),
# multiplying float32 weights (the shipped int8 weights dequantized): the page multiplies the int8
# weights with activations quantized to 15 bits, as close to float32 products as rounding goes,
# where the native int8 kernel (AVX-512 VNNI, where the CPU has it) quantizes them to 8.
GLIDE_INT8_KERNELS=0 "$glide" predict --grids "$src/data/grids/grids.json" --data "$work/swipes.jsonl" --out "$work/native.jsonl" > /dev/null
cd "$src/tests/web"
node demo_test.mjs "$build/web" "$work/swipes.jsonl" "$work/native.jsonl" "$build/web-demo.png" "$work/user.jsonl" "$src/data/samples"
