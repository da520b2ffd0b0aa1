"""evalkit's scores agree with the hand-labelled validation corpus (tests/corpus/, docs/validation.md).

Thresholds from issue 10: runs_ok >= 95% of items, grid probe >= 90% where it gives a verdict,
feature verdicts >= 90%, claim verdicts >= 90% with no false "supported"; and scoring is
deterministic (two runs give identical per-item scores).
"""

from __future__ import annotations

import importlib.util

import pytest

from evalkit import sandbox_env

pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("yaml") is None, reason="PyYAML is not installed"),
    pytest.mark.skipif(sandbox_env.ready_dir() is None,
                       reason="the sandbox's pygame environment is missing: run `evalkit setup-sandbox`"),
]


@pytest.fixture(scope="module")
def report():
    from corpus import agreement

    return agreement.run(jobs=2, runs=1)


def _failures(rep: dict) -> list[str]:
    from corpus.agreement import THRESHOLDS

    out = []
    for metric in ("runs_ok", "grid_probe", "features", "claims"):
        rate = rep[metric]["rate"]
        if rate is None or rate < THRESHOLDS[metric]:
            out.append(f"{metric}: {rep[metric]['agree']}/{rep[metric]['n']} agree, below {THRESHOLDS[metric]:.0%}")
    if rep["claims"]["false_supported"]:
        out.append(f"false 'supported' claims: {rep['claims']['false_supported_items']}")
    if rep["harness_errors"]:
        out.append(f"items the harness could not score: {rep['harness_errors']}")
    return out


def test_labels_cover_every_response_and_feature():
    from corpus import agreement

    labels = agreement.load_labels()
    ids = {it["id"] for it in labels}
    files = {p.stem for p in agreement.RESPONSES.glob("*.md")}
    assert files == ids, f"responses without labels: {files - ids}; labels without responses: {ids - files}"
    assert len(labels) >= 40


def test_scores_agree_with_hand_labels(report):
    from corpus.agreement import disagreements, table

    failures = _failures(report)
    assert not failures, "\n".join(failures) + "\n\n" + table(report) + disagreements(report)


def test_scoring_is_deterministic(report):
    from corpus import agreement

    again = agreement.score_all(list(report["results"]), jobs=2)
    changed = agreement.nondeterministic([report["results"], again])
    assert not changed, f"items whose scores changed between two runs: {changed}"
