"""Aggregation and paired statistics: baseline vs candidate on the same (task, sample) slots.

Input is a long table with one row per (model, suite, task_id, sample, metric, value); it comes
from the store (``scores_frame``) or from a report folder's results.json (``frame_from_results``),
so a CI job can compare from a downloaded artifact.

Definitions (documented in docs/report-and-gate.md):
- mean, n: over a model's responses that have a value for the metric (None = "n/a" is left out);
- pairs: (suite, task_id, sample) slots where both models have a value;
- delta: mean over pairs of (candidate - baseline) = difference of the paired means;
- CI: percentile 95% interval of the delta from a seeded paired bootstrap (pairs resampled with
  replacement, ``n_boot`` = 10,000 by default);
- wins/ties/losses: pairs where the candidate is better / equal (|diff| <= 1e-9) / worse, "better"
  following the metric's direction;
- McNemar (binary metrics): exact two-sided binomial test on the discordant pairs.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

import numpy as np
import pandas as pd

from .passk import pass_at_k as _pass_at_k
from .records import ScoreRow
from .rollups import ROLLUP_LABELS, pooled_ratio, rollups
from .rollups import format_ratio as _format_ratio
from .scorers import registry

COLUMNS = ["model", "suite", "task_id", "sample", "metric", "value"]

# What each metric is (pass/fail, unit, direction, main, order) is declared by its scorer and read
# from the registry (scorers/registry.py), plugins' metrics included; these are live views of it.
BINARY_METRICS = registry.where(lambda m: m.kind == "pass_fail")   # McNemar applies, counts of 1s shown
LOWER_IS_BETTER = registry.where(lambda m: m.direction == "lower")
INFORMATIONAL = registry.where(lambda m: m.direction == "none")    # no better/worse: never coloured
UNIT_METRICS = registry.where(lambda m: m.unit)                    # bars drawn on a 0..1 axis
MAIN_METRICS = registry.where(lambda m: m.main)
TIE_EPS = 1e-9
DEFAULT_BOOT = 10_000
DEFAULT_SEED = 20251104
# Roll-up intervals re-run the (Python) roll-up function per resample; 2,000 keep them quick.
ROLLUP_BOOT = 2_000


def order_metrics(metrics: Iterable[str]) -> list[str]:
    """Declared display order, then undeclared metrics alphabetically."""
    return registry.order_metrics(metrics)


def is_main(metric: str) -> bool:
    return registry.metric(metric).main


def higher_is_better(metric: str) -> bool:
    return registry.metric(metric).higher_is_better


# ---- loading ------------------------------------------------------------------------------------
def frame_from_records(records: Iterable[ScoreRow | tuple]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(list(records), columns=COLUMNS)
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype(float)
    df["sample"] = df["sample"].astype(int)
    return df


def scores_frame(store, run_id: str) -> pd.DataFrame:
    """Every score of a run as a long table (value NaN = not scored)."""
    return frame_from_records(store.score_rows(run_id))


def model_order(named, df: pd.DataFrame) -> list[str]:
    """The models in the order the user named them, then any others the score table holds."""
    models = list(named or ())
    models += [m for m in dict.fromkeys(df["model"].tolist()) if m not in models]
    return models


def frame_from_results(results: Iterable[dict]) -> pd.DataFrame:
    """The same table from run_results-style dicts (``results.json`` of a report folder)."""
    recs = []
    for r in results:
        for metric, s in (r.get("scores") or {}).items():
            v = s.get("value") if isinstance(s, dict) else s
            recs.append(ScoreRow(r["model"], r.get("suite", ""), r["task_id"], r["sample"], metric, v))
        recs.append(ScoreRow(r["model"], r.get("suite", ""), r["task_id"], r["sample"], "error",
                             1.0 if r.get("error") else 0.0))
    return frame_from_records(recs)


# ---- statistics ---------------------------------------------------------------------------------
def bootstrap_mean_ci(diffs: np.ndarray, *, n_boot: int = DEFAULT_BOOT, seed: int = DEFAULT_SEED,
                      level: float = 0.95) -> tuple[float, float] | tuple[None, None]:
    """Percentile CI of the mean of ``diffs`` from a seeded bootstrap (vectorised, chunked)."""
    diffs = np.asarray(diffs, dtype=float)
    if diffs.size == 0:
        return None, None
    return bootstrap_mean_cis(diffs[None, :], n_boot=n_boot, seed=seed, level=level)[0]


def bootstrap_mean_cis(rows: np.ndarray, *, n_boot: int = DEFAULT_BOOT, seed: int = DEFAULT_SEED,
                       level: float = 0.95) -> list[tuple[float, float]]:
    """``bootstrap_mean_ci`` of each row of a (k, n) array from one draw of resamples: row i's
    interval is exactly the one ``bootstrap_mean_ci(rows[i])`` gives (same seed, same indices);
    drawing the indices once is what makes ten models' intervals affordable."""
    rows = np.asarray(rows, dtype=float)
    k, n = rows.shape
    rng = np.random.default_rng(seed)
    means = np.empty((k, n_boot))
    chunk = max(1, min(n_boot, 2_000_000 // n))  # bound memory at ~16 MB of indices
    for start in range(0, n_boot, chunk):
        b = min(chunk, n_boot - start)
        idx = rng.integers(0, n, size=(b, n))
        for i in range(k):
            means[i, start : start + b] = rows[i][idx].mean(axis=1)
    alpha = (1 - level) / 2
    q = np.quantile(means, [alpha, 1 - alpha], axis=1)
    return [(float(q[0, i]), float(q[1, i])) for i in range(k)]


def mcnemar_exact(b: int, c: int) -> float:
    """Exact two-sided McNemar p-value from the discordant counts b (1->0) and c (0->1)."""
    n = b + c
    if n == 0:
        return 1.0
    k = min(b, c)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2**n
    return float(min(1.0, 2 * tail))


def pass_at_k(n: int, c: int, k: int) -> float:
    return float(_pass_at_k(n, c, k))


def with_pooled_ratio(means: dict[str, float | None]) -> dict[str, float | None]:
    """A model's code:explanation ratio is its total code lines over its total prose lines: the mean
    of per-response ratios would be dominated by any one bare-code answer (ratio = its line count)."""
    code, prose = means.get("code_lines"), means.get("prose_lines")
    if code is None or prose is None or _isnan(code) or _isnan(prose):
        return means
    return {**means, "code_prose_ratio": pooled_ratio(code, prose)}


def format_ratio(r: float | None) -> str:
    """code_prose_ratio as "N:1"."""
    return _format_ratio(r)


def rollup_labels() -> dict[str, str]:
    return dict(ROLLUP_LABELS)


def _isnan(x: Any) -> bool:
    return isinstance(x, float) and math.isnan(x)


# ---- result types -------------------------------------------------------------------------------
MIN_PAIRS_FOR_SIGNIFICANCE = 10  # fewer pairs: an interval is shown but never called significant


@dataclass
class MetricComparison:
    metric: str
    binary: bool
    higher_is_better: bool
    baseline_mean: float | None
    candidate_mean: float | None
    baseline_n: int
    candidate_n: int
    baseline_count: int | None      # binary metrics: responses scoring 1
    candidate_count: int | None
    n_pairs: int
    delta: float | None             # mean over pairs of candidate - baseline
    ci_low: float | None
    ci_high: float | None
    wins: int
    ties: int
    losses: int
    mcnemar_p: float | None
    worst_tasks: list[dict] = field(default_factory=list)  # [{task_id, suite, delta, n}] most negative first

    @property
    def significant(self) -> bool:
        """The 95% interval excludes 0 and rests on enough pairs to mean it: a percentile bootstrap
        over a handful of identical differences has zero width. Pass/fail metrics also need the
        exact McNemar test to agree."""
        if self.ci_low is None or self.n_pairs < MIN_PAIRS_FOR_SIGNIFICANCE:
            return False
        if self.binary and self.mcnemar_p is not None and self.mcnemar_p >= 0.05:
            return False
        return self.ci_low > 0 or self.ci_high < 0

    @property
    def direction(self) -> str:
        """'better' / 'worse' / 'same' for the candidate, following the metric's direction
        ('info' for measurements that have no direction)."""
        if self.metric in INFORMATIONAL:
            return "info"
        if self.delta is None or abs(self.delta) <= TIE_EPS:
            return "same"
        better = self.delta > 0 if self.higher_is_better else self.delta < 0
        return "better" if better else "worse"


@dataclass
class RollupComparison:
    name: str
    baseline: float | None
    candidate: float | None
    delta: float | None
    ci_low: float | None
    ci_high: float | None
    display_baseline: str = ""
    display_candidate: str = ""
    display_change: str = ""


@dataclass
class Comparison:
    baseline: str
    candidate: str
    models: list[str]
    metrics: list[str]
    per_model: pd.DataFrame          # model, metric, mean, n, count
    per_task: pd.DataFrame           # model, suite, task_id, metric, mean, n, count
    metric_stats: dict[str, MetricComparison]
    rollups: dict[str, dict[str, float | None]]   # model -> roll-up name -> 0-10
    rollup_stats: list[RollupComparison]
    pass_at_k: dict[str, dict[int, float]]         # model -> k -> mean over tasks with tests
    pass_at_k_tasks: dict[str, int]
    n_boot: int
    seed: int

    def mean(self, model: str, metric: str) -> float | None:
        row = self.per_model[(self.per_model.model == model) & (self.per_model.metric == metric)]
        return None if row.empty or pd.isna(row["mean"].iloc[0]) else float(row["mean"].iloc[0])

    def to_dict(self) -> dict:
        return {
            "baseline": self.baseline,
            "candidate": self.candidate,
            "models": self.models,
            "metrics": self.metrics,
            "n_boot": self.n_boot,
            "seed": self.seed,
            "per_model": _records(self.per_model),
            "per_task": _records(self.per_task),
            "paired": {m: {**asdict(s), "significant": s.significant, "direction": s.direction}
                       for m, s in self.metric_stats.items()},
            "rollups": self.rollups,
            "rollup_changes": [asdict(r) for r in self.rollup_stats],
            "pass_at_k": {m: {str(k): v for k, v in d.items()} for m, d in self.pass_at_k.items()},
            "pass_at_k_tasks": self.pass_at_k_tasks,
        }


def _records(df: pd.DataFrame) -> list[dict]:
    out = []
    for rec in df.to_dict(orient="records"):
        out.append({k: (None if isinstance(v, float) and math.isnan(v) else
                        (v.item() if hasattr(v, "item") else v)) for k, v in rec.items()})
    return out


# ---- the comparison -----------------------------------------------------------------------------
def aggregate(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """mean, n (non-null values) and, for binary metrics, the count of 1s."""
    cols = by + ["mean", "n", "count"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    g = df.assign(ones=(df["value"] == 1.0).astype(int)).groupby(by, sort=False)
    out = pd.DataFrame({"mean": g["value"].mean(), "n": g["value"].count(), "ones": g["ones"].sum()}).reset_index()
    out["count"] = [int(o) if m in BINARY_METRICS else None for m, o in zip(out["metric"], out["ones"])]
    return out[cols]


def paired_frame(df: pd.DataFrame, baseline: str, candidate: str, metric: str) -> pd.DataFrame:
    """suite, task_id, sample, base, cand for slots where both models have a value."""
    keys = ["suite", "task_id", "sample"]
    sub = df[(df.metric == metric)].dropna(subset=["value"])
    base = sub[sub.model == baseline].drop_duplicates(keys)[keys + ["value"]].rename(columns={"value": "base"})
    cand = sub[sub.model == candidate].drop_duplicates(keys)[keys + ["value"]].rename(columns={"value": "cand"})
    # sorted by slot: the bootstrap resamples positions, so the order is part of the result
    return base.merge(cand, on=keys).sort_values(keys, kind="stable").reset_index(drop=True)


def compare_metric(df: pd.DataFrame, baseline: str, candidate: str, metric: str, *,
                   n_boot: int = DEFAULT_BOOT, seed: int = DEFAULT_SEED) -> MetricComparison:
    return compare_metrics({metric: df}, baseline, [candidate], [metric], n_boot=n_boot, seed=seed)[candidate][metric]


def compare_metrics(by_metric: dict[str, pd.DataFrame], baseline: str, candidates: list[str], metrics: list[str],
                    *, n_boot: int = DEFAULT_BOOT, seed: int = DEFAULT_SEED) -> dict[str, dict[str, MetricComparison]]:
    """compare_metric for every (candidate, metric), with the intervals of equally many pairs
    drawn from one set of resamples (the same numbers one call at a time would give)."""
    empty = pd.DataFrame(columns=COLUMNS)
    out: dict[str, dict[str, MetricComparison]] = {c: {} for c in candidates}
    by_n: dict[int, list[tuple[MetricComparison, np.ndarray]]] = {}
    for c in candidates:
        for m in metrics:
            mc, diffs = _metric_parts(by_metric.get(m, empty), baseline, c, m)
            out[c][m] = mc
            if diffs.size:
                by_n.setdefault(int(diffs.size), []).append((mc, diffs))
    for group in by_n.values():
        cis = bootstrap_mean_cis(np.stack([d for _, d in group]), n_boot=n_boot, seed=seed)
        for (mc, _), (lo, hi) in zip(group, cis):
            mc.ci_low, mc.ci_high = lo, hi
    return out


def _metric_parts(df: pd.DataFrame, baseline: str, candidate: str, metric: str) -> tuple[MetricComparison, np.ndarray]:
    """Everything of compare_metric but the interval, and the paired differences it comes from."""
    binary = metric in BINARY_METRICS
    hib = higher_is_better(metric)
    stats = {}
    for role, model in (("baseline", baseline), ("candidate", candidate)):
        vals = df[(df.model == model) & (df.metric == metric)]["value"].dropna()
        stats[role] = (
            float(vals.mean()) if len(vals) else None,
            int(len(vals)),
            int((vals == 1.0).sum()) if binary else None,
        )
    pairs = paired_frame(df, baseline, candidate, metric)
    base = pairs["base"].to_numpy(dtype=float)
    cand = pairs["cand"].to_numpy(dtype=float)
    diffs = cand - base
    n_pairs = int(diffs.size)
    delta = float(diffs.mean()) if n_pairs else None
    signed = diffs if hib else -diffs
    wins = int((signed > TIE_EPS).sum())
    losses = int((signed < -TIE_EPS).sum())
    ties = n_pairs - wins - losses
    p = None
    if binary and n_pairs:
        b = int(((base == 1) & (cand == 0)).sum())
        c = int(((base == 0) & (cand == 1)).sum())
        p = mcnemar_exact(b, c)
    worst: list[dict] = []
    if n_pairs:
        pt = pairs.assign(diff=diffs if hib else -diffs).groupby(["suite", "task_id"], sort=False)["diff"]
        per = pd.DataFrame({"mean": pt.mean(), "n": pt.count()}).reset_index().sort_values("mean", kind="stable")
        worst = [{"suite": r.suite, "task_id": r.task_id, "delta": float(r.mean) if hib else -float(r.mean), "n": int(r.n)}
                 for r in per.itertuples() if r.mean < -TIE_EPS][:5]
    mc = MetricComparison(
        metric=metric, binary=binary, higher_is_better=hib,
        baseline_mean=stats["baseline"][0], candidate_mean=stats["candidate"][0],
        baseline_n=stats["baseline"][1], candidate_n=stats["candidate"][1],
        baseline_count=stats["baseline"][2], candidate_count=stats["candidate"][2],
        n_pairs=n_pairs, delta=delta, ci_low=None, ci_high=None,
        wins=wins, ties=ties, losses=losses, mcnemar_p=p, worst_tasks=worst,
    )
    return mc, diffs


def pass_at_k_table(df: pd.DataFrame, models: list[str], ks: Iterable[int] = (1, 3, 5, 10)
                    ) -> tuple[dict[str, dict[int, float]], dict[str, int]]:
    """model -> k -> mean pass@k over tasks with tests (a sample is correct when tests_pass == 1)."""
    out: dict[str, dict[int, float]] = {}
    ntasks: dict[str, int] = {}
    tp = df[(df.metric == registry.pass_at_k_metric())].dropna(subset=["value"])
    for model in models:
        sub = tp[tp.model == model]
        if sub.empty:
            continue
        g = sub.groupby(["suite", "task_id"])["value"]
        counts = pd.DataFrame({"n": g.count(), "c": g.apply(lambda s: int((s >= 1.0 - TIE_EPS).sum()))})
        ntasks[model] = len(counts)
        res = {}
        for k in ks:
            eligible = counts[counts.n >= k]
            if not eligible.empty:
                res[k] = float(np.mean([pass_at_k(int(n), int(c), k) for n, c in zip(eligible.n, eligible.c)]))
        out[model] = res
    return out, ntasks


def rollup_comparison(df: pd.DataFrame, baseline: str, candidate: str, metrics: list[str], *,
                      n_boot: int, seed: int) -> tuple[dict[str, dict], list[RollupComparison]]:
    """Roll-ups per model and the change with a joint paired-bootstrap CI over (task, sample)."""
    means = {}
    for model in (baseline, candidate):
        sub = df[df.model == model]
        m = sub.groupby("metric")["value"].mean()
        means[model] = with_pooled_ratio({k: (None if pd.isna(v) else float(v)) for k, v in m.items()})
    rolls = {model: dict(rollups(dict(means[model]))) for model in (baseline, candidate)}
    names = list(dict.fromkeys(list(rolls[baseline]) + list(rolls[candidate])))

    # joint bootstrap: resample slots present for both models, recompute every mean, then roll up.
    # Resample counts are multinomial weights, so each chunk of means is one matrix product.
    boots: dict[str, list[float | None]] = {n: [] for n in names}
    sub = df[df.model.isin([baseline, candidate])]
    piv = sub.pivot_table(index=["suite", "task_id", "sample"], columns=["model", "metric"], values="value",
                          aggfunc="first", dropna=False) if len(sub) else pd.DataFrame()
    level0 = set(piv.columns.get_level_values(0)) if len(piv) else set()
    if {baseline, candidate} <= level0:
        wide = {model: piv[model].reindex(columns=metrics).to_numpy(dtype=float) for model in (baseline, candidate)}
        both = ~np.isnan(wide[baseline]).all(axis=1) & ~np.isnan(wide[candidate]).all(axis=1)
        n = int(both.sum())
        if n:
            vals = {m: np.nan_to_num(w[both]) for m, w in wide.items()}
            have = {m: (~np.isnan(w[both])).astype(float) for m, w in wide.items()}
            rng = np.random.default_rng(seed)
            chunk = max(1, min(n_boot, 4_000_000 // n))
            for start in range(0, n_boot, chunk):
                b = min(chunk, n_boot - start)
                weights = rng.multinomial(n, np.full(n, 1.0 / n), size=b).astype(float)
                chunk_means = {}
                for model in (baseline, candidate):
                    with np.errstate(invalid="ignore", divide="ignore"):
                        chunk_means[model] = (weights @ vals[model]) / (weights @ have[model])
                for i in range(b):
                    rb = rollups(with_pooled_ratio(_to_means(metrics, chunk_means[baseline][i])))
                    rc = rollups(with_pooled_ratio(_to_means(metrics, chunk_means[candidate][i])))
                    for name in names:
                        vb, vc = rb.get(name), rc.get(name)
                        boots[name].append(None if vb is None or vc is None else vc - vb)
    stats = []
    for name in names:
        b, c = rolls[baseline].get(name), rolls[candidate].get(name)
        d = None if b is None or c is None else c - b
        vals = np.array([v for v in boots[name] if v is not None], dtype=float)
        lo = hi = None
        if d is not None and vals.size >= max(10, n_boot // 2):
            lo, hi = (float(x) for x in np.quantile(vals, [0.025, 0.975]))
        rc = RollupComparison(name=name, baseline=b, candidate=c, delta=d, ci_low=lo, ci_high=hi)
        if "ratio" in name:
            rb_, rc_ = means[baseline].get("code_prose_ratio"), means[candidate].get("code_prose_ratio")
            rc.display_baseline, rc.display_candidate = _format_ratio(rb_), _format_ratio(rc_)
            if rb_ and rc_ is not None:
                rc.display_change = f"×{rc_ / rb_:.1f}"
        stats.append(rc)
    return rolls, stats


def _to_means(metrics: list[str], row: np.ndarray) -> dict[str, float | None]:
    return {m: (None if math.isnan(v) else float(v)) for m, v in zip(metrics, row)}


def compare(df: pd.DataFrame, baseline: str, candidate: str, *, models: list[str] | None = None,
            n_boot: int = DEFAULT_BOOT, seed: int = DEFAULT_SEED) -> Comparison:
    """Everything the report and the gate need, for one (baseline, candidate) pair."""
    present = list(dict.fromkeys(df["model"].tolist()))
    models = [m for m in (models or present)]
    for m in present:
        if m not in models:
            models.append(m)
    metrics = order_metrics(df["metric"].unique().tolist())
    per_model = aggregate(df, ["model", "metric"])
    per_task = aggregate(df, ["model", "suite", "task_id", "metric"])
    by_metric = dict(tuple(df.groupby("metric", sort=False)))
    stats = compare_metrics(by_metric, baseline, [candidate], metrics, n_boot=n_boot, seed=seed)[candidate]
    rolls, rstats = rollup_comparison(df, baseline, candidate, metrics, n_boot=min(n_boot, ROLLUP_BOOT), seed=seed)
    pk, pkt = pass_at_k_table(df, models)
    return Comparison(
        baseline=baseline, candidate=candidate, models=models, metrics=metrics,
        per_model=per_model, per_task=per_task, metric_stats=stats, rollups=rolls,
        rollup_stats=rstats, pass_at_k=pk, pass_at_k_tasks=pkt, n_boot=n_boot, seed=seed,
    )


def pick_models(models: list[str], baseline: str | None, candidate: str | None) -> tuple[str, str]:
    """Default baseline/candidate: the first and second model of the run, as the user named them."""
    from .errors import EvalkitError

    if baseline is None:
        if not models:
            raise EvalkitError("the run has no models; run `evalkit run --models A,B` first")
        baseline = models[0]
    if candidate is None:
        rest = [m for m in models if m != baseline]
        if not rest:
            raise EvalkitError(f"the run has only model {baseline!r}; a comparison needs two (--models A,B)")
        candidate = rest[0]
    for name in (baseline, candidate):
        if name not in models:
            raise EvalkitError(f"model {name!r} is not in this run (models: {', '.join(models) or 'none'})")
    return baseline, candidate
