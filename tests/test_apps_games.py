"""The apps suite's pygame games: each task's reference answer scores well and its defective answer is
caught on the metric each of its defects targets, through the real pipeline (score_response with
execution in the sandbox, the bundled apps suite and its rubrics). Plus the generic game probes on
small programs that isolate one behaviour each."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from evalkit import gameprobes_generic, sandbox_env
from evalkit.extract import CodeBlock, Extraction
from evalkit.scorers import execution, score_response
from evalkit.suites import load_suites

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "apps"
GAMES = ("pong", "breakout", "flappy", "game2048", "invaders")
needs_env = pytest.mark.skipif(sandbox_env.ready_dir() is None, reason="run `evalkit setup-sandbox` first")

# per game: what the defective answer gets wrong -> how the score shows it
#   runs_ok: crashes in a path the scripted play reaches; features/claims: at most this value;
#   ratio: code:prose at most this fraction of the reference's; probe: this feature's probe fails
DEFECTS = {
    # a crash in the power-up handler (settings are strings), a claimed Fast Ball the code never applies
    "pong": {"runs_ok": 0.0, "claim_consistency": 0.85},
    # a half-built Multi-Ball (TODO), a Wide Paddle that never ends, a tutorial's worth of markdown
    "breakout": {"feature_completeness": 0.85, "ratio": 0.5},
    # no ground check and only the top pipe collides (the bird falls out of the window: the round_ends
    # probe fails), a claimed Shield the collision code never consults
    # (its "50% chance" of a shield power-up is true: the spawn works, only the absorbing does not)
    "flappy": {"feature_completeness": 0.8, "claim_consistency": 0.8, "probe": ("collision_ends", "round_ends")},
    # tiles drawn without the gaps (off the cells' lattice: the moves_on_lattice probe fails), an undo
    # key that does nothing while the prose claims it
    # claims 0.82: "**U** undoes the last move" is a true key claim too (13 of 16 supported)
    "game2048": {"feature_completeness": 0.8, "claim_consistency": 0.82, "probe": ("grid_4x4", "moves_on_lattice")},
    # invaders glide a pixel a frame (off the march lattice), a power-up table of strings read as
    # dicts when the first invader dies (a crash the scripted shots reach)
    "invaders": {"runs_ok": 0.0, "probe": ("march", "moves_on_lattice")},
}


def task(task_id: str):
    suite = load_suites(["apps"])[0]
    return next(t for t in suite.tasks if t.id == task_id)


@lru_cache(maxsize=None)
def scored(task_id: str, which: str) -> dict:
    text = (FIXTURES / task_id / f"{which}.md").read_text(encoding="utf-8")
    return {s.metric: s for s in score_response(task(task_id), text)}


def test_suite_lists_the_five_games_with_rubrics_and_scripts():
    tasks = {t.id: t for t in load_suites(["apps"])[0].tasks}
    for gid in GAMES:
        t = tasks[gid]
        assert t.interactive and {"game", "pygame"} <= set(t.tags)
        assert t.rubric.get("features"), gid
        assert gameprobes_generic.wanted(t.rubric), gid
        script = gameprobes_generic.script_for(t.rubric)
        assert script and script["keys"], gid


@needs_env
@pytest.mark.parametrize("task_id", GAMES)
def test_reference_answer_runs_and_scores_high(task_id):
    s = scored(task_id, "reference")
    assert s["runs_ok"].value == 1.0, s["runs_ok"].details.get("reason")
    fc = s["feature_completeness"]
    assert fc.value >= 0.9, [f for f in fc.details["features"] if not f["found"]]
    cc = s["claim_consistency"]
    assert cc.value is not None and cc.value >= 0.9, [c for c in cc.details["claims"] if c["verdict"] != "supported"]


@needs_env
@pytest.mark.parametrize("task_id", GAMES)
def test_defective_answer_is_caught_on_each_target_metric(task_id):
    ref, bad, want = scored(task_id, "reference"), scored(task_id, "defective"), DEFECTS[task_id]
    if "runs_ok" in want:
        assert bad["runs_ok"].value == want["runs_ok"], bad["runs_ok"].details.get("reason")
        assert bad["runs_ok"].details["status"] == "crashed"
    for metric in ("feature_completeness", "claim_consistency"):
        if metric in want:
            assert bad[metric].value is not None and bad[metric].value <= want[metric], bad[metric].details
            assert bad[metric].value < ref[metric].value
    if "ratio" in want:
        assert bad["code_prose_ratio"].value <= want["ratio"] * ref["code_prose_ratio"].value
    if "probe" in want:
        feature, probe = want["probe"]
        got = next(f for f in bad["feature_completeness"].details["features"] if f["id"] == feature)
        ref_got = next(f for f in ref["feature_completeness"].details["features"] if f["id"] == feature)
        assert got["found"] is False and got.get("source") == "probe", got
        assert ref_got["found"] is True and ref_got.get("source") == "probe", ref_got


# ---------------------------------------------------------------- the generic probes, one behaviour each
def probe_run(task_id: str, code: str) -> dict:
    ex = Extraction(blocks=[CodeBlock(code, "python", "```", 1)], main_index=0)
    _, art = execution.run(task(task_id), ex)
    return art["probes"]


def _pong_variant(**swap) -> str:
    """The reference Pong program with some lines swapped (one behaviour changed)."""
    text = (FIXTURES / "pong" / "reference.md").read_text(encoding="utf-8")
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    for old, new in swap.items():
        assert old in code, old
        code = code.replace(old, new)
    return code


@needs_env
def test_pong_probes_see_paddles_react_and_the_ball_reset_after_a_miss():
    probes = probe_run("pong", _pong_variant())
    assert probes["frames_drawn"]["passed"] is True
    assert probes["responds_to_input"]["passed"] is True
    assert "12x90 px" in probes["responds_to_input"]["detail"]  # the paddles, not the ball
    assert probes["round_ends"]["passed"] is True and "reset to (400, 250)" in probes["round_ends"]["detail"]


@needs_env
def test_paddles_that_ignore_the_keys_fail_responds_to_input():
    code = _pong_variant(**{"PADDLE_SPEED = 7": "PADDLE_SPEED = 0"})
    probes = probe_run("pong", code)
    assert probes["responds_to_input"]["passed"] is False, probes["responds_to_input"]


@needs_env
def test_a_ball_that_is_never_served_again_fails_round_ends():
    code = _pong_variant(**{"if ball.rect.right < 0 or ball.rect.left > WIDTH:": "if False:",
                            "self.rect.clamp_ip(pygame.Rect(0, 0, WIDTH, HEIGHT))\n\n": "\n\n"})
    probes = probe_run("pong", code)
    assert probes["round_ends"]["passed"] is False
    assert "left the window" in probes["round_ends"]["detail"]


def test_probes_that_cannot_see_anything_are_not_judged():
    rubric = {"game_probes": ["frames_drawn", "responds_to_input", "moves_on_lattice", "round_ends"]}
    text_only = [{"frames": [{"t": i / 60, "a": [], "r": []} for i in range(120)]}]
    probes = gameprobes_generic.analyse(rubric, text_only, [400, 300])
    assert probes["frames_drawn"]["passed"] is False
    assert all(probes[k]["passed"] is None for k in ("responds_to_input", "moves_on_lattice", "round_ends"))
    cut = gameprobes_generic.analyse(rubric, text_only, [400, 300], status="cut_off")
    assert all(v["passed"] is None for v in cut.values())


def test_script_for_merges_task_keys_over_the_default_and_drops_bad_entries():
    got = gameprobes_generic.script_for({"script": {"keys": [[0.5, "s", 0.3], [1, "nope"], ["x", "w"]],
                                                    "random_keys": None}})
    assert got["keys"] == [[0.5, "s", 0.3]] and got["random_keys"] is None and got["quit_at"] == 10.0
    assert gameprobes_generic.script_for({}) is None


def _formation_trace(step: float, every: int) -> list:
    """A row of 8 invaders (30x20) moving `step` px every `every` frames, as whole frames."""
    frames = []
    for i in range(240):
        x0 = 60 + step * (i // every)
        shapes = [[x0 + 50 * c, 60, 30, 20, 200, 80, 200, "r"] for c in range(8)]
        frames.append({"t": i / 60, "s": shapes})
    return [{"frames": frames}]


def test_lattice_probe_passes_fixed_steps_and_fails_a_pixel_glide():
    rubric = {"game_probes": {"moves_on_lattice": {"min_count": 8, "min_step": 0.2}}}
    steps = gameprobes_generic.analyse(rubric, _formation_trace(10, 30), [600, 560])["moves_on_lattice"]
    assert steps["passed"] is True and "lattice of 10" in steps["detail"], steps
    glide = gameprobes_generic.analyse(rubric, _formation_trace(1, 1), [600, 560])["moves_on_lattice"]
    assert glide["passed"] is False and "moves by pixels" in glide["detail"], glide


def test_arrow_pair_named_in_the_sentence_is_all_a_claim_needs():
    """'Left/Right arrow keys move the ship' needs the two arrows it names, not all four."""
    text = (FIXTURES / "invaders" / "reference.md").read_text(encoding="utf-8")
    text = text.replace("the ship moves with **←/→**", "Left/Right arrow keys move the ship")
    cc = next(s for s in score_response(task("invaders"), text, execute=False) if s.metric == "claim_consistency")
    arrows = [c for c in cc.details["claims"] if c["kind"] == "control" and c.get("key") == "arrow keys"]
    assert arrows and all(c["verdict"] == "supported" for c in arrows), arrows


def test_a_count_of_lives_is_a_claim_about_lives():
    """'You have 3 lives.' ties 3 to the lives feature (its unit names it), not to the sentence before."""
    text = (FIXTURES / "breakout" / "reference.md").read_text(encoding="utf-8")
    text = text.replace("- Lives: you get 3.", "- You have 3 lives.")
    cc = next(s for s in score_response(task("breakout"), text, execute=False) if s.metric == "claim_consistency")
    nums = [c for c in cc.details["claims"] if c["kind"] == "number" and c.get("value") == 3]
    assert [c["feature"] for c in nums] == ["lives"] and nums[0]["verdict"] == "supported", nums
