"""Number claims: which feature a number belongs to, and the arithmetic that counts as the number.

Each case is prose as chat models write it plus a small program; the expected verdicts and
evidence lines were worked out by hand from the code before the scorer was changed.
"""

from __future__ import annotations

import textwrap

import pytest

from evalkit.extract import extract
from evalkit.scorers import claims
from evalkit.suites import load_suites


@pytest.fixture(scope="module")
def tasks():
    return {t.id: t for s in load_suites(["apps"]) + load_suites(["snake"]) for t in s.tasks}


def _numbers(task, prose: str, code: str) -> dict:
    """{(feature, value): (verdict, evidence lines)} of the number claims."""
    text = f"{prose}\n\n```python\n{textwrap.dedent(code).strip()}\n```\n"
    ex = extract(text, language_hint="python")
    s = claims.score(task, ex, {"extraction": ex})[0]
    return {(c["feature"], c["value"]): (c["verdict"], [e["line"] for e in c["evidence"]])
            for c in s.details["claims"] if c["kind"] == "number"}


# lines: 11/12 centre things on the screen (`HEIGHT // 2 - 40`), 18 grows the paddle by half its
# own height, 21 is the Fast Ball's 1.5 factor, 4 the base ball speed (not a multiplier)
PONG = '''
import pygame

WIDTH, HEIGHT = 800, 500
BALL_SPEED = 6
BIG_SECONDS = 8
POWERUPS = ("big", "fast")


class Game:
    def __init__(self):
        self.paddle = pygame.Rect(20, HEIGHT // 2 - 40, 12, 80)
        self.ball = pygame.Rect(WIDTH // 2, HEIGHT // 2, 12, 12)
        self.vel = [BALL_SPEED, 4]
        self.big_until = 0

    def apply(self, kind, now):
        if kind == "big":
            self.paddle.inflate_ip(0, self.paddle.height // 2)
            self.big_until = now + BIG_SECONDS * 1000
        elif kind == "fast":
            self.vel = [v * 1.5 for v in self.vel]

    def update(self, now):
        if self.big_until and now > self.big_until:
            self.paddle.height = 80
            self.big_until = 0
'''
GROW = "self.paddle.inflate_ip(0, self.paddle.height // 2)"


@pytest.mark.parametrize("prose", [
    "- **Big Paddle** (50% taller, 8 seconds)\n- **Fast Ball** (1.5x speed until the next point)",
    "Catch a power-up: the Big Paddle grows your paddle by 50% for 8 s, and the Fast Ball makes the "
    "ball go 1.5 times as fast.",
    "| Power-up | Effect |\n|---|---|\n| Big Paddle | 50% taller for 8 seconds |\n| Fast Ball | 1.5x ball speed |",
])
def test_share_and_multiplier_as_arithmetic(tasks, prose):
    got = _numbers(tasks["pong"], prose, PONG)
    assert got[("big_paddle", 50.0)] == ("supported", [18])  # height // 2 of the paddle's own height
    assert got[("big_paddle", 8.0)] == ("supported", [5])
    assert got[("fast_ball", 1.5)] == ("supported", [21])  # v * 1.5 under `elif kind == "fast"`


def test_number_before_its_feature_is_not_the_previous_sentences(tasks):
    got = _numbers(tasks["pong"], "The Big Paddle lasts 8 seconds. 1.5x speed comes from the Fast Ball.", PONG)
    assert got == {("big_paddle", 8.0): ("supported", [5]), ("fast_ball", 1.5): ("supported", [21])}


def test_wrong_multiplier_and_share_are_not_supported(tasks):
    got = _numbers(tasks["pong"], "**Fast Ball**: 2x speed. **Big Paddle**: 75% taller.", PONG)
    # the factor the code applies refutes 2x; the base speed (line 4) is no multiplier
    assert got[("fast_ball", 2.0)] == ("contradicted", [21])
    assert got[("big_paddle", 75.0)] == ("unsupported", [])


@pytest.mark.parametrize("grow", ["self.paddle.inflate_ip(0, self.paddle.height * 0.5)",
                                  "self.paddle.height = int(self.paddle.height * 1.5)",
                                  "self.paddle.height += self.paddle.height / 2"])
