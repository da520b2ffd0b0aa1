"""The fallback backends without namespaces: ``limits`` (no usable bubblewrap) and ``none``.

``limits``: resource limits, a new session, a clean environment and whole-tree kill (a subreaper
inherits double-forked daemons); the file system and network are NOT isolated. ``none`` (explicit
opt-in only) is the same without the resource limits (still a clean environment, timeouts and tree
kill). The template runs on the host in a private temporary folder that it removes itself if
evalkit dies first.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .backend import RUNNER_DIR, Backend, Launch, server_argv, server_config
from .limits import Limits


class RlimitBackend(Backend):
    name = "limits"

    def available(self) -> bool:
        return os.name != "nt"  # the runner forks

    def describe(self) -> str:
        return "resource limits and a clean environment only: the file system and network are not isolated"

    def launch(self, limits: Limits, env_site: Path | None) -> Launch:
        host_dir = tempfile.mkdtemp(prefix="evalkit-sandbox-")
        workdir = os.path.join(host_dir, "work")
        tmpdir = os.path.join(host_dir, "tmp")
        os.mkdir(workdir, 0o700)
        os.mkdir(tmpdir, 0o700)
        cfg = server_config(workdir, tmpdir,
                            {"pid1": False, "cleanup": host_dir},  # removed by the server itself if evalkit dies first
                            [str(env_site)] if env_site else [], env_site)
        argv = server_argv(str(RUNNER_DIR / "server.py"), cfg)
        return Launch(argv=argv, cwd=workdir, workdir=workdir, tmpdir=tmpdir, host_dir=host_dir)


class NoLimitsBackend(RlimitBackend):
    name = "none"
    enforces_limits = False

    def describe(self) -> str:
        return "no isolation and no resource limits (explicit opt-in): a clean environment, timeouts and tree kill"


LIMITS = RlimitBackend()
NONE = NoLimitsBackend()
