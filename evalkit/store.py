"""SQLite store: runs, responses, scores.

Why this shape:
- responses are keyed by a cache key (provider, base_url, model, digest, messages, params, sample)
  so the same request is never sent twice, across runs;
- run_responses links a run's (model alias, task, sample) slots to cached responses, so a run can be
  resumed after a crash and a new run can reuse responses;
- scores belong to a response (not a run) with the scorer version, so re-rendering a report or adding
  a model to a run scores nothing that was already scored; with the digest of the task they were
  scored against too, so a response reused after its task was edited is scored again.
Every response is committed as soon as it arrives (WAL keeps that cheap and crash-safe).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Iterable, Iterator

from .errors import EvalkitError
from .migrations import migrate, refuse_newer
from .records import ScoreRow
from .safetext import clean, cleaned, note

# The tables and their versions live in migrations.py: a schema change is a new migration step there.

RESPONSE_FIELDS = (
    "cache_key", "provider", "base_url", "model", "digest", "suite", "task_id", "sample",
    "params_json", "text", "thinking", "latency_s", "ttft_s", "prompt_tokens",
    "completion_tokens", "finish_reason", "error", "attempts", "created_at",
)


class Store:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        refuse_newer(self.path)  # before SQLite opens it: a newer evalkit's store is never touched
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
            self._conn.row_factory = sqlite3.Row
            try:
                # first: a file migrate() refuses is left as it was, not even switched to WAL
                self.migrated = migrate(self._conn, self.path)  # versions applied now (usually none)
            except BaseException:
                self._conn.close()
                raise
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL survives process crashes
        except (sqlite3.Error, OSError) as exc:
            raise EvalkitError(f"cannot open the store at {self.path}: {exc}; pass --db PATH to use another file") from exc
        self._lock = threading.Lock()

    def close(self) -> None:
        self._conn.close()

    # ---- runs ---------------------------------------------------------------------------------
    def create_run(self, run_id: str, *, evalkit_version: str, config: dict, suites: dict,
                   models: dict, sandbox: str | None = None) -> None:
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT INTO runs (id, created_at, evalkit_version, config_json, suites_json, models_json, sandbox)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET config_json=excluded.config_json,"
                " suites_json=excluded.suites_json, models_json=excluded.models_json",
                (run_id, time.time(), evalkit_version, _dumps(config), _dumps(suites), _dumps(models), sandbox),
            )

    def update_run(self, run_id: str, **fields: Any) -> None:
        allowed = {"status", "finished_at", "sandbox", "models_json", "suites_json", "config_json"}
        cols = []
        vals = []
        for k, v in fields.items():
            if k not in allowed:
                raise ValueError(f"cannot update runs.{k}")
            cols.append(f"{k} = ?")
            vals.append(_dumps(v) if k.endswith("_json") else v)
        with self._lock, self._conn:
            self._conn.execute(f"UPDATE runs SET {', '.join(cols)} WHERE id = ?", (*vals, run_id))

    def get_run(self, run_id: str) -> dict | None:
        row = self._conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        return _run_dict(row) if row else None

    def latest_run_id(self) -> str | None:
        """The newest run with results: at least one successful response, not marked failed.

        A run that failed (every request failed, an endpoint was down) or was stopped before its
        first response is kept and listed, but is never the default of report and gate."""
        row = self._conn.execute(
            "SELECT id FROM runs r WHERE r.status != 'failed' AND EXISTS (SELECT 1 FROM run_responses rr"
            " JOIN responses x ON x.id = rr.response_id WHERE rr.run_id = r.id AND x.error IS NULL)"
            " ORDER BY r.created_at DESC, r.rowid DESC LIMIT 1"
        ).fetchone()
        return row["id"] if row else None

    def run_list(self, limit: int = 10) -> list[dict]:
        """The newest runs with their status and how many of their responses succeeded (for listings)."""
        rows = self._conn.execute(
            "SELECT r.id, r.status, r.created_at, count(rr.response_id) AS responses,"
            " coalesce(sum(x.error IS NULL), 0) AS ok FROM runs r"
            " LEFT JOIN run_responses rr ON rr.run_id = r.id LEFT JOIN responses x ON x.id = rr.response_id"
            " GROUP BY r.id ORDER BY r.created_at DESC, r.rowid DESC LIMIT ?", (limit,)
        ).fetchall()
        return [{**dict(row), "has_results": row["ok"] > 0 and row["status"] != "failed"} for row in rows]

    def cached_response_id(self, cache_key: str) -> int | None:
        """The id of a successful response to this exact request, if one was stored (errors are retried)."""
        row = self._conn.execute(
            "SELECT id FROM responses WHERE cache_key = ? AND error IS NULL", (cache_key,)
        ).fetchone()
        return row[0] if row else None

    def save_response(self, rec: dict, link: tuple[str, str] | None = None) -> int:
        """Insert or replace (by cache_key) one response and commit at once; returns its id.

        link=(run_id, model alias) also files it under that run's slot, in the same transaction.
        """
        with self._lock, self._conn:
            return self._upsert(rec, link)

    def save_many(self, run_id: str, items: list[tuple[str, dict]]) -> None:
        """Save (model alias, response) pairs of one run in a single transaction (imports)."""
        with self._lock, self._conn:
            for model, rec in items:
                self._upsert(rec, (run_id, model))

    def _upsert(self, rec: dict, link: tuple[str, str] | None) -> int:
        rec = {**rec}
        rec.setdefault("created_at", time.time())
        rec.setdefault("attempts", 1)
        rec.setdefault("params_json", "{}")
        if rec.get("text") is None:
            rec["text"] = ""
        if "params" in rec:
            rec["params_json"] = _dumps(rec.pop("params"))
        _make_storable(rec)
        values = [rec.get(f) for f in RESPONSE_FIELDS]
        placeholders = ", ".join("?" for _ in RESPONSE_FIELDS)
        updates = ", ".join(f"{f}=excluded.{f}" for f in RESPONSE_FIELDS if f != "cache_key")
        cur = self._conn.execute(
            f"INSERT INTO responses ({', '.join(RESPONSE_FIELDS)}) VALUES ({placeholders})"
            f" ON CONFLICT(cache_key) DO UPDATE SET {updates} RETURNING id",
            values,
        )
        rid = cur.fetchone()[0]
        # a changed response invalidates the scores computed from the old text
        self._conn.execute("DELETE FROM scores WHERE response_id = ?", (rid,))
        self._conn.execute("DELETE FROM scorer_runs WHERE response_id = ?", (rid,))
        if link is not None:
            self._link(link[0], link[1], rec["suite"], rec["task_id"], rec["sample"], rid)
        return rid

    def _link(self, run_id: str, model: str, suite: str, task_id: str, sample: int, response_id: int) -> None:
        model, suite, task_id = cleaned(model), cleaned(suite), cleaned(task_id)
        self._conn.execute(
            "INSERT INTO run_responses (run_id, model, suite, task_id, sample, response_id)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(run_id, model, suite, task_id, sample)"
            " DO UPDATE SET response_id = excluded.response_id",
            (run_id, model, suite, task_id, sample, response_id),
        )

    def link_many(self, run_id: str, model: str, slots: list[tuple[str, str, int, int]]) -> None:
        """File many (suite, task_id, sample, response_id) slots in one transaction (cache hits)."""
        with self._lock, self._conn:
            for suite, task_id, sample, rid in slots:
                self._link(run_id, model, suite, task_id, sample, rid)

    def response_text(self, response_id: int) -> dict:
        row = self._conn.execute("SELECT text, thinking FROM responses WHERE id = ?", (response_id,)).fetchone()
        return {"text": row[0], "thinking": row[1]}

    def save_and_link(self, run_id: str, model: str, rec: dict) -> int:
        return self.save_response(rec, link=(run_id, model))

    def iter_run_responses(self, run_id: str) -> Iterator[dict]:
        """Stream a run's responses (joined with their slot), ordered by model, task, sample."""
        sql = (
            "SELECT rr.model AS model_alias, rr.suite AS slot_suite, rr.task_id AS slot_task,"
            " rr.sample AS slot_sample, r.* FROM run_responses rr JOIN responses r ON r.id = rr.response_id"
            " WHERE rr.run_id = ? ORDER BY rr.model, rr.suite, rr.task_id, rr.sample"
        )
        cur = self._conn.cursor()
        cur.arraysize = 256
        cur.execute(sql, (run_id,))
        while True:
            batch = cur.fetchmany()
            if not batch:
                return
            for row in batch:
                yield dict(row)

    # ---- scores -------------------------------------------------------------------------------
    def scored_response_ids(self, scorer_version: str) -> set[int]:
        rows = self._conn.execute(
            "SELECT DISTINCT response_id FROM scores WHERE scorer_version = ?", (scorer_version,)
        )
        return {r[0] for r in rows}

    def save_scores(self, response_id: int, scores: Iterable, scorer_version: str) -> None:
        """Replace every score of a response (no per-scorer versions: imports and tests)."""
        with self._lock, self._conn:
            self._conn.execute("DELETE FROM scores WHERE response_id = ?", (response_id,))
            self._conn.execute("DELETE FROM scorer_runs WHERE response_id = ?", (response_id,))
            self._insert_scores(response_id, scores, scorer_version)

    def _insert_scores(self, response_id: int, scores: Iterable, version: str, scorer: str | None = None) -> None:
        self._conn.executemany(
            "INSERT INTO scores (response_id, metric, value, details_json, scorer_version, scorer)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(response_id, s.metric, None if s.value is None else float(s.value), _dumps(s.details),
              version, scorer or getattr(s, "scorer", None)) for s in scores],
        )

    def scorer_state(self, response_id: int) -> dict[str, tuple[str, dict | None, str | None]]:
        """scorer -> (version it last ran at, the artifacts it kept or None, the digest of the task it
        was scored against or None = unknown) for one response.
        One indexed query per response: scoring a run of any size keeps only the stale ones in memory."""
        rows = self._conn.execute(
            "SELECT scorer, version, artifacts_json, task_digest FROM scorer_runs WHERE response_id = ?",
            (response_id,))
        return {scorer: (version, None if arts is None else json.loads(arts), digest)
                for scorer, version, arts, digest in rows}

    def save_scorer_results(self, response_id: int, results: dict[str, tuple[str, list, dict | None]],
                            drop: Iterable[str] = (), task_digest: str | None = None) -> None:
        """Replace the scores of some scorers of one response, in one transaction.

        results: scorer -> (version, its scores, the artifacts it keeps or None); drop: scorers
        whose scores go (no longer registered, or not run in this mode); task_digest: the
        Task.digest they were scored against. Rows of no known scorer
        (written before scores named their scorer) go too, as a whole-response rescore did."""
        gone = [*results, *drop]
        with self._lock, self._conn:
            self._conn.execute("DELETE FROM scores WHERE response_id = ? AND (scorer IS NULL OR scorer IN"
                               f" ({', '.join('?' for _ in gone)}))", (response_id, *gone))
            self._conn.execute(f"DELETE FROM scorer_runs WHERE response_id = ? AND scorer IN"
                               f" ({', '.join('?' for _ in gone)})", (response_id, *gone))
            for scorer, (version, scores, artifacts) in results.items():
                self._insert_scores(response_id, scores, version, scorer)
                self._conn.execute(
                    "INSERT INTO scorer_runs (response_id, scorer, version, artifacts_json, task_digest)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (response_id, scorer, version, None if artifacts is None else _dumps(artifacts), task_digest))
            if task_digest is not None:
                self._adopt(response_id, task_digest)

    def adopt_task_digests(self, pairs: Iterable[tuple[int, str]]) -> None:
        """(response_id, task digest): see _adopt; one transaction."""
        with self._lock, self._conn:
            for response_id, digest in pairs:
                self._adopt(response_id, digest)

    def _adopt(self, response_id: int, digest: str) -> None:
        """Rows without a digest (scored before digests were stored) are taken as scored against the
        task as it is now, as they are shown: not rescored, but a later edit of the task is noticed."""
        self._conn.execute("UPDATE scorer_runs SET task_digest = ? WHERE response_id = ? AND task_digest IS NULL",
                           (digest, response_id))

    def scores_for(self, response_ids: Iterable[int]) -> dict[int, dict[str, dict]]:
        """response_id -> metric -> {"value": v, "details": {...}}."""
        ids = list(response_ids)
        out: dict[int, dict[str, dict]] = {i: {} for i in ids}
        for chunk_start in range(0, len(ids), 500):
            chunk = ids[chunk_start : chunk_start + 500]
            rows = self._conn.execute(
                f"SELECT response_id, metric, value, details_json FROM scores"
                f" WHERE response_id IN ({', '.join('?' for _ in chunk)})",
                chunk,
            )
            for r in rows:
                out[r[0]][r[1]] = {"value": r[2], "details": json.loads(r[3])}
        return out

    def score_rows(self, run_id: str) -> list[ScoreRow]:
        """(model alias, suite, task_id, sample, metric, value) for every score of a run, plus the
        request outcome as metric `error` (1 = the request failed)."""
        return [ScoreRow(*r) for r in self._conn.execute(
            "SELECT rr.model, rr.suite, rr.task_id, rr.sample, s.metric, s.value FROM run_responses rr"
            " JOIN scores s ON s.response_id = rr.response_id WHERE rr.run_id = ?"
            # a failed request is a score too (error = 1): a candidate whose requests fail must not
            # look like one that was simply not scored
            " UNION ALL SELECT rr.model, rr.suite, rr.task_id, rr.sample, 'error',"
            " CASE WHEN r.error IS NULL THEN 0.0 ELSE 1.0 END FROM run_responses rr"
            " JOIN responses r ON r.id = rr.response_id WHERE rr.run_id = ?"
            " ORDER BY 1, 2, 3, 4, 5",
            (run_id, run_id),
        )]

    def run_results(self, run_id: str) -> Iterator[dict]:
        """Stream each response of a run with its scores attached (the report's input).

        Yields dicts with: model (alias), suite, task_id, sample, response_id, text, thinking, error,
        latency_s, ttft_s, prompt_tokens, completion_tokens, finish_reason,
        and scores: {metric: {"value": float | None, "details": dict}}.
        """
        batch: list[dict] = []
        for row in self.iter_run_responses(run_id):
            batch.append(row)
            if len(batch) >= 256:
                yield from self._with_scores(batch)
                batch = []
        yield from self._with_scores(batch)

    def _with_scores(self, rows: list[dict]) -> Iterator[dict]:
        scores = self.scores_for(r["id"] for r in rows)
        for r in rows:
            yield {
                "model": r["model_alias"],
                "suite": r["slot_suite"],
                "task_id": r["slot_task"],
                "sample": r["slot_sample"],
                "response_id": r["id"],
                "text": r["text"],
                "thinking": r["thinking"],
                "error": r["error"],
                "latency_s": r["latency_s"],
                "ttft_s": r["ttft_s"],
                "prompt_tokens": r["prompt_tokens"],
                "completion_tokens": r["completion_tokens"],
                "finish_reason": r["finish_reason"],
                "scores": scores.get(r["id"], {}),
            }


def _make_storable(rec: dict) -> None:
    """Any text a server or a file delivered can be stored: what UTF-8 cannot hold is replaced,
    and the response says so (in finish_reason, which the report shows next to the answer)."""
    replaced = 0
    for f in RESPONSE_FIELDS:
        value = rec.get(f)
        if isinstance(value, str):
            rec[f], n = clean(value)
            if f in ("text", "thinking"):
                replaced += n
    if replaced:
        rec["finish_reason"] = "; ".join(x for x in (rec.get("finish_reason"), note(replaced)) if x)


def _dumps(obj: Any) -> str:
    # no sort_keys: the models mapping's order is the user's (first = baseline, second = candidate)
    return json.dumps(obj, default=str)


def _run_dict(row: sqlite3.Row) -> dict:
    d = dict(row)
    for k in ("config_json", "suites_json", "models_json"):
        d[k[: -len("_json")]] = json.loads(d.pop(k) or "{}")
    return d
