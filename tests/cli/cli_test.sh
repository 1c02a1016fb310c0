#!/usr/bin/env bash
# End-to-end checks of the glide command line with the shipped model, vocabulary and samples.
# Usage: cli_test.sh GLIDE SOURCE_DIR WORK_DIR
set -euo pipefail
# Whether the input holds a match, reading all of it: `grep -q` stops at the first match, and under
# pipefail the writer's SIGPIPE would then fail the pipeline at random.
matches() { grep "$@" > /dev/null; }
glide=$1 src=$2 work=$3
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }

# decode: the README's main job. The shipped model must read its samples well.
out=$("$glide" decode)
echo "$out" | tail -3
mrr=$(echo "$out" | sed -nE 's/.*Swipe MRR ([0-9.]+).*/\1/p')
[[ -n "$mrr" ]] || fail "decode printed no MRR"
awk -v m="$mrr" 'BEGIN { exit !(m >= 0.6) }' || fail "shipped model's MRR on the samples is $mrr < 0.6"

# Every search decodes the samples; vocabulary searches return only words.
for s in greedy beam trie_beam traversal:n_best=4 hybrid best_first; do
  "$glide" decode --search "$s" > "$work/decode-$s.txt" || fail "decode --search $s"
done
"$glide" decode --search beam --rerank 2 > "$work/rerank.txt" || fail "decode with rerank"

# predict -> table -> evaluate -> aggregate -> table merge.
"$glide" synth --grid qwerty_english --words the,and,people,because,would,about,there,their --count 3 --seed 5 --out "$work/data.jsonl"
"$glide" predict --data "$work/data.jsonl" --out "$work/p1.jsonl" --threads 2 --table "$work/t1.csv" > "$work/p1.log"
"$glide" predict --data "$work/data.jsonl" --out "$work/p2.jsonl" --threads 1 --search trie_beam --table "$work/t2.csv" > "$work/p2.log"
[[ $(wc -l < "$work/p1.jsonl") == 24 ]] || fail "predict wrote $(wc -l < "$work/p1.jsonl") lines for 24 swipes"
grep -q "trie_beam:beam_width=9,early_stopping=0,length_penalty=0,max_length=32,n_best=9,prior_weight=0.3" "$work/t1.csv" ||
  fail "table lacks the canonical search"
grep -q ";top=4;rescore_geometric=1:" "$work/t1.csv" || fail "table lacks the rescoring"
[[ $(head -1 "$work/p1.jsonl" | grep -o '"word":' | wc -l) == 5 ]] || fail "predict did not keep the top 4 words (+ the target)"
grep -q '"in_vocab":true' "$work/p1.jsonl" || fail "predict did not record in-vocabulary targets"
"$glide" evaluate --predictions "$work/p1.jsonl" --confusions 5 > "$work/eval.txt"
grep -q "in-vocabulary: Swipe MRR" "$work/eval.txt" || fail "evaluate printed no in-vocabulary line"

# The geometric recognizer (no model) alone, and fitted on labelled swipes.
out=$("$glide" decode --recognizer geometric)
mrr=$(echo "$out" | sed -nE 's/.*Swipe MRR ([0-9.]+).*/\1/p')
awk -v m="$mrr" 'BEGIN { exit !(m >= 0.5) }' || fail "geometric recognizer's MRR on the samples is $mrr < 0.5"
"$glide" predict --recognizer geometric --data "$work/data.jsonl" --out "$work/geo.jsonl" > "$work/geo.log"
grep -q "24 swipes" "$work/geo.log" || fail "geometric predict"
"$glide" fit-geometric --data "$work/data.jsonl" --out "$work/geo-fit.json" | matches "accuracy@1" || fail "fit-geometric"
grep -q '"shape_weight"' "$work/geo-fit.json" || fail "fit-geometric wrote no weights"
"$glide" decode --recognizer geometric --geometric-params "$work/geo-fit.json" > /dev/null || fail "decode with fitted weights"
# The rescoring's channel weights, fitted on the neural n-best of labelled swipes.
"$glide" predict --data "$work/data.jsonl" --out "$work/nbest.jsonl" --rescore-geometric 0 --top 0 > /dev/null
(($(head -1 "$work/nbest.jsonl" | grep -o '"word":' | wc -l) > 5)) || fail "--top 0 did not keep the search's n-best"
"$glide" fit-rescore --data "$work/data.jsonl" --predictions "$work/nbest.jsonl" --out "$work/rescore.json" | matches "fitted" ||
  fail "fit-rescore"
