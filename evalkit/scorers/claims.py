"""claim_consistency: the claims the prose makes about the code, each checked against the code.

Claim kinds (extracted from the prose only; thinking and code are never claims):

* feature    -- a sentence that names a rubric feature (the feature's ``claim`` regexes);
                verdict = the feature's static/probe result (features.py)
* number     -- a number in such a sentence ("3 collisions", "5 seconds", "1.5x"), tied to the
                nearest feature; supported when an equal literal (unit-converted: s <-> ms, %)
                sits on a line naming the feature (or within the 3 lines above) and, for a
                unit, naming the quantity (duration, charges, multiplier ...)
* control    -- key bindings ("press P to pause", "arrow keys", "WASD", "Space to restart");
                supported when the key constant / key string is in the code (``K_p``, ``'p'``,
                ``'ArrowUp'``)
* identifier -- names in backticks (`spawn_item()`, `CELL_SIZE`); supported when the code
                defines or uses the name
* file       -- data files the prose says the program saves/writes (`highscore.txt`); supported
                when the name is a string literal and the code writes a file

Verdicts: supported, unsupported (no evidence), contradicted (evidence of the opposite: a feature
whose ``absent`` check matched or whose probe failed; a number whose feature is contradicted, or
whose quantity is set to a different literal). Score = supported / all claims; None when the
prose makes no checkable claim. Evidence lines are lines within the main code block.
"""

from __future__ import annotations

import keyword
import re

from .. import flow, program, treesitter
from ..errors import EvalkitError
from ..extract import Extraction
from . import features as feat
from .base import Score

MAX_CLAIMS = 200

_EMPH = re.compile(r"(\*\*|__|\*(?=\S)|(?<=\S)\*)")
_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z`*\"'(])")
_NUMBER = re.compile(
    r"(?<![\w.])(\d+(?:\.\d+)?)(?![\d.]*\+)\s*(?:-\s*)?"
    r"(?:(?:extra|bonus|more|additional)\s+(?=points?\b))?"  # "50 extra points" is 50 points
    r"(x\b|×(?!\s*\d)|%|seconds?\b|secs?\b|s\b|ms\b|milliseconds?\b|minutes?\b|mins?\b|collisions?\b|hits?\b"
    r"|charges?\b|times\b|lives\b|px\b|pixels?\b|cells?\b|points?\b|frames?\b|fps\b|segments?\b)?", re.I)
_UNIT_KIND = {
    "x": "mult", "×": "mult", "times": "mult", "%": "pct",
    "s": "sec", "sec": "sec", "secs": "sec", "second": "sec", "seconds": "sec",
    "ms": "ms", "millisecond": "ms", "milliseconds": "ms",
    "min": "min", "mins": "min", "minute": "min", "minutes": "min",
    "collision": "count", "collisions": "count", "hit": "count", "hits": "count", "charge": "count",
    "charges": "count", "lives": "count",
}
# a number's unit -> the unit class a rubric feature lists in `units` (a duration is never a grid claim)
_UNIT_CLASS = {
    "px": "px", "pixel": "px", "pixels": "px", "cell": "cells", "cells": "cells", "fps": "fps",
    "point": "points", "points": "points", "frame": "frames", "frames": "frames",
    "segment": "segments", "segments": "segments",
}
_QUANTITY = {
    "mult": r"(?i)(mult|factor|boost|speed|scale|fast)",
    "pct": r"(?i)(mult|factor|boost|speed|scale|percent|pct|chance|prob|rate|random)",
    "sec": r"(?i)(duration|time|second|sec\b|ms\b|until|length|ticks|timer|expir|frames|delay|interval|period)",
    "ms": r"(?i)(duration|time|second|ms\b|until|length|ticks|timer|expir|delay|interval|period)",
    "min": r"(?i)(duration|time|minute|until|length|timer)",
    "count": r"(?i)(charge|hit|collision|count|lives|shield|absorb|uses)",
}

_KEY_WORDS = {
    "space": "space", "spacebar": "space", "esc": "escape", "escape": "escape", "enter": "enter",
    "return": "enter", "tab": "tab", "backspace": "backspace",
    "up": "up", "down": "down", "left": "left", "right": "right",
}
_KEY_CODE = {  # normalised key -> (pygame constants, key strings other toolkits use)
    "space": ({"K_SPACE"}, {" ", "Space", "space", "Spacebar"}),
    "escape": ({"K_ESCAPE"}, {"Escape", "Esc", "escape"}),
    "enter": ({"K_RETURN", "K_KP_ENTER"}, {"Enter", "Return", "\\r", "\\n"}),
    "tab": ({"K_TAB"}, {"Tab", "\\t"}),
    "backspace": ({"K_BACKSPACE"}, {"Backspace"}),
    "up": ({"K_UP"}, {"ArrowUp", "Up", "up"}),
    "down": ({"K_DOWN"}, {"ArrowDown", "Down", "down"}),
    "left": ({"K_LEFT"}, {"ArrowLeft", "Left", "left"}),
    "right": ({"K_RIGHT"}, {"ArrowRight", "Right", "right"}),
}
# key names other toolkits use: curses constants, JavaScript keyCode numbers
_CURSES_KEY = {"up": "KEY_UP", "down": "KEY_DOWN", "left": "KEY_LEFT", "right": "KEY_RIGHT",
               "enter": "KEY_ENTER", "backspace": "KEY_BACKSPACE"}
_KEYCODE = {"left": 37, "up": 38, "right": 39, "down": 40, "space": 32, "enter": 13, "escape": 27,
            "tab": 9, "backspace": 8}
_PADDLE = re.compile(r"(?i)\bpaddles?\b")
_VERTICAL = re.compile(r"(?i)\b(up\s*(and|/|or|&)\s*down|down\s*(and|/|or|&)\s*up|vertical(ly)?)\b")
_HORIZONTAL = re.compile(r"(?i)\b(left\s*(and|/|or|&)\s*right|right\s*(and|/|or|&)\s*left|horizontal(ly)?)\b")
_KEYTOK = r"(?:[A-Za-z0-9]|space(?:bar)?|esc(?:ape)?|enter|return|tab|backspace)"
_CONTROL_PATTERNS = [
    re.compile(r"\b(?:press(?:ing)?|hit(?:ting)?|tap(?:ping)?|push)\s+(?:the\s+)?([`'\"]?)(" + _KEYTOK + r")\1(?![\w-])", re.I),
    re.compile(r"(?<![\w-])([`'\"]?)(" + _KEYTOK + r")\1\s*(?:key\s*)?(?:to|:|-|–|—|=|→|->|\|)?\s*(?:to\s+)?"
               r"(?:pauses?|resumes?|restarts?|quits?|exits?|toggles?|starts?|resets?|unpauses?|play again|"
               r"start again|try again|new game)\b", re.I),
    re.compile(r"\b(?:the\s+)?([`'\"]?)(" + _KEYTOK + r")\1\s+key\b", re.I),
    re.compile(r"(?<![\w-])([`'\"]?)(" + _KEYTOK + r")\1(?=\s*(?:or|/|,)\s*[`'\"]?" + _KEYTOK + r"[`'\"]?\s*"
               r"(?:key\s*)?(?:to|:|-|–|—|=|→|->)?\s*(?:to\s+)?(?:pauses?|resumes?|restarts?|quits?|exits?|toggles?|"
               r"starts?|resets?|unpauses?|play again)\b)", re.I),
    # a controls list: the item starts with the key, then what it does ("**ESC** - Go back to the menu",
    # "`H`: party hat mode"), whatever the verb
    re.compile(r"^([`'\"]?)(" + _KEYTOK + r")\1\s*(?:key\s*)?(?:-|–|—|:|=|→|->)\s+(?=[A-Za-z(])", re.I),
]
_ARROWS = re.compile(r"\barrow(?:\s+|-)?keys?\b|\barrows\b|[↑↓←→](?:\s*(?:/|,|and)?\s*[↑↓←→]){3}", re.I)
_ONE_ARROW = re.compile(r"\b(up|down|left|right)\s+arrow\b", re.I)
_WASD = re.compile(r"\bWASD\b")

