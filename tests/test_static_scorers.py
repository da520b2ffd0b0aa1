"""Static scorers on hand-written responses: exact verdicts for the defects users care about."""

from __future__ import annotations

import json
import pickle
import textwrap
from pathlib import Path

import pytest

from evalkit.extract import extract
from evalkit.rollups import format_ratio, rollups
from evalkit.scorers import claims, features, quality, ratio, score_response, syntax
from evalkit.suites import load_suites

FIX = Path(__file__).parent / "fixtures" / "responses"


@pytest.fixture(scope="module")
def snake():
    return load_suites(["snake"])[0].tasks[0]


@pytest.fixture(scope="module")
def seed():
    return {t.id: t for t in load_suites(["seed"])[0].tasks}


def _scores(task, text, artifacts=None):
    ex = extract(text, language_hint=task.language)
    arts = {"extraction": ex, **(artifacts or {})}
    out = {}
    for mod in (syntax, ratio, claims, features, quality):
        for s in mod.score(task, ex, arts):
            out[s.metric] = s
    return out


def _claims(score):
    out = []
    for c in score.details["claims"]:
        key = c.get("feature") if c["kind"] == "feature" else c.get("key") or c.get("name") or c.get("file")
        if c["kind"] == "number":
            key = (c["feature"], c["value"])
        out.append((c["kind"], key, c["verdict"]))
    return out


def _features(score):
    return {f["id"]: f["found"] for f in score.details["features"]}


def py(code: str, prose: str = "") -> str:
    return f"{prose}\n\n```python\n{textwrap.dedent(code).strip()}\n```\n"


# ------------------------------------------------------------------ the bundled demo pair

def test_base_snake_response_exact_verdicts(snake):
    s = _scores(snake, (FIX / "snake_base.md").read_text())
    assert s["syntax_ok"].value == 1.0
    assert (s["code_lines"].value, s["prose_lines"].value, s["thinking_lines"].value) == (88, 44, 2)
    assert s["code_prose_ratio"].value == 2.0
    assert _features(s["feature_completeness"]) == {
        "grid_movement": False, "wall_collision": True, "self_collision": True, "food_growth": True,
        "speed_item": False, "ice_shield": False, "skin_item": False, "items_awarded": False,
        "pause": True, "score": True}
    assert s["feature_completeness"].value == 0.5
    assert _claims(s["claim_consistency"]) == [
        ("feature", "grid_movement", "contradicted"),
        ("feature", "speed_item", "contradicted"),
        ("number", ("speed_item", 2.0), "contradicted"),
        ("number", ("speed_item", 5.0), "contradicted"),
        ("feature", "wall_collision", "supported"),
        ("feature", "self_collision", "supported"),   # "survive hitting walls or yourself"
        ("feature", "ice_shield", "contradicted"),
        ("number", ("ice_shield", 3.0), "contradicted"),
        ("feature", "skin_item", "contradicted"),   # any item crashes: the string item is used as a dict
        ("feature", "items_awarded", "contradicted"),
        ("feature", "score", "supported"),
        ("file", "highscore.txt", "unsupported"),
        ("control", "arrow keys", "supported"),
        ("feature", "pause", "supported"),
        ("control", "P", "supported"),
        ("control", "space", "unsupported"),
        ("identifier", "run()", "supported"),
        ("identifier", "self.speed", "supported"),
        ("identifier", "spawn_item()", "supported"),
        ("identifier", "apply_item_effect()", "unsupported"),
        ("identifier", "CELL_SIZE", "supported"),
        ("identifier", "SHIELD_HITS", "supported"),
    ]
    assert s["claim_consistency"].value == pytest.approx(11 / 22)
    shield = next(c for c in s["claim_consistency"].details["claims"] if c.get("feature") == "ice_shield")
    # the two unconditional resets, and the string item used as a dict (any item crashes)
    assert [e["line"] for e in shield["evidence"]] == [39, 44, 47, 60]
    assert "without checking the shield" in shield["reason"]


