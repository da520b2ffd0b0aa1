"""Verdicts for number claims ("3 collisions", "5 seconds", "1.5x", "50%"): the value, unit-converted
or written as arithmetic, where the code configures or applies the feature the number is tied to.

claim_verify.py hands number claims here; docs/metrics.md (claim_consistency, Numbers) says what
counts. Lines are lines within the main code block.
"""

from __future__ import annotations

import re

from ..extract import Extraction
from ..flowtext import split_args
from . import claim_values
from . import features as feat

_QUANTITY = {
    "mult": r"(?i)(mult|factor|boost|speed|scale|fast|divis|divid)",  # "3x the fire rate": cooldown / DIVISOR
    "pct": r"(?i)(mult|factor|boost|speed|scale|percent|pct|chance|prob|rate|random)",
    "sec": r"(?i)(duration|time|second|sec\b|ms\b|until|length|ticks|timer|expir|frames|delay|interval|period)",
    "ms": r"(?i)(duration|time|second|ms\b|until|length|ticks|timer|expir|delay|interval|period)",
    "min": r"(?i)(duration|time|minute|until|length|timer)",
    "count": r"(?i)(charge|hit|collision|count|lives|shield|absorb|uses)",
}
_BASE_TERMS = r"(?i)(delay|tick|timeout|fps|interval|speed|rate|step|move|frame|ms\b)"
_DATA_LANGS = {"json", "yaml", "yml", "toml", "ini", "cfg", "jsonc"}


def _evidence(idx, lines, block) -> list[dict]:
    return [dict(e, block=block) for e in feat._ev(idx, lines)]


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
                items = [a for a in split_args(rt.strip()[1:-1]) if a.strip()]
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
        if re.search(r"[\w)\]]\s*[-+*/]\s*$", before):
            return False  # an operand (`SECONDS * 1000` converts units), not what the name is set to
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
    keys = _literal_keys(line, value)
    return keys[0] if keys else None


def _literal_keys(line: str, value: float) -> list[str | None]:
    """The name each literal equal to ``value`` on ``line`` is set to, None where it has none
    (`{"fall_speed": 2, "extra_balls": 2}` -> fall_speed, extra_balls)."""
    out = []
    for m in re.finditer(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])", line):
        if abs(float(m.group(0)) - value) < 1e-9:
            before = line[:m.start()]
            if before.count("(") + before.count("[") > before.count(")") + before.count("]"):
                out.append(None)
                continue
            tup = re.match(r"\s*([\w.]+(?:\s*,\s*[\w.]+)+)\s*=\s*(.*)$", before)
            if tup:  # `COLS, ROWS = 24, 18`: the name in the same position
                names = [n.strip() for n in tup.group(1).split(",")]
                pos = tup.group(2).count(",")
                out.append(names[pos] if pos < len(names) else None)
                continue
            if re.search(r"([-+*/%<>!]=|[<>])\s*$", before):
                out.append(None)
                continue
            key = _KEY_BEFORE.search(before)
            out.append(key.group(1) if key else None)
    return out


def _unused_setting(idx, ln: int, value: float | None = None) -> str | None:
    """The name ``NAME = 5`` on line ``ln`` sets, when nothing else in a whole program reads it (a
    fragment's other uses may be in the part not shown). With ``value``, also the key a literal equal
    to it is set to in a settings dict on that line (`"shield": {"duration": 5, "charges": 3}`)."""
    if not idx.complete:
        return None
    line = idx.lines[ln - 1]
    m = re.match(r"\s*([A-Za-z_]\w*)\s*=\s*-?\d[\d.]*\s*(#.*)?$", line)
    if m and len(idx.ident_lines.get(m.group(1), [])) <= 1:
        return m.group(1)
    # a settings dict's entry nothing reads (`"rapid_multiplier": 3`, never SETTINGS["rapid_multiplier"]),
    # unless the dict is read wholesale (`**SETTINGS`, `.items()`, a dataclass built from it)
    m = re.match(r"""\s*["']([A-Za-z_]\w*)["']\s*:\s*-?\d[\d.]*\s*,?\s*(#.*)?$""", line)
    keys = [m.group(1)] if m else []
    if not keys and value is not None:  # every entry of a one-line dict holding the value
        keys = _literal_keys(line, value)
        # a quoted key only: its own string is the one occurrence counted below (an unquoted JS key may not be)
        if not keys or any(k is None or not re.search(r"""["']""" + k + r"""["']\s*:""", line) for k in keys):
            return None
    if keys and not _reads_wholesale(idx) and \
            all(len(idx.string_lines.get(k, [])) + len(idx.ident_lines.get(k, [])) <= 1 for k in keys):
        return keys[0]
    return None


