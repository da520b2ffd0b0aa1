"""Scores are cached per response, scorer version and task digest: a response reused after its task
was edited (rubric, tests, ...) is scored again, every scorer of it; an unchanged task scores nothing;
rows from before digests were stored (NULL) are not rescored for that alone."""

from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import yaml

from fake_server import FakeModelServer

from evalkit import migrations, pipeline
from evalkit.store import Store
from evalkit.suites import load_suites
from evalkit.task import Task

REPO = Path(__file__).resolve().parent.parent
STORES = Path(__file__).resolve().parent / "fixtures" / "stores"

SUITE = {
    "suite": "tiny", "version": 1, "description": "one task with a rubric, one without",
    "tasks": [
        {"id": "greet", "rubric": "tiny", "entry_point": "greet", "tests": ["assert greet() == 'hi'"],
         "prompt": "Write a Python function greet() that returns 'hi', with a greeting feature."},
        {"id": "shout", "entry_point": "shout", "tests": ["assert shout('a') == 'A'"],
         "prompt": "Write a Python function shout(s) returning s upper-cased."},
    ],
}
ANSWERS = {
    "greet": "The **greeting** function greets the user: it returns hi.\n\n```python\ndef greet():\n"
             "    return 'hi'\n```\n",
    "shout": "Here it is.\n\n```python\ndef shout(s):\n    return s.upper()\n```\n",
}


def write_suite(root: Path, evidence: str = "def greet", tests: list[str] | None = None) -> Path:
    """prompts/tiny.yaml and rubrics/tiny.yaml under root; returns the prompts folder."""
    (root / "prompts").mkdir(parents=True, exist_ok=True)
    (root / "rubrics").mkdir(parents=True, exist_ok=True)
    suite = json.loads(json.dumps(SUITE))
    if tests is not None:
        suite["tasks"][0]["tests"] = tests
    (root / "prompts" / "tiny.yaml").write_text(yaml.safe_dump(suite), encoding="utf-8")
    rubric = {"features": [{"id": "greeting", "name": "Greets the user", "claim": ["greeting"],
                            "evidence": [{"kind": "line", "pattern": evidence}]}]}
    (root / "rubrics" / "tiny.yaml").write_text(yaml.safe_dump(rubric), encoding="utf-8")
    return root / "prompts"


def scored(tmp_path: Path, *, execute: bool = False, models=("base", "tuned"), tasks=("greet", "shout")):
    prompts = write_suite(tmp_path)
    responses = tmp_path / "responses.jsonl"
    responses.write_text("".join(json.dumps({"model": m, "task_id": t, "sample": 0, "response": ANSWERS[t]}) + "\n"
                                 for m in models for t in tasks), encoding="utf-8")
    store = Store(tmp_path / "db.sqlite")
    run_id = pipeline.import_responses(store, responses, ["tiny"], suites_dirs=[prompts])
    first = score(store, run_id, prompts, execute)
    return store, run_id, prompts, first


def score(store: Store, run_id: str, prompts: Path, execute: bool = False) -> int:
    # the suite is read from disk again each time, as every command does
    return pipeline.score_run(store, run_id, load_suites(["tiny"], [prompts]), execute=execute, workers=1,
                              progress=False)


def rows(store: Store) -> dict[tuple[str, str], tuple]:
    """(task, metric) of model base -> (rowid, value, details): a rewritten row gets a new rowid."""
    return {(r[0], r[1]): r[2:] for r in store._conn.execute(
        "SELECT x.task_id, s.metric, s.rowid, s.value, s.details_json FROM scores s"
        " JOIN responses x ON x.id = s.response_id WHERE x.model = 'base'")}


def digests(store: Store) -> dict[str, set]:
    out: dict[str, set] = {}
    for task, digest in store._conn.execute("SELECT x.task_id, r.task_digest FROM scorer_runs r"
                                            " JOIN responses x ON x.id = r.response_id"):
        out.setdefault(task, set()).add(digest)
    return out


def tiny_task(prompts: Path, name: str = "greet") -> Task:
    return next(t for t in load_suites(["tiny"], [prompts])[0].tasks if t.id == name)


# ---- the digest ------------------------------------------------------------------------------------
def test_the_digest_changes_with_every_field_a_scorer_reads(tmp_path):
    task = tiny_task(write_suite(tmp_path))
    edits = {"prompt": "other", "system": "be brief", "language": "javascript", "tests": ("assert 0",),
             "entry_point": "hello", "interactive": True, "tags": ("snake",), "id": "greet2",
             "checks": {"cases": [{"args": ["x"]}]},
             "rubric": {**task.rubric, "features": [{**task.rubric["features"][0], "weight": 2}]}}
    seen = {task.digest}
    for name, value in edits.items():
        edited = replace(task, **{name: value})
        assert edited.digest not in seen, name
        seen.add(edited.digest)
    assert replace(task, suite="renamed").digest == task.digest        # a suite's name is read by no scorer
    assert replace(task, rubric=json.loads(json.dumps(task.rubric))).digest == task.digest   # content, not identity
    # fields left at their default are left out: a field added later keeps every existing digest
    bare = Task("s", "t", "p")
    assert bare.digest == replace(bare, rubric={}, checks={}, tags=(), system=None).digest


