"""Flags that gate nothing: a condition reading one is never true, so evidence through it does not count.

The mirror of flow.py's "unread flags implement nothing" (a flag set but never tested): a flag tested
but never *set*. A name is dead when a branch condition reads it and

* every write the program makes to it is ``False`` / ``0`` (``self.shielded = False``; a keyword
  argument ``shielded=False`` too) -- nothing ever turns the flag on, or
* it is ``self.X`` / ``this.X`` read inside a class with no base class, and nothing in the program
  ever writes ``X`` at all (the attribute can only come from the program itself).

Anything that might set it keeps it alive: any other value, an augmented or tuple assignment, a
parameter, loop or ``with`` target of that name, a class-level annotation (a dataclass field set by
position), a string literal naming it (``setattr``, ``getattr``, a dict key), a call of it (a
method), or a program that sets attributes by computed names (``setattr(o, name, v)``,
``__dict__``, ``vars()``, ``Object.assign``).
"""

from __future__ import annotations

import bisect
import functools
import re

_FALSY = r"(?:False|false|0)"  # a flag's off value (None/[] are an absent object's: too loose to judge)
_DYNAMIC = re.compile(r"\bsetattr\s*\(|__dict__|\bvars\s*\(|Object\.assign\s*\(|\b__setattr__\b")
_READ_NAMES = re.compile(r"(?<![\w$])(?:(self|this)\.|[\w$\]\)]\.)?([A-Za-z_$][\w$]*)(?![\w$])(?!\s*\()")
_DECL = re.compile(r"^\s*(?:async\s+)?(?:def|class|for|import|from|with|lambda|function|except|global|nonlocal)\b|"
                   r"\b(?:for|as|let|const|var|function)\s")
_SIGNATURE = re.compile(r"\s*(?:async\s+)?def\b|.*\blambda\b|.*\bfunction\b|.*=>")
_PLAIN_CLASS = re.compile(r"^\s*class\s+\w+\s*(?:\(\s*(?:object)?\s*\))?\s*[:{]")
_KEYWORDS = {"not", "and", "or", "in", "is", "if", "else", "True", "False", "None", "true", "false", "null",
             "undefined", "self", "this", "len", "any", "all", "typeof", "instanceof"}


_CALLED = re.compile(r"\s*\(")
_AUG = re.compile(r"\s*(?:[-+*/%|&^@]|\*\*|//|>>|<<|:)=|\s*(?:\+\+|--)")
_WRITE = re.compile(r"\s*=(?!=)\s*(.*?)\s*(?:[,;)#]|$)")
_FALSY_RX = re.compile(_FALSY)
_COLON = re.compile(r"\s*:")
_KEY_START = re.compile(r"\s*[{,]?\s*$")
_FALSY_KEY = re.compile(r"\s*:\s*" + _FALSY + r"\s*,?\s*(?:$|#|//)")
_COMMA = re.compile(r"\s*,")
_AFTER_COMMA = re.compile(r",\s*(?:self\.|this\.)?$")
_ASSIGN = re.compile(r"(?<![=!<>])=(?!=)")
_TEST = re.compile(r"\s*(?:el)?if\b|\s*while\b")


def _occurrence_ok(line: str, m: re.Match, name: str) -> bool | None:
    """One occurrence of ``name``: True a read, None a write of ``False``/``0``, False anything that
    may set it to something else."""
    rest, before = line[m.end():], line[:m.start()]
    if _SIGNATURE.match(line):
        return False  # a parameter (its default is only a default)
    if _CALLED.match(rest) or _AUG.match(rest):
        return False
    w = _WRITE.match(rest)
    if w:
        return None if _FALSY_RX.fullmatch(w.group(1)) else False
    if _COLON.match(rest) and _KEY_START.match(before):  # an annotation or an object key
        return None if _FALSY_KEY.match(rest) else False
    if (_COMMA.match(rest) or _AFTER_COMMA.search(before)) and _ASSIGN.search(rest):
        return False  # a tuple target: `self.a, self.shielded = 1, True`
    # a parameter, loop or `with` target, an import, a declaration: may set it
    return not (_DECL.search(line) and not _TEST.match(line))


