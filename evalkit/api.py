"""The Python API and the one orchestration path: generate -> score -> compare (-> report, gate).

The CLI and `evalkit demo` call these functions; a notebook can too (docs/api.md)::

    import evalkit
    r = evalkit.score("responses.jsonl", suites=["snake"])
    r.table                    # one row per (model, task_id, sample, metric), as scores.csv
    r.comparison.metric_stats["feature_completeness"].delta
    r.write_reports("reports/mine")
    r.gate().passed

Nothing here prints except the optional ``log`` callback (and the store's one-time upgrade note
and the progress bars on stderr when ``progress=True``); nothing renders a report unless asked.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .config import DEFAULT_DB, SANDBOX_MODES, Config, load_config
from .errors import EvalkitError
from .ranges import in_range
from .result import EvalResult
from .safetext import cleaned

if TYPE_CHECKING:
    from .gate import GateResult
    from .store import Store
    from .suites import Suite

DEFAULT_SUITES = ("snake", "seed")
EXECUTORS = ("local", "ray")
Log = Callable[[str], None]


def evaluate(models: Iterable[str] | str, suites: Iterable[str] | str | None = None, *,
             samples: int | None = None, config: str | Path | Config | None = None,
             db: str | Path | Store | None = None, concurrency: int | None = None,
             timeout: float | None = None, seed: int | None = None, retries: int = 3,
             max_answer_mb: float | None = None, execute: bool = True, sandbox: str | None = None,
             workers: int | None = None, executor: str = "local", ray_address: str | None = None,
             suites_dirs: Iterable[str | Path] | None = None, baseline: str | None = None,
             candidate: str | None = None, progress: bool = False, log: Log | None = None) -> EvalResult:
    """Generate every (task, model, sample) response (cached in the store), score and compare them.

    models: config aliases or provider:model (ollama:qwen3-vl:8b, openai:my-model, replay:file.jsonl).
    Unset settings come from the config's `run:` section, then the CLI defaults. Requests that failed
    are in ``result.generation``; ``result.problems`` lists responses the sandbox could not judge."""
    from . import pipeline
    from .config import resolve_models
    from .generate import GenerationSettings
    from .suites import load_suites

    cfg = _config(config)
    specs = resolve_models(_names(models, "models"), cfg)
    dirs = check_suites_dirs(suites_dirs, cfg)
    loaded = load_suites(_names(suites, "suites") or cfg.run.suites or DEFAULT_SUITES, dirs)
    settings = GenerationSettings(
        samples=int(_number("samples", samples, cfg.run.samples, 1)),
        concurrency=int(_number("concurrency", concurrency, cfg.run.concurrency, 4)),
        timeout=float(_number("timeout", timeout, cfg.run.timeout, 600)),
        seed=_number("seed", seed, cfg.run.seed, 0),
        retries=_number("retries", retries, None, 3),
        max_answer_mb=_number("max_answer_mb", max_answer_mb, cfg.run.max_answer_mb, None),
        progress=progress,
    )
    _check_scoring(sandbox, workers, executor)
    store, owned = open_store(db, cfg)
    try:
        outcome = pipeline.generate_run(store, specs, loaded, settings, cfg)
        gen, run_id = outcome.generation, outcome.run_id
        _say(log, f"run {run_id}: {gen.total} responses ({gen.cached} cached, {gen.sent} sent, {gen.failed} failed)")
        if gen.ok == 0:
            first = gen.errors[0] if gen.errors else "no response"
            raise EvalkitError(f"every request failed ({first}); nothing to score")
        result = _score_and_compare(store, run_id, loaded, cfg, execute=execute, sandbox=sandbox, workers=workers,
                                    executor=executor, ray_address=ray_address, progress=progress,
                                    baseline=baseline, candidate=candidate, owned=owned)
    except BaseException:
        if owned:
            store.close()
        raise
    result.generation = gen
    return result


def score(responses: str | Path, suites: Iterable[str] | str | None = None, *,
          models: Iterable[str] | str | None = None, config: str | Path | Config | None = None,
          db: str | Path | Store | None = None, execute: bool = True, sandbox: str | None = None,
          workers: int | None = None, executor: str = "local", ray_address: str | None = None,
          suites_dirs: Iterable[str | Path] | None = None, baseline: str | None = None,
          candidate: str | None = None, progress: bool = False, log: Log | None = None,
          annotate: dict | None = None) -> EvalResult:
    """Score pre-generated responses (JSONL: model, task_id, sample, response; or a folder of them)
    and compare the models. models: only these models of the file, in this order. annotate: extra
    entries recorded in the run's config (shown in results.json)."""
    from . import pipeline
    from .suites import load_suites

    if not isinstance(responses, (str, Path)) or not str(responses):
        raise EvalkitError(f"responses: expected the path of a JSONL file or folder, got {type(responses).__name__}")
    cfg = _config(config)
    dirs = check_suites_dirs(suites_dirs, cfg)
    names = _names(suites, "suites") or list(cfg.run.suites or DEFAULT_SUITES)
    wanted = _names(models, "models") or None
    _check_scoring(sandbox, workers, executor)
    store, owned = open_store(db, cfg)
    try:
        run_id = pipeline.import_responses(store, responses, names, models=wanted, suites_dirs=dirs)
        _say(log, f"run {run_id}: imported {cleaned(str(responses))}")  # a name that is not UTF-8 is shown
        if annotate:
            run = store.get_run(run_id) or {}
            store.update_run(run_id, config_json={**(run.get("config") or {}), **annotate})
        return _score_and_compare(store, run_id, load_suites(names, dirs), cfg, execute=execute, sandbox=sandbox,
                                  workers=workers, executor=executor, ray_address=ray_address,
                                  progress=progress, baseline=baseline, candidate=candidate, owned=owned)
    except BaseException:
        if owned:
            store.close()
        raise