# the sentence says features are left out ("can be added later", "not included in this version")
_DISCLAIMER = re.compile(r"(?i)\b(not (yet )?(included|implemented|part of)|left out|omitted|(can|could|might) (easily )?be added|"
                         r"you (can|could) (easily )?(add|extend|implement)|extend (it|this|the game) with|"
                         r"(expand|extend|enhance|improve|build)\w*( up)?( on| upon)? (it|this|the game|the code) (further )?by adding|"
                         r"(for|in) (a )?(later|future) (version|update)|not in this version|isn'?t (included|implemented)|"
                         r"aren'?t (included|implemented)|to keep (the code|it|things) (short|simple)|TODO|"
                         r"I (can|could|'ll|will) (easily )?(add|extend|implement)|if you want (them|it|those)|"
                         r"would (need|have to|require)|not (yet )?(supported|there))\b")
# a negation right before the feature's mention ("you can't die by hitting a wall", "no pause")
_NEGATION = re.compile(r"(?i)\b(no|not|never|can['’]?t|cannot|won['’]?t|doesn['’]?t|don['’]?t|didn['’]?t|isn['’]?t|"
                       r"aren['’]?t|wasn['’]?t|weren['’]?t|hasn['’]?t|haven['’]?t|without)\b[^,;:.]{0,40}$")
_IMPERATIVE = re.compile(r"(?i)^\W*(don['’]?t|do not|never|avoid|try not to)\b")


def _negated_before(s: str, pos: int) -> bool:
    """A negation just before a feature's mention, not an instruction ("Don't hit the walls!" says
    the walls kill you)."""
    m = _NEGATION.search(s[:pos])
    return m is not None and not (_IMPERATIVE.match(s) and _IMPERATIVE.match(s).end() >= m.start() + 1
                                  and not _NEGATION.search(s[_IMPERATIVE.match(s).end():pos]))


_BACKTICK = re.compile(r"`([^`\n]{1,80})`")
_SOFT_KEYWORDS = {"match", "case"}
_DIRECTION_WORDS = {"up", "down", "left", "right"}
_BASE_TERMS = r"(?i)(delay|tick|timeout|fps|interval|speed|rate|step|move|frame|ms\b)"
_BASELINE = re.compile(r"(?i)\b(instead of|rather than|up from|normal(ly)?( speed)?( of| is)?|from)\s*$")
_DATA_LANGS = {"json", "yaml", "yml", "toml", "ini", "cfg", "jsonc"}
_ASSET = re.compile(r"(?i)\.(png|jpe?g|gif|bmp|svg|wav|mp3|ogg|flac|ttf|otf|fnt)$")
_IDENT = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*(?:\(\))?$")
_IDENT_STOP = {"python", "python3", "pip", "py", "bash", "cd", "ls", "true", "false", "none", "null",
               "self", "main", "sh", "npm", "node"}
_FILE = re.compile(r"(?<![\w./-])([\w-]+(?:\.[\w-]+)*"
                   r"\.(?:txt|json|csv|dat|db|sqlite3?|log|ini|cfg|yaml|yml|pkl|pickle|sav|save|toml|xml))\b", re.I)
