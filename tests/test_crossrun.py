"""Comparison across runs: --baseline/--candidate RUN:MODEL for `evalkit gate` and `evalkit report`.

Two real runs in one SQLite store ("last week" and "today"), gated and reported through the same
functions and command line the user runs; exit codes 0 pass / 1 regression / 2 error."""

from __future__ import annotations

import json

import pytest

from evalkit.cli import main
from evalkit.crossrun import split_ref
from evalkit.errors import EvalkitError
from evalkit.cli import run_gate
from evalkit.report import write_reports
from evalkit.store import Store
from test_compare import build_store

OLD, NEW = "20261101-093000-ab12", "20261108-093000-cd34"
QWEN = "ollama:qwen3-vl:8b"


def scores(runs: float, quality: float) -> dict:
    return {"syntax_ok": 1.0, "runs_ok": runs, "quality": quality, "code_prose_ratio": 3.0}


def two_runs(tmp_path, *, today_runs: list[float], new_version: str = "1"):
    """Last week: base and tuned (runs_ok 1 everywhere); today: tuned (and a colon-named model)
    with the given runs_ok per task; both on suite seed, four tasks x three samples."""
    db = tmp_path / "evalkit.db"
    week = {m: {(f"task{t}", s): scores(1.0, 0.7) for t in range(4) for s in range(3)} for m in ("base", "tuned")}
    build_store(db, week, run_id=OLD)
    today = {"tuned": {(f"task{t}", s): scores(today_runs[t], 0.72) for t in range(4) for s in range(3)},
             QWEN: {(f"task{t}", s): scores(1.0, 0.9) for t in range(4) for s in range(3)}}
    store = build_store(db, today, run_id=NEW)
    store.update_run(NEW, suites_json={"seed": {"version": new_version, "digest": "abc123", "tasks": 4}})
    return store, db


def gate(store, baseline, candidate, run=None):
    return run_gate(store=store, run=run, baseline=baseline, candidate=candidate, rules_path=None,
                    markdown_path=None, junit_path=None)


def test_todays_model_gated_against_last_weeks(tmp_path, capsys):
    store, _ = two_runs(tmp_path, today_runs=[1.0, 1.0, 1.0, 1.0])
    assert gate(store, f"{OLD}:tuned", "tuned") == 0            # the latest run is today's
    out = capsys.readouterr().out
    assert f"gate PASS: tuned vs {OLD}:tuned (run {NEW}" in out

    store, _ = two_runs(tmp_path / "b", today_runs=[1.0, 0.0, 0.0, 1.0])
    assert gate(store, f"{OLD}:tuned", "tuned") == 1
    out = capsys.readouterr().out
    assert "FAIL runs_ok: dropped by 0.5" in out and "task1" in out and "task2" in out


def test_both_sides_from_named_runs_and_model_names_with_colons(tmp_path):
    store, _ = two_runs(tmp_path, today_runs=[1.0, 0.0, 1.0, 1.0])
    # "ollama" is no run id nor folder: the colons belong to the model name
    assert split_ref(store, QWEN) == (None, QWEN)
    assert split_ref(store, f"{NEW}:{QWEN}") == (NEW, QWEN)
    assert split_ref(store, "20991231-000000-ffff:tuned") == (None, "20991231-000000-ffff:tuned")
    assert gate(store, f"{OLD}:base", QWEN) == 0
    assert gate(store, f"{OLD}:base", f"{NEW}:tuned", run=OLD) == 1    # neither from the --run: still paired
    with pytest.raises(EvalkitError, match="model 'ollama' is not in"):
        gate(store, "base", "ollama", run=OLD)


