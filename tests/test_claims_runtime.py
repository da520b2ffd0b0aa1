"""The run's own evidence in claims and features (evalkit/scorers/claim_runtime.py, evalkit/deadflags.py),
through the real pipeline (score_response, the apps suite's rubrics and scripted keys, the sandbox):

* a key whose first scripted press crashes the game does not do what the prose says it does;
* a feature whose own code raises when the run reaches it is contradicted, with the crash as evidence;
* a condition reading a flag nothing ever sets gates nothing (a shield check on a never-set attribute).
"""

from __future__ import annotations

from functools import cache

import pytest

from evalkit import sandbox_env, treesitter
from evalkit.deadflags import dead_flags
from evalkit.scorers import score_response
from evalkit.suites import load_suites

needs_env = pytest.mark.skipif(sandbox_env.ready_dir() is None, reason="run `evalkit setup-sandbox` first")


@cache
def task(task_id: str):
    return next(t for t in load_suites(["apps"])[0].tasks if t.id == task_id)


def answer(prose: str, code: str) -> str:
    return f"{prose}\n\n```python\n{code.strip()}\n```\n"


def scores(task_id: str, text: str, execute: bool = True) -> dict:
    return {s.metric: s for s in score_response(task(task_id), text, execute=execute)}


def claim(sc: dict, kind: str, what: str) -> dict:
    return next(c for c in sc["claim_consistency"].details["claims"]
                if c["kind"] == kind and (c.get("key") == what or c.get("feature") == what))


def feature(sc: dict, fid: str) -> dict:
    return next(f for f in sc["feature_completeness"].details["features"] if f["id"] == fid)


BREAKOUT = """
import pygame


def launch_ball(ball, speed):
    return speed > 0


pygame.init()
screen = pygame.display.set_mode((400, 300))
clock = pygame.time.Clock()
paddle = pygame.Rect(170, 280, 60, 10)
ball = pygame.Rect(195, 265, 10, 10)
moving = False
paused = False
running = True
while running:
    for event in pygame.event.get():
        if event.type == pygame.QUIT:
            running = False
        elif event.type == pygame.KEYDOWN:
            if event.key == pygame.K_SPACE and not moving:
                moving = LAUNCH_CALL
            elif event.key == pygame.K_p:
                paused = not paused
    if not paused:
        keys = pygame.key.get_pressed()
        if keys[pygame.K_LEFT]:
            paddle.x -= 5
        if keys[pygame.K_RIGHT]:
            paddle.x += 5
    screen.fill((0, 0, 0))
    pygame.draw.rect(screen, (255, 255, 255), paddle)
    pygame.draw.rect(screen, (255, 255, 255), ball)
    pygame.display.flip()
    clock.tick(60)
pygame.quit()
"""
BREAKOUT_PROSE = "A small Breakout start.\n\n- Press **Space** to launch the ball.\n- Press **P** to pause the game."


@needs_env
def test_a_key_whose_first_press_crashes_the_game_is_contradicted():
    sc = scores("breakout", answer(BREAKOUT_PROSE, BREAKOUT.replace("LAUNCH_CALL", "launch_ball(ball)")))
    assert sc["runs_ok"].value == 0.0  # TypeError: launch_ball() missing 'speed', at the first Space
    space = claim(sc, "control", "space")
    assert space["verdict"] == "contradicted"
    assert "first press of space" in space["reason"] and "TypeError" in space["reason"]
    assert any("launch_ball(ball)" in e["text"] for e in space["evidence"])


@needs_env
def test_the_same_key_that_works_stays_supported():
    sc = scores("breakout", answer(BREAKOUT_PROSE, BREAKOUT.replace("LAUNCH_CALL", "launch_ball(ball, 5)")))
    assert sc["runs_ok"].value == 1.0
    assert claim(sc, "control", "space")["verdict"] == "supported"


FLAPPY_RESTART = """
import pygame

pygame.init()
screen = pygame.display.set_mode((300, 400))
clock = pygame.time.Clock()
GRAVITY = 0.5


class Pipe:
    def __init__(self, x):
        self.rect = pygame.Rect(x, 0, 40, 150)


def reset_game():
    global y, vel, pipes, game_over
    y = 200.0
    vel = 0.0
    pipes = [PIPE_CALL]
    game_over = False


y = 200.0
vel = 0.0
pipes = [Pipe(300)]
game_over = False
running = True
while running:
    for event in pygame.event.get():
        if event.type == pygame.QUIT:
            running = False
        elif event.type == pygame.KEYDOWN and event.key in (pygame.K_SPACE, pygame.K_r):
            if game_over:
                reset_game()
            else:
                vel = -8
    if not game_over:
        vel += GRAVITY
        y += vel
        if y > 390:
            game_over = True
    screen.fill((0, 0, 0))
    pygame.draw.rect(screen, (255, 255, 0), (50, int(y), 20, 20))
    for p in pipes:
        pygame.draw.rect(screen, (0, 255, 0), p.rect)
    pygame.display.flip()
    clock.tick(60)
pygame.quit()
"""
FLAPPY_PROSE = ("A tiny Flappy Bird.\n\n- Press **Space** to flap.\n"
                "- When the bird hits the ground it is game over; press R to restart.")


