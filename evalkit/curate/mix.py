"""Mixing: per-source weights, an optional curriculum order, a seeded sample to a target size.

A source's weight multiplies its share: source s contributes w_s x n_s examples (n_s: examples it
kept after filtering, dedup and decontamination), so weight 3.0 means each example three times
and 0.5 half of them. With a target N the counts are scaled to N (largest remainders, ties by
source name). Where a source must give more than it has, every example repeats the same number
of times and the rest is a sample; otherwise a sample without repetition. All draws come from
one ``random.Random(seed)`` over examples in input order, so the same inputs, rules and seed give
the same train.jsonl.

Order: shuffled (seeded); ``curriculum: source`` puts sources in ``curriculum_sources`` order
(the rest after, by name), each shuffled; ``curriculum: METRIC`` sorts by that metric ascending
(e.g. code_lines: short functions first, complete applications last), ties in shuffled order.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass


@dataclass(slots=True)  # one per kept example: keep it small
class Entry:
    id: str
    source: str
    order_value: float | None   # the curriculum metric (None sorts first)
    offset: int                 # where the example sits in the spool file
    length: int


def quotas(counts: dict[str, int], weights: dict[str, float], target: int | None) -> dict[str, int]:
    want = {s: n * float(weights.get(s, 1.0)) for s, n in counts.items()}
    total = sum(want.values())
    if target is not None and total > 0:
        want = {s: v * target / total for s, v in want.items()}
        goal = target
    else:
        goal = round(total)
    base = {s: math.floor(v) for s, v in want.items()}
    rest = goal - sum(base.values())
    for s in sorted(want, key=lambda s: (-(want[s] - base[s]), s))[:max(rest, 0)]:
        base[s] += 1
    return base


def sample(entries_by_source: dict[str, list[Entry]], weights: dict[str, float], target: int | None,
           seed: int, curriculum: str, curriculum_sources: list[str]) -> tuple[list[Entry], dict[str, int]]:
    rng = random.Random(seed)
    q = quotas({s: len(v) for s, v in entries_by_source.items()}, weights, target)
    chosen: list[Entry] = []
    for source in sorted(entries_by_source):
        pool, k = entries_by_source[source], q.get(source, 0)
        if not pool or k <= 0:
            continue
        reps, rest = divmod(k, len(pool))
        chosen += pool * reps + rng.sample(pool, rest)
    rng.shuffle(chosen)
    if curriculum == "source":
        rank = {s: i for i, s in enumerate(curriculum_sources)}
        chosen.sort(key=lambda e: (rank.get(e.source, len(rank)), e.source))  # stable: shuffle kept within
    elif curriculum != "none":
        chosen.sort(key=lambda e: (e.order_value is not None, e.order_value or 0.0))
    return chosen, q
