"""Models from other runs: ``--baseline``/``--candidate`` as ``MODEL`` or ``RUN:MODEL``.

``RUN`` is a run id in the store or a report folder (its results.json). Model names contain
colons (``ollama:qwen3-vl:8b``), so a reference is read as ``RUN:MODEL`` only when the text before
its first colon is a run id in the store or a report folder; otherwise the whole text is a model
of the run being reported or gated.

A model from another run joins the score table under the label ``RUN:MODEL`` and pairs with the
others by (suite, suite version, task, sample). Scores of two suite versions never pair: a suite
whose version differs between the runs is an error naming a task, not a silent mismatch.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import pandas as pd

from . import compare as C
from .errors import EvalkitError
from .records import RunRecord, ScoreRow

GENERATION_FACTS = ("latency_s", "completion_tokens")  # scores.csv rows that are not scores


@dataclass
class Source:
    """One run's scores, from the store or from a report folder."""

    run_id: str
    run: RunRecord
    models: list[str]
    df: pd.DataFrame
    rows: Callable[[], Iterable[dict]]   # every response with its scores (the report's input)
    where: str                           # for messages: "run X" or "report folder F"
    has_versions: bool = True            # False: a folder with scores.csv only

    def version(self, suite: str) -> str | None:
        info = (self.run.suites or {}).get(suite)
        return str(info.get("version")) if isinstance(info, dict) and info.get("version") is not None else None


def is_folder(path: str) -> bool:
    try:
        return Path(path).is_dir()
    except OSError:  # e.g. a name too long to be a path: then it is a run id
        return False


def is_report_folder(path: str) -> bool:
    return is_folder(path) and any((Path(path) / f).is_file() for f in ("results.json", "scores.csv"))


# ---- opening a run ------------------------------------------------------------------------------
def store_source(store, run_id: str) -> Source:
    row = store.get_run(run_id)
    if row is None:
        raise EvalkitError(f"run {run_id!r} not found in {store.path} (nor a folder of that name)")
    run = RunRecord.from_dict(row, run_id)
    df = C.scores_frame(store, run_id)
    return Source(run_id=run_id, run=run, models=C.model_order(run.models, df), df=df,
                  rows=lambda: store.run_results(run_id), where=f"run {run_id}")


def open_source(store, run: str | None) -> Source:
    """A run id in the store or a report folder; the store's latest run when ``run`` is None."""
    if run is not None and is_folder(run):
        return folder_source(Path(run))
    if store is None:
        raise EvalkitError(f"{run!r} is not a report folder and no store is open; pass --run RUN_ID or a folder "
                           "with results.json")
    run_id = run or store.latest_run_id()
    if run_id is None:
        raise no_default_run(store, "pass --run RUN_ID or a report folder")
    return store_source(store, run_id)


def no_default_run(store, hint: str) -> EvalkitError:
    """The error when the store has no run with results: failed or empty runs are named, so the
    user sees why (they are never the default of report and gate)."""
    runs = store.run_list(3)
    if runs:
        listed = ", ".join(f"{r['id']} ({r['status']}, {r['ok']} of {r['responses']} responses)" for r in runs)
        return EvalkitError(f"no run with results in {store.path} (latest: {listed}); "
                            f"rerun the failed command, or {hint}")
    return EvalkitError(f"no runs in {store.path}; start one with `evalkit run` (or {hint})")


