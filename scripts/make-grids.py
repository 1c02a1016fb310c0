#!/usr/bin/env python3
"""Writes data/grids/grids.json: the keyboard grids Glide ships.

- "default", "extra": the Yandex Cup 2023 Russian JCUKEN grids (1080x667), taken verbatim from
  ../shared/data/yandex-cup-grids/gridname_to_grid.json.
- "qwerty_english": the exact 360x215 keyboard of the How We Swipe study ("hws_360x215" in
  ../shared/data/how-we-swipe/grids.json). The superseded real-english-swipes conversion named its
  swipes (data/samples/en.jsonl) "qwerty_english" with a grid whose rows sat 0.3-1 key height too low.
- "qwerty": an English QWERTY grid generated here in the competition's geometry (1080x667 px, key
  height 154, rows at y = 15/169/323/477).
- "azerty", "dvorak": French AZERTY and English Dvorak letter layouts in the same geometry, for the
  geometric recognizer (which needs no training for a new layout). Dvorak's punctuation keys
  (' , . ;) are left out: only letters matter to a word's path.
"""
import json
import pathlib

root = pathlib.Path(__file__).resolve().parent.parent
shared = root.parent / "shared" / "data"

grids = {}
grids.update(json.loads((shared / "yandex-cup-grids" / "gridname_to_grid.json").read_text()))
grids["qwerty_english"] = json.loads((shared / "how-we-swipe" / "grids.json").read_text())["hws_360x215"]

rows_y = [15, 169, 323, 477]
h = 154


def layout(rows, bottom_shift):
    """A 1080x667 grid: `rows` are (letters, x offset in keys) for the three letter rows."""
    keys = []

    def key(label=None, action=None, x=0, y=0, w=108):
        k = {"label": label} if label else {"action": action}
        k["hitbox"] = {"x": x, "y": y, "w": w, "h": h}
        keys.append(k)

    for r, (letters, offset) in enumerate(rows):
        if r == 2:
            key(action="shift", x=0, y=rows_y[2], w=round(bottom_shift * 108))
        for i, c in enumerate(letters):
            if c != " ":
                key(c, x=round((offset + i) * 108), y=rows_y[r])
    if (rows[2][1] + len(rows[2][0])) * 108 <= 918:  # a full Dvorak bottom row leaves no room
        key(action="backspace", x=918, y=rows_y[2], w=162)
    key(action="toNumberState", x=0, y=rows_y[3], w=141)
    key(action="globe", x=140, y=rows_y[3], w=120)
    key(",", x=259, y=rows_y[3], w=98)
    key(action="space", x=356, y=rows_y[3], w=455)
    key(".", x=810, y=rows_y[3], w=98)
    key(action="enter", x=907, y=rows_y[3], w=173)
    return {"width": 1080, "height": 667, "keys": keys}


grids["qwerty"] = layout([("qwertyuiop", 0), ("asdfghjkl", 0.5), ("zxcvbnm", 1.5)], 1.5)
grids["azerty"] = layout([("azertyuiop", 0), ("qsdfghjklm", 0), ("wxcvbn", 1.5)], 1.5)
grids["dvorak"] = layout([("   pyfgcrl", 0), ("aoeuidhtns", 0), (" qjkxbmwvz", 0)], 1.0)

out = root / "data" / "grids" / "grids.json"
out.parent.mkdir(parents=True, exist_ok=True)
out.write_text(json.dumps(grids, ensure_ascii=False, indent=1) + "\n")
print(f"wrote {out} ({', '.join(grids)})")
