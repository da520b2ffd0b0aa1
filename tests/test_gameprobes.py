"""Snake probes judge only what they observed: games in common LLM styles run headless under the
scripted input (sandbox), plus hand-built traces for the cases a program cannot easily stage."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit import sandbox_env
from evalkit.extract import CodeBlock, Extraction
from evalkit.gameprobes import analyse
from evalkit.scorers import execution
from evalkit.scorers.features import apply_probe
from evalkit.suites import Task

PROGRAMS = Path(__file__).resolve().parent / "fixtures" / "programs"
needs_env = pytest.mark.skipif(sandbox_env.ready_dir() is None, reason="run `evalkit setup-sandbox` first")
SNAKE_TASK = Task(suite="snake", id="snake", prompt="Write Snake.", interactive=True, tags=("game", "pygame"))
SCRIPT = {"keys": [[0.6, "up"], [1.2, "left"]], "quit_at": 10.0}


def probe_run(name: str):
    code = (PROGRAMS / name).read_text()
    ex = Extraction(blocks=[CodeBlock(code, "python", "```", 1)], main_index=0)
    scores, art = execution.run(SNAKE_TASK, ex)
    return art["probes"], art["execution"]


def verdicts(probes: dict) -> dict:
    return {k: v["passed"] for k, v in probes.items()}


# ---------------------------------------------------------------- real programs, common styles
@needs_env
def test_tutorial_template_that_checks_before_moving_ends_the_round_at_the_wall():
    probes, ex = probe_run("probe_tutorial_quit.py")
    assert verdicts(probes) == {"snake_moves": True, "grid_aligned": True, "survives_wall": True}, probes
    assert "10-px lattice" in probes["grid_aligned"]["detail"]
    # the head is drawn twice past the edge (x = -10 and -20) before the game_close screen
    assert "2 cells past the edge" in probes["survives_wall"]["detail"]


@needs_env
def test_sprites_drawn_with_group_draw_on_a_board_surface_are_seen():
    probes, _ = probe_run("probe_sprites.py")
    assert verdicts(probes) == {"snake_moves": True, "grid_aligned": True, "survives_wall": True}, probes
    # the board is blitted 40 px below a HUD bar: cells keep the snake's 20-px lattice
    assert "20-px lattice at offset (10, 10)" in probes["grid_aligned"]["detail"]
    assert "game over" in probes["survives_wall"]["detail"]


@needs_env
def test_menu_animation_and_game_over_flood_do_not_hide_a_pixel_speed_snake():
    probes, _ = probe_run("probe_menu_pixels.py")
    assert probes["grid_aligned"]["passed"] is False
    assert "4 px per step but its segments are 20 px" in probes["grid_aligned"]["detail"]
    assert probes["snake_moves"]["passed"] and "turned with the UP key" in probes["snake_moves"]["detail"]


@needs_env
def test_a_menu_the_scripted_keys_cannot_start_is_not_judged():
    probes, ex = probe_run("probe_click_menu.py")
    assert ex["status"] == "ok"
    assert verdicts(probes) == {"snake_moves": None, "grid_aligned": None, "survives_wall": None}, probes
    assert "no snake identified" in probes["grid_aligned"]["detail"]
    assert "start menu" in probes["grid_aligned"]["detail"]


@needs_env
def test_quitting_right_at_the_wall_is_the_round_ending_not_a_crash():
    probes, ex = probe_run("probe_quit_on_wall.py")
    assert ex["status"] == "ok"
    assert probes["survives_wall"]["passed"] is True, probes["survives_wall"]
    assert "no more frames and ended without error" in probes["survives_wall"]["detail"]


@needs_env
def test_wrap_around_does_not_end_the_round_at_a_wall():
    probes, _ = probe_run("probe_wrap_vector.py")
    assert probes["grid_aligned"]["passed"] is True  # ellipse food on the 25-px lattice
    wall = probes["survives_wall"]
    assert wall["passed"] is False and "wrapped around" in wall["detail"], wall


@needs_env
def test_a_snake_only_visible_in_a_scaled_image_is_not_judged():
    probes, _ = probe_run("probe_scaled.py")
    assert verdicts(probes) == {"snake_moves": None, "grid_aligned": None, "survives_wall": None}, probes
    assert "nothing cell-sized was drawn" in probes["grid_aligned"]["detail"]


@needs_env
def test_the_trace_and_probes_are_identical_on_every_run():
    first = [probe_run("probe_sprites.py")[0] for _ in range(2)]
    assert first[0] == first[1]


# ---------------------------------------------------------------- hand-built traces
def frame(t, cells, colour=(0, 200, 0), size=20, food=None, d=0.1):
    shapes = [[x, y, size, size, *colour, "r"] for x, y in cells]
    if food:
        shapes.append([food[0], food[1], size, size, 200, 0, 0, "r"])
    return {"t": t, "d": d, "s": shapes}


def run_left(start_x: int, y: int = 100, n: int = 30, t0: float = 1.2):
    """A 3-cell snake that went up, then moves left one 20-px cell every 0.1 s from start_x after
    the LEFT key (top-left corners; centres are +10)."""
    body = [(start_x, y), (start_x, y + 20), (start_x, y + 40)]
    frames = [frame(0.0, body)]
    hx = start_x
    for i in range(n):
        hx -= 20
        body = [(hx, y)] + body[:-1]
        frames.append(frame(round(t0 + 0.1 * i, 2), body, food=(400, 200)))
    return frames, body


def test_a_crash_at_the_edge_fails_but_a_crash_elsewhere_is_not_a_wall():
    frames, _ = run_left(300, n=15)  # the head ends at x = 0: the border cell
    p = analyse([{"frames": frames}], [600, 400], "crashed", "IndexError", script=SCRIPT)
    assert p["survives_wall"]["passed"] is False and "program stopped" in p["survives_wall"]["detail"]
    frames, _ = run_left(300, n=5)  # crashes in the middle of the board
    p = analyse([{"frames": frames}], [600, 400], "crashed", "NameError", script=SCRIPT)
    assert p["survives_wall"]["passed"] is None and "never reached a wall" in p["survives_wall"]["detail"]


def test_game_over_after_the_border_cell_passes_with_what_was_seen():
    frames, body = run_left(300, n=15)
    t = frames[-1]["t"]
    frames += [frame(round(t + 0.1 * k, 2), body, food=(400, 200)) for k in range(1, 30)]  # frozen: game over
    p = analyse([{"frames": frames}], [600, 400], "ok", script=SCRIPT)
    assert p["survives_wall"]["passed"] is True
    assert "(10, 110)" in p["survives_wall"]["detail"] and "stopped moving" in p["survives_wall"]["detail"]
    assert p["grid_aligned"]["passed"] is True and "20-px lattice" in p["grid_aligned"]["detail"]


def test_leaving_the_board_for_three_cells_fails():
    frames, _ = run_left(300, n=20)
    p = analyse([{"frames": frames}], [600, 400], "ok", script=SCRIPT)
    assert p["survives_wall"]["passed"] is False and "left the board" in p["survives_wall"]["detail"]


def test_delta_frames_read_the_same_as_whole_frames_and_garbage_is_ignored():
    frames, _ = run_left(300, n=12)
    delta, prev = [], set()
    for fr in frames:
        cur = {tuple(s) for s in fr["s"]}
        delta.append({"t": fr["t"], "d": fr["d"], "a": [list(s) for s in cur - prev],
                      "r": [list(s) for s in prev - cur] + [["x"], 5]})
        prev = cur
    whole = analyse([{"frames": frames}], [600, 400], "ok", script=SCRIPT)
    assert analyse([{"frames": delta + ["junk", {"t": "x"}]}, {"no": 1}], [600, 400], "ok", script=SCRIPT) == whole


def test_a_single_shape_gliding_by_pixels_is_an_animation_not_a_snake():
    frames = [frame(round(0.05 * i, 2), [(100 + 3 * i, 50)], size=30) for i in range(100)]
    p = analyse([{"frames": frames}], [600, 400], "ok", script=SCRIPT)
    assert verdicts(p) == {"snake_moves": None, "grid_aligned": None, "survives_wall": None}
    assert "an animation, not a snake" in p["snake_moves"]["detail"]


def test_runs_cut_short_by_the_machine_are_not_judged():
    frames, _ = run_left(300, n=12)
    p = analyse([{"frames": frames}], [600, 400], "cut_off", script=SCRIPT)
    assert verdicts(p) == {"snake_moves": None, "grid_aligned": None, "survives_wall": None}
    p = analyse([], [600, 400], "crashed", "AttributeError", script=SCRIPT)
    assert p["snake_moves"]["passed"] is False and p["grid_aligned"]["passed"] is None


def test_a_probe_that_did_not_judge_leaves_the_static_verdict():
    feature = {"id": "wall_collision", "probe": "survives_wall", "probe_mode": "veto"}
    static = {"id": "wall_collision", "found": True, "evidence": [{"line": 3}], "contradicted": False}
    r = apply_probe(feature, static, {"survives_wall": {"passed": None, "detail": "the snake never reached a wall"}})
    assert r["found"] is True and r["source"] == "static" and not r["contradicted"]
    assert r["probe_detail"].startswith("not judged: the snake never reached")
    r = apply_probe(feature, static, {"survives_wall": {"passed": False, "detail": "wrapped around"}})
    assert r["found"] is False and r["contradicted"] and r["source"] == "probe"


def test_a_whole_body_gliding_by_pixels_is_a_misaligned_snake():
    """Segments sampled from a trail of pixel positions: every cell moves a few pixels each frame."""
    x, y, vx, vy, trail, frames = 300.0, 200.0, 4, 0, [], []
    for i in range(150):
        t = round(i / 30, 3)
        if t >= 0.6 and vy == 0 and vx > 0:
            vx, vy = 0, -4
        if t >= 1.2 and vx == 0:
            vx, vy = -4, 0
        x, y = x + vx, y + vy
        trail = [(x, y)] + trail[:23]
        frames.append(frame(t, [(int(px), int(py)) for px, py in trail[::4]]))
    p = analyse([{"frames": frames}], [600, 400], "ok", script=SCRIPT)
    assert p["grid_aligned"]["passed"] is False and "glide 4 px per frame" in p["grid_aligned"]["detail"]
    assert p["snake_moves"]["passed"] is True and p["survives_wall"]["passed"] is None
    wave = [frame(round(i / 30, 3), [(100 + 40 * k, 150 + (i + k) % 8) for k in range(5)]) for i in range(150)]
    p = analyse([{"frames": wave}], [600, 400], "ok", script=SCRIPT)  # a bobbing title: always moves up and down
    assert p["grid_aligned"]["passed"] is None


def test_a_head_held_at_the_edge_while_the_body_catches_up_is_not_a_round_ending():
    frames, body = run_left(300, n=15)  # the head reaches x = 0 and is clamped there
    t = frames[-1]["t"]
    for k in range(1, 3):
        body = body[:-1]
        frames.append(frame(round(t + 0.1 * k, 2), body, food=(400, 200)))
    frames += [frame(round(t + 0.3 + 0.1 * k, 2), body, food=(400, 200)) for k in range(20)]
    p = analyse([{"frames": frames}], [600, 400], "ok", script=SCRIPT)
    assert p["survives_wall"]["passed"] is None


@needs_env
def test_a_translucent_overlay_does_not_hide_the_snake_under_it():
    probes, _ = probe_run("probe_overlay_pause.py")
    wall = probes["survives_wall"]
    # paused at 1.6-1.9 s under the overlay, and frozen under it after the wall: game over, not a reset
    assert wall["passed"] is True and "stopped moving" in wall["detail"], wall
    assert probes["grid_aligned"]["passed"] is True


def test_the_verdicts_do_not_depend_on_the_hash_seed_of_the_scoring_process():
    """Shapes arrive as sets; ties (two shapes of one colour at one centre, equal counts) must not
    be broken by set order, which changes with PYTHONHASHSEED from one evalkit process to the next."""
    import json
    import os
    import subprocess
    import sys

    frames, _ = run_left(300, n=15)
    for fr in frames:  # each cell also drawn as a slightly smaller circle of the same colour
        fr["s"] += [[x + 1, y + 1, 18, 18, r, g, b, "c"] for x, y, _w, _h, r, g, b, _k in fr["s"]]
    code = ("import json, sys\nfrom evalkit.gameprobes import analyse\n"
            "print(json.dumps(analyse(json.load(sys.stdin), [600, 400], 'ok', script=%r), sort_keys=True))" % SCRIPT)
    outs = {subprocess.run([sys.executable, "-c", code], input=json.dumps([{"frames": frames}]), text=True,
                           capture_output=True, check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2", "3")}
    assert len(outs) == 1 and '"passed": true' in outs.pop()


def test_a_wrap_on_a_board_smaller_than_the_window_is_a_wrap_not_a_reset():
    frames, body = run_left(200, n=10)  # the head reaches x = 0 on a 300-px board in a 600-px window
    t, hx = frames[-1]["t"], 300
    for k in range(1, 6):
        hx -= 20
        body = [(hx, 100)] + body[:-1]
        frames.append(frame(round(t + 0.1 * k, 2), body, food=(100, 200)))
    p = analyse([{"frames": frames}], [600, 400], "ok", script=SCRIPT)
    assert p["survives_wall"]["passed"] is False and "wrapped around to (290, 110)" in p["survives_wall"]["detail"]


def test_an_intro_square_hopping_more_often_than_the_snake_moves_is_not_taken_for_it():
    intro = [frame(round(0.1 * i, 2), [(20 * (i % 5), 100)], colour=(0, 0, 255)) for i in range(20)]
    body, snake = [(300, 200), (280, 200), (260, 200)], []
    for k in range(13):  # the game starts after the scripted turns: the snake only goes right
        body = [(body[0][0] + 20, 200)] + body[:-1]
        snake.append(frame(round(2.0 + 0.1 * k, 2), body))
    p = analyse([{"frames": intro + snake}], [600, 400], "ok", script=SCRIPT)
    assert p["snake_moves"]["passed"] is True and "a body of 3 cells" in p["snake_moves"]["detail"]
    assert "between 2.1 s and 3.2 s" in p["grid_aligned"]["detail"]


def test_a_head_drawn_with_another_inset_than_the_body_is_still_the_snake():
    """LLM games often draw the head a pixel bigger than the segments (`inflate_ip(-2, -2)` for the
    head, `-3` for the body): when a segment takes the head's cell its centre is half a pixel off."""
    def snake_frame(t, cells):
        (hx, hy), body = cells[0], cells[1:]
        shapes = [[hx * 24 + 1, hy * 24 + 1, 22, 22, 40, 210, 120, "r"]]
        shapes += [[x * 24 + 1, y * 24 + 1, 21, 21, 30, 180, 110, "r"] for x, y in body]
        shapes.append([10 * 24 + 2, 3 * 24 + 2, 20, 20, 240, 210, 60, "r"])  # the food, on the same lattice
        return {"t": t, "d": 0.1, "s": shapes}

    cells = [(15, 8), (15, 9), (15, 10)]
    frames = [snake_frame(0.0, cells)]
    for i in range(20):
        cells = [(cells[0][0] - 1, cells[0][1])] + cells[:-1]
        frames.append(snake_frame(round(1.2 + 0.1 * i, 2), cells))
    p = analyse([{"frames": frames}], [720, 480], "ok", script=SCRIPT)
    assert p["snake_moves"]["passed"] is True and "24 px per step" in p["snake_moves"]["detail"], p
    assert p["grid_aligned"]["passed"] is True and "24-px lattice" in p["grid_aligned"]["detail"], p
