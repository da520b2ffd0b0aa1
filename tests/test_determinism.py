"""Same program, same outcome: runs do not depend on the machine's load, and outcomes say what happened.

Real sandbox (bubblewrap when available), real pygame from the sandbox env, real busy processes
loading the CPUs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from evalkit import sandbox, sandbox_env
from evalkit.extract import CodeBlock, Extraction
from evalkit.sandbox import POOL, Sandbox, classify
from evalkit.sandbox_cli import exec_command
from evalkit.scorers import execution
from evalkit.suites import Task

PROGRAMS = Path(__file__).resolve().parent / "fixtures" / "programs"
SNAKE_TASK = Task(suite="snake", id="snake", prompt="Write Snake.", interactive=True, tags=("game", "pygame"))
needs_env = pytest.mark.skipif(sandbox_env.ready_dir() is None, reason="run `evalkit setup-sandbox` first")


def ex_of(code: str) -> Extraction:
    return Extraction(blocks=[CodeBlock(textwrap.dedent(code), "python", "```", 1)], main_index=0)


def runs_ok(scores) -> object:
    return {s.metric: s for s in scores}["runs_ok"]


def game_run(source: str):
    """The outcome (with its draw trace) of `source` run as the Snake task's main program."""
    job = execution.program_job(source, interactive=True)
    with Sandbox("auto") as sb:
        return sb.run(job)


def fingerprint(out) -> tuple:
    """Everything a score or a probe can depend on, without wall-clock durations."""
    return (out.status, out.reason, out.virtual_time, out.frames, out.event_polls, out.last_active,
            out.exception_type, out.stdout, json.dumps(out.trace, sort_keys=True))


class BusyCPUs:
    """Two processes spinning on the CPUs for the duration of a block (this machine has 2 cores)."""

    def __enter__(self):
        self.procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            p.kill()
            p.wait()


# ---------------------------------------------------------------- deterministic runs
@needs_env
def test_a_sysfont_game_runs_the_same_every_time_even_on_busy_cpus():
    """pygame's SysFont runs fc-list through subprocess; its wait loop used to burn game time at
    random (cut off before the game loop, no frames). Fonts are now found once per template."""
    source = (PROGRAMS / "snake_sysfont.py").read_text()
    quiet = [game_run(source) for _ in range(3)]
    POOL.close()  # fresh templates: the font discovery runs again, under load this time
    with BusyCPUs():
        busy = [game_run(source) for _ in range(3)]
    first = quiet[0]
    assert first.status == "ok" and first.frames and first.frames > 100, first.reason
    assert first.virtual_time >= 10.0 and first.trace
    assert {fingerprint(o) for o in quiet + busy} == {fingerprint(first)}


@needs_env
def test_clocks_hashes_and_random_seeds_are_the_same_on_every_run():
    source = """
        import datetime, random, time
        import pygame
        pygame.init()
        random.seed(time.time())                   # a common way to "randomise" food
        rng = random.Random()                      # seeded from the OS in plain Python
        print(time.time(), time.perf_counter_ns(), datetime.datetime.now().isoformat())
        print(random.random(), rng.random(), sorted({"apple", "pear", "fig"}) == ["apple", "fig", "pear"])
        print(list({"apple", "banana", "cherry", "date", "elder", "fig"}), hash("evalkit"))
        pygame.quit()
    """
    outs = []
    for _ in range(2):
        POOL.close()  # a new template each time: a new interpreter, so a new hash secret unless fixed
        outs.append(game_run(textwrap.dedent(source)))
    assert outs[0].status == "ok", outs[0].stderr
    assert outs[0].stdout == outs[1].stdout
    assert outs[0].stdout.startswith("1700000000.")  # the virtual wall clock's fixed origin
    expected_hash = subprocess.run([sys.executable, "-c", "print(hash('evalkit'))"], capture_output=True,
                                   text=True, env={"PYTHONHASHSEED": "0"}).stdout.strip()
    assert outs[0].stdout.split()[-1] == expected_hash