"$glide" decode --rescore-params "$work/rescore.json" > /dev/null || fail "decode with fitted rescoring weights"
# AZERTY and Dvorak: no model was trained for them; the geometric recognizer reads them.
for layout in azerty dvorak; do
  "$glide" synth --grid $layout --words the,and,people,because,would,about,there,their --count 2 --seed 3 --out "$work/$layout.jsonl"
  "$glide" predict --recognizer geometric --data "$work/$layout.jsonl" --out "$work/$layout-p.jsonl" > "$work/$layout.log"
  acc=$(sed -nE 's/.*accuracy@1 ([0-9.]+).*/\1/p' "$work/$layout.log" | head -1)
  awk -v a="$acc" 'BEGIN { exit !(a >= 0.8) }' || fail "geometric accuracy on $layout is $acc < 0.8"
done

# Several grid files at once; a grid in none of them is named with the file and line.
sed 's/"qwerty": {/"qwerty_copy": {/' "$src/data/grids/grids.json" > "$work/more-grids.json"
grep -q '"qwerty_copy"' "$work/more-grids.json" || fail "could not make a second grid file"
sed 's/"grid_name":"qwerty_english"/"grid_name":"qwerty_copy"/' "$work/data.jsonl" > "$work/data-copy.jsonl"
"$glide" predict --grids "$src/data/grids/grids.json" "$work/more-grids.json" --data "$work/data-copy.jsonl" --out "$work/p3.jsonl" \
  > /dev/null || fail "predict with two grid files"
expect_error_early() { if "$@" > /dev/null 2> "$work/err.txt"; then fail "accepted: $*"; fi; }
expect_error_early "$glide" predict --data "$work/data-copy.jsonl" --out "$work/p4.jsonl"
grep -q "data-copy.jsonl:1: grid 'qwerty_copy' is in none of the grid files" "$work/err.txt" || fail "unknown grid in predict: $(cat "$work/err.txt")"

# synth-fit measures real swipes (here: synthetic ones) and fits the synthesizer to them.
"$glide" synth-fit --data "$work/data.jsonl" --out "$work/synth.json" --plot "$work/synth.svg" > "$work/synth-fit.txt"
grep -q "start_offset" "$work/synth-fit.txt" || fail "synth-fit printed no measures"
grep -q '"scatter"' "$work/synth.json" || fail "synth-fit wrote no options"
grep -q "length_ratio" "$work/synth.svg" && grep -q "synthetic (fitted)" "$work/synth.svg" || fail "synth-fit drew no plot"
"$glide" evaluate --predictions "$work/p1.jsonl" | matches "24 predictions: Swipe MRR" || fail "evaluate"
"$glide" aggregate --method weighted --fit "$work/p1.jsonl,$work/p2.jsonl" --apply "$work/p1.jsonl,$work/p2.jsonl" \
  --out "$work/merged.jsonl" | matches "fitted weights" || fail "aggregate"
[[ $(wc -l < "$work/merged.jsonl") == 24 ]] || fail "aggregate output"
"$glide" table merge "$work/all.csv" "$work/t1.csv" "$work/t2.csv" | matches "2 runs" || fail "table merge"
# The same run twice is one row; a conflicting row is an error.
"$glide" predict --data "$work/data.jsonl" --out "$work/p1.jsonl" --threads 2 --table "$work/t1.csv" > /dev/null
[[ $(tail -n +2 "$work/t1.csv" | wc -l) == 1 ]] || fail "re-running a configuration added a row"
sed 's/p1.jsonl/elsewhere.jsonl/' "$work/t1.csv" > "$work/t3.csv"
if "$glide" table merge "$work/bad.csv" "$work/t1.csv" "$work/t3.csv" 2> "$work/err.txt"; then fail "conflict accepted"; fi
grep -q "conflict" "$work/err.txt" || fail "conflict message"

