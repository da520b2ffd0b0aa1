"""Nothing evalkit starts outlives it.

Scoring workers and sandbox templates ask the kernel for a signal when their parent dies
(Linux PR_SET_PDEATHSIG), so even `kill -9` of evalkit leaves nothing running; bubblewrap's
`--die-with-parent` does the same for each layer inside the sandbox. SIGTERM stops evalkit the
way Ctrl-C does: what finished is kept, the run can be resumed, the exit code is 143.
"""

from __future__ import annotations

import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def _load_prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        fn = ctypes.CDLL(None, use_errno=True).prctl
        fn.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
        fn.restype = ctypes.c_int
        return fn
    except (OSError, AttributeError):
        return None


_prctl = _load_prctl()  # resolved once: a child between fork and exec only calls it


def die_with_parent(parent: int | None = None, sig: int = signal.SIGKILL) -> None:
    """Have the kernel send `sig` to this process when its parent dies (no-op off Linux).

    `parent`: the pid that started us; if it is already gone (it died before we got here),
    exit at once rather than run orphaned."""
    if _prctl is not None:
        _prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    if parent is not None and os.getppid() != parent:
        os._exit(1)


def child_setup(parent: int):
    """A preexec_fn for subprocess.Popen: the child dies with `parent` (the caller's pid)."""
    def setup() -> None:
        die_with_parent(parent)
    return setup


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C (every `except KeyboardInterrupt` clean-up runs) but exits 143."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


def stop_on_sigterm():
    """In the main thread of the CLI: SIGTERM raises Terminated where the program is.
    Returns the handler it replaced (to put back when the command ends)."""
    return signal.signal(signal.SIGTERM, _on_sigterm)
