"""What every scorer returns."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Score:
    """One metric for one response.

    value None means "no score" (e.g. claim_consistency for a response that makes no checkable
    claim): it is stored, shown as "n/a", and left out of means.
    details is JSON-serialisable evidence the report shows (error location, claims, features...).
    """

    metric: str
    value: float | None
    details: dict = field(default_factory=dict)
