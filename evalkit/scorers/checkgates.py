"""Rubric-check helpers that read the code index (checks.py registers them; ``same_number`` is
shared with checks.py's arithmetic rows).

* ``ungated``: the ``not_under`` combinator's filter. A hit is *gated* when it runs only in a branch
  whose condition is a positive test of ``cond`` (``elif state == "game_over":``, ``while game_close
  == True:``), or in a function every call of which is gated. Negated tests (``while not game_over:``,
  ``state != "over"``, an ``else:`` of ``if game_over:``) gate nothing, and a function also called from
  the playing loop is not gated (the tutorial's ``Your_score()`` runs in both).
* ``off_lattice``: the ``off_lattice`` check kind. A food/item coordinate drawn by
  ``random.randrange(a, b, STEP)`` whose step is not a multiple of the cell size, or by
  ``random.randint(0, WIDTH - CELL)`` (or ``uniform``) over pixels with nothing rounding it to the cell,
  or by ``random.choice(range(...))`` of such a step, lands off the snake's lattice most of the time:
  the code proves it, whatever one run happened to draw. Terminal games, decorations (particles,
  stars) and programs whose cell size is not one named number are not judged.
"""

from __future__ import annotations

import re

from .. import treesitter

# a conjunct that tests the opposite (`not game_over`, `over == False`, `state != "over"`, `!dead`,
# `winner is None`); `winner is not None` / `!= null` test that it is there
_NEGATED = re.compile(r"(?i)(\bnot\b(?!\s+None\b)|!=(?!=?\s*(None|null|undefined)\b)|!(?!=)"
                      r"|(?<![!=])===?\s*(False|false|0|None|null)\b|\bis\s+None\b)")
_DOUBLE_NOT = re.compile(r"^\s*not\s*\(\s*not\s+(.*)\)\s*$", re.DOTALL)


def _split(text: str, seps: re.Pattern) -> list[str]:
    """``text`` split at ``seps`` outside brackets."""
    out, depth, start = [], 0, 0
    for m in re.finditer(r"[()\[\]{}]|" + seps.pattern, text):
        tok = m.group(0)
        if tok in "([{":
            depth += 1
        elif tok in ")]}":
            depth -= 1
        elif depth == 0:
            out.append(text[start:m.start()])
            start = m.end()
    out.append(text[start:])
    return [p.strip() for p in out if p.strip()]


_OR = re.compile(r"\bor\b|\|\|")
_AND = re.compile(r"\band\b|&&")


def positive_test(cond: str, rx: re.Pattern) -> bool:
    """Every ``or`` part of ``cond`` has an un-negated ``and`` part matching ``rx``."""
    m = _DOUBLE_NOT.match(cond)
    if m:
        cond = m.group(1)
    parts = _split(cond, _OR)
    return bool(parts) and all(
        any(rx.search(c) and not _NEGATED.search(c) for c in _split(p, _AND)) for p in parts)


def _gated_line(idx: treesitter.CodeIndex, line: int, gates: list, depth: int) -> bool:
    if any(br.line < line <= br.end_line or br.line == line == br.end_line for br in gates):
        return True
    inner = idx.enclosing_defs(line)
    if not inner or depth >= 2:
        return False
    name = inner[-1]
    first, last = [(a, b) for n, a, b in idx.def_ranges if n == name and a <= line <= b][-1]
    sites = [ln for fn, _t, ln in idx.calls if (fn == name or fn.endswith("." + name)) and not first <= ln <= last]
    # a helper called from somewhere: gated only when every call is
    return bool(sites) and all(_gated_line(idx, ln, gates, depth + 1) for ln in sites)


def ungated(idx: treesitter.CodeIndex, lines: list[int], rx: re.Pattern) -> list[int]:
    """The hits of ``lines`` that are not gated by a positive ``rx`` test (module docstring)."""
    gates = [br for br in idx.branches if positive_test(br.cond, rx)]
    if not gates:
        return list(lines)
    return [ln for ln in lines if not _gated_line(idx, ln, gates, 0)]


# ---- off_lattice ----------------------------------------------------------------------------------

# names that hold the size of one cell (not a count: GRID_WIDTH = 30; not a font or window size)
_CELL_NAME = re.compile(r"(?i)^(self\.)?(cell|block|tile|grid|square|seg(ment)?|snake_?block|snake_?seg(ment)?)"
                        r"_?(size|px|pixels?)?$|^(self\.)?(size|grid_?size|cell_?size|block_?size|tile_?size)$")
