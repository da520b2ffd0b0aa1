"""Per-model metric means -> the 0-10 roll-ups of the report (the before/after table users know).

Each roll-up is a weighted mean of the inputs that are present (not None), times 10; weights of
missing inputs are dropped and the rest renormalised, so a run without execution still gets a
code-correctness figure from syntax alone. A roll-up with no input at all is None ("n/a").

    code_correctness      = 10 * (0.2 syntax_ok + 0.3 runs_ok + 0.5 tests_pass)
    feature_completeness  = 10 * feature_completeness
    code_explanation_ratio= 10 * min(code_prose_ratio, 5) / 5        (5:1 or more -> 10; 1:1 -> 2)
    production_readiness  = 10 * runs_ok * quality * claim_consistency * feature_completeness
                            a weakest-link product over the factors present (runs_ok falls
                            back to syntax_ok when execution did not run): code that runs but
                            misstates what it does, or lacks half the features, is not
                            production-ready however tidy it is

The inputs are not listed here: each metric declares the roll-ups it joins, with its weight, in
its scorer's METRICS (``Metric(rollups={"code_correctness": 0.2})``, see scorers/registry.py), so a
new metric joins a roll-up from its own module. The roll-ups themselves (name, label, formula) are
ROLLUPS below.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import EvalkitError
from .scorers import registry

RATIO_TARGET = 5.0  # the code:explanation ratio users aim for (5:1)


@dataclass(frozen=True)
class Rollup:
    name: str
    label: str
    formula: str        # weighted: weighted mean of members | ratio: ratio_score of its one member |
                        # product: weakest-link product of members
    # members taken first, in this order (the rest follow in display order): floating-point sums and
    # products depend on the order, and these keep every figure bit-identical to what it was
    first: tuple[str, ...] = ()


ROLLUPS = (
    Rollup("code_correctness", "Code correctness", "weighted"),
    Rollup("feature_completeness", "Feature completeness", "weighted"),
    Rollup("code_explanation_ratio", "Code:explanation ratio", "ratio"),
    Rollup("production_readiness", "Production readiness", "product",
           first=("runs_ok", "quality", "claim_consistency", "feature_completeness")),
)
ROLLUP_LABELS = {r.name: r.label for r in ROLLUPS}
_members: tuple[int, dict] = (-1, {})


def members() -> dict[str, dict[str, float]]:
    """roll-up -> {metric: weight} as the registry declares them (cached until the registry changes:
    the bootstrap calls rollups() thousands of times)."""
    global _members
    if _members[0] != registry.generation or not _members[1]:
        unknown = {(n, r) for n, m in registry.get().metrics.items() for r in m.rollups} - \
            {(n, r.name) for n in registry.get().metrics for r in ROLLUPS}
        if unknown:
            metric, name = sorted(unknown)[0]
            raise EvalkitError(f"metric {metric} (scorer {registry.metric(metric).source}) joins roll-up {name!r}, "
                               f"which does not exist; roll-ups: {', '.join(ROLLUP_LABELS)}")
        found = {}
        for r in ROLLUPS:
            declared = dict(registry.rollup_members(r.name))
            found[r.name] = {**{m: declared[m] for m in r.first if m in declared}, **declared}
        _members = (registry.generation, found)
    return _members[1]


def _num(v) -> float | None:
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _weighted(means: dict, weights: dict[str, float]) -> float | None:
    num = den = 0.0
    for metric, w in weights.items():
        v = _num(means.get(metric))
        if v is None:
            continue
        num += w * max(0.0, min(1.0, v))
        den += w
    return None if den == 0 else round(10.0 * num / den, 1)


def _product(means: dict, factors) -> float | None:
    vals = [_num(means.get(m)) for m in factors]
    vals = [max(0.0, min(1.0, v)) for v in vals if v is not None]
    if not vals:
        return None
    return round(10.0 * math.prod(vals), 1)


def ratio_score(ratio: float | None) -> float | None:
    r = _num(ratio)
    if r is None:
        return None
    return round(10.0 * max(0.0, min(r, RATIO_TARGET)) / RATIO_TARGET, 1)


def rollups(means: dict[str, float | None]) -> dict[str, float | None]:
    """The four 0-10 roll-ups from per-model metric means (any input may be missing or None)."""
    prod_in = dict(means)
    if _num(prod_in.get("runs_ok")) is None:
        prod_in["runs_ok"] = prod_in.get("syntax_ok")
    out: dict[str, float | None] = {}
    for r, weights in zip(ROLLUPS, members().values()):
        if r.formula == "weighted":
            out[r.name] = _weighted(means, weights)
        elif r.formula == "ratio":
            out[r.name] = ratio_score(means.get(next(iter(weights), "")))
        else:
            out[r.name] = _product(prod_in, weights)
    return out


def pooled_ratio(code_lines: float, prose_lines: float) -> float:
    """A model's code:explanation ratio from its summed line counts (the code_lines and
    prose_lines metrics). Prefer this over the mean of per-response ratios, which one bare-code
    answer (ratio = its line count) can dominate. Same no-prose rule as the metric."""
    code, prose = float(code_lines or 0), float(prose_lines or 0)
    return code / prose if prose else code


def format_ratio(ratio: float | None) -> str:
    """3.0 -> "3:1", 0.5 -> "0.5:1", 38.33 -> "38:1", None -> "n/a"."""
    r = _num(ratio)
    if r is None:
        return "n/a"
    if r >= 10:
        return f"{r:.0f}:1"
    text = f"{r:.1f}".rstrip("0").rstrip(".")
    return f"{text}:1"
