"""`evalkit score` on whatever a file can hold: random bytes, random JSON, and well-formed records
whose text carries lone surrogates, NUL, bidi controls and 1 MB lines (issue 11).

Whatever the file: exit 0 or 2, never a traceback or "internal error", one line on stderr when it
refuses the file; and when every line is a well-formed record, every one of them is stored."""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
import tempfile
from pathlib import Path

from conftest import MINI_SUITES
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from evalkit.cli import main
from evalkit.safetext import cleaned

# 1 MB of text with a lone surrogate, a bidi control and NUL (which once made language detection
# take minutes: tree-sitter's bash grammar is slow on NUL)
MB_TEXT = "x = 1  # \ud800 \u202e\x00\n" * 50_000
SPECIAL = ["\ud800", "\udfff", "\udc80", "\x00", "\u202e", "\u2066", "\u200f", "\ufeff", "\r", "\u2028", "\x1b[2J",
           "</script>", "\\", '"', "```"]
texts = st.lists(st.one_of(st.text(max_size=40), st.sampled_from(SPECIAL)), max_size=12).map("".join)

records = st.fixed_dictionaries(
    {"model": st.one_of(st.sampled_from(["base", "tuned"]), st.tuples(st.sampled_from(["m", *SPECIAL]), texts).map("".join)),
     "task_id": st.sampled_from(["add", "hello"]),
     "sample": st.integers(0, 999_999),
     "response": texts},
    optional={"thinking": st.one_of(st.none(), texts)},
)
json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), texts),
                           lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                   st.dictionaries(texts, inner, max_size=4)), max_leaves=12)


@st.composite
def lines(draw):
    """(line bytes, the record when the line is a well-formed record written as UTF-8, else None)."""
    kind = draw(st.sampled_from(["record", "record", "record", "raw surrogates", "json", "bytes", "blank"]))
    huge = draw(st.integers(0, 9)) == 0  # now and then a 1 MB line (a well-formed one is the @example below)
    if kind in ("record", "raw surrogates"):
        rec = draw(records)
        if huge:  # 1 MB that the reader must refuse: the sample index is out of range
            return json.dumps({**rec, "response": MB_TEXT, "sample": -1}).encode(), None
        if kind == "record":
            return json.dumps(rec).encode(), rec
        # the text written raw: a lone surrogate becomes bytes that are not UTF-8 (unless there is none)
        data = json.dumps(rec, ensure_ascii=False).encode("utf-8", "surrogatepass")
        try:
            data.decode("utf-8")
            return data, rec
        except UnicodeDecodeError:
            return data, None
    if kind == "json":
        return json.dumps(draw(json_values) if not huge else {"response": MB_TEXT}).encode(), None
    if kind == "bytes":
        data = draw(st.binary(max_size=200))
        return (data * (1_000_000 // max(1, len(data))) if huge else data).replace(b"\n", b" "), None
    return b"   ", None


def score(path: Path, db: Path, out: Path) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            code = main(["score", "--responses", str(path), "--suite", "mini", "--suites-dir", str(MINI_SUITES),
                         "--no-exec", "--no-progress", "--workers", "1", "--db", str(db), "--out", str(out)])
        except SystemExit as exc:
            code = exc.code
    return code, err.getvalue()


BIG = {"model": "base\u202e", "task_id": "add", "sample": 3, "response": MB_TEXT}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(lines(), min_size=1, max_size=6))
@example([(json.dumps(BIG).encode(), BIG), (b"", None)])  # one well-formed 1 MB line, stored whole
def test_score_survives_any_file(content):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        path = tmp / "r.jsonl"
        path.write_bytes(b"\n".join(data for data, _ in content) + b"\n")
        code, err = score(path, tmp / "db.sqlite", tmp / "out")
        event(f"exit {code}")
        assert code in (0, 2), err
        assert "Traceback" not in err and "internal error" not in err, err
        # what each well-formed line says once decoded (JSON joins an escaped surrogate pair into one character)
        wanted = [json.loads(data) for data, rec in content if rec is not None]
        all_good = all(rec is not None or not data.strip() for data, rec in content)
        if code == 2:
            assert len(err.strip().splitlines()) == 1, err
            assert not (all_good and wanted), f"a file of well-formed records was refused: {err}"
            return
        assert wanted, "a file without one well-formed record was accepted"
        con = sqlite3.connect(tmp / "db.sqlite")
        stored = set(con.execute("SELECT model, task_id, sample, text FROM responses").fetchall())
        con.close()
        for rec in wanted:
            assert (cleaned(rec["model"]), rec["task_id"], rec.get("sample", 0), cleaned(rec["response"])) in stored
