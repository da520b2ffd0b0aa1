"""The dependency folder generated programs may import from (pygame first).

It is a plain ``pip install --target`` folder, separate from evalkit's own environment and from
the user's project: inside the sandbox it is the only thing on ``sys.path`` besides the standard
library and the work folder. Location: ``$EVALKIT_SANDBOX_ENV`` or
``~/.cache/evalkit/sandbox-env/py3.X``. Created by ``evalkit setup-sandbox`` (or on first use).
Each setup builds a new version beside the one in use and switches to it atomically, so scoring
that runs meanwhile never sees a half-built or missing environment.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .errors import EvalkitError

PACKAGES = ("pygame>=2.5", "flask>=3", "fastapi>=0.110", "uvicorn>=0.29")  # web APIs: apps suite
PROVIDES = ("pygame", "flask", "fastapi", "uvicorn")  # top-level modules the env is there for: their absence is the env's fault
MARKER = "evalkit-sandbox-env.json"
CURRENT = "current"        # symlink to the version in use; replaced by an atomic rename
IN_USE = ".in-use"         # in each version: users hold a shared lock on it, clean-up an exclusive one
KEEP_BUILDING_S = 6 * 3600  # an unfinished build this old (its evalkit died) may be removed
_collected = False


def env_dir() -> Path:
    override = os.environ.get("EVALKIT_SANDBOX_ENV")
    if override:
        return Path(override).expanduser()
    tag = f"py{sys.version_info.major}.{sys.version_info.minor}"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "evalkit" / "sandbox-env" / tag


def ready_dir() -> Path | None:
    """The folder of the environment in use, if a completed setup left its marker there.

    Layout: env_dir()/v-<stamp>/ holds one complete install; env_dir()/current points at the one
    in use. A template binds the version folder itself, so a rebuild never changes what a
    running template sees (an older layout, the install directly in env_dir(), is still read)."""
    root = env_dir()
    try:
        target = root / os.readlink(root / CURRENT)
    except OSError:
        target = None
    if target is not None and (target / MARKER).is_file():
        return target
    return root if (root / MARKER).is_file() else None


def acquire() -> tuple[Path | None, int | None]:
    """(ready folder, lease) for a template's lifetime: while the lease is held no clean-up
    removes that folder. Give the lease back with release()."""
    for _ in range(5):
        d = ready_dir()
        if d is None or d == env_dir():  # the older layout has no versions to protect
            return d, None
        try:
            fd = os.open(d / IN_USE, os.O_RDONLY | os.O_CREAT, 0o644)
        except OSError:
            return d, None
        fcntl.flock(fd, fcntl.LOCK_SH)
        if (d / MARKER).is_file():  # not retired between our look and our lock
            return d, fd
        os.close(fd)
    return ready_dir(), None


def release(lease: int | None) -> None:
    if lease is not None:
        try:
            os.close(lease)
        except OSError:
            pass


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def collect_garbage(root: Path | None = None) -> list[str]:
    """Remove versions no template uses any more (and builds whose evalkit died); returns their names."""
    root = root or env_dir()
    current = ready_dir()
    removed = []
    try:
        entries = list(root.iterdir())
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if name.startswith(".building-"):
            pid = name.rsplit("-", 1)[-1]
            stale = not (pid.isdigit() and _pid_alive(int(pid)))
            try:
                stale = stale or time.time() - entry.stat().st_mtime > KEEP_BUILDING_S
            except OSError:
                continue
            if stale:
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(name)
            continue
        if not name.startswith("v-") or entry == current or not entry.is_dir() or entry.is_symlink():
            continue
        try:
            fd = os.open(entry / IN_USE, os.O_RDONLY | os.O_CREAT, 0o644)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # a running template still uses it: it goes when its users have ended
            os.close(fd)
            continue
        try:
            (entry / MARKER).unlink(missing_ok=True)  # from here no one can lease it
            trash = root / f".trash-{name}-{os.getpid()}"
            entry.rename(trash)
            shutil.rmtree(trash, ignore_errors=True)
            removed.append(name)
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


def _retire_old_layout(root: Path) -> None:
    """The install that lived directly in env_dir() before versions: remove it once `current` is set."""
    if not (root / MARKER).is_file():
        return
    (root / MARKER).unlink(missing_ok=True)
    for entry in root.iterdir():
        if entry.name == CURRENT or entry.name.startswith(("v-", ".building-", ".current-", ".trash-")):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def setup(packages: tuple[str, ...] = PACKAGES, *, quiet: bool = False) -> Path:
    """Install `packages` into a new version folder beside the one in use, then switch `current`
    to it with one atomic rename. Templates already running keep the folder they started with;
    it is removed once none uses it (collect_garbage, run here and on first use)."""
    root = env_dir()
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", suffix=f"-{os.getpid()}", dir=root))
    cmd = [
        sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
        # wheels only: building an sdist would run third-party setup code on the host
        "--only-binary", ":all:", "--target", str(staging), *packages,
    ]
    if quiet:
        cmd.insert(4, "--quiet")
    proc = subprocess.run(cmd, capture_output=quiet, text=True)
    if proc.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        detail = (proc.stderr or "").strip().splitlines()[-1:] if quiet else []
        raise EvalkitError(
            f"could not install {', '.join(packages)} into the sandbox environment {root}"
            f"{': ' + detail[0] if detail else ''}; check network/pip settings and run `evalkit setup-sandbox` again"
        )
    (staging / MARKER).write_text(json.dumps({"packages": list(packages), "python": sys.version.split()[0]}))
    lease = os.open(staging / IN_USE, os.O_RDONLY | os.O_CREAT, 0o644)
    fcntl.flock(lease, fcntl.LOCK_SH)  # a clean-up running meanwhile must not take the new version
    try:
        version = root / f"v-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
        staging.rename(version)
        link = root / f".current-{secrets.token_hex(4)}"
        os.symlink(version.name, link)
        os.replace(link, root / CURRENT)  # the switch: one rename, never a moment without an env
    finally:
        release(lease)
    _retire_old_layout(root)
    collect_garbage(root)
    return version


def ensure(auto_setup: bool | None = None) -> Path | None:
    """The ready folder; sets it up on first use unless EVALKIT_SANDBOX_AUTO_SETUP=0."""
    global _collected
    if not _collected:  # once per process: versions left by an earlier rebuild, now unused
        _collected = True
        collect_garbage()
    d = ready_dir()
    if d is not None:
        return d
    if auto_setup is None:
        auto_setup = os.environ.get("EVALKIT_SANDBOX_AUTO_SETUP", "1") != "0"
    if not auto_setup:
        return None
    try:
        print(f"evalkit: preparing the sandbox environment in {env_dir()} (first use)...", file=sys.stderr)
        return setup(quiet=True)
    except EvalkitError as exc:
        print(f"evalkit: warning: {exc}", file=sys.stderr)
        return None


def setup_command() -> int:
    """`evalkit setup-sandbox`: (re)create the dependency folder and say where it is."""
    d = setup()
    print(f"sandbox environment ready: {d}")  # (`evalkit setup-sandbox` then prints the isolation level)
    return 0
