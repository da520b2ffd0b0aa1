"""Number claims, held-out round 3: settings nothing reads, values worked out by arithmetic, and a
chance kept beside the item table.

Each program was written for this file; the expected verdicts were worked out by reading it.
"""

from __future__ import annotations

import textwrap

import pytest

from evalkit.extract import extract
from evalkit.scorers import claims
from evalkit.suites import load_suites


@pytest.fixture(scope="module")
def snake():
    return next(t for s in load_suites(["snake"]) for t in s.tasks if t.id == "snake")


def _numbers(task, prose: str, code: str) -> dict:
    """{(feature, value): (verdict, evidence lines, reason)} of the number claims."""
    text = f"{prose}\n\n```python\n{textwrap.dedent(code).strip()}\n```\n"
    ex = extract(text, language_hint="python")
    s = claims.score(task, ex, {"extraction": ex})[0]
    return {(c["feature"], c["value"]): (c["verdict"], [e["line"] for e in c["evidence"]], c["reason"])
            for c in s.details["claims"] if c["kind"] == "number"}


# ---- 1. one entry of a one-line settings dict that nothing reads configures nothing
# line 6: the armour's seconds are read (line 22), its "hits" never are
WORM = '''
import random
import pygame

STEP = 16
POWERUPS = {
    "turbo": {"tint": (250, 200, 0), "seconds": 6, "factor": 2},
    "armor": {"tint": (90, 160, 250), "seconds": 8, "hits": 2},
}


class Worm:
    def __init__(self):
        self.cells = [(5, 5)]
        self.armor_until = 0
        self.fast_until = 0

    def take(self, kind, now):
        cfg = POWERUPS[kind]
        if kind == "turbo":
            self.fast_until = now + cfg["seconds"] * 1000
        elif kind == "armor":
            self.armor_until = now + cfg["seconds"] * 1000
HITS_READ

    def crash(self, now):
        return now >= self.armor_until


def main():
    pygame.init()
    pygame.display.set_mode((640, 480))
    clock = pygame.time.Clock()
    worm = Worm()
    while True:
        for e in pygame.event.get():
            if e.type == pygame.QUIT:
                return
        now = pygame.time.get_ticks()
        if random.random() < 0.01:
            worm.take(random.choice(list(POWERUPS)), now)
        if worm.crash(now):
            return
        pygame.display.flip()
        clock.tick(20 if now < worm.fast_until else 10)


main()
'''
SHIELD_PROSE = "The Ice Shield absorbs 2 hits and lasts 8 seconds."


def test_an_unread_key_of_a_one_line_settings_dict_supports_nothing(snake):
    got = _numbers(snake, SHIELD_PROSE, WORM.replace("HITS_READ\n", ""))
    assert got[("ice_shield", 2.0)][:2] == ("unsupported", [7])
    assert "never uses hits" in got[("ice_shield", 2.0)][2]
    assert got[("ice_shield", 8.0)][:2] == ("supported", [7])  # "seconds" on the same line is read


@pytest.mark.parametrize("read", [
    '            self.hits_left = cfg["hits"]\n',            # read by its key
    '            self.hits_left = cfg.get("hits", 1)\n',     # read with a default
    '            for name, val in cfg.items():\n                setattr(self, name, val)\n',  # read wholesale
])
def test_a_key_read_any_way_still_supports(snake, read):
    code = WORM.replace("HITS_READ\n", read).replace("return now >= self.armor_until",
                                                     "return now >= self.armor_until and not getattr(self, 'hits_left', 0)")
    assert _numbers(snake, SHIELD_PROSE, code)[("ice_shield", 2.0)][0] == "supported"


# ---- 1b. a setting only stored in a name nothing the program runs reads
STORE = '''
import pygame

ARMOR = {"hits": 3, "color": (80, 160, 255)}


class Player:
    def __init__(self):
        self.armor = 0
        self.rect = pygame.Rect(0, 0, 20, 20)


def pick_armor(player):
    player.armor_charges += ARMOR["hits"]


def collide(player):
    if player.armor > 0:
        player.armor -= 1
        return False
    return True


pygame.init()
p = Player()
pick_armor(p)
collide(p)
'''


