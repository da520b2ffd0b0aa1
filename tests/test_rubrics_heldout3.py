"""Rubric rules from held-out round 3, each on small programs written for these tests.

* snake `score`: a score drawn only on the game-over screen is not "shown" (checks `not_under`);
* snake `grid_movement`: food placed by randrange with a step that is not the cell size, or by an
  unrounded randint over pixels, is off the lattice (check `off_lattice`), and a grid probe that
  passed on what one run drew does not overturn that proof (`beats_probe`);
* 2048 `undo`: restoring a whole saved state object counts;
* todo_api `ids_not_reused`: its setup POSTs accept any 2xx (the create status is `create`'s case).
"""

from __future__ import annotations

import textwrap

import pytest

from evalkit import program, sandbox, sandbox_env
from evalkit.extract import extract
from evalkit.scorers import features, score_response
from evalkit.suites import load_suites


@pytest.fixture(scope="module")
def rubrics():
    out = {}
    for suite in ("snake", "apps"):
        for t in load_suites([suite])[0].tasks:
            out[t.id] = t
    return out


def verdict(task, code: str) -> dict:
    ex = extract("The game:\n\n```python\n" + textwrap.dedent(code) + "\n```\n")
    return features.evaluate(task.rubric, program.view(ex).block)


# ---- snake: score shown while playing ------------------------------------------------------------

SCORE_GAME = '''
import pygame
pygame.init()
win = pygame.display.set_mode((400, 400))
font = pygame.font.SysFont(None, 30)
clock = pygame.time.Clock()
mode = "play"
points = 0
body = [(5, 5)]
treat = (8, 8)
while True:
    for ev in pygame.event.get():
        if ev.type == pygame.QUIT:
            raise SystemExit
    if mode == "play":
        head = (body[0][0] + 1, body[0][1])
        if head[0] >= 20:
            mode = "over"
        body.insert(0, head)
        if head == treat:
            points += 1
        else:
            body.pop()
    win.fill((0, 0, 0))
{draw}
    pygame.display.flip()
    clock.tick(8)
'''

ONLY_AT_GAME_OVER = '''
    if mode == "play":
        for x, y in body:
            pygame.draw.rect(win, (0, 255, 0), (x * 20, y * 20, 20, 20))
    elif mode == "over":
        label = font.render("Final: " + str(points) + " (score)", True, (255, 0, 0))
        win.blit(label, (100, 180))
'''

WHILE_PLAYING = '''
    if mode != "over":
        label = font.render(f"Score {points}", True, (255, 255, 255))
        win.blit(label, (5, 5))
    else:
        win.blit(font.render("GAME OVER", True, (255, 0, 0)), (120, 180))
'''

# the tutorial's shape: one helper called from the playing loop and from the lost screen
HELPER_BOTH = '''
    def show_points(n):
        win.blit(font.render("Score: " + str(n), True, (255, 255, 0)), (0, 0))
    if mode == "over":
        show_points(points)
    show_points(points)
'''

HELPER_ONLY_OVER = '''
    def show_points(n):
        win.blit(font.render("Score: " + str(n), True, (255, 255, 0)), (0, 0))
    if mode == "over":
        show_points(points)
'''


@pytest.mark.parametrize("draw, shown", [(ONLY_AT_GAME_OVER, False), (WHILE_PLAYING, True),
                                         (HELPER_BOTH, True), (HELPER_ONLY_OVER, False)])
def test_score_drawn_only_on_the_game_over_screen_is_not_shown(rubrics, draw, shown):
    code = SCORE_GAME.replace("{draw}", textwrap.indent(textwrap.dedent(draw).strip("\n"), "    "))
    assert verdict(rubrics["snake"], code)["score"]["found"] is shown


def test_a_negated_game_over_loop_still_shows_the_score(rubrics):
    code = '''
    import pygame
    pygame.init()
    win = pygame.display.set_mode((300, 300))
    font = pygame.font.SysFont(None, 24)
    lost = False
    points = 0
    while not lost:
        points += 1
        win.blit(font.render("Score: %d" % points, True, (255, 255, 255)), (0, 0))
        if points > 50:
            lost = True
        pygame.display.update()
    '''
    assert verdict(rubrics["snake"], code)["score"]["found"] is True


