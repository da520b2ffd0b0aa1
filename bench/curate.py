"""`evalkit curate` on N generated examples: wall time and peak memory.

    python bench/curate.py [--n 100000] [--workers 2] [--keep]

Targets (issue 14): 100,000 examples curated (static scores, dedup, decontamination) in <= 10
minutes on this 2-core machine, peak memory <= 1 GB. The examples are generated (seeded) in three
schemas and sizes like the datasets the plan names: short Alpaca answers (5-15 code lines),
chat answers with prose (15-30 lines), and problems with a 20-40 line stdin/stdout solution and
tests. About 5% are exact duplicates, 5% near-duplicates, 3% verbose, 2% syntax errors and 0.5%
HumanEval copies, so every stage does real work. Every identifier is random: no cache hits.

Memory is the peak over the run of the sum of the resident sets of evalkit and its scoring
workers (read from /proc every 0.2 s), and the largest single process (getrusage).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import ROOT, report

sys.path.insert(0, str(ROOT))

SYL = ["ka", "to", "ri", "ne", "mu", "sa", "lo", "pe", "di", "vu", "go", "ba", "xi", "fe", "ju", "zo", "qa", "wy"]
PROSE = ("this function walks over the input once and keeps a running value so the result is ready at the end "
         "which keeps it fast for large inputs and easy to read").split()


def word(rng):
    return "".join(rng.choice(SYL) for _ in range(rng.randint(3, 4)))


def code(rng, lines: int) -> str:
    name, a, b = word(rng), word(rng), word(rng)
    out = [f"def {name}({a}, {b}):", f'    """{" ".join(word(rng) for _ in range(8))}."""', "    total = 0"]
    prev = a
    for _ in range(max(lines - 4, 1)):
        v = word(rng)
        out.append(rng.choice([f"    {v} = {prev} * {rng.randint(2, 99)} + {b}",
                               f"    {v} = max({prev}, {b}) - {rng.randint(1, 50)}",
                               f"    for {v} in range({rng.randint(2, 9)}):\n        total += {v} * {prev}",
                               f"    if {prev} > {b}:\n        {v} = {prev} - {b}\n    else:\n        {v} = {b}"]))
        prev = v if "for" not in out[-1] else prev
    out.append(f"    return {prev} + total")
    return "\n".join(out)


def sentence(rng, n):
    return " ".join(rng.choice(PROSE) for _ in range(n))


def generate(root: Path, n: int) -> list[Path]:
    from evalkit import humaneval

    rng = random.Random(14)
    he = [humaneval.problem(f"HumanEval/{i}") for i in range(164)]
    files = {"alpaca": open(root / "code_alpaca.jsonl", "w"), "chat": open(root / "chat.jsonl", "w"),
             "problems": open(root / "problems.jsonl", "w")}
    recent: list[tuple[str, str, str]] = []
    for i in range(n):
        kind = ("alpaca", "chat", "problems")[i % 3]
        roll = rng.random()
        if roll < 0.05 and recent:
            kind, prompt, ans = rng.choice(recent)                       # exact duplicate
        elif roll < 0.10 and recent:
            kind, prompt, ans = rng.choice(recent)
            ans = ans.replace("\n```\n", f"\n# {word(rng)}\n```\n", 1)      # near-duplicate
        elif roll < 0.13:
            prompt, ans = f"Explain {word(rng)}.", sentence(rng, 250) + f"\n\n```python\n{code(rng, 4)}\n```\n"
        elif roll < 0.15:
            prompt, ans = f"Write {word(rng)}.", f"```python\ndef {word(rng)}(a b):\n    return\n```\n"
        elif roll < 0.155:
            p = rng.choice(he)
            prompt, ans = p["prompt"], f"```python\n{p['prompt']}{p['canonical_solution']}```\n"
        else:
            lines = {"alpaca": rng.randint(5, 15), "chat": rng.randint(15, 30), "problems": rng.randint(20, 40)}[kind]
            prompt = f"Write a function that {sentence(rng, 12)} ({word(rng)})."
            body = code(rng, lines)
            ans = (f"```python\n{body}\n```\n" if kind != "chat" else
                   f"{sentence(rng, 15)}\n\n```python\n{body}\n```\n\n{sentence(rng, 20)}\n")
        recent = (recent + [(kind, prompt, ans)])[-500:]
        f = files[kind]
        if kind == "alpaca":
            f.write(json.dumps({"instruction": prompt, "input": "", "output": ans}) + "\n")
        elif kind == "chat":
            f.write(json.dumps({"messages": [{"role": "user", "content": prompt},
                                             {"role": "assistant", "content": ans}]}) + "\n")
        else:
            sol = ans.split("```python\n", 1)[-1].rsplit("```", 1)[0] if "```python" in ans else ans
            f.write(json.dumps({"question": prompt, "solutions": json.dumps([sol]),
                                "input_output": json.dumps({"inputs": ["1\n"], "outputs": ["2\n"]})}) + "\n")
    for f in files.values():
        f.close()
    return [root / "code_alpaca.jsonl", root / "chat.jsonl", root / "problems.jsonl"]


def _tree_rss_kb(pid: int) -> int:
    """Resident KiB of a process and all its descendants (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                total += next((int(ln.split()[1]) for ln in f if ln.startswith("VmRSS:")), 0)
            for t in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (t / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the generated data and outputs (prints the folder)")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="curate-bench-"))
    t0 = time.perf_counter()
    inputs = generate(tmp, a.n)
    print(f"generated {a.n} examples in {time.perf_counter() - t0:.1f} s ({sum(p.stat().st_size for p in inputs) / 1e6:.0f} MB)")
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "evalkit", "curate", *map(str, inputs), "--out", str(tmp / "out"),
                             "--workers", str(a.workers), "--no-progress"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    peak = [0]

    def watch():
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            time.sleep(0.2)

    th = threading.Thread(target=watch, daemon=True)
    th.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    th.join()
    if proc.returncode != 0:
        sys.exit(err)
    print(out.strip())
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    largest, cpu = usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime
    stats = json.loads((tmp / "out" / "stats.json").read_text())
    print(f"    dropped by reason: {stats['dropped_by_reason']}")
    report(f"curate {a.n} examples, {a.workers} workers", wall, "s", "<= 600 s", wall / 600 * (100_000 / a.n),
           wall * 100_000 / a.n <= 600)
    print(f"    {a.n / wall:.0f} examples/s end to end (ratio scaled to 100,000 examples); CPU {cpu:.0f} s in all "
          f"({cpu / a.n * 1000:.2f} ms per example): on {a.workers} otherwise idle cores about "
          f"{cpu / a.workers * 100_000 / a.n:.0f} s for 100,000 (load average now {os.getloadavg()[0]:.1f})")
    report("peak RSS, evalkit + workers (sum)", peak[0] / 1024, "MB", "<= 1024 MB", peak[0] / 1024 / 1024,
           peak[0] / 1024 <= 1024)
    print(f"    largest single process {largest:.0f} MB")
    if a.keep:
        print(f"data and outputs kept in {tmp}")
    else:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
