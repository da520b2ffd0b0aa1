"""Static scoring throughput: 200-line Snake responses scored per second on one core.

    python bench/static.py [--n 300] [--batch 100] [--profile] [--stages] [--workers 2]

Two figures, each against 200/s per core: an evaluation's static scoring (syntax, ratio, claims,
features and quality against the Snake task's rubric), and `evalkit curate`'s (syntax, ratio and
quality: the task-independent scorers, as curate scores every example; no rubric).

Every response is distinct (a varying constant and comment), so the per-process parse caches
cannot turn the benchmark into a cache-hit test. Responses are scored in batches of ``--batch``
as a scoring run does: the quality scorer's pre-pass (``quality.prepare``) lints a batch with one
ruff process, then each response is scored; ``--batch 1`` scores them one by one (one ruff
process each). "Per core" is responses per CPU-second of this process plus its children (ruff),
so other work on the machine does not count; wall time is printed too. ``--profile`` prints the
top cProfile entries by own time; ``--stages`` the CPU of each stage, measured one at a time on
fresh responses (what each scorer's first reader pays); ``--workers N`` also times a process pool
(scorers are pure, module-level functions, so they pickle).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evalkit.extract import extract  # noqa: E402
from evalkit.scorers import quality, score_response  # noqa: E402
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


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the ruff runs)."""
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + ch.ru_utime + ch.ru_stime


def score_all(task, texts: list[str], batch: int) -> None:
    for i in range(0, len(texts), batch):
        chunk = texts[i:i + batch]
        exs = [extract(t, language_hint=task.language, entry_point=task.entry_point) for t in chunk]
        if batch > 1:
            quality.prepare(exs)
        for t, ex in zip(chunk, exs):
            score_response(task, t, execute=False, extraction=ex)


def curate_all(texts: list[str], batch: int) -> None:
    """The scoring step of `evalkit curate` (evalkit/curate/scoring.py): per batch, the extractions
    and one ruff run, then each example's metrics."""
    from evalkit.curate.inputs import Example
    from evalkit.curate.scoring import metrics_of, prepare

    for i in range(0, len(texts), batch):
        chunk = [Example(id=str(i + k), source="bench", messages=[{"role": "user", "content": "Write Snake."},
                                                                   {"role": "assistant", "content": t}])
                 for k, t in enumerate(texts[i:i + batch])]
        for ex, x in zip(chunk, prepare(chunk, "python")):
            metrics_of(ex, "python", x)


def _report(label: str, n: int, lines: int, batch: int, cpu: float, own: float, wall: float) -> None:
    rate = n / cpu
    print(f"{label}: {n} responses of {lines} lines in batches of {batch}: {cpu:.2f} s CPU"
          f" ({own:.2f} s in this process, {cpu - own:.2f} s in ruff), {wall:.2f} s wall")
    print(f"  {rate:.0f} responses/s per core, {cpu / n * 1000:.1f} ms CPU each; wall {n / wall:.0f}/s"
          f"  (target {TARGET:.0f}/s per core: ratio {rate / TARGET:.2f}, {'OK' if rate >= TARGET else 'MISS'})")


def _timed(fn, *args) -> tuple[float, float, float]:
    """(CPU incl. ruff, CPU of this process, wall) of fn(*args)."""
    c0, own0, w0 = _cpu(), time.process_time(), time.perf_counter()
    fn(*args)
    return _cpu() - c0, time.process_time() - own0, time.perf_counter() - w0


def stages(task, texts: list[str]) -> list[tuple[str, float]]:
    """(stage, ms of CPU per response), each stage timed alone in pipeline order on fresh responses:
    the shared work first (parse, query, index, quality's analysis, the feature checks), then each
    scorer's own remaining work, reading what the earlier stages left in the caches."""
    from evalkit import treesitter
    from evalkit.scorers import features, registry, syntax

    t: dict[str, float] = {}

    def timed(name, fn, *args):
        c0 = _cpu()
        out = fn(*args)
        t[name] = t.get(name, 0.0) + _cpu() - c0
        return out

    exs = [timed("extraction", extract, x, task.language, task.entry_point) for x in texts]
    timed("quality: ruff, batched (its process's CPU)", quality.prepare, exs)
    for ex in exs:
        code, arts = ex.main.code, {"extraction": ex, "sandbox_mode": "auto"}
        timed("syntax: compile()", syntax.python_compile_error, code)
        timed("tree-sitter parse (shared)", treesitter.parse, "python", code)
        timed("tree-sitter query (shared: index, quality, flow)", treesitter.python_captures, code, "ix")
        timed("quality: codemetrics, statistics, findings", quality.analyse, code)
        timed("code index (+ the data flow's program facts)", treesitter.index, "python", code)
        timed("feature checks (+ branch data flow on first read)", features.feature_results, task, ex, arts)
        for sc in registry.scorers():
            if not sc.execute:
                timed(f"scorer {sc.name}: the rest", sc.score, task, ex, arts)
    return [(k, v / len(texts) * 1000) for k, v in t.items()]


def _score_one(args):
    task, text = args
    return len(score_response(task, text, execute=False))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--stages", action="store_true")
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--batch", type=int, default=100)
    a = ap.parse_args(argv)
    task = load_suites(["snake"])[0].tasks[0]
    texts = make_responses(a.n)
    lines = texts[0].count("\n") + 1
    score_response(task, make_responses(1)[0].replace("variant", "warm-up"), execute=False)  # grammars, imports

    prof = cProfile.Profile(time.process_time) if a.profile else None  # CPU time: other jobs do not count
    if prof:
        prof.enable()
    cpu, own, wall = _timed(score_all, task, texts, max(1, a.batch))
    if prof:
        prof.disable()
    _report("static scoring, evaluation (syntax, ratio, claims, features, quality; the Snake rubric)",
            a.n, lines, a.batch, cpu, own, wall)
    curate_all([t.replace("variant", "curate warm-up") for t in texts[:2]], 2)
    cpu, own, wall = _timed(curate_all, [t.replace("variant", "curate") for t in texts], max(1, a.batch))
    _report("static scoring, evalkit curate (syntax, ratio, quality; no rubric)", a.n, lines, a.batch, cpu, own, wall)
    # a machine-speed reference, so figures from different machines can be compared
    t1 = time.process_time()
    for _ in range(5):
        sum(range(10**6))
    ref = (time.process_time() - t1) / 5 * 1000
    print(f"  reference: sum(range(10**6)) takes {ref:.1f} ms of CPU here (a typical 2020s laptop core: ~12 ms)")
    if prof:
        pstats.Stats(prof).sort_stats("tottime").print_stats(30)
    if a.stages:
        rows = stages(task, [x.replace("variant", "stage") for x in texts])
        print("  per stage (ms of CPU per response, one stage at a time):")
        for name, ms in rows:
            print(f"    {ms:6.2f}  {name}")
        print(f"    {sum(ms for _, ms in rows):6.2f}  in all")
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