@pytest.mark.parametrize("cond, gated", [
    ("game_over", True), ("not game_over", False), ("state == 'game_over'", True), ("state != 'game_over'", False),
    ("game_close == True", True), ("game_over == False", False), ("playing or game_over", False),
    ("game_over and not paused", True), ("not (not game_over)", True), ("lives <= 0", True),
    ("gameOver === true", True), ("!gameOver", False), ("game_over_at is not None", True), ("game_over_at is None", False),
])
def test_game_over_tests_and_their_negations(rubrics, cond, gated):
    import re

    from evalkit.scorers.checkgates import positive_test
    rx = re.compile(rubrics["snake"].rubric["vocab"]["over_test"])
    assert positive_test(cond, rx) is gated


BREAKOUT_HUD = '''
import pygame
pygame.init()
win = pygame.display.set_mode((480, 400))
font = pygame.font.SysFont(None, 24)
points, lives, game_over = 0, 3, False
while True:
    for ev in pygame.event.get():
        if ev.type == pygame.QUIT:
            raise SystemExit
    points += 1
    if points > 99:
        lives -= 1
    game_over = lives <= 0
    win.fill((0, 0, 0))
    win.blit(font.render(f"Lives {lives}", True, (255, 255, 255)), (400, 5))
{hud}
    pygame.display.flip()
'''


@pytest.mark.parametrize("hud, shown", [
    ("    if game_over:\n        win.blit(font.render(f'Final score {points}', True, (255, 0, 0)), (150, 200))", False),
    ("    win.blit(font.render(f'Score {points}', True, (255, 255, 255)), (5, 5))", True),
])
def test_breakout_hud_score_only_after_the_game_is_not_shown(rubrics, hud, shown):
    assert verdict(rubrics["breakout"], BREAKOUT_HUD.replace("{hud}", hud))["hud"]["found"] is shown


# ---- snake: food off the lattice -----------------------------------------------------------------

GRID_GAME = '''
import random
import pygame
CELL = 20
WIDTH, HEIGHT = 400, 400
pygame.init()
win = pygame.display.set_mode((WIDTH, HEIGHT))
clock = pygame.time.Clock()

def new_treat():
    {place}

body = [(100, 100)]
dx, dy = CELL, 0
treat = new_treat()
while True:
    for ev in pygame.event.get():
        if ev.type == pygame.QUIT:
            raise SystemExit
    head = (body[0][0] + dx, body[0][1] + dy)
    body.insert(0, head)
    if head == treat:
        treat = new_treat()
    else:
        body.pop()
    win.fill((0, 0, 0))
    pygame.draw.rect(win, (255, 0, 0), (*treat, CELL, CELL))
    for x, y in body:
        pygame.draw.rect(win, (0, 255, 0), (x, y, CELL, CELL))
    pygame.display.flip()
    clock.tick(10)
'''


@pytest.mark.parametrize("place, on_grid", [
    ("return (random.randrange(0, WIDTH - CELL, 10), random.randrange(0, HEIGHT - CELL, 10))", False),
    ("return (random.randrange(0, WIDTH, CELL), random.randrange(0, HEIGHT, CELL))", True),
    ("return (random.randrange(0, WIDTH, 40), random.randrange(0, HEIGHT, 20))", True),
    ("return (random.randint(0, WIDTH - CELL), random.randint(0, HEIGHT - CELL))", False),
    ("return (random.randint(0, WIDTH // CELL - 1) * CELL, random.randint(0, HEIGHT // CELL - 1) * CELL)", True),
    (("px = random.randint(0, WIDTH - CELL)\n    py = random.randint(0, HEIGHT - CELL)\n"
      "    return (px - px % CELL, py - py % CELL)"), True),
    ("return (random.choice(range(0, WIDTH, 10)), random.choice(list(range(0, HEIGHT, 10))))", False),
    ("return (random.choice(range(0, WIDTH, CELL)), random.choice(list(range(0, HEIGHT, CELL))))", True),
    ("return (random.uniform(0, WIDTH - CELL), random.uniform(0, HEIGHT - CELL))", False),
])
def test_food_placed_off_the_cell_lattice(rubrics, place, on_grid):
    r = verdict(rubrics["snake"], GRID_GAME.replace("{place}", place))["grid_movement"]
    assert r["found"] is on_grid
    assert r["contradicted"] is (not on_grid)
    assert bool(r.get("proof")) is (not on_grid)


