"""Pre-generated responses from a JSONL file or a folder of them (no model server).

One JSON object a line: `model`, `task_id`, `sample`, `response` (optional `thinking`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Iterator

from ..errors import EvalkitError
from ..jsonl import parse_lines
from ..safetext import cleaned
from .base import Completion, EndpointInfo, Provider, ProviderError, Request


def read_jsonl(path: str | Path) -> list[dict]:
    return list(iter_jsonl(path))


MAX_SAMPLE = 999_999  # sample indexes 0..MAX_SAMPLE (a typo such as 1e400 must not reach the store)


def iter_jsonl(path: str | Path) -> Iterator[dict]:
    """Records from a .jsonl file or every .jsonl file of a folder, one at a time; one-line errors on bad input."""
    path = Path(path)
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    if not path.exists() or not files:
        raise EvalkitError(f"responses file {path} not found; give a .jsonl file or a folder of them")
    for f in files:
        try:
            with open(f, "rb") as handle:  # bytes: a line that is not UTF-8 is named, not a crash
                yield from _records(f, handle)
        except OSError as exc:
            raise EvalkitError(f"cannot read {f}: {exc.strerror or exc}") from exc


def _records(f: Path, handle) -> Iterator[dict]:
    for lineno, rec in parse_lines(_decoded(f, handle), str(f)):
        yield _checked(rec, f, lineno)


def _decoded(f: Path, handle) -> Iterator[str]:
    for lineno, raw in enumerate(handle, 1):
        try:
            yield raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise EvalkitError(f"{f}:{lineno}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}); "
                               "save the file as UTF-8") from exc


def _checked(rec, f: Path, lineno: int) -> dict:
    where = f"{f}:{lineno}"
    missing = [k for k in ("model", "task_id", "response") if k not in rec] if isinstance(rec, dict) else ["all"]
    if missing:
        raise EvalkitError(f"{where}: missing {', '.join(missing)} field(s); "
                           "each line needs model, task_id, sample, response")
    for key in ("model", "task_id"):
        value = rec[key]
        if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
            raise EvalkitError(f"{where}: `{key}` must be a non-empty string")
        rec[key] = cleaned(str(value))
    if not isinstance(rec["response"], str):
        raise EvalkitError(f"{where}: `response` must be a string")
    if rec.get("thinking") is not None and not isinstance(rec["thinking"], str):
        raise EvalkitError(f"{where}: `thinking` must be a string or null")
    rec["sample"] = _index(rec.get("sample", 0), where)
    for key, kind in (("latency_s", (int, float)), ("completion_tokens", int)):
        value = rec.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, kind)
                                  or not math.isfinite(value) or value < 0 or value > 1e12):
            raise EvalkitError(f"{where}: `{key}` must be a number from 0 to 1e12, or left out")
    return rec


def _index(value, where: str) -> int:
    """The sample index: a whole number 0..MAX_SAMPLE (1.0 and "3" are accepted as 1 and 3)."""
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 7:
        value = int(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SAMPLE:
        raise EvalkitError(f"{where}: `sample` must be a whole number from 0 to {MAX_SAMPLE}, not {str(value)[:40]}")
    return value


class ReplayProvider(Provider):
    kind = "replay"

    def __init__(self, model: str, base_url: str | None = None, **_: object):
        # model is "path" or "path#name" (pick one model of a file holding several)
        path, _sep, name = model.partition("#")
        super().__init__(model, None, stream=False)
        self.path = path
        records = read_jsonl(path)
        names = sorted({str(r["model"]) for r in records})
        if not name:
            if len(names) > 1:
                raise EvalkitError(f"{path} holds several models ({', '.join(names)}); "
                                   f"name one as replay:{path}#MODEL")
            name = names[0] if names else ""
        self.name = name
        self._by_slot = {(r["task_id"], r["sample"]): r for r in records if str(r["model"]) == name}
        if not self._by_slot:
            raise EvalkitError(f"{path} has no responses for model {name!r}; it has: {', '.join(names)}")

    async def endpoint_info(self) -> EndpointInfo:
        return EndpointInfo(True, None)

    async def complete(self, request: Request) -> Completion:
        rec = self._by_slot.get((request.task_id, request.sample))
        if rec is None:
            raise ProviderError(f"{self.path} has no response for task {request.task_id!r} sample {request.sample}",
                                "client")
        return Completion(text=rec["response"], thinking=rec.get("thinking"), latency_s=0.0,
                          finish_reason="stop")
