"""syntax_ok: every code block in a language with a grammar parses.

Per block: tree-sitter parse; Python blocks are also ``compile()``d, and for Python ``compile()``
is authoritative (CPython is the real parser; a tree-sitter-only complaint is kept as a note).
Blocks in languages without a grammar are "unchecked" and do not count. A response with no code
scores 0; a response whose blocks are all unchecked scores None (nothing to judge).
Every file of a multi-file answer is its own block, so an error names the file and its line
(``details.error.file``, ``where`` = "game.py:3").
"""

from __future__ import annotations

import ast
import functools
import re
import warnings

from .. import treesitter
from ..extract import Extraction
from .base import Metric, Score

# ---- the registry's declaration (evalkit/scorers/registry.py): version and metrics --------------
VERSION = "3"  # bump when syntax_ok changes: only this scorer's metrics are recomputed
METRICS = (
    Metric("syntax_ok", "syntax ok", kind="pass_fail", main=True, order=10, gate={"max_drop": 0.05},
           rollups={"code_correctness": 0.2}),
)


def _loc(exc: BaseException) -> dict:
    if isinstance(exc, SyntaxError):
        return {"line": exc.lineno or 1, "column": exc.offset or 1, "message": exc.msg or "syntax error"}
    return {"line": 1, "column": 1, "message": f"{type(exc).__name__}: {exc}"[:200]}


_PY_ERRORS = (SyntaxError, ValueError, TypeError, RecursionError, MemoryError, OverflowError)


@functools.lru_cache(maxsize=256)
def python_compile_error(code: str) -> dict | None:
    """``compile()`` the block (never run it); the error location, or None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for odd escapes etc. is not an error
            compile(code, "<block>", "exec", dont_inherit=True)
    except _PY_ERRORS as exc:  # null bytes, deep nesting, ...
        return _loc(exc)
    return None


@functools.lru_cache(maxsize=2)  # ASTs are large; quality.analyse caches its small result
def python_tree(code: str):
    """(ast tree or None, error or None), cached: quality.py analyses the tree syntax.py checked."""
    err = python_compile_error(code)
    if err:
        return None, err
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(code, "<block>"), None
    except _PY_ERRORS as exc:
        return None, _loc(exc)


# a fill-in-the-blank in a setup command: `git clone <repository-url>`, `cd <project directory>`
_SHELL_PLACEHOLDER = re.compile(r"<[A-Za-z][\w .:/-]{0,60}>")


def check_block(language: str | None, code: str) -> tuple[str, dict | None, str | None]:
    """(status ok|error|unchecked, error location or None, note)."""
    if not treesitter.supported(language):
        return "unchecked", None, None
    note = None
    if language == "bash" and _SHELL_PLACEHOLDER.search(code):
        # README-style instructions are not the program: a placeholder the reader fills in is
        # no syntax error (bash would read `<url>` as a redirection)
        code = _SHELL_PLACEHOLDER.sub(lambda m: "X" * len(m.group(0)), code)
        note = "placeholders like <repository-url> are read as words"
    tree = treesitter.parse(language, code)
    ts_err = treesitter.first_error(tree)
    if language == "python":
        err = python_compile_error(code)
        if err:
            return "error", err, None
        if ts_err:
            where = f"{ts_err['line']}:{ts_err['column']}"
            return "ok", None, f"tree-sitter reports {ts_err['message']} at {where}; compile() accepts it"
        return "ok", None, None
    return ("error", ts_err, None) if ts_err else ("ok", None, note)


def score(task, ex: Extraction, artifacts: dict) -> list[Score]:
    blocks, first = [], None
    checked = 0
    for i, b in enumerate(ex.blocks):
        status, err, note = check_block(b.language, b.code)
        entry = {"index": i, "language": b.language, "status": status, "start_line": b.start_line,
                 "main": i == ex.main_index}
        if b.filename:
            entry["file"] = b.filename
        if note:
            entry["note"] = note
        blocks.append(entry)
        if status != "unchecked":
            checked += 1
        if status == "error" and first is None:
            first = {"block": i, **err}
            if b.filename:  # a multi-file answer: the error names its file (lines are the file's)
                first.update(file=b.filename, where=f"{b.filename}:{err.get('line')}")
    details: dict = {"blocks": blocks}
    if first:
        details["error"] = first
    if not ex.blocks:
        details["reason"] = "no code in the response"
        return [Score("syntax_ok", 0.0, details)]
    if checked == 0:
        details["reason"] = "no block in a language with a grammar (all unchecked)"
        return [Score("syntax_ok", None, details)]
    return [Score("syntax_ok", 0.0 if first else 1.0, details)]