def test_decorations_and_a_bare_window_size_are_not_judged(rubrics):
    # particles may sit anywhere; SIZE = 400 beside CELL = 20 does not make the cell size ambiguous
    sparks = GRID_GAME.replace("{place}", "return (random.randrange(0, WIDTH, CELL), 0)") + (
        "\nclass Spark:\n    def __init__(self):\n        self.pos = (random.randint(0, WIDTH), random.randint(0, HEIGHT))\n")
    assert verdict(rubrics["snake"], sparks)["grid_movement"]["found"] is True
    sized = GRID_GAME.replace("CELL = 20", "CELL = 20\nSIZE = 400").replace(
        "{place}", "return (random.randrange(0, SIZE, 10), 0)")
    assert verdict(rubrics["snake"], sized)["grid_movement"]["contradicted"] is True


def test_a_lucky_grid_probe_does_not_overturn_the_proof(rubrics):
    feature = next(f for f in rubrics["snake"].rubric["features"] if f["id"] == "grid_movement")
    passed = {"grid_aligned": {"passed": True, "detail": "snake and 2 food positions share a 20-px lattice"}}
    failed = {"grid_aligned": {"passed": False, "detail": "food off the lattice"}}
    off = verdict(rubrics["snake"], GRID_GAME.replace("{place}", "return (random.randrange(0, WIDTH, 10), 0)"))
    r = features.apply_probe(feature, off["grid_movement"], passed)
    assert (r["found"], r["contradicted"], r["source"]) == (False, True, "static")
    assert "the code proves otherwise" in r["probe_detail"]
    assert features.apply_probe(feature, off["grid_movement"], failed)["found"] is False
    # without a proof a passed probe still decides (pixel-free static evidence, probe on top)
    on = verdict(rubrics["snake"], GRID_GAME.replace("{place}", "return (random.randrange(0, WIDTH, CELL), 0)"))
    r = features.apply_probe(feature, dict(on["grid_movement"], found=False), passed)
    assert (r["found"], r["source"]) == (True, "probe")


# ---- 2048: undo restores a whole state object ----------------------------------------------------

UNDO_GAME = '''
import copy
import pygame

class Snapshot:
    def __init__(self):
        self.cells = [[0] * 4 for _ in range(4)]
        self.points = 0

class App:
    def __init__(self):
        self.now = Snapshot()
        self.saved = []

    def play(self, key):
        self.saved.append(copy.deepcopy(self.now))
        self.now.points += 4

    def handle(self, event):
        if event.key == pygame.K_u:
            {undo}
'''


@pytest.mark.parametrize("undo, found", [
    ("if self.saved:\n                self.now = self.saved.pop()", True),
    ("if self.saved:\n                self.now = copy.deepcopy(self.saved[-1])\n                self.saved.pop()", True),
    ("print('undo is not available yet')", False),
])
def test_undo_restoring_a_saved_state_object(rubrics, undo, found):
    r = verdict(rubrics["game2048"], UNDO_GAME.replace("{undo}", undo))
    assert r["undo"]["found"] is found


# ---- todo_api: setup requests accept any 2xx -----------------------------------------------------

needs_sandbox = pytest.mark.skipif(sandbox_env.ready_dir() is None or sandbox.resolve_mode("auto") != "bwrap",
                                   reason="needs bubblewrap and `evalkit setup-sandbox` (flask)")

TODO_API = '''
import os
from flask import Flask, jsonify, request

app = Flask(__name__)
items = {}
counter = {"n": 0}


@app.post("/todos")
def add():
    body = request.get_json(silent=True) or {}
    if not body.get("title"):
        return jsonify(error="title required"), 400
    counter["n"] = {next_id}
    item = {"id": counter["n"], "title": body["title"], "done": False}
    items[item["id"]] = item
    return jsonify(item), 200


@app.delete("/todos/<int:tid>")
def remove(tid):
    if tid not in items:
        return jsonify(error="not found"), 404
    del items[tid]
    return "", 204


@app.get("/todos")
def listing():
    return jsonify(list(items.values()))


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", 5000)))
'''


@needs_sandbox
@pytest.mark.parametrize("next_id, stable", [('counter["n"] + 1', True), ("max(items, default=0) + 1", False)])
def test_ids_case_accepts_a_200_create(rubrics, next_id, stable):
    text = "app.py:\n\n```python\n" + TODO_API.replace("{next_id}", next_id) + "```\n"
    s = {x.metric: x for x in score_response(rubrics["todo_api"], text)}
    cases = {t["id"]: t["case"] for t in s["tests_pass"].details["tests"]}
    assert cases["create"]["passed"] is False  # 200 instead of 201 is still the create case's failure
    assert cases["ids_not_reused"]["passed"] is stable, cases["ids_not_reused"]["reason"]