# Bad input: a clear error naming the problem, a non-zero exit, no crash.
expect_error() {
  local what=$1
  shift
  if "$@" > "$work/out.txt" 2> "$work/err.txt"; then fail "accepted: $*"; fi
  grep -q -- "$what" "$work/err.txt" || { cat "$work/err.txt"; fail "error for '$*' does not mention '$what'"; }
}
echo '{"word": "x", "curve": {"x": [1], "y": [1], "t": [0], "grid_name": "workman"}}' > "$work/unknown-grid.jsonl"
expect_error "unknown grid 'workman'" "$glide" decode "$work/unknown-grid.jsonl"
printf '{"word": "a", "curve": {"x": [1], "y": [1], "t": [0], "grid_name": "qwerty_english"}}\n{"word": \n' > "$work/malformed.jsonl"
expect_error "malformed.jsonl:2: malformed JSON" "$glide" decode "$work/malformed.jsonl"
echo '{"word": "a", "curve": {"x": [], "y": [], "t": [], "grid_name": "qwerty_english"}}' > "$work/empty.jsonl"
expect_error "empty swipe" "$glide" decode "$work/empty.jsonl"
expect_error "model directory '/nonexistent'" "$glide" decode --model /nonexistent
mkdir -p "$work/no-weights" && cp "$src/models/en-qwerty/config.json" "$work/no-weights/"
expect_error "no model.safetensors" "$glide" decode --model "$work/no-weights"
mkdir -p "$work/truncated" && cp "$src/models/en-qwerty/config.json" "$work/truncated/"
head -c 5000 "$src/models/en-qwerty/model.safetensors" > "$work/truncated/model.safetensors"
expect_error "truncated" "$glide" decode --model "$work/truncated"
expect_error "unknown search 'astar'" "$glide" decode --search astar
# Ensembles: two models in one search (product, mixture) or their word lists merged (words); the
# layout-conditioned model (95 letters) joins the English one through a token map; the table keys
# every model's weights and the method.
for method in product mixture words; do
  out=$("$glide" decode --ensemble "$src/models/multi-layout" --ensemble-method $method --ensemble-weights 1,0.5) ||
    fail "decode with an ensemble ($method)"
  mrr=$(echo "$out" | sed -nE 's/.*Swipe MRR ([0-9.]+).*/\1/p')
  awk -v m="$mrr" 'BEGIN { exit !(m >= 0.6) }' || fail "the $method ensemble's MRR on the samples is $mrr < 0.6"
done
"$glide" predict --data "$work/data.jsonl" --out "$work/ens.jsonl" --ensemble "$src/models/multi-layout" --ensemble-method words \
  --table "$work/ens.csv" > /dev/null || fail "predict with an ensemble"
grep -q ";ensemble=words:1:1@fnv1a64:" "$work/ens.csv" || fail "table lacks the ensemble: $(cat "$work/ens.csv")"
expect_error "model directory '/nonexistent'" "$glide" decode --ensemble /nonexistent
expect_error "3 ensemble weights for 2 models" "$glide" decode --ensemble "$src/models/multi-layout" --ensemble-weights 1,1,1
expect_error "ensemble weight 1 is" "$glide" decode --ensemble "$src/models/multi-layout" --ensemble-method words --ensemble-weights 1,0
expect_error "weight 0 is" "$glide" decode --ensemble "$src/models/multi-layout" --ensemble-weights=-1,1
expect_error "cannot spell the words of" "$glide" decode --ensemble "$src/models/ru-jcuken"
expect_error "ensemble-method" "$glide" decode --ensemble "$src/models/multi-layout" --ensemble-method average
expect_error "without ensemble models" "$glide" decode --ensemble-weights 1,2
expect_error "no one candidate list" "$glide" fit-literal --data "$work/data.jsonl" --out "$work/gate.json" \
  --ensemble "$src/models/multi-layout" --ensemble-method words
