"""One response as the page shows it: thinking, prose and code blocks in order, code coloured by
Pygments within a budget, line numbers kept, the syntax error marked at its line.

The code blocks are the ones scoring found: their spans (index, language, file name, first and last
line, fence) are stored in the ``code_prose_ratio`` details, and the code is cut from the response
text by those lines. Scores stored by an evalkit that did not record spans fall back to running
``extract()`` again here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from .format import short

HIGHLIGHT_BUDGET = 250_000       # characters of code coloured by Pygments (the slow part)
_CLASS_ATTR = re.compile(r'class="([A-Za-z0-9]+)"')
FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_FENCE_INDENT = re.compile(r"^( {0,12})(?:`{3,}|~{3,})")
SPAN_METRIC = "code_prose_ratio"  # the score whose details carry the code-block spans


class Highlighter:
    """Pygments within a budget; per-line spans so the error line can be marked."""

    def __init__(self, budget: int = HIGHLIGHT_BUDGET):
        self.budget = budget
        self._lexers: dict[str, Any] = {}
        from pygments.formatters import HtmlFormatter

        self._fmt = HtmlFormatter(nowrap=True)

    def _lexer(self, lang: str | None):
        from pygments.lexers import TextLexer, get_lexer_by_name
        from pygments.util import ClassNotFound

        key = lang or "text"
        if key not in self._lexers:
            try:
                self._lexers[key] = get_lexer_by_name(key, stripnl=False, ensurenl=False)
            except ClassNotFound:
                self._lexers[key] = TextLexer(stripnl=False, ensurenl=False)
        return self._lexers[key]

    def lines(self, code: str, lang: str | None) -> list[str]:
        """HTML (escaped, possibly coloured) of each line of ``code``."""
        if len(code) <= self.budget and lang not in (None, "text"):
            from pygments import highlight

            self.budget -= len(code)
            out = highlight(code, self._lexer(lang), self._fmt)
            out = re.sub(r'<span class="w">(\s*)</span>', r"\1", out)
            out = _CLASS_ATTR.sub(r"class=\1", out)  # Pygments class names are [a-z0-9]: no quotes needed
            lines = out.split("\n")
        else:
            lines = [str(escape(ln)) for ln in code.split("\n")]
        n = code.count("\n") + 1
        return (lines + [""] * n)[:n]


def pygments_css() -> str:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="default").get_style_defs(".code")


def code_html(hl: Highlighter, code: str, lang: str | None, first_line: int,
              error: dict | None = None) -> Markup:
    """<span class=l>…</span> per line (numbers by a CSS counter starting at ``first_line``);
    the syntax error's line marked with its message."""
    err_line = error.get("line") if isinstance(error, dict) else None
    parts = []
    for i, html_line in enumerate(hl.lines(code, lang), start=1):
        if i == err_line:
            col = error.get("column")
            msg = escape(f"{short(error.get('message', 'syntax error'), 200)}"
                         + (f" (column {col})" if isinstance(col, int) else ""))
            parts.append(f'<span class="l err">{html_line}</span>'
                         f'<span class="errmsg">▲ syntax error: {msg}</span>')
        else:
            parts.append(f'<span class=l>{html_line}</span>')
    return Markup("".join(parts))  # each line is display:block


# ---- the blocks of a response ---------------------------------------------------------------------
@dataclass
class Block:
    index: int
    code: str
    language: str | None
    start: int                   # 1-based line of the first code line in the response
    filename: str


@dataclass
class Blocks:
    items: list[Block]
    main_index: int | None
    thinking: str


def _split_thinking(text: str) -> tuple[str, list[str]]:
    from ..extract import _split_thinking as split

    return split(text)


def _visible_text(text: str) -> tuple[str, list[str]]:
    """Text with <think> spans blanked (line numbers kept) and the thinking, via evalkit.extract."""
    try:
        visible, thoughts = _split_thinking(text)
        if visible.count("\n") == text.count("\n"):
            return visible, list(thoughts)
    except Exception:  # extraction is another worker's module; the report must still render
        pass
    return text, []


def _dedent(lines: list[str], width: int) -> list[str]:
    from ..extract import _dedent as dedent

    return dedent(lines, width) if width else lines