# ---------------------------------------------------------------- what happened
@pytest.mark.parametrize("code", ["print('done')\nexit()\n", "print('done')\nquit(0)\n",
                                  "print('done')\nexit(None)\n"])
def test_exit_and_quit_builtins_end_the_program_as_under_python(code):
    out = sandbox.run_program(code, mode="auto")
    assert out.status == "ok" and out.exit_code == 0 and out.stdout == "done\n", (out.stderr, out.reason)
    failing = sandbox.run_program("exit(3)\n", mode="auto")
    assert failing.status == "crashed" and failing.exit_code == 3
    assert failing.reason == "crashed: exited with code 3"


@needs_env
def test_a_game_ending_with_pygame_quit_and_quit_is_ok():
    scores, art = execution.run(SNAKE_TASK, ex_of("""
        import pygame
        pygame.init()
        screen = pygame.display.set_mode((200, 200))
        clock = pygame.time.Clock()
        running = True
        while running:
            for event in pygame.event.get():
                if event.type == pygame.QUIT:
                    running = False
            screen.fill((0, 0, 0))
            pygame.draw.rect(screen, (0, 255, 0), (40, 40, 20, 20))
            pygame.display.flip()
            clock.tick(30)
        pygame.quit()
        quit()
    """))
    ex = art["execution"]
    assert runs_ok(scores).value == 1.0 and ex["status"] == "ok", ex["reason"]
    assert re.match(r"the game ran its full 10 s of game time, drew 30\d frames", ex["reason"]), ex["reason"]
    assert "exited when asked to quit" in ex["reason"]


def test_a_busy_loop_as_the_snake_answer_is_hung_and_exec_agrees(tmp_path, capsys, monkeypatch):
    """No pygame, no output: the Snake task's scoring and `evalkit exec` both call it a hang."""
    monkeypatch.setattr(execution, "RUN_TIMEOUT", 2.0)  # the one job both build: same (shorter) budget
    code = "while True:\n    pass\n"
    scores, art = execution.run(SNAKE_TASK, ex_of(code))
    score = runs_ok(scores)
    assert score.value == 0.0 and art["execution"]["status"] == "timeout"
    assert art["execution"]["reason"].startswith("hung:"), art["execution"]["reason"]
    path = tmp_path / "snake.py"
    path.write_text(code)
    assert exec_command(str(path), timeout=None, as_json=True, mode="auto", interactive=True) == 1
    shown = json.loads(capsys.readouterr().out)
    assert (shown["status"], shown["reason"]) == (art["execution"]["status"], art["execution"]["reason"])
    assert shown["reason"] == "hung: still running after 2 s without drawing, reading input or writing any output"


def test_a_loop_that_ignores_signals_and_sleeps_is_hung():
    scores, art = execution.run(SNAKE_TASK, ex_of("""
        import signal, time
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        while True:
            time.sleep(0.2)
    """))
    assert runs_ok(scores).value == 0.0 and art["execution"]["status"] == "timeout"
    assert not art["execution"]["alive_at_end"]


@needs_env
@pytest.mark.parametrize("code, words", [
    # sleeps in game time without ever drawing or polling: reaches the end of its budget, hung
    ("""
        import pygame, time
        pygame.init()
        screen = pygame.display.set_mode((200, 200))
        while True:
            time.sleep(0.1)
     """, "hung: no frame drawn and no event polled for 11 s of game time"),
    # draws for 3 s, then spins without the clock: the shim falls silent
    ("""
        import pygame
        pygame.init()
        screen = pygame.display.set_mode((200, 200))
        clock = pygame.time.Clock()
        for frame in range(30):
            pygame.event.get()
            pygame.display.flip()
            clock.tick(10)
        while True:
            pass
     """, "stopped responding at 2.9 s of game time after drawing 30 frames"),
    # a game-over screen that waits for a key with sleep, never reading the keys: stops responding
    ("""
        import pygame, time
        pygame.init()
        screen = pygame.display.set_mode((200, 200))
        clock = pygame.time.Clock()
        for frame in range(20):
            pygame.event.get()
            pygame.display.flip()
            clock.tick(10)
        waiting = True
        while waiting:
            time.sleep(0.05)
     """, "stopped responding at 1.9 s of game time after drawing 20 frames"),
])
def test_games_that_neither_draw_nor_poll_are_hung(code, words):
    scores, art = execution.run(SNAKE_TASK, ex_of(code))
    ex = art["execution"]
    assert runs_ok(scores).value == 0.0 and ex["status"] == "timeout" and not ex["alive_at_end"]
    assert ex["reason"].startswith(words), ex["reason"]


