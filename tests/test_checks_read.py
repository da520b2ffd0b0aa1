"""`read: true` on aug/assign checks: a counter or timer the running program never consults implements nothing.

The shapes come from held-out answers: a shield pickup that raises a misspelt attribute
(`snake.shield_charges += 3` while the game tests `snake.shield`), and a power-up timer set on pickup
whose countdown sits in a method the loop never calls.
"""

from __future__ import annotations

from evalkit import treesitter
from evalkit.extract import extract
from evalkit.scorers import checks, features, runfacts
from evalkit.suites import load_suites

SHIELD_GAME = '''import random
import pygame

CELL = 20


class Snake:
    def __init__(self):
        self.body = [(100, 100), (80, 100), (60, 100)]
        self.direction = (CELL, 0)
        self.shield = 0

    def step(self):
        x, y = self.body[0]
        self.body.insert(0, (x + self.direction[0], y + self.direction[1]))
        self.body.pop()


def apply_item(snake, kind):
    if kind == "shield":
        snake.{attr} += 3


def main():
    pygame.init()
    screen = pygame.display.set_mode((400, 400))
    clock = pygame.time.Clock()
    snake = Snake()
    running = True
    while running:
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                running = False
        snake.step()
        head = snake.body[0]
        if random.random() < 0.01:
            apply_item(snake, "shield")
        hit_wall = not (0 <= head[0] < 400 and 0 <= head[1] < 400)
        if hit_wall or head in snake.body[1:]:
            if snake.shield > 0:
                snake.shield -= 1
            else:
                running = False
        screen.fill((0, 0, 0))
        pygame.display.flip()
        clock.tick(10)


main()
'''


def _ice_shield(code: str) -> dict:
    task = next(t for t in load_suites(["snake"])[0].tasks if t.id == "snake")
    ex = extract(f"The game:\n\n```python\n{code}```\n", language_hint="python")
    return next(r for r in features.feature_results(task, ex, {}) if r["id"] == "ice_shield")


def test_a_charge_added_to_an_attribute_nothing_reads_does_not_make_a_shield():
    assert _ice_shield(SHIELD_GAME.replace("{attr}", "shield"))["found"] is True
    broken = _ice_shield(SHIELD_GAME.replace("{attr}", "shield_charges"))
    assert broken["found"] is False


TIMER = '''class Paddle:
    def __init__(self):
        self.h = 80
        self.big_timer = 0

    def grow(self):
        self.h = 120
        self.big_timer = 8 * 60

    def tick(self):
        if self.big_timer > 0:
            self.big_timer -= 1
            if self.big_timer == 0:
                self.h = 80


def main(frames):
    p = Paddle()
    p.grow()
    for _ in range(frames):
        {call}
    return p.h


main(600)
'''


def _timer_hits(code: str) -> list[int]:
    idx = treesitter.index("python", code)
    check = {"kind": "assign", "lhs": "(?i)big\\w*timer", "rhs": ".", "read": True}
    return checks.run_check(check, idx, {}).lines


def test_a_timer_read_only_in_a_method_nothing_calls_is_not_a_timer():
    assert _timer_hits(TIMER.replace("{call}", "p.tick()")) == [4, 8]
    assert _timer_hits(TIMER.replace("{call}", "pass")) == []
    # without `read`, the plain assignment check still sees the writes
    idx = treesitter.index("python", TIMER.replace("{call}", "pass"))
    assert checks.run_check({"kind": "assign", "lhs": "(?i)big\\w*timer", "rhs": "."}, idx, {}).lines == [4, 8]


def test_read_counts_strings_globals_and_unjudgeable_targets_conservatively():
    code = '''class S:
    pass


def setup(s, cfg):
    s.charges = 3
    s.bonus = 2
    global lives
    lives = 3
    print(getattr(s, "bonus"))
    cfg["shield"] = 1


setup(S(), {})
'''
    idx = treesitter.index("python", code)
    assert runfacts.unread(idx, "s.charges") is True       # written, never read
    assert runfacts.unread(idx, "s.bonus") is False        # read through getattr's string
    assert runfacts.unread(idx, "lives") is True           # `global lives` declares, it does not read
    assert runfacts.unread(idx, 'cfg["shield"]') is False  # not a plain name: cannot judge, counts as read