def open_run(run: str | None = None, *, db: str | Path | Store | None = None,
             config: str | Path | Config | None = None, baseline: str | None = None,
             candidate: str | None = None) -> EvalResult:
    """A run already in the store (default: the latest with results), or a report folder (e.g. a CI
    artifact: its results.json), compared again; nothing is scored.
    baseline/candidate: MODEL or RUN:MODEL (a model of another run or report folder)."""
    from .crossrun import is_folder
    from .report import run_comparison

    if run and is_folder(run):  # a folder needs no store unless one is named
        store, owned = open_store(db, _config(config)) if db is not None else (None, False)
        rc = run_comparison(store, run, baseline, candidate)
        return EvalResult(rc.run_id, store, rc, owns_store=owned)
    store, owned = open_store(db, _config(config))
    try:
        run_id = resolve_run(store, run)
        return EvalResult(run_id, store, run_comparison(store, run_id, baseline, candidate), owns_store=owned)
    except BaseException:
        if owned:
            store.close()
        raise


def gate_run(run: str | None = None, *, baseline: str, candidate: str, rules: str | Path | dict | None = None,
             db: str | Path | Store | None = None, config: str | Path | Config | None = None) -> GateResult:
    """The gate on a run in the store or a report folder (``run``; default: the latest run).
    baseline/candidate: MODEL or RUN:MODEL. Only this pair is compared; nothing is rendered."""
    from .crossrun import is_folder

    cfg = _config(config)
    # a report folder needs no store, but RUN:MODEL may name a run in one
    folder = bool(run and is_folder(run))
    store, owned = (None, False)
    if not folder or not isinstance(db, (str, Path, type(None))) or Path(store_path(db, cfg)).is_file():
        store, owned = open_store(db, cfg)
    try:
        return gate_store(store, run, baseline=baseline, candidate=candidate, rules=rules)
    finally:
        if owned:
            store.close()


def gate_store(store: Store | None, run: str | None, *, baseline: str, candidate: str,
               rules: str | Path | dict | None = None) -> GateResult:
    """gate_run on an open store (None: ``run`` must be a report folder)."""
    from .gate import check, load_rules, rules_from_mapping
    from .report import combined, comparison_of

    if not baseline or not candidate:
        raise EvalkitError("the gate needs --baseline and --candidate")
    both = combined(store, run, baseline, candidate, only_pair=True)
    if both.baseline == both.candidate:
        raise EvalkitError("--baseline and --candidate name the same model")
    loaded = rules_from_mapping(rules) if isinstance(rules, dict) else load_rules(rules)
    if both.df.empty:
        raise EvalkitError(f"run {both.main.run_id} has no scores; score it first (`evalkit run`/`evalkit score`)")
    return check(comparison_of(both).cmp, loaded, run_id=both.main.run_id)


@dataclass(frozen=True)
class ModelCheck:
    """One endpoint of one model, as `evalkit models` lists it."""

    alias: str
    provider: str
    model: str
    base_url: str | None
    answers: str     # yes | no: the endpoint answered
    exists: str      # yes | no | ?: the server lists the model (? when it lists none)
    note: str


def check_models(models: Iterable[str] | str | None = None, *,
                 config: str | Path | Config | None = None) -> list[ModelCheck]:
    """Ask every endpoint of the given models (default: every model in the config) whether it
    answers and has the model; one row per endpoint (replicas included)."""
    from .config import resolve_models

    cfg = _config(config)
    names = _names(models, "models")
    specs = resolve_models(names, cfg) if names else list(cfg.models.values())
    if not specs:
        raise EvalkitError("no models configured; write evalkit.yaml (see README) or pass --models provider:model")
    return asyncio.run(_check_endpoints(specs))


async def _check_endpoints(specs: list) -> list[ModelCheck]:
    from .generate import build_providers

    providers = build_providers(specs, timeout=10.0)
    rows = []
    try:
        for m in specs:
            for p in providers[m.alias]:
                info = await p.endpoint_info()
                if not info.reachable:
                    up, exists, note = "no", "?", info.error or ""
                elif info.models is None:
                    up, exists, note = "yes", "?", "the server does not list models"
                else:
                    found = p.has_model(info.models)
                    up, exists = "yes", "yes" if found else "no"
                    note = "" if found else "available: " + ", ".join(info.models[:8])
                rows.append(ModelCheck(m.alias, m.provider, m.model, p.base_url, up, exists, note))
    finally:
        for ps in providers.values():
            for p in ps:
                await p.aclose()
    return rows


