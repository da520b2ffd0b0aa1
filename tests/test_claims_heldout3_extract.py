"""Claim extraction rules from held-out round 3: negation bearing on a means or a moment, a bare
negation read not hiding a plain mention, table rows and key lists, number words, numbers that are
part of a name, and plain words in backticks.

The prose and programs are written for these tests; each verdict was decided by hand first.
"""

from __future__ import annotations

import textwrap

import pytest

from evalkit.extract import extract
from evalkit.scorers import claims
from evalkit.scorers.claim_extract import extract_claims
from evalkit.suites import load_suites


@pytest.fixture(scope="module")
def tasks():
    return {t.id: t for s in load_suites(["apps"]) + load_suites(["snake"]) for t in s.tasks}


def _features(task, prose: str) -> dict:
    """{feature: (negated?, sentence)} of the feature claims."""
    return {c["feature"]: (bool(c.get("negated")), c["text"]) for c in extract_claims(prose, task.rubric)
            if c["kind"] == "feature"}


def _keys(task, prose: str) -> dict:
    return {c["key"]: c["keys"] for c in extract_claims(prose, task.rubric) if c["kind"] == "control"}


def _numbers(task, prose: str) -> set:
    return {(c["feature"], c["value"], c["quantity"]) for c in extract_claims(prose, task.rubric)
            if c["kind"] == "number"}


@pytest.mark.parametrize("sentence,negated", [
    # the negation is about how you would die, not about dying by hitting yourself
    ("Turning back is ignored, so you cannot kill yourself by tapping the reverse key.", False),
    ("You can't run into yourself when the game is paused.", False),
    # the by-clause names the feature's own trigger: an absence claim
    ("The body is a ghost: you can't die by running into yourself.", True),
    ("There is no self-collision.", True),
])
def test_negation_of_a_means_is_no_absence(tasks, sentence, negated):
    assert _features(tasks["snake"], sentence)["self_collision"][0] is negated


def test_an_absence_only_under_another_feature_is_no_absence(tasks):
    snake = tasks["snake"]
    got = _features(snake, "Running into a wall with the shield up lets the snake pass through the wall.")
    assert got["wall_collision"][0] is False
    # the other feature in another clause: the wrap-around is the rule
    got = _features(snake, "The snake passes through the walls, and with the speed boost it moves faster.")
    assert got["wall_collision"][0] is True


def test_bare_negation_read_does_not_hide_a_plain_mention(tasks):
    prose = ("The snake is not allowed to reverse into itself.\n\n"
             "Running into your own body ends the game.")
    neg, text = _features(tasks["snake"], prose)["self_collision"]
    assert not neg and text.startswith("Running into")
    # a disclaimer is no guess: it stays first, whatever follows
    prose = "Self-collision can be added later.\n\nThe snake grows when it eats; its own body is drawn green."
    assert _features(tasks["snake"], prose)["self_collision"][0] is True
    # alone, the bare negation is still read as absence
    assert _features(tasks["snake"], "The snake is not allowed to reverse into itself.")["self_collision"][0]


def test_table_cells_and_colour_labels(tasks):
    api = "| Method | Path | Result |\n| --- | --- | --- |\n| `GET` | `/todos` | 200, all items |\n"
    assert "list_todos" in _features(tasks["todo_api"], api)
    one = "| Method | Path | Result |\n| --- | --- | --- |\n| `GET` | `/todos/<id>` | 200, one item |\n"
    got = _features(tasks["todo_api"], one)
    assert "get_todo" in got and "list_todos" not in got
    row = "| Item | Lasts |\n| --- | --- |\n| Speed | 4 seconds |\n"
    assert "speed_item" in _features(tasks["snake"], row)
    assert ("speed_item", 4.0, "sec") in _numbers(tasks["snake"], row)
    assert "speed_item" in _features(tasks["snake"], "- **Red – Speed:** the snake is faster for 4 seconds.")
    assert "speed_item" not in _features(tasks["snake"], "- **Red – apples** make the snake longer.")


def test_key_lists_whatever_the_action(tasks):
    flappy = tasks["flappy"]
    table = "| Key | Action |\n| --- | --- |\n| H | Show the help screen |\n| ↑ / ↓ or W / S | Move |\n"
    keys = _keys(flappy, table)
    assert keys["H"] == ["h"] and keys["W"] == ["w"] and keys["arrow keys"] == ["up", "down"]
    emoji = "| Key | Action |\n| --- | --- |\n| ⬆️⬇️⬅️➡️ | Steer |\n"
    assert _keys(flappy, emoji)["arrow keys"] == ["up", "down", "left", "right"]
    # the first column of an items table is a symbol drawn in the game, not a key
    assert "H" not in _keys(flappy, "| Symbol | Item |\n| --- | --- |\n| H | Heal |\n")
    assert "M" in _keys(flappy, "It has music you can toggle (M) and a help screen.")
    assert "H" in _keys(flappy, "- **H** shows the help screen.")
    # an item legend's letters are symbols drawn in the game: "**S** doubles your speed"
    assert "S" not in _keys(flappy, "Items: **S** doubles your speed, **K** changes your colour.")
    assert _keys(flappy, "I think the game is fun. A bird flaps its wings.") == {}


