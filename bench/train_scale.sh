#!/usr/bin/env bash
# Training at scale, side by side in one run of this script (issue 26): the shipped English model's
# architecture (6+2 layers, d=96, batch 64) trained for STEPS steps on synthetic corpora of two sizes
# streamed from JSONL ("stream" in the config), each under /usr/bin/time -v: peak resident memory,
# the indexing time and the speed of the steps. Optionally (GLIDE_SCALE_IN_MEMORY=1) the smaller
# corpus read into memory first, as configs without "stream" do.
#
# Usage: bench/train_scale.sh [BUILD_DIR] [WORK_DIR] [STEPS]
#   WORK_DIR (default /tmp/glide-train-scale) receives the corpora (made once by `glide synth` from
#   the English vocabulary: 500,000 and 5,000,000 swipes, about 1.3 and 13 GB) and the runs.
#   GLIDE_SCALE_SIZES="500000 5000000" sets the corpus sizes (multiples of 100,000).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
build=${1:-build}
work=${2:-/tmp/glide-train-scale}
steps=${3:-100}
glide=$build/examples/glide train=$build/examples/glide_train
[[ -x $glide && -x $train ]] || { echo "build glide_cli and glide_train first (-DGLIDE_WITH_TORCH=ON)"; exit 1; }
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (apt-get install time)"; exit 77; }
vocab=$build/vocab/en.tsv
[[ -s $vocab ]] || { echo "build glide_vocabularies first ($vocab)"; exit 1; }
mkdir -p "$work"
sizes=${GLIDE_SCALE_SIZES:-500000 5000000}

corpus() {  # the corpus of N swipes, made once
  local n=$1 f="$work/synth-$1.jsonl"
  if [[ ! -s $f ]]; then
    "$glide" synth --grids data/grids/grids.json --grid qwerty_english --vocab "$vocab" --draw 100000 \
      --count $((n / 100000)) --seed "$n" > "$f.part"
    mv "$f.part" "$f"
  fi
  echo "$f"
}

config() {  # config JSONL STREAM(0|1)
  local stream=""
  [[ $2 == 1 ]] && stream='"stream": {"window_lines": 4096, "buffer_mb": 64, "threads": 1},'
  cat <<JSON
{
  "model": {"encoder": "transformer", "decoder": "transformer", "d_model": 96, "heads": 4, "encoder_layers": 6,
            "decoder_layers": 2, "ffn": 384, "max_word_length": 30, "max_points": 100, "alphabet": "abcdefghijklmnopqrstuvwxyz"},
  "grids_file": "data/grids/grids.json", "grids": ["qwerty_english"], "vocabulary": "$vocab", "top_words": 30000,
  "train_jsonl": ["$1"], "real_fraction": 1.0, $stream
  "valid_synthetic": 50, "batch_size": 64, "max_steps": $steps, "validate_every": 100000, "snapshot_seconds": 100000,
  "threads": 2, "seed": 1
}
JSON
}

run() {  # run NAME JSONL STREAM: prints peak MiB, wall seconds (indexing included), steps a second
  local dir="$work/run-$1"
  rm -rf "$dir"
  config "$2" "$3" > "$work/$1.json"
  local out
  out=$(/usr/bin/time -v "$train" "$work/$1.json" "$dir" 2>&1) || { echo "$out" >&2; exit 1; }
  local kib
  kib=$(echo "$out" | max_rss_kib)
  [[ -n $kib ]] || { echo "no peak RSS" >&2; exit 1; }
  [[ $out =~ Elapsed\ \(wall\ clock\)\ time\ \(h:mm:ss\ or\ m:ss\):\ ([0-9:.]+) ]]
  local wall
  wall=$(echo "${BASH_REMATCH[1]}" | awk -F: '{ s = 0; for (i = 1; i <= NF; ++i) s = s * 60 + $i; print s }')
  local rate
  rate=$(echo "$out" | steps_per_second) || rate=-
  printf '%-34s %10.1f %10.1f %12s\n' "$1" "$(awk -v k="$kib" 'BEGIN { print k / 1024 }')" "$wall" "$rate"
  peak[$1]=$kib
}

declare -A peak
printf '%-34s %10s %10s %12s\n' "run ($steps steps, batch 64, 2 threads)" "peak MiB" "seconds" "steps/s"
first="" last=""
for n in $sizes; do
  f=$(corpus "$n")
  name="stream $((n / 1000))k swipes ($(du -BG "$f" | cut -f1))"
  run "$name" "$f" 1
  [[ -z $first ]] && first=$name
  last=$name
done
if [[ ${GLIDE_SCALE_IN_MEMORY:-0} == 1 ]]; then
  n=${sizes%% *}
  run "in memory $((n / 1000))k swipes" "$(corpus "$n")" 0
fi
awk -v a="${peak[$first]}" -v b="${peak[$last]}" -v fa="$first" -v fb="$last" \
  'BEGIN { printf "peak RSS, %s / %s: %.2fx; largest %.0f MiB (budget 2048)\n", fb, fa, b / a, (a > b ? a : b) / 1024 }'