def test_tuned_snake_response_all_supported(snake):
    s = _scores(snake, (FIX / "snake_tuned.md").read_text())
    assert s["feature_completeness"].value == 1.0
    assert s["claim_consistency"].value == 1.0
    assert _claims(s["claim_consistency"]) == [
        ("feature", "pause", "supported"), ("control", "arrow keys", "supported"), ("control", "P", "supported"),
        ("identifier", "ITEMS", "supported"), ("feature", "speed_item", "supported"),
        ("feature", "ice_shield", "supported"), ("feature", "skin_item", "supported"),
        ("number", ("speed_item", 5.0), "supported"), ("number", ("speed_item", 1.5), "supported"),
        ("number", ("ice_shield", 3.0), "supported")]
    shield = next(f for f in s["feature_completeness"].details["features"] if f["id"] == "ice_shield")
    assert 68 in [e["line"] for e in shield["evidence"]]  # self.shield_charges -= 1
    assert s["code_prose_ratio"].value > 30 and s["quality"].value > 0.9


def test_details_are_json_and_extraction_pickles(snake):
    text = (FIX / "snake_base.md").read_text()
    out = score_response(snake, text, execute=False)
    json.dumps([{"metric": s.metric, "value": s.value, "details": s.details} for s in out])
    ex = extract(text, language_hint="python")
    assert pickle.loads(pickle.dumps(ex)) == ex


# ------------------------------------------------------------------ the five defects

SPEED_ON_STRING = """
import random
ITEM_TYPES = ["speed", "shield"]

class Game:
    def spawn(self):
        self.current_item = random.choice(ITEM_TYPES)

    def update(self):
        speed_multiplier = self.current_item.get("speed", 1.0)
        self.speed = 5 * speed_multiplier
        self.timer = 0
"""


def test_get_on_a_string_item_is_a_contradiction(snake):
    s = _scores(snake, py(SPEED_ON_STRING, "The speed boost item doubles your speed."))
    f = next(f for f in s["feature_completeness"].details["features"] if f["id"] == "speed_item")
    assert f["found"] is False and f["contradicted"] is True
    assert [e["line"] for e in f["contra_evidence"]] == [6, 9]  # assigned a string; .get() on it
    # "doubles" is a factor-of-2 claim on the contradicted feature
    assert _claims(s["claim_consistency"]) == [("feature", "speed_item", "contradicted"),
                                               ("number", ("speed_item", 2.0), "contradicted")]


def test_movement_by_speed_variable_is_not_grid_aligned(snake):
    bad = """
    def step(self):
        x, y = self.snake[0]
        new_head = (x + self.direction[0] * self.speed, y + self.direction[1] * self.speed)
    """
    good = """
    CELL_SIZE = 20
    def step(self):
        x, y = self.snake[0]
        new_head = (x + self.direction[0] * CELL_SIZE, y + self.direction[1] * CELL_SIZE)
    """
    sb = _scores(snake, py(bad, "The snake moves on a grid."))
    sg = _scores(snake, py(good, "The snake moves on a grid."))
    fb = next(f for f in sb["feature_completeness"].details["features"] if f["id"] == "grid_movement")
    assert fb["found"] is False and fb["contradicted"] and [e["line"] for e in fb["contra_evidence"]] == [3]
    assert _claims(sb["claim_consistency"]) == [("feature", "grid_movement", "contradicted")]
    assert _features(sg["feature_completeness"])["grid_movement"] is True
    assert _claims(sg["claim_consistency"]) == [("feature", "grid_movement", "supported")]


SHIELD_RESET = """
SHIELD_HITS = 3

def update(self):
    if self.head in self.body:
        self.reset()
    if self.head[0] < 0 or self.head[0] >= WIDTH:
        self.reset()
"""

SHIELD_NESTED = """
SHIELD_HITS = 3

def collect_shield(self):
    self.shield = SHIELD_HITS

def update(self):
    if self.head in self.body or self.head[0] < 0:
        if self.shield > 0:
            self.shield -= 1
        else:
            self.reset()
"""