def _idle_setting(idx, ln: int, value: float | None) -> tuple[str, list[int]] | None:
    """Why the setting on line ``ln`` configures nothing (nothing reads it, or it is only stored in a
    name nothing live reads) and the lines that show it, or None."""
    name = _unused_setting(idx, ln, value)
    if name:
        return f"{name} has this value, but the code never uses {name}", []
    return _stored_nowhere(idx, ln, value)


# `target = <read of the setting>` / `target += ...`: a name or attribute, or a string-keyed entry
_STORE = re.compile(r"""\s*((?:[\w.]*\.)?)(\w+)(?:\s*\[\s*["'](\w+)["']\s*\])?\s*(?:[-+*/]|//)?=(?!=)(.*)$""")
_PLAIN_CALLS = re.compile(r"\b(int|float|round|abs)\s*\(")


def _owned(idx, st: re.Match, line: int) -> bool:
    """The store's target is the program's own, so nothing outside it reads the value: a plain name,
    a string-keyed entry, `self.x` in a class with no base class, or a compound attribute name
    (`snake.shield_charges`); a library object's attribute (`pad.height` of a Rect) is read by the library."""
    recv, attr = st.group(1), st.group(2)
    if not recv or st.group(3):
        return True
    if recv == "self." and any(a <= line <= b and re.match(r"\s*class\s+\w+\s*(\(\s*(object)?\s*\))?\s*:", idx.lines[a - 1])
                               for _n, a, b in idx.def_ranges):
        return True
    return "_" in attr.strip("_")


def _stored_nowhere(idx, ln: int, value: float | None) -> tuple[str, list[int]] | None:
    """The setting on line ``ln`` (`"charges": 3`, `BOOST_SECONDS = 5`) is read only to be stored in a
    name that nothing reads except in functions nothing calls (`snake.shield_charges += cfg["charges"]`
    where the snake keeps `.shield`; a countdown decremented only in a never-called update_timer()).
    One step of flow only; any other read (a call argument, a condition) keeps the setting live."""
    if not idx.complete or value is None:
        return None
    m = re.match(r"\s*([A-Za-z_]\w*)\s*=\s*-?\d[\d.]*\s*(#.*)?$", idx.lines[ln - 1])
    keys = [m.group(1)] if m else _literal_keys(idx.lines[ln - 1], value)
    if not keys or any(k is None for k in keys) or _reads_wholesale(idx):
        return None
    why = []
    for k in keys:
        for r in sorted(set(idx.string_lines.get(k, []) + idx.ident_lines.get(k, [])) - {ln}):
            if idx.in_unused(r):
                continue
            st = _STORE.match(idx.lines[r - 1])
            rhs = st.group(4) if st else ""
            if not st or k not in rhs or "(" in _PLAIN_CALLS.sub("", rhs) or not _owned(idx, st, r):
                return None  # read some other way, or stored where a library may read it (`rect.height`)
            target = st.group(3) or st.group(2)
            for o in set(idx.string_lines.get(target, []) + idx.ident_lines.get(target, [])) - {r}:
                w = _STORE.match(idx.lines[o - 1])
                plain = w and (w.group(3) or w.group(2)) == target and target not in w.group(4) and \
                    re.match(r"\s*[\w.\[\]\"']+\s*=(?!=)", idx.lines[o - 1])
                if not plain and not idx.in_unused(o):
                    return None  # the stored value is read (`if self.big_timer > 0:`)
            why.append((k, target, r))
    if not why:
        return None
    k, target, r = why[0]
    return f"{k} is only stored in {target}, which nothing the program runs reads", [r]


