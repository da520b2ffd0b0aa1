"""Reports for a run: index.html, summary.md, results.json, scores.csv.

``run_comparison`` computes what they are written from, once (``RunComparison``); ``write_reports``
writes them (``EvalResult.write_reports`` calls it). Every file is written from the same comparison,
so the numbers agree across formats; the terminal summary and the gate read that comparison too.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from pathlib import Path
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from .. import compare as C
from ..crossrun import Combined, combine, is_folder, open_source, store_source
from ..errors import EvalkitError
from ..leaderboard import Leaderboard, leaderboard
from ..records import RunRecord
from ..store import Store

if TYPE_CHECKING:
    import pandas as pd

GENERATION_METRICS = ("latency_s", "completion_tokens")
RESULTS_FORMAT = "evalkit-results/1"


@dataclass
class RunComparison:
    """What every report file is written from: computed once, shared by files, terminal and gate."""

    run_id: str
    run: RunRecord              # the run, with models borrowed from other runs added under their labels
    models: list[str]           # display order (baseline first unless chosen otherwise)
    df: "pd.DataFrame"          # long score table of every model shown
    cmp: C.Comparison | None    # baseline vs candidate; None for a one-model report
    rows: Callable[[], Iterator[dict]]   # every response with its scores, streamed
    n_boot: int = C.DEFAULT_BOOT
    _board: Leaderboard | None = field(default=None, repr=False)

    @property
    def board(self) -> Leaderboard:
        """Every model against the baseline; computed on first use (the gate never needs it)."""
        if self._board is None:
            self._board = leaderboard(self.df, self.models, self.cmp.baseline if self.cmp else None,
                                      cmp=self.cmp, n_boot=self.n_boot)
        return self._board


def run_comparison(store: Store | None, run_id: str | None, baseline: str | None = None,
                   candidate: str | None = None, *, n_boot: int = C.DEFAULT_BOOT) -> RunComparison:
    """The run, its models in the order the user named them, its score table, the comparison
    (None for a one-model run) and the leaderboard. Reads only scores, never response texts.
    ``run_id`` may also be a report folder (then ``store`` may be None), or None for the store's
    latest run. ``baseline``/``candidate`` may name a model of another run as RUN:MODEL."""
    return comparison_of(combined(store, run_id, baseline, candidate), n_boot=n_boot)


def combined(store: Store | None, run_id: str | None, baseline: str | None = None, candidate: str | None = None,
             *, only_pair: bool = False) -> Combined:
    """The run's scores with the models named from other runs (see crossrun.combine)."""
    main = store_source(store, run_id) if run_id is not None and not is_folder(run_id) else open_source(store, run_id)
    return combine(store, main, baseline, candidate, only_pair=only_pair)


def comparison_of(both: Combined, *, n_boot: int = C.DEFAULT_BOOT) -> RunComparison:
    cmp = None
    if len(both.models) >= 2 or both.baseline is not None or both.candidate is not None:
        b, c = C.pick_models(both.models, both.baseline, both.candidate)
        cmp = C.compare(both.df, b, c, models=both.models, n_boot=n_boot)
    return RunComparison(both.main.run_id, both.run, both.models, both.df, cmp, both.rows, n_boot)


def is_demo(run: dict) -> bool:
    return bool((run.get("config") or {}).get("demo"))


def write_reports(store: Store, run_id: str, out_dir: str | Path, *, baseline: str | None = None,
                  candidate: str | None = None, comparison: RunComparison | None = None) -> Path:
    """comparison: what run_comparison returned for this run and pair, if the caller has it already."""
    from ..power import detectable_effects
    from ..power import to_dict as power_dict
    from .html import detailed_slots, render_html, slim
    from .markdown import summary_markdown

    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EvalkitError(f"cannot create the report folder {out}: {exc}; pass --out DIR") from exc
    rc = comparison or run_comparison(store, run_id, baseline, candidate)
    run, models, df, cmp, board = rc.run.as_dict(), rc.models, rc.df, rc.cmp, rc.board
    power = detectable_effects(rc)  # the smallest change each main metric could show
    # scores.csv and results.json stream from the store one response at a time (flat memory)
    _write_lines(out / "scores.csv", _scores_csv(rc.rows()))
    head = {"format": RESULTS_FORMAT, "run_id": run_id, "run": run, "models": models,
            "baseline": cmp.baseline if cmp else None, "candidate": cmp.candidate if cmp else None,
            "comparison": cmp.to_dict() if cmp else None, "leaderboard": board.to_dict(),
            "power": power_dict(power) if cmp else None}
    _write_lines(out / "results.json", _results_json(head, rc.rows()))
    _write_lines(out / "summary.md", [summary_markdown(run, run_id, cmp, models, demo=is_demo(run),
                                                       board=board, power=power)])
    # the page groups each task's samples side by side, so it holds them at once; in a large run
    # only the slots shown side by side keep their text and evidence
    shown = detailed_slots(df, cmp)
    rows = [r if shown is None or (r["suite"], r["task_id"], r["sample"]) in shown else slim(r)
            for r in rc.rows()]
    _write_lines(out / "index.html", [render_html(run, run_id, rows, cmp, models, demo=is_demo(run),
                                                  board=board, power=power)])
    return out


def _results_json(head: dict, rows: Iterable[dict]) -> Iterator[str]:
    """results.json written piece by piece: the same document json.dumps would give, without
    holding every response in one string."""
    yield _json(head)[:-2] + ',\n "results": ['
    for i, r in enumerate(rows):
        yield ("\n" if i == 0 else ",\n") + _json(r)
    yield "\n ]\n}\n"


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


def _write_lines(path: Path, pieces: Iterable[str]) -> None:
    # write then rename: a crash never leaves a half-written report behind
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        for piece in pieces:
            f.write(piece)
    os.replace(tmp, path)


def score_records(rows: Iterable[dict]) -> Iterator[tuple]:
    """(model, task_id, sample, metric, value) of every response: the rows of scores.csv (and of
    ``EvalResult.table``): generation facts, the request outcome `error`, then each score that has a value."""
    for r in rows:
        for m in GENERATION_METRICS:
            if r.get(m) is not None:
                yield r["model"], r["task_id"], r["sample"], m, r[m]
        yield r["model"], r["task_id"], r["sample"], "error", 1 if r.get("error") else 0
        for metric, s in sorted((r.get("scores") or {}).items()):
            v = s.get("value") if isinstance(s, dict) else None
            if v is not None and not (isinstance(v, float) and math.isnan(v)):
                yield r["model"], r["task_id"], r["sample"], metric, float(v)


def _scores_csv(rows: Iterable[dict]) -> Iterator[str]:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["model", "task_id", "sample", "metric", "value"])
    for i, rec in enumerate(score_records(rows)):
        w.writerow(rec)  # a float is written as its repr: the exact value round-trips
        if i % 256 == 255:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()
