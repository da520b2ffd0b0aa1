"""Reports for a run: index.html, summary.md, results.json, scores.csv.

(Plain first version; the report work replaces it behind the same function.)
"""

from __future__ import annotations

import csv
import html
import json
from pathlib import Path

from ..store import Store

GENERATION_METRICS = ("latency_s", "completion_tokens")


def write_reports(store: Store, run_id: str, out_dir: str | Path, *, baseline: str | None = None,
                  candidate: str | None = None) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    run = store.get_run(run_id) or {}
    rows = list(store.run_results(run_id))
    with open(out / "scores.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["model", "task_id", "sample", "metric", "value"])
        for r in rows:
            for m in GENERATION_METRICS:
                if r[m] is not None:
                    w.writerow([r["model"], r["task_id"], r["sample"], m, r[m]])
            w.writerow([r["model"], r["task_id"], r["sample"], "error", 1 if r["error"] else 0])
            for metric, s in sorted(r["scores"].items()):
                if s["value"] is not None:
                    w.writerow([r["model"], r["task_id"], r["sample"], metric, s["value"]])
    (out / "results.json").write_text(json.dumps({"run": run, "results": rows}, indent=1, default=str))
    lines = [f"# evalkit run {run_id}", "", "| model | task | sample | error |", "|---|---|---|---|"]
    lines += [f"| {r['model']} | {r['task_id']} | {r['sample']} | {r['error'] or ''} |" for r in rows]
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    items = "".join(
        f"<li>{html.escape(r['model'])} / {html.escape(r['task_id'])} #{r['sample']}"
        f"<pre>{html.escape(r['error'] or r['text'])}</pre></li>"
        for r in rows
    )
    (out / "index.html").write_text(
        f"<!doctype html><meta charset=utf-8><title>evalkit {html.escape(run_id)}</title><ul>{items}</ul>",
        encoding="utf-8",
    )
    return out