_SOURCE_FILE = re.compile(r"\.(py|pyw|js|mjs|ts|tsx|jsx|html?|css|go|java|c|cc|cpp|h|hpp|sh|md|rs|rb)$", re.I)
_WRITE_VERB = re.compile(r"(?i)\b(sav|writ|wrote|stor|persist|record|export|dump|log[sg]?\b|kept|keeps)")
_WRITE_CODE = re.compile(r"""(open\([^)]*,\s*["'][wax]b?\+?["']|open\([^)]*mode\s*=\s*["'][wax]|\.write\(|\.dump\("""
                         r"""|write_text\(|write_bytes\(|to_csv\(|writeFileSync|writeFile\(|localStorage\.setItem)""")


def _sentences(prose: str) -> list[str]:
    out = []
    for raw in prose.split("\n"):
        line = raw.strip()
        if not line or line.startswith("#") or line.startswith("|---"):
            continue
        line = re.sub(r"^([-*+]|\d+[.)])\s+", "", line)
        for s in _SENT_SPLIT.split(line):
            s = s.strip()
            if s:
                out.append(s[:400])
    return out


def _plain(s: str) -> str:
    return _EMPH.sub("", s)


def _evidence(idx: treesitter.CodeIndex, lines, block) -> list[dict]:
    return [dict(e, block=block) for e in feat._ev(idx, lines)]


_CLAUSE = re.compile(r"[,;]|\b(?:and|but|while|whereas)\b")


def _tie(spans: list[tuple[str, int]], sentence: str, pos: int, terms: list, prev: str | None,
         allowed=None, end: int | None = None) -> str | None:
    """The feature a number belongs to, in order of preference: one named earlier in the same
    clause; one whose code terms appear earlier in the clause ("speed (1.5x"); one named earlier
    in the sentence; the last one named in the previous sentence ("The Ice Shield ... When active,
    it skips 3 collisions"); one named later in the same clause. None: the number is not a claim.
    ``allowed``: the features that can take this number's unit (a duration never belongs to the grid);
    before all of these, a feature named right after the number ("+1 score", "3 collisions with
    the shield" is not: two words at most between them) and, failing every rule, the only feature
    that takes the unit ("10 points" is the score's)."""
    only = next(iter(allowed)) if allowed is not None and len(allowed) == 1 else None
    if allowed is not None:
        spans = [sp for sp in spans if sp[0] in allowed]
        terms = [t for t in terms if t[0] in allowed]
        if prev is not None and prev not in allowed:
            prev = None
    if end is not None:
        right_after = [sp for sp in spans if sp[1] >= end and re.fullmatch(r"\s*(\w+\s+){0,2}", sentence[end:sp[1]])]
        if right_after:
            return min(right_after, key=lambda sp: sp[1])[0]
    bounds = [0] + [m.end() for m in _CLAUSE.finditer(sentence)] + [len(sentence) + 1]
    lo = max(b for b in bounds if b <= pos)
    hi = min(b for b in bounds if b > pos)
    before_in_clause = [sp for sp in spans if lo <= sp[1] < pos]
    if before_in_clause:
        return max(before_in_clause, key=lambda sp: sp[1])[0]
    head = sentence[lo:pos]
    by_terms = [(m.start(), fid) for fid, rx in terms for m in [rx.search(head)] if m]
    if by_terms:
        return max(by_terms)[1]
    before = [sp for sp in spans if sp[1] < pos]
    if before:
        return max(before, key=lambda sp: sp[1])[0]
    if prev is not None:
        return prev
    after_in_clause = [sp for sp in spans if pos <= sp[1] < hi]
    if after_in_clause:
        return min(after_in_clause, key=lambda sp: sp[1])[0]
    return only


def _number_values(v: float, kind: str | None) -> set[float]:
    vals = {v}
    if kind == "sec":
        vals |= {v * 1000}
    elif kind == "ms":
        vals |= {v / 1000}
    elif kind == "min":
        vals |= {v * 60, v * 60000}
    elif kind == "pct":
        vals |= {v / 100, 1 + v / 100, 1 - v / 100}
    return {round(x, 6) for x in vals}


# the name a line sets: `NAME = 5`, `self.name = 5`, `"name": 5`
_SETTING_KEY = re.compile(r"""\s*(?:[\w.]*\.)?["']?([A-Za-z_]\w*)["']?\s*(?:=|:)(?!=)""")


def _setting_value(name: str, idx) -> tuple[float, int] | None:
    """(value, line) when the code sets ``name`` to a number literal (`BOOST_DURATION = 4000`)."""
    for lt, rt, ln in idx.assigns:
        if lt.strip().split(".")[-1] == name:
            m = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*", rt)
            if m:
                return float(m.group(1)), ln
            if re.fullmatch(r"\s*[\[(].*[\])]\s*", rt, re.S) and not rt.rstrip().endswith("...]"):
                items = [a for a in flow._split_args(rt.strip()[1:-1]) if a.strip()]
                return float(len(items)), ln  # "`SKINS` | 4 colours": a list of 4
    return None


def _sets_quantity(line: str, value: float, qty: str, above: str = "", term_rx=None) -> bool:
    """The literal ``value`` on ``line`` is what a name matching ``qty`` is set to (`"delay": 70`,
    `BOOST_SECONDS = 4`), for this feature (the name, the text before it on the line or the dict
    opened just above names the feature: `"speed": {"seconds": 4}`), or the line names only that
    quantity."""
    rx = re.compile(qty[4:], re.I) if qty.startswith("(?i)") else re.compile(qty)
    for m in re.finditer(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])", line):
        if abs(float(m.group(0)) - value) > 1e-9:
            continue
        before = line[:m.start()]
        if before.count("(") + before.count("[") > before.count(")") + before.count("]"):
            continue  # an element of a tuple or list (a colour's 255), not a setting
        if re.search(r"([-+*/%<>!]=|[<>])\s*$", before):
            return False  # a step (`shield -= 1`) or a comparison (`timer >= 1`), not a setting
        key = _KEY_BEFORE.search(before)
        if key is not None:
            if rx.search(key.group(1)) is None:
                return False
            return term_rx is None or any(term_rx.search(t) for t in (key.group(1), before[:key.start()], above))
        return rx.search(line) is not None
    return False