def test_fifty_percent_spellings_in_code(tasks, grow):
    got = _numbers(tasks["pong"], "**Big Paddle**: 50% taller for 8 s.", PONG.replace(GROW, grow))
    assert got[("big_paddle", 50.0)] == ("supported", [18])


@pytest.mark.parametrize("grow", ["self.paddle.inflate_ip(0, self.paddle.height)",  # twice as tall
                                  "self.paddle.inflate_ip(0, 30)"])
def test_fifty_percent_not_read_from_centring_or_the_fast_ball(tasks, grow):
    # HEIGHT // 2 - 40 (line 11) centres the paddle; v * 1.5 (line 21) is the other power-up's
    got = _numbers(tasks["pong"], "- **Big Paddle** (50% taller, 8 seconds)", PONG.replace(GROW, grow))
    assert got[("big_paddle", 50.0)] == ("unsupported", [])


def test_share_of_the_screen(tasks):
    prose = "**Big Paddle**: your paddle grows to 50% of the screen height for 8 seconds."
    half_screen = PONG.replace(GROW, "self.paddle.height = HEIGHT // 2")
    assert _numbers(tasks["pong"], prose, half_screen)[("big_paddle", 50.0)] == ("supported", [18])
    # grown by half of itself is not half the screen
    assert _numbers(tasks["pong"], prose, PONG)[("big_paddle", 50.0)] == ("unsupported", [])


GAME2048 = '''
import random

SIZE = 4
BOMB_EVERY = 10


def spawn(board):
    empty = [(r, c) for r in range(SIZE) for c in range(SIZE) if board[r][c] == 0]
    r, c = random.choice(empty)
    board[r][c] = 4 if random.random() < 0.1 else 2
'''


def test_bullet_numbers_go_to_the_feature_named_later_in_the_bullet(tasks):
    prose = "- **B** uses a bomb (you get one every 10 moves).\n- A new 2 or 4 (10% chance) spawns after every move."
    got = _numbers(tasks["game2048"], prose, GAME2048)
    assert got == {("bomb", 10.0): ("supported", [4]), ("spawn_tile", 2.0): ("supported", [10]),
                   ("spawn_tile", 4.0): ("supported", [10]), ("spawn_tile", 10.0): ("supported", [10])}


SNAKE = '''
SPEED_MULT = 1.5
SPEED_SECONDS = 5
SHIELD_CHARGES = 3


def pick(item, state, now):
    if item == "speed":
        state.speed_until = now + SPEED_SECONDS * 1000
        state.step_ms = int(state.base_ms / SPEED_MULT)
    elif item == "shield":
        state.shield = SHIELD_CHARGES
'''
SNAKE_OK = {("speed_item", 1.5): ("supported", [1]), ("speed_item", 5.0): ("supported", [2]),
            ("ice_shield", 3.0): ("supported", [3])}


@pytest.mark.parametrize("prose", [
    "The Ice Shield absorbs 3 collisions.\nFor 5 s after you grab it, the speed boost makes the snake 1.5x faster.",
    "- Speed Boost (1.5x, 5 seconds)\n- Ice Shield (3 charges)",
    "| Item | Effect |\n|---|---|\n| Speed Boost | 1.5x for 5 s |\n| Ice Shield | 3 charges |",
    "| Power-up | Multiplier | Duration (s) |\n| :--- | ---: | --- |\n| Speed boost | 1.5 | 5 |\n\n"
    "The Ice Shield takes 3 hits.",
])
def test_snake_spellings(tasks, prose):
    assert _numbers(tasks["snake"], prose, SNAKE) == SNAKE_OK


def test_table_column_unit_converts(tasks):
    # "Duration (s)" makes the bare 5 five seconds, which the code keeps as 5000 ms
    code = SNAKE.replace("SPEED_SECONDS = 5", "SPEED_MS = 5000").replace("SPEED_SECONDS * 1000", "SPEED_MS")
    prose = "| Power-up | Multiplier | Duration (s) |\n|---|---|---|\n| Speed boost | 1.5 | 5 |"
    assert _numbers(tasks["snake"], prose, code) == {("speed_item", 1.5): ("supported", [1]),
                                                      ("speed_item", 5.0): ("supported", [2])}


