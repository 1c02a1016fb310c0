#!/usr/bin/env bash
# Streaming training ("stream" in the config): real swipes read while training runs, bad lines
# skipped, counted and named; an interrupted run resumes to the same weights as an uninterrupted
# one; and, where glide_train_mpi and mpirun exist, 2 ranks of batch B reach the weights of 1 rank
# of batch 2B (within floating-point tolerance) after 20 steps.
# Usage: stream_ranks.sh GLIDE GLIDE_TRAIN GLIDE_TRAIN_MPI|none SOURCE_DIR WORK_DIR
set -euo pipefail
matches() { grep "$@" > /dev/null; }
glide=$1 train=$2 train_mpi=$3 src=$4 work=$5
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
printf 'the 100\nof 80\nand 70\nto 60\nin 50\nis 40\nthat 30\nfor 20\nit 15\nwith 10\nwas 9\non 8\nhe 7\nas 6\n' > "$work/words.txt"
"$glide" synth --words hello,world,quick,brown,keyboard,people,thanks,because,typing,model,the,of,and --count 20 --seed 3 \
  --out "$work/data.jsonl"
# Three bad lines in the middle: malformed JSON, a blank line, a word the alphabet cannot spell.
{ head -100 "$work/data.jsonl"
  echo '{"word": "broken", "curve": '
  echo
  echo '{"word":"naïve","curve":{"x":[1,2],"y":[1,2],"t":[0,1],"grid_name":"qwerty_english"}}'
  tail -n +101 "$work/data.jsonl"; } > "$work/mixed.jsonl"

config() {  # config BATCH SNAPSHOT_SECONDS
  cat <<JSON
{
  "model": {"d_model": 16, "heads": 2, "encoder_layers": 1, "decoder_layers": 1, "ffn": 32,
            "max_word_length": 10, "max_points": 40, "alphabet": "abcdefghijklmnopqrstuvwxyz"},
  "grids_file": "$src/data/grids/grids.json", "grid": "qwerty_english", "vocabulary": "$work/words.txt",
  "train_jsonl": ["$work/mixed.jsonl"], "real_fraction": 0.9,
  "augment_real": {"affine": {"probability": 0.5, "scale": 0.1, "offset": 0.1, "rotation_deg": 3}},
  "stream": {"window_lines": 16, "buffer_mb": 1, "threads": 2},
  "valid_synthetic": 20, "batch_size": $1, "max_steps": 20, "validate_every": 20, "snapshot_seconds": $2,
  "warmup_steps": 1, "learning_rate": 0.003, "threads": 1, "seed": 7
}
JSON
}
config 16 1000 > "$work/b16.json"
config 8 1000 > "$work/b8.json"

# One rank, batch 16, straight through.
"$train" "$work/b16.json" "$work/one" > "$work/one.log" 2>&1 || { cat "$work/one.log"; fail "streaming run"; }
matches "streaming 263 lines of 1 file(s) in 17 windows of 16 lines (indexed in" "$work/one.log" || fail "no stream summary: $(cat "$work/one.log")"
matches "an epoch is 18.8 steps" "$work/one.log" || fail "no epoch length: $(cat "$work/one.log")"
matches "3 line(s) of the streamed data skipped" "$work/one.log" || fail "bad lines not counted: $(cat "$work/one.log")"
matches "mixed.jsonl:101: malformed JSON" "$work/one.log" || fail "malformed line not named"
matches "mixed.jsonl:103: the model cannot spell 'naïve'" "$work/one.log" || fail "unspellable word not named"
[[ -s "$work/one/model.safetensors" ]] || fail "no model"
echo "streaming run: 263 lines, 3 skipped and named"

# The same run stopped at step 10 and resumed to 20 (the prefetched batches of steps 11-20 are made
# again from the snapshot's step): the uninterrupted run's weights.
sed 's/"max_steps": 20/"max_steps": 10/' "$work/b16.json" > "$work/b16_first10.json"
"$train" "$work/b16_first10.json" "$work/resumed" > "$work/resumed1.log" 2>&1 || { cat "$work/resumed1.log"; fail "first 10 steps"; }
# (The first session saved its step-10 weights: the second saves its last ones.)
rm "$work/resumed/finished" "$work/resumed/model.safetensors"
"$train" "$work/b16.json" "$work/resumed" > "$work/resumed2.log" 2>&1 || { cat "$work/resumed2.log"; fail "resume"; }
matches "resumed from step 10" "$work/resumed2.log" || fail "did not resume: $(cat "$work/resumed2.log")"
python3 "$src/tests/train/compare_weights.py" "$work/one/model.safetensors" "$work/resumed/model.safetensors" 1e-5 ||
  fail "the resumed run's weights differ from the uninterrupted run's"
echo "stopped at step 10 and resumed: the uninterrupted run's weights"

# Feature shards of the clean file (glide prepare, with and without the model's inputs) train to the
# weights of the JSONL run: the same batches (no augmentation, so the shards' inputs are used).
printf '%s\n' '{"d_model": 16, "heads": 2, "encoder_layers": 1, "decoder_layers": 1, "ffn": 32, "max_word_length": 10,' \
  '"max_points": 40, "alphabet": "abcdefghijklmnopqrstuvwxyz"}' > "$work/model.json"
"$glide" prepare --out "$work/shards" --model "$work/model.json" --grids "$src/data/grids/grids.json" --examples-per-shard 50 \
  "$work/data.jsonl" > "$work/prepare.log" || { cat "$work/prepare.log"; fail "glide prepare"; }
