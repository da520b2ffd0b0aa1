"""An outcome's reason: what happened, in plain words, for reports (one function per status).

Built from game time, frames and the program's own output, never from wall-clock durations, so
the same run reads the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from .job import IDLE_LIMIT, Job
from .outcome import Outcome


@dataclass(frozen=True)
class _Seen:
    """What every reason may quote: the outcome, its job, the runner's reply and game facts."""

    out: Outcome
    job: Job
    res: dict
    game: bool      # a game or terminal program whose shim reported game time
    frames: str     # "3 frames", "1 frame", "no frames"
    budget: float   # game seconds the script runs it for
    vt: float       # game time reached
    at: str         # " after 2.0 s of game time and 3 frames", " before its first frame" or ""


def _where(out: Outcome) -> str:
    file = getattr(out, "exception_file", None)
    if out.lineno is None:
        return ""
    return f" at {file}:{out.lineno}" if file else f" at line {out.lineno}"


def _seen(out: Outcome, job: Job, res: dict) -> _Seen:
    script = job.game if job.game is not None else job.terminal  # a game or a terminal program
    game = script is not None and out.virtual_time is not None
    frames = f"{out.frames} frame{'' if out.frames == 1 else 's'}" if out.frames is not None else "no frames"
    budget = float((script or {}).get("quit_at") or 10.0)
    vt = out.virtual_time or 0.0
    if not game:
        at = ""
    elif not out.frames and vt < 0.05:
        at = " before its first frame"
    else:
        at = f" after {vt:.1f} s of game time and {frames}"
    return _Seen(out, job, res, game, frames, budget, vt, at)


def _ok(s: _Seen) -> str:
    out, job, frames, budget = s.out, s.job, s.frames, s.budget
    if out.alive_at_end and s.game:
        return (f"the game ran its full {budget:g} s of game time and drew {frames}; it was still running "
                "at the end (counts as running)")
    if out.alive_at_end:
        return (f"still running at the end of its {job.timeout:g} s and writing output "
                "(an interactive program: counts as running)")
    if s.game and s.vt >= budget:
        shown = f"drew {frames}" if out.frames else "never updated the display"
        return f"the game ran its full {budget:g} s of game time, {shown} and exited when asked to quit"
    if s.game:
        early = " (within 1 s of starting, before any input)" if out.early_exit else ""
        return f"the game exited by itself{s.at}{early}"
    if job.test is not None:
        return "the program and its test ran to the end without an exception"
    return "exited normally (exit code 0)" + (" within 1 s, without waiting for input" if out.early_exit else "")


def _crashed(s: _Seen) -> str:
    out, at = s.out, s.at
    if out.missing_file:
        when = f" ({at.strip()})" if at else ""
        return (f"crashed: {out.exception_type}{_where(out)}: it reads {out.missing_file}, a file it writes "
                f"itself, before it exists{when}")
    if out.signal is not None:
        return f"crashed: killed by {out.exception_type}{at}"
    if out.exception_type == "SystemExit":
        return f"crashed: exited with code {out.exit_code}{at}"
    msg = (out.exception_message or "").strip().splitlines()
    detail = f": {msg[0][:200]}" if msg else ""
    stage = " in the test" if out.stage == "test" else ""
    return f"crashed: {out.exception_type}{_where(out)}{stage}{detail}{at}"


def _syntax_error(s: _Seen) -> str:
    return f"syntax error{_where(s.out)}: {(s.out.exception_message or '').strip()[:200]}"


def _timeout(s: _Seen) -> str:
    out, job, vt = s.out, s.job, s.vt
    if s.game:
        silent = s.res.get("idle")
        if out.last_active is None and not (out.frames or out.event_polls):
            if not silent and vt < 0.05:  # a busy loop that never reads a key, sleeps or draws
                return (f"hung: still running at its {job.timeout:g} s timeout and its game clock never "
                        "moved (it never read a key, slept or redrew the screen)")
            span = f"{IDLE_LIMIT:g} s" if silent else f"{vt:.0f} s of game time"
            return f"hung: no frame drawn and no event polled for {span}"
        last = out.last_active if out.last_active is not None else vt
        why = (f"no frame, tick, sleep or event poll for {IDLE_LIMIT:g} s" if silent
               else f"no frame drawn and no event polled for the last {vt - last:.1f} s of game time")
        return f"stopped responding at {last:.1f} s of game time after drawing {s.frames}: {why}"
    if job.interactive:
        return f"hung: still running after {job.timeout:g} s without drawing, reading input or writing any output"
    return f"timed out: still running after {job.timeout:g} s"


def _killed(s: _Seen) -> str:
    return f"killed: {s.out.killed_reason or 'stopped by a limit'}{s.at}"


def _missing_dependency(s: _Seen) -> str:
    return f"not judged: the program imports {s.out.missing_module}, which the sandbox does not have"


def _missing_asset(s: _Seen) -> str:
    when = f" (opened{s.at})" if s.at else ""
    return f"not judged: the program opens {s.out.missing_file}, a file the response does not provide{when}"


def _cut_off(s: _Seen) -> str:
    out, at = s.out, s.at
    if out.exception_type == "EOFError":
        when = f" ({at.strip()})" if at else ""
        return (f"not judged: the program waits for typed input (input(){_where(out)}), which a headless "
                f"run cannot give{when}")
    if s.res.get("cut_off"):
        return f"not judged: {s.res['cut_off']}"
    return (f"not judged: the game was still running but reached only {s.vt:.1f} of its {s.budget:g} s of "
            f"game time in {s.job.timeout:g} s")


def _error(s: _Seen) -> str:
    return f"not judged: evalkit's sandbox failed ({(s.out.exception_message or 'no message')[:200]})"


_REASONS = {"ok": _ok, "crashed": _crashed, "syntax_error": _syntax_error, "timeout": _timeout,
            "killed": _killed, "missing_dependency": _missing_dependency, "missing_asset": _missing_asset,
            "cut_off": _cut_off, "error": _error}


def describe(out: Outcome, job: Job, res: dict | None = None) -> str:
    """What happened, in plain words, for reports. Built from game time, frames and the
    program's own output, never from wall-clock durations, so the same run reads the same."""
    reason = _REASONS.get(out.status)
    return reason(_seen(out, job, res or {})) if reason else out.status
