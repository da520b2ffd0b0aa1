"""Each metric's details under a response: the reason in plain words, and a view tailored to the
known shapes (syntax error, claims, features, execution, tests); anything else a generic list.

Details come from scorers and, through them, from model output: every text here is capped and
reaches the page through autoescape. An odd shape never breaks the page (a generic view instead).
"""

from __future__ import annotations

import re
from typing import Any, Callable

from .. import compare as C
from .format import fmt_value, label, short, value_class

OUTPUT_CAP = 2_000               # stdout / stderr / messages shown inline
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
# code_prose_ratio details keys that are for the page's code view, not facts to list
_SPAN_KEYS = ("blocks", "main_block")


def _dict(v: Any) -> dict:
    return v if isinstance(v, dict) else {}


def _list(v: Any) -> list:
    return v if isinstance(v, list) else []


# ---- the reason ---------------------------------------------------------------------------------
def _outcome_sentence(metric: str, det: dict) -> str:
    """runs_ok / tests_pass without a reason of their own: a sentence from the recorded outcome."""
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
    return text + (f" ({', '.join(str(f) for f in facts)})" if facts else "")


def plain_reason(metric: str, value: Any, det: dict) -> str:
    """Why a score is what it is, in plain words: the scorer's own ``reason`` when it gave one,
    else (execution) a sentence from the recorded outcome. "" when there is nothing to say."""
    reason = det.get("reason")
    if isinstance(reason, str) and reason.strip():
        text = reason.strip()
    elif metric in ("runs_ok", "tests_pass") and isinstance(det.get("status"), str):
        text = _outcome_sentence(metric, det)
    elif metric == "tests_pass" and isinstance(det.get("tests"), list) and det.get("total"):
        text = f"{det.get('passed', 0)} of {det['total']} tests passed"
    else:
        return "not judged (no reason recorded)" if value is None and det else ""
    if value is None and not text.startswith("not judged"):
        text = "not judged: " + text
    return short(text, 400)


# ---- one view per known shape -------------------------------------------------------------------
def _syntax(sec: dict, det: dict) -> None:
    err = _dict(det.get("error"))
    sec["kind"] = "syntax"
    if err:
        what = f"{err['file']} (block {err.get('block', '?')})" if err.get("file") else \
            f"block {err.get('block', '?')}"
        sec["items"] = [f"{what}, line {err.get('line', '?')}, "
                        f"column {err.get('column', '?')}: {short(err.get('message', ''), 300)}"]
    sec["extra"] = short(det.get("reason", ""), 300) if det.get("reason") else ""


def _claims(sec: dict, det: dict) -> None:
    sec["kind"] = "claims"
    for c in _list(det.get("claims")):
        c = c if isinstance(c, dict) else {"text": c}
        verdict = str(c.get("verdict", "?"))
        sec["items"].append({
            "text": short(c.get("text", ""), 400), "kind": short(c.get("kind", ""), 40),
            "verdict": verdict, "vcls": re.sub(r"[^a-z]", "", verdict.lower())[:20],
            "evidence": evidence_lines(c.get("evidence"), 6),
            "reason": short(c.get("reason", ""), 400) if c.get("reason") else "",
        })
    if not sec["items"]:
        sec["extra"] = short(det.get("reason", "no checkable claims"), 300)
    counts: dict[str, int] = {}
    for c in sec["items"]:
        counts[c["verdict"]] = counts.get(c["verdict"], 0) + 1
    sec["summary"] = " · ".join(f"{n} {v}" for v, n in sorted(counts.items()))


def _features(sec: dict, det: dict) -> None:
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


def _execution(sec: dict, det: dict) -> None:
    sec["kind"] = "exec"
    sec["items"] = exec_facts(det)
    sec["probes"] = probe_rows(det.get("probes"))


def _tests(sec: dict, det: dict) -> None:
    sec["kind"] = "tests"
    for i, t in enumerate(det["tests"][:50]):
        t = t if isinstance(t, dict) else {"passed": None, "message": t}
        why = t.get("reason") if isinstance(t.get("reason"), str) and t.get("reason") else \
            " ".join(str(x) for x in (t.get("exception_type"), t.get("message")) if x)
        idx = t.get("index", i)
        num = int(idx) + 1 if isinstance(idx, int) else i + 1
        name = t["id"] if isinstance(t.get("id"), str) else f"test {num}"  # a black-box case has an id
        sec["items"].append({"name": name, "ok": t.get("passed"), "why": short(why, 300)})
    sec["extra"] = f"{det.get('passed', '?')}/{det.get('total', len(det['tests']))} passed"


def _key_values(sec: dict, det: dict) -> None:
    sec["kind"] = "kv"
    sec["items"] = [{"key": str(k).replace("_", " "), "value": short(v, 300)}
                    for k, v in list(det.items())[:40] if v not in (None, "", [], {})]


def _view(metric: str, det: dict) -> Callable[[dict, dict], None] | None:
    if metric == "syntax_ok":
        return _syntax
    if metric == "claim_consistency":
        return _claims
    if metric == "feature_completeness":
        return _features
    if metric == "runs_ok":
        return _execution
    if metric == "tests_pass" and isinstance(det.get("tests"), list):
        return _tests
    return _key_values if det else None


def metric_sections(scores: dict) -> list[dict]:
    """One section per scored metric; known shapes get a tailored view, anything else a generic one."""
    out = []
    for metric in C.order_metrics(scores):
        s = _dict(scores.get(metric))
        det = _dict(s.get("details"))
        if metric == "code_prose_ratio":
            det = {k: v for k, v in det.items() if k not in _SPAN_KEYS}  # shown as the code blocks themselves
        v = s.get("value")
        sec = {"metric": metric, "label": label(metric), "value": fmt_value(metric, v),
               "cls": value_class(metric, v), "kind": "generic", "items": [], "extra": ""}
        try:
            sec["reason"] = plain_reason(metric, v, det)
        except Exception as exc:  # an odd details shape must not break the page
            sec["reason"] = f"[reason not readable: {type(exc).__name__}]"
        if v is None:
            sec["value"] = "not judged"
        view = _view(metric, det)
        try:
            if view is not None:
                view(sec, det)
        except Exception as exc:  # a shape we did not foresee must not break the page
            sec.update(kind="generic", items=[], extra=short(det, 1500) + f"  [view error: {type(exc).__name__}]")
        out.append(sec)
    return out


# ---- evidence, execution facts, probes -----------------------------------------------------------
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