def _reads_wholesale(idx) -> bool:
    """Some line reads a dict or object by computed names (`**cfg`, `.items()`): memoised on the index."""
    memo = idx.__dict__.get("_reads_wholesale")
    if memo is None:
        memo = idx.__dict__["_reads_wholesale"] = any(_WHOLESALE.search(t) for t in idx.lines)
    return memo


def _line_value(idx, ln: int, want: set, also: set = frozenset()) -> float | None:
    """The literal on line ``ln`` equal to the claimed value (one of ``want``/``also``), if any."""
    return next((v for v, n in idx.numbers if n == ln and (round(v, 6) in want or round(v, 6) in also)), None)


# a name given as a literal (`getattr(self, "food", None)`) is counted as a string: only computed names read
# wholesale (`.keys()` gives the names alone: `random.choice(list(ITEMS.keys()))` reads no setting)
_WHOLESALE = re.compile(r"(\*\*[A-Za-z_]|\.(items|values)\(|\.update\(\s*[^)\s]|"
                        r"\b[gs]etattr\((?![^,]*,\s*[\"']\w*[\"']\s*[,)])|__dict__|\bvars\(|"
                        r"SimpleNamespace|namedtuple|json\.dumps?\(|\bfor\s+\w+\s+in\s+[A-Z_]+\b)")


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


# ---- arithmetic equivalents: "1.5x" is `v * 1.5`, "50%" is `h // 2` added to the height itself
_LIT = r"(?<![\w.])%s(?:\.0+)?(?![\w.])"
_MULT_NAME = re.compile(r"(?i)(mult|factor|scale|ratio|times|divis|divid)")


def _fmt(x: float) -> str:
    return re.escape(f"{x:g}")


def _scales_by(line: str, lit: float) -> bool:
    """``lit`` multiplies something on ``line``: `v * 1.5`, `speed *= 1.5`, `1.5 * v`."""
    n = _LIT % _fmt(lit)
    return re.search(r"\*=?\s*\(?\s*" + n, line) is not None or re.search(n + r"\s*\*(?!\*)", line) is not None


def _target(line: str) -> str:
    """What ``line`` changes: an assignment's left side, or the object a method is called on."""
    m = re.match(r"\s*([\w.\[\]\"']+)\s*[-+*/]?=(?!=)", line) or re.match(r"\s*([\w.]+)\.\w+\(", line)
    return m.group(1) if m else ""


def _part_of_itself(line: str, lit: float, ops: str) -> bool:
    """``x <op> lit`` on ``line`` where x is the very thing the line changes (`paddle.inflate_ip(0,
    paddle.height // 2)`, `self.h += self.h * 0.5`), not a position (`Rect(WIDTH // 2 - 7, ...)`)."""
    target = re.sub(r"^self\.", "", _target(line)).lower()
    if not target:
        return False
    for m in re.finditer(r"([A-Za-z_][\w.]*)\s*(?:" + ops + r")\s*" + _LIT % _fmt(lit), line):
        operand = re.sub(r"^self\.", "", m.group(1)).lower()
        if operand == target or operand.startswith(target + "."):
            return True
    return False


_SCREEN = r"(?i)(height|width|screen|window|display|\b[hw]\b|_[hw]\b)"


def _share_of_screen(line: str, lit: float, ops: str, term_rx) -> bool:
    """``HEIGHT // 2`` that the line sets the feature's own size to ("50% of the screen"), not a
    position centred on the screen (`HEIGHT // 2 - 40`)."""
    target = _target(line)
    if not target or term_rx is None or not term_rx.search(target):
        return False
    return any(re.search(_SCREEN, m.group(1)) and not re.match(r"\s*[-+]", line[m.end():])
               for m in re.finditer(r"([A-Za-z_][\w.]*)\s*(?:" + ops + r")\s*" + _LIT % _fmt(lit), line))


