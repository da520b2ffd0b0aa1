"""How a number, a metric name or a roll-up row reads: one home for index.html, summary.md and the
terminal table, so the three never disagree on a label, a sign or a rounding."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit, urlunsplit

from .. import compare as C
from ..scorers import registry

SECRET_KEY = re.compile(r"key|token|secret|password|authorization|credential", re.I)
# ten colours told apart at a glance (baseline grey); more models continue round the hue circle
MODEL_COLOURS = ["#8791a5", "#2563eb", "#d97706", "#059669", "#9333ea",
                 "#dc2626", "#0891b2", "#65a30d", "#db2777", "#854d0e"]
ILLUSTRATIVE = ("These are illustrative responses written for the evalkit demo, "
                "not outputs of real models.")

# Metric labels are declared with the metrics (scorers/registry.py), roll-up labels with the roll-ups.


def model_colour(i: int) -> str:
    if i < len(MODEL_COLOURS):
        return MODEL_COLOURS[i]
    return f"hsl({(i * 137.5) % 360:.0f}, 65%, 42%)"


def short_name(name: str, limit: int = 16) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def label(name: str) -> str:
    rollups = C.rollup_labels()
    return rollups[name] if name in rollups and not registry.is_known(name) else registry.label(name)


def rollup_label(name: str) -> str:
    known = C.rollup_labels()
    if name in known:
        return known[name]
    return registry.label(name) if registry.is_known(name) else name.replace("_", " ").capitalize()


# ---- values -------------------------------------------------------------------------------------
def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def fmt_value(metric: str, v: Any) -> str:
    """One response's score."""
    if _missing(v):
        return "n/a"
    if registry.metric(metric).format == "ratio":
        return C.format_ratio(float(v))
    if metric in C.BINARY_METRICS:
        return "pass" if v >= 1 else "fail"
    if metric in C.UNIT_METRICS:
        return f"{v:.2f}"
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def fmt_mean(metric: str, v: float | None) -> str:
    """A mean over responses."""
    if _missing(v):
        return "n/a"
    if registry.metric(metric).format == "ratio":
        return C.format_ratio(v)
    if metric in C.UNIT_METRICS:
        return f"{v:.2f}"
    return f"{v:.3g}"


def fmt_mean_count(metric: str, mean: float | None, count: int | None, n: int) -> str:
    """A mean with what it rests on: "0.80 (4/5)" for pass/fail metrics, "0.62 (n=5)" otherwise."""
    return fmt_mean(metric, mean) + (f" ({count}/{n})" if count is not None else f" (n={n})")


def fmt_delta(v: float | None, digits: int = 2) -> str:
    if v is None:
        return "n/a"
    return f"{v:+.{digits}f}".replace("-", "−")


def fmt_ci(lo: float | None, hi: float | None, fmt: Callable[[float], str]) -> str:
    """"[lo, hi]", or "" when there is no interval."""
    return "" if lo is None or hi is None else f"[{fmt(lo)}, {fmt(hi)}]"


def delta_class(direction: str, significant: bool) -> str:
    if direction in ("same", "info"):
        return "same"
    return f"{direction}{'-sig' if significant else ''}"


def value_class(metric: str, v: Any) -> str:
    if _missing(v):
        return "na"
    if metric in C.UNIT_METRICS:
        good = v >= 0.999 if metric not in C.LOWER_IS_BETTER else v <= 0.001
        bad = v <= 0.001 if metric not in C.LOWER_IS_BETTER else v >= 0.999
        return "good" if good else "bad" if bad else "mid"
    return ""


# ---- the roll-up row (summary table in every format) ---------------------------------------------
@dataclass(frozen=True)
class RollupRow:
    label: str
    base: str            # "7.5/10", or the roll-up's own display ("3.2:1")
    cand: str
    delta: str           # the change on 0-10, signed ("+1.5")
    display_change: str  # the roll-up's own words for the change ("×5.0"), "" when it has none
    score: str           # "3.0 → 8.0 /10" beside an own display, else ""
    ci: str              # "[−0.3, +1.2]" on 0-10, "" without an interval
    direction: str       # better / worse / same
    significant: bool    # the interval excludes 0


def _tenths(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1f}"


def rollup_row(r: C.RollupComparison) -> RollupRow:
    sig = r.ci_low is not None and (r.ci_low > 0 or r.ci_high < 0)
    direction = "same" if r.delta is None or abs(r.delta) < 1e-9 else ("better" if r.delta > 0 else "worse")
    return RollupRow(
        label=rollup_label(r.name),
        base=r.display_baseline or ("n/a" if r.baseline is None else f"{r.baseline:.1f}/10"),
        cand=r.display_candidate or ("n/a" if r.candidate is None else f"{r.candidate:.1f}/10"),
        delta=fmt_delta(r.delta, 1), display_change=r.display_change or "",
        score="" if not r.display_baseline else f"{_tenths(r.baseline)} → {_tenths(r.candidate)} /10",
        ci=fmt_ci(r.ci_low, r.ci_high, lambda v: fmt_delta(v, 1)), direction=direction, significant=sig)


# ---- text from outside --------------------------------------------------------------------------
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