def test_number_words_and_names(tasks):
    breakout = tasks["breakout"]
    got = _numbers(breakout, "The Wide Paddle makes the paddle twice as wide for 8 seconds.")
    assert ("wide_paddle", 2.0, "mult") in got and ("wide_paddle", 8.0, "sec") in got
    assert ("multi_ball", 3.0, None) in _numbers(breakout, "Multi-Ball releases three extra balls.")
    snake = tasks["snake"]
    assert ("speed_item", 0.5, "mult") in _numbers(snake, "The speed boost halves the move delay for 5 seconds.")
    assert not any(v == 0.5 for _, v, _ in _numbers(snake, "The speed boost lasts half a minute."))
    # a "double points" item is a name, not a factor of the speed
    assert not any(v == 2.0 for _, v, _ in _numbers(snake, "The speed boost could come with double points."))


def test_numbers_in_names(tasks):
    pong = tasks["pong"]
    assert not _numbers(pong, "**Player 2 (right):** the Fast Ball power-up is theirs too.")
    assert ("big_paddle", 6.0, "sec") in _numbers(pong, "Level 3 gives the Big Paddle for 6 seconds.")
    assert not any(v == 3.0 for _, v, _ in _numbers(pong, "Level 3 gives the Big Paddle for 6 seconds."))


def test_the_subject_of_an_earlier_clause(tasks):
    snake = tasks["snake"]
    got = _numbers(snake, "The game has a pause key.\n\nItems appear every 9 seconds and vanish after 4 seconds.")
    assert ("items_awarded", 9.0, "sec") in got and ("items_awarded", 4.0, "sec") in got
    # "hit" is a shield term, but here a verb of an "if" clause, not what the sentence is about
    got = _numbers(snake, "The game has a pause key.\n\nIf you hit a wall, a new game starts after 3 seconds.")
    assert not got
    # no unit: a number that far from the terms could be anything
    assert not _numbers(snake, "The game has a pause key.\n\nItems appear on the board, and up to 9 can be out.")


WORDS = '''
import sys
from collections import Counter


def tally(text):
    return Counter(w.lower() for w in text.split())


def main():
    counts = tally(sys.stdin.read())
    for word, n in counts.most_common(10):
        print(f"{word}: {n}")


if __name__ == "__main__":
    main()
'''


def test_plain_words_in_backticks_are_names_only_in_the_code(tasks):
    prose = ("Words are lower-cased, so `Dog` and `dog` count as one word. The `tally` function "
             "counts them and `main` prints the top ten; `counts.most_common` sorts them.")
    text = f"{prose}\n\n```python\n{textwrap.dedent(WORDS).strip()}\n```\n"
    ex = extract(text, language_hint="python")
    s = claims.score(tasks["word_freq"], ex, {"extraction": ex})[0]
    names = {c["name"]: c["verdict"] for c in s.details["claims"] if c["kind"] == "identifier"}
    assert "Dog" not in names and "dog" not in names
    assert names["tally"] == "supported" and names["counts.most_common"] == "supported"



RATIO = '''
import pygame

NORMAL_DELAY = 120
BOOST_DELAY = 60
BOOST_SECONDS = 5
BOOST_FACTOR = 2


class Snake:
    def __init__(self):
        self.delay = NORMAL_DELAY
        self.boost_until = 0

    def take_item(self, kind, now):
        if kind == "speed":
            self.delay = BOOST_DELAY
            self.boost_until = now + BOOST_SECONDS * 1000

    def tick(self, now):
        if self.boost_until and now > self.boost_until:
            self.delay = NORMAL_DELAY
            self.boost_until = 0
'''


def _number_verdicts(task, prose: str, code: str) -> dict:
    text = f"{prose}\n\n```python\n{textwrap.dedent(code).strip()}\n```\n"
    ex = extract(text, language_hint="python")
    s = claims.score(task, ex, {"extraction": ex})[0]
    return {(c["feature"], c["value"]): c["verdict"] for c in s.details["claims"] if c["kind"] == "number"}


def test_a_number_word_without_a_literal_is_no_evidence_against(tasks):
    prose = "The speed boost makes the snake twice as fast for 5 seconds."
    # 120 -> 60 ms: twice as fast, but no literal 2 where the boost is applied
    assert ("speed_item", 2.0) not in _number_verdicts(tasks["snake"], prose, RATIO.replace(
        "BOOST_FACTOR = 2\n", ""))
    # the digit itself stays a claim the code does not back
    got = _number_verdicts(tasks["snake"], "The speed boost makes the snake 3x as fast for 5 seconds.", RATIO)
    assert got[("speed_item", 3.0)] in ("unsupported", "contradicted")
