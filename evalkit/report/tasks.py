"""The page's tasks section: per task each model's means, every sample in a table, and each
sample's responses side by side, two models at a time.

Large runs stay fast and small: each response shows at most a share of ``TEXT_BUDGET`` characters
(the full text is in results.json), and past ``MAX_DETAILED_SLOTS`` only some samples per task are
shown side by side (``detailed_slots``); the rest keep their row in the tables (``slim``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from .. import compare as C
from ..compare import Comparison
from .code_view import SPAN_METRIC, Highlighter, response_segments
from .evidence import metric_sections
from .format import fmt_delta, fmt_mean, fmt_value, label, short, value_class

TEXT_BUDGET = 4_000_000          # characters of response text across the whole page
PER_RESPONSE_MIN = 1_500
PER_RESPONSE_MAX = 150_000
MAX_DETAILED_SLOTS = 1_000       # slots side by side for two models (fewer for more); the rest only in the tables


def _dict(v: Any) -> dict:
    return v if isinstance(v, dict) else {}


def max_slots(n_models: int) -> int:
    # each slot holds every model's response: past two models, fewer slots keep the page's size
    return MAX_DETAILED_SLOTS * 2 // max(2, n_models)


@dataclass
class _Page:
    """What every task's view needs: the models, the pair shown side by side, the text cap."""

    models: list[str]
    index: dict[str, int]
    cmp: Comparison | None
    baseline: str | None
    pair: tuple
    cap: int
    hl: Highlighter


def _group(rows: list[dict]) -> tuple[dict, dict]:
    """(suite, task) -> sample -> model -> row, and (suite, task, model, metric) -> values."""
    by_task: dict[tuple[str, str], dict[int, dict[str, dict]]] = {}
    values: dict[tuple, list[float]] = {}
    for r in rows:
        key = (r.get("suite") or "", r["task_id"])
        by_task.setdefault(key, {}).setdefault(int(r["sample"]), {})[r["model"]] = r
        for m, sc in (r.get("scores") or {}).items():
            v = _dict(sc).get("value")
            if isinstance(v, (int, float)) and not (isinstance(v, float) and math.isnan(v)):
                values.setdefault((*key, r["model"], m), []).append(float(v))
    return by_task, values


def _means(page: _Page, tmetrics: list[str], values: dict, key: tuple) -> list[dict]:
    """A row per model: its mean per main metric, with the change against the baseline."""
    def tmean(model: str, m: str) -> float | None:
        vs = values.get((*key, model, m))
        return sum(vs) / len(vs) if vs else None

    cmp, baseline = page.cmp, page.baseline
    means = []
    for mod in page.models:
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
    return means


def _panel(page: _Page, r: dict, tmetrics: list[str], common: dict) -> dict:
    """One response as shown side by side: chips, reasons, text with code, each metric's details."""
    sc = r.get("scores") or {}
    segs, hidden = response_segments(
        page.hl, r.get("text") or "", r.get("thinking"), r.get("language"),
        _dict(_dict(sc.get("syntax_ok")).get("details")), page.cap,
        _dict(_dict(sc.get(SPAN_METRIC)).get("details")))
    sections = metric_sections(sc)
    return {
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
    }


def _samples(page: _Page, samples: dict[int, dict[str, dict]], tmetrics: list[str]) -> tuple[list, list, int]:
    """(a table row per sample and model, the side-by-side pairs, samples left to the table only)."""
    srows, pairs = [], []
    omitted = 0
    for sample in sorted(samples):
        slot = samples[sample]
        shown = not any(r.get("slim") for r in slot.values())
        omitted += not shown
        panels = []
        for mod in page.models:
            r = slot.get(mod)
            common = {"model": mod, "mi": page.index[mod], "side": _side(mod, page.pair)}
            if r is None:
                srows.append({"sample": sample, "model": mod, "cells": [{"text": "—", "cls": "na"} for _ in tmetrics]})
                panels.append({**common, "missing": True, "sig": "missing"})
                continue
            sc = r.get("scores") or {}
            srows.append({"sample": sample, "model": mod, "cells": [
                {"text": fmt_value(m, _dict(sc.get(m)).get("value")),
                 "cls": value_class(m, _dict(sc.get(m)).get("value"))} for m in tmetrics]})
            if shown:
                panels.append(_panel(page, r, tmetrics, common))
        if shown:
            sigs = {p["model"]: p["sig"] for p in panels}
            differs = len(page.pair) == 2 and sigs.get(page.pair[0]) != sigs.get(page.pair[1])
            pairs.append({"sample": sample, "differs": differs, "panels": panels})
    return srows, pairs, omitted


def tasks_context(rows: list[dict], cmp: Comparison | None, models: list[str]) -> dict:
    """Per task: each model's means (with the change against the baseline), every sample in a
    table, and each sample's responses side by side, two models at a time."""
    n = max(1, sum(1 for r in rows if not r.get("slim")))
    page = _Page(models=models, index={m: i for i, m in enumerate(models)}, cmp=cmp,
                 baseline=cmp.baseline if cmp else (models[0] if models else None),
                 pair=(cmp.baseline, cmp.candidate) if cmp else ((models[0],) if models else ()),
                 cap=max(PER_RESPONSE_MIN, min(PER_RESPONSE_MAX, TEXT_BUDGET // n)), hl=Highlighter())
    by_task, values = _group(rows)
    tasks = []
    for (suite, task_id), samples in sorted(by_task.items()):
        all_metrics = C.order_metrics({m for s in samples.values() for r in s.values() for m in r.get("scores", {})})
        tmetrics = [m for m in all_metrics if C.is_main(m)] or all_metrics
        srows, pairs, omitted = _samples(page, samples, tmetrics)
        tasks.append({"suite": suite, "id": task_id, "anchor": re.sub(r"[^A-Za-z0-9_-]", "-", f"task-{suite}-{task_id}"),
                      "metrics": [label(m) for m in tmetrics], "means": _means(page, tmetrics, values, (suite, task_id)),
                      "rows": srows, "pairs": pairs, "omitted": omitted})
    return {"tasks": tasks, "cap": page.cap, "pair_index": [page.index[m] for m in page.pair if m in page.index]}


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


# ---- large runs ---------------------------------------------------------------------------------
def detailed_slots(df, cmp: Comparison | None, limit: int | None = None) -> set[tuple] | None:
    """The (suite, task_id, sample) slots the page shows side by side, or None for all of them.

    A large run gets an equal share per task, slots where baseline and candidate score
    differently first: they are the ones a reader opens. The rest stay in the per-task tables."""
    if limit is None:
        limit = max_slots(df["model"].nunique())
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
