"""Terminal programs: curses on a pseudo-terminal with TERM set, scripted keys in virtual time, the
screen replayed on the host for the Snake probes; GUI toolkits without a display are not judged."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from evalkit import termscreen
from evalkit.sandboxed import termshim
from evalkit.extract import CodeBlock, Extraction
from evalkit.sandbox import Job, Sandbox
from evalkit.scorers import execution, score_response
from evalkit.suites import Task, load_suites

PROGRAMS = Path(__file__).resolve().parent / "fixtures" / "programs"


@pytest.fixture(scope="module")
def snake_task():
    return load_suites(["snake"])[0].tasks[0]


def run_terminal(source: str, timeout: float = 10.0):
    with Sandbox("auto") as sb:
        return sb.run(Job(source=source, filename="prog.py", interactive=True, timeout=timeout,
                          terminal=execution.terminal_script()))


def run_task(source: str, interactive: bool = True, task_id: str = "t"):
    task = Task(id=task_id, suite="t", prompt="", language="python", interactive=interactive)
    scores, art = execution.run(task, Extraction(blocks=[CodeBlock(source, "python", "```", 1)], main_index=0))
    return {s.metric: s for s in scores}, art


def test_curses_snake_runs_to_the_end_of_its_budget_with_its_screen_captured(snake_task):
    code = (PROGRAMS / "snake_curses.py").read_text()
    text = ("A terminal Snake. Arrow keys steer, press P to pause.\n\n**snake.py**\n```python\n" + code
            + "```\n\nRun it with `python snake.py` in a terminal.")
    t0 = time.perf_counter()
    m = {s.metric: s for s in score_response(snake_task, text)}
    wall = time.perf_counter() - t0
    run = m["runs_ok"]
    assert run.value == 1.0 and run.details["status"] == "ok", run.details
    assert run.details["virtual_time"] >= 10.0 and wall < 30  # the whole scripted run, in virtual time
    assert run.details["entry"] == "snake.py" and run.details["terminal"]["frames"] > 50
    screen = run.details["screen"].split("\n")
    assert screen[0].startswith("┌─ Score: ") and screen[-1].startswith("└") and len(screen) == 24
    assert all(len(line) == 80 for line in (screen[0], screen[-1]))
    assert sum(line.count("#") for line in screen) >= 3  # the snake is on the last screen
    grid = next(f for f in m["feature_completeness"].details["features"] if f["id"] == "grid_movement")
    assert grid["found"] and grid["source"] == "probe" and "character grid" in grid["probe_detail"]
    assert "curses" not in run.details["stderr"]  # no setupterm / terminal error


def test_terminal_runs_are_repeatable():
    code = (PROGRAMS / "snake_curses.py").read_text()
    a, b = run_terminal(code), run_terminal(code)
    assert a.status == b.status == "ok"
    assert termscreen.decode(a.terminal) == termscreen.decode(b.terminal)  # byte for byte, frame marks included


def test_the_pty_has_a_fixed_size_term_and_terminfo_inside_the_sandbox():
    src = ("import curses, os, sys\n"
           "def main(w):\n"
           "    h, wd = w.getmaxyx()\n"
           "    sys.stderr.write(f\"{os.environ['TERM']} {h} {wd} {curses.has_colors()} {os.isatty(0)} {os.isatty(1)}\\n\")\n"
           "curses.wrapper(main)\n")
    out = run_terminal(src)
    assert out.status == "ok", out.stderr
    assert out.stderr.strip() == "xterm-256color 24 80 True True True"


def _codes(name: str, keypad: bool) -> list[int]:
    """What a real terminal delivers for a scripted key, as curses returns it."""
    import curses

    arrows = {"up": "A", "down": "B", "right": "C", "left": "D"}
    if name in arrows:
        return [getattr(curses, "KEY_" + name.upper())] if keypad else [27, ord("["), ord(arrows[name])]
    return [ord({"space": " ", "return": "\n", "escape": "\x1b"}.get(name, name))]


def test_keys_arrive_as_key_codes_with_keypad_and_as_escape_sequences_without():
    src = ("import curses, sys, time\n"
           "def main(w):\n"
           "    w.keypad({keypad})\n"
           "    got = []\n"
           "    t0 = time.monotonic()\n"
           "    while len(got) < {n}:\n"
           "        k = w.getch()\n"
           "        if k != -1:\n"
           "            got.append((k, round(time.monotonic() - t0, 2)))\n"
           "    sys.stderr.write(repr(got))\n"
           "curses.wrapper(main)\n")
    script = termshim.schedule(execution.terminal_script())
    assert {name for _, name in script} >= {"up", "left", "space", "q"} and script[-1][1] == "q"
    want = [(c, round(t, 2)) for t, name in script[:4] for c in _codes(name, True)][:4]
    # a blocking getch: the clock jumps to each scripted key
    assert eval(run_terminal(src.format(keypad=True, n=4)).stderr) == want  # noqa: S307 - ints and floats
    arrow_at = next(i for i, (_, name) in enumerate(script) if name == "up")
    raw = [c for _, name in script[:arrow_at + 1] for c in _codes(name, False)]
    got = [k for k, _ in eval(run_terminal(src.format(keypad=False, n=len(raw))).stderr)]  # noqa: S307
    assert got == raw and got[-3:] == [27, ord("["), ord("A")]


def test_a_timeout_loop_advances_virtual_time_and_ignoring_q_runs_to_the_budget():
    src = ("import curses, time\n"
           "def main(w):\n"
           "    curses.halfdelay(2)\n"
           "    n = 0\n"
           "    while True:\n"
           "        w.addstr(0, 0, f'tick {n} at {time.monotonic():.1f}')\n"
           "        w.getch()\n"
           "        n += 1\n"
           "curses.wrapper(main)\n")
    m, art = run_task(src)
    ex = art["execution"]
    assert m["runs_ok"].value == 1.0 and ex["alive_at_end"] and ex["virtual_time"] == pytest.approx(11.0, abs=0.2)
    first = ex["screen"].split("\n")[0]
    assert first.startswith("tick 5") and ex["terminal"]["frames"] >= 50  # 0.2 s a tick: 55 ticks in 11 s


def test_a_crash_inside_a_curses_program_is_charged_at_its_line():
    src = ("import curses\n"
           "def main(w):\n"
           "    w.addstr(0, 0, 'hello')\n"
           "    w.getch()\n"
           "    return undefined_name\n"
           "curses.wrapper(main)\n")
    m, art = run_task(src)
    ex = art["execution"]
    assert m["runs_ok"].value == 0.0 and ex["status"] == "crashed"
    assert ex["exception_type"] == "NameError" and ex["lineno"] == 5
    assert "hello" in ex["screen"] and "undefined_name" in ex["stderr"]


def test_programs_without_curses_keep_plain_pipes():
    m, art = run_task("import sys\nprint('plain', sys.stdout.isatty())\n", interactive=False)
    assert m["runs_ok"].value == 1.0 and art["execution"]["stdout"].strip() == "plain False"
    assert "screen" not in art["execution"]


def test_replay_cuts_frames_at_marks_and_ignores_a_forged_mark():
    stream = (b"\x1b[2J\x1b[H##\x1b]7777;evalkit;0.1000\x07"
              b"\x1b[H ##\x1b]7777;evalkit;0.2000\x07\x1b]7777;evalkit;nonsense\x07")
    r = termscreen.Replay(stream, 10, 3)
    assert [t for t, _ in r.frames] == [0.1, 0.2]
    assert [sorted((x, y) for x, y, _ in cells) for _, cells in r.frames] == [[(0, 0), (1, 0)], [(1, 0), (2, 0)]]
    assert r.screen_text.split("\n")[0] == " ##"
    json.dumps(r.trace())  # the trace is plain data, as gameprobes expects


def test_tkinter_without_a_display_is_not_judged_not_a_crash():
    src = ("import tkinter as tk\n"
           "root = tk.Tk()\n"
           "tk.Label(root, text='Snake').pack()\n"
           "root.mainloop()\n")
    m, art = run_task(src)
    ex = art["execution"]
    assert m["runs_ok"].value is None, ex
    if ex["status"] == "missing_dependency":  # a Python built without tkinter: not judged either
        return
    assert ex["status"] == "needs_display" and "needs a display" in ex["reason"]


def test_a_raw_terminal_program_with_a_reader_thread_gets_the_keys_every_run_alike():
    code = (PROGRAMS / "snake_ansi_thread.py").read_text()
    runs = [run_task(code, task_id="snake") for _ in range(2)]
    (m, art), (_, art2) = runs
    ex = art["execution"]
    assert m["runs_ok"].value == 1.0 and ex["status"] == "ok"
    # up at 0.6 s, left at 1.2 s: the snake turns twice and ends at the left wall, the same way each run
    assert ex["stderr"].strip() == art2["execution"]["stderr"].strip() == "final 0 (0, 3)"
    assert ex["screen"] == art2["execution"]["screen"] and "Score: 0" in ex["screen"]
    assert art["probes"]["snake_moves"]["passed"]


def test_select_on_stdin_waits_in_virtual_time():
    src = ("import select, sys, time, tty\n"
           "tty.setcbreak(0)\n"
           "t0 = time.monotonic()\n"
           "seen = []\n"
           "while time.monotonic() - t0 < 3:\n"
           "    r, _, _ = select.select([sys.stdin], [], [], 0.5)\n"
           "    if r:\n"
           "        seen.append((sys.stdin.read(1), round(time.monotonic() - t0, 1)))\n"
           "print(seen, file=sys.stderr)\n")
    m, art = run_task(src)
    ex = art["execution"]
    assert m["runs_ok"].value == 1.0 and ex["duration"] < 5  # 3 s of 0.5 s selects, not 3 s of waiting
    seen = eval(ex["stderr"])  # noqa: S307 - our own program's repr
    assert "".join(c for c, _ in seen).startswith("\x1b[A\x1b[Dp")
    assert seen[0][1] == 0.6 and seen[3][1] == 1.2


def test_press_enter_to_start_reads_the_scripted_keys_up_to_return_then_curses_runs():
    # input() on a real terminal reads the pty itself; the feed must give it the scripted line
    src = ("import curses, time\n"
           "line = input('Press Enter to start...')\n"
           "started = time.monotonic()\n"
           "def main(scr):\n"
           "    scr.timeout(100)\n"
           "    while scr.getch() != ord('q'):\n"
           "        scr.addstr(0, 0, 'running')\n"
           "curses.wrapper(main)\n"
           "import sys; print(repr(line), round(started - 1000.0, 1), file=sys.stderr)\n")
    m, art = run_task(src)
    ex = art["execution"]
    assert m["runs_ok"].value == 1.0, ex["reason"]
    assert ex["duration"] < 5  # the wait for Return is virtual time, not a hang
    line, started = ex["stderr"].strip().splitlines()[-1].rsplit(" ", 1)
    assert line == repr("\x1b[A\x1b[Dpp ") and float(started) == 7.2  # arrows, P, P, space, then Return


def test_an_ansi_game_sized_to_the_terminal_gets_one_instead_of_a_crash():
    # no curses or termios: it only asks the terminal's size (which fails without a terminal)
    src = ("import os, sys, time\n"
           "cols, rows = os.get_terminal_size()\n"
           "print(cols, rows, file=sys.stderr)\n"
           "x = 0\n"
           "for _ in range(30):\n"
           "    print('\\033[H' + '.' * x + 'O')\n"
           "    x = (x + 1) % (cols - 1)\n"
           "    time.sleep(0.1)\n")
    m, art = run_task(src)
    ex = art["execution"]
    assert m["runs_ok"].value == 1.0, ex["reason"]
    assert ex["stderr"].split() == ["80", "24"] and "screen" in ex


def test_a_busy_loop_that_never_reads_or_sleeps_is_a_hang_said_in_plain_words():
    # a raw-terminal game whose menu state has no branch in its loop: it spins without ever
    # reading a key, sleeping or drawing, so game time never moves
    src = ("import termios, sys\n"
           "state = 'menu'\n"
           "while True:\n"
           "    if state == 'playing':\n"
           "        sys.stdout.write('x')\n")
    out = run_terminal(src, timeout=2.0)
    assert out.status == "timeout" and (out.virtual_time or 0) < 0.05
    assert "clock never moved" in out.reason and "0 s of game time" not in out.reason


def test_a_curses_input_thread_gets_each_key_at_its_time_in_the_same_frame():
    src = ("import curses, sys, threading, time\n"
           "got, lock = [], threading.Lock()\n"
           "def reader(win):\n"
           "    while True:\n"
           "        k = win.getch()\n"
           "        with lock:\n"
           "            got.append(k)\n"
           "def main(w):\n"
           "    w.keypad(True)\n"
           "    t0 = time.monotonic()\n"
           "    threading.Thread(target=reader, args=(w,), daemon=True).start()\n"
           "    seen = []\n"
           "    while True:\n"
           "        with lock:\n"
           "            keys, got[:] = list(got), []\n"
           "        for k in keys:\n"
           "            seen.append((k, round(time.monotonic() - t0, 2)))\n"
           "            if k == ord('q'):\n"
           "                sys.stderr.write(repr(seen))\n"
           "                return\n"
           "        w.addstr(0, 0, f'{time.monotonic() - t0:5.1f}')\n"
           "        w.refresh()\n"
           "        time.sleep(0.1)\n"
           "curses.wrapper(main)\n")
    script = termshim.schedule(execution.terminal_script())
    want = [(c, round(t, 2)) for t, name in script for c in _codes(name, True)]
    first, second = run_terminal(src), run_terminal(src)
    assert first.status == "ok" and eval(first.stderr) == want  # noqa: S307 - ints and floats
    assert second.stderr == first.stderr and termscreen.decode(second.terminal) == termscreen.decode(first.terminal)


def test_a_cut_terminal_stream_leaves_the_probes_not_judged():
    stream = b"\x1b[H##\x1b]7777;evalkit;0.1000\x07" + termscreen.CUT
    probes = termscreen.probes(termscreen.Replay(stream, 10, 3), "ok", None)
    assert all(p["passed"] is None and "16 MB" in p["detail"] for p in probes.values())


def test_the_fast_screen_shows_what_pyte_shows():
    import pyte

    synthetic = ("\x1b[2J\x1b[H\x1b[32mgreen\x1b[0m " + "w" * 100 + "\x1b[5;78Hwrap-around\x1b[7;1H"
                 "┌─π─┐ 漢字 e\u0301 \x1b[4h\x1b[7;3HINS\x1b[4l\x1b[10;1H\x1b[7mrev\x1b[0m").encode()
    live = termscreen.decode(run_terminal((PROGRAMS / "snake_curses.py").read_text()).terminal)
    for stream in (synthetic, live):
        ref = pyte.Screen(80, 24)
        pyte.ByteStream(ref).feed(termscreen._MARK.sub(b"", stream))
        want = "\n".join(line.rstrip() for line in ref.display).rstrip("\n")
        assert termscreen.Replay(stream).end_text == want


def test_a_terminal_program_reads_the_same_virtual_clocks_as_games():
    """datetime.now(), process_time() and localtime() are virtual in terminal programs too (one
    clock module serves both shims): the same values on every run, from the games' fixed origin."""
    source = ("import datetime, time, tty\n"
              "print(datetime.datetime.now(datetime.timezone.utc).isoformat(), time.process_time(),\n"
              "      time.strftime('%Y', time.gmtime()), time.time())\n")
    a, b = run_terminal(source), run_terminal(source)
    assert a.status == b.status == "ok", a.stderr
    screen_a, screen_b = termscreen.decode(a.terminal), termscreen.decode(b.terminal)
    assert screen_a == screen_b
    text = screen_a.decode("utf-8", "replace")
    assert "2023-11-14T22:13:20" in text and "1700000000." in text
