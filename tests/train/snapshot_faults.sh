#!/usr/bin/env bash
# Trainer fault tests (issue 29 D13, D14, D16, build item 7):
#  1. kill -9 at random points (snapshots every step, so many kills land inside one) and resume, until
#     the run finishes: the weights are bit-identical to an uninterrupted run's at the same step;
#  2. a full disk while snapshotting: a non-zero exit naming the file, the previous snapshot intact
#     and resumable;
#  3. damaged snapshots and configs: errors naming the file and what is wrong.
# Usage: snapshot_faults.sh GLIDE_TRAIN SOURCE_DIR WORK_DIR   (more kills: KILLS=50; steps: STEPS=400)
set -euo pipefail
train=$1 src=$2 work=$3
kills=${KILLS:-8}
steps=${STEPS:-600}
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
printf 'the 100\nof 80\nand 70\nto 60\nin 50\nis 40\nthat 30\nfor 20\nit 15\nwith 10\nwas 9\non 8\nhe 7\nas 6\n' > "$work/words.txt"
config() {  # FILE MAX_STEPS [EXTRA JSON MEMBERS]
  cat > "$1" <<JSON
{
  "model": {"d_model": 16, "heads": 2, "encoder_layers": 1, "decoder_layers": 1, "ffn": 32,
            "max_word_length": 10, "max_points": 40, "alphabet": "abcdefghijklmnopqrstuvwxyz"},
  "grids_file": "$src/data/grids/grids.json", "grid": "qwerty_english", "vocabulary": "$work/words.txt",
  "valid_synthetic": 10, "batch_size": 8, "max_steps": $2, "validate_every": 25, "snapshot_seconds": 0,
  "ema_decay": 0.9, "threads": 1 ${3:-}
}
JSON
}
config "$work/train.json" "$steps"

# 1. Random kills, then resume; the same weights as without kills.
"$train" "$work/train.json" "$work/ref" > "$work/ref.log" 2>&1 || { cat "$work/ref.log"; fail "uninterrupted run"; }
done_kills=0
for k in $(seq 1 "$kills"); do
  [[ -f "$work/killed/finished" ]] && break
  "$train" "$work/train.json" "$work/killed" >> "$work/killed.log" 2>&1 &
  pid=$!
  # A random moment 0 to 3 s after the start: in start-up, training, or writing a snapshot.
  sleep "$((RANDOM % 3)).$((RANDOM % 10))$((RANDOM % 10))"
  kill -9 "$pid" 2> /dev/null && done_kills=$((done_kills + 1))
  wait "$pid" 2> /dev/null || true
done
"$train" "$work/train.json" "$work/killed" >> "$work/killed.log" 2>&1 || { tail -20 "$work/killed.log"; fail "resume after kills"; }
[[ -f "$work/killed/finished" ]] || fail "the killed run did not finish"
echo "$done_kills kill(s); resumed: $(grep -o 'resumed from step [0-9]*' "$work/killed.log" | tr '\n' ' ')"
cmp "$work/ref/snapshot/model-$steps.pt" "$work/killed/snapshot/model-$steps.pt" ||
  fail "the killed-and-resumed weights at step $steps differ from the uninterrupted run's"
cmp "$work/ref/snapshot/ema-$steps.pt" "$work/killed/snapshot/ema-$steps.pt" || fail "averaged weights differ"
# (Not the optimiser files: LibTorch keys their state by tensor addresses, which differ run to run.)
cmp "$work/ref/model.safetensors" "$work/killed/model.safetensors" || fail "best weights differ"
[[ $(ls "$work/killed/snapshot") == "$(printf 'ema-%s.pt\nmodel-%s.pt\noptimizer-%s.pt\nstate.json' "$steps" "$steps" "$steps")" ]] ||
  fail "snapshot folder holds more than one snapshot: $(ls "$work/killed/snapshot")"
steps_csv=$(tail -n +2 "$work/killed/metrics.csv" | cut -d, -f1 | tr '\n' ' ')
[[ "$steps_csv" == "$(tail -n +2 "$work/ref/metrics.csv" | cut -d, -f1 | tr '\n' ' ')" ]] || fail "metrics steps: $steps_csv"

