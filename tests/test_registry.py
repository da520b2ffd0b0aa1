"""The metric registry: a metric added as one module through a real entry point reaches the report,
scores.csv and the gate; a broken plugin is one line and exit 2; bumping one scorer's version
recomputes only that scorer's metrics; a store scored under the old global version is not rescored."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from evalkit import pipeline
from evalkit.scorers import claims as claims_module
from evalkit.scorers import features as features_module
from evalkit.scorers import registry
from evalkit.scorers import syntax as syntax_module
from evalkit.store import Store
from evalkit.suites import load_suites

from conftest import demo_responses

REPO = Path(__file__).resolve().parent.parent
STORES = Path(__file__).resolve().parent / "fixtures" / "stores"

TOY_MODULE = '''"""A toy metric: how many code blocks the answer has (fewer is tidier)."""
from evalkit.scorers.base import Metric, Score

VERSION = "1"
METRICS = (Metric("toy_blocks", "toy code blocks", direction="lower", main=True, order=75,
                  gate={"max_drop": 0.5}),)


def score(task, ex, artifacts):
    return [Score("toy_blocks", float(len(ex.blocks)), {"why": "counted by the toy plugin"})]
'''


def install_plugin(folder: Path, name: str, module_source: str) -> None:
    """A module and the dist-info an installed package would have: entry point group evalkit.scorers."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.py").write_text(module_source, encoding="utf-8")
    info = folder / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[evalkit.scorers]\n{name} = {name}\n", encoding="utf-8")


