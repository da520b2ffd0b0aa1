"""What the run itself says about a feature or a key: the crash, tied to the code that raised.

The execution scorer keeps a compact record of a failed run in ``artifacts["crash"]`` (``record``: status,
exception, the traceback's lines in the program, the game time it ended at), persisted with the probes.
Two rules read it (features.py, claim_verify.py):

* a feature whose own code raised: a frame of the crash's traceback is a line in the body of a
  branch the feature's evidence matched, and that line is what the check looks for there (the
  ``reset_game()`` of a restart branch; a check with no ``body`` pattern ties nothing) -> the feature
  is contradicted, with the crash as evidence. No clean tie: nothing is concluded.
* a key whose first press broke the game: the run crashed or hung right at the first scripted press
  of the key (the same window the ``first_press_survives`` probe uses) and, when the traceback
  passes through the program's handling of keys, through a branch that tests that key -> a control
  claim for the key is contradicted.

Only single-file answers: a multi-file traceback's lines are not the view's lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .checks import _expand, _matching_branches, _search

_FRAME = re.compile(r'^\s*File "([^"]+)", line (\d+), in (\S+)', re.MULTILINE)
_SCRIPT_KEY = {"enter": "return"}  # claim key -> the game shim's key name
FAILED = ("crashed", "killed", "timeout")


@dataclass(frozen=True)
class Crash:
    status: str
    exception: str            # "TypeError: Pipe.__init__() missing ..." ("" for a hang)
    line: int | None          # the innermost line of the program that raised
    frames: tuple[int, ...]   # the traceback's lines in the program, outermost first
    ended_at: float | None    # game seconds when the run stopped (None: not a game)


def record(execution) -> dict | None:
    """The compact crash record the execution scorer keeps (``artifacts["crash"]``, persisted with the
    probes so features and claims can be rescored without a new run); None when the run did not fail."""
    if not isinstance(execution, dict) or execution.get("status") not in FAILED:
        return None
    entry = str(execution.get("entry") or "")
    tb = str(execution.get("stderr") or "").rsplit("Traceback (most recent call last):", 1)[-1]
    frames = [int(m.group(2)) for m in _FRAME.finditer(tb)
              if entry and (m.group(1) == entry or m.group(1).endswith("/" + entry))]
    ended = execution.get("last_active")
    if not isinstance(ended, (int, float)):
        ended = execution.get("virtual_time") if isinstance(execution.get("virtual_time"), (int, float)) else None
    return {"status": str(execution["status"]), "block": execution.get("block"),
            "single_file": not execution.get("files") and execution.get("exception_file") in (None, entry or None),
            "exception_type": execution.get("exception_type"),
            "exception_message": str(execution.get("exception_message") or "")[:200],
            "lineno": execution.get("lineno") if isinstance(execution.get("lineno"), int) else None,
            "frames": frames[-20:], "ended_at": ended}


def crash(rec, block: int | None) -> Crash | None:
    """The main program's failed run from its record, or None (it ran, it was not the main block,
    several files ran)."""
    if not isinstance(rec, dict) or rec.get("status") not in FAILED or rec.get("block") != block \
            or not rec.get("single_file"):
        return None
    frames = tuple(int(f) for f in rec.get("frames") or [] if isinstance(f, int))
    line = rec.get("lineno") if isinstance(rec.get("lineno"), int) else (frames[-1] if frames else None)
    if line is not None and (not frames or frames[-1] != line):
        frames = frames + (line,)
    exc = rec.get("exception_type") or ""
    if exc and rec.get("exception_message"):
        exc = f"{exc}: {str(rec['exception_message'])[:120]}"
    ended = rec.get("ended_at") if isinstance(rec.get("ended_at"), (int, float)) else None
    return Crash(str(rec["status"]), exc, line, frames, ended)


def _what(c: Crash) -> str:
    if c.status == "timeout":
        return "the game hung"
    return f"the game crashed ({c.exception or 'an exception'}" + (f", line {c.line})" if c.line else ")")


def feature_crash(feature: dict, idx, vocab: dict, c: Crash | None) -> tuple[list[int], str] | None:
    """(evidence lines, reason) when the crash's traceback runs through the feature's own code."""
    if c is None or not c.frames or idx is None:
        return None
    for check in _branch_checks(feature.get("evidence") or []):
        body = check.get("body", ".")
        if body == "." or "body_not" in check:
            continue  # a gate (`if not paused:` around everything) is not the code that does the feature
        bpat = _expand(body, vocab)
        matched, _ = _matching_branches(check, idx, vocab)
        for br in matched:
            if "__main__" in br.cond:
                continue
            for f in c.frames:
                if br.line < f <= br.end_line and _search(bpat, idx.line_text(f)):
                    via = f" (reached from line {f}, in the branch on line {br.line})" if f != c.line else ""
                    return ([br.line, f] + ([c.line] if c.line else []),
                            f"{_what(c)} when this code ran{via}")
    return None


def _branch_checks(checks: list):
    for ch in checks:
        if not isinstance(ch, dict):
            continue
        if ch.get("kind") == "branch":
            yield ch
        for key in ("any", "all"):
            if isinstance(ch.get(key), list):
                yield from _branch_checks(ch[key])
        if isinstance(ch.get("check"), dict):
            yield from _branch_checks([ch["check"]])


def first_press(c: Crash | None, script: dict | None, key: str) -> float | None:
    """The time of the first scripted press of ``key`` when the run stopped right there, else None."""
    if c is None or c.ended_at is None or not isinstance(script, dict):
        return None
    name = _SCRIPT_KEY.get(key, key)
    presses = sorted((float(k[0]), float(k[2]) if len(k) > 2 else 0.08) for k in script.get("keys") or []
                     if isinstance(k, (list, tuple)) and len(k) >= 2 and k[1] == name)
    if not presses:
        return None
    t0, hold = presses[0]
    # the press is delivered at t0: a run that stopped before it was not stopped by it
    return t0 if t0 - 0.02 <= c.ended_at <= t0 + hold + 0.1 else None


def key_crash(c: Crash | None, script: dict | None, key: str, idx, key_in) -> tuple[list[int], str] | None:
    """(evidence lines, reason) when the first press of ``key`` broke the game; ``key_in(cond, key)``
    tells whether a branch condition tests the key."""
    t0 = first_press(c, script, key)
    if t0 is None:
        return None
    branches = [br for br in idx.branches if key_in(br.cond, key)] if idx is not None else []
    inside = [(br, f) for br in branches for f in c.frames if br.line < f <= br.end_line]
    if c.frames and branches and not inside:
        return None  # it raised elsewhere, not in the code that handles the key
    lines = ([inside[0][0].line, inside[0][1]] if inside else []) + ([c.line] if c.line else [])
    return lines, f"{_what(c)} at the first press of {key} ({t0:g} s into the scripted run)"
