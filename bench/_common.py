"""Shared bits for the benchmarks: run from the repo root, e.g. `python bench/generation.py`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def report(name: str, figure: float, unit: str, target: str, ratio: float, ok: bool) -> None:
    print(f"{name:<44} {figure:>10.3f} {unit:<10} target {target:<14} ratio {ratio:6.3f}  {'OK' if ok else 'MISS'}",
          flush=True)


def start_fake_server(latency: float) -> tuple[subprocess.Popen, str]:
    """The loopback model server in its own process, so it does not share our GIL."""
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "fake_server.py"), str(latency)],
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = proc.stdout.readline().strip()
    return proc, url
