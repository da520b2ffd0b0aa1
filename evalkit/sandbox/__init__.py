"""Run untrusted (model-written) Python programs isolated, and classify what they did.

Isolation levels (recorded in every outcome as ``isolation``), one backend module each behind the
``Backend`` interface (``backend.py``):

* ``bwrap``  (``bwrap.py``) Linux + bubblewrap: new user/pid/net/ipc/uts/mount namespaces, no
  network at all, only /usr, the interpreter's prefix (its site-packages hidden), the evalkit
  sandbox env and the sandbox runner visible read-only; a size-capped tmpfs as the work folder and /tmp.
* ``limits`` (``rlimit.py``) fallback (no usable bubblewrap): resource limits, a new session, a
  clean environment and whole-tree kill; the file system and network are NOT isolated.
* ``none``   (``rlimit.py``) explicit opt-in only: no resource limits (still a clean environment,
  timeouts and tree kill).

Every job additionally gets a clean environment (API keys never reach model code), CPU/memory/
file-size/open-file/process limits, a wall-clock timeout, stdout/stderr capped (head + tail), and
every process it started killed at the end (a pid namespace, or a subreaper that inherits
double-forked daemons). Programs run in a pre-warmed template (``template.py``, pooled in
``pool.py``): one sandboxed interpreter that forks a fresh child per job (see
``evalkit/sandboxed/server.py``). ``isolation.py`` picks the backend, ``job.py`` and ``outcome.py``
hold the records, ``classification.py`` and ``reasons.py`` turn the runner's reply into a status and its
reason, ``session.py`` holds ``Sandbox``, which ties them together.
"""

from __future__ import annotations

from .backend import Backend, Launch
from .classification import LIMIT_ERRNOS, UNRESPONSIVE, classify
from .isolation import BACKENDS, MODES, backend_for, describe_isolation, isolation_level, resolve_mode
from .job import GAME_ENV, IDLE_LIMIT, Job, base_env, looks_like_game
from .limits import NO_LIMITS, Limits
from .outcome import NOT_JUDGED, OUTCOMES, Outcome
from .pool import POOL
from .reasons import describe
from .session import Sandbox, run_program
from .template import Template

__all__ = [
    "BACKENDS", "GAME_ENV", "IDLE_LIMIT", "LIMIT_ERRNOS", "MODES", "NOT_JUDGED", "NO_LIMITS", "OUTCOMES", "POOL",
    "UNRESPONSIVE", "Backend", "Job", "Launch", "Limits", "Outcome", "Sandbox", "Template", "backend_for", "base_env",
    "classify", "describe", "describe_isolation", "isolation_level", "looks_like_game", "resolve_mode",
    "run_program",
]
