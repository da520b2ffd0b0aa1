"""The records a suite file becomes: a Task (one prompt, its tests and rubric) and a Suite.

Kept apart from the loader (suites.py) so modules that only build tasks, such as humaneval.py,
do not import the loader that imports them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path


@dataclass(frozen=True)
class Task:
    suite: str
    id: str
    prompt: str
    language: str = "python"
    system: str | None = None
    tags: tuple[str, ...] = ()
    rubric: dict = field(default_factory=dict, hash=False, compare=False)
    tests: tuple[str, ...] = ()
    entry_point: str | None = None
    interactive: bool = False
    checks: dict = field(default_factory=dict, hash=False, compare=False)  # black-box cases (blackbox_spec.py)

    def messages(self) -> list[dict]:
        msgs = []
        if self.system:
            msgs.append({"role": "system", "content": self.system})
        msgs.append({"role": "user", "content": self.prompt})
        return msgs

    @property
    def digest(self) -> str:
        """Content hash of everything a scorer may read (prompt, tests, rubric, checks, language ...):
        stored with each score, so a task edited since is scored again (pipeline.score_run).

        Every field but `suite` (a name, never read by a scorer) counts, so a field added later is
        covered; a field left at its default is left out, so adding one keeps existing digests (and
        an upgrade does not rescore a store)."""
        payload = {}
        for f in fields(self):
            value = getattr(self, f.name)
            default = f.default_factory() if f.default_factory is not MISSING else f.default
            if f.name != "suite" and value != default:
                payload[f.name] = value
        blob = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass(frozen=True)
class Suite:
    name: str
    version: str
    description: str
    tasks: tuple[Task, ...]
    path: Path | None = None

    @property
    def digest(self) -> str:
        """Content hash of prompts, tests and rubrics: reports show which suite version ran."""
        payload = [
            (t.id, t.prompt, t.system, t.tests, t.entry_point, t.language, t.rubric)
            + ((t.checks,) if t.checks else ())  # (tasks without checks keep their digest)
            for t in self.tasks
        ]
        blob = json.dumps(payload, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:12]