SHIELD_IN_CONDITION = """
SHIELD_HITS = 3

def update(self):
    if self.head in self.body and self.shield == 0:
        self.game_over = True
    elif self.head in self.body:
        self.shield = self.shield - 1
"""

SHIELD_IN_HELPER = """
SHIELD_HITS = 3

def collect_shield(self):
    self.shield += SHIELD_HITS

def collided(self):
    if self.head in self.body:
        if self.shield > 0:
            self.shield -= 1
            return False
        return True
    return False

def update(self):
    if self.collided():
        self.reset()
"""


@pytest.mark.parametrize("code,verdicts", [
    (SHIELD_RESET, [("feature", "ice_shield", "contradicted"), ("number", ("ice_shield", 3.0), "contradicted")]),
    (SHIELD_NESTED, [("feature", "ice_shield", "supported"), ("number", ("ice_shield", 3.0), "supported")]),
    (SHIELD_IN_CONDITION, [("feature", "ice_shield", "supported"), ("number", ("ice_shield", 3.0), "supported")]),
    (SHIELD_IN_HELPER, [("feature", "ice_shield", "supported"), ("number", ("ice_shield", 3.0), "supported")]),
], ids=["unconditional-reset", "nested-guard", "guard-in-condition", "guard-in-helper"])
def test_ice_shield_claim(snake, code, verdicts):
    s = _scores(snake, py(code, "Ice Shield skips 3 collisions."))
    assert _claims(s["claim_consistency"]) == verdicts


def test_verbose_markdown_ratio(snake):
    # 100 lines of markdown around 150 lines of code
    code = "\n".join(f"x{i} = {i}" for i in range(150))
    text = "\n".join(f"Line {i} of explanation about the game." for i in range(50)) + \
        f"\n\n```python\n{code}\n```\n\n" + "\n".join(f"More {i} words here." for i in range(50))
    s = _scores(snake, text)
    d = s["code_prose_ratio"].details
    assert (d["code_lines"], d["prose_lines"], d["thinking_lines"]) == (150, 100, 0)
    assert s["code_prose_ratio"].value == 1.5
    code_chars = sum(len(f"x{i} = {i}") for i in range(150))
    prose_chars = sum(len(f"Line {i} of explanation about the game.") for i in range(50)) + \
        sum(len(f"More {i} words here.") for i in range(50))
    assert s["code_prose_char_ratio"].value == pytest.approx(code_chars / prose_chars)


def test_ratio_without_prose_is_code_line_count(snake):
    s = _scores(snake, "```python\na = 1\n\nb = 2\n```")
    assert s["code_prose_ratio"].value == 2.0 and s["code_prose_ratio"].details["no_prose"] is True
    s = _scores(snake, "")
    assert s["code_prose_ratio"].value == 0.0


ITEMS_NOT_AWARDED = """
def update(self):
    head = self.snake[0]
    if self.item_pos and head == self.item_pos:
        self.item_pos = None
"""

ITEMS_NEVER_COLLECTED = """
def spawn_item(self):
    self.item_pos = (3, 4)
"""

ITEMS_AWARDED = """
def update(self):
    head = self.snake[0]
    if self.item_pos and head == self.item_pos:
        self.apply_item(self.item_kind)
        self.item_pos = None
"""


@pytest.mark.parametrize("code,found,verdict", [
    (ITEMS_NOT_AWARDED, False, "contradicted"),
    (ITEMS_NEVER_COLLECTED, False, "unsupported"),
    (ITEMS_AWARDED, True, "supported"),
])
def test_items_claimed_but_never_awarded(snake, code, found, verdict):
    s = _scores(snake, py(code, "Items are awarded when you collect them."))
    assert _features(s["feature_completeness"])["items_awarded"] is found
    assert _claims(s["claim_consistency"]) == [("feature", "items_awarded", verdict)]


