"""EvalResult: what `evalkit.evaluate` and `evalkit.score` return (see docs/api.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import EvalkitError

if TYPE_CHECKING:
    import pandas as pd

    from .compare import Comparison
    from .gate import GateResult
    from .generate import GenerationResult
    from .leaderboard import Leaderboard
    from .power import Detectable
    from .records import RunRecord
    from .report import RunComparison
    from .store import Store

TABLE_COLUMNS = ["model", "task_id", "sample", "metric", "value"]


@dataclass
class EvalResult:
    """One scored run: its comparison, its scores and the ways to report and gate it.

    The store stays open while the result is used (`write_reports` and `table` read responses
    from it); `close()` or a `with` block closes it."""

    run_id: str
    store: Store | None
    report_data: RunComparison                  # everything the report files are written from
    generation: GenerationResult | None = None  # evaluate(): requests sent, cached, failed
    problems: list[str] = field(default_factory=list)   # responses the sandbox could not judge, why
    owns_store: bool = True                       # opened for this result: close() closes it
    _table: pd.DataFrame | None = field(default=None, repr=False)
    _closed: bool = field(default=False, repr=False)

    # ---- what was measured ----------------------------------------------------------------------
    @property
    def comparison(self) -> Comparison | None:
        """Baseline vs candidate (paired deltas, intervals, roll-ups); None for a one-model run."""
        return self.report_data.cmp

    @property
    def models(self) -> list[str]:
        return list(self.report_data.models)

    @property
    def run(self) -> RunRecord:
        """The run: status, sandbox, suites with versions, models with their settings."""
        return self.report_data.run

    @property
    def leaderboard(self) -> Leaderboard:
        return self.report_data.board

    @property
    def power(self) -> dict[str, Detectable]:
        """Each main metric's minimum detectable effect for baseline -> candidate (``.mde``, None
        with a ``.reason`` when not estimable; ``.sentence()`` in plain words); {} for one model."""
        from .power import detectable_effects

        return detectable_effects(self.report_data)

    @property
    def scores(self) -> pd.DataFrame:
        """Long table of every score: model, suite, task_id, sample, metric, value (NaN = not judged)."""
        return self.report_data.df

    @property
    def table(self) -> pd.DataFrame:
        """Per-response scores with the columns and rows of scores.csv: model, task_id, sample,
        metric, value (generation facts latency_s/completion_tokens, `error`, then every score)."""
        if self._table is None:
            import pandas as pd

            self._check_open()

            from .report import score_records

            df = pd.DataFrame.from_records(list(score_records(self.report_data.rows())), columns=TABLE_COLUMNS)
            df["sample"] = df["sample"].astype(int)
            df["value"] = df["value"].astype(float)
            self._table = df
        return self._table

    # ---- what to do with it ---------------------------------------------------------------------
    def write_reports(self, out_dir: str | Path) -> Path:
        """index.html, summary.md, results.json and scores.csv in ``out_dir``; returns the folder."""
        from .report import write_reports

        self._check_open()
        return write_reports(self.store, self.run_id, out_dir, comparison=self.report_data)

    def gate(self, rules: str | Path | dict | None = None) -> GateResult:
        """The CI verdict on this comparison: ``.passed``, ``.failed``, ``.outcomes``. rules: a rules
        file, its contents as a dict, or None for the built-in rules. Nothing is rendered or printed."""
        from .gate import check

        if self.comparison is None:
            raise EvalkitError(f"run {self.run_id} has only model {', '.join(self.models) or 'none'}; "
                               "the gate needs two models (baseline and candidate)")
        if self.comparison.baseline == self.comparison.candidate:
            raise EvalkitError("--baseline and --candidate name the same model")
        return check(self.comparison, rules, run_id=self.run_id)

    def _check_open(self) -> None:
        # response texts and details are read from the store on demand
        if self._closed:
            raise EvalkitError(f"the result of run {self.run_id} is closed; read .table or call "
                               "write_reports() before close() (inside the `with` block)")

    def __repr__(self) -> str:
        cmp = self.comparison
        pair = f", {cmp.baseline} -> {cmp.candidate}" if cmp is not None else ""
        return f"EvalResult(run {self.run_id}: {', '.join(self.models)}{pair})"

    def close(self) -> None:
        if self.store is not None and self.owns_store:
            self.store.close()
        self.store = None
        self._closed = True

    def __enter__(self) -> EvalResult:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