# the name a value is set to: `NAME = `, `"name": `, `name: float = ` (a dataclass field)
_KEY_BEFORE = re.compile(r"""["']?([A-Za-z_]\w*)["']?\s*(?::\s*[\w.\[\], |]+?\s*)?(?<![<>!=])[:=](?!=)\s*$""")


def _literal_key(line: str, value: float) -> str | None:
    """The name a literal equal to ``value`` is set to on ``line`` (`"charges": 2` -> charges), if any."""
    for m in re.finditer(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])", line):
        if abs(float(m.group(0)) - value) < 1e-9:
            before = line[:m.start()]
            if before.count("(") + before.count("[") > before.count(")") + before.count("]"):
                return None
            tup = re.match(r"\s*([\w.]+(?:\s*,\s*[\w.]+)+)\s*=\s*(.*)$", before)
            if tup:  # `COLS, ROWS = 24, 18`: the name in the same position
                names = [n.strip() for n in tup.group(1).split(",")]
                pos = tup.group(2).count(",")
                return names[pos] if pos < len(names) else None
            if re.search(r"([-+*/%<>!]=|[<>])\s*$", before):
                return None
            key = _KEY_BEFORE.search(before)
            return key.group(1) if key else None
    return None


def _unused_setting(idx, ln: int) -> str | None:
    """The name ``NAME = 5`` on line ``ln`` sets, when nothing else in a whole program reads it (a
    fragment's other uses may be in the part not shown)."""
    if not idx.complete:
        return None
    m = re.match(r"\s*([A-Za-z_]\w*)\s*=\s*-?\d[\d.]*\s*(#.*)?$", idx.lines[ln - 1])
    if m and len(idx.ident_lines.get(m.group(1), [])) <= 1:
        return m.group(1)
    return None


def _dict_opener(idx, ln: int) -> str:
    """The line (within 3 above) that opens the dict ``ln`` sits in (`"speed": {`), or ""."""
    for k in range(1, 4):
        if ln - k >= 1 and idx.lines[ln - k - 1].rstrip().endswith(("{", "dict(")):
            return idx.lines[ln - k - 1]
    return ""


def _data_number(text: str, want: set[float], terms: str) -> int | None:
    """The line of a data file (JSON, YAML, INI, TOML) that names the feature and holds the value."""
    rx = re.compile(terms[4:], re.I) if terms.startswith("(?i)") else re.compile(terms)
    lines = text.split("\n")
    for i, line in enumerate(lines):
        near = " ".join(lines[max(0, i - 3):i + 1])
        if not rx.search(near):
            continue
        for m in re.finditer(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])", line):
            if round(float(m.group(0)), 6) in want:
                return i + 1
    return None


def _check_number(value: float, kind: str | None, terms: str, idx, block, feature_res: dict | None,
                  data_blocks=None) -> dict:
    want = _number_values(value, kind)
    qty = _QUANTITY.get(kind or "")
    term_lines = idx.lines_matching(terms)
    qty_lines = idx.lines_matching(qty) if qty else None
    same, other = [], []
    term_rx = re.compile(terms[4:], re.I) if terms.startswith("(?i)") else re.compile(terms)
    for v, ln in idx.numbers:
        if qty_lines is not None and ln not in qty_lines:
            continue
        if not any(ln - k in term_lines for k in range(4)):  # on the line or the 3 above
            continue
        key = _SETTING_KEY.match(idx.lines[ln - 1]) if ln not in term_lines else None
        if key and not term_rx.search(key.group(1)):
            continue  # `ITEM_SPAWN_EVERY = 5000` under the boost settings is another setting
        if round(v, 6) in want:
            own = _literal_key(idx.lines[ln - 1], v)
            if own is not None and not term_rx.search(own) and not (qty and re.search(qty, own)):
                continue  # the equal literal is another setting's (`"charges": 2` is not the 2x speed)
            same.append(ln)
        elif v != 0 and qty and _sets_quantity(idx.lines[ln - 1], v, qty, _dict_opener(idx, ln), term_rx):
            # a different value that this line sets for the quantity ("delay": 70), not any number
            # nearby (a colour's 255); a zero is a reset or a start value, not the setting
            other.append(ln)
    if feature_res is not None and feature_res.get("contradicted"):
        lines = [e["line"] for e in feature_res.get("contra_evidence", [])] + same
        return {"verdict": "contradicted", "evidence": _evidence(idx, lines, block),
                "reason": f"the feature it describes is contradicted: {feature_res.get('reason', '')}"}
    unused = [ln for ln in same if _unused_setting(idx, ln)]
    if same and len(unused) == len(same):  # `BOOST_SECONDS = 5` that nothing reads configures nothing
        name = _unused_setting(idx, unused[0])
        return {"verdict": "unsupported", "evidence": _evidence(idx, unused, block),
                "reason": f"{name} has this value, but the code never uses {name}"}
    same = [ln for ln in same if ln not in unused]
    if same:
        return {"verdict": "supported", "evidence": _evidence(idx, same, block),
                "reason": "an equal literal sits where the feature is configured"}
    for bi, b in data_blocks or []:  # settings kept in a JSON/YAML/INI file of the answer
        hit = _data_number(b.code, want, terms)
        if hit:
            return {"verdict": "supported", "evidence": [{"line": hit, "text": b.code.split("\n")[hit - 1].strip()[:160],
                                                          "block": bi, **({"file": b.filename} if b.filename else {})}],
                    "reason": "an equal value sits in the settings file" + (f" {b.filename}" if b.filename else "")}
    if other and qty:
        return {"verdict": "contradicted", "evidence": _evidence(idx, other, block),
                "reason": "the code sets this quantity to a different value"}
    return {"verdict": "unsupported", "evidence": [], "reason": "no matching literal near the feature's code"}


