"""Typed records where data crosses modules: the store's score rows (store -> compare) and the
run they belong to (store -> crossrun -> report, and `EvalResult.run`)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple


class ScoreRow(NamedTuple):
    """One score of one response slot. A NamedTuple rather than a dataclass: a run holds millions
    of them and pandas builds its table from tuples directly (field names, no copy)."""

    model: str
    suite: str
    task_id: str
    sample: int
    metric: str
    value: float | None   # None: not judged


@dataclass(frozen=True)
class RunRecord:
    """A row of the store's `runs` table with its JSON columns decoded."""

    id: str
    created_at: float | None = None
    finished_at: float | None = None
    status: str | None = None
    evalkit_version: str | None = None
    sandbox: str | None = None            # isolation level the run's code ran under, or "not executed"
    config: dict = field(default_factory=dict)    # settings of the run (samples, seed, responses file...)
    suites: dict = field(default_factory=dict)    # suite -> {version, digest, tasks}
    models: dict = field(default_factory=dict)    # alias -> public model settings, in the user's order
    extra: dict = field(default_factory=dict)     # columns a newer schema added, kept as they are

    @classmethod
    def from_dict(cls, d: dict[str, Any], run_id: str = "") -> RunRecord:
        known = {f.name for f in fields(cls)} - {"extra"}
        values = {k: v for k, v in d.items() if k in known}
        values.setdefault("id", run_id)
        return cls(**values, extra={k: v for k, v in d.items() if k not in known})

    def as_dict(self) -> dict[str, Any]:
        """The run as results.json and the renderers have always read it (same keys, same order)."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        return {**out, **self.extra}

    @property
    def demo(self) -> bool:
        return bool((self.config or {}).get("demo"))
