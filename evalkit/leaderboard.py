"""Every model of a report against one baseline: the view for 1 to N models.

``compare.compare`` answers "is this candidate better than that baseline" in full detail. A run
with one model, or with ten, needs a different picture: each model's metric means with their 95%
intervals, and each candidate's paired change against the baseline with its interval. The
statistics are the ones of ``compare`` (same bootstrap, same seed), so the leaderboard's delta for
the report's candidate equals the pair table's.

- model mean interval: percentile 95% interval of the mean from a seeded bootstrap over that
  model's responses (``MEAN_BOOT`` resamples);
- candidate delta: ``compare.compare_metric`` against the baseline over (suite, task, sample)
  pairs (``n_boot`` resamples), for the main metrics.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from . import compare as C
from .rollups import rollups

# A model's own mean is a display figure, not a gate input: 2,000 resamples place a 95% bound to
# about a hundredth of the interval's width and keep ten models quick.
MEAN_BOOT = 2_000


@dataclass
class ModelMean:
    mean: float | None
    n: int
    count: int | None        # pass/fail metrics: responses scoring 1
    ci_low: float | None
    ci_high: float | None


@dataclass
class Leaderboard:
    models: list[str]
    baseline: str
    metrics: list[str]                                  # every metric, display order
    main: list[str]                                     # the main metrics present (leaderboard columns)
    means: dict[str, dict[str, ModelMean]]              # model -> metric -> mean
    deltas: dict[str, dict[str, C.MetricComparison]]   # candidate -> main metric -> paired change
    rollups: dict[str, dict[str, float | None]]         # model -> roll-up -> 0-10
    pass_at_k: dict[str, dict[int, float]]
    pass_at_k_tasks: dict[str, int]
    per_task: pd.DataFrame                              # model, suite, task_id, metric, mean, n, count
    n_boot: int
    seed: int

    @property
    def candidates(self) -> list[str]:
        return [m for m in self.models if m != self.baseline]

    def mean(self, model: str, metric: str) -> ModelMean | None:
        return self.means.get(model, {}).get(metric)

    def to_dict(self) -> dict:
        return {
            "baseline": self.baseline, "models": self.models, "metrics": self.metrics,
            "mean_boot": MEAN_BOOT, "n_boot": self.n_boot, "seed": self.seed,
            "means": {m: {k: asdict(v) for k, v in d.items()} for m, d in self.means.items()},
            "deltas": {c: {k: {**asdict(s), "significant": s.significant, "direction": s.direction}
                           for k, s in d.items()} for c, d in self.deltas.items()},
            "rollups": self.rollups,
            "pass_at_k": {m: {str(k): v for k, v in d.items()} for m, d in self.pass_at_k.items()},
            "pass_at_k_tasks": self.pass_at_k_tasks,
            "per_task": C._records(self.per_task),
        }


def leaderboard(df: pd.DataFrame, models: list[str], baseline: str | None = None, *,
                cmp: C.Comparison | None = None, n_boot: int = C.DEFAULT_BOOT,
                seed: int = C.DEFAULT_SEED) -> Leaderboard:
    """models: in display order; baseline: default the first. ``cmp``, when given, is the
    comparison already computed for one pair: its statistics are reused, not recomputed."""
    baseline = baseline if baseline is not None else (models[0] if models else "")
    metrics = C.order_metrics(df["metric"].unique().tolist()) if len(df) else []
    main = [m for m in metrics if C.is_main(m)]
    by_model = {m: g for m, g in df.groupby("model", sort=False)} if len(df) else {}
    means: dict[str, dict[str, ModelMean]] = {}
    rolls: dict[str, dict[str, float | None]] = {}
    pending: dict[int, list[tuple[ModelMean, object]]] = {}   # intervals drawn together, by sample size
    for model in models:
        sub = by_model.get(model)
        per: dict[str, ModelMean] = {}
        if sub is not None:
            for metric, g in sub.groupby("metric", sort=False):
                vals = g["value"].dropna().to_numpy(dtype=float)
                per[metric] = ModelMean(
                    mean=float(vals.mean()) if vals.size else None, n=int(vals.size),
                    count=int((vals == 1.0).sum()) if metric in C.BINARY_METRICS else None,
                    ci_low=None, ci_high=None)
                if metric in main and vals.size:
                    pending.setdefault(int(vals.size), []).append((per[metric], vals))
        means[model] = per
        rolls[model] = rollups(C.with_pooled_ratio({k: v.mean for k, v in per.items()}))
    for group in pending.values():
        cis = C.bootstrap_mean_cis(np.stack([v for _, v in group]), n_boot=MEAN_BOOT, seed=seed)
        for (mm, _), (lo, hi) in zip(group, cis):
            mm.ci_low, mm.ci_high = lo, hi
    by_metric = {m: g for m, g in df.groupby("metric", sort=False)} if len(df) else {}
    reused = cmp.candidate if cmp is not None and cmp.baseline == baseline and cmp.n_boot == n_boot else None
    todo = [c for c in models if c not in (baseline, reused)]
    deltas = C.compare_metrics(by_metric, baseline, todo, main, n_boot=n_boot, seed=seed) if todo else {}
    if reused in models:
        deltas[reused] = {m: cmp.metric_stats[m] for m in main}
    deltas = {c: deltas[c] for c in models if c in deltas}
    pk, pkt = (cmp.pass_at_k, cmp.pass_at_k_tasks) if cmp is not None else C.pass_at_k_table(df, models)
    per_task = cmp.per_task if cmp is not None else C.aggregate(df, ["model", "suite", "task_id", "metric"])
    return Leaderboard(models=list(models), baseline=baseline, metrics=metrics, main=main, means=means,
                       deltas=deltas, rollups=rolls, pass_at_k=pk, pass_at_k_tasks=pkt, per_task=per_task,
                       n_boot=n_boot, seed=seed)
