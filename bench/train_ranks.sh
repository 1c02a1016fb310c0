#!/usr/bin/env bash
# Data-parallel training, side by side in one run of this script (issue 26): the shipped English
# model's architecture trained on a streamed synthetic corpus by one process of one thread, then by
# 2 MPI ranks of one thread each (glide_train_mpi), the same batch per rank. Prints the swipes a
# second of each (measured between the trainer's progress lines at steps 50 and STEPS) and the ratio.
# Run it on an otherwise idle machine with at least 2 cores.
#
# Usage: bench/train_ranks.sh [BUILD_DIR] [WORK_DIR] [STEPS] [BATCH]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
build=${1:-build}
work=${2:-/tmp/glide-train-ranks}
steps=${3:-150}
batch=${4:-32}
glide=$build/examples/glide train=$build/examples/glide_train train_mpi=$build/examples/glide_train_mpi
[[ -x $glide && -x $train && -x $train_mpi ]] || { echo "build glide_cli, glide_train and glide_train_mpi first (-DGLIDE_WITH_TORCH=ON -DGLIDE_WITH_MPI=ON)"; exit 1; }
command -v mpirun > /dev/null || { echo "needs mpirun (scripts/install-deps.sh --with-mpi)"; exit 77; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
vocab=$build/vocab/en.tsv
mkdir -p "$work"
data=$work/synth-50k.jsonl
[[ -s $data ]] || "$glide" synth --grids data/grids/grids.json --grid qwerty_english --vocab "$vocab" --draw 10000 --count 5 --seed 5 > "$data"
cat > "$work/config.json" <<JSON
{
  "model": {"encoder": "transformer", "decoder": "transformer", "d_model": 96, "heads": 4, "encoder_layers": 6,
            "decoder_layers": 2, "ffn": 384, "max_word_length": 30, "max_points": 100, "alphabet": "abcdefghijklmnopqrstuvwxyz"},
  "grids_file": "data/grids/grids.json", "grids": ["qwerty_english"], "vocabulary": "$vocab", "top_words": 30000,
  "train_jsonl": ["$data"], "real_fraction": 0.8, "stream": {"threads": 1},
  "valid_synthetic": 20, "batch_size": $batch, "max_steps": $steps, "validate_every": 100000, "snapshot_seconds": 100000,
  "threads": 1, "seed": 1
}
JSON

rm -rf "$work/one" "$work/two"
"$train" "$work/config.json" "$work/one" > "$work/one.log" 2>&1 || { cat "$work/one.log"; exit 1; }
mpirun --oversubscribe --bind-to none -np 2 "$train_mpi" "$work/config.json" "$work/two" > "$work/two.log" 2>&1 ||
  { cat "$work/two.log"; exit 1; }
one=$(steps_per_second "$batch" %.1f < "$work/one.log") two=$(steps_per_second $((2 * batch)) %.1f < "$work/two.log")
printf '%-44s %12s\n' "run ($steps steps, batch $batch a rank)" "swipes/s"
printf '%-44s %12s\n' "1 rank, 1 thread" "$one"
printf '%-44s %12s\n' "2 MPI ranks, 1 thread each" "$two"
awk -v a="$one" -v b="$two" 'BEGIN { printf "2 ranks / 1 rank swipes a second: %.2fx\n", b / a }'
