"""Downloaded dataset files -> Example objects, streamed.

Formats: JSONL, JSON (an array, or an object holding one under data/rows/examples), CSV, Parquet
(read in record batches with pyarrow); ``.gz`` for the text formats. A folder is read file by file
(sorted). JSONL, CSV and Parquet stream; a JSON array is read whole (use JSONL for big sets).

Schemas, detected from a file's first record (or named in the rules' ``columns``):

* ``messages`` / ``conversations``: a chat, ``{role, content}`` or ShareGPT ``{from, value}``
* problem + solutions + tests (APPS, code_contests, MBPP): the first Python solution (else the
  first one) becomes a fenced answer; tests are assert snippets or stdin/stdout pairs
* instruction / input / output (Alpaca, CodeAlpaca, python_code_instructions_18k)
* prompt / completion (also prompt/response, question/answer, query/response)
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..errors import EvalkitError
from ..jsonl import parse_lines

TEXT_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv")
SUFFIXES = TEXT_SUFFIXES + (".parquet",)
ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "model": "assistant",
         "bot": "assistant", "system": "system", "chatgpt": "assistant"}
# code_contests language codes
_CC_LANG = {0: None, 1: "python", 2: "cpp", 3: "python", 4: "java"}


@dataclass
class Example:
    id: str
    source: str
    messages: list[dict]                      # {role, content}; the last one is the assistant's answer
    tests: list[str] = field(default_factory=list)            # assert snippets run after the code
    io_tests: list[tuple[str, str]] = field(default_factory=list)  # (stdin, expected stdout)
    instruction: str | None = None            # Alpaca fields, kept for --format alpaca
    input: str | None = None
    problem: str | None = None                # why the row could not be used (dropped with this reason)

    @property
    def prompt(self) -> str:
        return "\n\n".join(m["content"] for m in self.messages[:-1] if m["role"] != "assistant")

    @property
    def response(self) -> str:
        return self.messages[-1]["content"] if self.messages else ""


# ---------------------------------------------------------------- files and records
def source_name(path: Path) -> str:
    """An input's source name (the key of mix weights): the folder's name, or the file's stem."""
    name = path.name
    for suf in (".gz",) + SUFFIXES:
        if name.endswith(suf):
            name = name[: -len(suf)]
    return name


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    for suf in SUFFIXES:
        if name.endswith(suf):
            return "jsonl" if suf == ".ndjson" else suf[1:]
    return None


def files_of(inputs: list[str]) -> list[tuple[str, list[Path]]]:
    """(source name, its files) per INPUT; any problem is one EvalkitError."""
    out = []
    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file() and _kind(f))
            if not files:
                raise EvalkitError(f"{p}: no .jsonl, .json, .csv or .parquet files in this folder")
            out.append((p.name or source_name(p.resolve()), files))
        elif p.is_file():
            if not _kind(p):
                raise EvalkitError(f"{p}: unknown format; use .jsonl, .json, .csv or .parquet (optionally .gz)")
            out.append((source_name(p), [p]))
        else:
            raise EvalkitError(f"{p}: no such file or folder")
    return out


def _open_text(path: Path):
    if path.name.lower().endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace", newline="")
    return open(path, encoding="utf-8", errors="replace", newline="")


def count_rows(path: Path) -> int | None:
    """Rows in a file when that is cheap to know (for the progress bar), else None."""
    kind = _kind(path)
    try:
        if kind == "parquet":
            import pyarrow.parquet as pq

            return pq.ParquetFile(path).metadata.num_rows
        if kind == "jsonl" and not path.name.lower().endswith(".gz"):
            n = 0
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    n += chunk.count(b"\n")
            return n
    except Exception:  # noqa: BLE001 - only a progress estimate; reading reports the real problem
        return None
    return None


