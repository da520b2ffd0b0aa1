"""The range of every number a flag or a config field sets, checked before any work starts.

A typo such as `--samples 99999999999999999999` must be refused at once with the allowed range,
not start a run that grows memory until the machine gives up.
"""

from __future__ import annotations

RANGES: dict[str, tuple[type, float, float]] = {
    "samples": (int, 1, 10_000),
    "concurrency": (int, 1, 1024),
    "timeout": (float, 0.001, 86_400),
    "retries": (int, 0, 100),
    "workers": (int, 1, 1024),
    "seed": (int, 0, 2**31 - 1),
    "max_answer_mb": (float, 0.001, 1024),
    "min_effect": (float, 0.001, 1),   # a change on a 0..1 metric (evalkit/power.py)
}


def in_range(name: str, value) -> int | float:
    """`value` (a flag's text or a config field) as the number `name` needs; ValueError says the range."""
    kind, lo, hi = RANGES[name]
    what = "a whole number" if kind is int else "a number"
    shown = (lambda x: f"{x:g}") if kind is float else (lambda x: str(int(x)))
    allowed = f"allowed: {what} from {shown(lo)} to {shown(hi)}"
    try:
        if isinstance(value, bool):
            raise ValueError
        if kind is int:
            number = int(value) if not isinstance(value, float) else (int(value) if value.is_integer() else None)
            if number is None:
                raise ValueError
        else:
            number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{str(value)[:40]!r} is not {what}; {allowed}") from None
    if not lo <= number <= hi:  # also refuses nan and inf
        raise ValueError(f"{str(value)[:40]} is out of range; {allowed}")
    return number
