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
