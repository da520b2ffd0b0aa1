"""A run killed with SIGKILL and started again sends only the missing requests and ends the same."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

from conftest import write_config


def evalkit(workdir, db, out):
    return [sys.executable, "-m", "evalkit", "run", "--models", "base,tuned", "--samples", "3", "--concurrency", "1",
            "--no-exec", "--no-progress", "--db", db, "--out", out]


def stored(db):
    try:
        con = sqlite3.connect(db)
        return con.execute("SELECT count(*) FROM responses WHERE error IS NULL").fetchone()[0]
    except sqlite3.Error:
        return 0


def texts(db):
    con = sqlite3.connect(db)
    run = con.execute("SELECT id FROM runs ORDER BY created_at DESC LIMIT 1").fetchone()[0]
    return sorted(con.execute(
        "SELECT rr.model, rr.task_id, rr.sample, r.text FROM run_responses rr JOIN responses r"
        " ON r.id = rr.response_id WHERE rr.run_id = ?", (run,)).fetchall())


def test_kill_9_then_resume(server, workdir):
    server.latency = 0.15
    write_config(workdir / "evalkit.yaml", server)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(evalkit(workdir, "db.sqlite", "out1"), cwd=workdir, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while stored(workdir / "db.sqlite") < 4 and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    kept = stored(workdir / "db.sqlite")
    total = 2 * 2 * 3  # models x tasks x samples
    assert 4 <= kept < total
    before = server.chat_requests

    done = subprocess.run(evalkit(workdir, "db.sqlite", "out2"), cwd=workdir, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert server.chat_requests - before == total - kept  # nothing that finished is asked again
    assert f"{kept} cached" in done.stdout

    fresh = subprocess.run(evalkit(workdir, "fresh.sqlite", "out3"), cwd=workdir, env=env, capture_output=True,
                           text=True, timeout=120)
    assert fresh.returncode == 0, fresh.stderr
    assert texts(workdir / "db.sqlite") == texts(workdir / "fresh.sqlite")


def test_ctrl_c_stops_cleanly_and_keeps_what_finished(server, workdir):
    server.latency = 0.15
    write_config(workdir / "evalkit.yaml", server)
    proc = subprocess.Popen(evalkit(workdir, "db.sqlite", "out1"), cwd=workdir, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while stored(workdir / "db.sqlite") < 3 and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "interrupted" in err and "rerun the same command to resume" in err and "Traceback" not in err
    assert stored(workdir / "db.sqlite") >= 3