def stored_blocks(spans: dict, lines: list[str], text: str, thinking: str | None) -> Blocks | None:
    """The blocks scoring found, cut from the visible lines by their stored spans; None when the
    details hold no spans or a span does not fit the text (then the caller extracts again)."""
    rows = spans.get("blocks")
    if not isinstance(rows, list):
        return None
    items = []
    for s in rows:
        try:
            start, end, fence = int(s["start_line"]), int(s["end_line"]), str(s.get("fence", ""))
        except (TypeError, KeyError, ValueError):
            return None
        if start < 1 or end > len(lines) or end < start - 1:
            return None
        body = lines[start - 1: end]
        width = 4 if fence == "indent" else 0
        if fence in ("```", "~~~", "unclosed") and start >= 2:  # the opening fence's indent was removed
            m = _FENCE_INDENT.match(lines[start - 2].rstrip("\r"))
            width = len(m.group(1)) if m else 0
        items.append(Block(index=int(s.get("index", len(items))), code="\n".join(_dedent(body, width)),
                           language=s.get("language"), start=start, filename=s.get("filename") or ""))
    thoughts = ([thinking.strip()] if thinking and thinking.strip() else []) + _split_thinking(text)[1]
    main = spans.get("main_block")
    return Blocks(items, main if isinstance(main, int) else None, "\n\n".join(thoughts))


def extracted_blocks(text: str, thinking: str | None, language: str | None) -> Blocks | None:
    """Scores from an evalkit that stored no spans: extract the blocks again (None if that fails)."""
    try:
        from ..extract import extract

        ex = extract(text, thinking, language)
    except Exception:  # crashed on odd input: the caller shows the raw text
        return None
    items = [Block(index=i, code=b.code, language=b.language, start=max(1, int(b.start_line or 1)),
                   filename=b.filename or "") for i, b in enumerate(ex.blocks)]
    return Blocks(items, ex.main_index, ex.thinking)


# ---- segments -----------------------------------------------------------------------------------
class _Budget:
    """Characters still to show; what is cut is counted."""

    def __init__(self, cap: int):
        self.left, self.hidden = cap, 0

    def take(self, s: str) -> str:
        if self.left <= 0:
            self.hidden += len(s)
            return ""
        if len(s) > self.left:
            self.hidden += len(s) - self.left
            s = s[: self.left]
        self.left -= len(s)
        return s


def _code_segment(hl: Highlighter, b: Block, shown: str, main_index: int | None, error: dict | None) -> dict:
    err = error if (error and error.get("block") == b.index) else None
    if err and len(shown) < len(b.code) and isinstance(err.get("line"), int) \
            and err["line"] > shown.count("\n") + 1:
        err = None  # the error line was cut off; the summary above still names it
    return {
        "kind": "code", "lang": b.language or "text", "start": b.start,
        "end": b.start + shown.count("\n"), "main": b.index == main_index,
        "html": code_html(hl, shown, b.language, 1, err), "error": err is not None,
        "lines": b.code.count("\n") + 1, "index": b.index, "file": b.filename,
    }


def response_segments(hl: Highlighter, text: str, thinking: str | None, language: str | None,
                      syntax_details: dict | None, cap: int, spans: dict | None = None) -> tuple[list[dict], int]:
    """Ordered segments (thinking | prose | code) of one response, capped at ``cap`` characters.

    spans: the details of the response's ``code_prose_ratio`` score (where scoring stored its
    code-block spans). Returns (segments, characters not shown).
    """
    text = text or ""
    visible, _ = _visible_text(text)
    lines = visible.split("\n")
    found = stored_blocks(spans, lines, text, thinking) if isinstance(spans, dict) else None
    if found is None:
        found = extracted_blocks(text, thinking, language)
    error = syntax_details.get("error") if isinstance(syntax_details, dict) else None
    error = error if isinstance(error, dict) else None
    budget = _Budget(cap)
    segs: list[dict] = []
    thoughts = found.thinking if found is not None else (thinking or "")
    if thoughts and str(thoughts).strip():
        t = budget.take(str(thoughts).strip("\n"))
        if t:
            segs.append({"kind": "thinking", "text": t, "lines": t.count("\n") + 1})
    if found is None:
        t = budget.take(text)
        if t:
            segs.append({"kind": "raw", "text": t})
        return segs, budget.hidden

    def prose(a: int, z: int) -> None:  # lines a..z inclusive, 1-based
        s = "\n".join(ln for ln in lines[a - 1: z] if not FENCE_LINE.match(ln)).strip("\n")
        if s.strip():
            s = budget.take(s)
            if s:
                segs.append({"kind": "prose", "text": s})

    pos = 1
    for b in sorted(found.items, key=lambda b: b.start):
        if b.start > pos:
            prose(pos, b.start - 1)
        shown = budget.take(b.code)
        if shown:
            segs.append(_code_segment(hl, b, shown, found.main_index, error))
        pos = max(pos, b.start + b.code.count("\n") + 1)
    if pos <= len(lines):
        prose(pos, len(lines))
    return segs, budget.hidden