def records(path: Path) -> Iterator[dict]:
    """The file's rows as dicts, streamed (a JSON array excepted)."""
    kind = _kind(path)
    try:
        if kind == "jsonl":
            with _open_text(path) as f:
                for n, row in parse_lines(f, str(path)):
                    if not isinstance(row, dict):
                        raise EvalkitError(f"{path}:{n}: expected a JSON object per line")
                    yield row
        elif kind == "json":
            with _open_text(path) as f:
                try:
                    data = json.load(f)
                except json.JSONDecodeError as exc:
                    raise EvalkitError(f"{path}: invalid JSON at line {exc.lineno} ({exc.msg})") from None
            if isinstance(data, dict):
                data = next((data[k] for k in ("data", "rows", "examples", "train") if isinstance(data.get(k), list)),
                            None)
            if not isinstance(data, list) or not all(isinstance(r, dict) for r in data[:100]):
                raise EvalkitError(f"{path}: expected a JSON array of objects (or JSONL)")
            yield from (r for r in data if isinstance(r, dict))
        elif kind == "csv":
            csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
            with _open_text(path) as f:
                try:
                    yield from csv.DictReader(f)
                except csv.Error as exc:
                    raise EvalkitError(f"{path}: unreadable CSV ({exc})") from None
        elif kind == "parquet":
            try:
                import pyarrow.parquet as pq
            except ImportError:
                raise EvalkitError("reading Parquet needs pyarrow: pip install pyarrow") from None
            try:
                pf = pq.ParquetFile(path)
                for batch in pf.iter_batches(batch_size=512):
                    yield from batch.to_pylist()
            except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
                raise EvalkitError(f"{path}: unreadable Parquet file ({str(exc)[:200]})") from None
    except OSError as exc:
        raise EvalkitError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise EvalkitError(f"{path}: not a text file (for Parquet use the .parquet suffix)") from None


# ---------------------------------------------------------------- schemas
SCHEMA_FIELDS = ("messages", "prompt", "response", "instruction", "input", "output", "problem", "solutions",
                 "tests", "io_tests", "system")


def _first(keys, *names):
    return next((n for n in names if n in keys), None)


def detect_schema(row: dict, path: Path) -> dict:
    """role -> column for this file's rows; an EvalkitError when nothing matches."""
    keys = set(row)
    conv = _first(keys, "messages", "conversations", "conversation")
    if conv and isinstance(row.get(conv), (list, str)):
        return {"kind": "messages", "messages": conv}
    sols = _first(keys, "solutions", "solution", "code", "canonical_solution")
    problem = _first(keys, "question", "description", "problem", "text", "prompt")
    tests = _first(keys, "input_output", "public_tests", "test_list", "tests", "test")
    if sols and problem and (tests or sols == "solutions"):
        m = {"kind": "problem", "problem": problem, "solutions": sols}
        if tests:
            m["tests"] = tests
        for extra in ("private_tests", "generated_tests"):
            if extra in keys:
                m.setdefault("more_tests", []).append(extra)
        if "starter_code" in keys:
            m["starter"] = "starter_code"
        return m
    if "instruction" in keys and _first(keys, "output", "response"):
        return {"kind": "alpaca", "instruction": "instruction", "input": _first(keys, "input", "context"),
                "output": _first(keys, "output", "response")}
    for p, r in (("prompt", "completion"), ("prompt", "response"), ("question", "answer"), ("query", "response"),
                 ("input", "output")):
        if p in keys and r in keys:
            return {"kind": "pair", "prompt": p, "response": r}
    cols = ", ".join(sorted(map(str, keys))[:12])
    raise EvalkitError(f"{path}: cannot tell the schema from its columns ({cols}); name them in the rules "
                       "file, e.g. columns: {prompt: question, response: answer}")


def explicit_schema(columns: dict, row: dict, path: Path) -> dict:
    """The rules' column mapping, checked against the file."""
    missing = [c for c in columns.values() if isinstance(c, str) and c not in row]
    if missing:
        have = ", ".join(sorted(map(str, row))[:12])
        raise EvalkitError(f"{path}: column {missing[0]!r} named in the rules is not in the file (it has: {have})")
    if "messages" in columns:
        return {"kind": "messages", **columns}
    if "solutions" in columns and "problem" in columns:
        return {"kind": "problem", **columns}
    if "instruction" in columns and "output" in columns:
        return {"kind": "alpaca", **columns}
    if "prompt" in columns and "response" in columns:
        return {"kind": "pair", **columns}
    raise EvalkitError("rules: columns must name prompt+response, instruction+output, messages, or problem+solutions")


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v != v:  # NaN from pandas-written files
        return ""
    return v if isinstance(v, str) else str(v)


def _maybe_json(v):
    if isinstance(v, str) and v[:1] in "[{":
        try:
            return json.loads(v)
        except json.JSONDecodeError:
            return v
    return v