_RANDOM = re.compile(r"(^|\.)(randrange|randint|uniform|choice)$")
_CHOICE_RANGE = re.compile(r"^\s*(list\s*\()?\s*range\s*\(")
# a pixel extent of the window (a count of cells is not: COLS, GRID_W, cell_number, BOARD_W)
_PIXELS = re.compile(r"(?i)(width|height|screen|window|display|dis_?[wh]|win_?[wh]|\bWINDOW\s*\[)")
_COUNT = re.compile(r"(?i)(grid|cell|cols|rows|tiles|count|num|board)")
# a position the rubric cares about: food, an item, a spawn or placement helper's coordinates
_PLACE = re.compile(r"(?i)(food|apple|fruit|item|power|pickup|bonus|treat|pellet|spawn|place|pos|spot|coord|target)")
# ... but not a decoration's (a particle or a star may sit anywhere)
_DECOR = re.compile(r"(?i)(particle|spark|star|confetti|firework|decor|cloud|snow|background|\bbg)")
_SCALED = re.compile(r"(\*|//|%|/|\bround\(|\bint\()")


def same_number(text: str) -> float | None:
    """``10`` or ``(10, 10)`` -> 10.0 (one literal number, or a tuple of equal ones); else None."""
    nums = re.fullmatch(r"\s*\(?\s*(\d+(?:\.\d+)?)\s*(?:,\s*(\d+(?:\.\d+)?)\s*)?\)?\s*", text)
    if not nums or (nums.group(2) is not None and float(nums.group(2)) != float(nums.group(1))):
        return None
    return float(nums.group(1))


def _numbers(idx: treesitter.CodeIndex) -> dict[str, float]:
    out: dict[str, float] = {}
    for lt, rt, _ln in idx.assigns:
        v = same_number(rt)
        if v is not None:
            out[lt.strip()] = v
    return out


def _cell_size(nums: dict[str, float]) -> float | None:
    """The one cell size the names say (CELL, BLOCK_SIZE ...; a bare SIZE only when none of those)."""
    named = {k: v for k, v in nums.items() if _CELL_NAME.match(k) and v > 1}
    strong = {v for k, v in named.items() if not re.fullmatch(r"(?i)(self\.)?size", k)}
    sizes = strong or set(named.values())
    return sizes.pop() if len(sizes) == 1 else None


def _args(call_text: str) -> list[str]:
    """The arguments of the first call in ``call_text`` (up to its matching parenthesis)."""
    start, depth = call_text.find("("), 0
    for i in range(start, len(call_text)):
        depth += {"(": 1, ")": -1}.get(call_text[i], 0)
        if depth == 0:
            return _split(call_text[start + 1:i], re.compile(","))
    return []


def _value(text: str, nums: dict[str, float]) -> float | None:
    t = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?", t):
        return float(t)
    return nums.get(t)


def _realigned(idx: treesitter.CodeIndex, line: int, call_text: str) -> bool:
    """The drawn value is scaled or rounded on its own line, or its variable is on a later line of
    the same function (`x -= x % CELL`, `food = (x // CELL * CELL, ...)`)."""
    text = idx.lines[line - 1]
    if _SCALED.search(text.replace(call_text, "R")):
        return True
    m = re.match(r"\s*([\w.]+)\s*=", text)
    if m is None:
        return False
    scope = [(a, b) for _n, a, b in idx.def_ranges if a <= line <= b]
    last = scope[-1][1] if scope else len(idx.lines)
    name = re.compile(r"(?<![\w.])" + re.escape(m.group(1)) + r"(?!\w)[^\n]*" + _SCALED.pattern)
    return any(name.search(idx.lines[i - 1]) for i in range(line + 1, last + 1))


def off_lattice(check: dict, idx: treesitter.CodeIndex, vocab: dict) -> list[int]:
    """Lines that draw a food/item coordinate off the cell lattice (module docstring)."""
    if idx.language != "python" or "curses" in idx.text:  # a terminal's cells are its characters
        return []
    nums = _numbers(idx)
    cell = _cell_size(nums)
    if cell is None:
        return []
    out = []
    for fn, text, ln in idx.calls:
        if not _RANDOM.search(fn):
            continue
        where = idx.line_text(ln) + " " + " ".join(idx.enclosing_defs(ln))
        args = _args(text)
        if fn.endswith("choice"):  # random.choice(range(0, WIDTH, 10)) draws like randrange
            if len(args) != 1 or not _CHOICE_RANGE.match(args[0]):
                continue
            args = _args(args[0][args[0].find("range"):])
        if not _PLACE.search(where) or _DECOR.search(where) or not args or _realigned(idx, ln, text):
            continue
        if not fn.endswith("randint") and not fn.endswith("uniform") and len(args) == 3:
            step = _value(args[2], nums)
            off = step is not None and step % cell != 0
        else:
            bound = args[-1]  # a window extent, not a count of cells (GRID_WIDTH, W // CELL)
            off = "/" not in bound and any(_PIXELS.search(n) and not _COUNT.search(n)
                                           for n in re.findall(r"[\w.]+(?:\s*\[[^\]]*\])?", bound))
        if off:
            out.append(ln)
    return out
