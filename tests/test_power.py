"""Minimum detectable effect: hand-computed values, the report's sentences, the CLI's warning."""

from __future__ import annotations

from pathlib import Path

import json

import pytest

from evalkit import compare as C
from evalkit import power as P
from evalkit.report import run_comparison, write_reports
from test_compare import build_store


def test_factor_is_the_two_normal_quantiles():
    assert P.Z_TWO_SIDED_95 == pytest.approx(1.959964, abs=1e-6)
    assert P.Z_POWER_80 == pytest.approx(0.841621, abs=1e-6)
    assert P.FACTOR == pytest.approx(2.801585, abs=1e-6)


def test_mde_by_hand():
    # d = 0.1, 0.3: sd = sqrt(2 * 0.1^2 / 1) = 0.141421; MDE = 2.801585 * 0.141421 / sqrt(2) = 0.280158
    mde, sd, reason = P.minimum_detectable_effect([0.1, 0.3])
    assert sd == pytest.approx(0.141421, abs=1e-6) and mde == pytest.approx(0.280158, abs=1e-6) and reason == ""
    # d = 0, 1, 0, 1: sd = sqrt(4 * 0.25 / 3) = 0.577350; MDE = 2.801585 * 0.577350 / 2 = 0.808748
    mde, sd, _ = P.minimum_detectable_effect([0, 1, 0, 1])
    assert sd == pytest.approx(0.577350, abs=1e-6) and mde == pytest.approx(0.808748, abs=1e-6)
    # four times the pairs, same spread: half the MDE
    assert P.minimum_detectable_effect([0, 1, 0, 1] * 4)[0] < mde / 2 + 0.01


def test_not_estimable_says_why():
    for diffs, words in (([], "0 pairs"), ([0.4], "1 pair;"), ([0.2, 0.2, 0.2], "every pair differs by the same amount")):
        mde, _, reason = P.minimum_detectable_effect(diffs)
        assert mde is None and reason.startswith("not estimable: ") and words in reason


def _frame(values: dict[str, dict[tuple[str, int], float]], metric: str = "runs_ok"):
    rows = [(m, "s", t, k, metric, v) for m, slots in values.items() for (t, k), v in slots.items()]
    return C.frame_from_records(rows)


def test_detectable_counts_samples_and_tasks():
    base = {(t, k): 1.0 for t in ("a", "b") for k in range(3)}
    cand = {**base, ("a", 1): 0.0, ("b", 2): 0.0}
    e = P.detectable(_frame({"b": base, "c": cand}), "b", "c", "runs_ok")
    # d = 0, -1, 0, 0, 0, -1: mean -1/3, squares 4 x 1/9 + 2 x 4/9 = 4/3, sd = sqrt(4/3 / 5) = 0.516398;
    # MDE = 2.801585 * 0.516398 / sqrt(6) = 0.590626
    assert (e.n_pairs, e.n_tasks, e.samples) == (6, 2, 3)
    assert e.sd == pytest.approx(0.516398, abs=1e-6) and e.mde == pytest.approx(0.590626, abs=1e-6)
    assert e.sentence("runs ok") == "with 3 samples x 2 tasks, a change smaller than 0.59 in runs ok could go unnoticed"
    del cand[("b", 0)]  # task b now has 2 pairs: no single sample count
    e = P.detectable(_frame({"b": base, "c": cand}), "b", "c", "runs_ok")
    assert e.samples is None and e.size == "5 pairs over 2 tasks"


def test_warnings_only_for_unit_metrics_above_the_size():
    big = P.Detectable("runs_ok", 6, 2, 3, 0.5, 0.57)
    small = P.Detectable("quality", 600, 20, 30, 0.1, 0.011)
    ratio = P.Detectable("code_prose_ratio", 6, 2, 3, 4.0, 4.6)                 # unbounded: never flagged
    flat = P.Detectable("syntax_ok", 6, 2, 3, 0.0, None, "not estimable: every pair differs by the same amount")
    single = P.Detectable("tests_pass", 1, 1, 1, None, None, "not estimable: 1 pair")
    lines = P.underpowered({e.metric: e for e in (big, small, ratio, flat, single)}, 0.1)
    assert len(lines) == 2
    # (2.801585 * 0.5 / 0.1)^2 = 196.2 -> 197 pairs over 2 tasks -> 99 samples per task
    assert lines[0] == ("warning: with 3 samples x 2 tasks, a change smaller than 0.57 in runs ok could go unnoticed; "
                        "a change of 0.1 (--min-effect) needs about 99 samples per task at this spread")
    assert "tests pass: not estimable: 1 pair" in lines[1]
    assert P.underpowered({"runs_ok": big}, 0.6) == []


