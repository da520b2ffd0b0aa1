"""Reports for a run: index.html, summary.md, results.json, scores.csv.

``write_reports`` is the one entry point (the CLI and the pipeline call it). Every file is written
from the same comparison, so the numbers agree across formats.
"""

from __future__ import annotations

import csv
import json
import math
import os
from pathlib import Path

from .. import compare as C
from ..errors import EvalkitError
from ..store import Store

GENERATION_METRICS = ("latency_s", "completion_tokens")
RESULTS_FORMAT = "evalkit-results/1"


def load_run(store: Store, run_id: str) -> tuple[dict, list[dict], list[str]]:
    run = store.get_run(run_id)
    if run is None:
        raise EvalkitError(f"run {run_id!r} not found in {store.path}")
    rows = list(store.run_results(run_id))
    models = list(run.get("models") or {})
    for r in rows:
        if r["model"] not in models:
            models.append(r["model"])
    return run, rows, models


def comparison_for(rows: list[dict], models: list[str], baseline: str | None, candidate: str | None,
                   *, n_boot: int = C.DEFAULT_BOOT) -> C.Comparison | None:
    """The run's comparison, or None for a one-model run (baseline/candidate default to models 1 and 2)."""
    if len(models) < 2 and baseline is None and candidate is None:
        return None
    b, c = C.pick_models(models, baseline, candidate)
    return C.compare(C.frame_from_results(rows), b, c, models=models, n_boot=n_boot)


def is_demo(run: dict) -> bool:
    return bool((run.get("config") or {}).get("demo"))


def write_reports(store: Store, run_id: str, out_dir: str | Path, *, baseline: str | None = None,
                  candidate: str | None = None) -> Path:
    from .html import render_html
    from .markdown import summary_markdown

    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EvalkitError(f"cannot create the report folder {out}: {exc}; pass --out DIR") from exc
    run, rows, models = load_run(store, run_id)
    cmp = comparison_for(rows, models, baseline, candidate)
    _write(out / "scores.csv", _scores_csv(rows))
    results = {"format": RESULTS_FORMAT, "run_id": run_id, "run": run, "models": models,
               "baseline": cmp.baseline if cmp else None, "candidate": cmp.candidate if cmp else None,
               "comparison": cmp.to_dict() if cmp else None, "results": rows}
    _write(out / "results.json", _json(results))
    _write(out / "summary.md", summary_markdown(run, run_id, cmp, models, demo=is_demo(run)))
    _write(out / "index.html", render_html(run, run_id, rows, cmp, models, demo=is_demo(run)))
    return out


def _json(obj) -> str:
    try:
        return json.dumps(obj, indent=1, default=str, allow_nan=False, ensure_ascii=False)
    except ValueError:  # a NaN/inf somewhere in scorer details: strict JSON has no such thing
        return json.dumps(_finite(obj), indent=1, default=str, allow_nan=False, ensure_ascii=False)


def _finite(obj):
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def _write(path: Path, text: str) -> None:
    # write then rename: a crash never leaves a half-written report behind
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    os.replace(tmp, path)


def _scores_csv(rows: list[dict]) -> str:
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["model", "task_id", "sample", "metric", "value"])
    for r in rows:
        for m in GENERATION_METRICS:
            if r.get(m) is not None:
                w.writerow([r["model"], r["task_id"], r["sample"], m, r[m]])
        w.writerow([r["model"], r["task_id"], r["sample"], "error", 1 if r.get("error") else 0])
        for metric, s in sorted((r.get("scores") or {}).items()):
            v = s.get("value") if isinstance(s, dict) else None
            if v is not None and not (isinstance(v, float) and math.isnan(v)):
                w.writerow([r["model"], r["task_id"], r["sample"], metric, repr(float(v))])
    return buf.getvalue()
