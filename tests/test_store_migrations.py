"""The store is versioned: a store written before versioning opens, migrates once (backup beside it),
reports its run and answers reruns from its cache; a store from a newer evalkit is refused untouched."""

from __future__ import annotations

import csv
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fake_server import FakeModelServer

from evalkit import migrations
from evalkit.errors import EvalkitError
from evalkit.migrations import Migration, backup_path, schema_version
from evalkit.store import Store

STORES = Path(__file__).resolve().parent / "fixtures" / "stores"
V0 = STORES / "v0.db"                  # written by evalkit 0.1.0 (a7b4fbb), see make_v0.py
V0_RUN = "20261129-164433-dd09"
V0_PORT = 29417                        # the fake server's port when v0.db was made (part of the cache keys)


def readonly(path: Path) -> sqlite3.Connection:
    # immutable: reading a WAL-mode file otherwise creates -wal/-shm beside it (the stores here are closed)
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)


def user_version(path: Path) -> int:
    con = readonly(path)
    try:
        return con.execute("PRAGMA user_version").fetchone()[0]
    finally:
        con.close()


def table_dump(path: Path) -> list[str]:
    con = readonly(path)
    try:
        return list(con.iterdump())
    finally:
        con.close()


@pytest.fixture
def v0(tmp_path) -> Path:
    path = tmp_path / "evalkit.db"
    shutil.copyfile(V0, path)
    return path


def test_the_fixture_is_an_unversioned_store():
    assert user_version(V0) == 0 and migrations.header_version(V0) == 0
    assert not V0.with_name("v0.db-wal").exists()  # committed whole, nothing pending in a WAL
    assert sorted(p.name for p in STORES.glob("v0.db*")) == ["v0.db"]


def test_steps_are_numbered_one_by_one():
    assert [m.version for m in migrations.MIGRATIONS] == list(range(1, schema_version() + 1))


def test_v0_store_migrates_once_and_keeps_a_backup(v0):
    original = table_dump(v0)
    store = Store(v0)
    assert store.migrated == list(range(1, schema_version() + 1))
    store.close()
    assert user_version(v0) == schema_version()

    backup = backup_path(v0, 0)
    assert backup.name == "evalkit.db.bak-v0"
    assert user_version(backup) == 0 and table_dump(backup) == original   # every row of the old file
    assert not list(v0.parent.glob("*.partial*"))
    stamp = backup.stat().st_mtime_ns

    store = Store(v0)                       # second open: nothing left to do
    assert store.migrated == []
    assert store.get_run(V0_RUN)["status"] == "scored"
    store.close()
    assert backup.stat().st_mtime_ns == stamp
    assert sorted(p.name for p in v0.parent.glob("evalkit.db.bak*")) == ["evalkit.db.bak-v0"]


def test_report_of_the_v0_run_shows_the_same_scores(v0, workdir, cli):
    res = cli("report", V0_RUN, "--db", v0, "--out", workdir / "again")
    assert res.code == 0, res
    assert f"upgraded the store {v0} to schema version {schema_version()}" in res.err
    assert f"kept as {backup_path(v0, 0)}" in res.err
    again = cli("report", V0_RUN, "--db", v0, "--out", workdir / "again")
    assert again.code == 0 and "upgraded" not in again.err, again
    with open(STORES / "v0-scores.csv", newline="") as fh:
        before = {(r["model"], r["task_id"], r["sample"], r["metric"]): r["value"] for r in csv.DictReader(fh)}
    with open(workdir / "again" / "scores.csv", newline="") as fh:
        after = {(r["model"], r["task_id"], r["sample"], r["metric"]): r["value"] for r in csv.DictReader(fh)}
    assert {k[:3] for k in after} == {k[:3] for k in before}        # the same 8 responses
    assert {k: after.get(k) for k in before} == before               # every score as the old version wrote it
    assert (workdir / "again" / "index.html").is_file()


def test_rerun_on_a_v0_store_sends_no_request(v0, workdir, cli):
    try:
        server = FakeModelServer(port=V0_PORT)
    except OSError as exc:  # the cache keys hold this port; another program has it right now
        pytest.fail(f"port {V0_PORT} is taken ({exc}); the v0 store's cache keys need it")
    with server.start():
        models = {
            "base": {"provider": "ollama", "model": "qwen3-vl:8b", "base_url": server.url},
            "tuned": {"provider": "openai", "model": "tuned", "base_url": server.url + "/v1",
                      "params": {"temperature": 0.2, "max_tokens": 256}},
        }
        (workdir / "evalkit.yaml").write_text(yaml.safe_dump({"models": models}))
        res = cli("run", "--models", "base,tuned", "--suites-dir", STORES / "suites", "--suite", "mini",
                  "--samples", "2", "--seed", "7", "--no-progress", "--no-exec", "--db", v0, "--out", "rerun")
        assert res.code == 0, res
        assert server.chat_requests == 0
    assert "8 cached, 0 sent" in res.out
    con = sqlite3.connect(v0)
    try:
        assert con.execute("SELECT count(*) FROM responses").fetchone()[0] == 8
        old, new = (sorted(con.execute("SELECT model, task_id, sample, response_id FROM run_responses"
                                       " WHERE run_id = ?", (rid,)).fetchall())
                    for rid in (V0_RUN, con.execute("SELECT id FROM runs WHERE id != ?", (V0_RUN,)).fetchone()[0]))
    finally:
        con.close()
    assert len(old) == 8 and new == old     # the new run is filed on the very responses of the old one


