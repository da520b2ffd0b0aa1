"""A speed item that scales the snake's step by a factor that need not be whole moves it off the grid.

`step = snake_block * ITEMS["speed"]["multiplier"]` (1.5) then `x1_change = step ...`, `x1 += x1_change`:
the tutorial template with a speed item grafted on. The code proves the misalignment for every pickup,
so a run that never took the item (its grid probe passed) does not overturn it (`beats_probe`).
"""

from __future__ import annotations

import pytest

from evalkit.extract import extract
from evalkit.scorers import claims, features
from evalkit.suites import load_suites

TUTORIAL = '''import random
import pygame

pygame.init()
dis = pygame.display.set_mode((400, 300))
clock = pygame.time.Clock()
snake_block = 10
ITEMS = {"speed": {"multiplier": FACTOR}}


def game_loop():
    x1, y1 = 200, 150
    x1_change, y1_change = 0, 0
    step = snake_block
    boosted = 0
    game_over = False
    while not game_over:
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                game_over = True
            if event.type == pygame.KEYDOWN:
                if event.key == pygame.K_LEFT:
                    x1_change, y1_change = -step, 0
                elif event.key == pygame.K_RIGHT:
                    x1_change, y1_change = step, 0
        if random.random() < 0.01:
            boosted = 50
        if boosted > 0:
            boosted -= 1
            step = snake_block * ITEMS["speed"]["multiplier"]
        else:
            step = snake_block
        if x1_change:
            x1_change = step if x1_change > 0 else -step
        x1 += x1_change
        y1 += y1_change
        if x1 >= 400 or x1 < 0 or y1 >= 300 or y1 < 0:
            game_over = True
        dis.fill((0, 0, 0))
        pygame.draw.rect(dis, (0, 255, 0), [x1, y1, snake_block, snake_block])
        pygame.display.update()
        clock.tick(15)
    pygame.quit()


game_loop()
'''

PROSE = "Classic snake movement on a 10-pixel grid, and a speed item that makes you faster."


@pytest.fixture(scope="module")
def snake():
    return next(t for t in load_suites(["snake"])[0].tasks if t.id == "snake")


def _grid(task, factor: str, probes: dict | None = None):
    text = f"{PROSE}\n\n```python\n{TUTORIAL.replace('FACTOR', factor)}```\n"
    ex = extract(text, language_hint="python")
    arts = {"extraction": ex, "probes": probes or {}}
    grid = next(r for r in features.feature_results(task, ex, arts) if r["id"] == "grid_movement")
    numbers = {c["value"]: c["verdict"] for c in claims.score(task, ex, arts)[0].details["claims"]
               if c["kind"] == "number" and c["feature"] == "grid_movement"}
    return grid, numbers


def test_a_step_scaled_by_a_fraction_is_off_the_grid_whatever_one_run_saw(snake):
    passed = {"grid_aligned": {"passed": True, "detail": "every move was one cell"}}
    for probes in (None, passed):
        grid, numbers = _grid(snake, "1.5", probes)
        assert grid["found"] is False and grid["contradicted"] is True
        assert "scaled by an item's factor" in grid["reason"]
        assert numbers.get(10.0) == "supported"  # the grid's 10 px cell is still 10 px


def test_a_whole_multiple_of_the_cell_stays_on_the_grid(snake):
    grid, _ = _grid(snake, "2")
    assert "scaled by an item's factor" not in grid["reason"]