def test_wrong_numbers_point_at_the_setting_not_a_unit_conversion(tasks):
    got = _numbers(tasks["snake"], "Speed boost: 2x speed for 4 seconds.", SNAKE)
    # line 8 (`SPEED_SECONDS * 1000`) converts units; it sets nothing
    assert got == {("speed_item", 2.0): ("contradicted", [1]), ("speed_item", 4.0): ("contradicted", [2])}


def test_code_spans_are_not_number_claims(tasks):
    prose = ("**Ice Shield**: 3 charges; the code tests `state.shield > 0` before ending the round, "
             "and the speed boost keeps `range(3)` frames of trail.")
    assert _numbers(tasks["snake"], prose, SNAKE) == {("ice_shield", 3.0): ("supported", [3])}
    # a setting quoted whole is checked against that setting
    got = _numbers(tasks["snake"], "The Ice Shield starts with `SHIELD_CHARGES = 4`.", SNAKE)
    assert got == {("ice_shield", 4.0): ("contradicted", [3])}
    # and so is a value quoted alone
    got = _numbers(tasks["snake"], "The speed boost multiplies the speed by `1.5` for `5 s`.", SNAKE)
    assert got == {("speed_item", 1.5): ("supported", [1]), ("speed_item", 5.0): ("supported", [2])}


def test_doubles_is_a_factor_and_halfway_makes_no_claim(tasks):
    # "doubles" is a factor of 2 (held-out round 3), against the code's 1.5; "halfway" is a place
    got = _numbers(tasks["snake"], "The speed boost doubles the speed for 5 s.", SNAKE)
    assert got == {("speed_item", 5.0): ("supported", [2]), ("speed_item", 2.0): ("contradicted", [1])}
    got = _numbers(tasks["pong"], "The ball is served from halfway across the court; the Fast Ball is 1.5x.", PONG)
    assert got == {("fast_ball", 1.5): ("supported", [21])}


def test_a_term_inside_a_word_ties_nothing(tasks):
    # "white" holds the shield's term "hit"; the skin takes no duration, so the 10 s is no claim
    prose = ("- **Ice Shield** (light blue): absorbs 3 collisions\n"
             "- **Rainbow skin** (white): the snake cycles through rainbow colours for 10 seconds")
    assert _numbers(tasks["snake"], prose, SNAKE) == {("ice_shield", 3.0): ("supported", [3])}


BREAKOUT = '''
LIVES = 3
BRICK_POINTS = 10


class Game:
    def reset(self):
        self.lives = LIVES
        self.score = 0

    def brick_hit(self):
        self.score += BRICK_POINTS
'''


@pytest.mark.parametrize("prose,want", [
    ("You start with 3 lives.", {("lives", 3.0): ("supported", [1])}),
    ("- Lives: 3\n- Bricks: 10 points each", {("lives", 3.0): ("supported", [1]), ("bricks", 10.0): ("supported", [2])}),
    ("Bricks give 10 points. 3 lives to start.", {("bricks", 10.0): ("supported", [2]), ("lives", 3.0): ("supported", [1])}),
    ("| Setting | Value |\n|---|---|\n| lives | 3 |", {("lives", 3.0): ("supported", [1])}),
    ("You have 5 lives.", {("lives", 5.0): ("contradicted", [1])}),
])
def test_lives(tasks, prose, want):
    assert _numbers(tasks["breakout"], prose, BREAKOUT) == want


def test_a_multiplier_named_before_the_feature(tasks):
    code = SNAKE.replace("SPEED_MULT = 1.5", "SPEED_MULT = 2")
    prose = "The Ice Shield takes 3 hits. A 2x multiplier for 5 s comes with the speed boost."
    assert _numbers(tasks["snake"], prose, code) == {("ice_shield", 3.0): ("supported", [3]),
                                                     ("speed_item", 2.0): ("supported", [1]),
                                                     ("speed_item", 5.0): ("supported", [2])}
    got = _numbers(tasks["snake"], "**Speed Boost** – a 3x multiplier for 5 s", code)
    assert got[("speed_item", 3.0)] == ("contradicted", [1])