"$glide" prepare --out "$work/shards-plain" --grids "$src/data/grids/grids.json" "$work/data.jsonl" > "$work/prepare-plain.log" ||
  { cat "$work/prepare-plain.log"; fail "glide prepare without --model"; }
for kind in jsonl shards shards-plain; do
  input="\"train_jsonl\": [\"$work/data.jsonl\"]"
  [[ $kind != jsonl ]] && input="\"train_shards\": [\"$work/$kind\"]"
  config 16 1000 | sed "/\"augment_real\"/d; s|\"train_jsonl\": \[[^]]*\]|$input|" > "$work/$kind.json"
  "$train" "$work/$kind.json" "$work/from-$kind" > "$work/from-$kind.log" 2>&1 || { cat "$work/from-$kind.log"; fail "training from $kind"; }
done
matches "with their model inputs" "$work/from-shards.log" || fail "the shards' inputs unused: $(cat "$work/from-shards.log")"
for kind in shards shards-plain; do
  python3 "$src/tests/train/compare_weights.py" "$work/from-jsonl/model.safetensors" "$work/from-$kind/model.safetensors" 0 ||
    fail "training from $kind differs from training from JSONL"
done
echo "feature shards (with and without model inputs) train exactly as the JSONL they were made from"

# Two ranks of batch 8 against one of batch 16.
if [[ "$train_mpi" == none ]] || ! command -v mpirun > /dev/null; then
  echo "2-rank check skipped: glide_train_mpi not built (-DGLIDE_WITH_MPI=ON) or mpirun not found (scripts/install-deps.sh --with-mpi)"
  exit 0
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun --oversubscribe --bind-to none -np 2 "$train_mpi" "$work/b8.json" "$work/two" > "$work/two.log" 2>&1 ||
  { cat "$work/two.log"; fail "mpirun -np 2"; }
matches "14 real swipes a step over 2 rank(s)" "$work/two.log" || fail "no rank summary: $(cat "$work/two.log")"
# 280 real swipes over the two ranks pass every line: each bad line is named by the rank that met it.
for line in 101 102 103; do
  matches "mixed.jsonl:$line: " "$work/two.log" || fail "line $line not named by either rank: $(cat "$work/two.log")"
done
python3 "$src/tests/train/compare_weights.py" "$work/one/model.safetensors" "$work/two/model.safetensors" 1e-4 ||
  fail "2 ranks of batch 8 differ from 1 rank of batch 16"
# The mean training loss of the 20 steps (metrics.csv) agrees too.
loss() { tail -1 "$1/metrics.csv" | cut -d, -f4; }
python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(abs(a - b) > 1e-5 * abs(a))" "$(loss "$work/one")" "$(loss "$work/two")" ||
  fail "training loss: 1 rank $(loss "$work/one"), 2 ranks $(loss "$work/two")"
# The ranks follow rank 0's learning rate: validations every 4 steps halve it on every plateau (rank 0
# alone validates), and 2 ranks still match 1 with the whole batch.
config 16 1000 | sed 's/"validate_every": 20/"validate_every": 4, "plateau_patience": 1, "lr_factor": 0.5/' > "$work/b16_plateau.json"
config 8 1000 | sed 's/"validate_every": 20/"validate_every": 4, "plateau_patience": 1, "lr_factor": 0.5/' > "$work/b8_plateau.json"
"$train" "$work/b16_plateau.json" "$work/one_plateau" > "$work/one_plateau.log" 2>&1 || { cat "$work/one_plateau.log"; fail "plateau run"; }
mpirun --oversubscribe --bind-to none -np 2 "$train_mpi" "$work/b8_plateau.json" "$work/two_plateau" > "$work/two_plateau.log" 2>&1 ||
  { cat "$work/two_plateau.log"; fail "mpirun -np 2 (plateau)"; }
lrs() { tail -n +2 "$1/metrics.csv" | cut -d, -f3 | sort -u | wc -l; }
(($(lrs "$work/one_plateau") >= 2)) || fail "the plateau run never lowered its rate: $(cat "$work/one_plateau/metrics.csv")"
[[ "$(cut -d, -f1,3 "$work/one_plateau/metrics.csv")" == "$(cut -d, -f1,3 "$work/two_plateau/metrics.csv")" ]] ||
  fail "learning rates differ: $(cut -d, -f1,3 "$work/one_plateau/metrics.csv") against $(cut -d, -f1,3 "$work/two_plateau/metrics.csv")"
python3 "$src/tests/train/compare_weights.py" "$work/one_plateau/model.safetensors" "$work/two_plateau/model.safetensors" 1e-4 ||
  fail "with the rate lowered by rank 0's validations, 2 ranks differ from 1"
echo "the learning rate lowered on plateaus by rank 0 reaches every rank ($(lrs "$work/one_plateau") rates)"
# Resuming with another number of ranks says so.
config 8 1000 | sed 's/"max_steps": 20/"max_steps": 24/' > "$work/b8_more.json"
rm -f "$work/two/finished"
"$train" "$work/b8_more.json" "$work/two" > "$work/two_resumed.log" 2>&1 || { cat "$work/two_resumed.log"; fail "resume on 1 rank"; }
matches "written by a run over 2 rank(s) and this one has 1" "$work/two_resumed.log" || fail "rank change not said: $(cat "$work/two_resumed.log")"
echo "2 ranks of batch 8 = 1 rank of batch 16 after 20 steps; a change of ranks on resume is reported"
