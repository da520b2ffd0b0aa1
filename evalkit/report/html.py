"""index.html: one self-contained page (inline CSS, inline SVG, a little inline JS, no network).

Model output is untrusted: every piece of it reaches the page either through Jinja2's autoescape or
through Pygments' own HTML escaping (code), never as markup. The inline JS only toggles
``hidden``/``open`` and reads data-* attributes we wrote (task ids), never model text.

Large runs stay fast and small: each response shows at most ``per_response_cap`` characters
(the full text is in results.json), and syntax colouring stops after ``HIGHLIGHT_BUDGET``
characters of code (the rest is shown plain, still with line numbers and the error marked).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup, escape

from .. import compare as C
from ..compare import Comparison
from ..leaderboard import MEAN_BOOT, Leaderboard

TEMPLATES = Path(__file__).parent / "templates"
TEXT_BUDGET = 4_000_000          # characters of response text across the whole page
PER_RESPONSE_MIN = 1_500
PER_RESPONSE_MAX = 150_000
HIGHLIGHT_BUDGET = 250_000       # characters of code coloured by Pygments (the slow part)
MAX_DETAILED_SLOTS = 1_000       # slots side by side for two models (fewer for more); the rest only in the tables
OUTPUT_CAP = 2_000               # stdout / stderr / messages shown inline
SECRET_KEY = re.compile(r"key|token|secret|password|authorization|credential", re.I)
_CLASS_ATTR = re.compile(r'class="([A-Za-z0-9]+)"')
FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# ten colours told apart at a glance (baseline grey); more models continue round the hue circle
MODEL_COLOURS = ["#8791a5", "#2563eb", "#d97706", "#059669", "#9333ea",
                 "#dc2626", "#0891b2", "#65a30d", "#db2777", "#854d0e"]
ILLUSTRATIVE = ("These are illustrative responses written for the evalkit demo, "
                "not outputs of real models.")

LABELS = {
    "syntax_ok": "syntax ok", "runs_ok": "runs ok", "tests_pass": "tests pass",
    "feature_completeness": "features", "claim_consistency": "claims hold", "quality": "quality",
    "code_prose_ratio": "code:prose (mean per response)", "thinking_lines": "thinking lines", "error": "request error",
    "code_correctness": "Code correctness", "code_explanation_ratio": "Code:explanation ratio",
    "production_readiness": "Production readiness",
}


def model_colour(i: int) -> str:
    if i < len(MODEL_COLOURS):
        return MODEL_COLOURS[i]
    return f"hsl({(i * 137.5) % 360:.0f}, 65%, 42%)"


def short_name(name: str, limit: int = 16) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def label(name: str) -> str:
    if name in LABELS:
        return LABELS[name]
    return name.replace("_", " ")


def rollup_label(name: str) -> str:
    known = C.rollup_labels()
    if name in known:
        return known[name]
    return LABELS.get(name, name.replace("_", " ").capitalize())


# ---- value formatting ---------------------------------------------------------------------------
def fmt_value(metric: str, v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if metric == "code_prose_ratio":
        return C.format_ratio(float(v))
    if metric in C.BINARY_METRICS:
        return "pass" if v >= 1 else "fail"
    if metric in C.UNIT_METRICS:
        return f"{v:.2f}"
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def fmt_mean(metric: str, v: float | None) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if metric == "code_prose_ratio":
        return C.format_ratio(v)
    if metric in C.UNIT_METRICS:
        return f"{v:.2f}"
    return f"{v:.3g}"


def fmt_delta(v: float | None, digits: int = 2) -> str:
    if v is None:
        return "n/a"
    return f"{v:+.{digits}f}".replace("-", "−")


def delta_class(direction: str, significant: bool) -> str:
    if direction in ("same", "info"):
        return "same"
    return f"{direction}{'-sig' if significant else ''}"


def value_class(metric: str, v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "na"
    if metric in C.UNIT_METRICS:
        good = v >= 0.999 if metric not in C.LOWER_IS_BETTER else v <= 0.001
        bad = v <= 0.001 if metric not in C.LOWER_IS_BETTER else v >= 0.999
        return "good" if good else "bad" if bad else "mid"
    return ""


def short(v: Any, limit: int = 300) -> str:
    s = v if isinstance(v, str) else json.dumps(v, default=str, ensure_ascii=False)
    return s if len(s) <= limit else s[:limit] + f"… ({len(s) - limit} more characters)"


def scrub(obj: Any) -> Any:
    """Drop anything that looks like a secret from config/params before showing it."""
    if isinstance(obj, dict):
        return {k: ("***" if SECRET_KEY.search(str(k)) and v else scrub(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [scrub(v) for v in obj]
    return obj


def safe_url(url: Any) -> str:
    if not url:
        return ""
    try:
        p = urlsplit(str(url))
        host = p.hostname or ""
        if p.port:
            host += f":{p.port}"
        return urlunsplit((p.scheme, host, p.path, "", ""))  # no user:password@, no ?query
    except ValueError:
        return "(unparseable URL hidden)"


# ---- code and text -----------------------------------------------------------------------------
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


def _visible_text(text: str) -> tuple[str, list[str]]:
    """Text with <think> spans blanked (line numbers kept) and the thinking, via evalkit.extract."""
    try:
        from ..extract import _split_thinking

        visible, thoughts = _split_thinking(text)
        if visible.count("\n") == text.count("\n"):
            return visible, list(thoughts)
    except Exception:  # extraction is another worker's module; the report must still render
        pass
    return text, []


def response_segments(hl: Highlighter, text: str, thinking: str | None, language: str | None,
                      syntax_details: dict | None, cap: int) -> tuple[list[dict], int]:
    """Ordered segments (thinking | prose | code) of one response, capped at ``cap`` characters.

    Returns (segments, characters not shown).
    """
    text = text or ""
    segs: list[dict] = []
    blocks = None
    try:
        from ..extract import extract

        ex = extract(text, thinking, language)
        blocks = ex.blocks
        thoughts = ex.thinking
    except Exception:  # not implemented yet / crashed on odd input: show the raw text
        thoughts = thinking or ""
    error = syntax_details.get("error") if isinstance(syntax_details, dict) else None
    error = error if isinstance(error, dict) else None
    budget = [cap]
    hidden = [0]

    def take(s: str) -> str:
        if budget[0] <= 0:
            hidden[0] += len(s)
            return ""
        if len(s) > budget[0]:
            hidden[0] += len(s) - budget[0]
            s = s[: budget[0]]
        budget[0] -= len(s)
        return s

    if thoughts and str(thoughts).strip():
        t = take(str(thoughts).strip("\n"))
        if t:
            segs.append({"kind": "thinking", "text": t, "lines": t.count("\n") + 1})

    if blocks is None:
        t = take(text)
        if t:
            segs.append({"kind": "raw", "text": t})
        return segs, hidden[0]

    visible, _ = _visible_text(text)
    lines = visible.split("\n")
    ranges = []
    for i, b in enumerate(blocks):
        start = max(1, int(getattr(b, "start_line", 1) or 1))
        ranges.append((start, start + b.code.count("\n"), i, b))
    ranges.sort(key=lambda r: r[0])
    pos = 1

    def prose(a: int, z: int) -> None:  # lines a..z inclusive, 1-based
        chunk = [ln for ln in lines[a - 1 : z] if not FENCE_LINE.match(ln)]
        s = "\n".join(chunk).strip("\n")
        if s.strip():
            s = take(s)
            if s:
                segs.append({"kind": "prose", "text": s})

    for start, end, i, b in ranges:
        if start > pos:
            prose(pos, start - 1)
        code = b.code
        shown = take(code)
        if shown:
            err = error if (error and error.get("block") == i) else None
            if err and len(shown) < len(code) and isinstance(err.get("line"), int) \
                    and err["line"] > shown.count("\n") + 1:
                err = None  # the error line was cut off; the summary above still names it
            segs.append({
                "kind": "code", "lang": b.language or "text", "start": start,
                "end": start + shown.count("\n"), "main": i == getattr(ex, "main_index", None),
                "html": code_html(hl, shown, b.language, 1, err), "error": err is not None,
                "lines": code.count("\n") + 1, "index": i, "file": getattr(b, "filename", None) or "",
            })
        pos = max(pos, end + 1)
    if pos <= len(lines):
        prose(pos, len(lines))
    return segs, hidden[0]


# ---- details of each metric ----------------------------------------------------------------------
STATUS_WORDS = {
    "ok": "the program ran to its end without an exception",
    "crashed": "the program stopped with an uncaught exception",
    "syntax_error": "the program does not parse",
    "timeout": "the program did not finish within its time limit",
    "killed": "the sandbox killed the program",
    "no_code": "the response has no program to run",
    "missing_dependency": "not judged: the program needs a module the sandbox does not have",
    "missing_asset": "not judged: the program needs a file that is not there",
    "unsupported_language": "not judged: evalkit runs Python programs only",
    "error": "not judged: the sandbox failed to run the program",
    "needs_display": "not judged: needs a display (tkinter/turtle)",
}


def plain_reason(metric: str, value: Any, det: dict) -> str:
    """Why a score is what it is, in plain words: the scorer's own ``reason`` when it gave one,
    else (execution) a sentence from the recorded outcome. "" when there is nothing to say."""
    reason = det.get("reason")
    if isinstance(reason, str) and reason.strip():
        text = reason.strip()
    elif metric in ("runs_ok", "tests_pass") and isinstance(det.get("status"), str):
        status = det["status"]
        text = STATUS_WORDS.get(status, status.replace("_", " "))
        if status == "ok" and det.get("alive_at_end"):
            text = "the program was still running, without an exception, when its time budget ended"
        facts = []
        if det.get("exception_type"):
            facts.append(str(det["exception_type"]) + (f": {det['exception_message']}" if det.get("exception_message") else ""))
        if isinstance(det.get("lineno"), int):
            facts.append(f"{det['exception_file']}:{det['lineno']}" if det.get("exception_file")
                         else f"line {det['lineno']}")
        for key, what in (("killed_reason", "reason"), ("missing_module", "module"), ("missing_file", "file")):
            if det.get(key):
                facts.append(f"{what} {det[key]}")
        if metric == "tests_pass" and det.get("total"):
            text = f"{det.get('passed', 0)} of {det['total']} tests passed" + ("" if status == "ok" else f"; {text}")
        text += f" ({', '.join(str(f) for f in facts)})" if facts else ""
    elif metric == "tests_pass" and isinstance(det.get("tests"), list) and det.get("total"):
        text = f"{det.get('passed', 0)} of {det['total']} tests passed"
    else:
        return "not judged (no reason recorded)" if value is None and det else ""
    if value is None and not text.startswith("not judged"):
        text = "not judged: " + text
    return short(text, 400)


def _dict(v: Any) -> dict:
    return v if isinstance(v, dict) else {}


def _list(v: Any) -> list:
    return v if isinstance(v, list) else []


def metric_sections(scores: dict) -> list[dict]:
    """One section per scored metric; known shapes get a tailored view, anything else a generic one."""
    out = []
    for metric in C.order_metrics(scores):
        s = _dict(scores.get(metric))
        det = _dict(s.get("details"))
        v = s.get("value")
        sec = {"metric": metric, "label": label(metric), "value": fmt_value(metric, v),
               "cls": value_class(metric, v), "kind": "generic", "items": [], "extra": ""}
        try:
            sec["reason"] = plain_reason(metric, v, det)
        except Exception as exc:  # an odd details shape must not break the page
            sec["reason"] = f"[reason not readable: {type(exc).__name__}]"
        if v is None:
            sec["value"] = "not judged"
        try:
            if metric == "syntax_ok":
                err = _dict(det.get("error"))
                sec["kind"] = "syntax"
                if err:
                    what = f"{err['file']} (block {err.get('block', '?')})" if err.get("file") else \
                        f"block {err.get('block', '?')}"
                    sec["items"] = [f"{what}, line {err.get('line', '?')}, "
                                    f"column {err.get('column', '?')}: {short(err.get('message', ''), 300)}"]
                sec["extra"] = short(det.get("reason", ""), 300) if det.get("reason") else ""
            elif metric == "claim_consistency":
                sec["kind"] = "claims"
                for c in _list(det.get("claims")):
                    c = c if isinstance(c, dict) else {"text": c}
                    ev = evidence_lines(c.get("evidence"), 6)
                    verdict = str(c.get("verdict", "?"))
                    sec["items"].append({
                        "text": short(c.get("text", ""), 400), "kind": short(c.get("kind", ""), 40),
                        "verdict": verdict, "vcls": re.sub(r"[^a-z]", "", verdict.lower())[:20],
                        "evidence": ev, "reason": short(c.get("reason", ""), 400) if c.get("reason") else "",
                    })
                if not sec["items"]:
                    sec["extra"] = short(det.get("reason", "no checkable claims"), 300)
                counts: dict[str, int] = {}
                for c in sec["items"]:
                    counts[c["verdict"]] = counts.get(c["verdict"], 0) + 1
                sec["summary"] = " · ".join(f"{n} {v}" for v, n in sorted(counts.items()))
            elif metric == "feature_completeness":
                sec["kind"] = "features"
                for f in _list(det.get("features")):
                    f = _dict(f)
                    note = f.get("probe_detail") or f.get("reason") or ""
                    sec["items"].append({
                        "name": short(f.get("name") or f.get("id") or "?", 120), "found": bool(f.get("found")),
                        "contradicted": bool(f.get("contradicted")) and not f.get("found"),
                        "evidence": evidence_lines(f.get("evidence")) + evidence_lines(f.get("contra_evidence")),
                        "note": short(note, 240) if note else "",
                        "source": short(f.get("source", ""), 40) if f.get("source") else "",
                    })
                found = sum(1 for f in sec["items"] if f["found"])
                sec["summary"] = f"{found}/{len(sec['items'])} found"
            elif metric == "runs_ok":
                sec["kind"] = "exec"
                sec["items"] = exec_facts(det)
                sec["probes"] = probe_rows(det.get("probes"))
            elif metric == "tests_pass" and isinstance(det.get("tests"), list):
                sec["kind"] = "tests"
                for i, t in enumerate(det["tests"][:50]):
                    t = t if isinstance(t, dict) else {"passed": None, "message": t}
                    why = t.get("reason") if isinstance(t.get("reason"), str) and t.get("reason") else \
                        " ".join(str(x) for x in (t.get("exception_type"), t.get("message")) if x)
                    idx = t.get("index", i)
                    num = int(idx) + 1 if isinstance(idx, int) else i + 1
                    sec["items"].append({"name": f"test {num}", "ok": t.get("passed"), "why": short(why, 300)})
                sec["extra"] = f"{det.get('passed', '?')}/{det.get('total', len(det['tests']))} passed"
            elif det:
                sec["kind"] = "kv"
                sec["items"] = [{"key": str(k).replace("_", " "), "value": short(v, 300)}
                                for k, v in list(det.items())[:40] if v not in (None, "", [], {})]
        except Exception as exc:  # a shape we did not foresee must not break the page
            sec.update(kind="generic", items=[], extra=short(det, 1500) + f"  [view error: {type(exc).__name__}]")
        out.append(sec)
    return out


def evidence_lines(ev: Any, limit: int = 4) -> list[dict]:
    """Evidence as [{line, text}] whatever shape it came in (list of dicts, string, other)."""
    if ev in (None, "", [], {}):
        return []
    items = ev if isinstance(ev, list) else [ev]
    out = []
    for e in items[:limit]:
        if isinstance(e, dict):
            out.append({"line": e.get("line", "?"), "text": short(e.get("text", e.get("code", "")), 200),
                        "where": short(e["where"], 120) if e.get("where") else ""})  # file:line (multi-file)
        else:
            out.append({"line": "", "text": short(e, 200)})
    if len(items) > limit:
        out.append({"line": "", "text": f"… {len(items) - limit} more"})
    return out


EXEC_KEYS = ("status", "exit_code", "signal", "exception_type", "exception_message", "message", "lineno", "where",
             "entry", "files",
             "killed_reason", "missing_module", "missing_file", "duration", "duration_s", "virtual_time",
             "isolation", "timed_out")
OUTPUT_KEYS = ("screen", "traceback", "stdout", "stderr")  # screen: a terminal program's last screen


def exec_facts(det: dict) -> list[dict]:
    """Main facts first (shown), output blocks next, everything else flagged ``more`` (collapsed)."""
    facts = []
    for k in EXEC_KEYS:
        if det.get(k) not in (None, ""):
            facts.append({"key": k.replace("_", " "), "value": short(det[k], 400), "pre": False, "more": False})
    for k in OUTPUT_KEYS:
        if det.get(k):
            s = str(det[k])
            facts.append({"key": k, "value": s if len(s) <= OUTPUT_CAP else
                          s[:OUTPUT_CAP] + f"\n… ({len(s) - OUTPUT_CAP} more characters)", "pre": True, "more": False})
    for k, v in det.items():
        if k not in EXEC_KEYS and k not in OUTPUT_KEYS and k not in ("probes", "reason") and v not in (None, "", [], {}):
            facts.append({"key": str(k).replace("_", " "), "value": short(v, 300), "pre": False, "more": True})
    return facts


def probe_rows(probes: Any) -> list[dict]:
    """Probes as rows (name, ok?, detail) whether they come as a dict or a list."""
    items: list[tuple[str, Any]] = []
    if isinstance(probes, dict):
        items = list(probes.items())
    elif isinstance(probes, list):
        for i, p in enumerate(probes):
            name = p.get("name") or p.get("id") or f"probe {i + 1}" if isinstance(p, dict) else f"probe {i + 1}"
            items.append((str(name), p))
    rows = []
    for name, p in items[:30]:
        ok = None
        detail: Any = p
        if isinstance(p, dict):
            for key in ("ok", "passed", "pass", "aligned", "value", "result"):
                if isinstance(p.get(key), (bool, int, float)) and not isinstance(p.get(key), str):
                    ok = bool(p[key])
                    break
            words = p.get("detail") if isinstance(p.get("detail"), str) else p.get("reason")
            rest = {k: v for k, v in p.items() if k not in ("name", "id", "detail", "reason", "passed", "ok")}
            detail = words if isinstance(words, str) and words else rest
        elif isinstance(p, bool):
            ok, detail = p, ""
        rows.append({"name": short(name, 80), "ok": ok,
                     "detail": short(detail, 400) if detail not in ("", None, {}) else ""})
    return rows


# ---- SVG charts ---------------------------------------------------------------------------------
def bars_svg(title: str, values: list[tuple[str, float | None, str]], vmax: float, fmt) -> Markup:
    """Horizontal bars: [(model, value, colour)] on a 0..vmax axis."""
    w, left, bar_h, gap = 330, 118, 16, 6
    h = 22 + len(values) * (bar_h + gap)
    parts = [f'<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
             f'aria-label="{escape(title)}">',
             f'<text x="0" y="12" class="ct">{escape(title)}</text>']
    for i, (model, v, colour) in enumerate(values):
        y = 20 + i * (bar_h + gap)
        frac = 0.0 if v is None or vmax <= 0 else max(0.0, min(1.0, v / vmax))
        bw = (w - left - 44) * frac
        parts.append(f'<text x="0" y="{y + 12}" class="cl"><title>{escape(model)}</title>'
                     f'{escape(short_name(model))}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{w - left - 44}" height="{bar_h}" class="track"/>')
        parts.append(f'<rect x="{left}" y="{y}" width="{bw:.1f}" height="{bar_h}" fill="{colour}"/>')
        parts.append(f'<text x="{left + bw + 4:.1f}" y="{y + 12}" class="cv">{escape(fmt(v))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def rollup_svg(models: list[str], rolls: dict[str, dict], names: list[str], colours: dict[str, str]) -> Markup:
    """Grouped columns 0-10 per roll-up, one colour per model (the before/after picture)."""
    bw, h, top, base_y = 26, 190, 14, 150
    gw = max(150, bw * len(models) + 24)
    w = 40 + gw * len(names)
    parts = [f'<svg class="chart wide" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
             f'aria-label="roll-ups on 0-10">']
    for t in (0, 5, 10):
        y = base_y - (base_y - top) * t / 10
        parts.append(f'<line x1="30" x2="{w}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="24" y="{y + 4:.1f}" class="cl" text-anchor="end">{t}</text>')
    for gi, name in enumerate(names):
        x0 = 40 + gi * gw + (gw - bw * len(models)) / 2
        for mi, model in enumerate(models):
            v = rolls.get(model, {}).get(name)
            colour = colours[model]
            hh = 0 if v is None else (base_y - top) * max(0.0, min(10.0, v)) / 10
            x = x0 + mi * bw
            parts.append(f'<rect x="{x:.1f}" y="{base_y - hh:.1f}" width="{bw - 4}" height="{hh:.1f}" fill="{colour}"/>')
            parts.append(f'<text x="{x + (bw - 4) / 2:.1f}" y="{base_y - hh - 3:.1f}" class="cv" text-anchor="middle">'
                         f'{"n/a" if v is None else f"{v:.1f}"}</text>')
        lbl = rollup_label(name)
        parts.append(f'<text x="{40 + gi * gw + gw / 2:.1f}" y="{base_y + 16}" class="cl" text-anchor="middle">'
                     f'{escape(lbl[:24])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


# ---- the page -----------------------------------------------------------------------------------
def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    return env


def pygments_css() -> str:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="default").get_style_defs(".code")


def header_context(run: dict, run_id: str, order: list[str] | None = None) -> dict:
    created = run.get("created_at")
    try:
        date = datetime.fromtimestamp(float(created), tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError):
        date = str(created or "")
    models = []
    known = dict(run.get("models") or {})
    rank = {m: i for i, m in enumerate(order or [])}
    for alias, info in sorted(known.items(), key=lambda kv: rank.get(kv[0], len(rank))):
        info = _dict(scrub(info))
        models.append({
            "alias": alias, "provider": str(info.get("provider", "")), "model": str(info.get("model", "")),
            "base_url": safe_url(info.get("base_url")), "digest": str(info.get("digest") or ""),
            "params": short(info.get("params") or {}, 300), "from_run": str(info.get("from_run") or ""),
        })
    suites = []
    for name, s in (run.get("suites") or {}).items():
        s = _dict(s)
        suites.append({"name": name, "version": str(s.get("version", "")), "digest": str(s.get("digest", "")),
                       "tasks": s.get("tasks") if not isinstance(s.get("tasks"), list) else len(s["tasks"])})
    config = scrub(run.get("config") or {})
    return {"id": run_id, "date": date, "status": run.get("status", ""), "version": run.get("evalkit_version", ""),
            "sandbox": run.get("sandbox") or "not recorded", "models": models, "suites": suites,
            "config": short(config, 1200)}


def build_context(run: dict, run_id: str, rows: list[dict], cmp: Comparison | None,
                  models: list[str], demo: bool, board: Leaderboard | None = None) -> dict:
    colours = {m: model_colour(i) for i, m in enumerate(models)}
    mode = "solo" if cmp is None else ("pair" if len(models) <= 2 else "many")
    ctx: dict[str, Any] = {"run": header_context(run, run_id, models), "models": models, "colours": colours,
                           "demo": demo, "illustrative": ILLUSTRATIVE, "cmp": cmp, "mode": mode, "board": board}
    metrics = cmp.metrics if cmp else (board.metrics if board else
                                       C.order_metrics({m for r in rows for m in r.get("scores", {})}))
    ctx["metric_labels"] = {m: label(m) for m in metrics}
    ctx["baseline"] = cmp.baseline if cmp else None
    ctx["candidate"] = cmp.candidate if cmp else None
    if cmp:
        ctx.update(pair_context(cmp))
    if board is not None:
        ctx.update(board_context(board, colours, with_deltas=mode == "many"))
        names = list(next(iter(board.rollups.values()), {}))
        shown = models if mode != "pair" else [cmp.baseline, cmp.candidate]
        ctx["rollup_chart"] = rollup_svg(shown, board.rollups, names, colours) if names and models else None
        charts = []
        for m in board.main:
            vals = [(mod, _mean_of(board, mod, m), colours[mod]) for mod in models]
            vmax = 1.0 if m in C.UNIT_METRICS else max([v for _, v, _ in vals if v is not None] + [1e-9]) * 1.15
            charts.append(bars_svg(label(m), vals, vmax, lambda v, m=m: fmt_mean(m, v)))
        ctx["charts"] = charts
        ks = sorted({k for d in board.pass_at_k.values() for k in d})
        ctx["passk"] = {"ks": ks, "rows": [
            {"model": mod, "values": [("n/a" if k not in board.pass_at_k.get(mod, {}) else f"{board.pass_at_k[mod][k]:.3f}")
                                      for k in ks], "tasks": board.pass_at_k_tasks.get(mod, 0)}
            for mod in models if mod in board.pass_at_k]} if ks else None
    ctx.update(tasks_context(rows, cmp, models))
    ctx["rollup_boot"] = min(cmp.n_boot, C.ROLLUP_BOOT) if cmp else 0
    ctx["mean_boot"] = MEAN_BOOT
    ctx["max_slots"] = MAX_DETAILED_SLOTS * 2 // max(2, len(models))
    ctx["css_pygments"] = Markup(pygments_css())
    return ctx


def _mean_of(board: Leaderboard, model: str, metric: str) -> float | None:
    mm = board.mean(model, metric)
    return None if mm is None else mm.mean


def _ci(lo: float | None, hi: float | None, fmt) -> str:
    return "" if lo is None or hi is None else f"[{fmt(lo)}, {fmt(hi)}]"


def pair_context(cmp: Comparison) -> dict:
    """The baseline -> candidate tables: roll-ups with their change, every metric paired."""
    rrows = []
    for r in cmp.rollup_stats:
        sig = r.ci_low is not None and (r.ci_low > 0 or r.ci_high < 0)
        direction = "same" if r.delta is None or abs(r.delta) < 1e-9 else ("better" if r.delta > 0 else "worse")
        rrows.append({
            "label": rollup_label(r.name),
            "base": r.display_baseline or ("n/a" if r.baseline is None else f"{r.baseline:.1f}/10"),
            "cand": r.display_candidate or ("n/a" if r.candidate is None else f"{r.candidate:.1f}/10"),
            "score": "" if not r.display_baseline else
                     f"{'n/a' if r.baseline is None else f'{r.baseline:.1f}'} → "
                     f"{'n/a' if r.candidate is None else f'{r.candidate:.1f}'} /10",
            "change": r.display_change or fmt_delta(r.delta, 1),
            "change_note": f"{fmt_delta(r.delta, 1)} on 0–10" if r.display_change else "",
            "ci": "" if r.ci_low is None else f"[{fmt_delta(r.ci_low, 1)}, {fmt_delta(r.ci_high, 1)}]",
            "cls": delta_class(direction, sig),
        })
    mrows = []
    for m in cmp.metrics:
        s = cmp.metric_stats[m]

        def cnt(mean, count, n, m=m):
            return fmt_mean(m, mean) + (f" ({count}/{n})" if count is not None else f" (n={n})")
        mrows.append({
            "metric": m, "label": label(m), "base": cnt(s.baseline_mean, s.baseline_count, s.baseline_n),
            "cand": cnt(s.candidate_mean, s.candidate_count, s.candidate_n),
            "delta": fmt_delta(s.delta), "ci": "" if s.ci_low is None else
            f"[{fmt_delta(s.ci_low)}, {fmt_delta(s.ci_high)}]",
            "wtl": f"{s.wins} / {s.ties} / {s.losses}", "p": "" if s.mcnemar_p is None else f"{s.mcnemar_p:.3g}",
            "pairs": s.n_pairs, "cls": delta_class(s.direction, s.significant),
            "lower": not s.higher_is_better and s.direction != "info", "aux": not C.is_main(m),
            "info": s.direction == "info",
        })
    return {"rollup_rows": rrows, "metric_rows": mrows}


def board_context(board: Leaderboard, colours: dict[str, str], *, with_deltas: bool) -> dict:
    """Every model's means with intervals (one model: every metric; many: the main ones, with
    each candidate's paired change against the baseline)."""
    order = [board.baseline] + board.candidates if board.baseline in board.models else list(board.models)
    solo = []
    for m in board.metrics:
        mm = board.mean(order[0], m) if order else None
        if mm is None:
            continue
        solo.append({"metric": m, "label": label(m), "mean": fmt_mean(m, mm.mean),
                     "count": f"{mm.count}/{mm.n}" if mm.count is not None else f"n={mm.n}",
                     "ci": _ci(mm.ci_low, mm.ci_high, lambda v, m=m: fmt_mean(m, v)),
                     "aux": not C.is_main(m), "lower": not C.higher_is_better(m) and m not in C.INFORMATIONAL})
    names = list(next(iter(board.rollups.values()), {}))
    leader = []
    for mod in order:
        cells = []
        for m in board.main:
            mm = board.mean(mod, m)
            cell = {"mean": fmt_mean(m, None if mm is None else mm.mean),
                    "v": "" if mm is None or mm.mean is None else repr(mm.mean if C.higher_is_better(m) else -mm.mean),
                    "ci": "" if mm is None else _ci(mm.ci_low, mm.ci_high, lambda v, m=m: fmt_mean(m, v)),
                    "n": "" if mm is None else (f"{mm.count}/{mm.n}" if mm.count is not None else f"n={mm.n}"),
                    "delta": "", "dci": "", "cls": ""}
            s = board.deltas.get(mod, {}).get(m) if with_deltas else None
            if s is not None and s.delta is not None:
                cell.update(delta=f"Δ {fmt_delta(s.delta)}", cls=delta_class(s.direction, s.significant),
                            dci=_ci(s.ci_low, s.ci_high, fmt_delta))
            cells.append(cell)
        rolls = []
        for name in names:
            v, b = board.rollups.get(mod, {}).get(name), board.rollups.get(board.baseline, {}).get(name)
            d = None if mod == board.baseline or v is None or b is None else v - b
            rolls.append({"value": "n/a" if v is None else f"{v:.1f}", "delta": "" if d is None else fmt_delta(d, 1),
                          "cls": "" if d is None else ("same" if abs(d) < 1e-9 else "better" if d > 0 else "worse")})
        leader.append({"model": mod, "colour": colours.get(mod, "#888"), "base": mod == board.baseline,
                       "cells": cells, "rollups": rolls})
    return {"solo_metrics": solo, "leader": leader, "leader_cols": [label(m) for m in board.main],
            "rollup_cols": [rollup_label(n) for n in names]}