@needs_env
def test_a_feature_whose_own_code_raises_in_the_run_is_contradicted():
    sc = scores("flappy", answer(FLAPPY_PROSE, FLAPPY_RESTART.replace("PIPE_CALL", "Pipe()")))
    assert sc["runs_ok"].value == 0.0  # the restart after the game over raises TypeError in reset_game()
    restart = feature(sc, "restart")
    assert restart["found"] is False and restart["contradicted"] is True and restart["source"] == "run"
    assert "TypeError" in restart["reason"]
    assert {"reset_game()", "pipes = [Pipe()]"} <= {e["text"] for e in restart["contra_evidence"]}
    c = claim(sc, "feature", "restart")
    assert c["verdict"] == "contradicted" and "TypeError" in c["reason"]
    # Space flapped many times before the crash (a later press raised): its claim stands
    assert claim(sc, "control", "space")["verdict"] == "supported"


@needs_env
def test_the_same_restart_that_works_is_found():
    sc = scores("flappy", answer(FLAPPY_PROSE, FLAPPY_RESTART.replace("PIPE_CALL", "Pipe(300)")))
    assert sc["runs_ok"].value == 1.0
    assert feature(sc, "restart")["found"] is True
    assert claim(sc, "feature", "restart")["verdict"] == "supported"


FLAPPY_SHIELD = """
import pygame

pygame.init()
screen = pygame.display.set_mode((300, 400))


class Bird:
    def __init__(self):
        self.rect = pygame.Rect(50, 200, 20, 20)
        self.shield_active = False
        self.shielded = False


bird = Bird()
orb = pygame.Rect(200, 200, 10, 10)
pipes = [pygame.Rect(250, 0, 40, 150)]
game_over = False
running = True
while running:
    for event in pygame.event.get():
        if event.type == pygame.QUIT:
            running = False
    if bird.rect.colliderect(orb):
        PICKUP = True
    for pipe in pipes:
        if bird.rect.colliderect(pipe):
            if bird.shielded:
                bird.shielded = False
            else:
                game_over = True
    if game_over:
        running = False
    pygame.display.flip()
pygame.quit()
"""
SHIELD_PROSE = "Flappy with a power-up.\n\nFlying through the orb gives the bird a **shield** that absorbs the next pipe hit."


def test_a_guard_on_a_flag_nothing_ever_sets_guards_nothing():
    code = FLAPPY_SHIELD.replace("PICKUP", "bird.shield_active")  # the pickup sets another attribute
    assert dead_flags(treesitter.index("python", code.strip())) == ("shielded",)
    sc = scores("flappy", answer(SHIELD_PROSE, code), execute=False)
    shield = feature(sc, "shield")
    assert shield["found"] is False and shield["contradicted"] is True
    assert claim(sc, "feature", "shield")["verdict"] == "contradicted"


def test_the_same_guard_on_a_flag_the_pickup_sets_counts():
    code = FLAPPY_SHIELD.replace("PICKUP", "bird.shielded")
    assert dead_flags(treesitter.index("python", code.strip())) == ()
    sc = scores("flappy", answer(SHIELD_PROSE, code), execute=False)
    assert feature(sc, "shield")["found"] is True
    assert claim(sc, "feature", "shield")["verdict"] == "supported"


@pytest.mark.parametrize("setter", [
    "bird.shielded = not bird.shielded",   # a toggle
    "bird.shielded += 1",                  # a charge
    "setattr(bird, 'shielded', True)",     # by name
    "bird.__dict__.update(shielded=True)",  # computed attributes: nothing is judged dead
    "bird = Bird(shielded=True)",          # a keyword argument
])
def test_any_way_of_setting_the_flag_keeps_it_alive(setter):
    code = FLAPPY_SHIELD.replace("PICKUP = True", setter)
    assert dead_flags(treesitter.index("python", code.strip())) == ()