# teach: the swipes with their predictions as teacher lists (distillation), line for line; lists read
# back as the trainer reads them; mismatched files and bad options are named errors.
"$glide" teach --data "$work/data.jsonl" --predictions "$work/nbest.jsonl" --out "$work/taught.jsonl" --top 3 | matches "24 swipes, 24 with teacher lists" ||
  fail "teach"
[[ $(wc -l < "$work/taught.jsonl") == 24 ]] || fail "teach wrote $(wc -l < "$work/taught.jsonl") lines for 24 swipes"
python3 - "$work/taught.jsonl" "$work/data.jsonl" <<'PY' || fail "teacher lists"
import json, sys
taught = [json.loads(l) for l in open(sys.argv[1])]
data = [json.loads(l) for l in open(sys.argv[2])]
for t, d in zip(taught, data):
    assert t["curve"] == d["curve"] and t["word"] == d["word"], "teach changed a swipe"
    ps = [p for _, p in t["teacher"]]
    assert 1 <= len(ps) <= 3 and all(0.01 <= p <= 1 for p in ps) and sum(ps) <= 1.001, t["teacher"]
    assert ps == sorted(ps, reverse=True), t["teacher"]
assert sum(t["teacher"][0][0] == t["word"] for t in taught) >= 20, "the teacher's first word is mostly the label"
PY
"$glide" teach --data "$work/data.jsonl" --predictions "$work/nbest.jsonl" --out "$work/taught-t.jsonl" --temperature 100 --top 0 --min-p 0 > /dev/null
[[ $(head -1 "$work/taught-t.jsonl" | grep -o '\],\[' | wc -l) -ge 4 ]] || fail "teach --top 0 --min-p 0 kept too few words"
# --where-right: lists only where the teacher's first word is the label.
"$glide" teach --data "$work/data.jsonl" --predictions "$work/nbest.jsonl" --out "$work/taught-r.jsonl" --where-right > /dev/null
python3 - "$work/taught-r.jsonl" <<'PY' || fail "teach --where-right"
import json, sys
taught = [json.loads(l) for l in open(sys.argv[1])]
assert all(t["teacher"][0][0] == t["word"] for t in taught if "teacher" in t)
assert sum("teacher" in t for t in taught) >= 20
PY
head -5 "$work/data.jsonl" > "$work/data-5.jsonl"
expect_error "holds 24 lines but" "$glide" teach --data "$work/data-5.jsonl" --predictions "$work/nbest.jsonl" --out "$work/x.jsonl"
head -5 "$work/nbest.jsonl" > "$work/nbest-5.jsonl"
expect_error "data.jsonl:6: has no prediction" "$glide" teach --data "$work/data.jsonl" --predictions "$work/nbest-5.jsonl" --out "$work/x.jsonl"
tail -n +2 "$work/nbest.jsonl" > "$work/nbest-shifted.jsonl"
expect_error "predictions of another file" "$glide" teach --data "$work/data-5.jsonl" --predictions "$work/nbest-shifted.jsonl" --out "$work/x.jsonl"
expect_error "is the same file as --data" "$glide" teach --data "$work/data.jsonl" --predictions "$work/nbest.jsonl" --out "$work/data.jsonl"
expect_error "temperature" "$glide" teach --data "$work/data.jsonl" --predictions "$work/nbest.jsonl" --out "$work/x.jsonl" --temperature 0
expect_error "min-p" "$glide" teach --data "$work/data.jsonl" --predictions "$work/nbest.jsonl" --out "$work/x.jsonl" --min-p 2
expect_error "cannot open predictions" "$glide" teach --data "$work/data.jsonl" --predictions /nonexistent --out "$work/x.jsonl"
[[ ! -e "$work/x.jsonl" ]] || fail "a failed teach wrote its output"
expect_error "cannot open word list" "$glide" decode --vocab /nonexistent.txt
expect_error "unknown grid" "$glide" synth --grid workman --words a
# Vocabulary lines that cannot be used are counted and reported; non-finite counts name the line (issue 13 D6).
printf 'hello 5\n日本 2\nincomprehensibilitiesincomprehensibilities 3\nworld 1e308\nworld 1e308\n' > "$work/words.tsv"
"$glide" decode --vocab "$work/words.tsv" > /dev/null 2> "$work/vocab-err.txt" || fail "decode with a vocabulary of huge counts"
grep -q "dropped 1 line(s) with characters outside the alphabet" "$work/vocab-err.txt" || fail "dropped vocabulary lines not reported"
grep -q "1 word(s) longer than the model allows" "$work/vocab-err.txt" || fail "too-long vocabulary words not reported"
printf 'hello 5\nworld inf\n' > "$work/inf.tsv"
# Open vocabulary (issue 23). Display forms: a list word is spelled folded and shown as written.
printf 'Boston 50\nthe 100\n' > "$work/display.tsv"
"$glide" synth --grid qwerty_english --words boston --count 1 --seed 3 --out "$work/boston.jsonl"
"$glide" decode --vocab "$work/display.tsv" "$work/boston.jsonl" --no-literal | matches -- "-> Boston (" ||
  fail "the display form Boston was not shown for a swipe of boston"
