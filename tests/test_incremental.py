"""Adding a model to a finished run generates and scores only its responses; re-rendering scores nothing."""

import sqlite3

from conftest import write_config


def counts(db):
    con = sqlite3.connect(db)
    return (con.execute("SELECT count(*) FROM responses").fetchone()[0],
            con.execute("SELECT count(DISTINCT response_id) FROM scores").fetchone()[0],
            con.execute("SELECT max(rowid) FROM scores").fetchone()[0])


def test_adding_a_model_only_does_the_new_work(server, workdir, cli, monkeypatch):
    write_config(workdir / "evalkit.yaml", server,
                 third={"provider": "ollama", "model": "qwen3-vl:8b", "base_url": server.url,
                        "params": {"temperature": 0.9}})
    base = ["--samples", "2", "--no-exec", "--no-progress", "--db", "db.sqlite"]
    assert cli("run", "--models", "base,tuned", *base).code == 0
    sent = server.chat_requests
    responses, scored, last_score_row = counts(workdir / "db.sqlite")
    assert (responses, scored) == (8, 8)

    import evalkit.scorers as scorers

    calls = []
    original = scorers.score_response
    monkeypatch.setattr(scorers, "score_response", lambda *a, **k: calls.append(a[0].id) or original(*a, **k))
    res = cli("run", "--models", "base,tuned,third", *base, "--workers", "1")
    assert res.code == 0, res
    assert server.chat_requests - sent == 4          # only the new model's 2 tasks x 2 samples
    assert len(calls) == 4                           # and only those are scored
    assert counts(workdir / "db.sqlite")[:2] == (12, 12)

    calls.clear()
    before = counts(workdir / "db.sqlite")
    assert cli("report", "--db", "db.sqlite", "--out", "again").code == 0
    assert calls == [] and counts(workdir / "db.sqlite") == before
    assert (workdir / "again" / "index.html").exists()
