"""Choosing the isolation level: ``auto`` takes bubblewrap when it works here, else falls back to
resource limits (with one warning); ``bwrap``, ``limits`` and ``none`` ask for one level."""

from __future__ import annotations

import os
import warnings

from .. import sandbox_env
from ..errors import EvalkitError
from .backend import Backend
from .bwrap import BWRAP
from .rlimit import LIMITS, NONE

MODES = ("auto", "bwrap", "limits", "none")
BACKENDS: dict[str, Backend] = {b.name: b for b in (BWRAP, LIMITS, NONE)}
_warned = False


def backend_for(level: str) -> Backend:
    """The backend of an isolation level (a name resolve_mode returns)."""
    return BACKENDS[level]


def resolve_mode(mode: str = "auto") -> str:
    """The isolation level that will actually run for `mode` (warns once when falling back)."""
    global _warned
    if mode not in MODES:
        raise EvalkitError(f"unknown sandbox mode {mode!r}; use one of {', '.join(MODES)}")
    if os.name == "nt":
        raise EvalkitError("sandboxed execution needs Linux or macOS (the runner forks); on Windows use WSL")
    if mode in ("limits", "none"):
        return mode
    if BWRAP.available():
        return "bwrap"
    if mode == "bwrap":
        raise EvalkitError(
            "sandbox mode 'bwrap' needs a working bubblewrap (Debian/Ubuntu: apt install bubblewrap; "
            "user namespaces must be allowed); or use --sandbox limits"
        )
    if not _warned:
        _warned = True
        warnings.warn(
            f"evalkit sandbox: {BWRAP.unavailable_reason()}; falling back to resource limits only "
            "(isolation=limits): model code can read your files and use the network. Install bubblewrap "
            "for full isolation.",
            RuntimeWarning,
            stacklevel=2,
        )
    return "limits"


isolation_level = resolve_mode  # the name the CLI records in the run


def describe_isolation(mode: str = "auto") -> str:
    level = resolve_mode(mode)
    env = sandbox_env.ready_dir()
    return f"sandbox isolation: {level}; dependency env: {env if env else 'not set up (evalkit setup-sandbox)'}"