def _arrow_keys(sentence: str, context: str = "") -> list[str] | list[list[str]]:
    """The arrows an "arrow keys" claim needs: all four, except for a paddle, which moves along one
    axis (up/down or left/right as the sentence or the task says; either pair when neither does)."""
    if not (_PADDLE.search(sentence) or (_PADDLE.search(context) and not re.search(r"(?i)\bsnake\b", sentence))):
        return ["up", "down", "left", "right"]
    for text in (sentence, context):
        v, h = _VERTICAL.search(text), _HORIZONTAL.search(text)
        if v and not h:
            return ["up", "down"]
        if h and not v:
            return ["left", "right"]
    return [["up", "down"], ["left", "right"]]


_ACTION_WORD = re.compile(
    r"^\W{0,4}(?:key\s*)?(?:\W{0,3})(?:(?:or|and|/|,)\s*\W?\w{1,6}\W?\s*)*(?:(?:will|to|can|you|button)\s+)*"
    r"(pauses?|unpauses?|resumes?|restarts?|resets?|play(?:s)? again|start(?:s)? (?:again|over|a new game)|new game|"
    r"quits?|exits?|close|starts?)\b", re.I)
_ACTION_CODE = {  # what the branch handling the key must do (its body, one level of flow deep)
    # pausing sets or toggles a pause (not the `paused = False` of a reset)
    "pause": r"(?i)(paus\w*[\"']?\]?\s*(=\s*(not\b|!|true\b|1\b)|\^=)|(toggle|set)_?paus|\bpause\w*\(|"
             r"state\w*\s*=.*paus)",
    "restart": r"(?i)(reset|restart|new_\w+|init|start|__init__|game_?loop|main\(|=\s*[A-Z]\w*\(|setup|begin|play|"
               r"again|round|score\s*=\s*0|\breturn\b|\bbreak\b|"
               r"\b(snake|body|segments)\w*\s*(,[^=\n]*)?=\s*[\[\(]|\b(dead|over|game_over)\b[^=\n]*=[^\n]*\b(False|false))",
    "quit": r"(?i)(quit|exit|close|destroy|end_game\(\)|running\s*=\s*(False|false)|game_?over\s*=\s*(True|true)|"
            r"\bbreak\b|\breturn\b|endwin)",
    "start": r"(?i)(start|play|state|running|menu|begin|reset|init|paus)",
}


def _action(sentence: str, end: int) -> str | None:
    """The action a key claim names right after the key ("P to pause" -> pause)."""
    m = _ACTION_WORD.match(sentence[end:end + 60])
    if not m:
        return None
    w = m.group(1).lower()
    if w.startswith(("pause", "unpause", "resume")):
        return "pause"
    if w.startswith(("restart", "reset", "play", "new game")) or w.startswith("start") and " " in w:
        return "restart"
    if w.startswith(("quit", "exit", "close")):
        return "quit"
    return "start"


def _control_keys(sentence: str, context: str = "") -> list[tuple[str, list, str | None]]:
    """(claim key label, normalised keys it needs -- a list of lists means "any one of these sets" --,
    the action the sentence gives the key or None)."""
    found: list[tuple[str, list, str | None]] = []
    if _ARROWS.search(sentence):
        found.append(("arrow keys", _arrow_keys(sentence, context), None))
    else:
        for m in _ONE_ARROW.finditer(sentence):
            found.append((f"{m.group(1).lower()} arrow", [m.group(1).lower()], None))
    if _WASD.search(sentence):
        found.append(("WASD", ["w", "a", "s", "d"], None))
    for pat in _CONTROL_PATTERNS:
        for m in pat.finditer(sentence):
            quote, tok = m.group(1), m.group(2)
            if len(tok) == 1:
                # a lone letter counts only when it is written like a key: capital or quoted
                if not (quote or tok.isupper() or tok.isdigit()) or (tok in "AI" and not quote):
                    continue
                key = tok.lower()
            else:
                key = _KEY_WORDS.get(tok.lower())
                if key is None:
                    continue
            label = tok.upper() if len(tok) == 1 else key
            if all(f[0] != label for f in found):
                found.append((label, [key], _action(sentence, m.end(2) + len(quote))))
    return found


def _key_in(text: str, key: str) -> bool:
    """``text`` (a branch condition) tests this key."""
    consts, strings = _KEY_CODE.get(key, ({f"K_{key}", f"K_{key.upper()}"} if len(key) == 1 else set(), set()))
    if len(key) == 1:
        strings = {key, key.upper(), f"Key{key.upper()}"}
    if key in _CURSES_KEY:
        consts = set(consts) | {_CURSES_KEY[key]}
    if any(re.search(r"\b" + re.escape(c) + r"\b", text) for c in consts):
        return True
    return any(re.search(r"""["'](?:<(?:Key(?:Press)?-)?)?""" + re.escape(s_) + r""">?["']""", text) for s_ in strings if s_.strip())


def _key_name(s: str) -> str:
    """A key string as toolkits write it: tkinter's "<Up>" / "<KeyPress-p>" -> "Up" / "p"."""
    m = re.fullmatch(r"<(?:Key(?:Press|Release)?-)?([^<>]+)>", s)
    return m.group(1) if m else s


