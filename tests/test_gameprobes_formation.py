"""Generic game probes on shapes real answers draw: a formation whose march step does not divide its
column spacing, and a key whose first press crashes the game (held-out validation, issue 16)."""

from evalkit import gameprobes_generic

STEPS = {"game_probes": {"moves_on_lattice": {"min_count": 8, "min_step": 0.2, "mode": "steps"}}}


def _formation(step: float, every: int, spacing: float = 52, drop_at: int | None = None, drop: float = 20) -> list:
    """5 rows x 8 invaders (36x24), columns `spacing` px apart, rows 38 apart, moving `step` px every
    `every` frames; from frame `drop_at` on the whole formation is `drop` px lower."""
    frames = []
    for i in range(300):
        x0 = 60 + step * (i // every)
        y0 = 60 + (drop if drop_at is not None and i >= drop_at else 0)
        shapes = [[x0 + spacing * c, y0 + 38 * r, 36, 24, 230, 60, 60, "r"] for r in range(5) for c in range(8)]
        frames.append({"t": i / 60, "s": shapes})
    return [{"frames": frames}]


def test_a_march_step_that_does_not_divide_the_column_spacing_still_passes_in_steps_mode():
    # 12 px steps with columns 52 px apart: the union of positions is no single lattice (the default
    # mode says "4-px spacing"), but the formation moves in whole 12 px steps, and drops 20 px (rows 38 apart)
    trace = _formation(12, 36, drop_at=200)
    default = gameprobes_generic.analyse({"game_probes": {"moves_on_lattice": {"min_count": 8, "min_step": 0.2}}},
                                         trace, [640, 560])["moves_on_lattice"]
    assert default["passed"] is False, default
    got = gameprobes_generic.analyse(STEPS, trace, [640, 560])["moves_on_lattice"]
    assert got["passed"] is True and "whole steps" in got["detail"] and "12x0" in got["detail"] \
        and "0x20" in got["detail"], got


def test_a_formation_gliding_a_pixel_a_frame_fails_in_steps_mode():
    got = gameprobes_generic.analyse(STEPS, _formation(1, 1), [640, 560])["moves_on_lattice"]
    assert got["passed"] is False and "moves by pixels" in got["detail"], got


def test_an_invader_shot_away_does_not_hide_the_step():
    trace = _formation(12, 36)
    for i, fr in enumerate(trace[0]["frames"]):
        if i >= 50:
            fr["s"] = fr["s"][1:]  # one invader gone from frame 50 on
    got = gameprobes_generic.analyse(STEPS, trace, [640, 560])["moves_on_lattice"]
    assert got["passed"] is True, got


def _ship_trace(last_frame: int) -> list:
    frames = [{"t": i / 60, "s": [[300 + (i % 7), 500, 40, 16, 0, 255, 0, "r"]]} for i in range(last_frame + 1)]
    return [{"frames": frames}]


def test_a_crash_at_the_first_press_of_a_probe_key_fails_responds_to_input():
    rubric = {"game_probes": {"responds_to_input": {"keys": ["left", "right", "space"], "window": 0.2}}}
    script = {"keys": [[0.3, "right", 0.25], [1.3, "space", 0.2], [2.3, "left", 0.25]]}
    crashed = gameprobes_generic.analyse(rubric, _ship_trace(78), [600, 600], status="crashed",
                                         exception="TypeError", script=script)["responds_to_input"]
    assert crashed["passed"] is False and "'space'" in crashed["detail"], crashed
    # the same last frame in a run that did not fail says nothing about the key
    ok = gameprobes_generic.analyse(rubric, _ship_trace(78), [600, 600], status="ok", script=script)
    assert "first scripted" not in ok["responds_to_input"]["detail"]
    # a crash well after every first press is not blamed on a key
    late = gameprobes_generic.analyse(rubric, _ship_trace(240), [600, 600], status="crashed",
                                      exception="TypeError", script=script)["responds_to_input"]
    assert "first scripted" not in late["detail"], late


def _bird_trace(flaps: set, gravity: float, flap: float) -> list:
    """A bird (30x24) under gravity that flaps on the frames in `flaps`, as whole frames; like many answers
    it moves by int(velocity) (`bird.y += int(bird_movement)`)."""
    frames, y, v = [], 300.0, 0.0
    for i in range(480):
        if i in flaps:
            v = -flap
        v += gravity
        y = min(max(y + int(v), 20.0), 560.0)
        frames.append({"t": i / 60, "s": [[100, round(y), 30, 24, 250, 220, 40, "e"]]})
    return [{"frames": frames}]


KEYS = [0.3 + 0.45 * k for k in range(4)] + [5.0 + 0.45 * k for k in range(4)]
SCRIPT = {"keys": [[t, "space"] for t in KEYS]}
KICK = {"game_probes": {"responds_to_input": {"keys": ["space"], "window": 0.2, "kick": "up"}}}


def test_kick_up_sees_a_flap_while_the_bird_still_rises():
    # weak gravity and a strong flap: 0.45 s after a flap the bird still rises, so the next flap does not
    # change which way it moves (the plain comparison), but it does push it up harder
    trace = _bird_trace({round(60 * t) + 1 for t in KEYS}, 0.25, 7)
    plain = {"game_probes": {"responds_to_input": {"keys": ["space"], "window": 0.2}}}
    got_plain = gameprobes_generic.analyse(plain, trace, [480, 640], script=SCRIPT)["responds_to_input"]
    got_kick = gameprobes_generic.analyse(KICK, trace, [480, 640], script=SCRIPT)["responds_to_input"]
    assert got_plain["passed"] is False, got_plain
    assert got_kick["passed"] is True and "100% of 8" in got_kick["detail"], got_kick


def test_kick_up_does_not_pass_a_bird_that_ignores_the_keys():
    trace = _bird_trace(set(), 0.25, 7.5)  # never flaps: falls to the floor and stays
    got = gameprobes_generic.analyse(KICK, trace, [480, 640], script=SCRIPT)["responds_to_input"]
    assert got["passed"] is not True, got


def test_first_press_survives_fails_only_when_the_first_press_breaks_the_game():
    rubric = {"game_probes": {"first_press_survives": {"keys": ["space"]}}}
    script = {"keys": [[0.3, "right", 0.25], [1.3, "space", 0.2], [2.3, "left", 0.25]]}
    broke = gameprobes_generic.analyse(rubric, _ship_trace(78), [600, 600], status="crashed",
                                       exception="TypeError", script=script)["first_press_survives"]
    assert broke["passed"] is False and "'space'" in broke["detail"], broke
    ran_on = gameprobes_generic.analyse(rubric, _ship_trace(240), [600, 600], status="crashed",
                                        exception="IndexError", script=script)["first_press_survives"]
    assert ran_on["passed"] is True, ran_on          # a crash long after the first shot is not the key's
    early = gameprobes_generic.analyse(rubric, _ship_trace(40), [600, 600], status="crashed",
                                       exception="NameError", script=script)["first_press_survives"]
    assert early["passed"] is None, early            # it stopped before Space was ever pressed
