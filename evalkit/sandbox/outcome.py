"""What one program did: the Outcome record and its statuses."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class Outcome:
    """What one program did. ``status`` is one of OUTCOMES."""

    status: str
    isolation: str
    exit_code: int | None = None
    signal: int | None = None
    exception_type: str | None = None
    exception_message: str | None = None
    lineno: int | None = None
    duration: float = 0.0
    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    interactive: bool = False
    alive_at_end: bool = False          # interactive program still running when its budget ended
    early_exit: bool = False            # interactive program exited cleanly within 1 s of starting
    virtual_time: float | None = None   # game seconds simulated by the shim
    screen_size: list | None = None     # the game's window size (from set_mode)
    completed: bool = False             # the runner saw the program (and its test) run to the end
    program_ok: bool | None = None      # with a test: the program part finished without an exception
    stage: str | None = None            # "program" or "test": where the run ended
    missing_module: str | None = None
    missing_file: str | None = None
    exception_file: str | None = None   # the program file (work-folder relative) the exception came from
    refused_files: list = field(default_factory=list)  # file names the runner would not write
    killed_reason: str | None = None
    cpu_seconds: float | None = None
    max_rss_kb: int | None = None
    leftover_processes: int = 0
    reason: str = ""                    # what happened, in plain words (shown in reports)
    frames: int | None = None           # game: frames drawn (display.flip/update)
    event_polls: int | None = None      # game: calls that read input (event.get/poll/wait/pump, get_pressed)
    last_active: float | None = None    # game: game time of the last frame or event poll
    program_time: float | None = None   # seconds the program had (wall minus time spent waiting for a CPU)
    cut_off: str | None = None          # why a cut_off run was stopped: "machine" (starved: rerun it),
                                        # "too_slow" (a game still drawing at its timeout), "input" (input())
    trace: list = field(default_factory=list, repr=False)  # shim messages (game frames)
    terminal: str | None = field(default=None, repr=False)  # a terminal program's pty output (base64)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self, with_trace: bool = False) -> dict:
        d = asdict(self)
        if not with_trace:
            d.pop("trace")
            d.pop("terminal")
        return d


OUTCOMES = ("ok", "crashed", "syntax_error", "timeout", "missing_dependency", "missing_asset",
            "killed", "no_code", "cut_off", "error")
# Not the program's doing: these outcomes are "not judged" (runs_ok None), with the reason shown
NOT_JUDGED = ("missing_dependency", "missing_asset", "cut_off", "error")
