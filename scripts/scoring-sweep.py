#!/usr/bin/env python3
"""A joint sweep of the default pipeline's scoring on the How-We-Swipe validation swipes (issue 28,
item 1): coordinate ascent over the trie beam's prior weight, its length normalisation exponent, the
geometric rescoring weight and the literal gate's bias, each over a wide grid, from the CLI's
defaults. Every point decodes valid with `glide predict` (the CLI's pipeline, one model, no training)
and is scored by top-1 on all swipes, ties broken by Swipe MRR; in-vocabulary top-1 is printed beside.
Rounds repeat until no axis moves. Test is never read.

Usage: scripts/scoring-sweep.py [--build build] [--rounds 3] [--threads 2] [--limit N]
Prints one line per evaluation and, last, the best point against the defaults.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HWS = "../shared/data/how-we-swipe"
# The CLI's defaults (backends::eigen::default_search, configs/literal-en.json, --rescore-geometric 1).
DEFAULTS = {"prior": 0.3, "length": 0.0, "rescore": 1.0, "literal_bias": -5.0}
GRIDS = {
    "prior": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0, 1.5, 2.0],
    "length": [-0.5, -0.25, 0.0, 0.25, 0.5, 1.0],
    "rescore": [0.0, 0.5, 0.7, 1.0, 1.2, 1.5, 2.0],
    "literal_bias": [-8.0, -6.5, -5.0, -4.0, -3.0],
}
SUMMARY = re.compile(r"Swipe MRR ([0-9.]+), accuracy@1 ([0-9.]+), accuracy@4 ([0-9.]+); in-vocabulary \(\d+\): "
                     r"Swipe MRR ([0-9.]+), accuracy@1 ([0-9.]+)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="first N validation swipes (0: all)")
    args = ap.parse_args()
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    glide = os.path.join(args.build, "examples", "glide")
    if not os.access(glide, os.X_OK):
        sys.exit(f"no {glide}: build the glide_cli target first")
    work = tempfile.mkdtemp(prefix="glide-sweep-")
    data = os.path.join(HWS, "valid.jsonl")
    if args.limit > 0:
        data = os.path.join(work, "valid.jsonl")
        with open(os.path.join(HWS, "valid.jsonl")) as src, open(data, "w") as out:
            for i, line in enumerate(src):
                if i >= args.limit:
                    break
                out.write(line)
    with open("configs/literal-en.json") as f:
        literal = json.load(f)
    cache = {}

    def evaluate(p):
        key = tuple(sorted(p.items()))
        if key in cache:
            return cache[key]
        lit = dict(literal, bias=p["literal_bias"])
        lit_path = os.path.join(work, "literal.json")
        with open(lit_path, "w") as f:
            json.dump(lit, f)
        search = f"trie_beam:beam_width=9,n_best=9,prior_weight={p['prior']},length_penalty={p['length']}"
        cmd = [glide, "predict", "--grids", os.path.join(HWS, "grids.json"), "--data", data,
               "--out", os.path.join(work, "p.jsonl"), "--threads", str(args.threads), "--search", search,
               "--rescore-geometric", str(p["rescore"]), "--literal-params", lit_path]
        out = subprocess.run(cmd, capture_output=True, text=True)
        m = SUMMARY.search(out.stdout)
        if out.returncode != 0 or not m:
            sys.exit(f"{' '.join(cmd)} failed:\n{out.stdout}\n{out.stderr}")
        r = {"mrr": float(m.group(1)), "top1": float(m.group(2)), "top4": float(m.group(3)), "in_top1": float(m.group(5))}
        cache[key] = r
        print(f"prior {p['prior']:<4} length {p['length']:<5} rescore {p['rescore']:<4} literal_bias {p['literal_bias']:<5}"
              f"  top-1 {r['top1']:.4f}  top-4 {r['top4']:.4f}  MRR {r['mrr']:.4f}  in-vocabulary top-1 {r['in_top1']:.4f}",
              flush=True)
        return r

    def better(a, b):
        return (a["top1"], a["mrr"]) > (b["top1"], b["mrr"])

    best = dict(DEFAULTS)
    base = evaluate(best)
    best_r = base
    for rnd in range(args.rounds):
        moved = False
        for axis, values in GRIDS.items():
            for v in values:
                p = dict(best, **{axis: v})
                r = evaluate(p)
                if better(r, best_r):
                    best, best_r, moved = p, r, True
        print(f"round {rnd + 1}: best {best}", flush=True)
        if not moved:
            break
    print(f"defaults {DEFAULTS}: top-1 {base['top1']:.4f}, in-vocabulary {base['in_top1']:.4f}, MRR {base['mrr']:.4f}")
    print(f"best     {best}: top-1 {best_r['top1']:.4f}, in-vocabulary {best_r['in_top1']:.4f}, MRR {best_r['mrr']:.4f}")
    print(f"{len(cache)} points evaluated on {data}")


if __name__ == "__main__":
    main()