# ------------------------------------------------------------------ every claim kind

CLAIM_CODE = """
import json
import pygame

SPEED_DURATION = 4
HIGHSCORE_FILE = "highscore.txt"
LOG_FILE = "log.json"

def save(score):
    with open(HIGHSCORE_FILE, "w") as fh:
        fh.write(str(score))

def load():
    with open(LOG_FILE) as fh:
        return json.load(fh)

def handle(event, game):
    if event.key == pygame.K_p:
        game.paused = not game.paused
    if event.key == pygame.K_w:
        game.up()
"""


def test_claim_kinds(snake):
    prose = ("Press P to pause and R to restart. Use WASD to steer. "
             "The speed boost lasts 5 seconds. "
             "Scores are saved to `highscore.txt` and the log is written to log.json. "
             "See `save()` and `load_level()` for details.")
    s = _scores(snake, py(CLAIM_CODE, prose))
    got = _claims(s["claim_consistency"])
    assert got == [
        ("feature", "pause", "unsupported"),   # K_p handled, but no `if paused` branch skips the update
        ("control", "P", "supported"),
        ("control", "R", "unsupported"),
        ("control", "WASD", "unsupported"),     # only W is bound
        ("feature", "speed_item", "unsupported"),
        ("number", ("speed_item", 5.0), "contradicted"),  # SPEED_DURATION = 4
        ("feature", "score", "unsupported"),   # "Scores are saved": no score is kept
        ("file", "highscore.txt", "supported"),
        ("file", "log.json", "unsupported"),    # named, only ever read
        ("identifier", "save()", "supported"),
        ("identifier", "load_level()", "unsupported"),
    ]
    by = {(c["kind"], c.get("key") or c.get("file") or c.get("name")): c for c in s["claim_consistency"].details["claims"]}
    assert [e["line"] for e in by[("control", "P")]["evidence"]] == [17]
    assert by[("file", "log.json")]["reason"] == "the file is named but never written"
    assert [e["line"] for e in by[("identifier", "save()")]["evidence"]] == [8]
    assert by[("identifier", "save()")]["evidence"][0]["block"] == 0


def test_no_checkable_claim_scores_none(snake):
    s = _scores(snake, py("x = 1", "Here you go."))
    assert s["claim_consistency"].value is None
    assert s["claim_consistency"].details["claims"] == []


def test_claims_without_code_are_unsupported(snake):
    s = _scores(snake, "This game has an Ice Shield and a score counter.")
    assert _claims(s["claim_consistency"]) == [("feature", "ice_shield", "unsupported"), ("feature", "score", "unsupported")]
    assert s["claim_consistency"].value == 0.0


# ------------------------------------------------------------------ probes

def test_failed_probe_overrides_static_evidence(snake):
    good = "CELL = 20\ndef step(self):\n    x, y = self.snake[0]\n    return (x + self.dx * CELL, y)"
    arts = {"probes": {"grid_aligned": {"passed": False, "detail": "head moved 7 px"}}}
    s = _scores(snake, py(good, "Movement is on a grid."), arts)
    f = next(f for f in s["feature_completeness"].details["features"] if f["id"] == "grid_movement")
    assert f["found"] is False and f["source"] == "probe" and "head moved 7 px" in f["reason"]
    assert _claims(s["claim_consistency"]) == [("feature", "grid_movement", "contradicted")]
    passed = {"probes": {"grid_aligned": {"passed": True, "detail": "20 px steps"}}}
    s = _scores(snake, py("x = 1", "Movement is on a grid."), passed)
    assert _features(s["feature_completeness"])["grid_movement"] is True
    assert _claims(s["claim_consistency"]) == [("feature", "grid_movement", "supported")]


# ------------------------------------------------------------------ syntax