def test_a_setting_stored_only_where_nothing_reads_it_supports_nothing(snake):
    got = _numbers(snake, "The Ice Shield absorbs 3 hits.", STORE)
    assert got[("ice_shield", 3.0)][:2] == ("unsupported", [3, 13])
    assert "only stored in armor_charges" in got[("ice_shield", 3.0)][2]


def test_the_same_setting_stored_where_the_collision_reads_it_supports(snake):
    code = STORE.replace("player.armor_charges +=", "player.armor +=")
    assert _numbers(snake, "The Ice Shield absorbs 3 hits.", code)[("ice_shield", 3.0)][0] == "supported"


def test_a_library_objects_attribute_is_read_by_the_library(snake):
    # `rect.height` is drawn by pygame though the program never reads it back
    code = STORE.replace('"hits": 3', '"hits": 3, "grow": 2').replace(
        "player.armor_charges += ARMOR[\"hits\"]",
        "player.armor += ARMOR[\"hits\"]\n    player.rect.height = 10 * ARMOR[\"grow\"]")
    assert _numbers(snake, "The Ice Shield absorbs 3 hits.", code)[("ice_shield", 3.0)][0] == "supported"


COUNTDOWN = '''
import pygame

SHIELD = {"seconds": 6}


class Hero:
    def __init__(self):
        self.shield_frames = 0

    def grab_shield(self):
        self.shield_frames = SHIELD["seconds"] * 60

    def tick_shield(self):
        if self.shield_frames > 0:
            self.shield_frames -= 1


pygame.init()
hero = Hero()
hero.grab_shield()
CALL
'''


def test_a_countdown_only_a_never_called_function_reads_configures_nothing(snake):
    got = _numbers(snake, "The shield lasts 6 seconds.", COUNTDOWN.replace("CALL\n", ""))
    assert got[("ice_shield", 6.0)][:2] == ("unsupported", [3, 11])


def test_the_same_countdown_called_each_frame_supports(snake):
    got = _numbers(snake, "The shield lasts 6 seconds.", COUNTDOWN.replace("CALL", "hero.tick_shield()"))
    assert got[("ice_shield", 6.0)][:2] == ("supported", [3])


# ---- 3. a value the feature's code works out from the code's constants
TIMER = '''
import pygame

TICK_MS = 180
BOOSTS = {
    "speed": {"seconds": 3, "divide_by": 3},
}
STEP = pygame.USEREVENT + 1


def on_pickup(kind):
    if kind == "speed":
        quick = TICK_MS // BOOSTS["speed"]["divide_by"]
        pygame.time.set_timer(STEP, quick)


pygame.init()
pygame.time.set_timer(STEP, TICK_MS)
on_pickup("speed")
'''


def test_a_value_worked_out_from_constants_is_supported(snake):
    got = _numbers(snake, "The speed boost makes the snake step every 60 ms for 3 seconds.", TIMER)
    assert got[("speed_item", 60.0)][:2] == ("supported", [12])
    assert got[("speed_item", 3.0)][0] == "supported"


def test_a_different_worked_out_value_is_not_supported(snake):
    got = _numbers(snake, "The speed boost makes the snake step every 90 ms for 3 seconds.", TIMER)
    assert got[("speed_item", 90.0)][0] != "supported"


def test_a_base_scaled_by_a_factor_read_at_run_time_does_not_contradict(snake):
    # the factor comes from the item at run time: 60 ms cannot be checked, and the 3 seconds' line
    # (a different quantity of the boost) must not refute it
    code = TIMER.replace('def on_pickup(kind):\n    if kind == "speed":\n        quick = TICK_MS // BOOSTS["speed"]["divide_by"]',
                         'def on_pickup(kind):\n    cfg = BOOSTS[kind]\n    if kind == "speed":\n        quick = TICK_MS // cfg["divide_by"]')
    got = _numbers(snake, "The speed boost makes the snake step every 60 ms for 3 seconds.", code)
    assert got[("speed_item", 60.0)][0] == "unsupported"
    assert got[("speed_item", 3.0)][0] == "supported"


