"""What every scorer returns (Score) and how a scorer and its metrics are declared (Scorer, Metric).

The declarations live here, not in registry.py, so that a scorer module can declare itself
without importing the registry (the registry imports the scorer modules: no import cycle).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

DIRECTIONS = ("higher", "lower", "none")          # none: a measurement with no better/worse (sizes)
KINDS = ("pass_fail", "unit", "unbounded")        # 0/1 | within 0..1 | any number
FORMATS = (None, "ratio")                         # ratio: shown as "N:1"


@dataclass
class Score:
    """One metric for one response.

    value None means "no score" (e.g. claim_consistency for a response that makes no checkable
    claim): it is stored, shown as "n/a", and left out of means.
    details is JSON-serialisable evidence the report shows (error location, claims, features...).
    scorer: the scorer that produced it (set by score_response; the store keeps scores per scorer).
    """

    metric: str
    value: float | None
    details: dict = field(default_factory=dict)
    scorer: str | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Metric:
    """What a metric is, in the one place compare, roll-ups, report and gate read it from.

    order: position in every metric table (lower first); None: after the ordered ones, by name.
    main: shown in the headline tables and per-task views (False: auxiliary, further down).
    gate: the built-in gate rule (e.g. {"max_drop": 0.05}); None: reported, not gated by default.
    rollups: roll-up name -> weight (a weighted roll-up) or factor (a product roll-up), see rollups.py.
    pass_at_k: a sample counts as correct for pass@k when this metric is 1.
    source: the scorer that produces it, or "request" for what the generation step records.
    """

    name: str
    label: str = ""
    direction: str = "higher"
    kind: str = "unbounded"
    main: bool = False
    order: int | None = None
    gate: dict | None = field(default=None, hash=False)
    rollups: dict = field(default_factory=dict, hash=False)
    format: str | None = None
    pass_at_k: bool = False
    source: str = ""

    def __post_init__(self):
        if self.direction not in DIRECTIONS:
            raise ValueError(f"metric {self.name}: direction must be one of {', '.join(DIRECTIONS)}")
        if self.kind not in KINDS:
            raise ValueError(f"metric {self.name}: kind must be one of {', '.join(KINDS)}")
        if self.format not in FORMATS:
            raise ValueError(f"metric {self.name}: format must be None or 'ratio'")
        if not self.label:
            object.__setattr__(self, "label", self.name.replace("_", " "))

    @property
    def higher_is_better(self) -> bool:
        return self.direction != "lower"

    @property
    def unit(self) -> bool:
        """Bounded 0..1 (pass/fail metrics too): drawn on a 0..1 axis, shown with two decimals."""
        return self.kind in ("pass_fail", "unit")


@dataclass(frozen=True)
class Scorer:
    """One scorer: its metrics, its version and its function ``score(task, ex, artifacts) -> [Score]``.

    version: bump it when the scorer's results change; only this scorer's metrics are then
    recomputed for stored responses (the store keeps a version per response and scorer).
    needs: artifact keys it reads (e.g. "probes"); the scorers that provide them run first.
    provides: artifact keys it adds to ``artifacts`` for later scorers.
    persist: the provided keys the store keeps, so a dependent scorer can be rescored alone.
    execute: runs only when execution is on (``--no-exec`` skips it).
    """

    name: str
    version: str
    metrics: tuple[Metric, ...]
    score: Callable
    needs: tuple[str, ...] = ()
    provides: tuple[str, ...] = ()
    persist: tuple[str, ...] = ()
    execute: bool = False
