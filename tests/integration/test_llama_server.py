"""evalkit end to end against llama.cpp's own OpenAI-compatible server (llama-cpp-python).

The server and its protocol are not ours: these tests catch what the loopback stub cannot
(chunk shapes, missing usage in streams, finish reasons, model listing, a server that dies).
The model is tiny and random, so its output is gibberish, deterministic at temperature 0.
"""

from __future__ import annotations

import csv
import json
import subprocess
import time

import httpx
import pytest

from .conftest import (
    ALIAS,
    SUITE,
    db_rows,
    evalkit_cmd,
    evalkit_env,
    free_port,
    write_config,
)

pytestmark = pytest.mark.integration

N_TASKS = 3          # tasks in the fixture's suite (conftest.SUITE_YAML)
PARAMS = {"temperature": 0, "max_tokens": 24}
REPORT_FILES = ("index.html", "summary.md", "results.json", "scores.csv")


def chat(base_url: str, messages: list[dict], **params) -> dict:
    r = httpx.post(base_url + "/chat/completions", json={"model": ALIAS, "messages": messages, **params},
                   timeout=60)
    r.raise_for_status()
    return r.json()


def stream_chat(base_url: str, messages: list[dict], **params) -> list[dict]:
    chunks = []
    with httpx.stream("POST", base_url + "/chat/completions", timeout=60,
                      json={"model": ALIAS, "messages": messages, "stream": True, **params}) as r:
        r.raise_for_status()
        for line in r.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                chunks.append(json.loads(line[len("data: "):]))
    return chunks


def slots(db, model: str) -> dict[tuple[str, int], tuple[str, str | None, str | None]]:
    """(task_id, sample) -> (text, finish_reason, error) of the responses linked to `model`'s slots."""
    rows = db_rows(db, "SELECT rr.task_id, rr.sample, r.text, r.finish_reason, r.error FROM run_responses rr"
                       " JOIN responses r ON r.id = rr.response_id WHERE rr.model = ?", model)
    return {(t, s): (text, fin, err) for t, s, text, fin, err in rows}


