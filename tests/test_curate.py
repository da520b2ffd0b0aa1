"""`evalkit curate` on a generated mixed dataset: what it keeps, what it drops and why.

The dataset is built here (seeded): ~2,000 rows in three schemas and three formats (Alpaca JSONL,
chat `messages` Parquet, APPS-like problem/solutions/tests CSV) with exact duplicates (also across
sources), near-duplicates (one of them better scored than the copy it follows), verbose answers,
syntax errors, answers without code, empty answers, and examples copied from HumanEval and from
the seed suite's prompts and tests. Every row's expected fate is recorded when it is generated.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

from evalkit import humaneval
from evalkit.cli import main
from evalkit.suites import load_suites

SYL = ["ka", "to", "ri", "ne", "mu", "sa", "lo", "pe", "di", "vu", "go", "ba", "xi", "fe", "ju", "zo", "qa", "wy"]
PROSE = ("the value is computed from the inputs and returned to the caller so that later steps can use it "
         "without repeating the work").split()


def word(rng: random.Random) -> str:
    return "".join(rng.choice(SYL) for _ in range(rng.randint(3, 4)))


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(word(rng) for _ in range(n))


def function(rng: random.Random, name: str, steps: tuple[int, int] = (4, 7)) -> str:
    """A distinct, clean function: each line uses the previous value, so nothing is unused."""
    a, b = word(rng), word(rng)
    lines = [f"def {name}({a}, {b}):", f'    """{sentence(rng, 8)}."""']
    prev = a
    for _ in range(rng.randint(*steps)):
        v = word(rng)
        lines.append(rng.choice([f"    {v} = {prev} * {rng.randint(2, 99)} + {b}",
                                 f"    {v} = max({prev}, {b}) - {rng.randint(1, 50)}",
                                 f"    {v} = abs({prev} - {b} * {rng.randint(2, 9)})"]))
        prev = v
    lines.append(f"    return {prev}")
    return "\n".join(lines)


def answer(rng: random.Random, code: str) -> str:
    return f"Here is {sentence(rng, 5)}.\n\n```python\n{code}\n```\n\nIt returns {sentence(rng, 4)}.\n"


class Builder:
    """Rows of one source plus the expected fate of each: None (kept) or (reason, detail check)."""

    def __init__(self, source: str, rng: random.Random):
        self.source, self.rng = source, rng
        self.rows: list[tuple[str, str]] = []   # (prompt, answer)
        self.expect: dict[str, tuple | None] = {}

    def add(self, prompt: str, ans: str, fate=None) -> str:
        ex_id = f"{self.source}:{len(self.rows)}"
        self.rows.append((prompt, ans))
        self.expect[ex_id] = fate
        return ex_id

    def good(self, steps: tuple[int, int] = (4, 7)) -> str:
        name = word(self.rng)
        return self.add(f"Write a Python function `{name}` that {sentence(self.rng, 10)}.",
                        answer(self.rng, function(self.rng, name, steps)))


def build(root: Path) -> dict[str, tuple | None]:
    rng = random.Random(1234)
    seed_tasks = load_suites(["seed"])[0].tasks
    he = [humaneval.problem(f"HumanEval/{i}") for i in (0, 3, 11, 29)]
    expect: dict[str, tuple | None] = {}
    shared: list[tuple[int, str, str]] = []   # rows another source repeats (cross-source duplicates)

    def common(b: Builder, n: int) -> None:
        """The same mix of cases for every chat-style source, interleaved with good rows."""
        for i in range(n):
            k = i % 20
            if k == 3 and len(b.rows) > 5:   # exact duplicate (case and spacing differ in the prompt)
                j = b.rng.randrange(len(b.rows))
                while b.expect[f"{b.source}:{j}"] is not None:
                    j = b.rng.randrange(len(b.rows))
                p, a = b.rows[j]
                b.add("  " + p.upper() + "  ", a, ("exact-duplicate", f"{b.source}:{j}"))
            elif k == 7:   # near-duplicate, same score: the closing sentence reworded
                first = b.good(steps=(14, 16))
                p, a = b.rows[-1]
                b.add(p, a.replace("It returns", "It gives back"), ("near-duplicate", first))
            elif k == 11:  # near-duplicate that scores better: the first copy has an unused import
                name = word(b.rng)
                body = function(b.rng, name, (14, 16))
                prompt = f"Write a Python function `{name}` that {sentence(b.rng, 10)}."
                prose_rng = random.Random(i)
                worse = b.add(prompt, answer(prose_rng, "import os\n\n" + body), None)
                better = b.add(prompt, answer(random.Random(i), body), None)
                b.expect[worse] = ("near-duplicate", better)
            elif k == 13:  # verbose: a long explanation around a one-line function
                b.add(f"Explain {sentence(b.rng, 6)}.", " ".join(b.rng.choice(PROSE) for _ in range(300))
                      + f"\n\n```python\ndef {word(b.rng)}(x):\n    return x\n```\n",
                      ("rule: code_chars > 0.5 * prose_chars", None))
            elif k == 15:  # syntax error
                name = word(b.rng)
                b.add(f"Write `{name}` that {sentence(b.rng, 8)}.",
                      f"```python\ndef {name}(a b):\n    return a +\n```\n", ("rule: syntax_ok == 1", None))
            elif k == 17:  # no code at all
                b.add(f"What is {sentence(b.rng, 6)}?", f"It is {sentence(b.rng, 30)}.", ("rule: has_code", None))
            elif k == 19 and i % 60 == 19:  # copied from HumanEval: its prompt and canonical solution
                p = he[(i // 60) % len(he)]
                b.add("Complete this function:\n" + p["prompt"],
                      "```python\n" + p["prompt"] + p["canonical_solution"] + "```\n",
                      ("contamination", "humaneval/" + p["task_id"]))
            elif k == 19 and i % 60 == 39:  # copied from the seed suite: the prompt verbatim
                t = seed_tasks[(i // 60) % len(seed_tasks)]
                b.add(t.prompt, answer(b.rng, function(b.rng, t.entry_point or "solve")),
                      ("contamination", "seed/" + t.id))
            elif k == 19:  # the seed suite's tests pasted into an answer
                t = seed_tasks[0]
                code = "def move(x, y, direction, size):\n    return (x + direction[0] * size, y + direction[1] * size)\n\n" \
                       + "\n".join(t.tests[:5])
                b.add(f"Write a grid mover called {word(b.rng)}.", f"```python\n{code}\n```\n",
                      ("contamination", "seed/grid_move"))
            elif k == 5:   # empty answer
                b.add(f"Do {sentence(b.rng, 4)}", "", ("unusable row", None))
            else:
                b.good()
        expect.update(b.expect)

    # 1. Alpaca JSONL
    alp = Builder("alpaca", rng)
    common(alp, 900)
    kept_alpaca = [n for n in range(len(alp.rows)) if alp.expect[f"alpaca:{n}"] is None]
    for n in kept_alpaca[5:300:30]:  # rows the chat source repeats exactly
        shared.append((n, *alp.rows[n]))
    with open(root / "alpaca.jsonl", "w", encoding="utf-8") as f:
        for p, a in alp.rows:
            f.write(json.dumps({"instruction": p, "input": "", "output": a}) + "\n")

    # 2. chat messages, Parquet
    chat = Builder("chat", rng)
    common(chat, 700)
    for n, p, a in shared:  # the chat copy also has the system prompt: near, not exact
        chat.add(p, a, ("near-duplicate", f"alpaca:{n}"))
    expect.update(chat.expect)
    import pyarrow as pa
    import pyarrow.parquet as pq

    msgs = [[{"role": "system", "content": "You write Python."}, {"role": "user", "content": p},
             {"role": "assistant", "content": a}] for p, a in chat.rows]
    pq.write_table(pa.table({"messages": msgs}), root / "chat.parquet", row_group_size=100)

    # 3. problems with solutions and stdin/stdout tests (APPS-like), CSV
    probs = Builder("problems", rng)
    rows = []
    for i in range(400):
        k, mult = rng.randint(2, 9), rng.randint(1, 99)
        v = word(rng)
        question = f"Read n and print n times {k} plus {mult}. {sentence(rng, 12)}."
        if i % 10 == 4:
            code = f"{v} = int(input(\n"
            probs.expect[f"problems:{len(rows)}"] = ("rule: syntax_ok == 1", None)
        else:
            code = f"{v} = int(input())\n{word(rng)} = {v} * {k} + {mult}\nprint({v} * {k} + {mult})"
            probs.expect[f"problems:{len(rows)}"] = None
        rows.append({"question": question, "solutions": json.dumps([code]),
                     "input_output": json.dumps({"inputs": ["3\n"], "outputs": [f"{3 * k + mult}\n"]})})
    expect.update(probs.expect)
    with open(root / "problems.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["question", "solutions", "input_output"])
        w.writeheader()
        w.writerows(rows)
    return expect


def curate(*args) -> int:
    return main(["curate", *map(str, args), "--no-progress"])


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("curate")
    expect = build(root)
    inputs = [root / "alpaca.jsonl", root / "chat.parquet", root / "problems.csv"]
    assert curate(*inputs, "--out", root / "out1", "--seed", "7") == 0
    return root, inputs, expect


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_keeps_and_drops_exactly_what_it_should_with_reasons(dataset):
    root, _, expect = dataset
    out = root / "out1"
    assert len(expect) > 1900
    dropped = {d["id"]: d for d in _jsonl(out / "dropped.jsonl")}
    kept = {k["id"] for k in _jsonl(out / "kept.jsonl")}
    want_dropped = {i for i, fate in expect.items() if fate}
    assert set(dropped) == want_dropped
    assert kept == set(expect) - want_dropped
    for ex_id, (reason, about) in ((i, f) for i, f in expect.items() if f):
        d = dropped[ex_id]
        assert d["reason"] == reason, (ex_id, d)
        if reason.endswith("duplicate"):
            assert d["duplicate_of"] == about, (ex_id, d)
        elif reason == "contamination":
            assert about in d["matched"] and about in d["detail"], (ex_id, d)
    # the evidence is in words: the values the failed rule read
    syntax = next(d for d in dropped.values() if d["reason"] == "rule: syntax_ok == 1")
    assert syntax["detail"] == "syntax_ok=0" and "line" in syntax["evidence"]["syntax_error"]
    verbose = next(d for d in dropped.values() if d["reason"].startswith("rule: code_chars"))
    assert verbose["detail"].startswith("code_chars=") and "prose_chars=" in verbose["detail"]
    # every kept example is in train.jsonl once (weights 1, no target), in the chosen chat format
    train = _jsonl(out / "train.jsonl")
    assert len(train) == len(kept)
    assert all(row["messages"][-1]["role"] == "assistant" for row in train)
    assert any(row["messages"][0] == {"role": "system", "content": "You write Python."} for row in train)
    stats = json.loads((out / "stats.json").read_text())
    assert stats["read"] == len(expect) and stats["kept"] == len(kept) and stats["dropped"] == len(want_dropped)
    n_contaminated = sum(1 for f in expect.values() if f and f[0] == "contamination")
    assert stats["contamination"]["examples"] == n_contaminated
    assert "humaneval/HumanEval/0" in stats["contamination"]["by_task"]
    hits = _jsonl(out / "contamination.jsonl")
    assert {h["id"] for h in hits} == {i for i, f in expect.items() if f and f[0] == "contamination"}
    assert not list(out.glob(".*"))  # spool and partial files are gone
    summary = (out / "summary.md").read_text()
    assert "| rule: syntax_ok == 1 |" in summary and "humaneval/HumanEval/0" in summary


def test_same_seed_same_train_jsonl_other_seed_other_order(dataset):
    root, inputs, _ = dataset
    assert curate(*inputs, "--out", root / "out2", "--seed", "7", "--workers", "1") == 0
    first = (root / "out1" / "train.jsonl").read_bytes()
    assert (root / "out2" / "train.jsonl").read_bytes() == first
    assert curate(*inputs, "--out", root / "out3", "--seed", "8") == 0
    other = (root / "out3" / "train.jsonl").read_bytes()
    assert other != first and sorted(other.splitlines()) == sorted(first.splitlines())


def test_weights_target_curriculum_and_formats(dataset, tmp_path):
    root, inputs, expect = dataset
    rules = tmp_path / "curate.yaml"
    rules.write_text("mix:\n  weights: {problems: 3.0, chat: 0.5}\n  curriculum: code_lines\n"
                     "keep: [has_code, syntax_ok == 1]\n")
    assert curate(inputs[1], inputs[2], "--out", tmp_path / "o", "--rules", rules, "--format", "sharegpt") == 0
    stats = json.loads((tmp_path / "o" / "stats.json").read_text())
    kept = stats["sources"]
    assert stats["train"]["rows_by_source"] == {"problems": 3 * kept["problems"]["kept"],
                                                "chat": round(0.5 * kept["chat"]["kept"])}
    train = _jsonl(tmp_path / "o" / "train.jsonl")
    assert [t["from"] for t in train[0]["conversations"]] == ["system", "human", "gpt"]
    # curriculum code_lines: short answers first, the longest last
    metrics = {k["id"]: k["metrics"] for k in _jsonl(tmp_path / "o" / "kept.jsonl")}
    lines = [t["conversations"][-1]["value"].split("```")[1].strip().count("\n") for t in train]
    assert lines == sorted(lines) and len(set(lines)) > 2
    assert len(metrics) == kept["problems"]["kept"] + kept["chat"]["kept"]
    # verbose answers pass without the ratio rule
    assert "rule: code_chars > 0.5 * prose_chars" not in stats["dropped_by_reason"]
    # a target scales the same mix
    assert curate(inputs[2], "--out", tmp_path / "t", "--target", "50", "--format", "alpaca") == 0
    rows = _jsonl(tmp_path / "t" / "train.jsonl")
    assert len(rows) == 50 and set(rows[0]) == {"instruction", "input", "output"}


def test_explicit_columns_and_bad_input_exit_2(tmp_path, capsys):
    data = tmp_path / "qa.jsonl"
    data.write_text(json.dumps({"ask": "Write add", "reply": "```python\ndef add(a, b):\n    return a + b\n```"}) + "\n")
    rules = tmp_path / "r.yaml"
    rules.write_text("columns: {prompt: ask, response: reply}\n")
    assert curate(data, "--out", tmp_path / "o", "--rules", rules) == 0
    assert len(_jsonl(tmp_path / "o" / "train.jsonl")) == 1

    def one_line_error(*args) -> str:
        capsys.readouterr()
        assert curate(*args) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err, err
        return err

    assert "cannot tell the schema" in one_line_error(data, "--out", tmp_path / "x")
    rules.write_text("columns: {prompt: ask, response: answer}\n")
    assert "'answer'" in one_line_error(data, "--out", tmp_path / "x", "--rules", rules)
    (tmp_path / "d.xlsx").write_text("x")
    assert "unknown format" in one_line_error(tmp_path / "d.xlsx", "--out", tmp_path / "x")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    assert "Parquet" in one_line_error(tmp_path / "bad.parquet", "--out", tmp_path / "x")
    (tmp_path / "bad.jsonl").write_text('{"prompt": "a", "completion": "b"}\n{oops\n')
    assert "bad.jsonl:2" in one_line_error(tmp_path / "bad.jsonl", "--out", tmp_path / "x")
    assert "no such file" in one_line_error(tmp_path / "missing.jsonl", "--out", tmp_path / "x")
    rules.write_text("keep: [quality >>= 1]\n")
    assert "keep rule" in one_line_error(data, "--out", tmp_path / "x", "--rules", rules)
    rules.write_text("keep: [speed > 1]\n")
    assert "unknown metric 'speed'" in one_line_error(data, "--out", tmp_path / "x", "--rules", rules)
    assert not (tmp_path / "x" / "train.jsonl").exists()


def test_report_escapes_dataset_text(tmp_path):
    src = tmp_path / "<img src=x onerror=alert(1)>.jsonl"
    src.write_text(json.dumps({"prompt": "p <script>alert(2)</script>", "completion": "no code <b>here</b>"}) + "\n")
    assert curate(src, "--out", tmp_path / "o") == 0
    page = (tmp_path / "o" / "index.html").read_text()
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script" not in page


def test_exec_runs_solutions_against_the_dataset_tests(tmp_path):
    rows = [
        {"question": "print n*2", "solutions": json.dumps(["n = int(input())\nprint(n * 2)"]),
         "input_output": json.dumps({"inputs": ["3\n", "5\n"], "outputs": ["6\n", "10\n"]})},
        {"question": "print n*3", "solutions": json.dumps(["n = int(input())\nprint(n + 3)"]),
         "input_output": json.dumps({"inputs": ["3\n", "5\n"], "outputs": ["9\n", "15\n"]})},
        {"text": "add", "code": "def add(a, b):\n    return a + b", "test_list": ["assert add(1, 2) == 3"]},
    ]
    (tmp_path / "apps.jsonl").write_text("\n".join(json.dumps(r) for r in rows[:2]) + "\n")
    (tmp_path / "mbpp.jsonl").write_text(json.dumps(rows[2]) + "\n")
    rules = tmp_path / "r.yaml"
    rules.write_text("keep: [has_code, tests_pass >= 1]\n")
    assert curate(tmp_path / "apps.jsonl", tmp_path / "mbpp.jsonl", "--out", tmp_path / "o", "--rules", rules,
                  "--exec", "--workers", "1") == 0
    kept = {k["id"]: k["metrics"] for k in _jsonl(tmp_path / "o" / "kept.jsonl")}
    assert set(kept) == {"apps:0", "mbpp:0"} and kept["apps:0"]["tests_pass"] == 1.0
    (drop,) = _jsonl(tmp_path / "o" / "dropped.jsonl")
    assert drop["id"] == "apps:1" and drop["reason"] == "rule: tests_pass >= 1" and drop["detail"] == "tests_pass=0"


def test_folder_of_shards_is_one_source(tmp_path):
    import gzip

    folder = tmp_path / "CodeAlpaca"
    folder.mkdir()
    rows = [{"instruction": f"Write f{i}", "input": "", "output": f"```python\ndef f{i}(x):\n    return x + {i}\n```"}
            for i in range(4)]
    with gzip.open(folder / "part-0.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write("\n".join(json.dumps(r) for r in rows[:2]) + "\n")
    with open(folder / "part-1.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["instruction", "input", "output"])
        w.writeheader()
        w.writerows(rows[2:])
    assert curate(folder, "--out", tmp_path / "o", "--format", "alpaca") == 0
    kept = [k["id"] for k in _jsonl(tmp_path / "o" / "kept.jsonl")]
    assert kept == ["CodeAlpaca:0", "CodeAlpaca:1", "CodeAlpaca:2", "CodeAlpaca:3"]
    assert sorted(r["instruction"] for r in _jsonl(tmp_path / "o" / "train.jsonl")) == [f"Write f{i}" for i in range(4)]
