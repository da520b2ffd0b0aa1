"""Scoring one response: extraction -> the registered scorers, in registry order.

Contract: every scorer's ``score(task, ex, artifacts) -> list[Score]`` is a pure function of the
task, the extraction and the artifacts gathered before it. Execution is registered first, so that
its probe results (``artifacts["probes"]``) can count as evidence for feature_completeness and
claim_consistency. The scorers, their metrics and versions are in registry.py. Versions are per
scorer (each module's VERSION); the one global version of before was "3", and every built-in
scorer starts at "3", so a store scored as "3:exec" is current and nothing in it is rescored.
"""

from __future__ import annotations

from typing import Iterable

from ..extract import extract
from ..suites import Task
from . import registry
from .base import Metric, Score, Scorer


def score_response(
    task: Task,
    text: str,
    thinking: str | None = None,
    *,
    execute: bool = True,
    sandbox_mode: str = "auto",
    only: Iterable[str] | None = None,
    artifacts: dict | None = None,
    keep: dict | None = None,
    extraction=None,
) -> list[Score]:
    """Every registered scorer's scores (execution only when ``execute``); each Score names its scorer.

    only: run just these scorers (a partial rescore); artifacts: what scorers that are not run
    again left behind (their stored ``persist`` keys, e.g. probes); keep: filled with
    scorer -> the artifacts it persists, for the store; extraction: ``extract()`` of this text for
    this task, when the caller already made it (a batch's lint pre-pass).
    """
    wanted = None if only is None else set(only)
    ex = extraction if extraction is not None else \
        extract(text, thinking=thinking, language_hint=task.language, entry_point=task.entry_point)
    arts: dict = {**(artifacts or {}), "extraction": ex, "sandbox_mode": sandbox_mode}
    scores: list[Score] = []
    for sc in registry.scorers():
        if (sc.execute and not execute) or (wanted is not None and sc.name not in wanted):
            continue
        try:
            got = list(sc.score(task, ex, arts))
        except Exception as exc:  # noqa: BLE001 - one response must never stop a whole scoring run
            got = [_failed(sc.name, exc)]  # recorded, shown in the report, not fatal
        for s in got:
            s.scorer = sc.name
        scores.extend(got)
        if keep is not None and sc.persist:
            keep[sc.name] = {k: arts[k] for k in sc.persist if k in arts}
    return scores


def _failed(scorer: str, exc: Exception) -> Score:
    """A scorer that raised: no value, and the reason where the report shows details."""
    return Score(f"scorer_error_{scorer}", None, {"error": f"{type(exc).__name__}: {exc}"[:500]})


__all__ = ["Metric", "Score", "Scorer", "score_response", "registry"]