def assert_one_line_error(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert lines, "expected an error message on stderr"
    return lines[-1]


# ---- the generated model and the server itself --------------------------------------------------

def test_generated_model_loads_with_a_tokenizer_and_chat_template(tiny_model):
    import llama_cpp

    llm = llama_cpp.Llama(str(tiny_model), vocab_only=True, verbose=False)
    text = "def move(x, y):\n    return (x + 1, y)  # é→✓"
    ids = llm.tokenize(text.encode(), add_bos=False)
    # byte fallback spells what the vocabulary lacks, so any prompt round-trips (after the
    # SentencePiece space prefix every llama vocabulary adds)
    assert llm.detokenize(ids).decode() == " " + text
    assert "<|assistant|>" in llm.metadata["tokenizer.chat_template"]
    assert tiny_model.stat().st_size < 2 * 1024 * 1024


def test_server_speaks_the_protocol_evalkit_relies_on(llama_server):
    """What the provider must cope with, pinned so a llama-cpp-python upgrade that changes it shows up."""
    base = llama_server.base_url
    models = httpx.get(base + "/models", timeout=10).json()
    assert [m["id"] for m in models["data"]] == [ALIAS]

    msgs = [{"role": "user", "content": "Write a function."}]
    full = chat(base, msgs, **PARAMS)
    choice = full["choices"][0]
    assert choice["finish_reason"] == "length"
    assert full["usage"]["completion_tokens"] == PARAMS["max_tokens"]
    assert choice["message"]["content"]
    assert chat(base, msgs, **PARAMS)["choices"][0]["message"]["content"] == choice["message"]["content"]

    chunks = stream_chat(base, msgs, stream_options={"include_usage": True}, **PARAMS)
    assert chunks[0]["choices"][0]["delta"].get("role") == "assistant"
    assert chunks[-1]["choices"][0]["finish_reason"] == "length"
    streamed = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert streamed == choice["message"]["content"]
    # llama.cpp ignores include_usage: a streamed answer carries no token counts at all
    assert all(c.get("usage") is None for c in chunks)


# ---- evalkit run ---------------------------------------------------------------------------------

def run_args(cfg, model: str, suite_dir, tmp_path, *, samples: int, concurrency: int, db=None) -> list[str]:
    return ["run", "--config", str(cfg), "--models", model, "--suite", SUITE, "--suites-dir", str(suite_dir),
            "--samples", str(samples), "--concurrency", str(concurrency), "--out", str(tmp_path / "report"),
            "--db", str(db or tmp_path / "ek.db"), "--no-progress"]


@pytest.mark.parametrize("stream", [True, False], ids=["streamed", "not-streamed"])
def test_run_at_concurrency_2_stores_the_servers_answers_and_scores_them(
        stream, llama_server, suite_dir, suite_tasks, run_evalkit, tmp_path):
    base = llama_server.base_url
    cfg = write_config(tmp_path / "evalkit.yaml", {
        "tiny": {"provider": "openai", "model": ALIAS, "base_url": base, "stream": stream, "params": PARAMS},
    })
    db, out = tmp_path / "ek.db", tmp_path / "report"
    llama_server.mark()
    res = run_evalkit(*run_args(cfg, "tiny", suite_dir, tmp_path, samples=2, concurrency=2))
    assert res.returncode == 0, res.stderr + res.stdout
    assert "Traceback" not in res.stderr
    for name in REPORT_FILES:
        assert (out / name).stat().st_size > 0, name
    assert llama_server.chat_requests() >= 2 * N_TASKS

    got = slots(db, "tiny")
    assert set(got) == {(t.id, s) for t in suite_tasks for s in range(2)}
    # at temperature 0 the answer is the server's own non-streamed answer to the same messages:
    # nothing cut short (llama.cpp interrupts a stream when another request waits), nothing re-joined
    reference = {t.id: chat(base, t.messages(), **PARAMS)["choices"][0]["message"]["content"]
                 for t in suite_tasks}
    for (task_id, sample), (text, finish, error) in got.items():
        assert error is None, (task_id, sample, error)
        assert finish == "length", (task_id, sample, finish)
        assert text == reference[task_id], (task_id, sample)

    # gibberish is scored, not crashed on (a scorer that raised would have failed the run): every slot
    # has the metrics that apply to any answer, the task with unit tests has tests_pass, values are numbers
    with (out / "scores.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and list(rows[0])[:5] == ["model", "task_id", "sample", "metric", "value"]
    keys = [(r["task_id"], int(r["sample"]), r["metric"]) for r in rows]
    assert len(set(keys)) == len(keys), "a metric appears twice for one slot"
    for task_id, sample in got:
        have = {m for t, s_, m in keys if (t, s_) == (task_id, sample)}
        assert {"syntax_ok", "code_prose_ratio"} <= have, (task_id, sample, have)
        if task_id == "add":
            assert "tests_pass" in have, have
    for r in rows:
        if r["value"] != "":
            float(r["value"])
    results = json.loads((out / "results.json").read_text())
    assert results


def test_rerun_sends_nothing_new(llama_server, suite_dir, run_evalkit, tmp_path):
    env = evalkit_env(OPENAI_BASE_URL=llama_server.base_url)
    args = ["run", "--models", f"openai:{ALIAS}", "--suite", SUITE, "--suites-dir", str(suite_dir),
            "--samples", "1", "--concurrency", "2", "--out", str(tmp_path / "r"), "--db", str(tmp_path / "ek.db"),
            "--no-progress"]
    first = run_evalkit(*args, env=env)
    assert first.returncode == 0, first.stderr + first.stdout
    llama_server.mark()
    again = run_evalkit(*args, env=env)
    assert again.returncode == 0, again.stderr
    assert llama_server.chat_requests() == 0


# ---- evalkit models ------------------------------------------------------------------------------

def test_models_tells_served_missing_and_unreachable_apart(llama_server, run_evalkit, tmp_path):
    base = llama_server.base_url
    offline = f"http://127.0.0.1:{free_port()}/v1"
    cfg = write_config(tmp_path / "evalkit.yaml", {
        "tiny": {"provider": "openai", "model": ALIAS, "base_url": base},
        "ghost": {"provider": "openai", "model": "no-such-model", "base_url": base},
        "offline": {"provider": "openai", "model": ALIAS, "base_url": offline},
    })
    res = run_evalkit("models", "--config", str(cfg))
    assert res.returncode == 0, res.stderr
    rows = {}
    for line in res.stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if len(cells) >= 6 and cells[0] in ("tiny", "ghost", "offline"):
            rows[cells[0]] = cells
    assert set(rows) == {"tiny", "ghost", "offline"}, res.stdout
    # columns: alias, provider, model, base_url, endpoint answers, model exists, note
    assert rows["tiny"][4:6] == ["yes", "yes"], rows["tiny"]
    assert rows["ghost"][4:6] == ["yes", "no"] and ALIAS in rows["ghost"][6], rows["ghost"]
    assert rows["offline"][4] == "no", rows["offline"]


# ---- errors --------------------------------------------------------------------------------------

def test_wrong_model_name_is_a_one_line_error(llama_server, suite_dir, run_evalkit, tmp_path):
    """llama.cpp would silently serve its default model for any name, so evalkit must check /v1/models."""
    llama_server.mark()
    res = run_evalkit("run", "--models", "openai:no-such-model", "--suite", SUITE, "--suites-dir", str(suite_dir),
                      "--samples", "1", "--out", str(tmp_path / "r"), "--db", str(tmp_path / "ek.db"),
                      env=evalkit_env(OPENAI_BASE_URL=llama_server.base_url))
    assert res.returncode == 2, res.stdout + res.stderr
    line = assert_one_line_error(res.stderr)
    assert "no-such-model" in line and ALIAS in line, res.stderr
    assert llama_server.chat_requests() == 0, "generated against a model that does not exist"


def test_server_stopped_mid_run_keeps_finished_responses_and_resumes(own_llama_server, suite_dir, tmp_path):
    server = own_llama_server
    db = tmp_path / "ek.db"
    samples = 4
    total = N_TASKS * samples
    cfg = write_config(tmp_path / "evalkit.yaml", {
        # longer answers, one request at a time and streamed, so the crash lands mid-run (often mid-stream)
        "tiny": {"provider": "openai", "model": ALIAS, "base_url": server.base_url, "stream": True,
                 "params": {"temperature": 0, "max_tokens": 150}},
    })
    cmd = [*evalkit_cmd(), *run_args(cfg, "tiny", suite_dir, tmp_path, samples=samples, concurrency=1)]
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=evalkit_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 120
        while _finished(db) < 2:
            assert proc.poll() is None, f"run ended before the crash: {proc.communicate()}"
            assert time.monotonic() < deadline, "no responses stored within 120 s"
            time.sleep(0.01)
        server.stop(crash=True)
        out, err = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    assert proc.returncode == 2, out + err
    line = assert_one_line_error(err)
    kept = _finished(db)
    assert 2 <= kept < total, kept
    assert server.base_url in line and f"{kept} of {total} responses kept" in line and "rerun" in line, err
    rows = db_rows(db, "SELECT text, finish_reason, ttft_s FROM responses WHERE error IS NULL")
    # what was kept came through the stream, complete: none is a stream the crash cut off
    assert all(text and fin == "length" and ttft is not None for text, fin, ttft in rows), rows

    server.start()  # same port, same model
    again = subprocess.run(cmd, check=False, cwd=tmp_path, env=evalkit_env(), capture_output=True, text=True,
                           timeout=240)
    assert again.returncode == 0, again.stderr
    assert server.chat_requests() == total - kept, "the rerun re-sent requests that had finished"
    assert _finished(db) == total


def _finished(db) -> int:
    if not db.exists():
        return 0
    try:
        return db_rows(db, "SELECT COUNT(*) FROM responses WHERE error IS NULL")[0][0]
    except Exception:  # noqa: BLE001 - evalkit may not have created the schema yet
        return 0