INVADERS = '''
import pygame

FPS = 60
SETTINGS = {
    "step_interval_ms": 500,
    "step_px": 15,
    "rapid_frames": 300,     # 5 s at 60 fps
    "rapid_divisor": 3,
    "powerups": {"fall_speed": 2, "extra_lives": 2},
}


def cooldown(base, rapid_left):
    return base // SETTINGS["rapid_divisor"] if rapid_left > 0 else base


def tick(clock, state):
    state.lives += SETTINGS["powerups"]["extra_lives"] if state.bonus else 0
    pygame.time.set_timer(pygame.USEREVENT, SETTINGS["step_interval_ms"])
    state.step = SETTINGS["step_px"]
    state.rapid_left = SETTINGS["rapid_frames"]
    clock.tick(FPS)
'''


def test_frames_divisors_and_settings_beside_their_numbers(tasks):
    prose = ("**Rapid Fire**: 3x the fire rate for 5 seconds.\n"
             "Every 500 ms the formation steps sideways by `step_px` pixels.")
    got = _numbers(tasks["invaders"], prose, INVADERS)
    assert got[("rapid_fire", 3.0)] == ("supported", [8])   # the cooldown divided by 3
    assert got[("rapid_fire", 5.0)] == ("supported", [7])   # 300 frames at FPS = 60
    assert got[("march", 500.0)] == ("supported", [5])      # not `step_px`'s value: it is six words away


def test_an_entry_nothing_reads_configures_nothing(tasks):
    code = """
    import pygame

    SETTINGS = {
        "rapid_ms": 5000,
        "rapid_multiplier": 3,
    }


    def pick(state):
        state.rapid_until = pygame.time.get_ticks() + SETTINGS["rapid_ms"]


    pygame.init()
    """
    got = _numbers(tasks["invaders"], "**Rapid Fire**: 3x the fire rate for 5 seconds.", code)
    # "rapid_multiplier" is never read: the fire rate never changes
    assert got == {("rapid_fire", 3.0): ("unsupported", [5]), ("rapid_fire", 5.0): ("supported", [4])}


def test_the_equal_literal_of_the_right_key_on_a_shared_line(tasks):
    # `"fall_speed": 2` comes first on the line; `"extra_lives": 2` is the lives' entry
    got = _numbers(tasks["invaders"], "Some invaders drop 2 extra lives.", INVADERS)
    assert got[("bombs_lives", 2.0)] == ("supported", [9])


def test_a_whole_factor_elsewhere_is_no_multiplier(tasks):
    code = '''
    BOOST_SPEED = 15
    cell = 20
    grid_w = cell * 2


    def boost(state):
        if state.item == "speed":
            state.fps = BOOST_SPEED
    '''
    # `cell * 2` two lines under the speed setting doubles the grid, not the speed
    assert _numbers(tasks["snake"], "Speed boost: 2x speed.", code) == {("speed_item", 2.0): ("unsupported", [])}
    doubled = code.replace("state.fps = BOOST_SPEED", "state.fps = state.fps * 2")
    assert _numbers(tasks["snake"], "Speed boost: 2x speed.", doubled) == {("speed_item", 2.0): ("supported", [8])}
    assert _numbers(tasks["snake"], "Speed boost: 3x speed.", doubled) == {("speed_item", 3.0): ("contradicted", [8])}


def test_a_constant_read_where_the_feature_acts(tasks):
    # BOOST names no feature, but `v * BOOST` under `elif kind == "fast":` applies it (line 21)
    code = PONG.replace('POWERUPS = ("big", "fast")', "BOOST = 1.5").replace("v * 1.5", "v * BOOST")
    assert _numbers(tasks["pong"], "**Fast Ball**: 1.5x speed.", code) == {("fast_ball", 1.5): ("supported", [6, 21])}
    assert _numbers(tasks["pong"], "**Fast Ball**: 2x speed.", code) == {("fast_ball", 2.0): ("contradicted", [6, 21])}


def test_a_code_span_disclaims_nothing(tasks):
    text = "The Ice Shield code (`# TODO: play a sound`) absorbs 3 collisions.\n\n```python\nSHIELD_CHARGES = 3\n```\n"
    ex = extract(text, language_hint="python")
    got = {c["kind"]: c for c in claims.score(tasks["snake"], ex, {"extraction": ex})[0].details["claims"]}
    assert "negated" not in got["feature"] and got["number"]["value"] == 3.0
