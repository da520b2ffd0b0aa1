"""Scoring one response: extraction -> execution (sandbox) -> static scorers.

Contract: every scorer module exposes ``score(task, ex, artifacts) -> list[Score]``, a pure
function of the task, the extraction and the artifacts gathered before it. Execution runs first so
that its probe results (``artifacts["probes"]``) can count as evidence for feature_completeness.
"""

from __future__ import annotations

from ..extract import extract
from ..suites import Task
from .base import Score

SCORER_VERSION = "3"  # 3: deterministic execution, outcome reasons, probes, data-flow rubric checks, multi-file


def score_response(
    task: Task,
    text: str,
    thinking: str | None = None,
    *,
    execute: bool = True,
    sandbox_mode: str = "auto",
) -> list[Score]:
    from . import claims, features, quality, ratio, syntax

    ex = extract(text, thinking=thinking, language_hint=task.language, entry_point=task.entry_point)
    artifacts: dict = {"extraction": ex}
    scores: list[Score] = []
    if execute:
        from . import execution

        try:
            exec_scores, exec_artifacts = execution.run(task, ex, sandbox_mode=sandbox_mode)
        except Exception as exc:  # noqa: BLE001 - one response must never stop a whole scoring run
            exec_scores, exec_artifacts = [_failed("execution", exc)], {}
        scores.extend(exec_scores)
        artifacts.update(exec_artifacts)
    for module in (syntax, ratio, claims, features, quality):
        try:
            scores.extend(module.score(task, ex, artifacts))
        except Exception as exc:  # noqa: BLE001 - as above: recorded, shown in the report, not fatal
            scores.append(_failed(module.__name__.rsplit(".", 1)[-1], exc))
    return scores


def _failed(scorer: str, exc: Exception) -> Score:
    """A scorer that raised: no value, and the reason where the report shows details."""
    return Score(f"scorer_error_{scorer}", None, {"error": f"{type(exc).__name__}: {exc}"[:500]})


__all__ = ["Score", "score_response", "SCORER_VERSION"]
