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
- The language packs' phone layouts (data/packs.json names them), letters as in xkb-data's symbol
  files (/usr/share/X11/xkb/symbols: de, es, pt, se, dk, tr, gr, bg(phonetic)) without their
  punctuation keys, in the same geometry with keys narrowed to fit the longest row (11 or 12 keys);
  English, Italian, Dutch, Polish and Romanian phones use "qwerty", French "azerty", Russian "extra".
- Two layouts no model is trained on, for docs/languages.md: "colemak" (English Colemak letters) and
  "de_tablet" (German QWERTZ on a 1600x560 tablet keyboard: keys wider than tall, wider gaps).
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



def phone(rows, width=1080, height=667, top=15, key_h=154, gap=0.0, max_key_w=108.0):
    """A grid of three centred letter rows (strings), keys as wide as the longest row allows (at most
    `max_key_w` px: 108 as "qwerty"), shift and backspace beside the third row where there is room, and the
    bottom row of "qwerty". `gap` is the fraction of a key's width and height left empty around it."""
    n = max(10, max(len(r) for r in rows))
    w = min(max_key_w, width / n)
    keys = []

    def key(label=None, action=None, x=0.0, y=0.0, kw=w, kh=key_h):
        k = {"label": label} if label else {"action": action}
        gx, gy = kw * gap / 2, kh * gap / 2
        k["hitbox"] = {"x": round(x + gx), "y": round(y + gy), "w": round(kw - 2 * gx), "h": round(kh - 2 * gy)}
        keys.append(k)

    for r, letters in enumerate(rows):
        x0 = (width - len(letters) * w) / 2
        y = top + r * key_h
        if r == 2 and x0 >= 0.9 * w:
            key(action="shift", x=0, y=y, kw=x0)
        for i, c in enumerate(letters):
            key(c, x=x0 + i * w, y=y)
        if r == 2 and x0 >= 0.9 * w:
            key(action="backspace", x=x0 + len(letters) * w, y=y, kw=width - x0 - len(letters) * w)
    y = top + 3 * key_h
    scale = width / 1080
    for action, x, bw in (("toNumberState", 0, 141), ("globe", 140, 120), (",", 259, 98), ("space", 356, 455),
                          (".", 810, 98), ("enter", 907, 173)):
        if action in (",", "."):
            key(action, x=x * scale, y=y, kw=bw * scale)
        else:
            key(action=action, x=x * scale, y=y, kw=bw * scale)
    return {"width": width, "height": height, "keys": keys}


grids["de_qwertz"] = phone(["qwertzuiopü", "asdfghjklöä", "yxcvbnm"])
grids["es_qwerty"] = phone(["qwertyuiop", "asdfghjklñ", "zxcvbnm"])
grids["pt_qwerty"] = phone(["qwertyuiop", "asdfghjklç", "zxcvbnm"])
grids["sv_qwerty"] = phone(["qwertyuiopå", "asdfghjklöä", "zxcvbnm"])
grids["da_qwerty"] = phone(["qwertyuiopå", "asdfghjklæø", "zxcvbnm"])
grids["tr_q"] = phone(["qwertyuıopğü", "asdfghjklşi", "zxcvbnmöç"])
grids["el_greek"] = phone(["ςερτυθιοπ", "ασδφγηξκλ", "ζχψωβνμ"])
grids["bg_phonetic"] = phone(["явертъуиопшщ", "асдфгхйклчю", "зьцжбнм"])
grids["colemak"] = phone(["qwfpgjluy", "arstdhneio", "zxcvbkm"])
grids["de_tablet"] = phone(["qwertzuiopü", "asdfghjklöä", "yxcvbnm"], width=1600, height=560, top=10, key_h=120, gap=0.12, max_key_w=1600)

out = root / "data" / "grids" / "grids.json"
out.parent.mkdir(parents=True, exist_ok=True)
out.write_text(json.dumps(grids, ensure_ascii=False, indent=1) + "\n")
print(f"wrote {out} ({', '.join(grids)})")
