"""Outcome classification: from the runner's reply for a job to an Outcome with its status.

The order of the checks is the rule: evalkit's own failure, then how the run was stopped (the
machine starved it, its game time ran out, its timeout, a limit), then how the program ended (an
exception, a signal, its exit code).
"""

from __future__ import annotations

import errno
import os
import re
import signal

from .job import IDLE_LIMIT, Job
from .outcome import Outcome
from .reasons import describe

UNRESPONSIVE = 5.0  # a game that drew no frame and polled no event in its last 5 s of game time stopped responding
LIMIT_ERRNOS = {errno.EFBIG: "file size limit", errno.ENOSPC: "work folder full", errno.EMFILE: "open files limit"}


_QUOTED_FILE = re.compile(r"""(?:No file|[Cc]ouldn't open|[Uu]nable to open(?: file)?|No such file or directory:?)\s*['"]([^'"]{1,300})['"]""")


def _missing_asset(report: dict) -> str | None:
    """The file a program failed to open (FileNotFoundError, pygame's "No file 'x.png' found")."""
    etype, msg = report.get("type"), str(report.get("message") or "")
    quoted = _QUOTED_FILE.search(msg)
    if etype == "FileNotFoundError":
        return report.get("filename") or (quoted.group(1) if quoted else msg)
    lowered = msg.lower()
    if etype == "error" and str(report.get("module", "")).startswith("pygame") and (
        "couldn't open" in lowered or "no such file" in lowered or "no file" in lowered
    ):
        return quoted.group(1) if quoted else msg
    return None


_MEDIA = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".svg", ".wav", ".mp3", ".ogg", ".flac",
          ".mid", ".midi", ".ttf", ".otf", ".fon", ".fnt"}
_WRITES = re.compile(r"""open\([^)\n]*,\s*(?:mode\s*=\s*)?[rb+]*['"][rb+]*[wax]|\.write_text\(|\.write_bytes\(|"""
                     r"""\b(?:json|pickle|yaml)\.(?:safe_)?dump\(|\bshelve\.open\(""")


def _own_file(name: str, job: Job) -> bool:
    """A data file (not an image, sound or font) the program writes itself -- a high score, a save:
    reading it before it exists is the program's bug, not an asset the response left out."""
    base = os.path.basename(str(name))
    if not base or os.path.splitext(base)[1].lower() in _MEDIA:
        return False
    source = job.source + "".join("\n" + text for _, text in job.files)
    return base in source and _WRITES.search(source) is not None


def _own_module(name: str, job: Job) -> bool:
    """A module the answer itself provides (a file or folder of its program): failing to import it
    is the program's own bug (`from snake_game.config import X` run as `python snake_game/main.py`),
    not a dependency the sandbox lacks."""
    top = str(name).split(".")[0]
    parts = set()
    for fname in [job.filename] + [n for n, _ in job.files]:
        if fname.endswith((".py", ".pyw")):
            parts.update(p.rsplit(".", 1)[0] if p.endswith((".py", ".pyw")) else p for p in fname.split("/"))
    return len(parts) > 1 and top in parts


# The runner's messages arrive on a descriptor the program can write to as well: keep only fields
# of the expected types, so a forged or garbled message cannot crash the host.
_REPORT_TYPES = {"status": str, "stage": str, "type": str, "message": str, "missing_module": str, "filename": str,
                 "module": str, "file": str,
                 "lineno": int, "errno": int, "code": int, "completed": bool}


def _typed(msg: dict, types: dict) -> dict:
    out = {}
    for key, value in msg.items():
        want = types.get(key)
        if want is None or isinstance(value, want) and not (want is int and isinstance(value, bool)):
            out[key] = value
    return out


def _clean_shim(msg: dict) -> dict:
    msg = dict(msg)
    for key, kind in (("frames", int), ("polls", int), ("last_active", (int, float)), ("quit_at", (int, float))):
        if key in msg and (not isinstance(msg[key], kind) or isinstance(msg[key], bool)):
            msg[key] = None
    if not isinstance(msg.get("virtual_time"), (int, float)) or isinstance(msg.get("virtual_time"), bool):
        msg["virtual_time"] = None
    size = msg.get("size")
    if not (isinstance(size, (list, tuple)) and len(size) == 2 and all(isinstance(v, int) for v in size)):
        msg["size"] = None
    return msg


def _unresponsive(shim: dict) -> bool:
    """A game that drew no frame and polled no event in its last UNRESPONSIVE s of game time
    (or ever). Shims that do not count activity (terminal programs) are never called that."""
    if not isinstance(shim.get("polls"), int):
        return False
    last, now = shim.get("last_active"), shim.get("virtual_time")
    if last is None:  # never drew a frame or polled an event
        return True
    return now is not None and now - last >= UNRESPONSIVE


def classify(res: dict, job: Job, isolation: str) -> Outcome:
    out = _classify(res, job, isolation)
    out.reason = describe(out, job, res)
    return out


