"""Pause must stop the game, and a key bound to a handler (tkinter `bind`) is a handled key.

A held-out tkinter answer toggled `paused` on P and drew "PAUSED", but its `tick()` kept moving the
snake: the pause feature and "P pauses" were judged true. Programs written for this test.
"""

from __future__ import annotations

import pytest

from evalkit.extract import extract
from evalkit.scorers import claims, features
from evalkit.suites import load_suites

TK = '''import random
import tkinter as tk

CELL, COLS, ROWS = 20, 20, 15


class Game:
    def __init__(self, root):
        self.root = root
        self.canvas = tk.Canvas(root, width=COLS * CELL, height=ROWS * CELL, bg="black")
        self.canvas.pack()
        self.root.bind("<p>", self.toggle_pause)
        self.snake = [(5, 5), (4, 5)]
        self.direction = (1, 0)
        self.paused = False
        self.tick()

    def toggle_pause(self, event=None):
        self.paused = not self.paused

    def step(self):
        x, y = self.snake[0]
        self.snake.insert(0, (x + self.direction[0], y + self.direction[1]))
        self.snake.pop()

    def tick(self):
{tick}
        self.canvas.delete("all")
        for x, y in self.snake:
            self.canvas.create_rectangle(x * CELL, y * CELL, x * CELL + CELL, y * CELL + CELL, fill="green")
        if self.paused:
            self.canvas.create_text(COLS * CELL // 2, ROWS * CELL // 2, fill="white", text="PAUSED")
        self.root.after(120, self.tick)


root = tk.Tk()
Game(root)
root.mainloop()
'''

PROSE = "Arrow keys steer. Press **P** to pause and resume the game."


@pytest.fixture(scope="module")
def snake():
    return next(t for t in load_suites(["snake"])[0].tasks if t.id == "snake")


@pytest.mark.parametrize("tick, paused", [
    ("        self.step()", False),                     # P only draws "PAUSED": the snake keeps moving
    ("        if not self.paused:\n            self.step()", True),
])
def test_pause_stops_the_game_and_p_is_judged_by_it(snake, tick, paused):
    text = f"{PROSE}\n\n```python\n{TK.replace('{tick}', tick)}```\n"
    ex = extract(text, language_hint="python")
    arts = {"extraction": ex}
    pause = next(r for r in features.feature_results(snake, ex, arts) if r["id"] == "pause")
    assert pause["found"] is paused
    keys = {c["key"]: c["verdict"] for c in claims.score(snake, ex, arts)[0].details["claims"] if c["kind"] == "control"}
    assert keys["P"] == ("supported" if paused else "unsupported")


@pytest.mark.parametrize("line", [
    "self.state = State.PLAYING if self.state is State.PAUSED else State.PAUSED",
    "game_state = GameState.PAUSED",
    "self.gamestate = 'paused'",
])
def test_a_paused_state_is_a_pause(snake, line):
    code = f'''import enum

import pygame


class State(enum.Enum):
    PLAYING = 1
    PAUSED = 2


GameState = State


class Game:
    def __init__(self):
        self.state = None
        self.gamestate = None

    def on_key(self, event):
        if event.key == pygame.K_p:
            {line}

    def draw(self, screen):
        if self.state == "paused" or self.gamestate == "paused":
            screen.fill((0, 0, 0))


game = Game()
screen = pygame.display.set_mode((200, 200))
while True:
    for event in pygame.event.get():
        game.on_key(event)
    game.draw(screen)
'''
    ex = extract(f"P pauses.\n\n```python\n{code}```\n", language_hint="python")
    pause = next(r for r in features.feature_results(snake, ex, {"extraction": ex}) if r["id"] == "pause")
    assert pause["found"] is True
