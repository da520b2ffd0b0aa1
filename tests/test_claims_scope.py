"""Negation scope and Space key claims in the prose.

Verdicts decided by hand, sentence by sentence, before claim_extract.py was changed: a negation
word negates a feature mention only in its own clause, a conditional ("without X you get Y", "if
omitted", "with no FILE") says nothing is missing, and Space is a key claim however it is spelled.
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


def _negated(task, sentence: str) -> dict:
    """{feature: negated?} of the feature claims of one sentence."""
    return {c["feature"]: bool(c.get("negated")) for c in extract_claims(sentence, task.rubric)
            if c["kind"] == "feature"}


@pytest.mark.parametrize("task_id,sentence,feature,negated", [
    # a relative clause's negation stays in it: the lines ARE counted as malformed
    ("log_summary", "Lines that don't match are counted as *malformed*.", "malformed_lines", False),
    ("log_summary", "Anything that doesn't parse is counted as malformed.", "malformed_lines", False),
    ("log_summary", "Lines which do not fit the format are reported as malformed.", "malformed_lines", False),
    # a conditional: "without X you get Y" describes both X and Y as there
    ("log_summary", "It prints JSON; without `--json` you get the text summary.", "text_output", False),
    ("log_summary", "It prints JSON; without `--json` you get the text summary.", "json_output", False),
    ("log_summary", "Without --json, the script prints a plain text report.", "text_output", False),
    ("word_freq", "With no FILE (or `-`) it reads standard input, e.g.", "stdin_input", False),
    ("word_freq", "| `FILE` | Text file to analyse (reads from **stdin** if omitted or `-`) |", "stdin_input", False),
    ("word_freq", "It reads standard input when the file is omitted or `-`.", "stdin_input", False),
    # another clause: the negation is about something else
    ("log_summary", "It can't read gzip files, but it reports malformed lines.", "malformed_lines", False),
    ("log_summary", "Errors don't stop the run — malformed lines are counted.", "malformed_lines", False),
    # real absence claims stay negated
    ("log_summary", "There is no JSON output.", "json_output", True),
    ("log_summary", "It does not count malformed lines.", "malformed_lines", True),
    ("log_summary", "Lines that aren't malformed are the only ones counted.", "malformed_lines", True),
    ("word_freq", "It doesn't read from stdin.", "stdin_input", True),
    ("word_freq", "Reading from standard input is omitted to keep it short.", "stdin_input", True),
    ("snake", "The snake wraps around the screen edges, so you can't die by hitting a wall.", "wall_collision", True),
    ("snake", "I didn't include a pause key, to keep the controls minimal.", "pause", True),
])
def test_negation_scope(tasks, task_id, sentence, feature, negated):
    assert _negated(tasks[task_id], sentence)[feature] is negated


def _keys(task, sentence: str) -> dict:
    return {c["key"]: c.get("action") for c in extract_claims(sentence, task.rubric) if c["kind"] == "control"}


@pytest.mark.parametrize("sentence", [
    "Space to shoot, P to pause.",
    "Arrows or A/D move, Space launches, P pauses, R restarts after game over.",
    "- **Space / Up**: flap (also starts the game)",
    "Controls: SPACE or UP to flap, P to pause.",
    "Ship moves with the **Left/Right arrow keys** and shoots with **Space**",
    "| Space | shoot |",
    "- Space to launch the ball",
    "**Controls:** Space (or Up) to flap, P to pause.",
    "Press SPACE to start.",
    "Hit the spacebar to jump.",
    "Use the Space bar to fire.",
    "Tap the space key to flap.",
    "**Controls**: ←/→ move, Space shoots (hold), P pauses.",
    "Spacebar: flap",
])
def test_space_claims(tasks, sentence):
    assert "space" in _keys(tasks["flappy"], sentence)


@pytest.mark.parametrize("sentence", [
    "Here's a complete Space Invaders game in a single file.",
    "A Space-Invaders-style shooter using `pygame.math.Vector2`.",
    "# Space Invaders in Pygame",
    "The gap leaves enough space to fly through.",
    "Space between the pipes shrinks as the score rises.",
    "Pipes are spaced 200 px apart and there is free space to the right.",
])
def test_space_not_a_key(tasks, sentence):
    assert "space" not in _keys(tasks["invaders"], sentence)


FLAPPY = '''
import pygame
pygame.init()
screen = pygame.display.set_mode((400, 600))
vel = 0
running = True
while running:
    for event in pygame.event.get():
        if event.type == pygame.QUIT:
            running = False
        elif event.type == pygame.KEYDOWN and event.key == pygame.K_UP:
            vel = -8
    pygame.display.flip()
'''


def test_space_claim_verified_against_code(tasks):
    """A Space claim is judged like any key: no K_SPACE in the code, no support."""
    text = f"Space to flap, Up also flaps.\n\n```python\n{textwrap.dedent(FLAPPY).strip()}\n```\n"
    ex = extract(text, language_hint="python")
    s = claims.score(tasks["flappy"], ex, {"extraction": ex})[0]
    got = {c["key"]: c["verdict"] for c in s.details["claims"] if c["kind"] == "control"}
    assert got["space"] == "unsupported"
    text2 = text.replace("pygame.K_UP", "pygame.K_SPACE")
    ex2 = extract(text2, language_hint="python")
    s2 = claims.score(tasks["flappy"], ex2, {"extraction": ex2})[0]
    got2 = {c["key"]: c["verdict"] for c in s2.details["claims"] if c["kind"] == "control"}
    assert got2["space"] == "supported"
