"""Reports written from a real store: files, numbers, escaping, odd scorer details, size and speed."""

from __future__ import annotations

import csv
import json
import re

import pytest

from evalkit.errors import EvalkitError
from evalkit.report import write_reports
from evalkit.report.terminal import summary_table
from test_compare import build_store

HOSTILE = (
    "Here is the game.\n<script>document.title='pwned'</script>\n"
    "<img src=x onerror=\"document.title='pwned-img'\">\n"
    "```python\nprint('</code></pre><script>document.title=\"pwned-code\"</script>')\n"
    "def broken(:\n    pass\n```\nDone </code> <b onclick=\"alert(1)\">bold</b>\n"
)

SYNTAX_ERR = {"error": {"block": 0, "line": 2, "column": 12, "message": "invalid syntax"},
              "blocks": [{"index": 0, "language": "python", "status": "error", "start_line": 4}]}
CLAIMS = {"claims": [
    {"text": "Ice Shield skips 3 collisions", "kind": "feature", "verdict": "contradicted",
     "evidence": [{"line": 88, "text": "self.reset()  # <b>always</b>"}], "reason": "collision resets unconditionally"},
    {"text": "Arrow keys steer", "kind": "key", "verdict": "supported", "evidence": [{"line": 40, "text": "K_UP"}]},
    "a bare string where a dict was expected",
]}
FEATURES = {"features": [
    {"id": "shield", "name": "Ice Shield absorbs collisions", "found": False, "evidence": None, "source": "static"},
    {"id": "grid", "name": "Grid-aligned movement", "found": True, "evidence": "CELL_SIZE", "source": "probe"},
]}
EXEC = {"status": "crashed", "exception_type": "AttributeError", "message": "'str' object has no attribute 'get'",
        "stdout": "x" * 5000, "stderr": "Traceback (most recent call last):\n  ...\nAttributeError", "duration_s": 0.4,
        "isolation": "bwrap", "probes": {"grid_alignment": {"ok": False, "detail": "head at 15,0 not on lattice"},
                                         "alive": True}}


def make_run(tmp_path, *, hostile=True, models=("base", "tuned")):
    b, c = models
    per = {
        b: {("snake", s): {"syntax_ok": 0.0 if s == 0 else 1.0, "runs_ok": 0.0, "feature_completeness": 0.4,
                           "claim_consistency": 0.5, "code_prose_ratio": 1.0, "quality": 0.5, "mystery_metric": 7.0}
            for s in range(3)},
        c: {("snake", s): {"syntax_ok": 1.0, "runs_ok": 1.0, "feature_completeness": 0.9, "claim_consistency": 1.0,
                           "code_prose_ratio": 5.0, "quality": 0.8, "mystery_metric": None} for s in range(3)},
    }
    texts = {(b, "snake", 0): HOSTILE} if hostile else {}
    details = {
        (b, "snake", 0, "syntax_ok"): SYNTAX_ERR,
        (b, "snake", 0, "claim_consistency"): CLAIMS,
        (b, "snake", 0, "feature_completeness"): FEATURES,
        (b, "snake", 0, "runs_ok"): EXEC,
        (b, "snake", 1, "runs_ok"): {"probes": [{"name": "grid", "passed": True}, "weird", 3]},
        (b, "snake", 2, "claim_consistency"): {"claims": "not-a-list"},
        (b, "snake", 0, "mystery_metric"): {"nested": {"deep": [1, 2, {"x": "<script>"}]}},
        (c, "snake", 1, "feature_completeness"): {"features": [None, 5, {"name": None}]},
    }
    return build_store(tmp_path / "db", per, texts=texts, details=details, suite="snake")