def test_changed_suite_version_is_an_error_naming_the_task(tmp_path, capsys):
    store, db = two_runs(tmp_path, today_runs=[1.0, 1.0, 1.0, 1.0], new_version="2")
    with pytest.raises(EvalkitError, match=r"task seed/task0 cannot be paired: suite 'seed' is version 1 in run "
                                           rf"{OLD} and 2 in run {NEW}"):
        gate(store, f"{OLD}:tuned", "tuned")
    store.close()
    code = main(["gate", "--db", str(db), "--baseline", f"{OLD}:tuned", "--candidate", "tuned"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "task seed/task0" in err and "Traceback" not in err


@pytest.mark.parametrize("today_runs,expected", [([1.0] * 4, 0), ([0.0, 0.0, 1.0, 1.0], 1)])
def test_command_line_exit_codes(tmp_path, capsys, today_runs, expected):
    store, db = two_runs(tmp_path, today_runs=today_runs)
    store.close()
    md = tmp_path / "gate.md"
    code = main(["gate", "--db", str(db), "--baseline", f"{OLD}:tuned", "--candidate", "tuned",
                 "--markdown", str(md)])
    assert code == expected
    assert f"vs baseline **{OLD}:tuned**" in md.read_text()
    assert main(["gate", "--db", str(db), "--baseline", f"{OLD}:nobody", "--candidate", "tuned"]) == 2
    assert f"model 'nobody' is not in run {OLD}" in capsys.readouterr().err


def test_a_report_folder_as_the_earlier_run(tmp_path, capsys):
    store, db = two_runs(tmp_path, today_runs=[1.0, 0.0, 0.0, 0.0])
    folder = write_reports(store, OLD, tmp_path / "last-week")
    store.close()
    assert main(["gate", "--db", str(db), "--baseline", f"{folder}:tuned", "--candidate", "tuned"]) == 1
    # the other way round: today's folder gated against last week's run id in the store
    today = tmp_path / "today"
    assert main(["report", NEW, "--db", str(db), "--out", str(today)]) == 0
    assert main(["gate", "--db", str(db), "--run", str(today), "--baseline", f"{OLD}:tuned",
                 "--candidate", "tuned"]) == 1
    (folder / "results.json").unlink()                          # scores.csv alone has no suite versions
    assert main(["gate", "--db", str(db), "--baseline", f"{folder}:tuned", "--candidate", "tuned"]) == 2
    assert "no results.json" in capsys.readouterr().err


def test_runs_with_nothing_in_common_do_not_pass_silently(tmp_path):
    db = tmp_path / "evalkit.db"
    build_store(db, {"tuned": {("other", 0): scores(1.0, 0.7)}}, run_id=OLD)
    store = build_store(db, {"tuned": {("task0", 0): scores(1.0, 0.7)}}, run_id=NEW)
    with pytest.raises(EvalkitError, match="no \\(suite, task, sample\\) in common"):
        gate(store, f"{OLD}:tuned", "tuned")


def test_report_with_a_baseline_from_another_run(tmp_path):
    store, db = two_runs(tmp_path, today_runs=[1.0, 0.0, 1.0, 1.0])
    out = write_reports(store, NEW, tmp_path / "rep", baseline=f"{OLD}:tuned", candidate="tuned")
    res = json.loads((out / "results.json").read_text())
    label = f"{OLD}:tuned"
    assert res["baseline"] == label and res["candidate"] == "tuned"
    assert res["models"] == [label, "tuned", QWEN]
    assert res["run"]["models"][label]["from_run"] == OLD
    assert res["comparison"]["paired"]["runs_ok"]["delta"] == pytest.approx(-0.25)
    assert res["comparison"]["paired"]["runs_ok"]["n_pairs"] == 12
    assert sum(1 for r in res["results"] if r["model"] == label and r["from_run"] == OLD) == 12
    csv_rows = (out / "scores.csv").read_text().splitlines()
    assert any(r.startswith(f"{label},task1,0,runs_ok,1.0") for r in csv_rows)
    html = (out / "index.html").read_text()
    assert f"from run {OLD}" in html and f'data-model="{label}"' in html
    store.close()
    cli_out = tmp_path / "cli"
    assert main(["report", NEW, "--db", str(db), "--out", str(cli_out), "--baseline", label]) == 0
    assert json.loads((cli_out / "results.json").read_text())["candidate"] == "tuned"   # the run's first model
    store = Store(db)
    with pytest.raises(EvalkitError, match="cannot be paired"):
        store.update_run(NEW, suites_json={"seed": {"version": "2"}})
        write_reports(store, NEW, tmp_path / "rep2", baseline=f"{OLD}:tuned")
