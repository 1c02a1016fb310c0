#!/usr/bin/env python3
"""Writes the run record (record.json, include/glide/io/run_record.hpp) of a model that was trained
before the trainer kept records: one session with the command of docs/models.md, the commit whose
code and config made it, and each input file with its size and content hash (FNV-1a 64, as Glide
hashes files). Inputs taken from git history are hashed as they were at that commit; the others
(the How-We-Swipe files, built vocabularies) as they are now, which the session says.

Usage: scripts/reconstruct-records.py MODEL_DIR COMMIT CONFIG RUN_DIR [INIT_COMMIT]
  e.g. scripts/reconstruct-records.py /work/runs/en-deep 79b6af4 configs/en-qwerty-deep.json /work/runs/en-deep 96d808b
MODEL_DIR: where record.json is written (it must not hold one); COMMIT: the commit that shipped the
weights; CONFIG: the training config (read at COMMIT); RUN_DIR: the directory the command trained
into; INIT_COMMIT: the commit whose models/... weights init_weights named at the time.
"""
import json
import os
import subprocess
import sys

FNV_OFFSET, FNV_PRIME, MASK = 0xCBF29CE484222325, 0x100000001B3, (1 << 64) - 1


def fnv1a64(data):
    h = FNV_OFFSET
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & MASK
    return f"fnv1a64:{h:016x}"


def git_bytes(commit, path):
    return subprocess.run(["git", "show", f"{commit}:{path}"], check=True, capture_output=True).stdout


def record_file(role, path, data, at):
    return {"role": role, "path": path, "bytes": len(data), "hash": fnv1a64(data), "hashed": at}


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    model_dir, commit, config, run_dir = sys.argv[1:5]
    init_commit = sys.argv[5] if len(sys.argv) == 6 else None
    out = os.path.join(model_dir, "record.json")
    if os.path.exists(out):
        sys.exit(f"{out} exists; not overwritten")
    full = subprocess.run(["git", "rev-parse", commit], check=True, capture_output=True, text=True).stdout.strip()
    date = subprocess.run(["git", "show", "-s", "--format=%cI", full], check=True, capture_output=True, text=True).stdout.strip()
    cfg_bytes = git_bytes(full, config)
    cfg = json.loads(cfg_bytes)
    files = [record_file("config", config, cfg_bytes, f"at commit {full[:10]}")]
    grids = cfg.get("grids_file", "data/grids/grids.json")
    vocabularies = []
    if cfg.get("vocabulary"):
        vocabularies.append(cfg["vocabulary"])
    for s in cfg.get("sources", []):
        if s["vocabulary"] not in vocabularies:
            vocabularies.append(s["vocabulary"])
    train = cfg.get("train_jsonl", [])
    inputs = [("grids_file", g) for g in ([grids] if isinstance(grids, str) else grids)]
    inputs += [("vocabulary", v) for v in vocabularies]
    inputs += [("train_jsonl", t) for t in ([train] if isinstance(train, str) else train)]
    if cfg.get("valid_jsonl"):
        inputs.append(("valid_jsonl", cfg["valid_jsonl"]))
    for role, path in inputs:
        try:
            files.append(record_file(role, path, git_bytes(full, path), f"at commit {full[:10]}"))
        except subprocess.CalledProcessError:  # not tracked: as it is now
            with open(path, "rb") as f:
                files.append(record_file(role, path, f.read(), "when this record was written"))
    if cfg.get("init_weights"):
        w = cfg["init_weights"].rstrip("/")
        w = w if w.endswith(".safetensors") else w + "/model.safetensors"
        files.append(record_file("init_weights", w, git_bytes(init_commit or full, w), f"at commit {(init_commit or full)[:10]}"))
    session = {
        "started": date,
        "reconstructed": "written after the run (the trainer kept no record then) from docs/models.md and git history",
        "command": ["build/examples/glide_train", config, run_dir],
        "cwd": "the repository root",
        "resumed_from_step": None,
        "code": {"commit": full, "source": "the repository"},
        "data": files,
    }
    with open(out, "w") as f:
        json.dump({"format": "glide run record 1", "sessions": [session]}, f, indent=2)
        f.write("\n")
    print(f"{out}: 1 session, {len(files)} inputs")


if __name__ == "__main__":
    main()