def test_syntax_error_location_and_unchecked_blocks(snake):
    text = ("```rust\nfn main( {\n```\n\n```python\nimport os\n\ndef f(:\n    pass\n```\n\n"
            "```javascript\nlet a = ;\n```")
    s = _scores(snake, text)["syntax_ok"]
    assert s.value == 0.0
    assert s.details["error"] == {"block": 1, "line": 3, "column": 7, "message": "invalid syntax"}
    assert [b["status"] for b in s.details["blocks"]] == ["unchecked", "error", "error"]


def test_syntax_compile_only_errors_and_other_languages(snake):
    s = _scores(snake, "```python\nreturn 5\n```")["syntax_ok"]
    assert s.value == 0.0 and s.details["error"]["message"] == "'return' outside function"
    ok = "```go\npackage main\n\nfunc main() {}\n```\n```bash\necho hi\n```\n```java\nclass A {}\n```"
    assert _scores(snake, ok)["syntax_ok"].value == 1.0
    assert _scores(snake, "no code at all")["syntax_ok"].value == 0.0
    only_rust = _scores(snake, "```rust\nfn main() {}\n```")["syntax_ok"]
    assert only_rust.value is None and only_rust.details["blocks"][0]["status"] == "unchecked"


# ------------------------------------------------------------------ quality

LINTY = """
import os
import sys

def f(x):
    try:
        return undefined_thing + x
    except:
        pass
    return x
    print("never")
"""


def test_quality_findings_and_formula(snake):
    s = _scores(snake, py(LINTY))
    q = s["quality"]
    kinds = [(f["kind"], f["line"]) for f in q.details["findings"]]
    assert kinds == [("unused-import", 1), ("unused-import", 2), ("undefined-name", 6), ("bare-except", 7),
                     ("unreachable", 10)]
    lint = 1 / (1 + (0.5 + 0.5 + 3 + 1 + 1) / 4)
    assert q.details["lint_score"] == pytest.approx(lint, abs=1e-4)
    expected = 0.4 * q.details["lint_score"] + 0.3 * q.details["cc_score"] + 0.3 * q.details["mi_score"]
    assert q.value == pytest.approx(expected, abs=1e-3)
    assert s["lint_findings"].value == 5


def test_quality_lint_keeps_pyflakes_wording_batched_or_alone(snake):
    """ruff reports pyflakes' checks: kinds, lines and messages read as pyflakes wrote them, a
    batch pre-pass finds what a lone run finds, and a response's `# noqa` hides nothing."""
    from evalkit import lint

    code = ("import os  # noqa\nfrom config import *\n\ndef f():\n    global seen\n    unused = 1\n"
            "    return missing_name\n")
    alone = lint.lint(code)
    assert [(f["kind"], f["line"], f["message"]) for f in alone] == [
        ("unused-import", 1, "'os' imported but unused"),
        ("ImportStarUsed", 2, "'from config import *' used; unable to detect undefined names"),
        ("UnusedIndirectAssignment", 5, "`global seen` is unused: name is never assigned in scope"),
        ("unused-variable", 6, "local variable 'unused' is assigned to but never used"),
    ]  # with `import *`, pyflakes (and so ruff) cannot call missing_name undefined
    other = code.replace("from config import *\n", "\n")
    lint._CACHE.clear()
    exs = [extract(py(code)), extract(py(other))]
    quality.prepare(exs)
    code, other = (ex.main.code for ex in exs)
    assert code in lint._CACHE and other in lint._CACHE  # one ruff run for both
    assert lint.lint(code) == alone
    assert ("undefined-name", 7, "undefined name 'missing_name'") in [
        (f["kind"], f["line"], f["message"]) for f in lint.lint(other)]