def test_write_reports_files_and_numbers(tmp_path):
    store = make_run(tmp_path)
    out = write_reports(store, "run-1", tmp_path / "rep")
    for name in ("index.html", "summary.md", "results.json", "scores.csv"):
        assert (out / name).stat().st_size > 0, name
    with open(out / "scores.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["model", "task_id", "sample", "metric", "value"]
    keyed = {(r["model"], r["task_id"], r["sample"], r["metric"]): float(r["value"]) for r in rows}
    assert keyed[("base", "snake", "0", "syntax_ok")] == 0.0
    assert keyed[("tuned", "snake", "2", "code_prose_ratio")] == 5.0
    assert keyed[("base", "snake", "0", "latency_s")] == 1.5 and keyed[("base", "snake", "0", "error")] == 0
    assert ("tuned", "snake", "0", "mystery_metric") not in keyed           # None -> no row
    assert len(rows) == len(set((r["model"], r["task_id"], r["sample"], r["metric"]) for r in rows))

    res = json.loads((out / "results.json").read_text())
    assert res["baseline"] == "base" and res["candidate"] == "tuned"
    assert res["comparison"]["paired"]["runs_ok"]["delta"] == pytest.approx(1.0)
    assert res["run"]["sandbox"] == "bwrap" and len(res["results"]) == 6

    md = (out / "summary.md").read_text()
    assert "| metric | base | tuned | change | 95% CI |" in md
    assert "Feature completeness" in md and re.search(r"\| 1(\.0)?:1 \| 5(\.0)?:1 \|", md)
    assert "<script>" not in md


def test_html_escapes_model_output_and_renders_details(tmp_path):
    store = make_run(tmp_path)
    html = (write_reports(store, "run-1", tmp_path / "rep") / "index.html").read_text()
    # no markup from the model survives
    assert "<script>document.title" not in html
    assert "onerror=\"document" not in html and "<b onclick" not in html
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in html
    # exactly one script element: ours
    assert len(re.findall(r"<script\b", html)) == 1
    assert "Content-Security-Policy" in html and "sha256-" in html
    assert "http" not in re.sub(r"http://127\.0\.0\.1:11434|http://www\.w3\.org/2000/svg|http-equiv", "", html)
    # details rendered: syntax error marked at its line, claims with verdicts and evidence, features, execution
    assert 'class="l err"' in html and "invalid syntax" in html and "column 12" in html
    assert "Ice Shield skips 3 collisions" in html and "v-contradicted" in html and "L88:" in html
    assert "self.reset()  # &lt;b&gt;always&lt;/b&gt;" in html
    assert "✘ missing" in html and "Ice Shield absorbs collisions" in html
    assert "AttributeError" in html and "more characters" in html          # stdout capped
    assert "grid_alignment" in html and "mystery metric" in html
    # header facts
    assert "run-1" in html and "replay:base-model" in html and "sha256:base" in html and "bwrap" in html
    assert 'id="rollup-table"' in html and "<svg" in html


def test_demo_flag_says_illustrative(tmp_path):
    store = make_run(tmp_path, hostile=False)
    store.update_run("run-1", config_json={"demo": True})
    out = write_reports(store, "run-1", tmp_path / "rep")
    assert "illustrative responses written for the evalkit demo" in (out / "index.html").read_text()
    assert "not outputs of real models" in (out / "summary.md").read_text()


def test_baseline_candidate_choice_and_errors(tmp_path):
    store = make_run(tmp_path, hostile=False)
    out = write_reports(store, "run-1", tmp_path / "rep", baseline="tuned", candidate="base")
    res = json.loads((out / "results.json").read_text())
    assert res["baseline"] == "tuned" and res["comparison"]["paired"]["runs_ok"]["delta"] == pytest.approx(-1.0)
    with pytest.raises(EvalkitError):
        write_reports(store, "run-1", tmp_path / "rep2", baseline="nobody")
    with pytest.raises(EvalkitError):
        write_reports(store, "no-such-run", tmp_path / "rep3")


def test_single_model_and_unscored_runs_render(tmp_path):
    from evalkit.store import Store

    store = Store(tmp_path / "db")
    store.create_run("r1", evalkit_version="0.1.0", config={}, suites={}, models={"solo": {"provider": "replay"}})
    store.save_and_link("r1", "solo", {"cache_key": "k", "provider": "replay", "model": "m", "suite": "s",
                                       "task_id": "t", "sample": 0, "text": "no code at all <script>", "params": {},
                                       "attempts": 1, "error": "timeout after 600 s"})
    out = write_reports(store, "r1", tmp_path / "rep")
    html = (out / "index.html").read_text()
    assert "nothing to compare" in html and "timeout after 600 s" in html and "&lt;script&gt;" in html
    assert "error,1" in (out / "scores.csv").read_text()


def test_terminal_summary_table(tmp_path):
    from rich.console import Console

    store = make_run(tmp_path, hostile=False)
    console = Console(record=True, width=140)
    console.print(summary_table(store, "run-1"))
    text = console.export_text()
    assert "base → tuned" in text and "Feature completeness" in text and "runs ok" in text and "+1.00" in text


def test_large_run_stays_small(tmp_path):
    """2,000 responses with ~150-line programs stay under 15 MB (render time: bench/report.py)."""
    from evalkit.scorers.base import Score
    from evalkit.store import Store

    store = Store(tmp_path / "db")
    store.create_run("big", evalkit_version="0.1.0", config={}, suites={"seed": {"version": "1"}},
                     models={"base": {"provider": "replay"}, "tuned": {"provider": "replay"}})
    prog = "\n".join(f"def f{i}(x):\n    return x * {i}  # step {i}\n" for i in range(50))
    text = "Here is a long explanation.\n" * 20 + "```python\n" + prog + "\n```\nThat is all.\n"
    for model in ("base", "tuned"):
        for t in range(100):
            for s in range(10):
                rid = store.save_and_link("big", model, {
                    "cache_key": f"{model}{t}{s}", "provider": "replay", "model": model, "suite": "seed",
                    "task_id": f"task{t:03d}", "sample": s, "text": text + f"# {model} {t} {s}\n", "params": {},
                    "attempts": 1})
                store.save_scores(rid, [Score("syntax_ok", 1.0, {"blocks": []}), Score("runs_ok", float((t + s) % 3 > 0)),
                                        Score("tests_pass", ((t * s) % 5) / 4), Score("quality", 0.7)], "1")
    out = write_reports(store, "big", tmp_path / "rep")
    assert (out / "index.html").stat().st_size <= 15e6
    assert "task099" in (out / "index.html").read_text(encoding="utf-8")


def test_large_run_shows_differing_samples_side_by_side_first(tmp_path, monkeypatch):
    """Past MAX_DETAILED_SLOTS the page keeps every sample in the tables but shows side by side only
    an equal share per task, slots where the models differ first (and loads no text for the rest)."""
    from evalkit.report import tasks as H
    from test_compare import build_store

    per = {"base": {}, "tuned": {}}
    for t in range(2):
        for s in range(10):
            per["base"][(f"task{t}", s)] = {"runs_ok": 1.0}
            per["tuned"][(f"task{t}", s)] = {"runs_ok": 0.0 if s in (7, 9) else 1.0}
    texts = {(m, f"task{t}", s): f"```python\nprint('{m}-{t}-{s}')\n```\n"
             for m in per for t in range(2) for s in range(10)}
    store = build_store(tmp_path / "db", per, texts=texts)
    monkeypatch.setattr(H, "MAX_DETAILED_SLOTS", 6)
    page = (write_reports(store, "run-1", tmp_path / "rep") / "index.html").read_text(encoding="utf-8")
    assert page.count('<details class="pair"') == 6
    for t in range(2):  # the two differing samples of each task, then the lowest-numbered ones
        assert f"tuned-{t}-7" in page and f"tuned-{t}-9" in page and f"tuned-{t}-0" in page
        assert f"tuned-{t}-1" not in page
    assert page.count("more sample(s) of this task are in the table above only") == 2
    assert page.count("<tr><td class=\"num\">9</td><td>tuned</td>") == 2  # every sample is still tabled


def test_model_order_is_the_users_not_alphabetical(tmp_path):
    """The first model named is the baseline: storing the run must not sort the models."""
    from evalkit.report import run_comparison
    from test_compare import build_store

    per = {"llama-base": {("t", 0): {"runs_ok": 1.0}}, "chat-tuned": {("t", 0): {"runs_ok": 0.0}}}
    store = build_store(tmp_path / "db", per)
    rc = run_comparison(store, "run-1")
    models, cmp = rc.models, rc.cmp
    assert models == ["llama-base", "chat-tuned"]
    assert (cmp.baseline, cmp.candidate) == ("llama-base", "chat-tuned")


# ---- 1 to N models ----------------------------------------------------------------------------
MODEL_NAMES = ["base", "tuned", "ollama:qwen3-vl:8b", "openai:gpt-4o-mini-2024-07-18", "llama-3.1-8b-instruct-q4",
               "deepseek-coder-v2-lite", "codestral-22b", "phi-3.5-mini", "starcoder2-15b", "granite-8b-<b>code</b>"]
PROGRAM = """import pygame

CELL_SIZE = 20
GRID_W, GRID_H = 32, 24


class Snake:
    def __init__(self):
        self.body = [(5, 5), (4, 5), (3, 5)]
        self.direction = (1, 0)

    def step(self):
        hx, hy = self.body[0]
        dx, dy = self.direction
        self.body.insert(0, ((hx + dx) % GRID_W, (hy + dy) % GRID_H))
        self.body.pop()


def main():
    pygame.init()
    screen = pygame.display.set_mode((GRID_W * CELL_SIZE, GRID_H * CELL_SIZE))
    snake = Snake()
    clock = pygame.time.Clock()
    while True:
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                return
        snake.step()
        screen.fill((0, 0, 0))
        for x, y in snake.body:
            pygame.draw.rect(screen, (0, 200, 0), (x * CELL_SIZE, y * CELL_SIZE, CELL_SIZE, CELL_SIZE))
        pygame.display.flip()
        clock.tick(10)


if __name__ == "__main__":
    main()
"""


def make_models_run(tmp_path, n: int, *, tasks=("snake", "fizzbuzz"), samples=3):
    """n models (names as users write them, colons included) on two tasks, realistic texts and
    scores that differ by model, execution details with the reasons the scorers give."""
    names = MODEL_NAMES[:n]
    per: dict = {m: {} for m in names}
    texts, details = {}, {}
    for mi, m in enumerate(names):
        for t in tasks:
            for s in range(samples):
                k = (mi * 7 + s * 3 + len(t)) % 10
                runs = 1.0 if k >= 3 else 0.0
                per[m][(t, s)] = {
                    "syntax_ok": 1.0 if k else 0.0, "runs_ok": runs,
                    "tests_pass": (k % 5) / 4 if t == "fizzbuzz" else None,
                    "feature_completeness": round(0.3 + 0.07 * k, 2), "claim_consistency": round(0.5 + 0.05 * k, 2),
                    "quality": round(0.55 + 0.04 * k, 2), "code_prose_ratio": 0.5 + k,
                }
                texts[(m, t, s)] = (f"Here is the {t} program written by {m}.\n```python\n{PROGRAM}```\n"
                                    f"It moves the snake by CELL_SIZE on a grid. Sample {s}.\n")
                details[(m, t, s, "runs_ok")] = (
                    {"status": "ok", "alive_at_end": True, "isolation": "bwrap", "duration_s": 0.8,
                     "probes": {"grid_alignment": {"passed": True, "detail": "the head stayed on a 20-px lattice"}}}
                    if runs else
                    {"status": "crashed", "exception_type": "AttributeError", "lineno": 14,
                     "exception_message": "'str' object has no attribute 'get'", "isolation": "bwrap",
                     "reason": "the program raised AttributeError at line 14 after 0.2 s of game time",
                     "probes": {"grid_alignment": {"passed": None, "detail": "not judged: the game ended before "
                                                                           "the snake moved"}}})
                if t == "fizzbuzz":
                    details[(m, t, s, "tests_pass")] = (
                        {"passed": k % 5, "total": 4, "reason": f"{k % 5} of 4 tests passed; test 4 expected "
                                                                "'FizzBuzz' for 15"}
                        if runs else {"status": "crashed", "passed": 0, "total": 4, "tests": []})
    return build_store(tmp_path / "db", per, texts=texts, details=details, suite="snake"), names


@pytest.mark.parametrize("n", [1, 3, 10])
def test_every_table_is_filled_for_one_to_ten_models(tmp_path, n):
    """Means, pass@k and per-task tables hold numbers for every model, whatever their number."""
    store, names = make_models_run(tmp_path, n)
    out = write_reports(store, "run-1", tmp_path / "rep")
    html = (out / "index.html").read_text(encoding="utf-8")
    md = (out / "summary.md").read_text(encoding="utf-8")
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))
    per_task = re.findall(r'<table class="tmeans">(.*?)</table>', html, re.S)
    assert len(per_task) == 2
    for table in per_task:
        assert table.count("<tr>") == n + 1                       # a row per model plus the header
        assert re.search(r'<td class="num[^"]*">0\.\d\d', table)  # filled means, not n/a
    assert "pass@1" in html and "pass@3" in html and "means per metric follow" not in html.lower()
    board = res["leaderboard"]
    assert list(board["means"]) == names
    assert all(board["means"][m]["runs_ok"]["mean"] is not None for m in names)
    assert "&lt;b&gt;code&lt;/b&gt;" in html or n < 10 and "<b>code</b>" not in html
    if n == 1:
        assert res["comparison"] is None and 'id="solo-note"' in html
        assert 'id="rollup-table"' in html and 'id="metric-table"' in html
        assert "Δ" not in html.split('<section id="tasks">')[0]           # no empty comparison columns
        assert "## Metrics" in md and "| runs ok |" in md and "## pass@k" in md and "## Per task" in md
        lo, hi = board["means"]["base"]["runs_ok"]["ci_low"], board["means"]["base"]["runs_ok"]["ci_high"]
        assert lo <= board["means"]["base"]["runs_ok"]["mean"] <= hi
    else:
        assert 'id="leaderboard-table"' in html and "## Leaderboard (baseline base)" in md
        table = re.search(r'<table class="leader" id="leaderboard-table">(.*?)</table>', html, re.S).group(1)
        assert table.count('<tr data-model=') == n and table.count("Δ ") == (n - 1) * len(board["deltas"]["tuned"])
        # each candidate's change in the leaderboard is the pair table's for the report's candidate
        assert board["deltas"]["tuned"]["runs_ok"]["delta"] == pytest.approx(res["comparison"]["paired"]["runs_ok"]["delta"])
        assert board["deltas"]["tuned"]["runs_ok"]["ci_low"] == res["comparison"]["paired"]["runs_ok"]["ci_low"]
        assert set(board["deltas"]) == set(names[1:])
        # side by side: every model's panel is there, only baseline and candidate shown at first
        first = html.split('<details class="pair"')[1]
        assert first.count('class="panel') == n and first.count(" hidden>") == n - 2
        assert 'id="left-model"' in html and 'id="right-model"' in html


