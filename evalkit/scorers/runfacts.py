"""What running the program would do, read without running it: names it never defines (a
NameError when the line runs), a float where pygame's timers need whole milliseconds (TypeError),
loops nothing in them can end (the game freezes), and writes of names nothing reads (a counter or
timer nobody consults). Rubric checks (checks.py) drop or
refute evidence that sits on such lines.
"""

from __future__ import annotations

import re

from .. import treesitter
from ..extract import Extraction

# joined multi-file code -> {view line: undefined-name message}, each file checked on its own (a
# module sees only its own names and imports: `FPS` defined in main.py is a NameError in game.py)
FILE_UNDEFINED: dict[str, dict[int, str]] = {}


def note_file_names(prog, ex: Extraction) -> None:
    if prog.block.language != "python" or prog.block.code in FILE_UNDEFINED:
        return
    from .quality import analyse

    found: dict[int, str] = {}
    modules = {(p.name or "").rsplit("/", 1)[-1].removesuffix(".py"): ex.blocks[p.block].code for p in prog.parts if p.name}
    for part in prog.parts:
        code = _explicit_star_imports(ex.blocks[part.block].code, modules)
        for f in analyse(code).get("findings", []):
            if f.get("kind") == "undefined-name":
                found.setdefault(part.first + f["line"] - 1, f["message"])
    if len(FILE_UNDEFINED) > 64:  # it only needs to outlive one response's scorers
        FILE_UNDEFINED.clear()
    FILE_UNDEFINED[prog.block.code] = found


