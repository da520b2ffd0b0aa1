"""Everything the page template reads, built in named steps: the header, the pair's tables, the
leaderboard, the charts, the tasks. Each step returns its own part of the context."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from markupsafe import Markup

from .. import compare as C
from ..compare import Comparison
from ..leaderboard import MEAN_BOOT, Leaderboard
from .charts import bars_svg, rollup_svg
from .code_view import pygments_css
from .format import (ILLUSTRATIVE, delta_class, fmt_ci, fmt_delta, fmt_mean, fmt_mean_count, label,
                     model_colour, rollup_label, rollup_row, safe_url, scrub, short)
from .tasks import max_slots, tasks_context


def _dict(v: Any) -> dict:
    return v if isinstance(v, dict) else {}


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


def pair_context(cmp: Comparison) -> dict:
    """The baseline -> candidate tables: roll-ups with their change, every metric paired."""
    rrows = []
    for r in map(rollup_row, cmp.rollup_stats):
        rrows.append({"label": r.label, "base": r.base, "cand": r.cand, "score": r.score,
                      "change": r.display_change or r.delta,
                      "change_note": f"{r.delta} on 0–10" if r.display_change else "",
                      "ci": r.ci, "cls": delta_class(r.direction, r.significant)})
    mrows = []
    for m in cmp.metrics:
        s = cmp.metric_stats[m]
        mrows.append({
            "metric": m, "label": label(m),
            "base": fmt_mean_count(m, s.baseline_mean, s.baseline_count, s.baseline_n),
            "cand": fmt_mean_count(m, s.candidate_mean, s.candidate_count, s.candidate_n),
            "delta": fmt_delta(s.delta), "ci": fmt_ci(s.ci_low, s.ci_high, fmt_delta),
            "wtl": f"{s.wins} / {s.ties} / {s.losses}", "p": "" if s.mcnemar_p is None else f"{s.mcnemar_p:.3g}",
            "pairs": s.n_pairs, "cls": delta_class(s.direction, s.significant),
            "lower": not s.higher_is_better and s.direction != "info", "aux": not C.is_main(m),
            "info": s.direction == "info",
        })
    return {"rollup_rows": rrows, "metric_rows": mrows}


def _count(mm) -> str:
    return f"{mm.count}/{mm.n}" if mm.count is not None else f"n={mm.n}"


def _leader_cells(board: Leaderboard, mod: str, with_deltas: bool) -> list[dict]:
    """One model's row of the leaderboard: per main metric its mean, interval and paired change."""
    cells = []
    for m in board.main:
        mm = board.mean(mod, m)
        cell = {"mean": fmt_mean(m, None if mm is None else mm.mean),
                "v": "" if mm is None or mm.mean is None else repr(mm.mean if C.higher_is_better(m) else -mm.mean),
                "ci": "" if mm is None else fmt_ci(mm.ci_low, mm.ci_high, lambda v, m=m: fmt_mean(m, v)),
                "n": "" if mm is None else _count(mm), "delta": "", "dci": "", "cls": ""}
        s = board.deltas.get(mod, {}).get(m) if with_deltas else None
        if s is not None and s.delta is not None:
            cell.update(delta=f"Δ {fmt_delta(s.delta)}", cls=delta_class(s.direction, s.significant),
                        dci=fmt_ci(s.ci_low, s.ci_high, fmt_delta))
        cells.append(cell)
    return cells


def _leader_rollups(board: Leaderboard, mod: str, names: list[str]) -> list[dict]:
    rolls = []
    for name in names:
        v, b = board.rollups.get(mod, {}).get(name), board.rollups.get(board.baseline, {}).get(name)
        d = None if mod == board.baseline or v is None or b is None else v - b
        rolls.append({"value": "n/a" if v is None else f"{v:.1f}", "delta": "" if d is None else fmt_delta(d, 1),
                      "cls": "" if d is None else ("same" if abs(d) < 1e-9 else "better" if d > 0 else "worse")})
    return rolls


