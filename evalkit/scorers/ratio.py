"""code_prose_ratio: non-blank code lines / non-blank prose lines (thinking excluded).

Code lines are the non-blank lines of every code block except blocks fenced as text/markdown
(program output or a README pasted in a fence is explanation, so it counts as prose). Prose lines
are the non-blank lines outside code blocks and outside thinking. With no prose the ratio is the
code line count (as if there were 1 prose line), so a bare-code answer is never a division by
zero and still ranks above any answer with explanation. Auxiliary metrics: code_lines,
prose_lines, thinking_lines, code_prose_char_ratio (same rule on stripped characters).
"""

from __future__ import annotations

from ..extract import Extraction
from .base import Metric, Score

# ---- the registry's declaration (evalkit/scorers/registry.py): version and metrics --------------
VERSION = "3"
METRICS = (
    Metric("code_prose_ratio", "code:prose (mean per response)", main=True, order=70, format="ratio",
           gate={"max_rel_drop": 0.25}, rollups={"code_explanation_ratio": 1.0}),
    Metric("thinking_lines", direction="lower", order=80),
    Metric("code_prose_char_ratio", direction="none"),
    Metric("code_lines", direction="none"),
    Metric("prose_lines", direction="none"),
)

_PROSE_FENCES = {"text", "markdown", "md"}


def _count(text: str) -> tuple[int, int]:
    lines = [ln.strip() for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    return len(lines), sum(len(ln) for ln in lines)


def ratio(code: int, prose: int) -> float:
    return float(code) / prose if prose else float(code)


def counts(ex: Extraction) -> dict:
    code_l = code_c = prose_l = prose_c = 0
    for b in ex.blocks:
        lines, chars = _count(b.code)
        if b.language in _PROSE_FENCES:
            prose_l, prose_c = prose_l + lines, prose_c + chars
        else:
            code_l, code_c = code_l + lines, code_c + chars
    p_l, p_c = _count(ex.prose)
    think_l, _ = _count(ex.thinking)
    return {"code_lines": code_l, "prose_lines": prose_l + p_l, "thinking_lines": think_l,
            "code_chars": code_c, "prose_chars": prose_c + p_c}


def block_spans(ex: Extraction) -> list[dict]:
    """Where each code block sits in the response (1-based lines of the text with thinking blanked,
    which keeps the original numbering), so the report shows the blocks scoring found without
    extracting again. An empty block covers no line (end_line = start_line - 1); ``fence`` tells
    the report how much indent extraction removed (a fence's own indent, 4 for an indented block)."""
    out = []
    for i, b in enumerate(ex.blocks):
        out.append({"index": i, "language": b.language, "filename": b.filename, "fence": b.fence,
                    "start_line": b.start_line,
                    "end_line": b.start_line + b.code.count("\n") if b.code else b.start_line - 1})
    return out


def score(task, ex: Extraction, artifacts: dict) -> list[Score]:
    c = counts(ex)
    r = ratio(c["code_lines"], c["prose_lines"])
    rc = ratio(c["code_chars"], c["prose_chars"])
    details = {**c, "ratio": round(r, 3), "char_ratio": round(rc, 3),
               "no_prose": c["prose_lines"] == 0, "blocks": block_spans(ex), "main_block": ex.main_index}
    return [
        Score("code_prose_ratio", r, details),
        Score("code_prose_char_ratio", rc, {}),
        Score("code_lines", float(c["code_lines"]), {}),
        Score("prose_lines", float(c["prose_lines"]), {}),
        Score("thinking_lines", float(c["thinking_lines"]), {}),
    ]
