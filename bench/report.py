"""Report rendering at scale: 2,000 responses (~150-line programs) render in <= 5 s into <= 15 MB.

Usage: python bench/report.py [--responses 2000] [--models 2]
(--models 10: the same number of responses spread over ten models; the page shows fewer samples
side by side, so its size stays in the same bound)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import report

from evalkit.report import write_reports
from evalkit.scorers.base import Score
from evalkit.store import Store


def build(store: Store, n: int, n_models: int = 2) -> None:
    names = ["base", "tuned"] + [f"candidate-{i}" for i in range(2, n_models)]
    store.create_run("big", evalkit_version="bench", config={}, suites={"seed": {"version": "1"}},
                     models={m: {"provider": "replay"} for m in names})
    prog = "\n".join(f"def f{i}(x):\n    return x * {i}  # step {i}\n" for i in range(50))
    text = "Here is a long explanation.\n" * 20 + "```python\n" + prog + "\n```\nThat is all.\n"
    per_model = n // n_models
    for k, model in enumerate(names):
        for i in range(per_model):
            t, s = divmod(i, 10)
            rid = store.save_and_link("big", model, {
                "cache_key": f"{model}-{i}", "provider": "replay", "model": model, "suite": "seed",
                "task_id": f"task{t:03d}", "sample": s, "text": text + f"# {model} {i}\n"})
            store.save_scores(rid, [Score("syntax_ok", 1.0, {"blocks": []}), Score("runs_ok", float((i + k) % 3 > 0)),
                                    Score("tests_pass", (i % 5) / 4), Score("quality", 0.7),
                                    Score("code_prose_ratio", 4.0)], "bench")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--responses", type=int, default=2000)
    ap.add_argument("--models", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "db.sqlite")
        build(store, args.responses, max(2, args.models))
        start = time.perf_counter()
        out = write_reports(store, "big", Path(tmp) / "rep")
        elapsed = time.perf_counter() - start
        size_mb = (out / "index.html").stat().st_size / 1e6
    report(f"render {args.responses} responses of {max(2, args.models)} models", elapsed, "s", "<= 5 s",
           elapsed / 5, elapsed <= 5)
    report("index.html size", size_mb, "MB", "<= 15 MB", size_mb / 15, size_mb <= 15)


if __name__ == "__main__":
    main()