def _explicit_star_imports(code: str, modules: dict[str, str]) -> str:
    """`from config import *` of a file in the same answer -> `from config import A, B` (its top-level
    names, on the same line), so pyflakes can still see which names are undefined."""
    import ast

    def names(src: str) -> list[str]:
        try:
            tree = ast.parse(src)
        except (SyntaxError, ValueError):
            return []
        out = []
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out.append(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                out += [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                out += [(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"]
        return sorted(set(out))

    def repl(m: re.Match) -> str:
        src = modules.get(m.group(2))
        if src is None:
            return m.group(0)
        found = names(src)
        return f"{m.group(1)}from {m.group(2)} import {', '.join(found)}" if found else m.group(0)

    return re.sub(r"(?m)^([ \t]*)from[ \t]+\.?(\w+)[ \t]+import[ \t]+\*[ \t]*$", repl, code)


def undefined(idx: treesitter.CodeIndex) -> dict[int, str]:
    """Line -> pyflakes' undefined-name message, for Python (memoised on the index)."""
    if idx.text in FILE_UNDEFINED:  # a multi-file program: each file's own names (not memoised)
        return FILE_UNDEFINED[idx.text] if idx.complete else {}
    memo = idx.__dict__.get("_undefined_memo")
    if memo is None:
        memo = {}
        if idx.language == "python" and idx.complete:  # a fragment's names are defined elsewhere
            from .quality import analyse

            for f in analyse(idx.text).get("findings", []):
                if f.get("kind") == "undefined-name":
                    memo.setdefault(f["line"], f["message"])
        idx.__dict__["_undefined_memo"] = memo
    return memo


def failing_lines(idx: treesitter.CodeIndex) -> dict[int, tuple[str, str]]:
    """Line -> (what it does, why that raises) for lines that raise as soon as they run: a name
    never defined (NameError), a float where pygame's clock needs whole milliseconds (TypeError)."""
    memo = idx.__dict__.get("_failing_memo")
    if memo is None or idx.text in FILE_UNDEFINED:
        memo = {ln: (f"uses {msg.split(' ', 2)[-1]}", "which is never defined (NameError)")
                for ln, msg in undefined(idx).items()}
        for ln, fn in _float_milliseconds(idx):
            memo.setdefault(ln, (f"passes a float to {fn}()", "which needs whole milliseconds (TypeError)"))
        idx.__dict__["_failing_memo"] = memo
    return memo


# pygame's timer calls -> which argument is the milliseconds (an int; a float raises TypeError)
_MS_ARG = {"pygame.time.set_timer": 1, "pygame.time.wait": 0, "pygame.time.delay": 0}
_FLOAT_LITERAL = re.compile(r"\s*-?(\d+\.\d*|\.\d+)\s*")
_TRUE_DIVISION = re.compile(r"(?<!/)/(?!/)")
_WHOLE = re.compile(r"\s*(int|round|math\.floor|math\.ceil|len)\s*\([\s\S]*\)\s*")


def _float_milliseconds(idx: treesitter.CodeIndex) -> list[tuple[int, str]]:
    """Calls of pygame's timers whose milliseconds are a float: a float literal, a true division
    (`MOVE_DELAY / 1.5`), or a name every assignment of which is one of those."""
    from ..flowtext import split_args

    if idx.language != "python" or "pygame.time." not in idx.text:
        return []

    def floaty(arg: str, follow: bool = True) -> bool:
        if _WHOLE.fullmatch(arg):
            return False
        if _FLOAT_LITERAL.fullmatch(arg) or _TRUE_DIVISION.search(arg):
            return True
        name = arg.strip()
        if follow and re.fullmatch(r"[A-Za-z_][\w.]*", name):
            rhs = [rt for lt, rt, _ln in idx.assigns if lt.strip() == name]
            return bool(rhs) and all(floaty(rt, False) for rt in rhs)
        return False

    out = []
    for fn, text, ln in idx.calls:
        pos = _MS_ARG.get(fn)
        if pos is None or "(" not in text:
            continue
        args = [a for a in split_args(text[text.index("(") + 1:text.rindex(")")]) if "=" not in a.split("(")[0]]
        if len(args) > pos and floaty(args[pos]):
            out.append((ln, fn))
    return out


def crash(idx: treesitter.CodeIndex, br: treesitter.Branch) -> tuple[int, str] | None:
    """(line, message) when the branch's body, or a function it calls, runs a line that raises
    (a never-defined name, a float for pygame's milliseconds) or a loop nothing can end."""
    failing = failing_lines(idx)
    if not failing and not idx.hangs:
        return None
    spans = [(br.line + 1, br.end_line, "")]
    spans += [(ln, ln + t.count("\n") + 1, w.split("()")[0] + "()") for t, ln, w in br.body_parts
              if w.endswith("() does this")]
    for first, last, via in spans:
        for hfirst, _hlast, cond, _names in idx.hangs:
            if first <= hfirst <= last:
                where = f"{via}, called on line {br.line}," if via else f"the branch on line {br.line}"
                return hfirst, (f"{where} enters the loop on line {hfirst} (`while {cond}`), which nothing in it "
                                f"can end: the game freezes there")
        for ln in sorted(failing):
            if first <= ln <= last:
                what, why = failing[ln]
                where = f"{via}, called on line {br.line}," if via else f"the branch on line {br.line}"
                return ln, f"{where} {what} on line {ln}, {why}"
    return None


_TARGET = re.compile(r"\s*(?:[A-Za-z_$][\w$]*\.)*([A-Za-z_$][\w$]*)\s*")
_SCOPE_DECL = re.compile(r"\s*(?:global|nonlocal)\b")


def unread(idx: treesitter.CodeIndex, target: str) -> bool:
    """``read: true``: the written name (``charges`` of ``snake.charges``) is never read where the
    program runs: every occurrence of it outside functions nothing calls is one of its own writes
    (``snake.shield_charges += 3`` when the game tests ``snake.shield``; a timer set on pickup whose
    countdown sits in a method nothing calls). A name in a string (``getattr``, a key) counts as
    read; a target that is not a plain (dotted) name cannot be judged and counts as read."""
    name = _last_name(target)
    if name is None:
        return False
    memo = idx.__dict__.setdefault("_unread_memo", {})
    if name not in memo:
        if any(name in s for s, _ in idx.strings):
            memo[name] = False
        else:
            def live(ln: int) -> bool:
                return idx.in_unused(ln) is None and not _SCOPE_DECL.match(idx.lines[ln - 1])

            uses = sum(1 for ln in idx.ident_lines.get(name, ()) if live(ln))
            writes = sum(1 for t, _o, _v, ln in idx.augs if live(ln) and _last_name(t) == name)
            writes += sum(1 for lt, _rt, ln in idx.assigns if live(ln) and _last_name(lt) == name)
            memo[name] = uses <= writes
    return memo[name]


def _last_name(target: str) -> str | None:
    m = _TARGET.fullmatch(target)
    return m.group(1) if m else None
