#!/usr/bin/env bash
# Steps from feature shards against steps from JSONL, side by side in one run of this script (issue 26):
# the same streamed synthetic corpus (real_fraction 1, no augmentation, so the shards' pre-computed model
# inputs are used), read as JSONL (parsed, features computed) or as shards made by `glide prepare
# --model`; for a light model (2+1 layers, d=32, the kind of model the seed project trained from
# pre-computed columns) and for the shipped English architecture (6+2, d=96). Prints steps a second
# (between the trainer's progress lines), CPU seconds a step (every thread: the parsing too), the
# reader thread's time to build a batch (the trainer's last lines), and the ratios. Both runs draw the same batches (tests/train/stream_ranks.sh checks the weights agree).
#
# Usage: bench/train_shards.sh [BUILD_DIR] [WORK_DIR] [LIGHT_STEPS] [SHIPPED_STEPS]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
build=${1:-build}
work=${2:-/tmp/glide-train-shards}
light_steps=${3:-1000}
shipped_steps=${4:-150}
glide=$build/examples/glide train=$build/examples/glide_train
[[ -x $glide && -x $train ]] || { echo "build glide_cli and glide_train first (-DGLIDE_WITH_TORCH=ON)"; exit 1; }
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (apt-get install time)"; exit 77; }
vocab=$build/vocab/en.tsv
mkdir -p "$work"
data=$work/synth-100k.jsonl
[[ -s $data ]] || "$glide" synth --grids data/grids/grids.json --grid qwerty_english --vocab "$vocab" --draw 20000 --count 5 --seed 7 > "$data"

model() {  # model NAME: the model block
  case $1 in
    light) echo '{"encoder": "transformer", "decoder": "transformer", "d_model": 32, "heads": 2, "encoder_layers": 2, "decoder_layers": 1,
                  "ffn": 64, "max_word_length": 30, "max_points": 64, "alphabet": "abcdefghijklmnopqrstuvwxyz"}' ;;
    shipped) echo '{"encoder": "transformer", "decoder": "transformer", "d_model": 96, "heads": 4, "encoder_layers": 6, "decoder_layers": 2,
                    "ffn": 384, "max_word_length": 30, "max_points": 100, "alphabet": "abcdefghijklmnopqrstuvwxyz"}' ;;
  esac
}

printf '%-40s %10s %14s %14s\n' "run (batch 64, 2 threads + 1 reader)" "steps/s" "CPU s a step" "ms a batch"
for m in light shipped; do
  steps=$light_steps
  [[ $m == shipped ]] && steps=$shipped_steps
  model $m > "$work/$m-model.json"
  shards=$work/shards-$m
  if [[ ! -s $shards/shards.json ]]; then
    "$glide" prepare --out "$shards" --model "$work/$m-model.json" --grids data/grids/grids.json "$data" > "$work/prepare-$m.log"
  fi
  declare -A rate cpu build
  for src in jsonl shards; do
    input="\"train_jsonl\": [\"$data\"]"
    [[ $src == shards ]] && input="\"train_shards\": [\"$shards\"]"
    cat > "$work/$m-$src.json" <<JSON
{
  "model": $(model $m),
  "grids_file": "data/grids/grids.json", "grids": ["qwerty_english"], "vocabulary": "$vocab", "top_words": 30000,
  $input, "real_fraction": 1.0, "stream": {"threads": 1},
  "valid_synthetic": 20, "batch_size": 64, "max_steps": $steps, "validate_every": 1000000, "snapshot_seconds": 1000000,
  "threads": 2, "seed": 1
}
JSON
    rm -rf "$work/run-$m-$src"
    out=$(/usr/bin/time -v "$train" "$work/$m-$src.json" "$work/run-$m-$src" 2>&1) || { echo "$out" >&2; exit 1; }
    r=$(echo "$out" | steps_per_second)
    user=$(echo "$out" | sed -n 's/.*User time (seconds): //p') sys=$(echo "$out" | sed -n 's/.*System time (seconds): //p')
    c=$(awk -v u="$user" -v s="$sys" -v n="$steps" 'BEGIN { printf "%.4f", (u + s) / n }')
    b=$(echo "$out" | sed -n 's/.*reader thread(s), \([0-9.]*\) ms a batch.*/\1/p')
    rate[$src]=$r cpu[$src]=$c build[$src]=$b
    printf '%-40s %10s %14s %14s\n' "$m model, from $src" "$r" "$c" "$b"
  done
  awk -v a="${rate[jsonl]}" -v b="${rate[shards]}" -v ca="${cpu[jsonl]}" -v cb="${cpu[shards]}" -v ba="${build[jsonl]}" \
    -v bb="${build[shards]}" -v m="$m" \
    'BEGIN { printf "%s model: shards/JSONL steps a second %.2fx; CPU a step %.2fx less; a batch built %.1fx faster\n", m, b / a, ca / cb, ba / bb }'
done