def _store(tmp_path):
    # runs_ok: d = 0, -1, 0, 0 -> sd 0.5, MDE = 2.801585 * 0.5 / 2 = 0.700396
    # feature_completeness: no difference anywhere -> not estimable
    per = {"base": {(t, k): {"runs_ok": 1.0, "feature_completeness": 0.5} for t in ("t1", "t2") for k in range(2)},
           "tuned": {(t, k): {"runs_ok": 0.0 if (t, k) == ("t1", 1) else 1.0, "feature_completeness": 0.5}
                     for t in ("t1", "t2") for k in range(2)}}
    return build_store(tmp_path / "db", per)


def test_report_files_state_the_mde(tmp_path):
    store = _store(tmp_path)
    effects = P.detectable_effects(run_comparison(store, "run-1"))
    assert effects["runs_ok"].mde == pytest.approx(0.700396, abs=1e-6)
    out = write_reports(store, "run-1", tmp_path / "rep")
    sentence = "with 2 samples x 2 tasks, a change smaller than 0.70 in runs ok could go unnoticed"
    summary = (out / "summary.md").read_text()
    assert "## Smallest detectable change" in summary and "- W" + sentence[1:] in summary
    assert "- Features: not estimable: every pair differs by the same amount" in summary
    doc = json.loads((out / "results.json").read_text())
    runs = doc["power"]["metrics"]["runs_ok"]
    assert runs["mde"] == pytest.approx(0.700396, abs=1e-6) and runs["n_pairs"] == 4 and runs["sentence"] == sentence
    assert doc["power"]["metrics"]["feature_completeness"]["mde"] is None
    page = (out / "index.html").read_text()
    assert 'id="power-table"' in page and "W" + sentence[1:] in page


def test_one_model_report_has_no_power_section(tmp_path):
    store = build_store(tmp_path / "db", {"solo": {("t", 0): {"runs_ok": 1.0}, ("t", 1): {"runs_ok": 0.0}}})
    out = write_reports(store, "run-1", tmp_path / "rep")
    assert json.loads((out / "results.json").read_text())["power"] is None
    assert "Smallest detectable change" not in (out / "summary.md").read_text()


# ---- the CLI warning --------------------------------------------------------------------------------
def _score(cli, *extra):
    from conftest import demo_responses

    return cli("score", "--responses", demo_responses(Path.cwd()), "--suite", "snake,seed", "--no-exec",
               "--no-progress", "--db", "db.sqlite", "--out", "rep", *extra)


def test_score_warns_when_the_run_is_too_small(workdir, cli):
    res = _score(cli)
    assert res.code == 0, res
    warnings = [ln for ln in res.err.splitlines() if ln.startswith("warning: ")]
    assert warnings and all("could go unnoticed" in w and "samples per task" in w for w in warnings)
    assert any("in features" in w for w in warnings)
    assert "warning:" not in res.out                                        # stderr only


def test_no_warning_for_a_large_effect_size(workdir, cli):
    assert "warning: " not in _score(cli, "--min-effect", "1").err
    (workdir / "evalkit.yaml").write_text("run:\n  min_effect: 0.9\n")     # the config's run: section
    assert "warning: " not in _score(cli).err
    assert "warning: " in _score(cli, "--min-effect", "0.05").err          # the flag wins over the config


def test_min_effect_out_of_range_is_refused(workdir, cli):
    assert _score(cli, "--min-effect", "0").code == 2
    (workdir / "evalkit.yaml").write_text("run:\n  min_effect: 5\n")
    res = _score(cli)
    assert res.code == 2 and "min_effect" in res.err