def _classify(res: dict, job: Job, isolation: str) -> Outcome:
    report = _typed(res["report"], _REPORT_TYPES) if isinstance(res.get("report"), dict) else None
    messages = [_clean_shim(m) if m.get("kind") == "shim" else m
                for m in res.get("messages") or () if isinstance(m, dict)]
    shim = next((m for m in reversed(messages) if m.get("kind") == "shim"), None)
    out = _measured(res, job, isolation, messages, shim)
    if res.get("server_error"):  # evalkit's own failure (a template that died or stopped answering)
        out.status, out.exception_message = "error", str(res["server_error"])
        return out
    out.program_ok = None if job.test is None else any(m.get("kind") == "stage" for m in messages)
    if report is not None:
        out.stage = report.get("stage")
        out.exception_type = report.get("type")
        out.exception_message = report.get("message")
        out.lineno = report.get("lineno")
        out.exception_file = report.get("file")
    if _stopped(out, res, job, shim):
        return out
    if report is not None and report.get("status") == "syntax_error":
        out.status = "syntax_error"
    elif report is not None and report.get("status") == "exception":
        _raised(out, report, job)
    else:
        _exited(out, report)
    if out.status == "ok" and job.interactive:
        started = out.virtual_time if out.virtual_time is not None else out.duration
        quit_sent = shim is not None and bool(shim.get("quit_sent"))
        out.early_exit = not quit_sent and started < 1.0
    return out


def _measured(res: dict, job: Job, isolation: str, messages: list, shim: dict | None) -> Outcome:
    """The Outcome with what the runner measured and saw (status still "error")."""
    out = Outcome(
        status="error", isolation=isolation, exit_code=res.get("exit_code"), signal=res.get("signal"),
        duration=float(res.get("duration") or 0.0), stdout=str(res.get("stdout", "")),
        stderr=str(res.get("stderr", "")), stdout_truncated=bool(res.get("stdout_truncated")),
        stderr_truncated=bool(res.get("stderr_truncated")), interactive=job.interactive,
        killed_reason=res.get("killed_reason"), cpu_seconds=res.get("cpu_seconds"),
        max_rss_kb=res.get("max_rss_kb"), leftover_processes=int(res.get("leftover_processes") or 0),
        trace=[m for m in messages if m.get("kind") == "frames"],
        terminal=res.get("terminal") if isinstance(res.get("terminal"), str) else None,
        refused_files=[str(n) for n in res.get("refused_files") or ()][:50],
    )
    if shim is not None:
        out.virtual_time = shim.get("virtual_time")
        out.screen_size = shim.get("size")
        out.frames, out.event_polls, out.last_active = shim.get("frames"), shim.get("polls"), shim.get("last_active")
    if isinstance(res.get("program_time"), (int, float)):
        out.program_time = float(res["program_time"])
    return out


def _stopped(out: Outcome, res: dict, job: Job, shim: dict | None) -> bool:
    """Sets the status of a run that something stopped (machine, game-time budget, timeout, limit);
    False if the program ended by itself."""
    game = shim is not None and job.game is not None
    if res.get("cut_off"):  # the machine starved the run: not the program's doing
        out.status, out.cut_off = "cut_off", "machine"
    elif shim is not None and bool(shim.get("budget_end")):
        # at the end of its game time a game is running if it kept drawing or reading its input;
        # one that only slept or spun on the clock for the last seconds is hung
        out.status = "timeout" if game and _unresponsive(shim) else "ok"
        out.alive_at_end = out.status == "ok"
    elif res.get("timed_out"):
        silent = res.get("silent_for")
        if game and not res.get("idle") and out.last_active is not None and \
                isinstance(silent, (int, float)) and silent < IDLE_LIMIT / 2:
            out.status, out.cut_off = "cut_off", "too_slow"  # still drawing, too slowly to reach its end
        elif shim is None and job.interactive and (out.stdout.strip() or out.stderr.strip()):
            out.status, out.alive_at_end = "ok", True  # an interactive program still writing output
        else:
            # hung: a game that stopped drawing, ticking and polling; an interactive program that
            # never wrote anything; any other program still running at its timeout
            out.status = "timeout"
    elif out.killed_reason:
        out.status = "killed"
    else:
        return False
    return True


def _raised(out: Outcome, report: dict, job: Job) -> None:
    """The status of a program that ended with an uncaught exception."""
    if report.get("type") == "ModuleNotFoundError" and report.get("missing_module") \
            and _own_module(report["missing_module"], job):
        out.status = "crashed"  # one of its own files, imported by a name that does not reach it
    elif report.get("type") == "ModuleNotFoundError" and report.get("missing_module"):
        out.status, out.missing_module = "missing_dependency", str(report["missing_module"])
    elif _missing_asset(report) and _own_file(_missing_asset(report), job):
        out.status, out.missing_file = "crashed", _missing_asset(report)  # its own save file
    elif _missing_asset(report):
        out.status, out.missing_file = "missing_asset", _missing_asset(report)
    elif job.interactive and report.get("type") == "EOFError":
        out.status, out.cut_off = "cut_off", "input"  # input() at a console nobody types into
    elif report.get("type") == "MemoryError":
        out.status, out.killed_reason = "killed", "memory limit"
    elif report.get("errno") in LIMIT_ERRNOS:  # Python ignores SIGXFSZ: it sees EFBIG
        out.status, out.killed_reason = "killed", LIMIT_ERRNOS[report["errno"]]
    else:
        out.status = "crashed"


def _exited(out: Outcome, report: dict | None) -> None:
    """The status of a program that ended without an exception report: by a signal or its exit code."""
    if out.signal is not None:
        names = {signal.SIGXCPU: "CPU time limit", signal.SIGKILL: "killed (limit)",
                 signal.SIGXFSZ: "file size limit"}
        if out.signal in names:
            out.status, out.killed_reason = "killed", names[out.signal]
        else:
            out.status = "crashed"
            out.exception_type = f"signal {signal.Signals(out.signal).name}" if out.signal in iter(
                signal.Signals) else f"signal {out.signal}"
    elif out.exit_code == 0:
        out.status = "ok"
        out.completed = report is not None and bool(report.get("completed"))
    else:
        out.status = "crashed"
        if out.exception_type is None:
            out.exception_type = "SystemExit"
            out.exception_message = f"exit code {out.exit_code}"
