"""evalkit gate: exit codes, rules, Markdown and JUnit, from a store and from a report folder."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from evalkit.errors import EvalkitError
from evalkit.cli import run_gate
from evalkit.gate import evaluate_rule, load_rules
from evalkit.report import write_reports
from test_compare import build_store


def two_models(tmp_path, *, tuned_runs: list[float], tuned_quality: float = 0.8):
    """base: runs_ok 1,1,1 on three tasks x two samples; tuned: the given runs_ok per task."""
    per = {"base": {}, "tuned": {}}
    for t, tv in enumerate(tuned_runs):
        for s in range(2):
            per["base"][(f"task{t}", s)] = {"syntax_ok": 1.0, "runs_ok": 1.0, "quality": 0.7, "code_prose_ratio": 2.0}
            per["tuned"][(f"task{t}", s)] = {"syntax_ok": 1.0, "runs_ok": tv, "quality": tuned_quality,
                                             "code_prose_ratio": 4.0}
    return build_store(tmp_path / "db", per)


def gate_files(tmp_path, store, **kw):
    md, xml = tmp_path / "gate.md", tmp_path / "junit.xml"
    code = run_gate(store=store, run=kw.pop("run", None), baseline=kw.pop("baseline", "base"),
                    candidate=kw.pop("candidate", "tuned"), rules_path=kw.pop("rules", None),
                    markdown_path=str(md), junit_path=str(xml))
    return code, md.read_text(), ET.parse(xml).getroot()


def test_improving_pair_passes(tmp_path, capsys):
    store = two_models(tmp_path, tuned_runs=[1.0, 1.0, 1.0], tuned_quality=0.9)
    code, md, junit = gate_files(tmp_path, store)
    assert code == 0
    assert "evalkit gate: ✅ pass" in md and "FAIL" not in md
    assert junit.get("failures") == "0" and junit.findall(".//failure") == []
    names = {tc.get("name") for tc in junit.iter("testcase")}
    assert {"runs_ok", "quality", "syntax_ok", "code_prose_ratio"} <= names
    assert "gate PASS" in capsys.readouterr().out


def test_regressing_pair_fails_and_names_metric_and_tasks(tmp_path, capsys):
    store = two_models(tmp_path, tuned_runs=[1.0, 0.0, 0.0])
    code, md, junit = gate_files(tmp_path, store)
    assert code == 1
    assert "❌ regression" in md and "**runs_ok**" in md and "dropped by 0.667" in md
    assert "seed/task1" in md and "seed/task2" in md and "seed/task0" not in md.split("What failed")[1]
    failures = junit.findall(".//testcase[@name='runs_ok']/failure")
    assert len(failures) == 1 and "0.667" in failures[0].get("message")
    assert "task1" in failures[0].text and "baseline base: 1" in failures[0].text
    assert junit.find(".//testcase[@name='quality']/failure") is None
    out = capsys.readouterr().out
    assert "gate FAIL" in out and "runs_ok" in out


def test_missing_run_and_bad_models_exit_2(tmp_path):
    store = two_models(tmp_path, tuned_runs=[1.0])
    with pytest.raises(EvalkitError, match="not found"):
        run_gate(store=store, run="nope", baseline="base", candidate="tuned", rules_path=None,
                 markdown_path=None, junit_path=None)
    with pytest.raises(EvalkitError, match="not in run"):
        run_gate(store=store, run=None, baseline="base", candidate="ghost", rules_path=None,
                 markdown_path=None, junit_path=None)
    with pytest.raises(EvalkitError, match="not found"):
        run_gate(store=store, run=None, baseline="base", candidate="tuned", rules_path=str(tmp_path / "no.yaml"),
                 markdown_path=None, junit_path=None)
    from evalkit.store import Store
    with pytest.raises(EvalkitError, match="no runs"):
        run_gate(store=Store(tmp_path / "empty.db"), run=None, baseline="a", candidate="b", rules_path=None,
                 markdown_path=None, junit_path=None)


def test_gate_from_report_folder(tmp_path):
    store = two_models(tmp_path, tuned_runs=[1.0, 0.0, 1.0])
    folder = write_reports(store, "run-1", tmp_path / "artifact")
    store.close()
    code = run_gate(store=None, run=str(folder), baseline="base", candidate="tuned", rules_path=None,
                    markdown_path=None, junit_path=None)
    assert code == 1
    # scores.csv alone is enough too
    (folder / "results.json").unlink()
    assert run_gate(store=None, run=str(folder), baseline="base", candidate="tuned", rules_path=None,
                    markdown_path=None, junit_path=None) == 1
    with pytest.raises(EvalkitError, match="neither results.json nor scores.csv"):
        run_gate(store=None, run=str(tmp_path), baseline="base", candidate="tuned", rules_path=None,
                 markdown_path=None, junit_path=None)


def test_rules_file_tolerance_floor_significance_and_rollups(tmp_path):
    store = two_models(tmp_path, tuned_runs=[1.0, 1.0, 0.0])   # runs_ok drops by 1/3
    rules = tmp_path / "gate.yaml"
    rules.write_text("metrics:\n  runs_ok: {max_drop: 0.5}\n  quality: {min: 0.95}\n"
                     "  code_prose_ratio: {enabled: false}\n")
    code, md, junit = gate_files(tmp_path, store, rules=str(rules))
    assert code == 1 and "**quality**" in md and "below the floor 0.95" in md
    assert junit.find(".//testcase[@name='runs_ok']/failure") is None
    assert junit.find(".//testcase[@name='code_prose_ratio']/skipped") is not None

    rules.write_text("only_listed: true\nmetrics:\n  runs_ok: {max_drop: 0.1, require_significance: true}\n")
    code, md, junit = gate_files(tmp_path, store, rules=str(rules))
    assert code == 0   # a drop of 1/3 on 6 pairs: the interval still reaches 0
    assert [tc.get("name") for tc in junit.iter("testcase")] == ["runs_ok"]

    rules.write_text("only_listed: true\nrollups:\n  code_correctness: {max_drop: 0.5}\n")
    code, md, _ = gate_files(tmp_path, store, rules=str(rules))
    assert code == 1 and "rollup:code_correctness" in md

    rules.write_text("only_listed: true\nmetrics:\n  tests_pass: {max_drop: 0.0}\n")
    with pytest.raises(EvalkitError, match="no paired scores for tests_pass"):
        gate_files(tmp_path, store, rules=str(rules))

    rules.write_text("metrics:\n  runs_ok: {max_dorp: 0.1}\n")
    with pytest.raises(EvalkitError, match="unknown key"):
        load_rules(str(rules))


def test_rule_semantics():
    common = dict(ci_low=-0.6, ci_high=-0.2, n_pairs=10, explicit=True)
    # higher is better: a drop beyond the tolerance fails; within passes
    assert evaluate_rule("m", {"max_drop": 0.1}, higher_is_better=True, baseline=0.9, candidate=0.5,
                         delta=-0.4, **common).status == "fail"
    assert evaluate_rule("m", {"max_drop": 0.5}, higher_is_better=True, baseline=0.9, candidate=0.5,
                         delta=-0.4, **common).status == "pass"
    # require_significance: fails only when the upper bound is below -max_drop
    assert evaluate_rule("m", {"max_drop": 0.1, "require_significance": True}, higher_is_better=True,
                         baseline=0.9, candidate=0.5, delta=-0.4, **common).status == "fail"
    assert evaluate_rule("m", {"max_drop": 0.3, "require_significance": True}, higher_is_better=True,
                         baseline=0.9, candidate=0.5, delta=-0.4, **common).status == "pass"
    # relative tolerance for the unbounded ratio: 25% of 4.0 = 1.0
    r = dict(ci_low=None, ci_high=None, n_pairs=3, explicit=False)
    assert evaluate_rule("code_prose_ratio", {"max_rel_drop": 0.25}, higher_is_better=True, baseline=4.0,
                         candidate=3.2, delta=-0.8, **r).status == "pass"
    assert evaluate_rule("code_prose_ratio", {"max_rel_drop": 0.25}, higher_is_better=True, baseline=4.0,
                         candidate=2.5, delta=-1.5, **r).status == "fail"
    # lower is better: a rise is the regression
    assert evaluate_rule("thinking_lines", {"max_drop": 5}, higher_is_better=False, baseline=10, candidate=30,
                         delta=20, **r).status == "fail"
    assert evaluate_rule("thinking_lines", {"max_drop": 5}, higher_is_better=False, baseline=30, candidate=10,
                         delta=-20, **r).status == "pass"


def test_a_candidate_whose_requests_failed_does_not_pass(tmp_path):
    """Failed requests are never scored: the gate must see them as failures, not as 'not scored'."""
    from evalkit.scorers.base import Score
    from evalkit.store import Store

    store = Store(tmp_path / "db")
    store.create_run("r", evalkit_version="0", config={}, suites={}, models={"base": {}, "tuned": {}})
    for t in range(3):
        rid = store.save_and_link("r", "base", {"cache_key": f"b{t}", "provider": "replay", "model": "b",
                                                "suite": "seed", "task_id": f"t{t}", "sample": 0, "text": "x"})
        store.save_scores(rid, [Score("syntax_ok", 1.0), Score("runs_ok", 1.0)], "1")
        store.save_and_link("r", "tuned", {"cache_key": f"c{t}", "provider": "replay", "model": "c", "suite": "seed",
                                           "task_id": f"t{t}", "sample": 0, "error": "HTTP 500"})
    code, md, junit = gate_files(tmp_path, store)
    assert code == 1
    assert junit.find(".//testcase[@name='error']/failure") is not None
    assert junit.find(".//testcase[@name='runs_ok']/failure") is not None  # scores only the baseline has
    assert "did its requests fail" in md


def test_require_significance_needs_enough_pairs():
    """Three identical drops give a zero-width bootstrap interval: not evidence enough to fail."""
    rule = {"max_drop": 0.0, "require_significance": True}
    few = evaluate_rule("runs_ok", rule, higher_is_better=True, baseline=1.0, candidate=0.0, delta=-1.0,
                        ci_low=-1.0, ci_high=-1.0, n_pairs=3, explicit=True)
    many = evaluate_rule("runs_ok", rule, higher_is_better=True, baseline=1.0, candidate=0.0, delta=-1.0,
                         ci_low=-1.0, ci_high=-1.0, n_pairs=30, explicit=True)
    assert few.status == "pass" and many.status == "fail"