def _arith_equivalent(line: str, lit: float, value: float, kind: str | None, screen_rx=None) -> bool:
    """The literal ``lit`` on ``line`` is the claimed ``value`` written as arithmetic: a multiplier
    ("1.5x", "150%") that scales something, or a share ("50%") of the thing the line grows
    (`h // 2`, `h / 2`, `h * 0.5` of h itself); with ``screen_rx`` (the feature's terms, for "50%
    of the screen") also a share of the screen's size the feature's own size is set to."""
    if kind == "mult":
        return abs(lit - value) < 1e-9 and _scales_by(line, lit)
    if kind != "pct" or value <= 0:
        return False
    f, d = value / 100, 100 / value
    whole_d = abs(d - round(d)) < 1e-9 and abs(lit - d) < 1e-9
    if screen_rx is not None:  # "50% of the screen": `HEIGHT // 2`, `HEIGHT * 0.5`, not the size grown by half
        return (abs(lit - f) < 1e-9 and _share_of_screen(line, lit, r"\*", screen_rx)) or (
            whole_d and _share_of_screen(line, lit, r"//|/", screen_rx))
    if any(abs(lit - x) < 1e-9 for x in (1 + f, 1 - f, f)) and f != 1 and _scales_by(line, lit):
        # `* 1.5` scales; a bare `* 0.5` is a share of anything (a centre), so of the thing itself only
        return abs(lit - f) > 1e-9 or f > 1 or _part_of_itself(line, lit, r"\*")
    return whole_d and _part_of_itself(line, lit, r"//|/")


_ARITH_CHARS = re.compile(r"[-+*/]")


def _derived_lines(idx, want: set, kind, under: set, qty_lines, term_lines: set, term_rx):
    """Lines under the feature, naming the quantity, whose arithmetic works out to the claimed value,
    and those that scale a constant by a value read at run time (their value is not known here).
    Multipliers and shares have their own arithmetic rules (_arith_equivalent)."""
    if kind in ("mult", "pct") or idx.language != "python":
        return [], []
    hits, scaled = [], []
    # only lines under the feature that name the quantity and do arithmetic can count: when there
    # are none, the program's arithmetic is not worked out at all (it parses the whole program)
    cands = {ln for ln in under if (qty_lines is None or ln in qty_lines) and 0 < ln <= len(idx.lines)
             and _ARITH_CHARS.search(idx.lines[ln - 1])}
    if not cands:
        return hits, scaled
    qty_rx = _rx(_QUANTITY[kind]) if kind in _QUANTITY else None
    for ln, (vals, bases) in sorted(claim_values.derived(idx, cands).items()):
        if ln not in cands:
            continue
        key = _SETTING_KEY.match(idx.lines[ln - 1]) if ln not in term_lines else None
        if key and not term_rx.search(key.group(1)):
            continue  # `ITEM_SPAWN_MS = 2 * 3000` under the boost settings is another setting
        if any(round(v, 6) in want for v in vals):
            hits.append(ln)
        elif qty_rx is not None and any(qty_rx.search(b) for b in bases):
            scaled.append(ln)  # the quantity itself (`MOVE_MS`) scaled at run time: its value is not known
    return hits, scaled


_FRAMES = re.compile(r"(?i)(frame|tick|fps)")
_FPS_SETTING = re.compile(r"""(?i)(?:\b\w*(?:fps|frame_?rate)\w*["']?\s*[:=]\s*|\.tick\(\s*)(\d+)\b""")


def _frame_values(value: float, kind: str | None, idx) -> set[float]:
    """A duration counted in frames at the code's frame rate (`FPS = 60`, `clock.tick(60)`):
    "10 seconds" is `"wide_duration": 600  # frames`."""
    secs = {"sec": value, "ms": value / 1000, "min": value * 60}.get(kind or "")
    if secs is None:
        return set()
    rates = {int(m.group(1)) for line in idx.lines for m in _FPS_SETTING.finditer(line) if 10 <= int(m.group(1)) <= 240}
    return {round(secs * r, 6) for r in rates}


