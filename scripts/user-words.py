#!/usr/bin/env python3
"""Makes the user-word test lists (data/user-words/): proper names from Debian's wamerican-large
(/usr/share/dict/american-english-large) whose spelling (lower-cased) is not in the shipped English
vocabulary, 4 to 12 letters a-z, shown capitalised as a user would write them. Two disjoint lists of
200, drawn with a fixed seed: dev.txt (to choose settings such as the default user-word weight) and
test.txt (issue 23's measure, read only to report it).

Usage: scripts/user-words.py VOCAB.tsv [OUT_DIR]   (VOCAB: build/vocab/en.tsv)
"""
import random
import re
import sys
from pathlib import Path

vocab_path = Path(sys.argv[1])
out_dir = Path(sys.argv[2] if len(sys.argv) > 2 else "data/user-words")
source = Path("/usr/share/dict/american-english-large")
if not source.exists():
    sys.exit(f"{source} is missing: apt-get install wamerican-large (scripts/install-deps.sh installs it)")
vocab = {line.split("\t")[0] for line in vocab_path.read_text(encoding="utf-8").splitlines() if line}
names = sorted({w for w in source.read_text(encoding="utf-8").split()
                if re.fullmatch(r"[A-Z][a-z]{3,11}", w) and w.lower() not in vocab})
rng = random.Random(23)
picked = rng.sample(names, 400)
out_dir.mkdir(parents=True, exist_ok=True)
for name, words in (("dev", picked[:200]), ("test", picked[200:])):
    header = (f"# {len(words)} proper names from wamerican-large not in the shipped English vocabulary "
              f"({name} list; made by scripts/user-words.py, seed 23)\n")
    (out_dir / f"{name}.txt").write_text(header + "".join(w + "\n" for w in sorted(words)), encoding="utf-8")
print(f"{len(names)} names outside the vocabulary; wrote {out_dir}/dev.txt and {out_dir}/test.txt")