def folder_source(folder: Path) -> Source:
    rj, sc = folder / "results.json", folder / "scores.csv"
    if rj.is_file():
        try:
            data = json.loads(rj.read_text(encoding="utf-8"))
            results = data["results"]
            if not isinstance(results, list):
                raise TypeError("results is not a list")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise EvalkitError(f"{rj} is not an evalkit results.json ({type(exc).__name__}); "
                               "re-run `evalkit report`") from exc
        df = C.frame_from_results(results)
        run_id = str(data.get("run_id") or folder.name)
        run = RunRecord.from_dict(data["run"] if isinstance(data.get("run"), dict) else {}, run_id)
        models = list(data.get("models") or run.models or [])
        return Source(run_id=run_id, run=run, models=C.model_order(models, df),
                      df=df, rows=lambda: iter(results), where=f"report folder {folder}")
    if sc.is_file():
        recs = []
        with open(sc, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                if r.get("metric") in GENERATION_FACTS:
                    continue  # generation facts, not scores (a failed request, `error`, is gated)
                recs.append(ScoreRow(r["model"], "", r["task_id"], int(r["sample"]), r["metric"], r["value"]))
        df = C.frame_from_records(recs)
        return Source(run_id=folder.name, run=RunRecord(folder.name), models=C.model_order([], df), df=df, rows=lambda: iter(()),
                      where=f"report folder {folder}", has_versions=False)
    raise EvalkitError(f"{folder} has neither results.json nor scores.csv; pass a report folder written by "
                       "`evalkit run`/`evalkit report`")


# ---- references ---------------------------------------------------------------------------------
def split_ref(store, spec: str) -> tuple[str | None, str]:
    """(run or folder, model) of ``RUN:MODEL``; (None, spec) when the text before the first colon
    is neither a run id in the store nor a report folder (then the colon belongs to the model)."""
    prefix, sep, model = spec.partition(":")
    if not sep or not prefix or not model:
        return None, spec
    if is_report_folder(prefix):
        return prefix, model
    if store is not None and not is_folder(prefix) and store.get_run(prefix) is not None:
        return prefix, model
    return None, spec


@dataclass
class Combined:
    """The main run's scores plus the models named from other runs, under their labels."""

    main: Source
    run: RunRecord               # the main run, with the other runs' models added under their labels
    df: pd.DataFrame
    models: list[str]            # labels, display order
    baseline: str | None
    candidate: str | None
    foreign: list[tuple[Source, str, str]] = field(default_factory=list)   # (source, model, label)

    def rows(self) -> Iterator[dict]:
        """Every response: the main run's, then each borrowed model's, relabelled."""
        parts: list[Iterable[dict]] = [self.main.rows()]
        for src, model, lbl in self.foreign:
            parts.append({**r, "model": lbl, "from_run": src.run_id} for r in src.rows() if r.get("model") == model)
        return chain.from_iterable(parts)


def combine(store, main: Source, baseline: str | None, candidate: str | None, *,
            only_pair: bool = False) -> Combined:
    """Resolve both references against ``main`` (the run reported or gated) and the store.

    only_pair: the suite versions need to agree between the baseline's and the candidate's runs
    only (the gate); otherwise between every model shown and the baseline (the report)."""
    frames = [main.df]
    models = list(main.models)
    run_models = dict(main.run.models or {})
    foreign: list[tuple[Source, str, str]] = []
    owner: dict[str, Source] = {m: main for m in models}
    labels: dict[str, str | None] = {"baseline": None, "candidate": None}
    opened: dict[str, Source] = {}
    for role, spec in (("baseline", baseline), ("candidate", candidate)):
        if spec is None:
            continue
        where, model = split_ref(store, spec)
        src = main
        if where is not None:
            src = opened.get(where) or opened.setdefault(where, open_source(store, where))
            if src.run_id == main.run_id:
                src = main
        if model not in src.models:
            raise EvalkitError(f"model {model!r} is not in {src.where} (models: {', '.join(src.models) or 'none'})"
                               + ("; name one of those, or RUN:MODEL for a model of another run" if src is main else ""))
        if src is main:
            labels[role] = model
            continue
        lbl = f"{src.run_id}:{model}"
        if lbl not in owner:
            if not src.has_versions:
                raise EvalkitError(f"{src.where} has scores.csv but no results.json: comparing across runs needs "
                                   "the suite versions results.json records; pass the run id or the whole report folder")
            frames.append(src.df[src.df.model == model].assign(model=lbl))
            # a borrowed baseline leads the tables, a borrowed candidate follows the baseline
            models.insert(0 if role == "baseline" else 1, lbl)
            info = (src.run.models or {}).get(model)
            run_models[lbl] = {**(info if isinstance(info, dict) else {}), "from_run": src.run_id}
            foreign.append((src, model, lbl))
            owner[lbl] = src
        labels[role] = lbl
    b, c = labels["baseline"], labels["candidate"]
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else main.df
    if foreign:
        check_versions(df, owner, [m for m in (b, c) if m] if only_pair else models)
        if b and c and owner[b] is not owner[c]:
            check_overlap(df, b, c)
    run = replace(main.run, models=run_models,
                  suites=_suites_union(main, [s for s, _, _ in foreign]) if foreign else main.run.suites)
    return Combined(main=main, run=run, df=df, models=models, baseline=b, candidate=c, foreign=foreign)


def check_versions(df: pd.DataFrame, owner: dict[str, Source], models: list[str]) -> None:
    """Every suite two runs share has the same version in both, else an error naming a task."""
    slots = df[df.model.isin(models)][["model", "suite", "task_id"]].drop_duplicates()
    seen: dict[tuple[str, str], tuple[str | None, Source]] = {}   # (suite, task) -> (version, source)
    for model, suite, task in sorted(slots.itertuples(index=False), key=lambda r: (r[1], r[2], r[0])):
        src = owner[model]
        ver = src.version(suite)
        prev = seen.setdefault((suite, task), (ver, src))
        if prev[1] is not src and prev[0] != ver:
            raise EvalkitError(
                f"task {suite}/{task} cannot be paired: suite {suite!r} is version {prev[0] or 'unknown'} in "
                f"{prev[1].where} and {ver or 'unknown'} in {src.where}; compare runs of the same suite version")


def check_overlap(df: pd.DataFrame, baseline: str, candidate: str) -> None:
    keys = ["suite", "task_id", "sample"]
    b = df[df.model == baseline][keys].drop_duplicates()
    c = df[df.model == candidate][keys].drop_duplicates()
    if b.merge(c, on=keys).empty:
        raise EvalkitError(f"{baseline} and {candidate} have no (suite, task, sample) in common: nothing pairs; "
                           "compare runs of the same suites")


def _suites_union(main: Source, others: list[Source]) -> dict[str, Any]:
    suites = dict(main.run.suites or {})
    for src in others:
        for name, info in (src.run.suites or {}).items():
            suites.setdefault(name, info)
    return suites
