"""The bundled demo: data built from its sources, games that really run headless, and `evalkit demo`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from evalkit.paths import DEMO_DIR

PROJECT_DIR = Path(__file__).resolve().parents[1]

SRC = PROJECT_DIR / "tools" / "demo_src"  # build-only sources of the demo responses (not in the wheel)
pygame = pytest.importorskip("pygame", reason="pygame is needed to run the demo games (pip install pygame)")


def test_responses_jsonl_is_built_from_sources():
    tool = PROJECT_DIR / "tools" / "build_demo_data.py"
    r = subprocess.run([sys.executable, str(tool), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    recs = [json.loads(line) for line in (DEMO_DIR / "responses.jsonl").read_text().splitlines()]
    assert [r["model"] for r in recs][:1] == ["base"]          # base first: it is the baseline
    slots = {(r["model"], r["task_id"], r["sample"]) for r in recs}
    assert len(slots) == len(recs) == 96                          # 2 models x 16 tasks (snake, seed, apps) x 3 samples
    for r in recs:
        assert set(r) == {"model", "task_id", "sample", "response"} and r["response"].strip()


GAME_ENV = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "PYGAME_HIDE_SUPPORT_PROMPT": "1"}


def run_game(path: Path, seconds: float) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=seconds,
                              env=GAME_ENV, cwd=path.parent)
    except subprocess.TimeoutExpired:
        return None  # still running: a game loop that did not crash


def test_games_keep_running_headless():
    """The tuned games and base_1 run their loop headless without crashing (started together)."""
    names = ["tuned_0", "tuned_1", "tuned_2", "base_1"]
    procs = {n: subprocess.Popen([sys.executable, str(SRC / "snake" / f"{n}.py")], env=GAME_ENV,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for n in names}
    try:
        time.sleep(3.0)
        alive = {n: p.poll() is None for n, p in procs.items()}
    finally:
        for p in procs.values():
            p.kill()
            p.wait()
    assert all(alive.values()), {n: procs[n].stderr.read()[-500:] for n, ok in alive.items() if not ok}


@pytest.mark.parametrize("name", ["base_0", "base_2"])
def test_base_games_crash_on_the_string_item(name):
    r = run_game(SRC / "snake" / f"{name}.py", 10.0)
    assert r is not None and r.returncode != 0
    assert "AttributeError: 'str' object has no attribute 'get'" in r.stderr


def test_demo_defects_are_in_the_base_code_only():
    base = [(SRC / "snake" / f"base_{i}.py").read_text() for i in range(3)]
    tuned = [(SRC / "snake" / f"tuned_{i}.py").read_text() for i in range(3)]
    assert all("self.direction[0] * self.speed" in b or "* step" in b for b in base)   # moves by speed
    assert all("self.immunity" not in b for b in base)
    assert all("CELL_SIZE" in t and "-= 1" in t for t in tuned)                        # shield counter
    prose = [(SRC / "snake" / f"base_{i}.md").read_text() for i in range(3)]
    assert all(p.count("\n") >= 100 and "skips 3 collisions" in p for p in prose)


def test_run_demo_end_to_end(tmp_path, capsys):
    from evalkit.demo import run_demo

    out = tmp_path / "demo"
    assert run_demo(str(out), str(tmp_path / "demo.db"), progress=False) == 0
    printed = capsys.readouterr().out
    assert f"report: {out / 'index.html'}" in printed and "not outputs of real models" in printed
    for name in ("index.html", "summary.md", "results.json", "scores.csv", "gate.md", "junit.xml"):
        assert (out / name).is_file(), name
    res = json.loads((out / "results.json").read_text())
    paired = res["comparison"]["paired"]
    # the tuned set is better where the demo says it is
    for metric in ("runs_ok", "tests_pass", "feature_completeness", "claim_consistency", "code_prose_ratio"):
        assert paired[metric]["delta"] > 0, metric
    assert paired["runs_ok"]["ci_low"] > 0 or paired["tests_pass"]["ci_low"] > 0
    html = (out / "index.html").read_text()
    assert "illustrative responses written for the evalkit demo" in html
    assert "AttributeError" in html
    assert "gate PASS" in printed
