"""The stages, each in its one direction: generate into the store, import a responses file, score
what is not scored yet.

api.py orders them (generate -> score -> compare) for the CLI, the demo and Python callers;
nothing here parses flags, compares or writes a report.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from . import __version__, sandbox_env
from .config import Config, ModelSpec
from .errors import EvalkitError
from .generate import GenerationResult, GenerationSettings, build_providers, generate, preflight
from .providers.replay import iter_jsonl
from .safetext import cleaned
from .store import Store
from .suites import Suite, Task, load_suites

err_console = Console(stderr=True)


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)


def suites_info(suites: list[Suite]) -> dict:
    return {s.name: {"version": s.version, "digest": s.digest, "tasks": len(s.tasks)} for s in suites}


def all_tasks(suites: list[Suite]) -> list[Task]:
    return [t for s in suites for t in s.tasks]


# ---- generation ------------------------------------------------------------------------------------
@dataclass
class RunOutcome:
    run_id: str
    generation: GenerationResult | None = None


async def _generate_async(store: Store, run_id: str, models: list[ModelSpec], tasks: list[Task],
                          settings: GenerationSettings) -> GenerationResult:
    providers = build_providers(models, settings.timeout, settings.max_answer_mb)
    try:
        details = await preflight(models, providers)
        snapshot = {m.alias: {**m.public(), **details.get(m.alias, {})} for m in models}
        store.update_run(run_id, models_json=snapshot)
        digests = {alias: d.get("digest") for alias, d in details.items()}
        return await generate(store, run_id, models, tasks, providers, digests, settings)
    finally:
        for replicas in providers.values():
            for p in replicas:
                await p.aclose()


def generate_run(store: Store, models: list[ModelSpec], suites: list[Suite], settings: GenerationSettings,
                 config: Config | None = None, run_id: str | None = None) -> RunOutcome:
    from .scorers import registry

    registry.get()  # a broken scorer plugin stops the run here (one line, exit 2), before any request
    run_id = run_id or new_run_id()
    store.create_run(run_id, evalkit_version=__version__,
                     config={"samples": settings.samples, "seed": settings.seed, "timeout": settings.timeout,
                             "concurrency": settings.concurrency,
                             "config_file": str(config.path) if config and config.path else None},
                     suites=suites_info(suites), models={m.alias: m.public() for m in models})
    with marked_on_failure(store, run_id):
        gen = asyncio.run(_generate_async(store, run_id, models, all_tasks(suites), settings))
    store.update_run(run_id, status="generated" if gen.ok else "failed")
    return RunOutcome(run_id, gen)


@contextmanager
def marked_on_failure(store: Store, run_id: str):
    """A run that stops with an error is marked `failed`, one stopped by the user `interrupted`:
    both stay listed with what they hold, and neither becomes the default run of report/gate
    unless it has results (see Store.latest_run_id)."""
    try:
        yield
    except BaseException as exc:
        status = "interrupted" if isinstance(exc, (KeyboardInterrupt, SystemExit)) else "failed"
        try:
            store.update_run(run_id, status=status, finished_at=time.time())
        except Exception:  # noqa: BLE001 - the original error is the one to report
            pass
        raise


def import_responses(store: Store, path: str | Path, suite_names: Iterable[str], run_id: str | None = None,
                     models: Iterable[str] | None = None, suites_dirs: Iterable[Path] = ()) -> str:
    """Read a responses JSONL (model, task_id, sample, response) into a new run, keeping model order.

    Two streaming passes (check, then store in batches), so a file of any size fits in memory.
    """
    suites = load_suites(list(suite_names), suites_dirs)
    tasks = {t.id: t for t in all_tasks(suites)}
    wanted = list(models) if models else None
    order: list[str] = []
    unknown: set[str] = set()
    for rec in iter_jsonl(path):
        name = str(rec["model"])
        if (wanted is None or name in wanted) and name not in order:
            order.append(name)
        if str(rec["task_id"]) not in tasks:
            unknown.add(str(rec["task_id"]))
    if not order and not wanted:
        raise EvalkitError(f"{path} holds no responses (no non-blank line); "
                           "write one JSON object a line: model, task_id, sample, response")
    if wanted:
        missing = [m for m in wanted if m not in order]
        if missing:
            raise EvalkitError(f"{path} has no responses for {', '.join(missing)}")
        order = wanted
    if unknown:
        raise EvalkitError(f"{path}: task ids {', '.join(sorted(unknown)[:5])} are not in suite(s) "
                           f"{', '.join(s.name for s in suites)}; pass the right --suite")
    run_id = run_id or new_run_id()
    shown = cleaned(str(path))  # a file name that is not UTF-8 (surrogate-escaped bytes) must not break the reports
    store.create_run(run_id, evalkit_version=__version__, config={"responses": shown},
                     suites=suites_info(suites),
                     models={m: {"provider": "replay", "model": m, "base_url": None, "source": shown}
                             for m in order})
    with marked_on_failure(store, run_id):
        _import_records(store, run_id, path, order, tasks)
    store.update_run(run_id, status="generated")
    return run_id


def _import_records(store: Store, run_id: str, path: str | Path, order: list[str], tasks: dict[str, Task]) -> None:
    source = Path(path).resolve()
    batch: list[tuple[str, dict]] = []
    for rec in iter_jsonl(path):
        name = str(rec["model"])
        if name not in order:
            continue
        task = tasks[str(rec["task_id"])]
        key = f"replay:{source}:{name}:{task.suite}:{task.id}:{rec['sample']}:" + \
              _short_hash(rec["response"] + str(rec.get("thinking")))
        batch.append((name, {
            "cache_key": key, "provider": "replay", "base_url": None, "model": name, "suite": task.suite,
            "task_id": task.id, "sample": rec["sample"], "text": rec["response"], "thinking": rec.get("thinking"),
            "latency_s": rec.get("latency_s"), "completion_tokens": rec.get("completion_tokens"),
            "finish_reason": "stop",
        }))
        if len(batch) >= 500:
            store.save_many(run_id, batch)
            batch = []
    store.save_many(run_id, batch)


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


# ---- scoring -----------------------------------------------------------------------------------------
def _score_one(task: Task, text: str, thinking: str | None, execute: bool, sandbox_mode: str,
               only: list[str] | None = None, artifacts: dict | None = None, extraction=None):
    """(scores, scorer -> artifacts it keeps): runs in a scoring worker."""
    from . import scorers

    keep: dict = {}
    scores = scorers.score_response(task, text, thinking, execute=execute, sandbox_mode=sandbox_mode,
                                    only=only, artifacts=artifacts, keep=keep, extraction=extraction)
    return scores, keep


def _score_chunk(items: list[tuple]) -> list:
    """Several responses in one worker call: quality's pre-pass first lints all their Python blocks
    with one ruff run (~0.3 ms of CPU per response instead of ~4 ms for a ruff run each)."""
    from .extract import extract
    from .scorers import quality

    exs = []  # each response extracted once: for the pre-pass and for its scorers
    for task, text, thinking, *_rest in items:
        try:
            exs.append(extract(text, thinking=thinking, language_hint=task.language, entry_point=task.entry_point))
        except Exception:  # noqa: BLE001 - score_response extracts again and reports the error
            exs.append(None)
    try:
        quality.prepare(x for x, (*_head, only, _a) in zip(exs, items)
                        if x is not None and (only is None or "quality" in only))
    except Exception:  # noqa: BLE001 - each response's own scoring then lints it (and reports an error)
        pass
    return [_score_one(*args, extraction=x) for args, x in zip(items, exs)]


def _chunks(items, size: int):
    """(keys, (args list,)) of ``size`` items at a time, for _score_chunk."""
    buf: list = []
    for item in items:
        buf.append(item)
        if len(buf) >= size:
            yield tuple(k for k, _ in buf), ([a for _, a in buf],)
            buf = []
    if buf:
        yield tuple(k for k, _ in buf), ([a for _, a in buf],)


UNSETTLED = "+unsettled"  # scorer-version suffix of scores an environment failure spoilt: rescored next time


def environment_failure(scores) -> str | None:
    """Why these scores say more about the sandbox than about the model, or None.

    A module the sandbox environment exists to provide (pygame) missing, or the sandbox itself
    failing (status `error`: the template died or answered nonsense), happens e.g. while
    `evalkit setup-sandbox` rebuilds the environment or when it was never set up."""
    for s in scores:
        d = s.details if isinstance(s.details, dict) else {}
        for e in [d, *(t for t in d.get("tests") or () if isinstance(t, dict))]:
            status = e.get("status")
            module = str(e.get("missing_module") or "")
            if status == "missing_dependency" and module.split(".")[0] in sandbox_env.PROVIDES:
                return (f"the sandbox environment has no {module}: run `evalkit setup-sandbox`, then the same "
                        "command again to score these responses")
            if status == "error":
                why = str(e.get("exception_message") or e.get("message") or "no message")[:200]
                return f"the sandbox failed ({why}); rerun the same command to score these responses"
            if status == "cut_off" and e.get("cut_off") == "machine":  # starved by a busy machine
                return f"{str(e.get('reason') or 'the machine was too busy')[:200]}; rerun the same command"
    return None


def _mark_unjudged(scores, reason: str) -> list:
    """Execution scores become 'not judged' with the reason: an error of evalkit's, not the model's."""
    out = []
    for s in scores:
        details = {**(s.details if isinstance(s.details, dict) else {}), "environment_error": reason}
        out.append(type(s)(s.metric, None if s.metric in ("runs_ok", "tests_pass") else s.value, details, s.scorer))
    return out


def _stale(store: Store, run_id: str, suites: list[Suite], execute: bool) -> dict[int, tuple]:
    """response id -> (task, scorers to run, scorers to drop, task digest) for the run's responses
    that need scoring; one entry per response (a cached response can fill several slots)."""
    from .scorers import registry

    tasks = {(t.suite, t.id): t for t in all_tasks(suites)}
    digests = {key: t.digest for key, t in tasks.items()}  # once per task, not per response
    todo: dict[int, tuple] = {}
    adopt: list[tuple[int, str]] = []  # current responses whose rows predate task digests
    for r in store.iter_run_responses(run_id):
        key = (r["slot_suite"], r["slot_task"])
        if r["error"] is None and key in tasks and r["id"] not in todo:
            state = store.scorer_state(r["id"])
            only, drop, _ = registry.rescore_plan(state, execute, digests[key])
            if only or drop:
                todo[r["id"]] = (tasks[key], only, drop, digests[key])
            elif any(len(v) > 2 and v[2] is None for v in state.values()):
                adopt.append((r["id"], digests[key]))
                if len(adopt) >= 500:  # in batches: the first scoring after an upgrade meets every response
                    store.adopt_task_digests(adopt)
                    adopt.clear()
    if adopt:
        store.adopt_task_digests(adopt)
    return todo


def score_run(store: Store, run_id: str, suites: list[Suite], *, execute: bool = True, sandbox_mode: str = "auto",
              workers: int | None = None, progress: bool = True, executor: str = "local",
              ray_address: str | None = None, problems: list[str] | None = None) -> int:
    """Score every response of the run whose scorers' stored versions are not the current ones, or
    that was scored against another version of its task (Task.digest: a rubric, tests or checks
    edited since); returns how many responses were scored. Only the stale scorers of a response run
    again (see scorers.registry.rescore_plan): bumping one scorer's version recomputes only its
    metrics; an edited task recomputes all of them.

    Responses stream from the store and only a few per worker are in flight, so memory stays flat.
    Scores spoilt by an environment failure are stored for this report but not as final: the next
    call scores those responses again. Their reasons are appended to `problems` when given.
    """
    from .executors import execute as run_all
    from .scorers import registry

    versions = registry.versions(execute)
    todo = _stale(store, run_id, suites, execute)
    if not todo:
        return 0

    def items():
        for rid, (task, only, _, digest) in todo.items():
            row = store.response_text(rid)  # read lazily: only the in-flight texts and artifacts are in memory
            artifacts = registry.rescore_plan(store.scorer_state(rid), execute, digest)[2]
            yield rid, (task, row["text"], row["thinking"], execute, sandbox_mode, only, artifacts)

    workers = workers or max(1, min(os.cpu_count() or 1, len(todo)))
    # a few responses per worker call (one ruff run each), yet several calls per worker to balance load
    size = max(1, min(16, len(todo) // (workers * 4)))
    bar = Progress(TextColumn("[bold]scoring"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=err_console, disable=not progress)
    with bar:
        bar_id = bar.add_task("score", total=len(todo))
        for rids, results in run_all(_score_chunk, _chunks(items(), size), executor=executor, workers=workers,
                                     ray_address=ray_address):
            for rid, (scores, keep) in zip(rids, results):
                _save_scores(store, rid, scores, keep, todo[rid], versions, execute, problems)
                bar.update(bar_id, advance=1)
    store.update_run(run_id, status="scored", finished_at=time.time())
    return len(todo)


def _save_scores(store: Store, rid: int, scores, keep: dict, plan: tuple, versions: dict, execute: bool,
                 problems: list[str] | None) -> None:
    """One response's scores into the store (stored as not final when the environment spoilt them)."""
    failure = environment_failure(scores) if execute else None
    if failure:
        scores = _mark_unjudged(scores, failure)
        if problems is not None:
            problems.append(failure)
    _, only, drop, digest = plan
    store.save_scorer_results(rid, {
        name: (versions[name] + (UNSETTLED if failure else ""), [s for s in scores if s.scorer == name],
               keep.get(name)) for name in only}, drop, digest)
