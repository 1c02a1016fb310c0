# shellcheck shell=bash disable=SC2034  # sourced; its variables are used by the scripts that source it
# Sourced by scripts/accuracy.sh and scripts/beam-speed.sh: the earlier English models, vocabulary
# and default searches they measure against, taken from the repository's history.

# The model before the real-swipe work (issue 10's baseline, with the vocabulary without contractions
# and the old default search).
before_commit=1676779
# The 4+2-layer model after the learning-rate decay, shipped before the deeper encoder.
decayed_commit=96d808b
# The last float32 weights of the shipped model (the same training run; `glide quantize` made the
# int8 weights shipped since).
f32_commit=dc8ffc3
# The old default search (trie beam 8, 4 words, no rescoring) and the deeper model's defaults before
# the beam was narrowed to issue 10's speed limit (trie beam 12, 12 words, rescored).
old_default_search="trie_beam:beam_width=8,n_best=4,prior_weight=0.3"
beam12_search="trie_beam:beam_width=12,n_best=12,prior_weight=0.3"

# model_at COMMIT DIR: models/en-qwerty (weights and config) as it was at COMMIT, into DIR.
model_at() {
  mkdir -p "$2"
  git show "$1:models/en-qwerty/model.safetensors" > "$2/model.safetensors"
  git show "$1:models/en-qwerty/config.json" > "$2/config.json"
}

# vocab_without_contractions BUILD_DIR OUT: the English vocabulary before contractions were added.
vocab_without_contractions() {
  "$1/examples/glide_make_vocab" --no-contractions abcdefghijklmnopqrstuvwxyz "$2" \
    /usr/share/onboard/models/en_US.lm /usr/share/dict/american-english > /dev/null
}