COMPLEX = '''
import functools

@functools.lru_cache(maxsize=1 if True else 2)
def branchy(a, b=[x for x in range(3) if x]):
    assert a and b or not a
    for i in range(a):
        if i % 2 and i > 3 or i == 7:
            continue
        elif i:
            pass
    else:
        a = a if a else -1
    while a:
        a -= 1
    try:
        pass
    except ValueError:
        pass
    except (TypeError, KeyError):
        pass
    else:
        pass
    match a:
        case 1 if b:
            pass
        case _:
            pass
    return [j for j in range(a) if j if j > 1 for k in "ab"]

class Box(Base if True else object):
    size = 3 if True else 4

    def grow(self, n):
        def inner():
            return 1 if n else 2
        return self.size + n * 2 > 10 and ("a" "b") not in "c"
'''


def test_complexity_and_halstead_equal_radon():
    """Cyclomatic complexity and Halstead volume counted on the tree-sitter tree are radon's."""
    import ast

    from radon.metrics import h_visit_ast
    from radon.visitors import ComplexityVisitor

    from evalkit import codemetrics

    got = codemetrics.analyse(COMPLEX)
    v = ComplexityVisitor.from_ast(ast.parse(COMPLEX))
    funcs = [(f.fullname, f.lineno, f.complexity) for f in list(v.functions) + v.classes[0].methods]
    # branchy: 1 + assert + for/else 2 + if + and/or 2 + elif + x if y + while + try 3 + match 1 + comprehension
    # 4 (the decorator's and the default's are not counted); grow: 1 + and (inner() counts for itself)
    assert got.functions == funcs == [("branchy", 5, 18), ("Box.grow", 34, 2)]
    assert (got.module_complexity, got.total_complexity) == (v.complexity, v.total_complexity) == (1, 21)
    assert got.volume == pytest.approx(h_visit_ast(ast.parse(COMPLEX)).total.volume, abs=1e-9)
    q = quality.analyse(COMPLEX)
    assert (q["cc_max"], q["cc_mean"], q["most_complex"][0]) == (18, 10.0, {"name": "branchy", "line": 5,
                                                                             "complexity": 18})


def test_quality_none_or_zero(snake):
    assert _scores(snake, "```python\ndef f(:\n```")["quality"].value == 0.0
    assert _scores(snake, "```javascript\nlet a = 1;\n```")["quality"].value is None
    assert _scores(snake, "words only")["quality"].value is None


# ------------------------------------------------------------------ seed rubric

def test_seed_item_stats_defect(seed):
    bad = py('def speed_multiplier(item):\n    return item.get("speed", 1.0)')
    good = py('def speed_multiplier(item):\n    if item is None:\n        return 1.0\n'
              '    return float(item.get("stats", {}).get("speed", 1.0))')
    fb = _scores(seed["item_stats"], bad)["feature_completeness"]
    assert _features(fb) == {"reads_stats": False, "safe_defaults": False, "returns_float": False}
    assert "instead of item['stats']" in fb.details["features"][0]["reason"]
    assert _scores(seed["item_stats"], good)["feature_completeness"].value == 1.0


def test_task_without_rubric_has_no_feature_score():
    from evalkit.suites import Task

    t = Task(suite="x", id="plain", prompt="p")
    s = _scores(t, py("def f():\n    return 1"))
    assert s["feature_completeness"].value is None


# ------------------------------------------------------------------ roll-ups

def test_rollups_formulas_and_missing_inputs():
    r = rollups({"syntax_ok": 1.0, "runs_ok": 0.5, "tests_pass": 0.4, "feature_completeness": 0.9,
                 "code_prose_ratio": 1.0, "claim_consistency": 0.5, "quality": 0.75})
    assert r == {"code_correctness": 5.5, "feature_completeness": 9.0, "code_explanation_ratio": 2.0,
                 "production_readiness": round(10 * 0.5 * 0.75 * 0.5 * 0.9, 1)}
    # no execution: correctness from syntax alone, readiness uses syntax in place of runs_ok
    r = rollups({"syntax_ok": 0.5, "quality": 1.0, "claim_consistency": None, "code_prose_ratio": 12})
    assert r["code_correctness"] == 5.0 and r["code_explanation_ratio"] == 10.0
    assert r["production_readiness"] == 5.0 and r["feature_completeness"] is None
    assert rollups({}) == dict.fromkeys(r, None)
    from evalkit.rollups import pooled_ratio

    assert pooled_ratio(300, 60) == 5.0 and pooled_ratio(40, 0) == 40.0
    assert [format_ratio(x) for x in (5, 1.0, 0.456, 38.3, None)] == ["5:1", "1:1", "0.5:1", "38:1", "n/a"]