def evalkit(cwd: Path, plugins: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugins), str(REPO)])}
    return subprocess.run([sys.executable, "-m", "evalkit", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def fresh_registry():
    registry.reset()
    yield
    registry.reset()


# ---- a third-party metric: one module + its entry point --------------------------------------------
def test_a_plugin_metric_reaches_report_scores_csv_and_gate(tmp_path):
    plugins = tmp_path / "site"
    install_plugin(plugins, "toy_blocks", TOY_MODULE)
    res = evalkit(tmp_path, plugins, "score", "--responses", str(demo_responses(tmp_path)), "--suite", "snake,seed", "--no-exec",
                  "--workers", "1", "--no-progress", "--db", "db.sqlite", "--out", "out")
    assert res.returncode == 0, res.stderr

    rows = list(csv.DictReader((tmp_path / "out" / "scores.csv").open(encoding="utf-8")))
    toy = [r for r in rows if r["metric"] == "toy_blocks"]
    assert len(toy) == 36 and all(float(r["value"]) >= 1 for r in toy)   # every demo answer has code
    assert "toy code blocks" in (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert "toy code blocks" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert results["comparison"]["paired"]["toy_blocks"]["higher_is_better"] is False

    gate = evalkit(tmp_path, plugins, "gate", "--db", "db.sqlite", "--baseline", "base", "--candidate", "tuned",
                   "--markdown", "gate.md")
    assert gate.returncode in (0, 1), gate.stderr
    row = next(line for line in (tmp_path / "gate.md").read_text(encoding="utf-8").splitlines()
               if line.startswith("| toy_blocks |"))
    assert "max_drop 0.5" in row                                          # its declared default rule
    # judged like any built-in rule: without the plugin the verdict counts one rule fewer (the store
    # still reports its stored toy scores, under the default metadata, but no rule gates them)
    again = evalkit(tmp_path, tmp_path / "empty", "gate", "--db", "db.sqlite", "--baseline", "base",
                    "--candidate", "tuned")
    assert again.returncode in (0, 1), again.stderr
    assert rules_checked(gate.stdout) == rules_checked(again.stdout) + 1


def rules_checked(verdict: str) -> int:
    return int(re.search(r"(\d+) rules", verdict).group(1))


def test_a_broken_plugin_is_one_line_and_exit_2(tmp_path):
    plugins = tmp_path / "site"
    install_plugin(plugins, "broken_metric", "raise ImportError('needs numpy 9')\n")
    res = evalkit(tmp_path, plugins, "score", "--responses", str(demo_responses(tmp_path)), "--suite", "snake,seed", "--no-exec",
                  "--workers", "1", "--no-progress", "--db", "db.sqlite", "--out", "out")
    assert res.returncode == 2
    err = res.stderr.strip().splitlines()
    assert len(err) == 1 and "Traceback" not in res.stderr
    assert "scorer plugin 'broken_metric'" in err[0] and "needs numpy 9" in err[0]


def test_a_plugin_that_takes_a_built_in_metric_name_is_refused(tmp_path):
    plugins = tmp_path / "site"
    install_plugin(plugins, "clash", TOY_MODULE.replace('"toy_blocks"', '"quality"'))
    res = evalkit(tmp_path, plugins, "score", "--responses", str(demo_responses(tmp_path)), "--suite", "snake,seed", "--no-exec",
                  "--workers", "1", "--no-progress", "--db", "db.sqlite", "--out", "out")
    assert res.returncode == 2 and "scorer plugin 'clash'" in res.stderr and "'quality' is taken" in res.stderr


# ---- per-scorer versions --------------------------------------------------------------------------
def _scored_store(tmp_path: Path, *, execute: bool, lines: list[str] | None = None):
    path = tmp_path / "responses.jsonl"
    path.write_text("".join(lines) if lines is not None else demo_responses(tmp_path).read_text(encoding="utf-8"), encoding="utf-8")
    store = Store(tmp_path / "db.sqlite")
    run_id = pipeline.import_responses(store, path, ["snake", "seed"])
    suites = load_suites(["snake", "seed"])
    first = pipeline.score_run(store, run_id, suites, execute=execute, workers=1, progress=False)
    return store, run_id, suites, first


def _rows(store: Store) -> dict[tuple[int, str], tuple]:
    """(response, metric) -> (rowid, value, version, scorer, details): a rewritten row gets a new rowid."""
    con = sqlite3.connect(store.path)
    try:
        return {(r[0], r[1]): r[2:] for r in con.execute(
            "SELECT response_id, metric, rowid, value, scorer_version, scorer, details_json FROM scores")}
    finally:
        con.close()


def test_bumping_one_scorer_rescores_only_its_metrics(tmp_path, fresh_registry, monkeypatch):
    store, run_id, suites, first = _scored_store(tmp_path, execute=False)
    before = _rows(store)
    assert first == 36 and pipeline.score_run(store, run_id, suites, execute=False, workers=1, progress=False) == 0

    monkeypatch.setattr(syntax_module, "VERSION", str(int(syntax_module.VERSION) + 1))
    registry.reset()
    assert pipeline.score_run(store, run_id, suites, execute=False, workers=1, progress=False) == 36
    after = _rows(store)
    assert set(after) == set(before)
    changed = {key for key in after if after[key][0] != before[key][0]}
    assert {metric for _, metric in changed} == {"syntax_ok"} and len(changed) == 36   # recomputed: 36 rows
    assert all(after[k][2] == "4:static" and after[k][1] == before[k][1] for k in changed)  # same verdicts
    assert all(after[k] == before[k] for k in after if k not in changed)               # untouched
    store.close()


def test_features_rescored_alone_reads_the_kept_probes(tmp_path, fresh_registry, monkeypatch):
    # two snake games (the probes are features' evidence) and one seed answer, with execution on
    lines = [line for line in demo_responses(tmp_path).read_text(encoding="utf-8").splitlines(keepends=True)
             if '"sample": 0' in line and '"model": "base"' in line][:6]
    store, run_id, suites, first = _scored_store(tmp_path, execute=True, lines=lines)
    before = _rows(store)
    kept = {rid: store.scorer_state(rid) for rid in {k[0] for k in before}}
    assert all(s["execution"][1] is not None and "probes" in s["execution"][1] for s in kept.values())
    assert any(s["execution"][1]["probes"] for s in kept.values())        # some answer is a probed game

    bumped = int(features_module.VERSION) + 1
    monkeypatch.setattr(features_module, "VERSION", str(bumped))
    registry.reset()
    assert pipeline.score_run(store, run_id, suites, execute=True, workers=1, progress=False) == first
    after = _rows(store)
    changed = {metric for (rid, metric) in after if after[(rid, metric)][0] != before[(rid, metric)][0]}
    assert changed == {"feature_completeness"}                           # the programs did not run again
    assert all(after[k][1] == before[k][1] and after[k][4] == before[k][4] for k in after)  # same evidence

    # a store that kept no probes (written before they were kept): execution runs again with features
    con = sqlite3.connect(store.path)
    con.execute("UPDATE scorer_runs SET artifacts_json = NULL")
    con.commit()
    con.close()
    monkeypatch.setattr(features_module, "VERSION", str(bumped + 1))
    registry.reset()
    pipeline.score_run(store, run_id, suites, execute=True, workers=1, progress=False)
    final = _rows(store)
    rerun = {k[1] for k in final if final[k][0] != after[k][0]}
    assert rerun == {"runs_ok", "tests_pass", "feature_completeness", "claim_consistency"}
    store.close()


def test_a_store_scored_under_global_version_3_is_not_rescored(tmp_path):
    """The previous evalkit wrote one version for every row ("3:exec"); every scorer started at "3",
    so only the scorers bumped since (their module's VERSION, e.g. claims) score those rows again."""
    db = tmp_path / "evalkit.db"
    shutil.copyfile(STORES / "v0.db", db)
    con = sqlite3.connect(db)
    con.execute("UPDATE scores SET scorer_version = '3:exec'")   # as evalkit with SCORER_VERSION 3 left it
    con.commit()
    run_id = con.execute("SELECT id FROM runs").fetchone()[0]
    con.close()
    store = Store(db)
    before = _rows(store)
    assert {v[3] for v in before.values()} <= {"execution", "syntax", "ratio", "claims", "features", "quality"}
    suites = load_suites(["mini"], [STORES / "suites"])
    current = registry.versions(True)
    # the scorers bumped since, and those they need evidence from (no artifacts were kept then)
    rerun = set(registry.rescore_plan({name: ("3:exec", None) for name in current}, True)[0])
    assert ("claims" in rerun) == (claims_module.VERSION != "3")
    rescored = pipeline.score_run(store, run_id, suites, execute=True, workers=1, progress=False)
    after = _rows(store)
    assert rescored == (len({k[0] for k in before}) if rerun else 0)
    assert {k: v for k, v in after.items() if v[3] not in rerun} == {k: v for k, v in before.items() if v[3] not in rerun}
    assert {v[3]: v[2] for v in after.values() if v[3] in rerun} == {n: current[n] for n in rerun if
                                                                     any(v[3] == n for v in after.values())}
    # the same store asked for static scores is a different mode: everything is scored again, as before
    assert pipeline.score_run(store, run_id, suites, execute=False, workers=1, progress=False) == 8
    assert {v[2] for v in _rows(store).values()} == {registry.versions(False)[v[3]] for v in _rows(store).values()}
    assert not any(k[1] in ("runs_ok", "tests_pass") for k in _rows(store))   # --no-exec has no run scores
    store.close()


def test_rescore_plan_follows_dependencies(fresh_registry):
    current = registry.versions(True)
    kept = {"probes": {}, "crash": None}  # what execution keeps: the probes, a failed run's record
    stored = {name: (version, kept if name == "execution" else None) for name, version in current.items()}
    assert registry.rescore_plan(stored, True) == ([], [], kept)
    bumped = {**stored, "execution": ("2:exec", kept)}
    assert registry.rescore_plan(bumped, True)[0] == ["execution", "claims", "features"]  # new evidence
    gone = {**stored, "features": ("2:exec", None), "old_plugin": ("1:exec", None)}
    assert registry.rescore_plan(gone, True) == (["features"], ["old_plugin"], kept)
    unkept = {**gone, "execution": (current["execution"], None)}
    assert registry.rescore_plan(unkept, True)[0] == ["execution", "claims", "features"]


def test_every_metric_a_built_in_scorer_emits_is_declared(fresh_registry):
    emitted = {"syntax_ok", "runs_ok", "tests_pass", "code_prose_ratio", "code_prose_char_ratio", "code_lines",
               "prose_lines", "thinking_lines", "claim_consistency", "feature_completeness", "quality", "cc_mean",
               "mi", "lint_findings", "error", "latency_s", "completion_tokens"}
    declared = registry.get().metrics
    assert emitted <= set(declared)
    assert {f"scorer_error_{s.name}" for s in registry.scorers()} <= set(declared)
    assert registry.pass_at_k_metric() == "tests_pass"
    assert [s.name for s in registry.scorers()][0] == "execution"   # its artifacts come first


def test_declarations_that_cannot_work_are_refused_by_name(fresh_registry):
    from evalkit import gate, rollups
    from evalkit.errors import EvalkitError
    from evalkit.scorers.base import Metric, Scorer

    def nothing(task, ex, artifacts):
        return []

    with pytest.raises(EvalkitError, match="scorer .twice.: .*declares a metric twice"):
        registry.register(Scorer("twice", "1", (Metric("a_metric"), Metric("a_metric")), nothing))
    with pytest.raises(EvalkitError, match="needs probes_x"):
        registry.register(Scorer("needy", "1", (), nothing, needs=("probes_x",)))
    registry.register(Scorer("typo", "1", (Metric("typo_metric", gate={"max_dorp": 0.1}),), nothing))
    with pytest.raises(EvalkitError, match="declared by scorer typo: typo_metric has unknown key.*max_dorp"):
        gate.default_rules()
    registry.reset()
    registry.register(Scorer("stray", "1", (Metric("stray_metric", rollups={"speed": 1.0}),), nothing))
    with pytest.raises(EvalkitError, match="stray_metric .scorer stray. joins roll-up 'speed'"):
        rollups.rollups({"syntax_ok": 1.0})


@pytest.mark.parametrize("mode", ["exec", "static"])
def test_migration_2_gives_every_scorer_of_a_response_its_version(tmp_path, monkeypatch, mode):
    """A store at schema 1 (evalkit before per-scorer versions) gets scorer_runs and scores.scorer
    in one step, with its backup; --no-exec rows never had an execution scorer."""
    from evalkit import migrations

    db = tmp_path / "evalkit.db"
    shutil.copyfile(STORES / "v0.db", db)
    con = sqlite3.connect(db)
    con.execute("UPDATE scores SET scorer_version = ?", (f"3:{mode}",))
    con.commit()
    con.close()
    with monkeypatch.context() as m:   # the schema the previous evalkit wrote
        m.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:1])
        Store(db).close()
    store = Store(db)
    assert store.migrated[0] == 2 and migrations.backup_path(db, 1).exists()   # then any later step
    rows = store._conn.execute("SELECT scorer, version, artifacts_json FROM scorer_runs").fetchall()
    scorers = {"syntax", "ratio", "claims", "features", "quality"} | ({"execution"} if mode == "exec" else set())
    assert {r[0] for r in rows} == scorers and len(rows) == 8 * len(scorers)
    assert {r[1] for r in rows} == {f"3:{mode}"} and {r[2] for r in rows} == {None}   # nothing was kept then
    assert not store._conn.execute("SELECT count(*) FROM scores WHERE scorer IS NULL").fetchone()[0]
    assert [tuple(r) for r in store._conn.execute("SELECT DISTINCT scorer FROM scores WHERE metric = 'tests_pass'")] \
        == [("execution",)]
    store.close()
