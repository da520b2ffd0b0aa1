"""Lines that raise as soon as they run, read without running (evalkit/scorers/runfacts.py).

pygame's timers take whole milliseconds: `pygame.time.set_timer(EVENT, 150 / 1.5)` raises TypeError
(checked against the installed pygame below), so a speed item whose effect is that call does nothing
but crash, even when the scripted run never picks one up.
"""

from __future__ import annotations

import os

import pytest

from evalkit import treesitter
from evalkit.extract import extract
from evalkit.scorers import features, runfacts
from evalkit.suites import load_suites


def test_pygame_timers_reject_a_float_here_too():
    pygame = pytest.importorskip("pygame")
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    pygame.init()
    with pytest.raises(TypeError):
        pygame.time.set_timer(pygame.USEREVENT + 1, 150 / 1.5)
    pygame.time.set_timer(pygame.USEREVENT + 1, int(150 / 1.5))
    pygame.time.set_timer(pygame.USEREVENT + 1, 0)


def _failing(code: str) -> dict:
    return runfacts.failing_lines(treesitter.index("python", code))


@pytest.mark.parametrize("call, fails", [
    ("pygame.time.set_timer(MOVE, DELAY / 1.5)", True),
    ("pygame.time.set_timer(MOVE, fast)", True),           # fast = DELAY / mult
    ("pygame.time.set_timer(MOVE, 99.5)", True),
    ("pygame.time.wait(DELAY / 2)", True),
    ("pygame.time.set_timer(MOVE, int(DELAY / 1.5))", False),
    ("pygame.time.set_timer(MOVE, round(DELAY / 1.5))", False),
    ("pygame.time.set_timer(MOVE, DELAY // 2)", False),
    ("pygame.time.set_timer(MOVE, DELAY, loops=1)", False),
    ("pygame.time.set_timer(MOVE, slow)", False),          # slow = 300
    ("clock.tick(FPS / 2)", False),                         # tick takes a float
])
def test_a_float_for_pygames_milliseconds_fails(call, fails):
    code = f"""import pygame
DELAY, FPS = 150, 10
MOVE = pygame.USEREVENT + 1
fast = DELAY / 1.5
slow = 300
clock = pygame.time.Clock()
{call}
"""
    got = _failing(code)
    assert (7 in got) is fails
    if fails:
        assert got[7][1] == "which needs whole milliseconds (TypeError)"


SPEED = '''import random
import pygame

MOVE_EVENT = pygame.USEREVENT + 1
MOVE_DELAY = 150
ITEMS = {"speed": {"multiplier": 1.5}}


def pick_up(kind):
    if kind == "speed":
        fast = MOVE_DELAY / ITEMS["speed"]["multiplier"]
        pygame.time.set_timer(MOVE_EVENT, fast)


def main():
    pygame.init()
    screen = pygame.display.set_mode((400, 400))
    pygame.time.set_timer(MOVE_EVENT, MOVE_DELAY)
    while True:
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                return
            if event.type == MOVE_EVENT and random.random() < 0.1:
                pick_up("speed")
        screen.fill((0, 0, 0))
        pygame.display.flip()


main()
'''


def test_a_speed_item_whose_effect_raises_is_not_implemented():
    task = next(t for t in load_suites(["snake"])[0].tasks if t.id == "snake")
    results = {}
    whole = SPEED.replace("fast = MOVE_DELAY / ITEMS", "fast = int(MOVE_DELAY / ITEMS").replace('["multiplier"]\n', '["multiplier"])\n')
    assert whole != SPEED
    for label, code in (("float", SPEED), ("int", whole)):
        ex = extract(f"Here:\n\n```python\n{code}```\n", language_hint="python")
        results[label] = next(r for r in features.feature_results(task, ex, {}) if r["id"] == "speed_item")
    assert results["float"]["found"] is False
    assert "TypeError" in results["float"]["reason"]
    assert "TypeError" not in results["int"]["reason"]