def test_other_coding_style_is_recognised(snake):
    # direction strings, Vector2 positions, `for segment in body` self-collision, shield in update()
    s = _scores(snake, (FIX / "snake_style2.md").read_text())
    assert s["feature_completeness"].value == 1.0
    assert _claims(s["claim_consistency"]) == [
        ("feature", "speed_item", "supported"), ("feature", "ice_shield", "supported"),
        ("feature", "skin_item", "supported"), ("feature", "pause", "supported"),
        ("control", "arrow keys", "supported"), ("control", "P", "supported"),
        ("number", ("ice_shield", 3.0), "supported"), ("number", ("speed_item", 4.0), "supported")]


def test_demo_pair_separates_on_rollups(snake):
    def means(name):
        return {s.metric: s.value for s in score_response(snake, (FIX / name).read_text(), execute=False)}

    base, tuned = rollups(means("snake_base.md")), rollups(means("snake_tuned.md"))
    assert base["feature_completeness"] == 5.0 and tuned["feature_completeness"] == 10.0
    assert base["code_explanation_ratio"] == 4.0 and tuned["code_explanation_ratio"] == 10.0
    assert base["production_readiness"] <= 3.0 and tuned["production_readiness"] >= 9.0


def test_bad_rubric_is_a_user_error():
    from evalkit.errors import EvalkitError
    from evalkit.suites import Task

    for bad in ({"kind": "nonsense"}, {"kind": "ident", "pattern": "(unclosed"}):
        t = Task(suite="x", id="t", prompt="p", rubric={"features": [{"id": "f", "evidence": [bad]}]})
        with pytest.raises(EvalkitError):
            _scores(t, py("x = 1"))
    t = Task(suite="x", id="t", prompt="p", rubric={"features": [{"id": "f", "claim": ["(oops"], "evidence": []}]})
    with pytest.raises(EvalkitError, match="rubric regex"):
        _scores(t, py("x = 1", "some prose"))


WRONG_DICT_LEVEL = """
ITEMS = [{"name": "Speed", "stats": {"speed": 1.5, "duration": 5}}]

def update(self):
    speed_multiplier = self.current_item.get("speed", 1.0)
    self.speed = 5 * speed_multiplier
    self.timer = 0

def tick(self, dt):
    self.timer += dt
    if self.timer > 5:
        self.speed = 5
"""


def test_speed_read_from_the_wrong_dict_level(snake):
    s = _scores(snake, py(WRONG_DICT_LEVEL, "The speed item makes you 1.5x faster."))
    f = next(f for f in s["feature_completeness"].details["features"] if f["id"] == "speed_item")
    assert f["found"] is False and f["contradicted"] and 'reads item.get("speed")' in f["reason"]
    assert [e["line"] for e in f["contra_evidence"]] == [1, 4]
    fixed = WRONG_DICT_LEVEL.replace('self.current_item.get("speed", 1.0)', 'self.current_item["stats"].get("speed", 1.0)')
    s = _scores(snake, py(fixed, "The speed item makes you 1.5x faster."))
    assert _claims(s["claim_consistency"]) == [("feature", "speed_item", "supported"),
                                              ("number", ("speed_item", 1.5), "supported")]


def test_shield_in_an_elif_does_not_guard_the_reset(snake):
    code = """
    SHIELD_HITS = 3

    def update(self):
        if self.head in self.body:
            self.reset()
        elif self.shield > 0:
            self.shield -= 1
    """
    s = _scores(snake, py(code, "Ice Shield skips 3 collisions."))
    assert _claims(s["claim_consistency"])[0] == ("feature", "ice_shield", "contradicted")