# A run stopped at step 10 with its snapshot, to damage and resume (to step 20).
config "$work/short.json" 10
"$train" "$work/short.json" "$work/base" > /dev/null 2>&1 || fail "short run"
rm "$work/base/finished"
config "$work/resume.json" 20
fresh() { rm -rf "$work/m" && cp -r "$work/base" "$work/m"; }
expect_error() {  # WHAT CONFIG: resuming into $work/m must fail naming WHAT
  local what=$1 cfg=$2 rc=0
  "$train" "$cfg" "$work/m" > "$work/err.txt" 2>&1 || rc=$?
  ((rc != 0)) || fail "accepted (expected: $what)"
  ((rc < 128)) || fail "crashed (exit $rc; expected: $what)"
  grep -qF -- "$what" "$work/err.txt" || { cat "$work/err.txt"; fail "the error does not mention '$what'"; }
  (($(wc -c < "$work/err.txt") < 4000)) || fail "a frame dump instead of a message: $(head -c 300 "$work/err.txt")"
}

# 2. A full disk at the first snapshot after step 10: the step-10 snapshot stays whole and resumes.
fresh
rc=0
bash -c 'trap "" XFSZ; ulimit -f 8; exec "$@"' _ "$train" "$work/resume.json" "$work/m" > "$work/err.txt" 2>&1 || rc=$?
((rc != 0 && rc < 128)) || fail "full disk while snapshotting: exit $rc"
grep -q "cannot write snapshot file '$work/m/snapshot/model-11.pt': File too large" "$work/err.txt" ||
  fail "full disk: $(cat "$work/err.txt")"
grep -q '"step":10' "$work/m/snapshot/state.json" || fail "full disk: the step-10 snapshot was replaced"
[[ -z "$(find "$work/m" -name '*.tmp')" ]] || fail "full disk: temporary files left"
"$train" "$work/resume.json" "$work/m" > "$work/log.txt" 2>&1 || fail "resume after a full disk: $(tail -5 "$work/log.txt")"
grep -q "resumed from step 10" "$work/log.txt" || fail "did not resume from the intact snapshot"
# The first write of a fresh run (config.json) on a full disk.
# (Its messages through a pipe: a file would be under the same limit.)
rc=0
err=$(bash -c 'trap "" XFSZ; ulimit -f 0; exec "$@"' _ "$train" "$work/resume.json" "$work/new" 2>&1) || rc=$?
((rc != 0 && rc < 128)) && grep -q "'$work/new/config.json': File too large" <<< "$err" || fail "full disk at config.json: $err"

# 3. Damaged snapshots name the file.
fresh && head -c 100 "$work/m/snapshot/model-10.pt" > "$work/m/snapshot/t" && mv "$work/m/snapshot/t" "$work/m/snapshot/model-10.pt"
expect_error "damaged snapshot file '$work/m/snapshot/model-10.pt'" "$work/resume.json"
fresh && rm "$work/m/snapshot/optimizer-10.pt"
expect_error "snapshot file '$work/m/snapshot/optimizer-10.pt' is missing" "$work/resume.json"
fresh && : > "$work/m/snapshot/state.json"
expect_error "snapshot state '$work/m/snapshot/state.json'" "$work/resume.json"
fresh && sed -i 's/"step":10/"step":-5/' "$work/m/snapshot/state.json"
expect_error "state.json: 'step' must be a whole number >= 0, not -5" "$work/resume.json"
fresh && echo "garbage,row" >> "$work/m/metrics.csv"
expect_error "$work/m/metrics.csv:$(wc -l < "$work/m/metrics.csv"): no step at the start of 'garbage,row'" "$work/resume.json"
# 3b. Configs: counts, threads, sizes beyond the machine.
for bad in '"batch_size": -1' '"max_steps": -1' '"validate_every": -1' '"threads": 0' '"valid_synthetic": 2.7' '"batch_size": 100000000000'; do
  key=$(sed -E 's/"([a-z_]+)".*/\1/' <<< "$bad")
  config "$work/bad.json" 20 ", $bad"  # a repeated key: JSON's last one holds
  fresh
  expect_error "'$key'" "$work/bad.json"
done
echo "trainer fault tests passed"
