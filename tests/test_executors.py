"""Scoring executors: in-process, a process pool and a real local Ray cluster give the same scores."""

import csv
import json
import os
import shutil
import socket
import subprocess
import sys

import pytest
from conftest import MINI_SUITES

RESPONSES = [
    {"model": m, "task_id": "add", "sample": s,
     "response": f"Sure:\n```python\ndef add(a, b):\n    return a {'+' if m == 'tuned' else '-'} b\n```\n"}
    for m in ("base", "tuned") for s in range(3)
]


def scores(path):
    with open(path) as f:
        return sorted((r["model"], r["task_id"], r["sample"], r["metric"], r["value"]) for r in csv.DictReader(f)
                      if r["metric"] not in ("latency_s",))


def score(workdir, out, *extra):
    cmd = [sys.executable, "-m", "evalkit", "score", "--responses", "r.jsonl", "--suite", "mini", "--suites-dir",
           str(MINI_SUITES), "--no-progress", "--db", f"{out}.sqlite", "--out", out, *extra]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return scores(workdir / out / "scores.csv")


@pytest.fixture
def responses(workdir):
    (workdir / "r.jsonl").write_text("\n".join(json.dumps(r) for r in RESPONSES) + "\n")
    return workdir


def test_pool_and_inline_agree(responses):
    inline = score(responses, "inline", "--workers", "1")
    pool = score(responses, "pool", "--workers", "2")
    assert inline == pool
    passed = {(m, s): v for m, t, s, metric, v in inline if metric == "tests_pass"}
    assert passed[("tuned", "0")] == "1.0" and passed[("base", "0")] == "0.0"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ray_cluster_gives_the_same_scores(responses):
    pytest.importorskip("ray", reason="Ray is not installed (pip install 'evalkit[ray]')")
    ray_bin = shutil.which("ray") or os.path.join(os.path.dirname(sys.executable), "ray")
    port = free_port()
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    start = subprocess.run([ray_bin, "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}",
                            "--num-cpus=2", "--include-dashboard=false", "--disable-usage-stats"],
                           capture_output=True, text=True, env=env, timeout=180)
    assert start.returncode == 0, start.stderr
    try:
        on_ray = score(responses, "ray", "--executor", "ray", "--ray-address", f"127.0.0.1:{port}")
    finally:
        subprocess.run([ray_bin, "stop", "--force"], capture_output=True, env=env, timeout=120)
    assert on_ray == score(responses, "local", "--workers", "1")


def test_a_chunk_of_responses_is_linted_by_one_ruff_run_with_the_same_scores():
    """score_run hands workers a few responses at a time; quality's pre-pass lints them together."""
    from evalkit import lint, pipeline
    from evalkit.scorers import quality
    from evalkit.suites import load_suites

    task = load_suites(["snake"])[0].tasks[0]
    texts = [f"Here:\n```python\nimport os\nx{i} = undefined_{i}\nprint(x{i})\n```\n" for i in range(5)]
    args = [(task, t, None, False, "auto", None, None) for t in texts]
    runs = []
    real_run = lint._run

    def counting(cmd, stdin=None):
        runs.append(stdin is None)  # True: a batch run over a folder, False: one block on stdin
        return real_run(cmd, stdin)

    lint._CACHE.clear()
    quality.analyse.cache_clear()
    lint._run = counting
    try:
        chunked = pipeline._score_chunk(args)
        assert runs == [True]  # one ruff run for the five responses
        lint._CACHE.clear()
        quality.analyse.cache_clear()  # its memo would answer without linting again
        runs.clear()
        alone = [pipeline._score_one(*a) for a in args]
        assert runs == [False] * 5
    finally:
        lint._run = real_run
    as_rows = lambda res: [[(s.metric, s.value, s.details) for s in scores] for scores, _keep in res]  # noqa: E731
    assert as_rows(chunked) == as_rows(alone)
    lint_of = [next(s for s in scores if s.metric == "lint_findings") for scores, _ in chunked]
    assert [d.value for d in lint_of] == [2.0] * 5  # the unused import and the undefined name, in each


def test_chunks_keep_every_item_once_in_order():
    from evalkit.pipeline import _chunks

    got = list(_chunks(((k, (k * 10,)) for k in range(7)), 3))
    assert [keys for keys, _ in got] == [(0, 1, 2), (3, 4, 5), (6,)]
    assert [args for _, (args,) in got] == [[(0,), (10,), (20,)], [(30,), (40,), (50,)], [(60,)]]