def test_scores_decided_by_execution_or_a_probe_show_their_reason(tmp_path):
    store, _ = make_models_run(tmp_path, 2)
    html = (write_reports(store, "run-1", tmp_path / "rep") / "index.html").read_text(encoding="utf-8")
    # the scorer's own words, and a sentence from the outcome when it gave none
    assert "the program raised AttributeError at line 14 after 0.2 s of game time" in html
    assert "the program was still running, without an exception, when its time budget ended" in html
    assert "the head stayed on a 20-px lattice" in html and "not judged: the game ended before the snake moved" in html
    assert "of 4 tests passed; test 4 expected &#39;FizzBuzz&#39; for 15" in html
    assert "0 of 4 tests passed; the program stopped with an uncaught exception" in html
    assert '{"passed"' not in html                                   # probe words, not a JSON dump


def test_a_not_judged_score_says_why(tmp_path):
    from evalkit.report.evidence import metric_sections, plain_reason

    secs = metric_sections({"runs_ok": {"value": None, "details": {"status": "missing_dependency",
                                                                  "missing_module": "<numpy>"}},
                            "quality": {"value": None, "details": {"reason": "quality is measured for Python only"}}})
    assert [s["value"] for s in secs] == ["not judged", "not judged"]
    assert secs[0]["reason"] == ("not judged: the program needs a module the sandbox does not have "
                                 "(module <numpy>)")
    assert secs[1]["reason"] == "not judged: quality is measured for Python only"
    assert plain_reason("runs_ok", 1.0, {}) == ""


