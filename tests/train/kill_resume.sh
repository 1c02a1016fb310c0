#!/usr/bin/env bash
# Kill test: training killed with SIGKILL resumes from its snapshot, finishes, and a rerun of the
# finished model does nothing.
# Usage: kill_resume.sh GLIDE_TRAIN SOURCE_DIR WORK_DIR
set -euo pipefail
# Whether the input holds a match, reading all of it: `grep -q` stops at the first match, and under
# pipefail the writer's SIGPIPE would then fail the pipeline at random.
matches() { grep "$@" > /dev/null; }
train=$1 src=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
printf 'the 100\nof 80\nand 70\nto 60\nin 50\nis 40\nthat 30\nfor 20\nit 15\nwith 10\nwas 9\non 8\nhe 7\nas 6\n' > "$work/words.txt"
cat > "$work/train.json" <<JSON
{
  "model": {"d_model": 16, "heads": 2, "encoder_layers": 1, "decoder_layers": 1, "ffn": 32,
            "max_word_length": 10, "max_points": 40, "alphabet": "abcdefghijklmnopqrstuvwxyz"},
  "grids_file": "$src/data/grids/grids.json",
  "grid": "qwerty_english",
  "vocabulary": "$work/words.txt",
  "valid_synthetic": 20,
  "batch_size": 8,
  "max_steps": 300,
  "validate_every": 25,
  "snapshot_seconds": 0.2,
  "ema_decay": 0.9,
  "threads": 1
}
JSON
model="$work/model"
"$train" "$work/train.json" "$model" > "$work/run1.log" 2>&1 &
pid=$!
step=0
for _ in $(seq 1 600); do
  if [[ -f "$model/snapshot/state.json" ]]; then
    step=$(sed -E 's/.*"step":([0-9]+).*/\1/' "$model/snapshot/state.json")
    ((step >= 60)) && break
  fi
  sleep 0.1
done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
[[ -f "$model/finished" ]] && { echo "FAIL: finished before the kill"; exit 1; }
killed_at=$(sed -E 's/.*"step":([0-9]+).*/\1/' "$model/snapshot/state.json")
((killed_at >= 60)) || { echo "FAIL: no snapshot at step >= 60 (got $killed_at)"; cat "$work/run1.log"; exit 1; }
echo "killed with the snapshot at step $killed_at"

"$train" "$work/train.json" "$model" > "$work/run2.log" 2>&1
grep -q "resumed from step $killed_at" "$work/run2.log" || { echo "FAIL: did not resume"; cat "$work/run2.log"; exit 1; }
grep -q "finished at step 300" "$work/run2.log" || { echo "FAIL: did not finish"; cat "$work/run2.log"; exit 1; }
for f in finished model.safetensors config.json metrics.csv metrics.svg; do
  [[ -s "$model/$f" ]] || { echo "FAIL: $f missing"; exit 1; }
done
# Every validation step appears once, in order, up to the last.
steps=$(tail -n +2 "$model/metrics.csv" | cut -d, -f1 | tr '\n' ' ')
[[ "$steps" == "$(seq -s ' ' 25 25 300) " ]] || { echo "FAIL: metrics steps: $steps"; exit 1; }
# The weights' moving average is scored at every validation (its columns are filled) and survives the kill.
compgen -G "$model/snapshot/ema-*.pt" > /dev/null || { echo "FAIL: no averaged weights in the snapshot"; exit 1; }
if tail -n +2 "$model/metrics.csv" | cut -d, -f9 | matches -v '^[0-9.]\+$'; then
  echo "FAIL: averaged-weight scores missing"; cat "$model/metrics.csv"; exit 1
fi
grep -q "<svg" "$model/metrics.svg" && grep -q "validation Swipe MRR" "$model/metrics.svg" || { echo "FAIL: metrics.svg is no plot"; exit 1; }

# The run's record: a session for the first start and one for the resume, each with the command,
# the code version and the inputs' content hashes; glide runs (when built) lists the run.
python3 - "$model/record.json" "$work/train.json" "$work/words.txt" "$killed_at" <<'PY' || { cat "$model/record.json"; exit 1; }
import json, sys
record_path, config, words, killed_at = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
r = json.load(open(record_path))
s = r["sessions"]
assert len(s) == 2, f"{len(s)} sessions recorded, expected 2"
assert s[0]["resumed_from_step"] is None and s[1]["resumed_from_step"] == killed_at, [x["resumed_from_step"] for x in s]
for x in s:
    assert x["command"][1:] == [config, record_path.rsplit("/", 1)[0]], x["command"]
    assert x["code"]["commit"] is None or len(x["code"]["commit"]) == 40, x["code"]
    roles = {d["role"]: d for d in x["data"]}
    assert set(roles) == {"config", "grids_file", "vocabulary"}, sorted(roles)
    assert roles["vocabulary"]["path"] == words and roles["vocabulary"]["hash"].startswith("fnv1a64:"), roles["vocabulary"]
    assert roles["config"]["bytes"] > 0
assert s[0]["data"] == s[1]["data"], "the inputs' hashes changed between the sessions"
PY
glide_cli=$(dirname "$train")/glide
if [[ -x $glide_cli ]]; then
  "$glide_cli" runs "$work" > "$work/runs.txt"
  matches -E "model +12 +300 +- +[0-9.]+ +yes +2 " < "$work/runs.txt" || { cat "$work/runs.txt"; echo "FAIL: glide runs does not list the run"; exit 1; }
fi

before=$(stat -c %Y "$model/model.safetensors")
"$train" "$work/train.json" "$model" > "$work/run3.log" 2>&1
grep -q "is finished; nothing to do" "$work/run3.log" || { echo "FAIL: rerun of a finished model trained"; exit 1; }
[[ "$(stat -c %Y "$model/model.safetensors")" == "$before" ]] || { echo "FAIL: finished model changed"; exit 1; }
echo "kill/resume test passed"