_SIBLING = re.compile(r"^\s*(}\s*)?(elif\b|else\b|case\b|def\b|function\b|default\s*:)")


def _under_terms(idx, terms: str) -> set:
    """Lines that name the feature or sit at most 3 lines below a line that does, with no other
    branch or function starting in between (`elif kind == "fast":` under `if kind == "big":`).
    Memoised on the index per terms pattern."""
    memo = idx.__dict__.setdefault("_under_terms", {})
    out = memo.get(terms)
    if out is None:
        out = set()
        n = len(idx.lines)
        for t in idx.lines_matching(terms):
            out.add(t)
            for ln in range(t + 1, min(t + 3, n) + 1):
                if _SIBLING.match(idx.lines[ln - 1]):
                    break
                out.add(ln)
        memo[terms] = out
    return out


def _rx(pattern: str) -> re.Pattern:
    return re.compile(pattern[4:], re.IGNORECASE) if pattern.startswith("(?i)") else re.compile(pattern)


_CONST = re.compile(r"([A-Za-z_]\w*)\s*(?::[^=]+)?=(?!=)")


def _settings_section(idx, terms: str, qty: str | None, others: tuple) -> set:
    """Module-level constants `NAME = 0.35` in a run of settings (no blank line between) whose
    nearest statement above naming a feature names this one (`ITEM_TYPES = {...}` then `SPAWN_CHANCE
    = 0.35`), their own name the quantity's (chance) and no other feature's. Memoised per terms."""
    memo = idx.__dict__.setdefault("_settings_section", {})
    key = (terms, qty, others)
    if key in memo:
        return memo[key]
    out: set = set()
    own, rivals, qty_rx = _rx(terms), [_rx(t) for t in others], _rx(qty) if qty else None
    for ln in {n for _v, n in idx.numbers}:
        m = re.match(r"([A-Za-z_]\w*)\s*=\s*-?\d[\d.]*\s*(#.*)?$", idx.lines[ln - 1])
        if not m or qty_rx is None or not qty_rx.search(m.group(1)) or own.search(m.group(1)):
            continue
        for k in range(ln, max(0, ln - 40), -1):  # up the run of settings to the nearest named statement
            text = idx.lines[k - 1]
            if not text.strip():
                break
            head = _CONST.match(text)
            if head is None:  # a dict's entries, its closing bracket, a comment: part of the run
                if not text[:1].isspace() and not text.startswith(("}", "]", ")", "#")):
                    break  # code at module level (an import, a def): the run ends
                continue
            name = head.group(1)
            if own.search(name):
                out.add(ln)
                break
            if any(r.search(name) for r in rivals):
                break
    memo[key] = out
    return out


def _assigned_name(idx, ln: int) -> str:
    return next((lt.strip() for lt, _rt, n in idx.assigns if n == ln), "a constant")


def _flowed_constants(want: set, kind: str | None, idx, under: set, qty_lines) -> dict:
    """Constants whose name says nothing of the feature, read where the feature acts (`BOOST = 1.5`,
    then `v * BOOST` under `elif kind == "fast":`): {True: [(assignment line, use line)] for an
    equal value, False: [...] for a different factor (multipliers only)}."""
    out: dict = {}
    for lt, rt, ln in idx.assigns:
        name, lit = lt.strip(), re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*", rt)
        if not lit or not re.fullmatch(r"[A-Za-z_]\w*", name):
            continue
        equal = round(float(lit.group(1)), 6) in want
        for use in idx.ident_lines.get(name, []):
            if use == ln or use not in under:
                continue
            line = idx.lines[use - 1]
            # the factor is what multiplies (`v * BOOST`, `speed *= BOOST`), not what is multiplied (`cell * 2`)
            factor = re.search(r"\*=?\s*" + name + r"\b", line) is not None
            near_qty = qty_lines is None or any(use - k in qty_lines for k in range(4))
            ok = near_qty and (factor or kind not in ("mult", "pct"))
            if ok and (equal or (kind == "mult" and factor)):
                out.setdefault(equal, []).append((ln, use))
                break
    return out


