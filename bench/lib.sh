# Shell functions the bench scripts share (sourced, not run).

# The peak resident set (KiB) in /usr/bin/time -v's report on standard input (nothing if absent).
max_rss_kib() { sed -n 's/.*Maximum resident set size (kbytes): //p'; }

# glide_train's speed from its log on standard input: the steps between its first and last progress
# lines ("step N  T.Ts  loss ..."), times PER_STEP (default 1; swipes a step gives swipes a second), a
# second, printed with FORMAT (default %.2f). Fails with fewer than two progress lines.
steps_per_second() {
  awk -v per_step="${1:-1}" -v format="${2:-%.2f}" '/^step [0-9]+ +[0-9.]+s +loss/ { s[n] = $2; t[n] = $3 + 0; n++ }
    END { if (n < 2 || t[n-1] <= t[0]) exit 1; printf format, (s[n-1] - s[0]) * per_step / (t[n-1] - t[0]) }'
}

# Builds TARGET... of an earlier COMMIT under DIR: its source from `git archive` in DIR/src (extracted
# again when an earlier extraction did not finish), configured in DIR/build (Release, no LibTorch),
# logs in DIR/cmake.log and DIR/make.log (their tails printed on failure). bench/against_commit.sh
# (glide_cli) and scripts/bench-web.sh (the vocabularies for the old page) share DIR for a commit.
build_commit() {
  local commit=$1 dir=$2
  shift 2
  if [[ ! -f $dir/src/.extracted ]]; then
    rm -rf "$dir/src"
    mkdir -p "$dir/src"
    git archive "$commit" | tar -x -C "$dir/src" && touch "$dir/src/.extracted" || return 1
  fi
  cmake -S "$dir/src" -B "$dir/build" -DCMAKE_BUILD_TYPE=Release -DGLIDE_WITH_TORCH=OFF > "$dir/cmake.log" 2>&1 ||
    { cat "$dir/cmake.log"; return 1; }
  make -C "$dir/build" -j2 "$@" > "$dir/make.log" 2>&1 || { tail -30 "$dir/make.log"; return 1; }
}