def tasks_context(rows: list[dict], cmp: Comparison | None, models: list[str]) -> dict:
    """Per task: each model's means (with the change against the baseline), every sample in a
    table, and each sample's responses side by side, two models at a time."""
    n = max(1, sum(1 for r in rows if not r.get("slim")))
    cap = max(PER_RESPONSE_MIN, min(PER_RESPONSE_MAX, TEXT_BUDGET // n))
    hl = Highlighter()
    by_task: dict[tuple[str, str], dict[int, dict[str, dict]]] = {}
    values: dict[tuple, list[float]] = {}
    for r in rows:
        key = (r.get("suite") or "", r["task_id"])
        by_task.setdefault(key, {}).setdefault(int(r["sample"]), {})[r["model"]] = r
        for m, sc in (r.get("scores") or {}).items():
            v = _dict(sc).get("value")
            if isinstance(v, (int, float)) and not (isinstance(v, float) and math.isnan(v)):
                values.setdefault((*key, r["model"], m), []).append(float(v))
    index = {m: i for i, m in enumerate(models)}
    baseline = cmp.baseline if cmp else (models[0] if models else None)
    pair = (cmp.baseline, cmp.candidate) if cmp else ((models[0],) if models else ())
    tasks = []
    for (suite, task_id), samples in sorted(by_task.items()):
        all_metrics = C.order_metrics({m for s in samples.values() for r in s.values() for m in r.get("scores", {})})
        tmetrics = [m for m in all_metrics if C.is_main(m)] or all_metrics

        def tmean(model: str, m: str) -> float | None:
            vs = values.get((suite, task_id, model, m))
            return sum(vs) / len(vs) if vs else None
        means = []
        for mod in models:
            cells = []
            for m in tmetrics:
                v, b = tmean(mod, m), tmean(baseline, m) if cmp else None
                cell = {"text": fmt_mean(m, v), "cls": value_class(m, v) if m in C.UNIT_METRICS else "",
                        "delta": "", "dcls": ""}
                if cmp is not None and mod != baseline and v is not None and b is not None:
                    diff = (v - b) if C.higher_is_better(m) else (b - v)
                    cell["delta"] = fmt_delta(v - b)
                    cell["dcls"] = "same" if abs(diff) < 1e-9 or m in C.INFORMATIONAL else \
                        ("better" if diff > 0 else "worse")
                cells.append(cell)
            means.append({"model": mod, "base": cmp is not None and mod == baseline, "cells": cells})
        srows, pairs = [], []
        omitted = 0
        for sample in sorted(samples):
            slot = samples[sample]
            shown = not any(r.get("slim") for r in slot.values())
            omitted += not shown
            panels = []
            for mod in models:
                r = slot.get(mod)
                common = {"model": mod, "mi": index[mod], "side": _side(mod, pair)}
                if r is None:
                    srows.append({"sample": sample, "model": mod, "cells": [{"text": "—", "cls": "na"} for _ in tmetrics]})
                    panels.append({**common, "missing": True, "sig": "missing"})
                    continue
                sc = r.get("scores") or {}
                srows.append({"sample": sample, "model": mod, "cells": [
                    {"text": fmt_value(m, _dict(sc.get(m)).get("value")),
                     "cls": value_class(m, _dict(sc.get(m)).get("value"))} for m in tmetrics]})
                if not shown:
                    continue
                segs, hidden = response_segments(
                    hl, r.get("text") or "", r.get("thinking"), r.get("language"),
                    _dict(_dict(sc.get("syntax_ok")).get("details")), cap)
                sections = metric_sections(sc)
                panels.append({
                    **common, "missing": False, "error": short(r.get("error"), 600) if r.get("error") else "",
                    "sig": "|".join(fmt_value(m, _dict(sc.get(m)).get("value")) for m in tmetrics),
                    "sections": [x for x in sections if C.is_main(x["metric"]) or x["extra"]],
                    "chips": [x for x in sections if C.is_main(x["metric"])],
                    "reasons": [x for x in sections if x.get("reason") and (C.is_main(x["metric"]) or
                                                                          _dict(sc.get(x["metric"])).get("value") is None)],
                    "other": " · ".join(f"{label(m)} {fmt_value(m, _dict(sc.get(m)).get('value'))}"
                                        for m in C.order_metrics(sc) if not C.is_main(m)),
                    "segments": segs, "hidden": hidden, "meta": _gen_meta(r),
                    "from_run": str(r.get("from_run") or ""),
                })
            if shown:
                sigs = {p["model"]: p["sig"] for p in panels}
                differs = len(pair) == 2 and sigs.get(pair[0]) != sigs.get(pair[1])
                pairs.append({"sample": sample, "differs": differs, "panels": panels})
        tasks.append({"suite": suite, "id": task_id, "anchor": re.sub(r"[^A-Za-z0-9_-]", "-", f"task-{suite}-{task_id}"),
                      "metrics": [label(m) for m in tmetrics], "means": means, "rows": srows, "pairs": pairs,
                      "omitted": omitted})
    return {"tasks": tasks, "cap": cap, "pair_index": [index[m] for m in pair if m in index]}


def _side(model: str, pair: tuple) -> str:
    """Which side of the side-by-side view a model starts on ("" = hidden until chosen)."""
    if pair and model == pair[0]:
        return "left"
    if len(pair) > 1 and model == pair[1]:
        return "right"
    return ""


def _gen_meta(r: dict) -> str:
    bits = []
    if r.get("latency_s") is not None:
        bits.append(f"{r['latency_s']:.1f} s")
    if r.get("completion_tokens") is not None:
        bits.append(f"{r['completion_tokens']} tokens")
    if r.get("finish_reason") and r.get("finish_reason") != "stop":
        bits.append(f"finish: {r['finish_reason']}")
    return " · ".join(bits)


def detailed_slots(df, cmp: Comparison | None, limit: int | None = None) -> set[tuple] | None:
    """The (suite, task_id, sample) slots the page shows side by side, or None for all of them.

    A large run gets an equal share per task, slots where baseline and candidate score
    differently first: they are the ones a reader opens. The rest stay in the per-task tables."""
    if limit is None:
        # each slot holds every model's response: past two models, fewer slots keep the page's size
        limit = MAX_DETAILED_SLOTS * 2 // max(2, df["model"].nunique())
    slots = df[["suite", "task_id", "sample"]].drop_duplicates()
    if len(slots) <= limit:
        return None
    main = df[df["metric"].map(C.is_main)]
    differs: set[tuple] = set()
    if cmp is not None:
        wide = main[main.model.isin([cmp.baseline, cmp.candidate])].pivot_table(
            index=["suite", "task_id", "sample", "metric"], columns="model", values="value", aggfunc="first")
        if cmp.baseline in wide and cmp.candidate in wide:
            diff = wide[cmp.baseline].fillna(-1) != wide[cmp.candidate].fillna(-1)
            differs = {k[:3] for k in diff[diff].index}
    keys = sorted(map(tuple, slots.itertuples(index=False)))
    per_task: dict[tuple, list[tuple]] = {}
    for k in keys:
        per_task.setdefault(k[:2], []).append(k)
    share = max(1, limit // len(per_task))
    chosen: set[tuple] = set()
    for task_slots in per_task.values():
        task_slots.sort(key=lambda k: (k not in differs, k[2]))
        chosen.update(task_slots[:share])
    return chosen


def slim(row: dict) -> dict:
    """A response reduced to what the per-task tables show (no text, no evidence details)."""
    return {**row, "text": "", "thinking": None, "slim": True,
            "scores": {m: {"value": _dict(s).get("value")} for m, s in (row.get("scores") or {}).items()}}


def render_html(run: dict, run_id: str, rows: list[dict], cmp: Comparison | None, models: list[str],
                demo: bool = False, board: Leaderboard | None = None) -> str:
    ctx = build_context(run, run_id, rows, cmp, models, demo, board)
    script = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    # CSP allows exactly this script: even a markup injection could not run code
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    ctx.update(script=Markup(script), script_hash=f"sha256-{digest}")
    return _env().get_template("report.html.j2").render(**ctx)
