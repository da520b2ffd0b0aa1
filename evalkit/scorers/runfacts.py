"""What running the program would do, read without running it: names it never defines (a
NameError when the line runs), loops nothing in them can end (the game freezes), and writes of
names nothing reads (a counter or timer nobody consults). Rubric checks (checks.py) drop or
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


def crash(idx: treesitter.CodeIndex, br: treesitter.Branch) -> tuple[int, str] | None:
    """(line, message) when the branch's body, or a function it calls, uses a name that is never
    defined (a NameError as soon as the branch runs)."""
    undefined_at = undefined(idx)
    if not undefined_at and not idx.hangs:
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
        for ln in sorted(undefined_at):
            if first <= ln <= last:
                name = undefined_at[ln].split(" ", 2)[-1]
                where = f"{via}, called on line {br.line}," if via else f"the branch on line {br.line}"
                return ln, f"{where} uses {name} on line {ln}, which is never defined (NameError)"
    return None



_TARGET = re.compile(r"\s*(?:[A-Za-z_$][\w$]*\.)*([A-Za-z_$][\w$]*)\s*")
_SCOPE_DECL = re.compile(r"\s*(?:global|nonlocal)\b")


def unread(idx: treesitter.CodeIndex, target: str) -> bool:
    """``read: true``: the written name (``charges`` of ``snake.charges``) is never read where the
    program runs: every occurrence of it outside functions nothing calls is one of its own writes
    (``snake.shield_charges += 3`` when the game tests ``snake.shield``; a timer set on pickup whose
    countdown sits in a method nothing calls). A name in a string (``getattr``, a key) counts as
    read; a target that is not a plain (dotted) name cannot be judged and counts as read."""
    m = _TARGET.fullmatch(target)
    if m is None:
        return False
    name = m.group(1)
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
