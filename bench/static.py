"""Static scoring throughput: 200-line Snake responses scored per second on one core.

    python bench/static.py [--n 300] [--profile] [--workers 2]

Every response is distinct (a varying constant and comment), so the per-process parse caches
cannot turn the benchmark into a cache-hit test. Prints responses/s and the ratio to the target
(200/s). ``--profile`` prints the top cProfile entries; ``--workers N`` also times a process
pool (scorers are pure, module-level functions, so they pickle).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evalkit.scorers import score_response  # noqa: E402
from evalkit.suites import load_suites  # noqa: E402

TARGET = 200.0
FIXTURE = ROOT / "tests" / "fixtures" / "responses" / "snake_tuned.md"


def make_responses(n: int) -> list[str]:
    base = FIXTURE.read_text(encoding="utf-8")
    head, rest = base.split("```python\n", 1)
    code, tail = rest.split("```", 1)
    # pad to ~200 lines of response: extra helpers in the code, a few lines of prose
    extra = "\n".join(
        f"def helper_{k}(a, b):\n    if a > b:\n        return a - b\n    return b - a\n" for k in range(12)
    )
    out = []
    for i in range(n):
        c = code.replace("BASE_FPS = 10", f"BASE_FPS = {10 + i % 7}  # variant {i}")
        out.append(f"{head}```python\n{c}\n{extra}\n```{tail}\nVariant {i} keeps the score on screen.\n")
    return out


def _score_one(args):
    task, text = args
    return len(score_response(task, text, execute=False))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--workers", type=int, default=0)
    a = ap.parse_args(argv)
    task = load_suites(["snake"])[0].tasks[0]
    texts = make_responses(a.n)
    lines = texts[0].count("\n") + 1
    score_response(task, make_responses(1)[0].replace("variant", "warm-up"), execute=False)  # grammars, imports

    prof = cProfile.Profile() if a.profile else None
    t0 = time.process_time()
    w0 = time.perf_counter()
    if prof:
        prof.enable()
    for t in texts:
        score_response(task, t, execute=False)
    if prof:
        prof.disable()
    cpu = time.process_time() - t0
    wall = time.perf_counter() - w0
    rate = a.n / cpu
    print(f"static scoring: {a.n} responses of {lines} lines, {cpu:.2f} s CPU ({wall:.2f} s wall)")
    print(f"  {rate:.0f} responses/s per core  (target {TARGET:.0f}/s: ratio {rate / TARGET:.2f})")
    # a machine-speed reference, so figures from different machines can be compared
    t1 = time.process_time()
    for _ in range(5):
        sum(range(10**6))
    ref = (time.process_time() - t1) / 5 * 1000
    print(f"  reference: sum(range(10**6)) takes {ref:.1f} ms of CPU here (a typical 2020s laptop core: ~12 ms)")
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    if a.workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(a.workers) as pool:
            # warm every worker first (imports, grammars): the steady state is what scales
            list(pool.map(_score_one, [(task, t.replace("variant", "warm")) for t in texts[: 4 * a.workers]]))
            w0 = time.perf_counter()
            list(pool.map(_score_one, [(task, t.replace("variant", "pool")) for t in texts], chunksize=8))
            pw = time.perf_counter() - w0
        print(f"  pool of {a.workers}: {a.n / pw:.0f} responses/s wall (single-core wall {a.n / wall:.0f}/s,"
              f" speed-up {wall / pw:.2f}x on {os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
