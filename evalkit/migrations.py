"""Schema versions of the SQLite store and the ordered steps that bring an older store up to date.

Why: users keep months of cached responses in one store file (regenerating them costs GPU hours), so a
schema change must reach an existing file, exactly once, without losing anything:
- the version is SQLite's own `PRAGMA user_version` (0 = a store from before versioning);
- on open, every step newer than the file's version runs in order inside ONE transaction, together
  with the new user_version: a step that fails leaves the file as it was;
- before the first step touches a file that holds data, a copy is made beside it
  (`evalkit.db.bak-v0` for a file at version 0);
- a file from a newer evalkit is refused before SQLite opens it (its version is read from the file
  header), so it is never modified, not even by the -wal/-shm files WAL mode creates.

Adding a step: append `Migration(N + 1, "what and why", _function)` to MIGRATIONS, never edit a step
that has shipped (stores in the field were migrated by it), and extend tests/test_store_migrations.py.
A step runs plain statements (no executescript: it would commit half-way).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .errors import EvalkitError

HEADER_MAGIC = b"SQLite format 3\x00"
USER_VERSION_OFFSET = 60  # 4-byte big-endian integer in the database header (sqlite.org/fileformat.html)

# The tables of evalkit 0.1.0, which wrote them with CREATE TABLE IF NOT EXISTS and left user_version 0.
# Frozen: a later change to a table is a new step, not an edit here.
_BASELINE = (
    """CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    finished_at REAL,
    status TEXT NOT NULL DEFAULT 'running',      -- running | generated | scored | failed
    evalkit_version TEXT NOT NULL,
    config_json TEXT NOT NULL DEFAULT '{}',      -- snapshot without secrets
    suites_json TEXT NOT NULL DEFAULT '{}',      -- suite name -> {version, digest, tasks}
    models_json TEXT NOT NULL DEFAULT '{}',      -- alias -> {provider, model, base_url, digest, params}
    sandbox TEXT
)""",
    """CREATE TABLE IF NOT EXISTS responses (
    id INTEGER PRIMARY KEY,
    cache_key TEXT NOT NULL UNIQUE,
    provider TEXT NOT NULL,
    base_url TEXT,
    model TEXT NOT NULL,
    digest TEXT,
    suite TEXT NOT NULL,
    task_id TEXT NOT NULL,
    sample INTEGER NOT NULL,
    params_json TEXT NOT NULL DEFAULT '{}',
    text TEXT NOT NULL DEFAULT '',
    thinking TEXT,
    latency_s REAL,
    ttft_s REAL,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    finish_reason TEXT,
    error TEXT,                                   -- NULL when the request succeeded
    attempts INTEGER NOT NULL DEFAULT 1,
    created_at REAL NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS run_responses (
    run_id TEXT NOT NULL REFERENCES runs(id),
    model TEXT NOT NULL,                          -- the alias the user named
    suite TEXT NOT NULL,
    task_id TEXT NOT NULL,
    sample INTEGER NOT NULL,
    response_id INTEGER NOT NULL REFERENCES responses(id),
    PRIMARY KEY (run_id, model, suite, task_id, sample)
)""",
    """CREATE TABLE IF NOT EXISTS scores (
    response_id INTEGER NOT NULL REFERENCES responses(id),
    metric TEXT NOT NULL,
    value REAL,                                   -- NULL = not scored (shown as n/a)
    details_json TEXT NOT NULL DEFAULT '{}',
    scorer_version TEXT NOT NULL,
    PRIMARY KEY (response_id, metric)
)""",
    "CREATE INDEX IF NOT EXISTS run_responses_by_response ON run_responses(response_id)",
)


def _v1_baseline(conn: sqlite3.Connection) -> None:
    """Adopt an unversioned store as it is (its tables already match), or create the tables."""
    for stmt in _BASELINE:
        conn.execute(stmt)


@dataclass(frozen=True)
class Migration:
    version: int                                    # the user_version the file has after this step
    description: str
    apply: Callable[[sqlite3.Connection], None]


# The metrics of each scorer when the one global scorer version was "3" (frozen, like _BASELINE).
_V3_SCORERS = {
    "execution": ("runs_ok", "tests_pass"),
    "syntax": ("syntax_ok",),
    "ratio": ("code_prose_ratio", "code_prose_char_ratio", "code_lines", "prose_lines", "thinking_lines"),
    "claims": ("claim_consistency",),
    "features": ("feature_completeness",),
    "quality": ("quality", "cc_mean", "mi", "lint_findings"),
}


def _v2_scorer_versions(conn: sqlite3.Connection) -> None:
    """Versions per (response, scorer), so that changing one scorer rescores only its metrics.

    scores.scorer names the scorer of each row; scorer_runs holds the version each scorer last ran
    at for a response (also when it produced no row) and what it left for later scorers
    (artifacts_json: e.g. execution's probes; NULL = not kept, as for every row from before).
    A response scored under the global version V gets every scorer of that time at V: with the
    scorers starting at the old global version, a store scored by the previous evalkit stays current.
    """
    conn.execute("ALTER TABLE scores ADD COLUMN scorer TEXT")
    for scorer, metrics in _V3_SCORERS.items():
        conn.execute(f"UPDATE scores SET scorer = ? WHERE metric IN ({', '.join('?' for _ in metrics)})"
                     " OR metric = ?", (scorer, *metrics, f"scorer_error_{scorer}"))
    conn.execute("""CREATE TABLE scorer_runs (
    response_id INTEGER NOT NULL REFERENCES responses(id),
    scorer TEXT NOT NULL,
    version TEXT NOT NULL,                        -- the scorer's version and mode, e.g. 3:exec
    artifacts_json TEXT,                          -- what it keeps for later scorers; NULL = nothing kept
    PRIMARY KEY (response_id, scorer)
)""")
    for scorer in _V3_SCORERS:
        # execution never ran for a response scored without it (--no-exec: version N:static)
        skip = " AND scorer_version NOT LIKE '%:static%'" if scorer == "execution" else ""
        conn.execute("INSERT OR IGNORE INTO scorer_runs (response_id, scorer, version)"
                     f" SELECT response_id, ?, min(scorer_version) FROM scores WHERE 1 = 1{skip}"
                     " GROUP BY response_id", (scorer,))


def _v3_task_digests(conn: sqlite3.Connection) -> None:
    """The digest of the task (Task.digest) each scorer run was scored against, so that a task edited
    since (rubric, tests, checks, ...) is scored again. Rows from before get NULL, "unknown": they are
    not rescored for that alone (months of cached scores would all be recomputed by an upgrade)."""
    conn.execute("ALTER TABLE scorer_runs ADD COLUMN task_digest TEXT")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "versioned baseline: the tables of evalkit 0.1.0", _v1_baseline),
    Migration(2, "scorer versions per response and scorer (scores.scorer, scorer_runs)", _v2_scorer_versions),
    Migration(3, "the task digest each scorer run was scored against (scorer_runs.task_digest)", _v3_task_digests),
)


def schema_version() -> int:
    """The newest schema this evalkit reads and writes."""
    return MIGRATIONS[-1].version


def header_version(path: Path) -> int | None:
    """user_version from the file header without opening it in SQLite; None for a missing or empty file."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(100)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise EvalkitError(f"cannot read the store at {path}: {exc}; pass --db PATH to use another file") from exc
    if not head:
        return None  # SQLite treats an empty file as an empty database
    if len(head) < 100 or not head.startswith(HEADER_MAGIC):
        raise EvalkitError(f"{path} is not an evalkit store (not a SQLite database); pass --db PATH to use another file")
    return int.from_bytes(head[USER_VERSION_OFFSET:USER_VERSION_OFFSET + 4], "big", signed=True)


def newer_store_error(path: Path, version: int) -> EvalkitError:
    return EvalkitError(
        f"the store {path} has schema version {version}, written by a newer evalkit (this one reads up to "
        f"version {schema_version()}); upgrade evalkit (pip install -U evalkit) or pass --db PATH; the file was not changed")


def refuse_newer(path: Path) -> None:
    """Raise before anything opens a store this evalkit does not know (it stays byte-for-byte as it was)."""
    version = header_version(path)
    if version is not None and version > schema_version():
        raise newer_store_error(path, version)


def backup_path(path: Path, version: int) -> Path:
    return path.with_name(f"{path.name}.bak-v{version}")


def migrate(conn: sqlite3.Connection, path: Path) -> list[int]:
    """Bring the open store up to schema_version(); returns the versions applied (empty when current).

    `conn` must not be inside a transaction. The steps and the new user_version commit together.
    """
    if _version(conn, path) == schema_version():
        return []  # the usual case: no write lock taken
    conn.execute("BEGIN IMMEDIATE")  # the write lock: another process migrating the same file waits here
    try:
        current = _version(conn, path)  # re-read under the lock: another process may have migrated it
        if current == schema_version():
            conn.rollback()
            return []
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if current == 0 and tables and not {"runs", "responses"} <= tables:
            raise EvalkitError(f"{path} is a SQLite database but not an evalkit store (tables: "
                               f"{', '.join(sorted(tables)[:5])}); pass --db PATH to use another file")
        if tables:
            _backup(path, current)  # under our lock: the copy is the file as it was before any step
        applied = []
        for step in MIGRATIONS:
            if step.version > current:
                step.apply(conn)
                applied.append(step.version)
        conn.execute(f"PRAGMA user_version = {schema_version():d}")
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return applied


def _version(conn: sqlite3.Connection, path: Path) -> int:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > schema_version():
        raise newer_store_error(path, version)  # the header said otherwise: its newer state was in the WAL
    return version


def _backup(path: Path, version: int) -> None:
    """A complete copy (WAL content included) beside the store; one left by an earlier attempt is kept.

    Read through a second connection: the migrating one holds the write lock, and a reader sees the
    committed state, which nothing can change until the steps commit."""
    target = backup_path(path, version)
    if target.exists():
        return  # the copy from the first attempt is the original; never overwrite it
    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    source = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    dest = sqlite3.connect(str(partial))
    try:
        source.backup(dest)
    finally:
        dest.close()
        source.close()
    os.replace(partial, target)  # a crash mid-copy never leaves a half backup under the real name
