"""A shield test nested in the collision branch guards the round's end only when it decides it.

`if shield > 0: shield -= 1` followed on the next line by `game_over()` spends a charge and ends the
round anyway (a held-out answer's indentation bug); with the end in an `else:`, after a `continue`
in the shield's block, or behind a further test of its own (`if lives == 0:`), the shield decides.
"""

from __future__ import annotations

import pytest

from evalkit.extract import extract
from evalkit.scorers import features
from evalkit.suites import load_suites

GAME = '''import random
import sys
import pygame

CELL, W, H = 20, 400, 400
shield_charges = 0
snake = [(100, 100), (80, 100)]
direction = (CELL, 0)
lives = 3


def game_over_screen():
    pygame.time.wait(500)


def reset_game():
    global snake, shield_charges
    snake = [(100, 100), (80, 100)]
    shield_charges = 0


def main():
    global snake, shield_charges, lives
    pygame.init()
    screen = pygame.display.set_mode((W, H))
    clock = pygame.time.Clock()
    while True:
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                pygame.quit()
                sys.exit()
        head = (snake[0][0] + direction[0], snake[0][1] + direction[1])
        if random.random() < 0.02:
            shield_charges += 3
        collided = head in snake or not (0 <= head[0] < W and 0 <= head[1] < H)
        if collided:
{handling}
        snake.insert(0, head)
        snake.pop()
        screen.fill((0, 0, 0))
        pygame.display.flip()
        clock.tick(10)


main()
'''

FALLS_THROUGH = '''            if shield_charges > 0:
                shield_charges -= 1
            game_over_screen()
            reset_game()
            continue'''
IN_ELSE = '''            if shield_charges > 0:
                shield_charges -= 1
            else:
                game_over_screen()
                reset_game()
                continue'''
LEAVES_FIRST = '''            if shield_charges > 0:
                shield_charges -= 1
                continue
            game_over_screen()
            reset_game()
            continue'''
OWN_TEST = '''            if shield_charges > 0:
                shield_charges -= 1
            else:
                lives -= 1
            if lives == 0:
                game_over_screen()
                reset_game()
            continue'''


def _ice_shield(handling: str) -> dict:
    task = next(t for t in load_suites(["snake"])[0].tasks if t.id == "snake")
    code = GAME.replace("{handling}", handling)
    ex = extract(f"Here it is:\n\n```python\n{code}```\n", language_hint="python")
    return next(r for r in features.feature_results(task, ex, {}) if r["id"] == "ice_shield")


def test_a_charge_spent_before_the_round_ends_anyway_is_no_shield():
    r = _ice_shield(FALLS_THROUGH)
    assert r["found"] is False


@pytest.mark.parametrize("handling", [IN_ELSE, LEAVES_FIRST, OWN_TEST], ids=["else", "continue", "own-test"])
def test_a_shield_test_that_decides_the_end_still_guards(handling):
    assert _ice_shield(handling)["found"] is True


KINDS = '''import sys
import pygame

CELL, W, H = 20, 400, 400


class Game:
    def __init__(self):
        self.body = [(100, 100), (80, 100)]
        self.shield = 3
        self.over = False

    def step(self, head):
        if head[0] < 0 or head[0] >= W or head[1] < 0 or head[1] >= H:
            if self.shield > 0:
                self.shield -= 1
                return
            self.over = True
            return
        if head in self.body:
{body_hit}
        self.body.insert(0, head)
        self.body.pop()


def main():
    pygame.init()
    pygame.display.set_mode((W, H))
    game = Game()
    while not game.over:
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                sys.exit()
        game.step((game.body[0][0] + CELL, game.body[0][1]))


main()
'''


def test_a_shield_for_the_walls_only_is_not_the_ice_shield():
    walls_only = KINDS.replace("{body_hit}", "            self.over = True\n            return")
    r = _ice_shield_of(walls_only)
    assert r["found"] is False and "only some collisions" in r["reason"]
    both = KINDS.replace("{body_hit}", "            if self.shield > 0:\n                self.shield -= 1\n"
                                       "                return\n            self.over = True\n            return")
    assert _ice_shield_of(both)["found"] is True


def _ice_shield_of(code: str) -> dict:
    task = next(t for t in load_suites(["snake"])[0].tasks if t.id == "snake")
    ex = extract(f"Here it is:\n\n```python\n{code}```\n", language_hint="python")
    return next(r for r in features.feature_results(task, ex, {}) if r["id"] == "ice_shield")
