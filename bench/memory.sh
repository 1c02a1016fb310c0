#!/usr/bin/env bash
# Peak resident memory of `glide decode` (the shipped samples) per configuration, each measured by
# /usr/bin/time -v in one run of this script: the CLI's defaults and what each part adds or saves.
# The last line is the default's figure against issue 27's budget (20 MiB).
#
# Usage: bench/memory.sh [BUILD_DIR]   (after building glide_cli and glide_vocabularies)
# Optional: GLIDE_F32_MODEL=DIR adds a row with a float32 model directory (e.g. the weights of
# commit dc8ffc3: git show dc8ffc3:models/en-qwerty/model.safetensors).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
build=${1:-build}
glide=$build/examples/glide
[[ -x $glide ]] || { echo "build glide_cli first ($glide)"; exit 1; }
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (apt-get install time)"; exit 77; }

peak_kib() {  # peak RSS (KiB) of: glide decode ARGS...
  local out
  out=$(/usr/bin/time -v "$glide" decode "$@" 2>&1 > /dev/null) || { echo "glide decode $* failed:" >&2; echo "$out" >&2; exit 1; }
  local kib
  kib=$(echo "$out" | max_rss_kib)
  [[ -n $kib ]] || { echo "no peak RSS in /usr/bin/time's output" >&2; exit 1; }
  echo "$kib"
}
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
row() {  # NAME ARGS...
  local name=$1
  shift
  local kib
  kib=$(peak_kib "$@")
  printf '%-58s %8.1f\n' "$name" "$(mib "$kib")"
  last=$kib
}

printf '%-58s %8s\n' "glide decode (data/samples/en.jsonl)" "MiB"
printf '%-58s %8.1f\n' "the process alone (glide --help)" "$(mib "$(/usr/bin/time -v "$glide" --help 2>&1 > /dev/null | max_rss_kib)")"
row "no rescoring (--rescore-geometric 0)" --rescore-geometric 0
row "no literal spellings (--no-literal)" --no-literal
row "geometric recognizer alone (templates of every word)" --recognizer geometric
row "German pack (layout-conditioned model)" --language de
if [[ -n ${GLIDE_F32_MODEL:-} ]]; then row "float32 English weights ($GLIDE_F32_MODEL)" --model "$GLIDE_F32_MODEL"; fi
GLIDE_INT8_KERNELS=0 row "float32 products of the int8 weights (GLIDE_INT8_KERNELS=0)"
row "defaults (int8 English model, rescoring, literal spellings)"
echo "peak RSS of the defaults: $(mib "$last") MiB (budget 20 MiB)"