# ---- the shared steps ---------------------------------------------------------------------------
def _score_and_compare(store: Store, run_id: str, suites: list[Suite], cfg: Config, *, execute: bool,
                       sandbox: str | None, workers: int | None, executor: str, ray_address: str | None,
                       progress: bool, baseline: str | None, candidate: str | None, owned: bool) -> EvalResult:
    """Score what is not scored yet, then compare: once, for the files, the terminal and the gate."""
    from . import pipeline
    from .report import run_comparison

    sandbox_mode = sandbox or cfg.run.sandbox or "auto"
    if execute:
        from .sandbox import isolation_level

        store.update_run(run_id, sandbox=isolation_level(sandbox_mode))
    else:
        store.update_run(run_id, sandbox="not executed (--no-exec)")
    problems: list[str] = []
    pipeline.score_run(store, run_id, suites, execute=execute, sandbox_mode=sandbox_mode, workers=workers,
                       progress=progress, executor=executor, ray_address=ray_address, problems=problems)
    rc = run_comparison(store, run_id, baseline, candidate)
    return EvalResult(run_id, store, rc, problems=problems, owns_store=owned)


def store_path(db: str | Path | None, config: Config) -> str:
    """--db, then the config's run.db, then $EVALKIT_DB, then .evalkit/evalkit.db (as the CLI)."""
    return str(db) if db else (config.run.db or os.environ.get("EVALKIT_DB") or DEFAULT_DB)


def open_store(db: str | Path | Store | None, config: Config) -> tuple[Store, bool]:
    """(store, opened here): a Store passed in stays the caller's to close."""
    from .migrations import backup_path
    from .store import Store

    if isinstance(db, Store):
        return db, False
    if db is not None and not isinstance(db, (str, Path)):
        raise EvalkitError(f"db: expected a path, ':memory:' or a Store, got {type(db).__name__}")
    store = Store(store_path(db, config))
    if store.migrated:  # once per file: say where the untouched copy of the older store is
        backup = backup_path(store.path, store.migrated[0] - 1)
        if backup.exists():
            print(f"evalkit: upgraded the store {store.path} to schema version {store.migrated[-1]}; "
                  f"the previous file is kept as {backup}", file=sys.stderr)
    return store, True


def resolve_run(store: Store, run: str | None) -> str:
    run_id = run or store.latest_run_id()
    if run_id is None:
        from .crossrun import no_default_run

        raise no_default_run(store, "pass a run id or --db PATH")
    if store.get_run(run_id) is None:
        raise EvalkitError(f"run {run_id!r} not found in {store.path} (the latest is {store.latest_run_id()}); "
                           "pass a run id from there or --db PATH")
    return run_id


# ---- arguments ----------------------------------------------------------------------------------
def _config(config: str | Path | Config | None) -> Config:
    """None: ./evalkit.yaml when present (as the CLI), else an empty config."""
    if isinstance(config, Config):
        return config
    if config is not None and not isinstance(config, (str, Path)):
        raise EvalkitError(f"config: expected a path or a Config, got {type(config).__name__}")
    return load_config(config)


def _names(value: Iterable[str] | str | None, what: str) -> list[str]:
    """A list of names, or one comma-separated string."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    try:
        names = list(value)
    except TypeError:
        names = None
    if names is None or not all(isinstance(n, str) for n in names):
        raise EvalkitError(f"{what}: expected a list of names like ['a', 'b'], got {value!r:.60}")
    return [n.strip() for n in names if n.strip()]


def _number(name: str, given, from_config, default):
    """The argument if given (range-checked like its flag), else the config's, else the default."""
    if given is None:
        return from_config if from_config is not None else default
    try:
        return in_range(name, given)
    except ValueError as exc:
        raise EvalkitError(f"{name}: {exc}") from None


def check_suites_dirs(given: Iterable[str | Path] | None, cfg: Config | None = None) -> list[Path]:
    """The given folders, else the config's run.suites_dir; each must exist."""
    dirs = given if given is not None else ((cfg.run.suites_dir if cfg else None) or [])
    dirs = [dirs] if isinstance(dirs, (str, Path)) else list(dirs)
    for d in dirs:
        if not Path(d).is_dir():
            raise EvalkitError(f"suites folder {d} does not exist")
    return [Path(d) for d in dirs]


def _check_scoring(sandbox: str | None, workers: int | None, executor: str) -> None:
    if sandbox is not None and sandbox not in SANDBOX_MODES:
        raise EvalkitError(f"sandbox: {sandbox!r} is not one of {', '.join(SANDBOX_MODES)}")
    if executor not in EXECUTORS:
        raise EvalkitError(f"executor: {executor!r} is not one of {', '.join(EXECUTORS)}")
    if workers is not None:
        _number("workers", workers, None, None)


def _say(log: Log | None, line: str) -> None:
    if log is not None:
        log(line)
