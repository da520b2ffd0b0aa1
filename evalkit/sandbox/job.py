"""A job: one program (and its files) to run, and the message the runner receives for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .limits import Limits

if TYPE_CHECKING:
    from .backend import Backend

IDLE_LIMIT = 5.0    # a game whose shim falls silent (no frame, tick, sleep or event poll) this long is hung
GAME_ENV = {"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "PYGAME_HIDE_SUPPORT_PROMPT": "1"}


def base_env(workdir: str, tmpdir: str) -> dict[str, str]:
    """The whole environment a job sees: nothing is inherited from evalkit's process."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": workdir,
        "TMPDIR": tmpdir,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONHASHSEED": "0",  # for Python processes a program starts (the template's own is fixed too)
    }


@dataclass(frozen=True)
class Job:
    source: str
    filename: str = "main.py"
    files: tuple[tuple[str, str], ...] = ()
    timeout: float = 10.0
    interactive: bool = False
    game: dict | None = None            # gameshim settings: run headless in virtual time
    terminal: dict | None = None        # termshim settings: run on a pty (rows, cols, term) in virtual time
    seed: int | None = 0
    argv: tuple[str, ...] = ()
    run_name: str = "__main__"          # tests run under another name so `if __name__ == "__main__"` stays off
    test: str | None = None             # a test snippet run after the program, in its namespace
    as_module: bool = False             # run the entry (pkg/mod.py) as `python -m pkg.mod`: from the work folder, in its package

    def payload(self, limits: Limits, workdir: str, tmpdir: str, backend: Backend) -> dict:
        """The runner's message for this job, under `limits` as `backend` applies them."""
        env = base_env(workdir, tmpdir)
        if self.game is not None:
            env.update(GAME_ENV)
        if self.terminal is not None:
            env["TERM"] = str(self.terminal.get("term") or "xterm-256color")
            env["NCURSES_NO_UTF8_ACS"] = "1"  # line drawing as UTF-8, which the host's emulator reads
        rl, max_procs = backend.job_limits(limits)
        return {
            "source": self.source, "filename": self.filename, "files": dict(self.files),
            "timeout": self.timeout, "game": self.game, "terminal": self.terminal, "seed": self.seed,
            "argv": list(self.argv),
            "run_name": self.run_name, "test": self.test, "as_module": self.as_module, "env": env, "limits": rl, "max_output": limits.output_bytes,
            "max_procs": max_procs,
            "idle_limit": IDLE_LIMIT if self.game is not None else None,
        }


def looks_like_game(source: str) -> bool:
    return "pygame" in source