@needs_env
def test_a_missing_asset_loaded_after_some_frames_is_missing_asset_with_its_name():
    scores, art = execution.run(SNAKE_TASK, ex_of("""
        import pygame
        pygame.init()
        screen = pygame.display.set_mode((200, 200))
        clock = pygame.time.Clock()
        lives = 3
        for frame in range(40):
            pygame.event.get()
            pygame.draw.rect(screen, (0, 200, 0), (20, 20, 20, 20))
            pygame.display.flip()
            clock.tick(10)
        heart = pygame.image.load("assets/heart.png")  # shown once the first life is lost
    """))
    ex = art["execution"]
    assert runs_ok(scores).value is None and ex["status"] == "missing_asset"
    assert ex["missing_file"] == "assets/heart.png"
    assert ex["reason"].startswith("not judged: the program opens assets/heart.png") and "40 frames" in ex["reason"]


@needs_env
def test_a_game_still_drawing_when_its_time_runs_out_is_not_judged():
    """Too slow to reach the end of its game time, but running: not a hang, not a pass."""
    code = textwrap.dedent("""
        import pygame
        pygame.init()
        screen = pygame.display.set_mode((200, 200))
        clock = pygame.time.Clock()
        while True:
            pygame.event.get()
            sum(i * i for i in range(60000))   # heavy work every frame
            pygame.display.flip()
            clock.tick(60)
    """)
    job = execution.program_job(code, interactive=True)
    with Sandbox("auto") as sb:
        from dataclasses import replace
        out = sb.run(replace(job, timeout=1.5))
    assert out.status == "cut_off" and out.cut_off == "too_slow" and out.frames and out.virtual_time < 10, out.reason
    assert out.reason.startswith("not judged: the game was still running")
    assert execution._value(out.status) is None


def test_a_run_the_machine_starved_before_its_first_frame_is_not_judged():
    """The runner's reply for a run it stopped at its hard limit (the program had too little CPU
    to use its time): the outcome is cut_off, runs_ok None, with the reason."""
    job = execution.program_job("import pygame\n", interactive=True)
    reply = {"exit_code": None, "signal": 9, "duration": 70.0, "timed_out": True, "idle": False,
             "cut_off": "the machine was too busy: the program got 2.1 s of its 10 s in 70.0 s of wall time",
             "program_time": 2.1, "stdout": "", "stderr": "", "report": None,
             "messages": [{"kind": "shim", "virtual_time": 0.0, "frames": 0, "polls": 0, "last_active": None,
                           "quit_sent": False, "size": None, "quit_at": 10.0}]}
    out = classify(reply, job, "bwrap")
    assert out.status == "cut_off" and out.cut_off == "machine" and execution._value(out.status) is None
    assert out.reason == "not judged: " + reply["cut_off"]
    from evalkit.pipeline import environment_failure  # a starved run is scored again next time
    from evalkit.scorers.base import Score
    assert "rerun" in environment_failure([Score("runs_ok", None, execution.outcome_details(out))])
    assert out.frames == 0 and out.program_time == 2.1
    # the same reply without the cut-off (the program used its own 10 s) is a hang
    hung = classify({**reply, "cut_off": None, "idle": True}, job, "bwrap")
    assert hung.status == "timeout" and hung.reason.startswith("hung: no frame drawn and no event polled")


