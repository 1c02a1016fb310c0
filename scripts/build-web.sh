#!/usr/bin/env bash
# Builds the WebAssembly recognizer and the demo page into OUT_DIR (default build-web/):
# glide.js + glide.wasm (web/glide_wasm.cpp with emscripten, -O3, WebAssembly SIMD: Glide's own int8 and
# float kernels for the products (layers.hpp, GLIDE_INT8_WASM), Eigen's SSE code through emscripten's
# SSE-to-SIMD mapping for the rest), glide.data (the English
# and Russian models, the layout-conditioned model, every language pack's vocabulary, the rescoring
# weights, the grids and data/packs.json, preloaded into the module's file system) and the page (web/index.html, web/app.js, web/style.css).
# Usage: scripts/build-web.sh [BUILD_DIR] [OUT_DIR]   (BUILD_DIR holds vocab/en.tsv and vocab/ru.tsv:
#        cmake --build build --target glide_vocabularies)
#        GLIDE_WEB_LINK_FLAGS: extra link flags (--profiling-funcs keeps function names for a profiler)
# Exceptions are WebAssembly's own (-fwasm-exceptions: Chromium 95, Firefox 100, Safari 15.2 and
# later): emscripten's JavaScript exceptions sent every call that may throw through a JavaScript
# trampoline (invoke_*), a large part of a decode's profile.
# Serve: python3 -m http.server --bind 127.0.0.1 --directory build-web 8080, open http://127.0.0.1:8080/
# Needs Debian's emscripten and node-acorn (scripts/install-deps.sh --with-web).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=${2:-build-web}
command -v em++ > /dev/null || { echo "build-web: em++ not found (scripts/install-deps.sh --with-web installs emscripten)"; exit 1; }
for v in $(python3 -c "import json; print(' '.join(json.load(open('data/packs.json'))))"); do
  [[ -s $build/vocab/$v.tsv ]] || { echo "build-web: $build/vocab/$v.tsv missing (cmake --build $build --target glide_vocabularies)"; exit 1; }
done
mkdir -p "$out"
# The headers Glide needs besides its own, without the rest of /usr/include (its glibc headers would
# shadow emscripten's libc).
inc="$out/include"
mkdir -p "$inc"
for d in nlohmann boost range meta concepts std; do
  [[ -e /usr/include/$d ]] && ln -sfn "/usr/include/$d" "$inc/$d"
done
# Eigen 3.4 has no WebAssembly SIMD path of its own; emscripten maps SSE intrinsics to WebAssembly
# SIMD (-msse4.1), so Eigen takes its SSE kernels. Eigen includes the MMX header, which emscripten
# lacks and Eigen's SSE code does not use: an empty one stands in.
echo '/* empty: emscripten has no MMX; Eigen includes this header but uses none of it (scripts/build-web.sh) */' > "$inc/mmintrin.h"
# Emscripten's optimiser needs Debian's acorn module.
export NODE_PATH=/usr/share/nodejs
# -fgnuc-version=10.2: clang's default (4.2) would send Eigen's SSE min/max through x86 asm;
# web/glide_wasm.cpp removes the remaining (empty) asm statements when reading Eigen's headers.
flags=(-std=c++20 -O3 -msimd128 -msse4.1 -fgnuc-version=10.2 -fwasm-exceptions -DNDEBUG -Wno-unused-value
       -I include -I backends/eigen/include -I c/include -I /usr/include/eigen3 -I "$inc")
# The C API (c/glide_c.cpp, with Eigen read through web/eigen_wasm.hpp) and the page's JSON shim over it.
em++ "${flags[@]}" -include web/eigen_wasm.hpp -c c/glide_c.cpp -o "$out/glide_c.o"
em++ "${flags[@]}" -c web/glide_wasm.cpp -o "$out/glide_wasm.o"
files=(
  --preload-file models/en-qwerty/config.json@/en/config.json
  --preload-file models/en-qwerty/model.safetensors@/en/model.safetensors
  --preload-file "$build/vocab/en.tsv@/en/vocab.tsv"
  --preload-file configs/rescore-en.json@/en/rescore.json
  --preload-file configs/literal-en.json@/en/literal.json
  --preload-file models/ru-jcuken/config.json@/ru/config.json
  --preload-file models/ru-jcuken/model.safetensors@/ru/model.safetensors
  --preload-file "$build/vocab/ru.tsv@/ru/vocab.tsv"
  --preload-file data/grids/grids.json@/grids.json
  --preload-file data/packs.json@/packs.json
  --preload-file models/multi-layout/config.json@/multi/config.json
  --preload-file models/multi-layout/model.safetensors@/multi/model.safetensors
)
# Every other language pack's vocabulary (the layout-conditioned model reads them all).
for code in $(python3 -c "import json; print(' '.join(c for c in json.load(open('data/packs.json')) if c not in ('en', 'ru')))"); do
  files+=(--preload-file "$build/vocab/$code.tsv@/vocab/$code.tsv")
done
em++ "$out/glide_c.o" "$out/glide_wasm.o" -o "$out/glide.js" -O2 -msimd128 -fwasm-exceptions \
  ${GLIDE_WEB_LINK_FLAGS:-} -sMODULARIZE=1 -sEXPORT_NAME=createGlide -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=33554432 \
  -sEXPORTED_FUNCTIONS=_glide_web_load,_glide_web_decode,_glide_web_error,_glide_web_word_count,_glide_web_add_words,_glide_web_remove_words,_glide_web_live_begin,_glide_web_live_add,_glide_web_live_partial,_glide_web_live_finish \
  -sEXPORTED_RUNTIME_METHODS=ccall,UTF8ToString,FS,HEAPU8 "${files[@]}"
cp web/index.html web/app.js web/style.css "$out/"
ls -l "$out"/glide.js "$out"/glide.wasm "$out"/glide.data
echo "build-web: serve with: python3 -m http.server --bind 127.0.0.1 --directory $out 8080"