def test_the_digest_is_the_same_in_every_process(tmp_path):
    prompts = write_suite(tmp_path)
    code = ("import sys; from pathlib import Path; from evalkit.suites import load_suites;"
            " print(*[t.digest for t in load_suites(['tiny'], [Path(sys.argv[1])])[0].tasks])")
    outs = [subprocess.run([sys.executable, "-c", code, str(prompts)], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONPATH": str(REPO), "PYTHONHASHSEED": seed}).stdout.split()
            for seed in ("1", "2")]
    assert outs[0] == outs[1] == [tiny_task(prompts).digest, tiny_task(prompts, "shout").digest]


# ---- scoring -----------------------------------------------------------------------------------------
def test_a_rubric_edit_rescores_every_scorer_of_that_tasks_responses(tmp_path):
    store, run_id, prompts, first = scored(tmp_path)
    assert first == 4 and score(store, run_id, prompts) == 0           # unchanged suite: nothing rescored
    before = rows(store)
    assert before[("greet", "feature_completeness")][1] == 1.0
    assert digests(store) == {"greet": {tiny_task(prompts).digest}, "shout": {tiny_task(prompts, "shout").digest}}

    write_suite(tmp_path, evidence="def farewell")                     # the feature's evidence changed
    assert score(store, run_id, prompts) == 2                          # greet of base and tuned, not shout
    after = rows(store)
    assert after[("greet", "feature_completeness")][1] == 0.0
    claims = json.loads(after[("greet", "claim_consistency")][2])["claims"]
    assert [c["verdict"] for c in claims] == ["unsupported"]
    assert json.loads(before[("greet", "claim_consistency")][2])["claims"][0]["verdict"] == "supported"
    # every scorer reads the task: all of greet's rows are rewritten (same values where the rubric plays no part)
    greet = {k for k in after if k[0] == "greet"}
    assert greet == {k for k in before if k[0] == "greet"}
    assert all(after[k][0] != before[k][0] for k in greet)
    assert after[("greet", "syntax_ok")][1:] == before[("greet", "syntax_ok")][1:]
    assert all(after[k] == before[k] for k in after if k[0] == "shout")   # shout's rows untouched
    assert digests(store)["greet"] == {tiny_task(prompts).digest}
    assert score(store, run_id, prompts) == 0                          # scored against the edit: current now
    store.close()


def test_a_tests_edit_runs_the_program_again(tmp_path):
    store, run_id, prompts, first = scored(tmp_path, execute=True, models=("base",), tasks=("greet",))
    assert first == 1 and rows(store)[("greet", "tests_pass")][1] == 1.0
    write_suite(tmp_path, tests=["assert greet() == 'bye'"])
    assert score(store, run_id, prompts, execute=True) == 1
    assert rows(store)[("greet", "tests_pass")][1] == 0.0
    versions = {r[0] for r in store._conn.execute("SELECT version FROM scorer_runs")}
    assert all(v.endswith(":exec") for v in versions)                 # the mode suffix is kept as it was
    store.close()


def test_rows_without_a_digest_are_not_rescored_but_a_different_one_is(tmp_path):
    store, run_id, prompts, _ = scored(tmp_path)
    with store._conn:
        store._conn.execute("UPDATE scorer_runs SET task_digest = NULL")   # as migration 3 leaves older rows
    before = rows(store)
    write_suite(tmp_path, evidence="def farewell")
    assert score(store, run_id, prompts) == 0                          # unknown is not a reason on its own
    assert rows(store) == before
    # taken as scored against the task as it is now (as they are shown), so the next edit is noticed
    assert digests(store) == {"greet": {tiny_task(prompts).digest}, "shout": {tiny_task(prompts, "shout").digest}}
    write_suite(tmp_path, evidence="def gree")
    assert score(store, run_id, prompts) == 2
    assert rows(store)[("greet", "feature_completeness")][1] == 1.0
    before = rows(store)
    write_suite(tmp_path, evidence="def farewell")
    with store._conn:
        store._conn.execute("UPDATE scorer_runs SET task_digest = NULL")
    # one known digest of another task version among unknown ones: that response is scored again, whole
    with store._conn:
        store._conn.execute("UPDATE scorer_runs SET task_digest = '0123456789abcdef' WHERE scorer = 'ratio'"
                            " AND response_id = (SELECT id FROM responses WHERE model = 'base' AND task_id = 'greet')")
    assert score(store, run_id, prompts) == 1
    after = rows(store)
    assert after[("greet", "feature_completeness")][1] == 0.0
    assert all(after[k][0] != before[k][0] for k in after if k[0] == "greet")
    assert all(after[k] == before[k] for k in after if k[0] == "shout")
    store.close()


def test_migration_3_adds_the_digest_column_to_a_schema_2_store(tmp_path, monkeypatch):
    db = tmp_path / "evalkit.db"
    shutil.copyfile(STORES / "v0.db", db)
    with monkeypatch.context() as m:    # the schema the previous evalkit wrote
        m.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:2])
        Store(db).close()
    con = sqlite3.connect(db)
    old_runs = con.execute("SELECT response_id, scorer, version, artifacts_json FROM scorer_runs"
                           " ORDER BY 1, 2").fetchall()
    old_scores = con.execute("SELECT * FROM scores ORDER BY response_id, metric").fetchall()
    old_dump = list(con.iterdump())
    con.close()
    assert old_runs and old_scores

    store = Store(db)
    assert store.migrated == [3]
    backup = migrations.backup_path(db, 2)
    con = sqlite3.connect(backup)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 2 and list(con.iterdump()) == old_dump
    con.close()
    assert [tuple(r) for r in store._conn.execute("SELECT response_id, scorer, version, artifacts_json"
                                                  " FROM scorer_runs ORDER BY 1, 2")] == old_runs
    assert {r[0] for r in store._conn.execute("SELECT task_digest FROM scorer_runs")} == {None}
    assert [tuple(r) for r in store._conn.execute("SELECT * FROM scores ORDER BY response_id, metric")] == old_scores
    store.close()