def _key_evidence(key: str, idx) -> list[int]:
    consts, strings = _KEY_CODE.get(key, ({f"K_{key}", f"K_{key.upper()}"} if len(key) == 1 else set(), set()))
    consts = set(consts)
    if len(key) == 1:
        strings = {key, key.upper(), f"Key{key.upper()}"}
    if key in _CURSES_KEY:
        consts.add(_CURSES_KEY[key])
    # JavaScript key maps name keys as properties ({ArrowUp: ...}, {KeyP: ...}); a bare "up"/"Up"
    # identifier is a method or a direction, not a key, so only unambiguous names count
    props = {s for s in strings if s.startswith(("Arrow", "Key")) and len(s) > 3}
    lines = [ln for name, ln in idx.idents if name in consts or name in props]
    # "up"/"Left" are also direction names (`self.direction = "up"`): as keys only where keys are read
    keyish = {ln + d for ln in idx.lines_matching(r"(?i)(key|bind|event|press|sym|code|input)") for d in (-2, -1, 0, 1, 2)}
    lines += [ln for s, ln in idx.strings if (s in strings or _key_name(s) in strings)
              and (s.lower() not in _DIRECTION_WORDS or s.startswith("<") or ln in keyish)]
    code = _KEYCODE.get(key) if len(key) > 1 else (ord(key.upper()) if key.isalnum() else None)
    if code is not None and ("keyCode" in idx.ident_names or "which" in idx.ident_names):
        kc_lines = idx.lines_matching(r"keyCode|\.which\b|^\s*case\b|:\s*\[|^\s*\d+\s*:")
        lines += [ln for v, ln in idx.numbers if v == code and ln in kc_lines]
    return lines


def _user_rx(pattern) -> re.Pattern:
    """A rubric regex, case-insensitive; a broken one is the rubric author's error to fix."""
    try:
        return re.compile(str(pattern), re.I)
    except re.error as exc:
        raise EvalkitError(f"rubric regex {pattern!r} is invalid ({exc}); fix it in rubrics/") from exc


def _unit_class(unit: str, kind: str | None) -> str | None:
    return kind or _UNIT_CLASS.get(unit)


def extract_claims(prose: str, rubric: dict, context: str = "") -> list[dict]:
    """Claims in the prose, in order, deduplicated (one per feature, key, number, name, file).
    ``context``: the task's prompt (it says what the controls move, e.g. a paddle up and down)."""
    features = [f for f in rubric.get("features") or [] if isinstance(f, dict) and f.get("claim")]
    pats = [(f, [_user_rx(p) for p in (f["claim"] if isinstance(f["claim"], list) else [f["claim"]])])
            for f in features]
    terms = []  # only features with `terms` take number claims (numbers in examples are not claims)
    for f, _ in pats:
        t = f.get("terms")
        if t:
            terms.append((f["id"], _user_rx(t[4:] if str(t).startswith("(?i)") else str(t))))
    with_terms = {fid for fid, _ in terms}
    # rubric `units`: the unit classes a feature's numbers can have (no `units`: any)
    units = {f["id"]: set(f["units"]) for f, _ in pats if isinstance(f.get("units"), list)}
    claims: list[dict] = []
    seen: set = set()
    prev: str | None = None  # the last feature named in the previous sentence

    def add(key, claim):
        if key not in seen and len(claims) < MAX_CLAIMS:
            seen.add(key)
            claims.append(claim)

    absent_pats = {f["id"]: [_user_rx(p) for p in (f["claim_absent"] if isinstance(f["claim_absent"], list)
                                                  else [f["claim_absent"]])]
                   for f, _ in pats if f.get("claim_absent")}
    for raw in _sentences(prose):
        s = _plain(raw)
        spans = []  # (feature id, position) of every feature named in the sentence
        # a disclaimer covers its own clause: "It has walls; pause is left out" leaves the walls claimed
        clauses = [(m.start(), m.end()) for m in re.finditer(r"[^;:]+?(?=;|:|,?\s+\bbut\b|,?\s+\bhowever\b|$)", s)]
        disclaimed = [(a, b) for a, b in clauses if _DISCLAIMER.search(s[a:b])]
        if any(re.search(r"(?i)\b(them|those|these)\b", s[a:b]) for a, b in disclaimed):
            disclaimed = [(0, len(s))]  # "...; I can add them if you like": back to what the sentence named
        negated: set[str] = set()
        for f, ps in pats:
            hits = [m.start() for p in ps for m in p.finditer(s)]
            absent = any(p.search(s) for p in absent_pats.get(f["id"], []))
            if hits or absent:
                spans += [(f["id"], h) for h in hits]
                neg = absent or any(a <= h < b for h in hits for a, b in disclaimed) or \
                    any(_negated_before(s, h) for h in hits)
                claim = {"text": raw, "kind": "feature", "feature": f["id"]}
                if neg:  # the prose says the game does NOT have it
                    negated.add(f["id"])
                    claim["negated"] = True
                add(("feature", f["id"]), claim)
        if terms and (spans or prev is not None):
            for m in _NUMBER.finditer(s):
                unit = (m.group(2) or "").lower()
                kind = _UNIT_KIND.get(unit)
                if unit and kind is None and unit not in ("px", "pixel", "pixels", "cell", "cells", "points",
                                                          "point", "frames", "frame", "fps", "segment", "segments"):
                    continue
                cls = _unit_class(unit, kind)
                allowed = None if cls is None else {fid for fid, _ in terms if fid not in units or cls in units[fid]}
                fid = _tie(spans, s, m.start(), terms, prev, allowed, m.end())
                if fid is None or fid not in with_terms or fid in negated:
                    continue
                value = float(m.group(1))
                baseline = _BASELINE.search(s[max(0, m.start() - 25):m.start()]) is not None
                setting = _BACKTICK.search(raw)
                if setting and _IDENT.match(setting.group(1).strip()) and "(" not in setting.group(1):
                    claims_extra = {"setting": setting.group(1).strip()}
                else:
                    claims_extra = {}
                if baseline:  # "70 ms instead of 150 ms": 150 is the normal setting, not the feature's
                    claims_extra["baseline"] = True
                add(("number", fid, value, kind), {**claims_extra, "text": raw, "kind": "number", "feature": fid,
                                                  "value": value, "unit": unit or None, "quantity": kind})
        prev = max(spans, key=lambda sp: sp[1])[0] if spans else None
        for label, keys, action in _control_keys(s, context):
            claim = {"text": raw, "kind": "control", "key": label, "keys": keys}
            if action:
                claim["action"] = action
            add(("control", label), claim)
        if _WRITE_VERB.search(s):
            for m in _FILE.finditer(raw):
                add(("file", m.group(1).lower()), {"text": raw, "kind": "file", "file": m.group(1)})
        for m in _BACKTICK.finditer(raw):
            tok = m.group(1).strip()
            if _FILE.fullmatch(tok) or _SOURCE_FILE.search(tok) or not _IDENT.match(tok) or len(tok.rstrip("()")) < 2:
                continue
            if tok.lower() in _IDENT_STOP or tok.lower() in _KEY_WORDS or keyword.iskeyword(tok):
                continue
            add(("identifier", tok.rstrip("()")), {"text": raw, "kind": "identifier", "name": tok})
    return claims


