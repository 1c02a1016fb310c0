#!/usr/bin/env python3
"""Writes data/grids/grids.json: the keyboard grids Glide ships.

- "default", "extra": the Yandex Cup 2023 Russian JCUKEN grids (1080x667), taken verbatim from
  ../shared/data/yandex-cup-grids/gridname_to_grid.json.
- "qwerty_english": the 360x215 grid of the How We Swipe conversion
  (../shared/data/real-english-swipes/gridname_to_grid_english.json), which its swipes name.
- "qwerty": an English QWERTY grid generated here in the competition's geometry (1080x667 px, key
  height 154, rows at y = 15/169/323/477).
"""
import json
import pathlib

root = pathlib.Path(__file__).resolve().parent.parent
shared = root.parent / "shared" / "data"

grids = {}
grids.update(json.loads((shared / "yandex-cup-grids" / "gridname_to_grid.json").read_text()))
grids.update(json.loads((shared / "real-english-swipes" / "gridname_to_grid_english.json").read_text()))

rows_y = [15, 169, 323, 477]
h = 154
keys = []
def key(label=None, action=None, x=0, y=0, w=108):
    k = {"label": label} if label else {"action": action}
    k["hitbox"] = {"x": x, "y": y, "w": w, "h": h}
    keys.append(k)
for i, c in enumerate("qwertyuiop"):
    key(c, x=i * 108, y=rows_y[0])
for i, c in enumerate("asdfghjkl"):
    key(c, x=54 + i * 108, y=rows_y[1])
key(action="shift", x=0, y=rows_y[2], w=162)
for i, c in enumerate("zxcvbnm"):
    key(c, x=162 + i * 108, y=rows_y[2])
key(action="backspace", x=918, y=rows_y[2], w=162)
key(action="toNumberState", x=0, y=rows_y[3], w=141)
key(action="globe", x=140, y=rows_y[3], w=120)
key(",", x=259, y=rows_y[3], w=98)
key(action="space", x=356, y=rows_y[3], w=455)
key(".", x=810, y=rows_y[3], w=98)
key(action="enter", x=907, y=rows_y[3], w=173)
grids["qwerty"] = {"width": 1080, "height": 667, "keys": keys}

out = root / "data" / "grids" / "grids.json"
out.parent.mkdir(parents=True, exist_ok=True)
out.write_text(json.dumps(grids, ensure_ascii=False, indent=1) + "\n")
print(f"wrote {out} ({', '.join(grids)})")
