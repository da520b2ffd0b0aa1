"""The dependency folder generated programs may import from (pygame first).

It is a plain ``pip install --target`` folder, separate from evalkit's own environment and from
the user's project: inside the sandbox it is the only thing on ``sys.path`` besides the standard
library and the work folder. Location: ``$EVALKIT_SANDBOX_ENV`` or
``~/.cache/evalkit/sandbox-env/py3.X``. Created by ``evalkit setup-sandbox`` (or on first use).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .errors import EvalkitError

PACKAGES = ("pygame>=2.5",)
MARKER = "evalkit-sandbox-env.json"


def env_dir() -> Path:
    override = os.environ.get("EVALKIT_SANDBOX_ENV")
    if override:
        return Path(override).expanduser()
    tag = f"py{sys.version_info.major}.{sys.version_info.minor}"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "evalkit" / "sandbox-env" / tag


def ready_dir() -> Path | None:
    """The folder, if a completed setup left its marker there."""
    d = env_dir()
    return d if (d / MARKER).is_file() else None


def setup(packages: tuple[str, ...] = PACKAGES, *, quiet: bool = False) -> Path:
    """Install `packages` into a fresh folder with pip, then swap it into place atomically."""
    dest = env_dir()
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=dest.parent))
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
            f"could not install {', '.join(packages)} into the sandbox environment {dest}"
            f"{': ' + detail[0] if detail else ''}; check network/pip settings and run `evalkit setup-sandbox` again"
        )
    (staging / MARKER).write_text(json.dumps({"packages": list(packages), "python": sys.version.split()[0]}))
    old = None
    if dest.exists():
        old = dest.with_name(dest.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        dest.rename(old)
    staging.rename(dest)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return dest


def ensure(auto_setup: bool | None = None) -> Path | None:
    """The ready folder; sets it up on first use unless EVALKIT_SANDBOX_AUTO_SETUP=0."""
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
    print(f"sandbox environment ready: {d}")
    from .sandbox import describe_isolation

    print(describe_isolation())
    return 0