def future_store(tmp_path: Path) -> tuple[Path, bytes]:
    path = tmp_path / "future.db"
    shutil.copyfile(V0, path)
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {schema_version() + 1}")
    con.commit()
    con.close()  # the last connection of a WAL-mode file checkpoints and removes -wal/-shm
    assert sorted(p.name for p in tmp_path.iterdir()) == ["future.db"]
    # still in WAL mode like every store, so merely reading it in SQLite would create -wal and -shm
    assert path.read_bytes()[18:20] == b"\x02\x02"
    return path, path.read_bytes()


def test_a_store_from_a_newer_evalkit_is_refused_untouched(tmp_path, workdir, cli, monkeypatch):
    path, before = future_store(tmp_path)
    for args in (("report", "--db", path), ("gate", "--baseline", "base", "--candidate", "tuned", "--db", path)):
        res = cli(*args)
        assert res.code == 2, res
        lines = res.err.strip().splitlines()
        assert len(lines) == 1 and "newer evalkit" in lines[0] and "Traceback" not in res.err, res
    opened = []
    real_connect = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: opened.append(a) or real_connect(*a, **k))
    with pytest.raises(EvalkitError, match="not changed"):
        Store(path)
    assert opened == []     # refused from the file header: SQLite never opened it (no -wal/-shm, even briefly)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["future.db"]     # no -wal, -shm or backup


def test_a_failing_step_leaves_the_store_as_it_was(v0, monkeypatch):
    original = table_dump(v0)

    def broken(conn):
        conn.execute("ALTER TABLE runs ADD COLUMN half_done TEXT")
        raise sqlite3.OperationalError("disk I/O error (simulated in a migration step)")

    steps = (*migrations.MIGRATIONS, Migration(schema_version() + 1, "a step that fails half-way", broken))
    monkeypatch.setattr(migrations, "MIGRATIONS", steps)
    with pytest.raises(EvalkitError, match="cannot open the store"):
        Store(v0)
    assert user_version(v0) == 0 and table_dump(v0) == original          # neither step 1 nor the half of 2
    assert table_dump(backup_path(v0, 0)) == original

    monkeypatch.undo()
    store = Store(v0)                       # the released evalkit migrates it normally afterwards
    assert store.migrated == list(range(1, schema_version() + 1))
    store.close()


def test_later_steps_run_in_order_on_an_older_store(v0, monkeypatch):
    """A store two steps behind gets both, in order, in one go (and one backup of its old version)."""
    Store(v0).close()
    seen = []
    n = schema_version()
    steps = (*migrations.MIGRATIONS,
             Migration(n + 1, "add a column", lambda c: seen.append(n + 1) or c.execute(
                 "ALTER TABLE runs ADD COLUMN note TEXT")),
             Migration(n + 2, "fill it", lambda c: seen.append(n + 2) or c.execute(
                 "UPDATE runs SET note = 'from ' || evalkit_version")))
    monkeypatch.setattr(migrations, "MIGRATIONS", steps)
    store = Store(v0)
    assert store.migrated == [n + 1, n + 2] and seen == [n + 1, n + 2]
    assert store._conn.execute("SELECT note FROM runs").fetchone()[0] == "from 0.1.0"
    store.close()
    assert user_version(v0) == n + 2 and user_version(backup_path(v0, n)) == n


def test_two_processes_opening_an_old_store_migrate_it_once(tmp_path):
    path = tmp_path / "shared # store?.db"       # URI-special characters in the name, too
    shutil.copyfile(V0, path)
    original = table_dump(path)
    code = ("import sys; from evalkit.store import Store; s = Store(sys.argv[1]); print(s.migrated);"
            " s.get_run(%r); s.close()" % V0_RUN)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert sorted(o[0].strip() for o in outs) == sorted(["[]", str(list(range(1, schema_version() + 1)))])
    assert user_version(path) == schema_version()
    assert table_dump(backup_path(path, 0)) == original


def test_a_new_store_needs_no_backup(tmp_path):
    path = tmp_path / "fresh.db"
    store = Store(path)
    assert store.migrated == list(range(1, schema_version() + 1))
    store.close()
    assert user_version(path) == schema_version()
    assert not list(tmp_path.glob("*.bak*"))


@pytest.mark.parametrize("kind", ["text", "foreign"])
def test_a_file_that_is_not_a_store_is_refused_untouched(tmp_path, workdir, cli, kind):
    path = tmp_path / "notes.db"
    if kind == "text":
        path.write_text("these are my notes, not a database\n" * 10)
    else:
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE contacts (name TEXT)")
        con.commit()
        con.close()
    before = path.read_bytes()
    res = cli("report", "--db", path)
    assert res.code == 2 and len(res.err.strip().splitlines()) == 1 and "not an evalkit store" in res.err, res
    assert path.read_bytes() == before