class _Code:
    """The program's lines with trailing comments cut, and the same joined: a substring search of
    the whole text finds the few lines a flag occurs on (a regex scan of every line was most of
    the cost)."""

    def __init__(self, lines: list[str]):
        self.lines = [ln.split("#", 1)[0] if "#" in ln and "'" not in ln and '"' not in ln else ln for ln in lines]
        self.text = "\n".join(self.lines)
        self.starts = [0]
        for ln in self.lines[:-1]:
            self.starts.append(self.starts[-1] + len(ln) + 1)

    def lines_with(self, name: str) -> list[str]:
        """The lines ``name`` occurs on, possibly inside a longer word (the caller's regex decides)."""
        found, text, at = {}, self.text, self.text.find(name)
        while at >= 0:
            found[bisect.bisect_right(self.starts, at) - 1] = None
            at = text.find(name, at + 1)
        return [self.lines[i] for i in found]


def _status(code_: _Code, name: str) -> tuple[bool, int]:
    """(nothing sets it to anything but a false literal, how many false writes)."""
    rx = re.compile(r"(?<![\w$])" + re.escape(name) + r"(?![\w$])")
    writes = 0
    for code in code_.lines_with(name):
        for m in rx.finditer(code):
            ok = _occurrence_ok(code, m, name)
            if ok is False:
                return False, writes
            if ok is None:
                writes += 1
    return True, writes


def _in_plain_class(idx, line: int) -> bool:
    for name, first, last in idx.def_ranges:
        if first <= line <= last and _PLAIN_CLASS.match(idx.lines[first - 1]):
            return True
    return False


def dead_flags(idx) -> tuple[str, ...]:
    """Names branch conditions read that nothing ever sets (memoised on the code index)."""
    memo = idx.__dict__.get("_dead_flags")
    if memo is not None:
        return memo
    out: set[str] = set()
    if idx.branches and idx.complete and not _DYNAMIC.search(idx.text):  # a fragment's flags are set elsewhere
        strings = {s for s, _ in idx.strings}
        seen: dict[str, bool] = {}
        code = _Code(idx.lines)
        for br in idx.branches:
            for m in _READ_NAMES.finditer(br.cond):
                obj, name = m.group(1), m.group(2)
                if name in _KEYWORDS or name in strings or name in idx.defs or name in seen and not seen[name]:
                    continue
                clean, writes = _status(code, name)
                dead = clean and (writes > 0 or (obj is not None and _in_plain_class(idx, br.line)))
                seen[name] = dead
                if dead:
                    out.add(name)
    memo = idx.__dict__["_dead_flags"] = tuple(sorted(out))
    return memo


def never_true(cond: str, dead: tuple) -> bool:
    """The condition needs a dead flag to be true: it is one (``self.bird.shielded``, ``x.on == True``)
    or one of the terms of an ``and`` with no ``or``."""
    if not dead or re.search(r"\bor\b|\|\|", cond):
        return False
    terms = re.split(r"\band\b|&&", cond.strip().strip("()"))
    one = re.compile(r"\s*\(?\s*(?:[\w$]+(?:\.|\[\d+\]\.))*(" + "|".join(map(re.escape, dead)) +
                     r")\s*(?:(?:==|===|is)\s*(?:True|true|1))?\s*\)?\s*")
    return any(one.fullmatch(t) for t in terms)


def live_body(idx, br, text: str, dead: tuple) -> str:
    """``text`` (the branch's body) without the blocks of branches nested in it that never run."""
    for o in idx.branches:
        if br.line < o.line <= br.end_line and o.body and never_true(o.cond, dead):
            text = text.replace(o.body, "pass", 1)
    return text


def live_text(idx, br, which: str) -> str:
    """flow_cond / flow_body without what dead flags decide: such a flag is masked in a condition,
    and a block it gates is left out of the body (it never runs). Memoised on the branch."""
    key = "_live_" + which
    if key not in br.__dict__:
        dead = dead_flags(idx)
        text = br.flow_cond if which == "cond" else br.flow_body
        br.__dict__[key] = text if not dead else mask(text, dead) if which == "cond" else live_body(idx, br, text, dead)
    return br.__dict__[key]


@functools.lru_cache(maxsize=64)
def _mask_rx(names: tuple) -> re.Pattern:
    return re.compile(r"(?<![\w$])(" + "|".join(map(re.escape, names)) + r")(?![\w$])")


def mask(text: str, names: tuple) -> str:
    """``text`` with every dead flag renamed ``dead_flag`` (a guard or gate made of one matches nothing)."""
    return _mask_rx(names).sub("dead_flag", text) if names else text