_CHANCE = re.compile(r"(?i)(chance|probab|odds|spawn_?rate|drop_?rate)")
_DIMENSION = re.compile(r"(?i)((grid|board|window|screen|snake|seg(ment)?)_?)?(cols|rows|columns|(cell|tile|block)s?(_?size)?|"
                        r"[wh]|width|height|size)")


def _board_size(idx, same: list, want: set) -> bool:
    """Every equal literal set to a name sets a size of the board (`GRID_COLS = 30`, `CELL = 20`; a
    colour's 30 in a tuple sets nothing): it says how big the grid is, which a broken movement or food
    placement does not refute."""
    keys = [_literal_key(idx.lines[ln - 1], _line_value(idx, ln, want) or 0.0) for ln in same]
    keys = [k for k in keys if k]
    return bool(keys) and all(_DIMENSION.fullmatch(k) for k in keys)


def _check_number(value: float, kind: str | None, terms: str, idx, block, feature_res: dict | None,
                  data_blocks=None, share_of_screen: bool = False, others: tuple = ()) -> dict:
    want = _number_values(value, kind) if not share_of_screen else {round(value, 6), round(value / 100, 6)}
    in_frames = _frame_values(value, kind, idx)
    qty = _QUANTITY.get(kind or "")
    term_lines, under = idx.lines_matching(terms), _under_terms(idx, terms)
    qty_lines = idx.lines_matching(qty) if qty else None
    same, other, worked = [], [], []  # worked: the value as arithmetic (`h // 2` for 50%)
    term_rx = re.compile(terms[4:], re.I) if terms.startswith("(?i)") else re.compile(terms)
    section = _settings_section(idx, terms, qty, others)
    for v, ln in idx.numbers:
        if ln not in under and ln not in section:
            continue
        line = idx.lines[ln - 1]
        # arithmetic that is the claimed value (`v * 1.5` under `if kind == "fast":`): the form itself
        # says what the number does, so the line need not name the quantity; a whole multiplier
        # (`CELL * 2` is everywhere) needs the line itself to name the feature or the quantity
        factor_here = kind == "mult" and (v != int(v) and any(ln - k in qty_lines for k in range(4))
                                          or ln in qty_lines or ln in term_lines)
        arith = _arith_equivalent(line, v, value, kind, term_rx if share_of_screen else None) and (
            kind != "mult" or factor_here)
        if qty_lines is not None and ln not in qty_lines and not arith:
            if factor_here and v != 0 and round(v, 6) not in want and _scales_by(line, v):
                other.append(ln)  # the feature's multiplier is another number (`v * 1.5` for "2x")
            continue
        key = _SETTING_KEY.match(line) if ln not in term_lines else None
        if key and not term_rx.search(key.group(1)) and not (arith and not key.group(1).isupper()) \
                and ln not in section:
            continue  # `ITEM_SPAWN_EVERY = 5000` under the boost settings is another setting
        if arith:
            same.append(ln)
            worked.append(ln)
        elif round(v, 6) in want or (round(v, 6) in in_frames and _FRAMES.search(line)):
            owns = _literal_keys(line, v)
            if owns and all(own is not None and not term_rx.search(own) and not (qty and re.search(qty, own))
                            for own in owns):
                continue  # the equal literal is another setting's (`"charges": 2` is not the 2x speed)
            same.append(ln)
        elif v != 0 and qty and _sets_quantity(line, v, qty, _dict_opener(idx, ln), term_rx) and (
                kind != "mult" or _scales_by(line, v) or _MULT_NAME.search(_literal_key(line, v) or "")):
            # a different value that this line sets for the quantity ("delay": 70), not any number
            # nearby (a colour's 255); a zero is a reset or a start value, not the setting; a
            # multiplier's is a factor (`SPEED_MULT = 2`, `v * 2`), not the speed itself (`BALL_SPEED = 6`)
            other.append(ln)
    # arithmetic worked out (`MOVE_MS // 2` for "65 ms") only where no literal says it already
    derived, scaled = _derived_lines(idx, want, kind, under, qty_lines, term_lines, term_rx) if not same else ([], [])
    same += derived
    flowed = _flowed_constants(want, kind, idx, under, qty_lines) if not same else {}
    same += [ln for lines in flowed.get(True, []) for ln in lines]
    other += [ln for lines in flowed.get(False, []) for ln in lines] if not other else []
    # a spawn chance ("an orb appears 35% of the time") says how often the item comes, not what it
    # does: an effect that is broken does not refute it
    chance = kind == "pct" and same and all(_CHANCE.search(idx.line_text(ln)) for ln in same)
    if feature_res is not None and feature_res.get("contradicted") and not chance and \
            not _board_size(idx, same, want):
        lines = [e["line"] for e in feature_res.get("contra_evidence", [])] + same
        return {"verdict": "contradicted", "evidence": _evidence(idx, lines, block),
                "reason": f"the feature it describes is contradicted: {feature_res.get('reason', '')}"}
    idle = {ln: _idle_setting(idx, ln, _line_value(idx, ln, want, in_frames)) for ln in same}
    unused = [ln for ln in same if idle[ln]]
    if same and len(unused) == len(same):  # `BOOST_SECONDS = 5` that nothing reads configures nothing
        lines = unused + [n for ln in unused for n in idle[ln][1]]
        return {"verdict": "unsupported", "evidence": _evidence(idx, lines, block), "reason": idle[unused[0]][0]}
    same = [ln for ln in same if ln not in unused]
    if same:
        return {"verdict": "supported", "evidence": _evidence(idx, same, block),
                "reason": _support_reason(idx, same, worked, derived, flowed)}
    in_data = _data_support(data_blocks, want, terms)
    if in_data:
        return in_data
    if other and qty and scaled:  # the feature's own value is a constant scaled at run time: not known here
        return {"verdict": "unsupported", "evidence": _evidence(idx, scaled, block),
                "reason": "the feature's code scales this quantity by a value read at run time; its result is not known"}
    if other and qty:
        return {"verdict": "contradicted", "evidence": _evidence(idx, other, block),
                "reason": "the code sets this quantity to a different value"}
    return {"verdict": "unsupported", "evidence": [], "reason": "no matching literal near the feature's code"}


