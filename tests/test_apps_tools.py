"""The apps suite's command-line tools and web API: black-box checks run in the real sandbox.

Every task's reference answer (tests/fixtures/apps/<task>/reference.md, written for the project)
must run, pass every check and score >= 0.9 on features and claims; its defective answer (a crash on
some input, a claimed feature the code lacks, a half-built feature, verbose markdown) must score
clearly lower on the metric each defect targets. Both go through score_response with execution.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from evalkit import blackbox, sandbox, sandbox_env
from evalkit.blackbox_spec import parse_checks
from evalkit.errors import EvalkitError
from evalkit.scorers import score_response
from evalkit.suites import load_suites

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "apps"
TOOLS = ("todo_cli", "csv_report", "log_summary", "word_freq", "todo_api")
needs_sandbox = pytest.mark.skipif(sandbox_env.ready_dir() is None or sandbox.resolve_mode("auto") != "bwrap",
                                   reason="needs bubblewrap and `evalkit setup-sandbox` (flask)")


@pytest.fixture(scope="module")
def tasks():
    return {t.id: t for t in load_suites(["apps"])[0].tasks if t.id in TOOLS}


_cache: dict = {}


def scored(task, kind: str) -> dict:
    key = (task.id, kind)
    if key not in _cache:
        text = (FIXTURES / task.id / f"{kind}.md").read_text(encoding="utf-8")
        _cache[key] = {s.metric: s for s in score_response(task, text)}
    return _cache[key]


def test_suite_has_the_tool_tasks_with_checks(tasks):
    assert set(tasks) == set(TOOLS)
    for t in tasks.values():
        assert t.checks["cases"] and t.rubric.get("features"), t.id
        ids = {c["id"] for c in t.checks["cases"]}
        for f in t.rubric["features"]:  # every feature's probe is one of the task's checks
            assert f["probe"] in ids, (t.id, f["id"])


@needs_sandbox
@pytest.mark.parametrize("task_id", TOOLS)
def test_reference_answer_passes(tasks, task_id):
    s = scored(tasks[task_id], "reference")
    assert s["runs_ok"].value == 1.0, s["runs_ok"].details.get("reason")
    assert s["tests_pass"].value == 1.0, s["tests_pass"].details.get("reason")
    assert s["feature_completeness"].value >= 0.9
    assert s["claim_consistency"].value >= 0.9
    assert all(t["passed"] for t in s["tests_pass"].details["tests"])


@needs_sandbox
@pytest.mark.parametrize("task_id", TOOLS)
def test_defective_answer_is_caught_on_each_target_metric(tasks, task_id):
    ref, bad = scored(tasks[task_id], "reference"), scored(tasks[task_id], "defective")
    assert bad["runs_ok"].value == 1.0  # the defects are on some inputs, not in the main run
    assert bad["tests_pass"].value <= 0.7                       # logic bugs and the half-built feature
    assert bad["feature_completeness"].value <= ref["feature_completeness"].value - 0.3
    assert bad["claim_consistency"].value <= ref["claim_consistency"].value - 0.2   # claimed, missing
    assert bad["code_prose_ratio"].value <= ref["code_prose_ratio"].value / 2      # verbose markdown
    contradicted = [c for c in bad["claim_consistency"].details["claims"] if c.get("verdict") == "contradicted"]
    assert contradicted and all("probe" in c.get("reason", "") for c in contradicted if c["kind"] == "feature")


@needs_sandbox
def test_a_crash_on_some_input_is_named_in_the_case_evidence(tasks):
    bad = scored(tasks["todo_cli"], "defective")
    case = {t["id"]: t["case"] for t in bad["tests_pass"].details["tests"]}["unknown_id"]
    assert not case["passed"]
    assert case["command"] == "python todo.py done 7"
    assert "it crashed with IndexError: list index out of range" in case["reason"]
    feature = {f["id"]: f for f in bad["feature_completeness"].details["features"]}["unknown_id_error"]
    assert feature["found"] is False and feature["source"] == "probe"


@needs_sandbox
def test_web_api_cases_say_which_request_failed(tasks):
    bad = scored(tasks["todo_api"], "defective")
    cases = {t["id"]: t["case"] for t in bad["tests_pass"].details["tests"]}
    assert cases["create_invalid"]["reason"] == "POST /todos {}: status 500, expected 400 (the server raised KeyError: 'title')"
    assert "'id': 2" not in cases["ids_not_reused"]["reason"] and '"id": 2' in cases["ids_not_reused"]["reason"]
    assert cases["list_empty"]["passed"] and bad["runs_ok"].details["status"] == "ok"


def _task(tasks, task_id, **checks):
    t = tasks[task_id]
    return replace(t, checks={**t.checks, **checks})


def _answer(code: str, name: str) -> str:
    return f"`{name}`:\n\n```python\n{code}\n```\n"


@needs_sandbox
def test_a_server_that_ignores_port_fails_with_that_reason(tasks):
    task = _task(tasks, "todo_api", server={"startup": 2.0, "args": [], "files": {}})
    code = "import time\nprint('listening on 5000', flush=True)\ntime.sleep(60)\n"
    s = {x.metric: x for x in score_response(task, _answer(code, "app.py"))}
    assert s["runs_ok"].value == 0.0
    assert s["runs_ok"].details["status"] == "timeout"
    assert "never listened on 127.0.0.1:$PORT within 2 s" in s["runs_ok"].details["reason"]
    assert s["tests_pass"].value == 0.0
    assert all(t["case"]["reason"] == "not run: the server was not listening" for t in s["tests_pass"].details["tests"])


@needs_sandbox
def test_a_server_that_crashes_or_lacks_a_module(tasks):
    task = tasks["todo_api"]
    crash = {x.metric: x for x in score_response(task, _answer("import os\nport = int(os.environ['PORTT'])\n", "app.py"))}
    assert crash["runs_ok"].value == 0.0 and crash["runs_ok"].details["status"] == "crashed"
    assert "KeyError: 'PORTT'" in crash["runs_ok"].details["reason"]
    missing = {x.metric: x for x in score_response(task, _answer("import flask_sqlalchemy_x\n", "app.py"))}
    assert missing["runs_ok"].value is None and missing["runs_ok"].details["status"] == "missing_dependency"
    assert missing["tests_pass"].value is None  # not the program's doing: not judged


@needs_sandbox
def test_a_program_that_does_not_compile_fails_every_case_without_running_them(tasks):
    s = {x.metric: x for x in score_response(tasks["word_freq"], _answer("def main(:\n    pass\n", "wordfreq.py"))}
    assert s["runs_ok"].value == 0.0 and s["tests_pass"].value == 0.0
    assert {t["case"]["reason"] for t in s["tests_pass"].details["tests"]} == {"the program does not compile"}


@needs_sandbox
def test_the_answer_never_sees_the_cases_and_runs_in_a_fresh_folder(tasks):
    code = ("import os, sys\n"
            "print(sorted(os.listdir('.')), os.path.exists('../../__evalkit_cases__.json'), sys.argv[1:])\n")
    task = _task(tasks, "word_freq", cases=[{**tasks["word_freq"].checks["cases"][1], "id": "look"}])
    s = {x.metric: x for x in score_response(task, _answer(code, "wordfreq.py"))}
    out = s["tests_pass"].details["tests"][0]["case"]["stdout"]
    assert out.strip() == "['story.txt', 'wordfreq.py'] False ['story.txt']"


@needs_sandbox
def test_same_answer_same_verdicts(tasks):
    task = tasks["csv_report"]
    text = (FIXTURES / "csv_report" / "defective.md").read_text(encoding="utf-8")
    runs = [{x.metric: x for x in score_response(task, text)} for _ in range(2)]
    verdicts = [[(t["id"], t["passed"], t["reason"]) for t in r["tests_pass"].details["tests"]] for r in runs]
    assert verdicts[0] == verdicts[1]
    assert runs[0]["feature_completeness"].value == runs[1]["feature_completeness"].value


# ---- the field and the comparison, without the sandbox -----------------------------------------------
@pytest.mark.parametrize("raw, message", [
    ({"cases": []}, "needs a non-empty `cases:` list"),
    ({"cases": [{"args": ["x"]}]}, "needs a unique `id`"),
    ({"cases": [{"id": "a"}, {"id": "a"}]}, "needs a unique `id`"),
    ({"cases": [{"id": "a", "stdout": {"startswith": "x"}}]}, "a string or a mapping of equals"),
    ({"cases": [{"id": "a", "stdout": {"regex": "("}}]}, "bad regex"),
    ({"cases": [{"id": "a", "exit": "sometimes"}]}, "`exit` is a number, nonzero or any"),
    ({"server": True, "cases": [{"id": "a"}]}, "needs a `requests:` list"),
    ({"server": True, "cases": [{"id": "a", "requests": [{"path": "todos"}]}]}, "a `path` starting with /"),
])
def test_bad_checks_are_one_line_errors(raw, message):
    with pytest.raises(EvalkitError) as err:
        parse_checks(raw, "apps.yaml: task t")
    assert message in str(err.value) and "\n" not in str(err.value)


def test_matchers_compare_in_plain_words():
    m = lambda spec: parse_checks({"cases": [{"id": "a", "stdout": spec}]}, "x")["cases"][0]["stdout"]  # noqa: E731
    assert blackbox.match("No tasks.  \n\n", m("No tasks."), "stdout") is None  # trailing blanks ignored
    assert blackbox.match("1. [ ] a\n", m("1. [x] a"), "stdout") == "stdout should be '1. [x] a', got '1. [ ] a'"
    assert blackbox.match('[{"a": 1.0}]', m({"json": [{"a": 1}]}), "stdout") is None
    assert "should be the JSON" in blackbox.match('[{"a": 1, "b": 2}]', m({"json": [{"a": 1}]}), "stdout")
    assert blackbox.match('{"a": 1, "b": 2}', m({"json_has": {"a": 1}}), "stdout") is None
    assert blackbox.match('{"a": true}', m({"json_has": {"a": 1}}), "stdout") is not None  # true is not 1
    assert blackbox.match("x\ny\n", m({"lines": 2, "regex": "^y$"}), "stdout") is None
    assert blackbox.match("oops", m({"json": []}), "stdout") == "stdout should be JSON, got 'oops'"


def test_the_spec_the_sandbox_gets_holds_no_expected_values(tasks):
    job = blackbox.harness_job(tasks["todo_api"].checks, "app.py", (), "print(1)")
    spec = dict(job["files"])[blackbox.SPEC_NAME]
    assert '"status"' not in spec and '"response"' not in spec and "expect" not in spec
    assert '"title": "Buy milk"' in spec


def test_without_execution_static_evidence_decides_and_routes_count_as_called(tasks):
    """--no-exec: Flask handlers are never called by the program itself, but their decorator
    registers them, so their code is evidence; the defective answers still lose their defects."""
    for task_id, ref_min, bad_max in (("todo_api", 1.0, 0.8), ("todo_cli", 1.0, 0.6)):
        ref = {s.metric: s for s in score_response(tasks[task_id], (FIXTURES / task_id / "reference.md").read_text(),
                                                   execute=False)}
        bad = {s.metric: s for s in score_response(tasks[task_id], (FIXTURES / task_id / "defective.md").read_text(),
                                                   execute=False)}
        assert "runs_ok" not in ref and "tests_pass" not in ref
        assert ref["feature_completeness"].value >= ref_min and bad["feature_completeness"].value <= bad_max


@needs_sandbox
def test_a_command_that_floods_its_output_fails_alone(tasks):
    code = ("import sys\n"
            "if sys.argv[1:] == ['flood']:\n"
            "    while True:\n"
            "        print('x' * 1000)\n"
            "print('fine')\n")
    cases = [{"id": "flood", "name": "flood", "args": ["flood"], "before": [], "files": {}, "exit": 0,
              "stdout": {"equals": "fine"}, "stderr": None, "files_after": {}, "timeout": 5.0},
             {"id": "calm", "name": "calm", "args": [], "before": [], "files": {}, "exit": 0,
              "stdout": {"equals": "fine"}, "stderr": None, "files_after": {}}]
    task = _task(tasks, "word_freq", cases=cases, main=[])
    s = {x.metric: x for x in score_response(task, _answer(code, "wordfreq.py"))}
    verdicts = {t["id"]: t["case"] for t in s["tests_pass"].details["tests"]}
    assert not verdicts["flood"]["passed"] and verdicts["flood"]["stdout"].startswith("x" * 300)
    assert "File too large" in verdicts["flood"]["reason"]  # Python sees the file-size limit as EFBIG
    assert verdicts["calm"]["passed"] and s["tests_pass"].value == 0.5


def test_the_suite_digest_covers_the_checks():
    from evalkit.task import Suite

    suite = load_suites(["apps"])[0]
    tool = next(t for t in suite.tasks if t.id == "todo_cli")
    changed = replace(tool, checks={**tool.checks, "main": ["list", "--pending"]})
    other = Suite(suite.name, suite.version, suite.description,
                  tuple(changed if t.id == "todo_cli" else t for t in suite.tasks))
    assert other.digest != suite.digest
    import hashlib
    import json

    plain = replace(tool, checks={})  # a task without checks hashes as before checks existed
    old = [(plain.id, plain.prompt, plain.system, plain.tests, plain.entry_point, plain.language, plain.rubric)]
    expected = hashlib.sha256(json.dumps(old, sort_keys=True, default=str).encode()).hexdigest()[:12]
    assert Suite("s", "1", "", (plain,)).digest == expected


@needs_sandbox
def test_a_sample_data_file_in_the_answer_does_not_seed_the_cases(tasks):
    text = (FIXTURES / "todo_cli" / "reference.md").read_text(encoding="utf-8")
    text += '\nA sample `todo.json`:\n\n**todo.json**\n```json\n[{"id": 1, "text": "Example", "done": false}]\n```\n'
    s = {x.metric: x for x in score_response(tasks["todo_cli"], text)}
    assert s["tests_pass"].value == 1.0, s["tests_pass"].details["reason"]
