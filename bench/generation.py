"""Generation overhead: wall time / ideal (requests x L / concurrency) against a loopback server.

Target (issue 2 and 6): <= 1.10 at 400 and 4,000 requests, concurrency 16.
Usage: python bench/generation.py [--latency 0.1] [--requests 400] [--concurrency 1,4,16] [--stream/--no-stream]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _common import report, start_fake_server

from evalkit import pipeline
from evalkit.config import ModelSpec
from evalkit.generate import GenerationSettings
from evalkit.store import Store
from evalkit.suites import Suite, Task


def store_writes(n: int = 4000) -> None:
    """The store's write path alone: one committed response (plus its run slot) per save."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "db.sqlite")
        store.create_run("r", evalkit_version="bench", config={}, suites={}, models={})
        text = "x = 1\n" * 200
        start = time.perf_counter()
        for i in range(n):
            store.save_and_link("r", "m", {"cache_key": str(i), "provider": "openai", "model": "m", "suite": "s",
                                           "task_id": "t", "sample": i, "text": text})
        rate = n / (time.perf_counter() - start)
    # at concurrency 16 and L=0.5s responses arrive at 32/s: the store must be far faster than that
    report("store writes (commit per response)", rate, "resp/s", ">= 1000/s", rate / 1000, rate >= 1000)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--latency", type=float, default=0.5)
    ap.add_argument("--requests", type=int, nargs="+", default=[400])
    ap.add_argument("--concurrency", default="1,4,16")
    ap.add_argument("--provider", choices=["openai", "ollama"], default="openai")
    ap.add_argument("--no-stream", action="store_true")
    args = ap.parse_args()
    store_writes()
    proc, url = start_fake_server(args.latency)
    try:
        for n in args.requests:
            for c in [int(x) for x in args.concurrency.split(",")]:
                if c == 1 and n * args.latency > 600:
                    continue  # serial runs of thousands of requests only measure sleep
                suite = Suite("bench", "1", "", (Task("bench", "t", "say hi"),))
                model = ModelSpec("m", args.provider, "tuned" if args.provider == "openai" else "qwen3-vl:8b",
                                  url + ("/v1" if args.provider == "openai" else ""), stream=not args.no_stream)
                with tempfile.TemporaryDirectory() as tmp:
                    store = Store(Path(tmp) / "db.sqlite")
                    settings = GenerationSettings(samples=n, concurrency=c, progress=False, seed=None)
                    start = time.perf_counter()
                    out = pipeline.generate_run(store, [model], [suite], settings)
                    wall = time.perf_counter() - start
                    assert out.generation.sent == n and out.generation.failed == 0
                ideal = n * args.latency / c
                report(f"generation n={n} c={c} L={args.latency}s", wall, "s wall", "<= 1.10 x ideal",
                       wall / ideal, wall / ideal <= 1.10)
    finally:
        proc.terminate()


if __name__ == "__main__":
    main()
