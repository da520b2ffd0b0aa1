"""Black-box checks judged on held-out answers (tests/corpus/*_ho_*.md, issue 16 validation):
presentation the prompt leaves open passes, a web API's own id scheme is followed, and a server
that never listens leaves its features to the static evidence."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from evalkit import blackbox, sandbox, sandbox_env
from evalkit.blackbox_spec import parse_checks
from evalkit.errors import EvalkitError
from evalkit.sandboxed import blackbox as harness
from evalkit.scorers import score_response
from evalkit.suites import load_suites

CORPUS = Path(__file__).resolve().parent / "corpus" / "responses"
needs_sandbox = pytest.mark.skipif(sandbox_env.ready_dir() is None or sandbox.resolve_mode("auto") != "bwrap",
                                   reason="needs bubblewrap and `evalkit setup-sandbox` (flask)")
WORDLINE = r"^\s*[\w'-]+:\s+\d+\s*$"


@pytest.fixture(scope="module")
def api():
    return next(t for t in load_suites(["apps"])[0].tasks if t.id == "todo_api")


def test_only_lines_compares_the_records_not_a_heading():
    m = {"equals": "the: 3\ncat: 2", "only_lines": WORDLINE}
    assert blackbox.match("Top 2 words:\n\nthe: 3\r\ncat: 2\n", m, "stdout") is None
    assert blackbox.match("  the: 3\n  cat: 2\n", m, "stdout") is None      # indented records
    wrong = blackbox.match("the: 3\ncat: 2\n'cat': 1\n", m, "stdout")       # an extra record still fails
    assert wrong and "'cat': 1" in wrong
    assert blackbox.match("the 3\ncat 2\n", m, "stdout")                    # the prompt's format is fixed


def test_only_lines_is_a_validated_matcher():
    ok = parse_checks({"cases": [{"id": "a", "args": [], "stdout": {"equals": "x: 1", "only_lines": WORDLINE}}]}, "t")
    assert ok["cases"][0]["stdout"]["only_lines"] == WORDLINE
    with pytest.raises(EvalkitError, match="bad regex"):
        parse_checks({"cases": [{"id": "a", "args": [], "stdout": {"only_lines": "("}}]}, "t")


def test_saved_ids_fill_paths_and_expected_json():
    saved = {"first": 1}
    harness.keep(saved, {"save": {"second": "id"}}, {"body": '{"id": 7, "title": "x"}'})
    harness.keep(saved, {"save": {"third": "id"}}, {"body": "<html>500</html>"})   # no JSON: nothing saved
    harness.keep(saved, {"save": {"fourth": "id"}}, {"body": '{"id": true}'})       # a bool is not an id
    assert saved == {"first": 1, "second": 7}
    assert harness.fill("/todos/{second}?x={first}", saved) == "/todos/7?x=1"
    req = {"expect_body": {"json": [{"id": "{second}"}, {"id": "{second+1}", "title": "{nope}"}], "regex": ["{second}"]}}
    assert blackbox._expected_body(req, saved) == {"json": [{"id": 7}, {"id": 8, "title": "{nope}"}],
                                                   "regex": ["{second}"]}
    with pytest.raises(EvalkitError, match="`save` maps names"):
        parse_checks({"server": True, "cases": [{"id": "a", "requests": [{"path": "/", "save": ["id"]}]}]}, "t")


def _scores(task, item: str) -> dict:
    return {s.metric: s for s in score_response(task, (CORPUS / f"{item}.md").read_text(encoding="utf-8"))}


@needs_sandbox
def test_ids_from_zero_fail_only_the_create_check(api):
    s = _scores(api, "todo_api_ho_blueprint_ids_from_zero")
    failed = {t["id"] for t in s["tests_pass"].details["tests"] if not t["passed"]}
    assert failed == {"create"}
    by_case = {t["id"]: t["case"] for t in s["tests_pass"].details["tests"]}
    assert by_case["get_one"]["command"] == "GET /todos/{first}"
    assert "GET /todos/0" not in by_case["create"]["reason"] and '"id": 1' in by_case["create"]["reason"]


@needs_sandbox
def test_a_server_on_the_wrong_port_leaves_features_to_static_evidence(api):
    task = replace(api, checks={**api.checks, "server": {**api.checks["server"], "startup": 2.0}})
    s = _scores(task, "todo_api_ho_hardcoded_port_debug")
    assert s["runs_ok"].value == 0.0 and s["tests_pass"].value == 0.0
    feats = {f["id"]: f for f in s["feature_completeness"].details["features"]}
    assert feats["port_env"]["found"] is False
    assert all(feats[f]["found"] for f in ("list_todos", "get_todo", "delete_todo", "json_errors", "done_filter"))
    assert {feats[f]["source"] for f in feats} == {"static"}


def test_a_case_built_on_a_failed_case_or_setup_is_not_judged_as_a_probe():
    cases = [{"id": "update"}, {"id": "filter", "needs": ["update"]}, {"id": "other"}]
    verdicts = [{"id": "update", "command": "PATCH", "passed": False, "reason": "405"},
                {"id": "filter", "command": "GET", "passed": False, "reason": "[]"},
                {"id": "other", "command": "x", "passed": False, "reason": "setup command ...", "not_run": True}]
    probes = blackbox.probes_of(verdicts, cases)
    assert probes["update"]["passed"] is False
    assert probes["filter"]["passed"] is None and "builds on update, which failed" in probes["filter"]["detail"]
    assert probes["other"]["passed"] is None
    verdicts[0]["passed"] = True  # the update worked: the filter's failure is its own
    assert blackbox.probes_of(verdicts, cases)["filter"]["passed"] is False
    with pytest.raises(EvalkitError, match="names only earlier checks"):
        parse_checks({"server": True, "cases": [{"id": "a", "needs": ["b"], "requests": [{"path": "/"}]},
                                                {"id": "b", "requests": [{"path": "/"}]}]}, "t")


def test_a_request_may_allow_several_statuses():
    case = parse_checks({"server": True, "cases": [{"id": "a", "requests": [{"path": "/x", "status": [200, 204]}]}]},
                        "t")["cases"][0]
    rec = {"requests": [{"status": 200, "body": ""}]}
    assert blackbox.http_verdict(case, rec)["passed"]
    rec["requests"][0]["status"] = 404
    assert blackbox.http_verdict(case, rec)["reason"] == "GET /x: status 404, expected 200 or 204"


@needs_sandbox
def test_put_instead_of_patch_and_max_plus_one_ids(api):
    s = _scores(api, "todo_api_ho2_flask_put_maxid")
    feats = {f["id"]: f for f in s["feature_completeness"].details["features"]}
    assert feats["update_todo"]["found"] is False and feats["stable_ids"]["found"] is False
    assert feats["done_filter"]["found"] and feats["done_filter"]["source"] == "static"  # PATCH never set done


def test_static_evidence_reads_class_based_views_and_counting_idioms(api):
    """Without the checks (or when they cannot judge), the static evidence decides: a MethodView's
    post/patch/delete are called by Flask, itertools.count ids and `d.get(k, 0) + 1` count."""
    text = (CORPUS / "api_flask_methodview_terse.md").read_text(encoding="utf-8")
    s = {x.metric: x for x in score_response(api, text, execute=False)}
    feats = {f["id"]: f["found"] for f in s["feature_completeness"].details["features"]}
    assert all(feats[f] for f in ("create_todo", "update_todo", "delete_todo", "done_validation", "stable_ids"))
    log = next(t for t in load_suites(["apps"])[0].tasks if t.id == "log_summary")
    text = (CORPUS / "log_summary_ho_sysargv_split_empty_crash.md").read_text(encoding="utf-8")
    s = {x.metric: x for x in score_response(log, text, execute=False)}
    assert {f["id"]: f["found"] for f in s["feature_completeness"].details["features"]}["level_counts"]


def test_a_todo_with_a_field_the_prompt_does_not_ask_for_passes(api):
    create = next(c for c in api.checks["cases"] if c["id"] == "create")
    extra = '{"id": %d, "title": "%s", "done": false, "created_at": "2024-05-01T09:00:00"}'
    rec = {"requests": [{"status": 201, "body": extra % (1, "Buy milk"), "saved": {"first": 1, "second": 2}},
                        {"status": 201, "body": extra % (2, "Walk the dog"), "saved": {"first": 1, "second": 2}}]}
    assert blackbox.http_verdict(create, rec)["passed"]
    rec["requests"][1]["body"] = extra % (1, "Walk the dog")  # a reused id still fails
    assert not blackbox.http_verdict(create, rec)["passed"]
