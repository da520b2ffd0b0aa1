"""The CLI end to end against the loopback server: outputs, bad input, secrets."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import MINI_SUITES, write_config


def run_args(*extra):
    return ["run", "--models", "base,tuned", "--samples", "2", "--no-exec", "--no-progress", "--db", "db.sqlite",
            *extra]


def test_run_writes_every_report_file(server, workdir, cli):
    write_config(workdir / "evalkit.yaml", server)
    res = cli(*run_args("--out", "out"))
    assert res.code == 0, res
    for name in ("index.html", "summary.md", "results.json", "scores.csv"):
        assert (workdir / "out" / name).stat().st_size > 0
    with open(workdir / "out" / "scores.csv") as f:
        rows = list(csv.DictReader(f))
    assert set(rows[0]) == {"model", "task_id", "sample", "metric", "value"}
    metrics = {r["metric"] for r in rows}
    assert {"latency_s", "completion_tokens", "error", "syntax_ok", "code_prose_ratio"} <= metrics
    slots = {(r["model"], r["task_id"], r["sample"]) for r in rows}
    assert len(slots) == 2 * 2 * 2
    assert "8 responses (0 cached, 8 sent, 0 failed)" in res.out
    assert "report: out/index.html" in res.out


def test_default_out_folder_is_reports_run_id(server, workdir, cli):
    write_config(workdir / "evalkit.yaml", server)
    res = cli(*run_args())
    assert res.code == 0, res
    (run_dir,) = (workdir / "reports").iterdir()
    assert run_dir.name in res.out and (run_dir / "index.html").exists()


def test_provider_model_names_work_without_config(server, workdir, cli, monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", server.url.removeprefix("http://"))
    monkeypatch.setenv("OPENAI_BASE_URL", server.url + "/v1")
    res = cli("run", "--models", "ollama:qwen3-vl:8b,openai:tuned", "--suite", "mini", "--suites-dir", MINI_SUITES,
              "--no-exec", "--no-progress", "--db", "db.sqlite", "--out", "out")
    assert res.code == 0, res
    results = json.loads((workdir / "out" / "results.json").read_text())
    assert {r["model"] for r in results["results"]} == {"ollama:qwen3-vl:8b", "openai:tuned"}


def test_rerun_is_served_from_the_cache(server, workdir, cli):
    write_config(workdir / "evalkit.yaml", server)
    assert cli(*run_args()).code == 0
    sent = server.chat_requests
    res = cli(*run_args())
    assert res.code == 0 and server.chat_requests == sent
    assert "8 cached, 0 sent" in res.out


BAD_INPUTS = {
    "unknown alias": (["run", "--models", "nope"], "unknown model 'nope'"),
    "unknown model on the server": (["run", "--models", "ollama:missing:1b"], "ollama pull missing:1b"),
    "unknown openai model": (["run", "--models", "openai:gpt-x"], "'gpt-x' not found"),
    "unknown suite": (["run", "--models", "base", "--suite", "nosuch"], "unknown suite 'nosuch'"),
    "bad samples": (["run", "--models", "base", "--samples", "0"], "allowed: a whole number from 1 to 10000"),
    "missing responses file": (["score", "--responses", "nowhere.jsonl"], "not found"),
    "missing run": (["report", "nosuchrun", "--db", "db.sqlite"], "not found"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_line_and_exit_2(case, server, workdir, cli, monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", server.url)
    monkeypatch.setenv("OPENAI_BASE_URL", server.url + "/v1")
    write_config(workdir / "evalkit.yaml", server)
    args, expected = BAD_INPUTS[case]
    res = cli(*args, *(["--no-progress"] if args[0] == "run" else []))
    assert res.code == 2, res
    assert expected in res.err
    assert "Traceback" not in res.err and len(res.err.strip().splitlines()) == 1


def test_unreachable_server(workdir, cli):
    (workdir / "evalkit.yaml").write_text(yaml.safe_dump(
        {"models": {"base": {"provider": "ollama", "model": "m", "base_url": "http://127.0.0.1:9"}}}))
    res = cli("run", "--models", "base", "--no-progress", "--db", "db.sqlite")
    assert res.code == 2
    assert "cannot reach Ollama at http://127.0.0.1:9: is `ollama serve` running?" in res.err


def test_broken_yaml_config(workdir, cli):
    (workdir / "evalkit.yaml").write_text("models:\n  base: {provider: ollama\n")
    res = cli("run", "--models", "base")
    assert res.code == 2 and "invalid YAML" in res.err and "evalkit.yaml" in res.err


def test_config_with_unknown_key(workdir, cli):
    (workdir / "evalkit.yaml").write_text(yaml.safe_dump({"models": {"base": {"provider": "ollama", "model": "m",
                                                                              "temprature": 1}}}))
    res = cli("models")
    assert res.code == 2 and "unknown keys ['temprature']" in res.err


def test_missing_api_key_variable(server, workdir, cli):
    write_config(workdir / "evalkit.yaml", server, keyed={"provider": "openai", "model": "tuned",
                                                           "base_url": server.url + "/v1", "api_key_env": "MY_KEY"})
    res = cli("run", "--models", "keyed", "--no-progress", "--db", "db.sqlite")
    assert res.code == 2 and "MY_KEY is not set" in res.err
    assert server.chat_requests == 0


def test_every_request_failing_exits_2_and_keeps_error_rows(server, workdir, cli):
    write_config(workdir / "evalkit.yaml", server)
    server.faults = [400] * 2
    res = cli("run", "--models", "tuned", "--no-exec", "--no-progress", "--db", "db.sqlite")
    assert res.code == 2 and "every request failed" in res.err
    import sqlite3

    errors = sqlite3.connect(workdir / "db.sqlite").execute("SELECT count(*) FROM responses WHERE error IS NOT NULL")
    assert errors.fetchone()[0] == 2


def test_partial_failure_warns_and_exits_0(server, workdir, cli):
    write_config(workdir / "evalkit.yaml", server)
    server.faults = [400]
    res = cli("run", "--models", "tuned", "--no-exec", "--no-progress", "--db", "db.sqlite", "--out", "out")
    assert res.code == 0, res
    assert "1 request(s) failed" in res.err
    assert "injected 400" in (workdir / "out" / "index.html").read_text()


def test_secrets_reach_the_server_but_never_the_store_or_reports(server, workdir, cli, monkeypatch):
    secret = "sk-test-SECRET-0123456789"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    write_config(workdir / "evalkit.yaml", server, tuned={"provider": "openai", "model": "tuned",
                                                          "base_url": server.url + "/v1",
                                                          "api_key_env": "OPENAI_API_KEY"})
    res = cli(*run_args("--out", "out"))
    assert res.code == 0, res
    assert f"Bearer {secret}" in server.auth_headers
    leaked = [p for p in workdir.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]
    assert leaked == [workdir / "evalkit.yaml"] or leaked == []
    assert "OPENAI_API_KEY" in (workdir / "out" / "results.json").read_text()  # the variable's name is shown


def test_models_command_checks_each_endpoint(server, workdir, cli):
    write_config(workdir / "evalkit.yaml", server, gone={"provider": "openai", "model": "x",
                                                         "base_url": "http://127.0.0.1:9/v1"},
                 missing={"provider": "ollama", "model": "nothere", "base_url": server.url})
    res = cli("models")
    assert res.code == 0, res
    lines = {line.split("│")[1].strip(): line for line in res.out.splitlines() if line.count("│") > 4}
    assert "yes" in lines["base"] and "available" not in lines["base"]
    assert " no " in lines["gone"]
    assert "available: qwen3-vl:8b" in lines["missing"]


def test_suites_command_lists_bundled_and_user_suites(cli):
    res = cli("suites", "--suites-dir", MINI_SUITES)
    assert res.code == 0, res
    for name in ("snake", "seed", "humaneval", "mini", "grid_move", "game_state"):
        assert name in res.out


def test_no_traceback_from_a_real_process(workdir):
    proc = subprocess.run([sys.executable, "-m", "evalkit", "run", "--models", "ollama:m", "--no-progress",
                           "--db", "db.sqlite"], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "OLLAMA_HOST": "127.0.0.1:9"}, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("evalkit: error: cannot reach Ollama at http://127.0.0.1:9")
    assert "Traceback" not in proc.stderr


def test_score_with_gate_exits_by_verdict(workdir, cli):
    """`--gate` after scoring: the tuned demo set passes against base; swapped, it is a regression."""
    from conftest import demo_responses

    responses = demo_responses(workdir)
    (workdir / "gate.yaml").write_text("metrics:\n  feature_completeness: {max_drop: 0.0}\n")
    common = ["score", "--responses", responses, "--suite", "snake,seed", "--no-exec", "--no-progress",
              "--db", "db.sqlite", "--gate", "gate.yaml"]
    ok = cli(*common, "--out", "ok", "--markdown", "ok.md", "--junit", "ok.xml")
    assert ok.code == 0, ok
    assert "gate PASS" in ok.out and (workdir / "ok.xml").exists()
    bad = cli(*common, "--out", "bad", "--baseline", "tuned", "--candidate", "base", "--markdown", "bad.md")
    assert bad.code == 1, bad
    assert "feature_completeness" in (workdir / "bad.md").read_text()
    # the same verdict from the report folder alone (a CI job gating a downloaded artifact)
    again = cli("gate", "--run", "bad", "--baseline", "tuned", "--candidate", "base", "--rules", "gate.yaml")
    assert again.code == 1
    assert cli("gate", "--run", "nowhere", "--baseline", "tuned", "--candidate", "base", "--db", "db.sqlite").code == 2


def test_bundled_examples_load(workdir, cli, monkeypatch):
    """examples/evalkit.yaml and examples/gate.yaml stay valid as the code moves on."""
    from evalkit.config import load_config
    from evalkit.gate import load_rules
    PROJECT_DIR = Path(__file__).resolve().parents[1]

    monkeypatch.setenv("OPENAI_API_KEY", "sk-example")
    config = load_config(PROJECT_DIR / "examples" / "evalkit.yaml")
    assert [m.alias for m in config.models.values()] == ["base", "tuned"]
    assert config.models["tuned"].api_key() == "sk-example" and config.run.samples == 3
    metrics, rollups, _, _ = load_rules(str(PROJECT_DIR / "examples" / "gate.yaml"))
    assert metrics["runs_ok"]["min"] == 0.8 and rollups["code_correctness"]["max_drop"] == 0.5


def test_exec_interactive_flag_judges_a_sleeping_loop_as_a_hang(workdir, cli):
    """`--interactive` runs a program as an interactive task's answer would be run: a loop that only
    sleeps is a hang (exit 1), as scoring calls it; without the flag it is a plain timeout too."""
    (workdir / "loop.py").write_text("import time\nwhile True:\n    time.sleep(1)\n")
    res = cli("exec", "loop.py", "--interactive", "--timeout", "2", "--json")
    assert res.code == 1, res
    outcome = json.loads(res.out)
    assert outcome["status"] == "timeout" and outcome["interactive"] is True
    assert "hung" in outcome["reason"]
    plain = cli("exec", "loop.py", "--no-interactive", "--timeout", "2", "--json")
    assert plain.code == 1 and json.loads(plain.out)["interactive"] is False