def _verdict(claim: dict, ex: Extraction, idx, block, fres: dict, rubric_by_id: dict) -> dict:
    kind = claim["kind"]
    if ex.main is None:
        return {"verdict": "unsupported", "evidence": [], "reason": "the response has no code"}
    if kind == "feature":
        r = fres.get(claim["feature"])
        if r is None:
            return {"verdict": "unsupported", "evidence": [], "reason": "feature not in the rubric"}
        name = r.get("name", claim["feature"])
        if claim.get("negated"):  # "the game has no X": true when the code has no X
            if r.get("found"):
                lines = [e["line"] for e in r.get("evidence", [])]
                return {"verdict": "contradicted", "evidence": _evidence(idx, lines, block),
                        "reason": f"the prose says the game leaves out \"{name}\", but the code has it"}
            lines = [e["line"] for e in r.get("contra_evidence", [])]
            return {"verdict": "supported", "evidence": _evidence(idx, lines, block),
                    "reason": f"the prose says the game leaves out \"{name}\", and the code has no evidence of it"}
        if r.get("contradicted"):
            lines = [e["line"] for e in r.get("contra_evidence", [])]
            return {"verdict": "contradicted", "evidence": _evidence(idx, lines, block),
                    "reason": r.get("reason", "")}
        if r.get("found"):
            lines = [e["line"] for e in r.get("evidence", [])]
            why = f"probe {r['probe']} passed" if r.get("source") == "probe" else \
                f"the code does it (line{'s' if len(lines) > 1 else ''} {', '.join(map(str, sorted(set(lines))))})"
            return {"verdict": "supported", "evidence": _evidence(idx, lines, block),
                    "reason": why}
        return {"verdict": "unsupported", "evidence": [], "reason": f"no evidence of \"{name}\" in the code"}
    if kind == "number":
        got = _setting_value(claim["setting"], idx) if claim.get("setting") else None
        if got is not None:  # "`BOOST_DURATION` | 5000": the named setting's own value decides
            value, ln = got
            ok = round(value, 6) in _number_values(claim["value"], claim["quantity"])
            return {"verdict": "supported" if ok else "contradicted", "evidence": _evidence(idx, [ln], block),
                    "reason": f"{claim['setting']} is set to {value:g}" + ("" if ok else f", not {claim['value']:g}")}
        terms = rubric_by_id.get(claim["feature"], {}).get("terms") or claim["feature"].replace("_", "|")
        if claim.get("baseline"):
            want = _number_values(claim["value"], claim["quantity"])
            lines = [ln for v, ln in idx.numbers if round(v, 6) in want and ln in idx.lines_matching(_BASE_TERMS)]
            if lines:
                return {"verdict": "supported", "evidence": _evidence(idx, lines, block),
                        "reason": "the normal setting has this value"}
            return {"verdict": "unsupported", "evidence": [], "reason": "no normal setting has this value"}
        data = [(i, b) for i, b in enumerate(ex.blocks) if (b.language or "") in _DATA_LANGS
                or (b.filename or "").lower().endswith((".json", ".yaml", ".yml", ".toml", ".ini", ".cfg"))]
        return _check_number(claim["value"], claim["quantity"], terms, idx, block, fres.get(claim["feature"]), data)
    if kind == "control":
        options = claim["keys"] if claim["keys"] and isinstance(claim["keys"][0], list) else [claim["keys"]]
        best = None
        for keys in options:  # a paddle moves on one axis: either pair of arrows will do
            lines, missing = [], []
            for k in keys:
                got = _key_evidence(k, idx)
                (lines.extend(got) if got else missing.append(k))
            if best is None or len(missing) < len(best[1]):
                best = (lines, missing)
        lines, missing = best
        if not missing and len(claim["keys"]) == 1 and getattr(idx, "hangs", None):
            # the key sets a flag the game waits for in a loop that never reads keys: never seen
            for br in (b for b in idx.branches if _key_in(b.cond, claim["keys"][0])):
                for hfirst, _hl, cond, names in idx.hangs:
                    if any(re.search(r"(?<![\w.$])" + re.escape(n) + r"\s*=(?!=)", br.body) for n in names):
                        return {"verdict": "contradicted", "evidence": _evidence(idx, [br.line, hfirst], block),
                                "reason": f"{claim['key']} sets what the loop on line {hfirst} (`while {cond}`) waits "
                                          f"for, but that loop never reads keys: the game freezes"}
        act = claim.get("action")
        feature = fres.get(act) if act else None
        if not missing and feature is not None and feature.get("contradicted"):
            # "P to pause" when pausing is broken: the key is there, what it should do is not
            return {"verdict": "contradicted",
                    "evidence": _evidence(idx, lines + [e["line"] for e in feature.get("contra_evidence", [])], block),
                    "reason": f"the code handles {claim['key']}, but {feature.get('reason', '')}"}
        if not missing and act and len(claim["keys"]) == 1:
            # "P to pause": some branch testing P must pause; one that only does something else refutes it
            key = claim["keys"][0]
            brs = [br for br in idx.branches if _key_in(br.cond, key)]
            if brs and not any(re.search(_ACTION_CODE[act], br.flow_body) for br in brs):
                return {"verdict": "unsupported", "evidence": _evidence(idx, [br.line for br in brs], block),
                        "reason": f"the code handles {claim['key']}, but not to {act}"}
        if missing:
            return {"verdict": "unsupported", "evidence": _evidence(idx, lines, block),
                    "reason": f"no key handling for {', '.join(missing)}"}
        return {"verdict": "supported", "evidence": _evidence(idx, lines, block),
                "reason": "the code handles " + (claim["key"] if len(claim["key"]) > 1 else f"the {claim['key']} key")}
    if kind == "identifier" and _ASSET.search(claim["name"]):
        low = claim["name"].lower()
        for bi, b in [(ex.main_index, ex.main)] + [(i, b) for i, b in enumerate(ex.blocks) if i != ex.main_index]:
            bidx = treesitter.index(b.language, b.code)
            lines = [ln for s_, ln in bidx.strings if low in s_.lower()]
            if lines:
                return {"verdict": "supported", "evidence": _evidence(bidx, lines, bi), "reason": "the code names this file"}
        return {"verdict": "unsupported", "evidence": [], "reason": "no string in the code names this file"}
    if kind == "identifier" and claim["name"].rstrip("()") in _SOFT_KEYWORDS:  # Python 3.10 `match` statements
        stmt = re.compile(r"^\s*" + claim["name"].rstrip("()") + r"\s+\S.*:\s*$")
        lines = [i + 1 for i, t in enumerate(idx.lines) if stmt.match(t)] if idx is not None else []
        if lines:
            return {"verdict": "supported", "evidence": _evidence(idx, lines, block), "reason": "used in the code"}
    if kind == "identifier":
        parts = [p for p in claim["name"].rstrip("()").split(".") if p != "self"]
        for bi, b in [(ex.main_index, ex.main)] + [(i, b) for i, b in enumerate(ex.blocks) if i != ex.main_index]:
            bidx = treesitter.index(b.language, b.code)
            if parts and all(p in bidx.ident_names or p in bidx.string_values for p in parts):
                last = parts[-1]
                lines = [bidx.defs[last][1]] if last in bidx.defs else [ln for n, ln in bidx.idents if n == last][:1]
                return {"verdict": "supported", "evidence": _evidence(bidx, lines, bi),
                        "reason": "defined in the code" if last in bidx.defs else "used in the code"}
        return {"verdict": "unsupported", "evidence": [], "reason": "the name does not occur in the code"}
    if kind == "file":
        name = claim["file"]
        lines = [ln for s, ln in idx.strings if name.lower() in s.lower()]
        # the write must name the file: its literal, or a variable holding it (HIGHSCORE_FILE)
        aliases = {lt.strip() for lt, rt, _ in idx.assigns if name.lower() in rt.lower()}
        refs = [name.lower()] + [a.lower() for a in aliases if re.fullmatch(r"[\w.]+", a)]
        writes = [i + 1 for i, t in enumerate(idx.lines)
                  if _WRITE_CODE.search(t) and any(re.search(r"(?<![\w.])" + re.escape(r) + r"(?!\w)", t.lower()) for r in refs)]
        if lines and writes:
            return {"verdict": "supported", "evidence": _evidence(idx, lines + writes, block), "reason": "named and written"}
        if lines:
            return {"verdict": "unsupported", "evidence": _evidence(idx, lines, block),
                    "reason": "the file is named but never written"}
        return {"verdict": "unsupported", "evidence": [], "reason": "the file name does not occur in the code"}
    return {"verdict": "unsupported", "evidence": [], "reason": "unknown claim kind"}


