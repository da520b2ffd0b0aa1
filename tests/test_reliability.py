"""Bad input, hostile servers and interrupted runs (issue 11): each fault becomes correct behaviour
or one line on stderr with exit 2, nothing already stored is lost, nothing leaks, nothing is left
running. Items 3 and 4 (sandbox environment rebuilt mid-run, kill and SIGTERM) use real processes."""

from __future__ import annotations

import base64
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import MINI_SUITES, write_config

from evalkit.redact import redact_url, scrub
from evalkit.store import Store


def run_args(*extra, models="base,tuned"):
    return ["run", "--models", models, "--no-exec", "--no-progress", "--db", "db.sqlite", *extra]


def one_line_exit_2(res):
    assert res.code == 2, res
    assert "Traceback" not in res.err and "internal error" not in res.err
    assert len(res.err.strip().splitlines()) == 1, res.err


def db_rows(path, sql, *params):
    con = sqlite3.connect(path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


# ---- 1. text UTF-8 cannot hold ----------------------------------------------------------------------
def test_lone_surrogate_in_a_responses_file_is_stored_and_shown(workdir, cli):
    (workdir / "s.jsonl").write_text('{"model":"a","task_id":"snake","sample":0,"response":"x \\ud800 y"}\n')
    res = cli("score", "--responses", "s.jsonl", "--suite", "snake", "--no-exec", "--no-progress",
              "--db", "db.sqlite", "--out", "out")
    assert res.code == 0, res
    (text, finish), = db_rows(workdir / "db.sqlite", "SELECT text, finish_reason FROM responses")
    assert text == "x \ufffd y"
    assert "1 character(s) UTF-8 cannot hold (lone surrogates) replaced by U+FFFD" in finish
    assert "replaced by U+FFFD" in (workdir / "out" / "index.html").read_text(encoding="utf-8")


def test_a_responses_file_whose_name_is_not_utf8_is_scored(workdir, cli):
    name = os.fsdecode(b"bad\xffname.jsonl")  # the bytes arrive as a lone surrogate in the str
    (workdir / name).write_text('{"model":"a","task_id":"snake","sample":0,"response":"x"}\n')
    res = cli("score", "--responses", name, "--suite", "snake", "--no-exec", "--no-progress",
              "--db", "db.sqlite", "--out", "out")
    assert res.code == 0, res
    assert json.loads((workdir / "out" / "results.json").read_text(encoding="utf-8"))


def test_lone_surrogates_from_a_server_are_stored_once_and_never_resent(server, workdir, cli):
    server.reply = lambda model, messages, params: ("```python\nprint('\ud800')\n```\n\ud83d alone", "think \udfff")
    write_config(workdir / "evalkit.yaml", server)
    first = cli(*run_args("--out", "out"))
    assert first.code == 0, first
    sent = server.chat_requests
    texts = db_rows(workdir / "db.sqlite", "SELECT text, thinking, finish_reason FROM responses")
    assert len(texts) == 4
    for text, thinking, finish in texts:
        assert "\ufffd alone" in text and thinking == "think \ufffd" and "3 character(s)" in finish
    again = cli(*run_args("--out", "out2"))
    assert again.code == 0, again
    assert server.chat_requests == sent and "4 cached, 0 sent" in again.out


# ---- 2. credentials in base URLs ----------------------------------------------------------------------
SECRETS = ("OpenAIPassw0rd", "QuerySecret111", "OllamaPassw0rd", "TokenSecret222")


def secret_config(workdir, server, **extra):
    host = server.url.removeprefix("http://")
    write_config(workdir / "evalkit.yaml", server,
                 base={"provider": "ollama", "model": "qwen3-vl:8b",
                       "base_url": f"http://olly:{SECRETS[2]}@{host}?token={SECRETS[3]}&keep=visible"},
                 tuned={"provider": "openai", "model": "tuned",
                        "base_url": f"http://alice:{SECRETS[0]}@{host}/v1?api-key={SECRETS[1]}"}, **extra)


def leaks(workdir, *texts):
    found = [p.name for p in workdir.rglob("*") if p.is_file() and p.name != "evalkit.yaml"
             and any(s.encode() in p.read_bytes() for s in SECRETS)]
    found += [t[:80] for t in texts if any(s in t for s in SECRETS)]
    return found


def test_credentials_in_base_urls_are_used_but_never_written_or_printed(server, workdir, cli):
    secret_config(workdir, server)
    server.faults = [400]  # one error row in the report, whose message names the endpoint
    res = cli(*run_args("--samples", "2", "--out", "out"))
    assert res.code == 0, res
    # the server got every credential...
    assert any(f"api-key={SECRETS[1]}" in q for q in server.queries)
    assert any(f"token={SECRETS[3]}" in q and "keep=visible" in q for q in server.queries)
    auth = {base64.b64decode(h.split()[1]).decode() for h in server.auth_headers if h and h.startswith("Basic ")}
    assert {f"alice:{SECRETS[0]}", f"olly:{SECRETS[2]}"} <= auth
    # ...and nothing evalkit wrote or printed holds one: store (and its WAL), reports, terminal
    models = cli("models")
    assert models.code == 0, models
    assert leaks(workdir, res.out, res.err, models.out, models.err) == []
    assert "***@" in models.out and "keep=visible" in models.out
    info = json.loads((workdir / "out" / "results.json").read_text())
    assert "injected 400" in (workdir / "out" / "index.html").read_text()
    assert "***" in json.dumps(info)


def test_unreachable_endpoint_with_credentials_is_reported_redacted(workdir, cli):
    (workdir / "evalkit.yaml").write_text(yaml.safe_dump({"models": {"m": {
        "provider": "openai", "model": "x", "base_url": f"http://carol:{SECRETS[0]}@127.0.0.1:9/v1?sig={SECRETS[1]}"}}}))
    res = cli("run", "--models", "m", "--no-progress", "--db", "db.sqlite")
    one_line_exit_2(res)
    assert "http://***@127.0.0.1:9/v1?sig=%2A%2A%2A" in res.err or "sig=***" in res.err
    assert leaks(workdir, res.err, res.out) == []
    (status,), = db_rows(workdir / "db.sqlite", "SELECT status FROM runs")
    assert status == "failed"


def test_the_cache_key_does_not_need_the_secret(server, workdir, cli):
    secret_config(workdir, server)
    assert cli(*run_args()).code == 0
    sent = server.chat_requests
    rotated = (workdir / "evalkit.yaml").read_text().replace(SECRETS[1], "RotatedKey999").replace(SECRETS[2], "NewPw")
    (workdir / "evalkit.yaml").write_text(rotated)
    res = cli(*run_args())
    assert res.code == 0 and server.chat_requests == sent, res  # a rotated key keeps the cache


@pytest.mark.parametrize("url, shown", [
    ("http://u:p@h:1/v1", "http://***@h:1/v1"),
    ("https://h/v1?api-key=S&x=1", "https://h/v1?api-key=***&x=1"),
    ("https://h/v1?X-Amz-Signature=S&access_token=T&keyboard=1", "https://h/v1?X-Amz-Signature=***&access_token=***&keyboard=1"),
    ("http://localhost:11434", "http://localhost:11434"),
])
def test_redacted_url_forms(url, shown):
    assert redact_url(url) == shown
    assert redact_url(shown) == shown


def test_scrub_masks_the_url_and_its_secrets_anywhere_in_a_message():
    url = "http://bob:Pw%2F123@h:1/v1?key=K3y-Value"
    msg = scrub(f"GET {url} failed; server said: bad key K3y-Value for user bob (password Pw/123)", [url])
    assert msg == "GET http://***@h:1/v1?key=*** failed; server said: bad key *** for user *** (password ***)"


# ---- 6. endless answers ----------------------------------------------------------------------------------
@pytest.mark.parametrize("model", ["base", "tuned"])
def test_an_endless_answer_is_cut_at_the_cap_and_stored_marked_truncated(server, workdir, cli, model):
    write_config(workdir / "evalkit.yaml", server)
    server.faults = ["endless", "endless"]
    res = cli(*run_args("--max-answer-mb", "0.5", "--samples", "1", "--out", "out", models=model))
    assert res.code == 0, res
    rows = db_rows(workdir / "db.sqlite", "SELECT length(CAST(text AS BLOB)), finish_reason, error FROM responses")
    assert len(rows) == 2
    for size, finish, error in rows:
        assert error is None
        assert 400_000 < size <= 500_000
        assert finish.startswith("truncated: the answer passed 0.5 MB")
    # evalkit stopped reading: the server could not push much more than the cap (socket buffers)
    assert server.endless_sent < 2 * 500_000 + 16_000_000
    assert "truncated" in (workdir / "out" / "index.html").read_text()


@pytest.mark.parametrize("model", ["base", "tuned"])
def test_an_endless_non_streamed_body_is_not_read_past_its_limit(server, workdir, cli, model):
    write_config(workdir / "evalkit.yaml", server,
                 base={"provider": "ollama", "model": "qwen3-vl:8b", "base_url": server.url, "stream": False},
                 tuned={"provider": "openai", "model": "tuned", "base_url": server.url + "/v1", "stream": False})
    server.faults = ["endless"]
    res = cli(*run_args("--max-answer-mb", "0.25", "--samples", "1", "--out", "out", models=model))
    assert res.code == 0, res  # the other task's answer is scored; this one is an error row that says why
    (error,), = db_rows(workdir / "db.sqlite", "SELECT error FROM responses WHERE error IS NOT NULL")
    assert "passed 2 MB and was not read further" in error and "stream: true" in error
    assert server.endless_sent < 2_000_000 + 16_000_000


def test_answer_cap_default_follows_max_tokens():
    from evalkit.providers.base import answer_cap

    assert answer_cap({}) == 4_000_000
    assert answer_cap({"max_tokens": 1_000_000}) == 32_000_000
    assert answer_cap({"num_predict": 4096}) == 1_000_000  # a server ignoring max_tokens is cut at 1 MB
    assert answer_cap({"max_tokens": 100}, max_answer_mb=0.25) == 250_000


# ---- 7. bad input files and flags ------------------------------------------------------------------
BAD_FILES = {
    "empty": (b"", "holds no responses"),
    "blank lines only": (b"\n  \n", "holds no responses"),
    "not UTF-8": (b'{"model":"a","task_id":"snake","sample":0,"response":"ok"}\n{"model":"a","task_id":"snake",'
                  b'"sample":1,"response":"caf\xe9"}\n', "bad.jsonl:2: not UTF-8 text (byte 0xe9"),
    "sample 1e400": (b'{"model":"a","task_id":"snake","sample":1e400,"response":"x"}\n',
                     "bad.jsonl:1: `sample` must be a whole number from 0 to 999999"),
    "sample negative": (b'{"model":"a","task_id":"snake","sample":-1,"response":"x"}\n', "bad.jsonl:1: `sample`"),
    "sample fraction": (b'{"model":"a","task_id":"snake","sample":1.5,"response":"x"}\n', "bad.jsonl:1: `sample`"),
    "sample huge": (b'{"model":"a","task_id":"snake","sample":' + b"9" * 5000 + b',"response":"x"}\n', "bad.jsonl:1:"),
    "sample NaN": (b'{"model":"a","task_id":"snake","sample":NaN,"response":"x"}\n', "bad.jsonl:1: `sample`"),
    "thinking object": (b'{"model":"a","task_id":"snake","response":"x","thinking":{}}\n', "bad.jsonl:1: `thinking`"),
    "model object": (b'{"model":{},"task_id":"snake","response":"x"}\n', "bad.jsonl:1: `model`"),
    "latency text": (b'{"model":"a","task_id":"snake","response":"x","latency_s":"slow"}\n', "bad.jsonl:1: `latency_s`"),
    "deep nesting": (b'{"model":"a","task_id":"snake","response":"x","extra":' + b"[" * 100_000 + b"]" * 100_000
                     + b"}\n", "bad.jsonl:1:"),
    "not an object": (b"[1, 2]\n", "bad.jsonl:1: missing"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_responses_file_is_one_line_naming_file_and_line(case, workdir, cli):
    data, expected = BAD_FILES[case]
    (workdir / "bad.jsonl").write_bytes(data)
    # a run already stored must survive the bad import untouched
    (workdir / "good.jsonl").write_text('{"model":"a","task_id":"snake","sample":0,"response":"fine"}\n')
    assert cli("score", "--responses", "good.jsonl", "--suite", "snake", "--no-exec", "--no-progress",
               "--db", "db.sqlite", "--out", "good").code == 0
    res = cli("score", "--responses", "bad.jsonl", "--suite", "snake", "--no-exec", "--no-progress",
              "--db", "db.sqlite", "--out", "out")
    one_line_exit_2(res)
    assert expected in res.err, res.err
    assert db_rows(workdir / "db.sqlite", "SELECT text FROM responses") == [("fine",)]


BAD_FLAGS = {
    "samples huge": (["--samples", "99999999999999999999"], "--samples", "from 1 to 10000"),
    "samples zero": (["--samples", "0"], "--samples", "from 1 to 10000"),
    "concurrency": (["--concurrency", "100000"], "--concurrency", "from 1 to 1024"),
    "timeout nan": (["--timeout", "nan"], "--timeout", "from 0.001 to 86400"),
    "timeout inf": (["--timeout", "inf"], "--timeout", "from 0.001 to 86400"),
    "retries": (["--retries", "-1"], "--retries", "from 0 to 100"),
    "workers": (["--workers", "0"], "--workers", "from 1 to 1024"),
    "seed negative": (["--seed", "-5"], "--seed", "from 0 to 2147483647"),
    "seed text": (["--seed", "abc"], "--seed", "not a whole number"),
    "answer cap": (["--max-answer-mb", "0"], "--max-answer-mb", "from 0.001 to 1024"),
}


@pytest.mark.parametrize("case", sorted(BAD_FLAGS))
def test_numeric_flags_are_checked_before_any_work(case, server, workdir, cli):
    write_config(workdir / "evalkit.yaml", server)
    flags, flag, allowed = BAD_FLAGS[case]
    res = cli(*run_args(*flags))
    one_line_exit_2(res)
    assert flag in res.err and allowed in res.err
    assert server.chat_requests == 0 and not (workdir / "db.sqlite").exists()


@pytest.mark.parametrize("section, field, value, expected", [
    ("run", "samples", 10**20, "run.samples: 100000000000000000000 is out of range"),
    ("run", "timeout", "soon", "run.timeout: 'soon' is not a number"),
    ("run", "concurrency", 0, "run.concurrency: 0 is out of range"),
    ("model", "timeout", -1, "model 'tuned': `timeout`: -1 is out of range"),
    ("model", "concurrency", 2.5, "model 'tuned': `concurrency`: '2.5' is not a whole number"),
])
def test_numeric_config_fields_are_checked_before_any_work(section, field, value, expected, server, workdir, cli):
    write_config(workdir / "evalkit.yaml", server)
    cfg = yaml.safe_load((workdir / "evalkit.yaml").read_text())
    if section == "run":
        cfg["run"][field] = value
    else:
        cfg["models"]["tuned"][field] = value
    (workdir / "evalkit.yaml").write_text(yaml.safe_dump(cfg))
    res = cli(*run_args())
    one_line_exit_2(res)
    assert "evalkit.yaml" in res.err and expected in res.err, res.err
    assert server.chat_requests == 0


# ---- 8. a failed run is never the default ------------------------------------------------------------
def test_a_failed_run_is_listed_but_never_the_default(server, workdir, cli):
    write_config(workdir / "evalkit.yaml", server)
    good = cli(*run_args("--out", "good"))
    assert good.code == 0, good
    good_id = good.out.split()[1].rstrip(":")
    server.faults = [400] * 8
    failed = cli(*run_args("--samples", "2", "--seed", "7", "--out", "failed"))
    assert failed.code == 2 and "every request failed" in failed.err
    store = Store(workdir / "db.sqlite")
    runs = store.run_list()
    assert [r["status"] for r in runs][:2] == ["failed", "scored"]
    assert runs[0]["has_results"] is False and runs[1]["id"] == good_id
    assert store.latest_run_id() == good_id
    store.close()
    rep = cli("report", "--db", "db.sqlite", "--out", "again")
    assert rep.code == 0 and json.loads((workdir / "again" / "results.json").read_text())["run_id"] == good_id
    gate = cli("gate", "--baseline", "base", "--candidate", "tuned", "--db", "db.sqlite")
    assert gate.code in (0, 1), gate  # a verdict on the good run, not "no scores" (2)


def test_only_failed_runs_are_listed_as_failed_not_reported_empty(server, workdir, cli):
    write_config(workdir / "evalkit.yaml", server)
    server.faults = [400] * 2
    assert cli(*run_args(models="tuned")).code == 2
    res = cli("report", "--db", "db.sqlite")
    one_line_exit_2(res)
    assert "no run with results" in res.err and "(failed, 0 of 2 responses)" in res.err
    gate = cli("gate", "--baseline", "tuned", "--candidate", "tuned", "--db", "db.sqlite")
    one_line_exit_2(gate)
    assert "no run with results" in gate.err and "(failed, 0 of 2 responses)" in gate.err


def test_an_unreachable_endpoint_leaves_a_failed_run_that_is_not_the_default(server, workdir, cli):
    write_config(workdir / "evalkit.yaml", server, down={"provider": "ollama", "model": "m",
                                                         "base_url": "http://127.0.0.1:9"})
    assert cli(*run_args("--out", "good")).code == 0
    res = cli("run", "--models", "down", "--no-progress", "--db", "db.sqlite")
    one_line_exit_2(res)
    store = Store(workdir / "db.sqlite")
    latest, *_ = store.run_list()
    assert latest["status"] == "failed" and store.latest_run_id() != latest["id"]
    store.close()


# ---- 3. the sandbox environment rebuilt during a run ----------------------------------------------------
def tiny_wheel(folder: Path, version: str) -> Path:
    """A one-module wheel (evk_envprobe, V = version) that pip installs offline."""
    name = f"evk_envprobe-{version}-py3-none-any.whl"
    dist = f"evk_envprobe-{version}.dist-info"
    files = {"evk_envprobe.py": f"V = {version!r}\n",
             f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: evk_envprobe\nVersion: {version}\n",
             f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    files[f"{dist}/RECORD"] = "".join(f"{k},,\n" for k in files) + f"{dist}/RECORD,,\n"
    with zipfile.ZipFile(folder / name, "w") as z:
        for k, v in files.items():
            z.writestr(k, v)
    return folder / name


@pytest.fixture
def own_env(tmp_path, monkeypatch):
    from evalkit import sandbox_env

    root = tmp_path / "env"
    monkeypatch.setenv("EVALKIT_SANDBOX_ENV", str(root))
    monkeypatch.setenv("EVALKIT_SANDBOX_AUTO_SETUP", "0")
    return sandbox_env, root


def test_setup_builds_beside_and_keeps_a_version_in_use(own_env, tmp_path):
    sandbox_env, root = own_env
    first = sandbox_env.setup((str(tiny_wheel(tmp_path, "1.0")),), quiet=True)
    assert sandbox_env.ready_dir() == first and (first / "evk_envprobe.py").is_file()
    used, lease = sandbox_env.acquire()
    assert used == first
    second = sandbox_env.setup((str(tiny_wheel(tmp_path, "2.0")),), quiet=True)
    assert sandbox_env.ready_dir() == second != first
    assert (first / "evk_envprobe.py").read_text() == "V = '1.0'\n"  # its user still sees it whole
    sandbox_env.release(lease)
    assert sandbox_env.collect_garbage() == [first.name]
    assert sorted(p.name for p in root.iterdir()) == sorted(["current", second.name])


def test_an_older_single_folder_env_is_replaced_by_versions(own_env, tmp_path):
    sandbox_env, root = own_env
    root.mkdir()
    (root / sandbox_env.MARKER).write_text("{}")
    (root / "pygame").mkdir()
    assert sandbox_env.ready_dir() == root
    new = sandbox_env.setup((str(tiny_wheel(tmp_path, "1.0")),), quiet=True)
    assert sandbox_env.ready_dir() == new and not (root / "pygame").exists()


def test_programs_running_while_the_env_is_rebuilt_always_see_a_whole_env(own_env, tmp_path):
    """Reproduces item 3: scoring and `evalkit setup-sandbox` at once. Before, jobs started during
    the swap found no environment (missing_dependency) or half of one (crashed)."""
    from evalkit.sandbox import Job, Sandbox

    sandbox_env, _ = own_env
    wheels = [tiny_wheel(tmp_path, f"{i}.0") for i in range(1, 4)]
    sandbox_env.setup((str(wheels[0]),), quiet=True)
    outcomes: list = []
    stop = threading.Event()

    def score_meanwhile():
        while not stop.is_set():
            with Sandbox("auto") as sb:  # a fresh template when the env changed, as scoring does
                outcomes.append(sb.run(Job(source="import evk_envprobe\nprint(evk_envprobe.V)", timeout=10)))

    worker = threading.Thread(target=score_meanwhile)
    worker.start()
    try:
        for wheel in wheels[1:] * 2:
            sandbox_env.setup((str(wheel),), quiet=True)
    finally:
        stop.set()
        worker.join(60)
    assert len(outcomes) >= 3
    assert [o.status for o in outcomes if o.status != "ok"] == []
    assert {o.stdout.strip() for o in outcomes} <= {"1.0", "2.0", "3.0"}


SNAKE_SOURCE = textwrap.dedent("""
    ```python
    import pygame
    pygame.init()
    screen = pygame.display.set_mode((200, 200))
    clock = pygame.time.Clock()
    running = True
    while running:
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                running = False
        screen.fill((0, 0, 0))
        pygame.display.flip()
        clock.tick(30)
    pygame.quit()
    ```
""")


def test_a_score_spoilt_by_the_environment_is_an_error_and_not_cached(workdir, cli, monkeypatch, tmp_path):
    from evalkit import sandbox_env

    if sandbox_env.ready_dir() is None:
        pytest.skip("run `evalkit setup-sandbox` first")
    (workdir / "r.jsonl").write_text(json.dumps({"model": "a", "task_id": "snake", "sample": 0,
                                                 "response": SNAKE_SOURCE}) + "\n")
    args = ["score", "--responses", "r.jsonl", "--suite", "snake", "--no-progress", "--db", "db.sqlite",
            "--workers", "1"]
    with monkeypatch.context() as m:  # an environment without pygame: as during a rebuild, or never set up
        m.setenv("EVALKIT_SANDBOX_ENV", str(tmp_path / "empty-env"))
        m.setenv("EVALKIT_SANDBOX_AUTO_SETUP", "0")
        broken = cli(*args, "--out", "broken")
    one_line_exit_2(broken)
    assert "could not be scored: the sandbox environment has no pygame" in broken.err
    (value, details), = db_rows(workdir / "db.sqlite", "SELECT value, details_json FROM scores WHERE metric='runs_ok'")
    assert value is None and "setup-sandbox" in json.loads(details)["environment_error"]  # not a model failure
    fixed = cli(*args, "--out", "fixed")
    assert fixed.code == 0, fixed
    (value, details), = db_rows(workdir / "db.sqlite", "SELECT value, details_json FROM scores WHERE metric='runs_ok'")
    assert value == 1.0 and "environment_error" not in json.loads(details)  # scored again, now right


# ---- 4. nothing outlives evalkit -----------------------------------------------------------------------
SLEEPER = "```python\nimport time\ntime.sleep({s})\nprint('hello')\n```\n"


def sleepers(path: Path, n: int, seconds: float) -> None:
    with open(path, "w") as f:
        for i in range(n):
            f.write(json.dumps({"model": "a", "task_id": "hello", "sample": i,
                                "response": SLEEPER.format(s=seconds)}) + "\n")


def score_cmd(db: str, out: str, sandbox: str = "auto") -> list[str]:
    return [sys.executable, "-m", "evalkit", "score", "--responses", "r.jsonl", "--suite", "mini", "--suites-dir",
            str(MINI_SUITES), "--workers", "2", "--no-progress", "--db", db, "--out", out, "--sandbox", sandbox]


# Runs in its own process: made a child subreaper, it inherits whatever evalkit's descendants
# orphan, so it can tell whether anything outlived evalkit (and then cleans it up).
HARNESS = textwrap.dedent("""
    import ctypes, json, os, signal, subprocess, sys, time
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    def table():
        out = {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    stat = open(f"/proc/{d}/stat").read()
                    cmd = open(f"/proc/{d}/cmdline", "rb").read().replace(b"\\0", b" ").decode(errors="replace")
                except OSError:
                    continue
                fields = stat[stat.rindex(")") + 2:].split()
                if fields[0] != "Z":
                    out[int(d)] = (int(fields[1]), cmd)
        return out
    def below(root):
        t, found, todo = table(), {}, [root]
        while todo:
            p = todo.pop()
            for pid, (ppid, cmd) in t.items():
                if ppid == p and pid not in found:
                    found[pid] = cmd
                    todo.append(pid)
        return found
    proc = subprocess.Popen(json.loads(sys.argv[1]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 90
    seen = {}
    while time.time() < deadline:
        seen = below(proc.pid)
        if sum("server.py" in c for c in seen.values()) >= 2 and any("-c" not in c.split() and "evalkit" in c
                                                                       for c in seen.values()):
            break
        time.sleep(0.1)
    time.sleep(0.5)
    seen = below(proc.pid)
    os.kill(proc.pid, getattr(signal, sys.argv[2]))
    proc.wait()
    deadline, left = time.time() + 10, {}
    while time.time() < deadline:
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        left = below(os.getpid())
        if not left:
            break
        time.sleep(0.2)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    print(json.dumps({"before": list(seen.values()), "after": list(left.values()), "code": proc.returncode}))
""")


def outlives(workdir, cmd, sig: str) -> dict:
    res = subprocess.run([sys.executable, "-c", HARNESS, json.dumps(cmd), sig], cwd=workdir, capture_output=True,
                         text=True, timeout=180)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signals are Linux's")
@pytest.mark.parametrize("sandbox", ["auto", "limits"])  # bubblewrap here; without it, the fallback
def test_kill_9_leaves_no_worker_and_no_sandbox_running(workdir, sandbox):
    sleepers(workdir / "r.jsonl", 6, 60)
    seen = outlives(workdir, score_cmd("db.sqlite", "out", sandbox), "SIGKILL")
    templates = [c for c in seen["before"] if "server.py" in c]
    assert len(templates) >= 2, seen  # two workers, each with a template running a job
    assert seen["code"] == -signal.SIGKILL
    assert seen["after"] == [], seen


def stored_scores(db: Path) -> int:
    try:
        return db_rows(db, "SELECT count(DISTINCT response_id) FROM scores")[0][0]
    except sqlite3.Error:
        return 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signals are Linux's")
def test_sigterm_stops_like_ctrl_c_and_the_rerun_completes(workdir):
    sleepers(workdir / "r.jsonl", 8, 1.5)
    seen = outlives(workdir, score_cmd("db.sqlite", "out"), "SIGTERM")
    assert seen["code"] == 143 and seen["after"] == [], seen
    proc = subprocess.Popen(score_cmd("db2.sqlite", "out2"), cwd=workdir, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while stored_scores(workdir / "db2.sqlite") < 2 and time.time() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "terminated (SIGTERM)" in err and "rerun the same command to resume" in err and "Traceback" not in err
    kept = stored_scores(workdir / "db2.sqlite")
    assert 2 <= kept < 8
    done = subprocess.run(score_cmd("db2.sqlite", "out3"), cwd=workdir, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert stored_scores(workdir / "db2.sqlite") == 8