def board_context(board: Leaderboard, colours: dict[str, str], *, with_deltas: bool) -> dict:
    """Every model's means with intervals (one model: every metric; many: the main ones, with
    each candidate's paired change against the baseline)."""
    order = [board.baseline] + board.candidates if board.baseline in board.models else list(board.models)
    solo = []
    for m in board.metrics:
        mm = board.mean(order[0], m) if order else None
        if mm is None:
            continue
        solo.append({"metric": m, "label": label(m), "mean": fmt_mean(m, mm.mean), "count": _count(mm),
                     "ci": fmt_ci(mm.ci_low, mm.ci_high, lambda v, m=m: fmt_mean(m, v)),
                     "aux": not C.is_main(m), "lower": not C.higher_is_better(m) and m not in C.INFORMATIONAL})
    names = list(next(iter(board.rollups.values()), {}))
    leader = [{"model": mod, "colour": colours.get(mod, "#888"), "base": mod == board.baseline,
               "cells": _leader_cells(board, mod, with_deltas), "rollups": _leader_rollups(board, mod, names)}
              for mod in order]
    return {"solo_metrics": solo, "leader": leader, "leader_cols": [label(m) for m in board.main],
            "rollup_cols": [rollup_label(n) for n in names]}


def _mean_of(board: Leaderboard, model: str, metric: str) -> float | None:
    mm = board.mean(model, metric)
    return None if mm is None else mm.mean


def charts_context(board: Leaderboard, models: list[str], shown: list[str], colours: dict[str, str]) -> dict:
    """The roll-up columns, a bar chart per main metric, pass@k per model."""
    names = list(next(iter(board.rollups.values()), {}))
    charts = []
    for m in board.main:
        vals = [(mod, _mean_of(board, mod, m), colours[mod]) for mod in models]
        vmax = 1.0 if m in C.UNIT_METRICS else max([v for _, v, _ in vals if v is not None] + [1e-9]) * 1.15
        charts.append(bars_svg(label(m), vals, vmax, lambda v, m=m: fmt_mean(m, v)))
    ks = sorted({k for d in board.pass_at_k.values() for k in d})
    passk = {"ks": ks, "rows": [
        {"model": mod, "values": [("n/a" if k not in board.pass_at_k.get(mod, {}) else f"{board.pass_at_k[mod][k]:.3f}")
                                  for k in ks], "tasks": board.pass_at_k_tasks.get(mod, 0)}
        for mod in models if mod in board.pass_at_k]} if ks else None
    return {"rollup_chart": rollup_svg(shown, board.rollups, names, colours) if names and models else None,
            "charts": charts, "passk": passk}


def power_context(power: dict | None) -> list[dict]:
    """The smallest change each main metric could show (evalkit/power.py), a row per metric."""
    rows = []
    for m, e in (power or {}).items():
        words = e.sentence(label(m))
        rows.append({"metric": m, "label": label(m), "pairs": e.n_pairs, "mde": e.amount(),
                     "words": words[:1].upper() + words[1:]})
    return rows


def build_context(run: dict, run_id: str, rows: list[dict], cmp: Comparison | None,
                  models: list[str], demo: bool, board: Leaderboard | None = None,
                  power: dict | None = None) -> dict:
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
    ctx["power"] = power_context(power)
    if board is not None:
        ctx.update(board_context(board, colours, with_deltas=mode == "many"))
        ctx.update(charts_context(board, models, models if mode != "pair" else [cmp.baseline, cmp.candidate],
                                  colours))
    ctx.update(tasks_context(rows, cmp, models))
    ctx["rollup_boot"] = min(cmp.n_boot, C.ROLLUP_BOOT) if cmp else 0
    ctx["mean_boot"] = MEAN_BOOT
    ctx["max_slots"] = max_slots(len(models))
    ctx["css_pygments"] = Markup(pygments_css())
    return ctx
