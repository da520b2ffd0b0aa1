"""The one interface every isolation backend implements (``bwrap.py``, ``rlimit.py``), and what
they share: the interpreter, the runner's files and the template's settings.

A backend says whether it can run here, what it isolates, how to start a template (one sandboxed
interpreter running ``evalkit/sandboxed/server.py``, see ``template.py``) and which resource limits
the runner applies to each job. Everything else -- the pool, jobs, classification -- is shared.
"""

from __future__ import annotations

import json
import os
import sys
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from .limits import NO_LIMITS, Limits

RUNNER_DIR = Path(__file__).resolve().parent.parent / "sandboxed"
# modules most programs import anyway: importing them once in the template saves it per job
PRELOAD = ("math", "re", "collections", "itertools", "functools", "typing", "string", "heapq",
           "bisect", "random", "traceback", "types", "hashlib", "fractions", "statistics", "copy",
           "asyncio")  # (asyncio: the game shim makes its loop's timed waits pass game time)
# The template's interpreter: no site (-S), no user site-packages (-s), no script folder on sys.path
# (-P). Not -I: that also ignores PYTHONHASHSEED, and string hashing (set order) must be the same on
# every run. The environment is evalkit's own (cleared), so honouring PYTHON* variables adds nothing.
TEMPLATE_FLAGS = ("-s", "-S", *(("-P",) if sys.version_info >= (3, 11) else ()))


def python() -> tuple[str, str]:
    """(interpreter executable, its installation prefix), both resolved: what a template runs."""
    exe = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
    return exe, os.path.realpath(sys.base_prefix)


@dataclass(frozen=True)
class Launch:
    """How to start one template, and the folders its jobs see."""

    argv: list[str]
    cwd: str                      # where the template process starts (on the host)
    workdir: str                  # the work folder, as jobs see it
    tmpdir: str                   # the temporary folder, as jobs see it
    host_dir: str | None = None   # a host folder the template owns: removed when it closes


def server_config(workdir: str, tmpdir: str, own: dict, extra_paths: list[str], env_site: Path | None) -> dict:
    """The runner's settings (its command-line argument); `own` holds the backend's own keys."""
    return {"workdir": workdir, "tmpdir": tmpdir, **own, "extra_paths": extra_paths, "preload": PRELOAD,
            "prewarm_fonts": env_site is not None}


def server_argv(server: str, cfg: dict) -> list[str]:
    """The interpreter command line that starts the runner `server` with settings `cfg`."""
    exe, _ = python()
    return [exe, *TEMPLATE_FLAGS, server, json.dumps(cfg)]


class Backend(ABC):
    """One isolation level; its ``name`` is recorded as ``isolation`` in every outcome."""

    name: str
    enforces_limits = True    # False: jobs run without resource limits (explicit opt-in only)
    own_user_ns = False       # jobs run as their own user, so RLIMIT_NPROC counts only their processes

    @abstractmethod
    def available(self) -> bool:
        """Whether this backend can run jobs on this machine."""

    @abstractmethod
    def describe(self) -> str:
        """What it isolates, in one line."""

    @abstractmethod
    def launch(self, limits: Limits, env_site: Path | None) -> Launch:
        """Prepare one template: its command line and folders (`env_site`: the dependency env)."""

    def job_limits(self, limits: Limits) -> tuple[dict, int | None]:
        """(resource limits the runner sets, cap on the job's processes for its watchdog)."""
        lim = limits if self.enforces_limits else NO_LIMITS
        rl = lim.rlimits()
        if not self.own_user_ns:
            # outside a user namespace RLIMIT_NPROC counts *all* of the user's processes (a desktop
            # has hundreds), so it would break ordinary programs: the watchdog counts the job's own
            rl["processes"] = None
        return rl, lim.processes or None