def test_veto_probe_only_counts_when_it_fails():
    from evalkit.suites import Task

    rubric = {"features": [{"id": "walls", "probe": "survives_wall", "probe_mode": "veto",
                            "evidence": [{"kind": "branch", "cond": "WIDTH", "body": "game_over"}]}]}
    task = Task(suite="x", id="t", prompt="p", rubric=rubric)
    wraps = "def step(self):\n    self.x = self.x % WIDTH"
    passed = {"probes": {"survives_wall": {"passed": True, "detail": "wrapped around"}}}
    assert _features(_scores(task, py(wraps), passed)["feature_completeness"])["walls"] is False
    walls = "def step(self):\n    if self.x < 0 or self.x >= WIDTH:\n        self.game_over = True"
    assert _features(_scores(task, py(walls), passed)["feature_completeness"])["walls"] is True
    failed = {"probes": {"survives_wall": {"passed": False, "detail": "the snake left the board"}}}
    f = _scores(task, py(walls), failed)["feature_completeness"].details["features"][0]
    assert f["found"] is False and f["source"] == "probe" and "left the board" in f["reason"]


def test_wall_probe_decides_and_not_judged_leaves_static(snake):
    # the snake rubric lets survives_wall decide: it passes only when the round ends at the wall
    wraps = "def step(self):\n    self.x = self.x % WIDTH"
    walls = "def step(self):\n    if self.x < 0 or self.x >= WIDTH:\n        self.game_over = True"
    failed = {"probes": {"survives_wall": {"passed": False, "detail": "wrapped around"}}}
    assert _features(_scores(snake, py(walls), failed)["feature_completeness"])["wall_collision"] is False
    unseen = {"probes": {"survives_wall": {"passed": None, "detail": "the wall was never reached"}}}
    f = next(f for f in _scores(snake, py(walls), unseen)["feature_completeness"].details["features"]
             if f["id"] == "wall_collision")
    assert f["found"] is True and f["source"] == "static" and "not judged" in f["probe_detail"]
    assert _features(_scores(snake, py(wraps), unseen)["feature_completeness"])["wall_collision"] is False


def test_speed_flows_into_the_step_through_a_variable(snake):
    code = """
    ITEMS = {"speed": {"name": "Speed Boost", "stats": {"speed": 1.5}}}

    def update(self):
        self.current_item = ITEMS["speed"]["name"]
        speed_multiplier = self.current_item.get("stats", {}).get("speed", 1.0)
        step = int(self.speed * speed_multiplier)
        new_head = (x + self.direction[0] * step, y + self.direction[1] * step)
    """
    s = _scores(snake, py(code, "Moves on a grid. The speed boost makes it faster."))
    by = {f["id"]: f for f in s["feature_completeness"].details["features"]}
    assert by["grid_movement"]["contradicted"] and [e["line"] for e in by["grid_movement"]["contra_evidence"]] == [7]
    assert by["speed_item"]["contradicted"] and [e["line"] for e in by["speed_item"]["contra_evidence"]] == [4, 5]
    assert _claims(s["claim_consistency"]) == [("feature", "grid_movement", "contradicted"),
                                              ("feature", "speed_item", "contradicted")]


def test_feature_required_only_when_claimed():
    from evalkit.suites import Task

    rubric = {"features": [
        {"id": "a", "claim": ["alpha"], "evidence": [{"kind": "ident", "pattern": "^alpha$"}]},
        {"id": "b", "claim": ["beta"], "required": "claimed", "evidence": [{"kind": "ident", "pattern": "^beta$"}]}]}
    t = Task(suite="x", id="t", prompt="p", rubric=rubric)
    assert _scores(t, py("alpha = 1", "Here it is."))["feature_completeness"].value == 1.0
    s = _scores(t, py("alpha = 1", "It has beta too."))["feature_completeness"]
    assert s.value == 0.5 and s.details["required"] == 2
