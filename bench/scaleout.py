"""Scoring speed-up on this machine: one process vs a local process pool vs a local Ray cluster.

Scores the same responses (seed suite, with sandboxed execution) three ways and prints the scoring
stage's throughput and the speed-up over one process (target: near-linear on 2 cores). The Ray
figure includes connecting to the cluster and shipping work to its workers.
Usage: python bench/scaleout.py [--responses 120] [--no-ray]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from _common import report

from evalkit import pipeline
from evalkit.store import Store
from evalkit.suites import load_suites

ANSWERS = {
    "grid_move": "def move(x, y, direction, cell_size):\n    return (x + direction[0] * cell_size, "
                 "y + direction[1] * cell_size)\n",
    "validate_coords": "def validate_coords(x, y, width, height):\n    return 0 <= x < width and 0 <= y < height\n",
    "item_stats": "def speed_multiplier(item):\n    return float(((item or {}).get('stats') or {}).get('speed', 1.0))\n",
}


def score(tmp: Path, name: str, **kw) -> float:
    """Wall time of the scoring stage alone (import and reports are not what scales out)."""
    store = Store(tmp / f"{name}.sqlite")
    run_id = pipeline.import_responses(store, tmp / "r.jsonl", ["seed"])
    suites = load_suites(["seed"])
    start = time.perf_counter()
    n = pipeline.score_run(store, run_id, suites, progress=False, **kw)
    assert n > 0
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--responses", type=int, default=120)
    ap.add_argument("--no-ray", action="store_true")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp_:
        tmp = Path(tmp_)
        with open(tmp / "r.jsonl", "w") as f:
            for i in range(args.responses):
                task = list(ANSWERS)[i % len(ANSWERS)]
                f.write(json.dumps({"model": "m", "task_id": task, "sample": i // len(ANSWERS),
                                    "response": f"```python\n{ANSWERS[task]}# variant {i}\n```\n"}) + "\n")
        one = score(tmp, "one", workers=1)
        report(f"scoring {args.responses} responses, 1 process", args.responses / one, "resp/s", "baseline", 1.0, True)
        pool = score(tmp, "pool", workers=cores)
        report(f"  process pool of {cores}", args.responses / pool, "resp/s", f"~{cores}x", one / pool / cores,
               one / pool >= 0.8 * cores)
        ray_bin = shutil.which("ray")
        if args.no_ray or ray_bin is None:
            print("  ray: skipped (pip install 'evalkit[ray]')")
            return
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
        subprocess.run([ray_bin, "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}",
                        f"--num-cpus={cores}", "--include-dashboard=false", "--disable-usage-stats"],
                       check=True, capture_output=True, env=env)
        try:
            on_ray = score(tmp, "ray", executor="ray", ray_address=f"127.0.0.1:{port}")
        finally:
            import ray

            ray.shutdown()  # leave the cluster before stopping it, or the driver reports a dead raylet
            subprocess.run([ray_bin, "stop", "--force"], capture_output=True, env=env)
        report(f"  ray, local cluster of {cores} CPUs", args.responses / on_ray, "resp/s", f"~{cores}x",
               one / on_ray / cores, one / on_ray >= 0.8 * cores)


if __name__ == "__main__":
    main()