# ---- through the CLI -------------------------------------------------------------------------------
def reply(model: str, messages: list[dict], params: dict) -> tuple[str, None]:
    return ANSWERS["greet" if "greet()" in messages[-1]["content"] else "shout"], None


def evalkit(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("OLLAMA_HOST", "OPENAI_BASE_URL", "EVALKIT_DB")}
    return subprocess.run([sys.executable, "-m", "evalkit", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**env, "PYTHONPATH": str(REPO)})


def csv_scores(path: Path) -> dict[tuple[str, str, str], str]:
    with open(path, newline="", encoding="utf-8") as fh:
        return {(r["model"], r["task_id"], r["metric"]): r["value"] for r in csv.DictReader(fh)}


def test_report_after_a_rubric_edit_shows_the_new_verdict(tmp_path):
    """A rerun answers from the cached responses (0 requests) and scores them against the edited rubric;
    `evalkit report` then shows the new verdict, also for the first run (scores belong to the response)."""
    prompts = write_suite(tmp_path)
    with FakeModelServer(reply=reply) as server:
        models = {"base": {"provider": "ollama", "model": "qwen3-vl:8b", "base_url": server.url},
                  "tuned": {"provider": "openai", "model": "tuned", "base_url": server.url + "/v1"}}
        (tmp_path / "evalkit.yaml").write_text(yaml.safe_dump({"models": models}), encoding="utf-8")
        args = ("run", "--models", "base,tuned", "--suites-dir", str(prompts), "--suite", "tiny", "--samples", "1",
                "--no-exec", "--no-progress", "--db", "db.sqlite")
        first = evalkit(tmp_path, *args, "--out", "first")
        assert first.returncode == 0, first.stderr
        sent = server.chat_requests
        assert csv_scores(tmp_path / "first" / "scores.csv")[("tuned", "greet", "feature_completeness")] == "1.0"

        write_suite(tmp_path, evidence="def farewell")
        again = evalkit(tmp_path, *args, "--out", "again")
        assert again.returncode == 0, again.stderr
        assert server.chat_requests == sent and "4 cached, 0 sent" in again.stdout
    con = sqlite3.connect(tmp_path / "db.sqlite")
    first_run, second_run = (r[0] for r in con.execute("SELECT id FROM runs ORDER BY created_at, rowid"))
    con.close()
    for run in (second_run, first_run):
        res = evalkit(tmp_path, "report", run, "--db", "db.sqlite", "--out", f"report-{run}")
        assert res.returncode == 0, res.stderr
        now = csv_scores(tmp_path / f"report-{run}" / "scores.csv")
        assert now[("tuned", "greet", "feature_completeness")] == "0.0"
        assert now[("base", "greet", "feature_completeness")] == "0.0"
        assert now[("base", "shout", "syntax_ok")] == "1.0"
    summary = (tmp_path / f"report-{second_run}" / "index.html").read_text(encoding="utf-8")
    assert "unsupported" in summary
