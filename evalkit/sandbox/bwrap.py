"""The ``bwrap`` backend: Linux + bubblewrap namespaces.

New user/pid/net/ipc/uts/mount namespaces, no network at all; only /usr, the interpreter's prefix
(its site-packages hidden), the evalkit sandbox env and the sandbox runner visible read-only; a
size-capped tmpfs as the work folder and /tmp. The template is pid 1 of its namespace, so every
process a job starts dies with it.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

from .backend import RUNNER_DIR, Backend, Launch, python, server_argv, server_config
from .limits import Limits

INSIDE_RUNNER = "/opt/evalkit/sandboxed"
INSIDE_ENV = "/opt/evalkit/env"
INSIDE_WORK = "/work"
_probed: dict[str, tuple[list[str], bool] | None] = {}


def bwrap_path() -> str | None:
    """The bubblewrap executable ($EVALKIT_BWRAP, else bwrap on PATH), or None."""
    override = os.environ.get("EVALKIT_BWRAP")
    if override is not None:
        return override if os.path.isfile(override) and os.access(override, os.X_OK) else None
    return shutil.which("bwrap")


def probe(bwrap: str) -> tuple[list[str], bool] | None:
    """(namespace flags, tmpfs sizes supported) this machine's bubblewrap accepts for the real
    sandbox command line (probed once by starting the interpreter in it), or None if unusable."""
    if bwrap in _probed:
        return _probed[bwrap]
    candidates = [
        ["--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534", "--disable-userns",
         "--cap-drop", "ALL"],
        ["--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534", "--cap-drop", "ALL"],
        ["--unshare-all", "--cap-drop", "ALL"],
        ["--unshare-all"],
    ]
    exe, _ = python()
    found = None
    for flags in candidates:
        for sized in (True, False):  # --size needs bubblewrap >= 0.8
            cmd = [*bwrap_argv(bwrap, Limits(), None, (flags, sized)), exe, "-I", "-S", "-c", "pass"]
            try:
                if subprocess.run(cmd, capture_output=True, timeout=20).returncode == 0:
                    found = (flags, sized)
                    break
            except (OSError, subprocess.TimeoutExpired):
                continue
        if found:
            break
    _probed[bwrap] = found
    return found


def _system_binds() -> list[str]:
    args: list[str] = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for etc in ("/etc/ld.so.cache", "/etc/fonts", "/etc/localtime", "/etc/alternatives"):
        args += ["--ro-bind-try", etc, etc]
    return args


def bwrap_argv(bwrap: str, limits: Limits, env_site: Path | None,
               probed: tuple[list[str], bool] | None = None) -> list[str]:
    """The bubblewrap command line up to ``--``: what the sandbox sees and what it may write."""
    exe, prefix = python()
    flags, sized = probed or probe(bwrap) or ([], False)

    def tmpfs(path: str, mb: int) -> list[str]:
        return (["--size", str(mb * 1024 * 1024)] if sized else []) + ["--tmpfs", path]

    argv = [bwrap, *flags, "--die-with-parent", "--new-session", "--as-pid-1",
            "--hostname", "sandbox", *_system_binds(),
            "--proc", "/proc", "--dev", "/dev",
            *tmpfs("/dev/shm", limits.tmp_mb), *tmpfs("/tmp", limits.tmp_mb), *tmpfs(INSIDE_WORK, limits.work_mb)]
    bound = ["/usr"]
    if not prefix.startswith("/usr/"):
        argv += ["--ro-bind", prefix, prefix]
        bound.append(prefix)
    exe_dir = os.path.dirname(exe)
    if not any(exe_dir == b or exe_dir.startswith(b + "/") for b in bound):
        argv += ["--ro-bind", exe_dir, exe_dir]
        bound.append(exe_dir)
    # the interpreter's own site-packages (evalkit's deps, the user's packages) stay hidden
    hidden = [*site.getsitepackages(), site.getusersitepackages() or ""]
    for sp in hidden:
        if sp and os.path.isdir(sp) and any(sp.startswith(b + "/") for b in bound):
            argv += ["--tmpfs", sp]
    argv += ["--ro-bind", str(RUNNER_DIR), INSIDE_RUNNER]
    if env_site is not None:
        argv += ["--ro-bind", str(env_site), INSIDE_ENV]
    # the root and /dev are bwrap's own tmpfs: read-only, so /work, /tmp and /dev/shm (all size-capped
    # and wiped after every job) are the only writable places
    argv += ["--remount-ro", "/dev", "--remount-ro", "/"]
    argv += ["--chdir", INSIDE_WORK, "--clearenv", "--setenv", "PATH", "/usr/bin:/bin",
             "--setenv", "PYTHONHASHSEED", "0", "--"]
    return argv


class BwrapBackend(Backend):
    name = "bwrap"
    own_user_ns = True  # (RLIMIT_NPROC then counts only the sandbox user's processes)

    def available(self) -> bool:
        bwrap = bwrap_path()
        return bwrap is not None and sys.platform.startswith("linux") and probe(bwrap) is not None

    def unavailable_reason(self) -> str:
        if bwrap_path() is None:
            return "bubblewrap is not installed"
        return "bubblewrap cannot create namespaces here"

    def describe(self) -> str:
        return "bubblewrap namespaces: no network, read-only system, size-capped private work folder"

    def launch(self, limits: Limits, env_site: Path | None) -> Launch:
        bwrap = bwrap_path()
        assert bwrap is not None
        workdir, tmpdir = INSIDE_WORK, "/tmp"
        cfg = server_config(workdir, tmpdir, {"pid1": True, "wipe": ["/dev/shm"]},
                            [INSIDE_ENV] if env_site else [], env_site)
        argv = [*bwrap_argv(bwrap, limits, env_site), *server_argv(f"{INSIDE_RUNNER}/server.py", cfg)]
        return Launch(argv=argv, cwd="/", workdir=workdir, tmpdir=tmpdir)


BWRAP = BwrapBackend()