# ---- 4. a chance kept in the run of settings below the item table
TABLE = '''
import random
import pygame

CELL = 20
ITEM_KINDS = {
    "speed": {"color": (255, 255, 0)},
    "shield": {"color": (0, 200, 255)},
}
MIDDLE
DROP_CHANCE = 0.25


def after_food(items, cell):
    if random.random() < DROP_CHANCE:
        items.append((random.choice(list(ITEM_KINDS)), cell))


pygame.init()
after_food([], (3, 4))
'''
ITEM_PROSE = "After each apple an item appears with a 25% chance."


def test_a_chance_in_the_settings_run_below_the_item_table_supports(snake):
    got = _numbers(snake, ITEM_PROSE, TABLE.replace("MIDDLE\n", ""))
    assert got[("items_awarded", 25.0)][:2] == ("supported", [9])


@pytest.mark.parametrize("middle", [
    "\n",                          # a blank line ends the run of settings
    "SHIELD_HITS = 3\n",           # the nearest named setting above is the shield's
    "def spawn():\n    return None\n",  # code between: not one block of settings
])
def test_a_chance_outside_the_item_tables_run_does_not(snake, middle):
    got = _numbers(snake, ITEM_PROSE, TABLE.replace("MIDDLE\n", middle))
    assert got[("items_awarded", 25.0)][0] == "unsupported"


# ---- 2. a contradicted feature refutes its numbers, except the board's size
BOARD = '''
import random

COLS = 24
ROWS = 24
CELL = 20
FOOD_STEP = 10
BOOST_SECONDS = 4


def place_food():
    return (random.randrange(0, COLS * CELL, FOOD_STEP), random.randrange(0, ROWS * CELL, FOOD_STEP))
'''


def _judge(feature: str, value: float, kind: str | None, contradicted: bool) -> str:
    from evalkit import treesitter
    from evalkit.scorers import claim_numbers
    rubric = next(t for s in load_suites(["snake"]) for t in s.tasks if t.id == "snake").rubric
    terms = next(f["terms"] for f in rubric["features"] if f["id"] == feature)
    idx = treesitter.index("python", textwrap.dedent(BOARD).strip())
    res = {"found": not contradicted, "contradicted": contradicted, "reason": "food is placed off the grid",
           "contra_evidence": [{"line": 11, "text": "return (...)"}]}
    return claim_numbers._check_number(value, kind, terms, idx, 0, res)["verdict"]


def test_the_boards_size_is_not_refuted_by_a_broken_grid():
    assert _judge("grid_movement", 24.0, None, contradicted=True) == "supported"   # COLS = 24
    assert _judge("grid_movement", 20.0, None, contradicted=True) == "supported"   # CELL = 20


def test_other_numbers_of_a_contradicted_feature_stay_contradicted():
    assert _judge("grid_movement", 10.0, None, contradicted=True) == "contradicted"  # FOOD_STEP is no size
    assert _judge("speed_item", 4.0, "sec", contradicted=True) == "contradicted"
    assert _judge("speed_item", 4.0, "sec", contradicted=False) == "supported"


# ---- a settings dict whose keys alone are read (to pick an item at random) has unread settings
PICKER = '''
import random
import pygame

GRID = 20
YELLOW = (255, 220, 0)
ITEM_SETTINGS = {
    "speed": {"color": YELLOW, "duration": 5, "multiplier": 1.5},
}


def apply_item(kind):
    # TODO: effects
    pass


def main():
    screen = pygame.display.set_mode((400, 400))
    kind = random.choice(list(ITEM_SETTINGS.keys()))
    pygame.draw.rect(screen, ITEM_SETTINGS[kind]["color"], (0, 0, GRID, GRID))
    READ_VALUES
    apply_item(kind)


main()
'''


@pytest.mark.parametrize("read_values, verdict", [
    ("pass", "unsupported"),  # only the names and the colour are read
    ("print(*ITEM_SETTINGS[kind].values())", "supported"),  # .values() reads every setting
])
def test_a_dict_whose_keys_alone_are_read_configures_nothing(snake, read_values, verdict):
    got = _numbers(snake, "The **Speed** item makes you 1.5x faster for 5 seconds.",
                   PICKER.replace("READ_VALUES", read_values))
    assert got[("speed_item", 1.5)][0] == verdict
    assert got[("speed_item", 5.0)][0] == verdict