def _support_reason(idx, same: list, worked: list, derived: list, flowed: dict) -> str:
    if flowed.get(True):
        ln, use = flowed[True][0]
        return f"{_assigned_name(idx, ln)} holds this value and the feature's code reads it (line {use})"
    if not set(same) - set(derived):
        return f"the feature's code works this value out from the code's constants (line {derived[0]})"
    return "an equal literal sits where the feature is configured" if set(same) - set(worked) else \
        "the code applies the same factor where the feature is configured"


def _data_support(data_blocks, want: set, terms: str) -> dict | None:
    for bi, b in data_blocks or []:  # settings kept in a JSON/YAML/INI file of the answer
        hit = _data_number(b.code, want, terms)
        if hit:
            return {"verdict": "supported", "evidence": [{"line": hit, "text": b.code.split("\n")[hit - 1].strip()[:160],
                                                          "block": bi, **({"file": b.filename} if b.filename else {})}],
                    "reason": "an equal value sits in the settings file" + (f" {b.filename}" if b.filename else "")}
    return None


def number_verdict(claim: dict, ex: Extraction, idx, block, fres: dict, rubric_by_id: dict) -> dict:
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
    others = tuple(sorted({str(f.get("terms")) for fid, f in rubric_by_id.items()
                           if fid != claim["feature"] and f.get("terms")}))
    return _check_number(claim["value"], claim["quantity"], terms, idx, block, fres.get(claim["feature"]), data,
                         bool(claim.get("share_of_screen")), others)
