"""The Python API: evalkit.score / evalkit.evaluate -> EvalResult (table, comparison, reports, gate)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

import evalkit
from conftest import MINI_SUITES, write_config
from evalkit.errors import EvalkitError

PROJECT_DIR = Path(__file__).resolve().parent.parent
RESPONSES = Path(__file__).resolve().parent / "fixtures" / "responses"


def responses_file(folder: Path, samples: int = 2) -> Path:
    """base: the snake answer with the defects users report; tuned: the complete one."""
    path = folder / "responses.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for model, name in (("base", "snake_base.md"), ("tuned", "snake_tuned.md")):
            text = (RESPONSES / name).read_text(encoding="utf-8")
            for s in range(samples):
                f.write(json.dumps({"model": model, "task_id": "snake", "sample": s, "response": text}) + "\n")
    return path


@pytest.fixture
def scored(tmp_path):
    with evalkit.score(responses_file(tmp_path), suites=["snake"], db=":memory:", execute=False) as r:
        yield r


def test_the_readme_example_works_in_a_fresh_process(tmp_path):
    """`import evalkit; evalkit.score(...)` with every default (execution on, the CLI's default store)."""
    responses_file(tmp_path, samples=1)
    env = {k: v for k, v in os.environ.items() if k != "EVALKIT_DB"}
    env["PYTHONPATH"] = str(PROJECT_DIR)
    code = ("import evalkit; r = evalkit.score('responses.jsonl', suites=['snake']); print(r.table); "
            "print('runs_ok', r.comparison.metric_stats['runs_ok'].candidate_mean)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "feature_completeness" in proc.stdout and "tuned" in proc.stdout
    assert "runs_ok 1.0" in proc.stdout                        # the tuned game ran in the sandbox
    assert (tmp_path / ".evalkit" / "evalkit.db").is_file()    # the same default store as the CLI


def test_import_evalkit_is_light():
    code = ("import sys, evalkit, evalkit.cli; assert 'pandas' not in sys.modules, 'pandas imported'; "
            "evalkit.cli.build_parser().format_help(); f = evalkit.score; "
            "assert 'pandas' not in sys.modules and 'numpy' not in sys.modules; print(f.__module__)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "evalkit.api", proc.stderr
    with pytest.raises(AttributeError):
        evalkit.no_such_function  # noqa: B018


def test_table_is_scores_csv(scored, tmp_path):
    table = scored.table
    assert list(table.columns) == ["model", "task_id", "sample", "metric", "value"]
    assert set(table.model) == {"base", "tuned"} and set(table["sample"]) == {0, 1}
    by = table.set_index(["model", "sample", "metric"])["value"]
    assert by[("base", 0, "feature_completeness")] < by[("tuned", 0, "feature_completeness")]
    assert by[("tuned", 1, "error")] == 0.0
    folder = scored.write_reports(tmp_path / "rep")
    assert sorted(p.name for p in folder.iterdir()) == ["index.html", "results.json", "scores.csv", "summary.md"]
    csv = pd.read_csv(folder / "scores.csv")
    pd.testing.assert_frame_equal(csv, table, check_dtype=False)
    results = json.loads((folder / "results.json").read_text())
    assert results["run_id"] == scored.run_id and results["baseline"] == "base" and results["candidate"] == "tuned"
    paired = results["comparison"]["paired"]["feature_completeness"]
    assert paired["delta"] == pytest.approx(scored.comparison.metric_stats["feature_completeness"].delta)


def test_comparison_is_typed(scored):
    from evalkit.compare import Comparison, MetricComparison

    assert isinstance(scored.comparison, Comparison)
    assert (scored.comparison.baseline, scored.comparison.candidate) == ("base", "tuned")
    fc = scored.comparison.metric_stats["feature_completeness"]
    assert isinstance(fc, MetricComparison) and fc.delta > 0 and fc.n_pairs == 2
    assert scored.models == ["base", "tuned"] and scored.leaderboard.baseline == "base"


def test_power_is_the_reports_minimum_detectable_effect(tmp_path):
    """r.power: each main metric's MDE from the run's own paired differences, as results.json has it."""
    import math
    import statistics

    from evalkit.power import FACTOR
    from evalkit.scorers import registry

    base, tuned = (RESPONSES / "snake_base.md").read_text(), (RESPONSES / "snake_tuned.md").read_text()
    path = tmp_path / "responses.jsonl"
    # base answers twice with its defects and once like tuned: the differences vary (d, d, 0)
    rows = [("base", 0, base), ("base", 1, base), ("base", 2, tuned)] + [("tuned", s, tuned) for s in range(3)]
    path.write_text("".join(json.dumps({"model": m, "task_id": "snake", "sample": s, "response": t}) + "\n"
                            for m, s, t in rows))
    with evalkit.score(path, suites=["snake"], db=":memory:", execute=False) as r:
        power = r.power
        assert set(power) == {m for m in r.comparison.metrics if registry.metric(m).main}
        fc = power["feature_completeness"]
        d = r.comparison.metric_stats["feature_completeness"].delta * 3 / 2   # mean of (d, d, 0)
        assert d > 0 and fc.mde == pytest.approx(FACTOR * statistics.stdev([d, d, 0.0]) / math.sqrt(3))
        assert (fc.n_pairs, fc.n_tasks, fc.samples) == (3, 1, 3)
        assert "with 3 samples x 1 task, a change smaller than" in fc.sentence()
        results = json.loads((r.write_reports(tmp_path / "rep") / "results.json").read_text())
    assert results["power"]["metrics"]["feature_completeness"]["mde"] == pytest.approx(fc.mde)


def test_power_without_spread_or_pair(scored, tmp_path):
    """Identical samples leave no spread to size a change: not estimable, with the reason; one model: {}."""
    assert scored.power and all(e.mde is None and "no spread" in e.reason for e in scored.power.values())
    solo = tmp_path / "solo.jsonl"
    solo.write_text("".join(line + "\n" for line in responses_file(tmp_path).read_text().splitlines()
                            if '"model": "base"' in line))
    with evalkit.score(solo, suites=["snake"], db=":memory:", execute=False) as r:
        assert r.comparison is None and r.power == {}


def test_gate_returns_the_verdict_and_writes_nothing(scored, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    ok = scored.gate()
    assert ok.passed and not ok.failed and ok.rules_source == "built-in defaults"
    strict = scored.gate({"metrics": {"quality": {"min": 0.99}}})
    assert not strict.passed and [o.name for o in strict.failed] == ["quality"]
    assert "below the floor 0.99" in strict.failed[0].message
    rules = tmp_path / "gate.yaml"
    rules.write_text("metrics:\n  claim_consistency: {max_drop: 0.0}\n")
    assert scored.gate(str(rules)).passed
    assert capsys.readouterr().out == "" and sorted(os.listdir(tmp_path)) == ["gate.yaml", "responses.jsonl"]


def test_gate_fails_when_the_candidate_regresses(tmp_path):
    with evalkit.score(responses_file(tmp_path), suites=["snake"], db=":memory:", execute=False,
                       baseline="tuned", candidate="base") as r:
        verdict = r.gate()
    failed = {o.name for o in verdict.failed}
    assert not verdict.passed and {"feature_completeness", "claim_consistency"} <= failed
    fc = next(o for o in verdict.failed if o.name == "feature_completeness")
    assert fc.delta == pytest.approx(-0.5) and "dropped by 0.5" in fc.message


def test_evaluate_against_a_loopback_server(server, workdir):
    """The official ollama and openai clients against the protocol-faithful server on 127.0.0.1."""
    config = write_config(workdir / "evalkit.yaml", server)
    db = workdir / "db.sqlite"
    lines: list[str] = []
    with evalkit.evaluate(["base", "tuned"], samples=2, config=config, db=db, execute=False, log=lines.append) as r:
        assert r.generation.sent == 8 and r.generation.failed == 0 and server.chat_requests == 8
        assert lines == [f"run {r.run_id}: 8 responses (0 cached, 8 sent, 0 failed)"]
        assert r.models == ["base", "tuned"] and r.comparison.candidate == "tuned"
        t = r.table
        assert set(t.task_id) == {"add", "hello"} and len(t[(t.metric == "syntax_ok")]) == 8
        assert (t[t.metric == "error"].value == 0).all()
        first = r.run_id
    with evalkit.evaluate("base,tuned", samples=2, config=config, db=db, execute=False) as again:
        assert again.run_id != first and again.generation.cached == 8 and server.chat_requests == 8


@pytest.mark.parametrize("call, message", [
    (lambda p: evalkit.score(p, suites=["snake"], db=":memory:", sandbox="docker"),
     "sandbox: 'docker' is not one of auto, bwrap, limits, none"),
    (lambda p: evalkit.score(p, suites=["nosuch"], db=":memory:"), "unknown suite 'nosuch'"),
    (lambda p: evalkit.score(p, suites=["snake"], db=42), "db: expected a path"),
    (lambda p: evalkit.score(p / "missing.jsonl", suites=["snake"], db=":memory:"), "missing.jsonl"),
    (lambda p: evalkit.evaluate(42, db=":memory:"), "models: expected a list of names"),
    (lambda p: evalkit.evaluate(["ollama:m"], samples=0, db=":memory:"), "samples: 0 is out of range"),
])
def test_bad_arguments_are_one_clear_error(call, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(EvalkitError) as err:
        call(responses_file(tmp_path))
    assert message in str(err.value) and "\n" not in str(err.value)


def test_unknown_run_key_in_the_config_is_exit_2(workdir, cli, server):
    write_config(workdir / "evalkit.yaml", server)
    cfg = yaml.safe_load((workdir / "evalkit.yaml").read_text())
    cfg["run"]["sample"] = 3  # a typo of `samples`: silently ignored it would run with 1
    (workdir / "evalkit.yaml").write_text(yaml.safe_dump(cfg))
    res = cli("run", "--models", "base", "--no-progress", "--db", "db.sqlite")
    assert res.code == 2 and res.err.count("\n") == 1, res
    assert "run: unknown key 'sample'" in res.err and "allowed: suites, samples," in res.err
    assert server.chat_requests == 0
    with pytest.raises(EvalkitError, match="unknown key 'sample'"):
        evalkit.evaluate(["base"], config=str(workdir / "evalkit.yaml"), db=":memory:")
    from evalkit.config import load_config

    cfg["run"] = {"suites": ["mini"], "samples": 3, "suites_dir": [str(MINI_SUITES)]}
    (workdir / "evalkit.yaml").write_text(yaml.safe_dump(cfg))
    run = load_config(workdir / "evalkit.yaml").run
    assert (run.samples, run.suites, run.timeout) == (3, ("mini",), None)


def test_open_run_from_the_store_and_from_a_report_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./evalkit.yaml nor default store of the checkout is read
    db = tmp_path / "db.sqlite"
    with evalkit.score(responses_file(tmp_path), suites=["snake"], db=db, execute=False) as r:
        folder = r.write_reports(tmp_path / "artifact")
        run_id, delta = r.run_id, r.comparison.metric_stats["quality"].delta
    assert repr(r) == f"EvalResult(run {run_id}: base, tuned, base -> tuned)"
    with pytest.raises(EvalkitError, match="is closed"):
        r.table  # noqa: B018 - the responses are read from the store, which is closed now
    with evalkit.open_run(db=db) as again:  # the latest run, compared again, nothing scored
        assert again.run_id == run_id and again.run.status == "scored" and again.run.sandbox.startswith("not executed")
        assert again.comparison.metric_stats["quality"].delta == pytest.approx(delta)
    art = evalkit.open_run(str(folder), baseline="tuned", candidate="base")   # no store needed
    assert art.store is None and art.run_id == run_id
    assert art.comparison.metric_stats["quality"].delta == pytest.approx(-delta)
    pd.testing.assert_frame_equal(art.table, pd.read_csv(folder / "scores.csv"), check_dtype=False)
    assert not art.gate().passed
    verdict = evalkit.gate_run(str(folder), baseline="tuned", candidate="base")
    assert {o.name for o in verdict.failed} == {o.name for o in art.gate().failed}


def test_check_models_asks_every_endpoint(server, workdir):
    from evalkit.api import check_models

    config = write_config(workdir / "evalkit.yaml", server,
                          ghost={"provider": "openai", "model": "nope", "base_url": server.url + "/v1"})
    rows = {r.alias: r for r in check_models(config=config)}
    assert (rows["base"].answers, rows["base"].exists) == ("yes", "yes")
    assert (rows["tuned"].answers, rows["tuned"].exists) == ("yes", "yes")
    assert rows["ghost"].exists == "no" and "available: tuned" in rows["ghost"].note
    assert [r.alias for r in check_models("base", config=config)] == ["base"]


@pytest.mark.parametrize("module", ["cli.py", "demo.py"])
def test_cli_and_demo_leave_the_pipeline_to_the_api(module):
    """The order of work (generate, score, compare, gate) lives in evalkit/api.py only."""
    import ast

    tree = ast.parse((PROJECT_DIR / "evalkit" / module).read_text(encoding="utf-8"))
    imported = {n.module.lstrip(".").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and not n.module for a in n.names}
    stages = {"pipeline", "generate", "store", "compare", "crossrun", "scorers", "gate", "leaderboard", "executors"}
    assert not imported & stages, imported & stages
