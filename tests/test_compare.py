"""Statistics of evalkit.compare against values computed by hand and against scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binomtest

from evalkit import compare as C
from evalkit.scorers.base import Score
from evalkit.store import Store


# ---- a small real store, shared by the report and gate tests ----------------------------------
def build_store(path, per_model: dict[str, dict[tuple[str, int], dict[str, float | None]]], *,
                texts: dict | None = None, details: dict | None = None, run_id: str = "run-1",
                suite: str = "seed", models_info: dict | None = None) -> Store:
    """per_model: alias -> (task_id, sample) -> metric -> value. Real SQLite, real Store API."""
    store = Store(path)
    models = models_info or {m: {"provider": "replay", "model": f"{m}-model", "base_url": "http://127.0.0.1:11434",
                                 "digest": f"sha256:{m}", "params": {"temperature": 0.2}} for m in per_model}
    store.create_run(run_id, evalkit_version="0.1.0", config={"samples": 3},
                     suites={suite: {"version": "1", "digest": "abc123", "tasks": 2}}, models=models, sandbox="bwrap")
    for model, slots in per_model.items():
        for (task_id, sample), metrics in slots.items():
            text = (texts or {}).get((model, task_id, sample), f"```python\ndef f():\n    return {sample}\n```\n")
            rid = store.save_and_link(run_id, model, {
                "cache_key": f"{run_id}-{model}-{task_id}-{sample}", "provider": "replay", "model": f"{model}-model",
                "suite": suite, "task_id": task_id, "sample": sample, "text": text,
                "latency_s": 1.5, "completion_tokens": 120, "params": {"temperature": 0.2}, "attempts": 1,
            })
            store.save_scores(rid, [Score(m, v, (details or {}).get((model, task_id, sample, m), {}))
                                    for m, v in metrics.items()], "1")
    return store


def frame(rows):
    return C.frame_from_records(rows)


# ---- paired statistics by hand ------------------------------------------------------------------
def test_paired_case_by_hand():
    base = [1, 0, 1, 0, 1]
    cand = [1, 1, 1, 1, 0]
    rows = [("b", "s", "t", i, "runs_ok", v) for i, v in enumerate(base)]
    rows += [("c", "s", "t", i, "runs_ok", v) for i, v in enumerate(cand)]
    mc = C.compare_metric(frame(rows), "b", "c", "runs_ok", n_boot=2000, seed=1)
    assert mc.baseline_mean == pytest.approx(0.6) and mc.candidate_mean == pytest.approx(0.8)
    assert mc.delta == pytest.approx(0.2)
    assert (mc.wins, mc.ties, mc.losses) == (2, 2, 1)
    assert mc.baseline_count == 3 and mc.candidate_count == 4 and mc.n_pairs == 5
    # discordant: b=1 (1->0), c=2 (0->1): p = 2 * P(X<=1 | n=3) = 2 * 4/8 -> capped at 1
    assert mc.mcnemar_p == pytest.approx(1.0)
    assert mc.ci_low <= 0.2 <= mc.ci_high
    assert mc.direction == "better"


def test_pairs_only_where_both_have_a_value():
    rows = [("b", "s", "t", 0, "quality", 0.5), ("b", "s", "t", 1, "quality", 0.1),
            ("c", "s", "t", 0, "quality", 0.9), ("c", "s", "t", 1, "quality", None),
            ("c", "s", "t", 2, "quality", 0.3)]
    mc = C.compare_metric(frame(rows), "b", "c", "quality", n_boot=100)
    assert mc.n_pairs == 1 and mc.delta == pytest.approx(0.4)
    assert mc.baseline_n == 2 and mc.candidate_n == 2          # the None is left out of the mean
    assert mc.candidate_mean == pytest.approx(0.6)
    assert mc.mcnemar_p is None and mc.baseline_count is None  # not a binary metric


def test_lower_is_better_direction_counts_wins_for_decrease():
    rows = [("b", "s", "t", 0, "thinking_lines", 40.0), ("c", "s", "t", 0, "thinking_lines", 10.0)]
    mc = C.compare_metric(frame(rows), "b", "c", "thinking_lines", n_boot=100)
    assert mc.delta == -30 and mc.wins == 1 and mc.direction == "better"
    assert mc.worst_tasks == []


@pytest.mark.parametrize("b,c", [(0, 6), (1, 3), (2, 9), (5, 5), (0, 1), (7, 0), (12, 30)])
def test_mcnemar_matches_scipy_binomtest(b, c):
    expected = binomtest(min(b, c), b + c, 0.5, alternative="two-sided").pvalue
    assert C.mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-12)


def test_mcnemar_hand_values():
    assert C.mcnemar_exact(0, 6) == pytest.approx(2 / 64)
    assert C.mcnemar_exact(0, 0) == 1.0


def test_bootstrap_reproducible_and_matches_naive_loop():
    rng = np.random.default_rng(7)
    diffs = rng.normal(0.1, 1.0, size=37)
    a = C.bootstrap_mean_ci(diffs, n_boot=3000, seed=42)
    b = C.bootstrap_mean_ci(diffs, n_boot=3000, seed=42)
    assert a == b
    assert C.bootstrap_mean_ci(diffs, n_boot=3000, seed=43) != a
    # the vectorised, chunked version draws the same resamples as a plain loop
    r = np.random.default_rng(42)
    means = [diffs[r.integers(0, diffs.size, size=diffs.size)].mean() for _ in range(3000)]
    lo, hi = np.quantile(means, [0.025, 0.975])
    assert a == pytest.approx((lo, hi), abs=1e-12)


def test_bootstrap_width_close_to_normal_theory():
    diffs = np.random.default_rng(3).normal(0.0, 2.0, size=400)
    lo, hi = C.bootstrap_mean_ci(diffs, n_boot=10_000, seed=0)
    se = diffs.std(ddof=1) / math.sqrt(diffs.size)
    assert hi - lo == pytest.approx(2 * 1.96 * se, rel=0.08)


def test_bootstrap_degenerate_cases():
    assert C.bootstrap_mean_ci(np.array([]), n_boot=10) == (None, None)
    assert C.bootstrap_mean_ci(np.array([0.5, 0.5, 0.5]), n_boot=50) == (0.5, 0.5)


def test_pass_at_k_values():
    assert C.pass_at_k(3, 1, 1) == pytest.approx(1 / 3)
    assert C.pass_at_k(3, 1, 3) == 1.0
    assert C.pass_at_k(5, 2, 2) == pytest.approx(1 - 3 / 10)
    assert C.pass_at_k(4, 0, 2) == 0.0


def test_pass_at_k_table_counts_only_full_passes():
    rows = []
    for s, v in enumerate([1.0, 0.8, 0.0]):      # one correct of three
        rows.append(("b", "seed", "t1", s, "tests_pass", v))
    for s, v in enumerate([1.0, 1.0, 1.0]):
        rows.append(("b", "seed", "t2", s, "tests_pass", v))
    pk, ntasks = C.pass_at_k_table(frame(rows), ["b"])
    assert ntasks == {"b": 2}
    assert pk["b"][1] == pytest.approx((1 / 3 + 1) / 2)
    assert pk["b"][3] == pytest.approx(1.0)
    assert 5 not in pk["b"]


def test_compare_from_store_and_rollups(tmp_path):
    per = {
        "base": {("t1", s): {"syntax_ok": 1.0, "runs_ok": float(s == 0), "feature_completeness": 0.4,
                             "code_prose_ratio": 1.0} for s in range(3)},
        "tuned": {("t1", s): {"syntax_ok": 1.0, "runs_ok": 1.0, "feature_completeness": 0.9,
                              "code_prose_ratio": 5.0} for s in range(3)},
    }
    store = build_store(tmp_path / "db", per)
    df = C.scores_frame(store, "run-1")
    cmp = C.compare(df, "base", "tuned", n_boot=500, seed=0)
    assert cmp.metrics[:2] == ["syntax_ok", "runs_ok"]
    assert cmp.mean("base", "runs_ok") == pytest.approx(1 / 3)
    assert cmp.metric_stats["runs_ok"].delta == pytest.approx(2 / 3)
    assert cmp.metric_stats["feature_completeness"].ci_low == pytest.approx(0.5)
    names = [r.name for r in cmp.rollup_stats]
    assert any("feature" in n for n in names)
    feat = next(r for r in cmp.rollup_stats if "feature" in r.name)
    assert feat.candidate > feat.baseline
    ratio = next(r for r in cmp.rollup_stats if "ratio" in r.name)
    assert ratio.display_baseline.startswith("1") and ratio.display_baseline.endswith(":1")
    assert ratio.display_candidate.startswith("5")
    d = cmp.to_dict()
    assert d["paired"]["runs_ok"]["direction"] == "better"
    import json
    json.dumps(d)  # JSON-serialisable as results.json needs


def test_pick_models_defaults_and_errors():
    from evalkit.errors import EvalkitError
    assert C.pick_models(["a", "b", "c"], None, None) == ("a", "b")
    assert C.pick_models(["a", "b", "c"], "c", None) == ("c", "a")
    with pytest.raises(EvalkitError):
        C.pick_models(["a"], None, None)
    with pytest.raises(EvalkitError):
        C.pick_models(["a", "b"], "a", "zzz")


def test_intervals_drawn_together_equal_one_at_a_time():
    """Ten models' intervals share one draw of resamples: each must still be exactly its own."""
    rows = np.random.default_rng(11).normal(0.2, 1.0, size=(4, 25))
    assert C.bootstrap_mean_cis(rows, n_boot=2000, seed=9) == [C.bootstrap_mean_ci(r, n_boot=2000, seed=9) for r in rows]
    recs = [(m, "s", f"t{t}", s, "quality", ((t * 7 + s * 3 + i) % 10) / 10)
            for i, m in enumerate(("a", "b", "c")) for t in range(6) for s in range(3)]
    recs += [("c", "s", "t9", 0, "quality", 0.5)]               # c pairs with a on as many slots as b
    recs += [(m, "s", f"t{t}", 0, "runs_ok", float(t % 2 == i % 2)) for i, m in enumerate("abc") for t in range(5)]
    df = frame(recs)
    by_metric = dict(tuple(df.groupby("metric")))
    together = C.compare_metrics(by_metric, "a", ["b", "c"], ["quality", "runs_ok"], n_boot=1500, seed=4)
    for cand in ("b", "c"):
        for metric in ("quality", "runs_ok"):
            alone = C.compare_metric(by_metric[metric], "a", cand, metric, n_boot=1500, seed=4)
            assert together[cand][metric] == alone and alone.ci_low is not None