@needs_env
def test_an_asyncio_game_loop_sleeps_in_game_time():
    """`await asyncio.sleep(1 / 60)` (pygbag-style loops) waits game time, not wall time."""
    scores, art = execution.run(SNAKE_TASK, ex_of("""
        import asyncio
        import pygame
        pygame.init()
        screen = pygame.display.set_mode((200, 200))

        async def main():
            running = True
            while running:
                for event in pygame.event.get():
                    if event.type == pygame.QUIT:
                        running = False
                pygame.draw.rect(screen, (0, 255, 0), (20, 20, 20, 20))
                pygame.display.flip()
                await asyncio.sleep(1 / 20)

        asyncio.run(main())
    """))
    ex = art["execution"]
    assert runs_ok(scores).value == 1.0 and ex["status"] == "ok", ex["reason"]
    assert 195 <= ex["frames"] <= 205 and ex["virtual_time"] >= 10.0  # 20 frames per second of game time


@needs_env
def test_reading_its_own_high_score_file_before_writing_it_is_a_crash_not_a_missing_asset():
    scores, art = execution.run(SNAKE_TASK, ex_of("""
        import pygame
        pygame.init()
        screen = pygame.display.set_mode((200, 200))
        with open("highscore.txt") as f:          # first run: the file does not exist yet
            best = int(f.read())

        def save_best(value):
            with open("highscore.txt", "w") as f:
                f.write(str(value))
    """))
    ex = art["execution"]
    assert runs_ok(scores).value == 0.0 and ex["status"] == "crashed" and ex["missing_file"] == "highscore.txt"
    assert "a file it writes itself, before it exists" in ex["reason"]


def test_typed_input_an_interactive_run_cannot_give_is_not_judged():
    code = "name = input('Your name: ')\nprint('Hello', name)\n"
    scores, art = execution.run(SNAKE_TASK, ex_of(code))
    assert runs_ok(scores).value is None and art["execution"]["status"] == "cut_off"
    assert art["execution"]["reason"].startswith("not judged: the program waits for typed input (input() at")
    plain = sandbox.run_program(code, mode="auto")  # a program that is not interactive must not ask
    assert plain.status == "crashed" and plain.exception_type == "EOFError"


@needs_env
def test_threads_that_sleep_and_timers_run_in_game_time_the_same_way_every_run():
    """A mover thread that sleeps and a threading.Timer (a speed boost that ends) follow the game
    clock: the same moves in the same frames on every run, also on busy CPUs."""
    source = textwrap.dedent("""
        import threading, time
        import pygame
        pygame.init()
        screen = pygame.display.set_mode((200, 200))
        clock = pygame.time.Clock()
        state = {"x": 0, "moves": 0, "boost": True}

        def mover():
            while True:
                state["x"] = (state["x"] + 20) % 200
                state["moves"] += 1
                time.sleep(0.25)

        def end_boost():
            state["boost"] = False

        threading.Thread(target=mover, daemon=True).start()
        threading.Timer(3.0, end_boost).start()
        boost_off_at = None
        running = True
        while running:
            for event in pygame.event.get():
                if event.type == pygame.QUIT:
                    running = False
            if not state["boost"] and boost_off_at is None:
                boost_off_at = pygame.time.get_ticks()
            screen.fill((0, 0, 0))
            pygame.draw.rect(screen, (0, 255, 0), (state["x"], 100, 20, 20))
            pygame.display.flip()
            clock.tick(30)
        print("moves", state["moves"], "boost off at", boost_off_at)
        pygame.quit()
    """)
    outs = [game_run(source) for _ in range(2)]
    with BusyCPUs():
        outs += [game_run(source) for _ in range(2)]
    first = outs[0]
    assert first.status == "ok" and "exited when asked to quit" in first.reason, (first.reason, first.stderr)
    words = first.stdout.split()
    assert 38 <= int(words[1]) <= 41 and words[-1] == "3000"  # one move per 0.25 s; the boost ends at 3 s
    assert {fingerprint(o) for o in outs} == {fingerprint(first)}