def _chat(raw) -> list[dict]:
    raw = _maybe_json(raw)
    out = []
    for m in raw if isinstance(raw, list) else []:
        if not isinstance(m, dict):
            continue
        role = ROLES.get(str(m.get("role", m.get("from", ""))).lower())
        content = _text(m.get("content", m.get("value")))
        if role:
            out.append({"role": role, "content": content})
    while out and out[-1]["role"] != "assistant":  # a trailing user turn has no answer to learn from
        out.pop()
    return out


def _solution(raw) -> tuple[str, str | None]:
    """(code, language) of the first Python solution, else the first one."""
    raw = _maybe_json(raw)
    if isinstance(raw, dict) and "solution" in raw:  # code_contests: {language: [...], solution: [...]}
        sols, langs = list(raw.get("solution") or []), list(raw.get("language") or [])
        for want in (3, 1):
            for s, lang in zip(sols, langs):
                if lang == want:
                    return _text(s), "python"
        if sols:
            return _text(sols[0]), _CC_LANG.get(langs[0] if langs else 0)
        return "", None
    if isinstance(raw, list):
        return (_text(raw[0]), "python") if raw else ("", None)
    return _text(raw), "python"


def _tests(raw, fn_name_hint=None) -> tuple[list[str], list[tuple[str, str]]]:
    raw = _maybe_json(raw)
    if isinstance(raw, str):
        return ([raw] if raw.strip() else []), []
    if isinstance(raw, list):
        return [_text(t) for t in raw if _text(t).strip()], []
    if isinstance(raw, dict):
        ins = raw.get("inputs", raw.get("input")) or []
        outs = raw.get("outputs", raw.get("output")) or []
        fn = raw.get("fn_name")
        if fn:  # APPS call-based: inputs are argument lists
            asserts = [f"_r = {fn}(*{a!r})\nassert _r == {o!r} or [_r] == {o!r}" for a, o in zip(ins, outs)]
            return asserts, []
        return [], [(_text(i), _text(o)) for i, o in zip(ins, outs)]
    return [], []


def to_example(row: dict, schema: dict, ex_id: str, source: str) -> Example:
    kind = schema["kind"]
    system = _text(row.get(schema["system"])) if schema.get("system") else ""
    head = [{"role": "system", "content": system}] if system else []
    if kind == "messages":
        msgs = _chat(row.get(schema["messages"]))
        ex = Example(ex_id, source, msgs)
        if not msgs:
            ex.problem = "no assistant turn in the conversation"
            return ex
    elif kind == "problem":
        code, lang = _solution(row.get(schema["solutions"]))
        problem = _text(row.get(schema["problem"]))
        starter = _text(row.get(schema["starter"])) if schema.get("starter") else ""
        if starter.strip():
            problem += f"\n\n```python\n{starter.rstrip()}\n```"
        tests, io_tests = _tests(row.get(schema["tests"])) if schema.get("tests") else ([], [])
        for extra in schema.get("more_tests", ()):
            t, io_t = _tests(row.get(extra))
            tests, io_tests = tests + t, io_tests + io_t
        answer = f"```{lang or ''}\n{code.strip()}\n```" if code.strip() else ""
        ex = Example(ex_id, source, head + [{"role": "user", "content": problem},
                                            {"role": "assistant", "content": answer}], tests, io_tests)
    elif kind == "alpaca":
        instr = _text(row.get(schema["instruction"]))
        inp = _text(row.get(schema["input"])) if schema.get("input") else ""
        out = _text(row.get(schema["output"]))
        user = instr + ("\n\n" + inp if inp.strip() else "")
        ex = Example(ex_id, source, head + [{"role": "user", "content": user}, {"role": "assistant", "content": out}],
                     instruction=instr, input=inp)
    else:
        ex = Example(ex_id, source, head + [{"role": "user", "content": _text(row.get(schema["prompt"]))},
                                            {"role": "assistant", "content": _text(row.get(schema["response"]))}])
    if not ex.response.strip():
        ex.problem = "empty answer"
    elif not ex.prompt.strip():
        ex.problem = "empty prompt"
    return ex


def examples(inputs: list[str], columns: dict) -> Iterator[Example]:
    """Every input's examples in order; ids are ``source:row`` (row counts across a folder's files)."""
    for source, files in files_of(inputs):
        mapping = columns.get(source) if columns and all(isinstance(v, dict) for v in columns.values()) else columns
        row_no = 0
        for path in files:
            schema = None
            for row in records(path):
                if schema is None:
                    schema = explicit_schema(mapping, row, path) if mapping else detect_schema(row, path)
                yield to_example(row, schema, f"{source}:{row_no}", source)
                row_no += 1