def score(task, ex: Extraction, artifacts: dict) -> list[Score]:
    rubric = task.rubric or {}
    claims = extract_claims(ex.prose, rubric, str(getattr(task, "prompt", "") or ""))
    if not claims:
        return [Score("claim_consistency", None, {"claims": [], "reason": "the prose makes no checkable claim"})]
    fres = {r["id"]: r for r in feat.feature_results(task, ex, artifacts)} if rubric.get("features") else {}
    rubric_by_id = {f["id"]: f for f in rubric.get("features") or [] if isinstance(f, dict) and "id" in f}
    prog = program.view(ex)  # a multi-file answer: all its files, evidence relabelled file:line
    main = prog.block if prog is not None else None
    idx = treesitter.index(main.language, main.code) if main is not None else None
    out = []
    for c in claims:
        v = _verdict(c, ex, idx, ex.main_index, fres, rubric_by_id)
        if prog is not None and prog.multi_file:
            v = dict(v, evidence=prog.relabel(v["evidence"], ex.main_index))
        extra = {k: c[k] for k in ("feature", "key", "value", "unit", "name", "file", "negated") if k in c}
        entry = {"text": c["text"], "kind": c["kind"], **extra,
                 "verdict": v["verdict"], "evidence": v["evidence"], "reason": v["reason"]}
        out.append(entry)
    counts = {k: sum(1 for c in out if c["verdict"] == k) for k in ("supported", "unsupported", "contradicted")}
    value = counts["supported"] / len(out)
    details = {"claims": out, **counts, "block": ex.main_index,
               "lines": "evidence line numbers are lines within the code block named by `block`"}
    return [Score("claim_consistency", value, details)]
