"""Peak RSS of `evalkit score` at 1k and 10k responses: flat memory (responses stream from the store).

Target (issue 6): under 400 MB at 10,000 responses and sublinear growth (10k/1k well below 10x).
Static scoring only (--no-exec): executing 10k programs measures the sandbox, not memory growth.
Usage: python bench/memory.py [--sizes 1000 10000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import report

TASKS = ["grid_move", "validate_coords", "grid_collision", "item_stats", "game_state"]


def response(i: int) -> str:
    """A ~200-line answer: a little prose around a long, valid Python program."""
    body = "\n".join(f"def helper_{i}_{k}(x, y):\n    if x > y:\n        return x - y\n    return y - x + {k}\n"
                     for k in range(40))
    return (f"Here is a solution (variant {i}). It uses `move` and handles edge cases.\n\n```python\n"
            f"def move(x, y, direction, cell_size):\n    return (x + direction[0] * cell_size, "
            f"y + direction[1] * cell_size)\n\n{body}\n```\n\nRun it with `python solution.py`.\n")


def measure(n: int, tmp: Path) -> tuple[float, float]:
    path = tmp / f"r{n}.jsonl"
    with open(path, "w") as f:
        for i in range(n):
            model = "base" if i % 2 else "tuned"
            f.write(json.dumps({"model": model, "task_id": TASKS[(i // 2) % 5], "sample": i // 10,
                                "response": response(i)}) + "\n")
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "evalkit", "score", "--responses", str(path), "--suite", "seed",
                           "--no-exec", "--no-progress", "--db", str(tmp / f"db{n}.sqlite"),
                           "--out", str(tmp / f"out{n}")], capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(proc.stderr)
    # the largest single process among `evalkit score` and its scoring workers (Linux reports KiB)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return peak_mb, wall


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    args = ap.parse_args()
    peaks = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:  # smallest first: RUSAGE_CHILDREN keeps the maximum so far
            peak, wall = measure(n, Path(tmp))
            peaks[n] = peak
            report(f"evalkit score peak RSS, {n} responses", peak, "MB", "< 400 MB", peak / 400, peak < 400)
            print(f"    ({wall:.1f} s wall, {n / wall:.0f} responses/s end to end incl. reports)")
    if len(peaks) >= 2:
        lo, hi = min(peaks), max(peaks)
        growth = peaks[hi] / peaks[lo]
        report(f"RSS growth {lo} -> {hi} responses", growth, "x", f"< {hi / lo:.0f}x (sublinear)",
               growth / (hi / lo), growth < hi / lo)


if __name__ == "__main__":
    main()
