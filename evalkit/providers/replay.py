"""Pre-generated responses from a JSONL file or a folder of them (no model server).

One JSON object a line: `model`, `task_id`, `sample`, `response` (optional `thinking`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from ..errors import EvalkitError
from .base import Completion, EndpointInfo, Provider, ProviderError, Request


def read_jsonl(path: str | Path) -> list[dict]:
    return list(iter_jsonl(path))


def iter_jsonl(path: str | Path) -> Iterator[dict]:
    """Records from a .jsonl file or every .jsonl file of a folder, one at a time; one-line errors on bad input."""
    path = Path(path)
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    if not path.exists() or not files:
        raise EvalkitError(f"responses file {path} not found; give a .jsonl file or a folder of them")
    for f in files:
        with open(f, encoding="utf-8") as handle:
            yield from _records(f, handle)


def _records(f: Path, handle) -> Iterator[dict]:
    for lineno, line in enumerate(handle, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise EvalkitError(f"{f}:{lineno}: not valid JSON ({exc.msg}); one JSON object a line") from exc
        missing = [k for k in ("model", "task_id", "response") if k not in rec] if isinstance(rec, dict) else ["all"]
        if missing:
            raise EvalkitError(f"{f}:{lineno}: missing {', '.join(missing)} field(s); "
                               "each line needs model, task_id, sample, response")
        if not isinstance(rec["response"], str):
            raise EvalkitError(f"{f}:{lineno}: `response` must be a string")
        rec.setdefault("sample", 0)
        try:
            rec["sample"] = int(rec["sample"])
        except (TypeError, ValueError) as exc:
            raise EvalkitError(f"{f}:{lineno}: `sample` must be an integer") from exc
        yield rec


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