# User words: added from a file, shown as written and marked; bad lines name FILE:LINE.
"$glide" synth --grid qwerty_english --words tarantino --count 1 --seed 3 --out "$work/tarantino.jsonl"
printf '# mine\nTarantino\n' > "$work/user.txt"
"$glide" decode --user-words "$work/user.txt" "$work/tarantino.jsonl" 2> "$work/user.err" | matches -- "-> Tarantino (-[0-9.]*) \[user\]" ||
  fail "a user word was not read, shown as written and marked [user]"
grep -q "1 user word(s) added" "$work/user.err" || fail "added user words not reported"
"$glide" decode --no-literal "$work/tarantino.jsonl" | matches "\[literal\]" && fail "--no-literal still gave literal spellings"
"$glide" decode "$work/tarantino.jsonl" | matches "\[literal\]" || fail "no literal spelling offered for an unknown word"
printf 'Aalborg\nOdense x\n' > "$work/bad-user.txt"
expect_error "bad-user.txt:2: weight 'x' is not a number" "$glide" decode --user-words "$work/bad-user.txt"
printf 'Aalborg\n日本\n' > "$work/unspellable.txt"
expect_error "1 word(s) cannot be added: 日本" "$glide" decode --user-words "$work/unspellable.txt"
expect_error "cannot open user words" "$glide" decode --user-words "$work/nonexistent.txt"
"$glide" predict --data "$work/tarantino.jsonl" --out "$work/tarantino-p.jsonl" --user-words "$work/user.txt" 2> /dev/null > /dev/null
grep -q '"origin":"user"' "$work/tarantino-p.jsonl" || fail "predictions do not record a user word's origin"
grep -q '"in_vocab":true' "$work/tarantino-p.jsonl" || fail "a user word's target is not in the decoding vocabulary"
expect_error "inf.tsv:2: count 'inf' is not a finite positive number" "$glide" decode --vocab "$work/inf.tsv"
# Timestamps that never change are repaired and said so.
python3 - "$src/data/samples/en.jsonl" "$work/const-t.jsonl" <<'PY'
import json, sys
line = json.loads(open(sys.argv[1]).readline())
line["curve"]["t"] = [5] * len(line["curve"]["t"])
open(sys.argv[2], "w").write(json.dumps(line) + "\n")
PY
"$glide" decode "$work/const-t.jsonl" | matches "constant timestamps replaced" || fail "constant timestamps not reported"
# Table keys come from contents: the same weights, vocabulary and grids at other paths give the same
# key (the run is replaced), weights differing in one bit give a new key.
for d in a b c; do mkdir -p "$work/$d/en-qwerty" && cp "$src/models/en-qwerty/config.json" "$src/models/en-qwerty/model.safetensors" "$work/$d/en-qwerty/"; done
python3 - "$work/c/en-qwerty/model.safetensors" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[-4] ^= 1  # the lowest mantissa bit of the last weight
open(sys.argv[1], "wb").write(bytes(b))
PY
cp "$src/data/grids/grids.json" "$work/grids-copy.json"
"$glide" predict --model "$work/a/en-qwerty" --data "$work/data.jsonl" --out "$work/pa.jsonl" --table "$work/keys.csv" > /dev/null
"$glide" predict --model "$work/b/en-qwerty" --grids "$work/grids-copy.json" --data "$work/data.jsonl" --out "$work/pb.jsonl" --table "$work/keys.csv" > /dev/null
[[ $(wc -l < "$work/keys.csv") == 2 ]] || { cat "$work/keys.csv"; fail "identical runs at other paths got different table keys"; }
"$glide" predict --model "$work/c/en-qwerty" --data "$work/data.jsonl" --out "$work/pc.jsonl" --table "$work/keys.csv" > /dev/null
[[ $(wc -l < "$work/keys.csv") == 3 ]] || { cat "$work/keys.csv"; fail "weights differing in one bit share a table key"; }
grep -q "fnv1a64:" "$work/keys.csv" || fail "table keys carry no content hashes"
# quantize: the shipped English model (int8) back to float32 and to int8 again: about 4x larger, then
# the same size, decoding the samples to the same top words; each refusal named.
"$glide" quantize --float32 --model "$src/models/en-qwerty" --out "$work/en-f32" > /dev/null
"$glide" quantize --model "$work/en-f32" --out "$work/en-int8" > "$work/quantize.out"
matches "as int8" < "$work/quantize.out" || fail "quantize did not report its tensors"
int8_bytes=$(stat -c %s "$src/models/en-qwerty/model.safetensors")
f32_bytes=$(stat -c %s "$work/en-f32/model.safetensors")
again_bytes=$(stat -c %s "$work/en-int8/model.safetensors")
((int8_bytes * 3 < f32_bytes)) || fail "the float32 model is $f32_bytes bytes, the int8 one $int8_bytes"
((again_bytes * 3 < f32_bytes)) || fail "the requantized model is $again_bytes bytes, the float32 one $f32_bytes"
for m in "$src/models/en-qwerty" "$work/en-f32" "$work/en-int8"; do
  "$glide" decode --model "$m" 2> /dev/null | grep -- " -> " | sed "s/ (.*//" > "$work/top-$(basename "$m").txt"
done
[[ $(wc -l < "$work/top-en-qwerty.txt") -ge 5 ]] || fail "the samples did not decode"
cmp -s "$work/top-en-qwerty.txt" "$work/top-en-f32.txt" || { diff "$work/top-en-qwerty.txt" "$work/top-en-f32.txt"; fail "float32 weights changed the top words"; }
cmp -s "$work/top-en-qwerty.txt" "$work/top-en-int8.txt" || { diff "$work/top-en-qwerty.txt" "$work/top-en-int8.txt"; fail "requantized weights changed the top words"; }
matches '"command"' < "$work/en-int8/record.json" || fail "quantize wrote no run record"
expect_error "is already quantized" "$glide" quantize --model "$src/models/en-qwerty" --out "$work/again"
expect_error "is float32 already" "$glide" quantize --float32 --model "$work/en-f32" --out "$work/again"
expect_error "is the model directory itself" "$glide" quantize --model "$work/en-f32" --out "$work/en-f32"
expect_error "is not a model directory" "$glide" quantize --model "$work" --out "$work/none"
echo "glide CLI test passed"