def test_reasons_from_model_output_are_escaped(tmp_path):
    """Reasons quote the program's own exception text and output: they reach the page as text."""
    per = {m: {("snake", 0): {"runs_ok": 0.0, "tests_pass": None}} for m in ("base", "tuned")}
    evil = "<img src=x onerror=\"document.title='pwned'\">"
    details = {("base", "snake", 0, "runs_ok"): {"status": "crashed", "exception_type": "ValueError",
                                                  "exception_message": evil,
                                                  "probes": {"moves": {"passed": False, "detail": f"saw {evil}"}}},
               ("tuned", "snake", 0, "runs_ok"): {"status": "crashed", "reason": f"raised {evil}"},
               ("base", "snake", 0, "tests_pass"): {"reason": f"not judged: {evil}"}}
    store = build_store(tmp_path / "db", per, details=details, suite="snake")
    html = (write_reports(store, "run-1", tmp_path / "rep") / "index.html").read_text(encoding="utf-8")
    assert "<img" not in html and "onerror=\"document" not in html
    escaped = "&lt;img src=x onerror=&#34;document.title=&#39;pwned&#39;&#34;&gt;"
    assert f"(ValueError: {escaped})" in html                       # the outcome sentence
    assert f"raised {escaped}" in html and f"saw {escaped}" in html and f"not judged: {escaped}" in html
