"""Statistical power: the smallest change a paired comparison of this size could detect.

For each main metric, from the run's own paired differences d_i = candidate - baseline over the
(task, sample) slots both models answered::

    MDE = (z_0.975 + z_0.80) * sd(d) / sqrt(n_pairs)        (two-sided 95%, 80% power)

A true change smaller than the MDE would be missed more often than one time in five: the report
says so in plain words, and `evalkit run`/`score` warn when the MDE of a main 0..1 metric is above
the size the user cares about (``--min-effect``, config ``run: min_effect``, default 0.1). With
fewer than 2 pairs, or differences that are all the same (sd 0: the run shows no spread to size a
change against), the MDE is "not estimable" with that reason instead of a number.
"""

from __future__ import annotations

import math
import sys
from dataclasses import asdict, dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING, TextIO

import numpy as np

from . import compare as C
from .scorers import registry

if TYPE_CHECKING:
    import pandas as pd

    from .report import RunComparison

Z_TWO_SIDED_95 = NormalDist().inv_cdf(0.975)    # 1.95996...
Z_POWER_80 = NormalDist().inv_cdf(0.80)         # 0.84162...
FACTOR = Z_TWO_SIDED_95 + Z_POWER_80            # 2.80158...
DEFAULT_MIN_EFFECT = 0.1
METHOD = "paired, two-sided 95%, 80% power: (z0.975 + z0.80) * sd(paired differences) / sqrt(pairs)"


@dataclass(frozen=True)
class Detectable:
    """One metric's minimum detectable effect and what it rests on."""

    metric: str
    n_pairs: int
    n_tasks: int
    samples: int | None      # samples per task when every task has as many pairs, else None
    sd: float | None         # sample standard deviation of the paired differences
    mde: float | None        # None: not estimable (see reason)
    reason: str = ""         # "not estimable: ..." when mde is None

    @property
    def size(self) -> str:
        """What the comparison rests on: "3 samples x 11 tasks", or "14 pairs over 5 tasks"."""
        if self.samples is not None and self.n_tasks:
            return f"{_n(self.samples, 'sample')} x {_n(self.n_tasks, 'task')}"
        return f"{_n(self.n_pairs, 'pair')} over {_n(self.n_tasks, 'task')}"

    def amount(self) -> str:
        """The MDE as a number to read: two decimals on a 0..1 metric, three figures otherwise."""
        if self.mde is None:
            return "n/a"
        return f"{self.mde:.2f}" if registry.metric(self.metric).unit else f"{self.mde:.3g}"

    def sentence(self, label: str | None = None) -> str:
        """The MDE in plain words, e.g. "with 3 samples x 11 tasks, a change smaller than 0.14 in
        features could go unnoticed"."""
        label = label or registry.label(self.metric)
        if self.mde is None:
            return f"{label}: {self.reason} ({self.size})"
        return f"with {self.size}, a change smaller than {self.amount()} in {label} could go unnoticed"

    def to_dict(self) -> dict:
        return {**asdict(self), "sentence": self.sentence()}


def _n(k: int, word: str) -> str:
    return f"{k} {word}{'' if k == 1 else 's'}"


def minimum_detectable_effect(diffs) -> tuple[float | None, float | None, str]:
    """(mde, sd, reason) from paired differences; mde None with a "not estimable: ..." reason."""
    d = np.asarray(diffs, dtype=float)
    n = int(d.size)
    if n < 2:
        return None, None, f"not estimable: {_n(n, 'pair')}; the spread of the differences needs at least 2"
    sd = float(np.std(d, ddof=1))
    if not math.isfinite(sd) or sd <= 1e-12:
        return None, 0.0, "not estimable: every pair differs by the same amount, so the run shows no spread to size a change against"
    return FACTOR * sd / math.sqrt(n), sd, ""


def detectable(df: pd.DataFrame, baseline: str, candidate: str, metric: str) -> Detectable:
    pairs = C.paired_frame(df, baseline, candidate, metric)
    mde, sd, reason = minimum_detectable_effect(pairs["cand"].to_numpy(float) - pairs["base"].to_numpy(float))
    per_task = pairs.groupby(["suite", "task_id"], sort=False).size()
    same = per_task.nunique() == 1
    return Detectable(metric=metric, n_pairs=int(len(pairs)), n_tasks=int(len(per_task)),
                      samples=int(per_task.iloc[0]) if same else None, sd=sd, mde=mde, reason=reason)


def detectable_effects(rc: RunComparison) -> dict[str, Detectable]:
    """Every main metric of the report's baseline -> candidate pair ({} for a one-model report)."""
    cmp = rc.cmp
    if cmp is None:
        return {}
    return {m: detectable(rc.df, cmp.baseline, cmp.candidate, m)
            for m in cmp.metrics if registry.metric(m).main}


def to_dict(effects: dict[str, Detectable]) -> dict:
    """The results.json section."""
    return {"method": METHOD, "metrics": {m: e.to_dict() for m, e in effects.items()}}


def underpowered(effects: dict[str, Detectable], min_effect: float) -> list[str]:
    """One warning line per main 0..1 metric whose MDE is above ``min_effect`` (or that rests on
    fewer than 2 pairs); a metric whose differences never vary says nothing about size and is not flagged."""
    lines = []
    for m, e in effects.items():
        if not registry.metric(m).unit:
            continue
        if e.mde is not None and e.mde > min_effect:
            lines.append(f"warning: {e.sentence()}; a change of {min_effect:g} (--min-effect) needs about "
                         f"{samples_needed(e, min_effect)} samples per task at this spread")
        elif e.mde is None and e.n_pairs < 2:
            lines.append(f"warning: {e.sentence()}; no change of {min_effect:g} (--min-effect) can be told apart")
    return lines


def samples_needed(e: Detectable, min_effect: float) -> int:
    """Samples per task for an MDE of ``min_effect`` if the spread stays as observed:
    pairs = (FACTOR * sd / min_effect)^2, spread over the run's tasks."""
    pairs = math.ceil((FACTOR * (e.sd or 0.0) / min_effect) ** 2)
    return max(1, math.ceil(pairs / max(1, e.n_tasks)))


def warn_underpowered(rc: RunComparison, min_effect: float | None, out: TextIO | None = None) -> list[str]:
    """Print the warnings of ``underpowered`` to stderr (not an error) and return them."""
    lines = underpowered(detectable_effects(rc), DEFAULT_MIN_EFFECT if min_effect is None else min_effect)
    for line in lines:
        print(line, file=out or sys.stderr)
    return lines
