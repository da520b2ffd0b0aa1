"""Loaded before a terminal (curses) program: virtual time, scripted keys, frame marks for the screen.

The program runs on a pseudo-terminal of a fixed size with ``TERM`` set (the runner makes the
pty its controlling terminal and its stdin/stdout); what it writes there is the screen, which
the host replays through a terminal emulator.

* Time is virtual: ``time.sleep``/``curses.napms`` advance by their argument, ``time.time``/
  ``monotonic``/``perf_counter`` read the virtual clock. A ``getch`` with a timeout
  (``win.timeout(ms)``, ``curses.halfdelay``) that gets no key advances the clock by that timeout;
  a blocking ``getch`` advances it to the next scripted key; a ``nodelay`` poll loop advances
  1 ms per poll after two idle polls. So 10 s of game time costs a fraction of a second.
* Keys are the seeded script games get (arrows, P, space, return, r, random arrows), then ``q``
  at the quit time. They are pushed with ``curses.ungetch`` just before the program's ``getch``:
  ``KEY_UP`` when the window has ``keypad(True)``, the terminal's escape sequence otherwise.
  The real ``getch`` always runs without waiting (the window is kept in nodelay mode; the
  program's own delay mode is tracked here), so it still refreshes the screen as it would.
* Every ``getch`` (and ``sleep``) at a new virtual time writes a private OSC mark
  (``ESC ] 7777;evalkit;<t> BEL``) to the terminal: the host cuts the screen into frames there.
* A curses input thread never moves the clock: its read waits for the main thread's clock to
  bring the next key, and the main thread goes on once the reader is back for the next one.
* A program that reads the terminal itself (``termios``/``tty`` raw mode, ``select`` on stdin,
  ``sys.stdin.read``/``os.read(0)``, a reader thread) gets the same keys as the bytes a terminal
  sends, from a feed behind ``sys.stdin``, ``os.read(0, n)`` and ``select.select``: a ``select``
  timeout advances the virtual clock, a blocking read jumps to the next key, and a reader thread
  takes each key before the main thread's clock moves on (so it lands in the same frame each run).
* After ``q`` plus a grace period the program is stopped with ``{"kind": "shim", "budget_end": true}``.

Standard library only; never imported on the host.
"""

from __future__ import annotations

import io
import os
import sys

MARK = b"\x1b]7777;evalkit;%.4f\x07"
_SEQ = {"up": "\x1b[A", "down": "\x1b[B", "right": "\x1b[C", "left": "\x1b[D"}
_CHAR = {"p": "p", "space": " ", "return": "\n", "r": "r", "q": "q", "escape": "\x1b"}


def schedule(cfg: dict) -> list:
    """(time, key name) of every scripted key press, in order (the same script as games)."""
    import random

    keys = [(float(t), str(name)) for t, name in cfg.get("keys") or ()]
    rk = cfg.get("random_keys")
    if rk:
        rng = random.Random(cfg.get("seed", 0))
        t = float(rk["start"])
        while t < float(rk["end"]):
            keys.append((t, rng.choice(rk["keys"])))
            t += float(rk["every"])
    keys.append((float(cfg["quit_at"]), "q"))
    keys.sort(key=lambda k: k[0])
    return keys


def install(cfg: dict, report) -> object:
    quit_at = float(cfg["quit_at"])
    stop_at = quit_at + float(cfg["grace"])
    keys = schedule(cfg)
    st = {"vt": 0.0, "mark_vt": -1.0, "frames": 0, "idle": 0, "quit_sent": False, "halfdelay": None}
    max_frames = int(cfg.get("max_frames") or 1500)
    size = [int(cfg.get("cols") or 80), int(cfg.get("rows") or 24)]

    def status(**extra) -> dict:
        return {"kind": "shim", "virtual_time": round(st["vt"], 3), "quit_sent": st["quit_sent"],
                "frames": st["frames"], "size": size, "terminal": True, **extra}

    def mark(force: bool = False) -> None:
        if st["frames"] >= max_frames or (not force and st["vt"] - st["mark_vt"] < 1 / 120):
            return
        st["mark_vt"] = st["vt"]
        st["frames"] += 1
        try:
            sys.stdout.flush()  # what the program printed belongs to this frame
        except BaseException:
            pass
        try:
            os.write(1, MARK % st["vt"])
        except OSError:
            pass

    def advance(dt) -> None:
        try:
            dt = float(dt)
        except (TypeError, ValueError):
            dt = 0.0
        if dt > 0:
            st["vt"] += dt
            st["idle"] = 0
            if not stdin["curses"]:  # a program drawing with prints: a frame ends where time moves
                mark()
            if stdin["active"] and not stdin["curses"]:
                feed_stdin()
            if stdin["curses_waiting"] and threading.current_thread() is threading.main_thread():
                wake_curses_reader()
        if st["vt"] >= stop_at:
            for s in (sys.stdout, sys.stderr):
                try:
                    s.flush()
                except BaseException:
                    pass
            mark(force=True)
            report(status(budget_end=True))
            os._exit(0)

    def next_due() -> float:
        return min([stop_at] + [t for t, _ in keys[:1]])

    # ---- programs that read the terminal themselves (termios/tty raw mode, select, a reader thread)
    import threading

    stdin = {"buf": bytearray(), "active": False, "curses": False, "waiting": 0, "handshake": True,
             "curses_waiting": 0}
    cond = threading.Condition()

    def feed_stdin() -> None:
        """Due keys -> the bytes a terminal sends; a reader thread gets them before time moves on."""
        data = bytearray()
        while keys and keys[0][0] <= st["vt"] + 1e-6:
            _, name = keys.pop(0)
            if name == "q":
                st["quit_sent"] = True
            data += (_SEQ.get(name) or _CHAR.get(name, name[:1] or " ")).encode()
        if not data:
            return
        with cond:
            stdin["buf"] += data
            cond.notify_all()
            if stdin["waiting"] and stdin["handshake"] and threading.current_thread() is threading.main_thread():
                # a reader thread handles the key and comes back for the next one before the
                # game goes on, so the key lands in the same frame every run (a reader that
                # never comes back is not waited for again)
                if not cond.wait_for(lambda: not stdin["buf"] and stdin["waiting"], timeout=2.0):
                    stdin["handshake"] = False

    def take(n: int) -> bytes:
        with cond:
            out = bytes(stdin["buf"][:max(n, 1)])
            del stdin["buf"][:len(out)]
            cond.notify_all()
            return out

    def read_stdin(n: int) -> bytes:
        stdin["active"] = True
        if stdin["buf"]:
            return take(n)
        if threading.current_thread() is not threading.main_thread():
            with cond:  # a reader thread: wait for the main thread's clock to bring a key
                stdin["waiting"] += 1
                cond.notify_all()
                cond.wait_for(lambda: stdin["buf"])
                stdin["waiting"] -= 1
            return take(n)
        while not stdin["buf"]:  # the main thread blocks: time jumps to the next key
            advance(max(next_due() - st["vt"], 1e-3))
            feed_stdin()
        return take(n)

    def is_stdin(f) -> bool:
        try:
            return (f if isinstance(f, int) else f.fileno()) == 0
        except (AttributeError, OSError, ValueError):
            return False

    import select as _select

    real_select, real_os_read = _select.select, os.read

    def select(r, w, x, timeout=None):
        if not any(is_stdin(f) for f in r):
            return real_select(r, w, x, timeout)
        stdin["active"] = True
        others = [f for f in r if not is_stdin(f)]
        if not stdin["buf"]:
            if timeout is None:
                advance(max(next_due() - st["vt"], 1e-3))
            elif timeout > 0:
                advance(min(float(timeout), max(next_due() - st["vt"], 0.0)))
            else:
                st["idle"] += 1
                if st["idle"] > 2:
                    advance(0.001)
            feed_stdin()
        ready = real_select(others, w, x, 0) if others or w or x else ([], [], [])
        mine = [f for f in r if is_stdin(f)] if stdin["buf"] else []
        return mine + list(ready[0]), list(ready[1]), list(ready[2])

    def os_read(fd, n):
        return read_stdin(n) if fd == 0 else real_os_read(fd, n)

    class _Raw(io.RawIOBase):
        def readable(self):
            return True

        def fileno(self):
            return 0

        def isatty(self):
            return True

        def readinto(self, b):
            data = read_stdin(len(b))
            b[:len(data)] = data
            return len(data)

    try:
        sys.stdout.reconfigure(line_buffering=True)  # a terminal's stdout is line-buffered
    except (AttributeError, ValueError):
        pass
    _select.select = select
    os.read = os_read
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(io.BufferedReader(_Raw(), 1), encoding="utf-8",
                                                 errors="replace", newline="")

    def line_input(prompt=""):
        """``input()`` on a terminal reads the pty itself (readline), past the feed: read the line
        from the feed instead ("Press Enter to start" gets the scripted keys up to Return)."""
        if prompt:
            sys.stdout.write(str(prompt))
            sys.stdout.flush()
        line = sys.stdin.readline()
        if not line:
            raise EOFError("EOF when reading a line")
        return line[:-1] if line.endswith("\n") else line

    import builtins

    builtins.input = line_input

    # ---- time: the same virtual clock as games (vclock.py)
    def sleep(seconds) -> None:
        mark()  # what the program drew before it sleeps is this moment's frame
        advance(seconds)

    try:
        import vclock  # in the sandbox the shims are top-level modules
    except ImportError:
        from . import vclock
    vclock.install(st, advance, sleep)

    try:
        import curses
    except ImportError:  # no curses in this Python: the program's own import reports it
        report(status())
        return lambda: None

    def push_due(win) -> bool:
        """ungetch every key due by now; True if one was pushed."""
        pushed = []
        while keys and keys[0][0] <= st["vt"] + 1e-6:
            _, name = keys.pop(0)
            if name == "q":
                st["quit_sent"] = True
            pushed.append(name)
        codes: list[int] = []
        for name in pushed:
            if name in _SEQ:
                if win._keypad:
                    codes.append(getattr(curses, "KEY_" + name.upper()))
                else:
                    codes += [ord(c) for c in _SEQ[name]]
            else:
                codes.append(ord(_CHAR.get(name, name[:1] or " ")))
        for c in reversed(codes):  # ungetch is a stack: push the last key first
            try:
                curses.ungetch(c)
            except curses.error:
                pass
        return bool(codes)

    def due() -> bool:
        return bool(keys) and keys[0][0] <= st["vt"] + 1e-6

    def wake_curses_reader() -> None:
        """The main thread's clock moved: a curses reader thread waiting for a key reads it now,
        and the game goes on once it is back for the next one (the same frame every run)."""
        with cond:
            cond.notify_all()
            if due() and stdin["handshake"]:
                if not cond.wait_for(lambda: not due() and stdin["curses_waiting"], timeout=2.0):
                    stdin["handshake"] = False

    def thread_read(win, method: str, args: tuple):
        """A read from another thread (an input thread): it never moves the clock, it waits for
        the main thread's clock to bring a key (or to pass its timeout)."""
        real_read = getattr(win._w, method)
        delay = st["halfdelay"] if st["halfdelay"] is not None else win._delay
        with cond:
            if not due() and delay != 0:
                start = st["vt"]
                stdin["curses_waiting"] += 1
                cond.notify_all()
                cond.wait_for(lambda: due() or (delay > 0 and st["vt"] >= start + delay / 1000.0))
                stdin["curses_waiting"] -= 1
            push_due(win)
            try:
                got = real_read(*args)
            except curses.error:
                got = None
            cond.notify_all()
        return got if got is not None and got != -1 else _no_key(method)

    def read(win, method: str, args: tuple):
        if threading.current_thread() is not threading.main_thread():
            return thread_read(win, method, args)
        real_read = getattr(win._w, method)
        push_due(win)
        delay = st["halfdelay"] if st["halfdelay"] is not None else win._delay
        first = True
        while True:
            try:
                got = real_read(*args)
            except curses.error:  # no input (get_wch/getkey raise instead of returning -1)
                got = None
            if first:  # the real read refreshed the window: the screen of this frame is out
                mark()
                first = False
            if got is not None and got != -1:
                st["idle"] = 0
                return got
            if delay == 0:  # a polling loop: game time moves 1 ms a poll once it polls idly
                st["idle"] += 1
                if st["idle"] > 2:
                    advance(0.001)
                return _no_key(method)
            target = next_due() if delay < 0 else min(st["vt"] + delay / 1000.0, next_due())
            while delay < 0 and target - st["vt"] > 0.1:  # a screen waiting for a key stays on show
                advance(0.1)
                mark()
            advance(max(target - st["vt"], 1e-3 if delay < 0 else 0.0))
            if not push_due(win) and delay > 0:
                return _no_key(method)  # the whole timeout passed without a key
            if delay > 0:
                delay = 0  # a key came within the timeout: read it, and no more waiting

    def _no_key(method: str):
        if method == "getch":
            return -1
        raise curses.error("no input")

    class Window:
        """Stands in for a curses window: tracks its delay mode and keypad, reads through ``read``."""

        def __init__(self, w, keypad: bool = False):
            object.__setattr__(self, "_w", w)
            object.__setattr__(self, "_delay", -1)
            object.__setattr__(self, "_keypad", keypad)
            try:
                w.nodelay(True)
            except curses.error:
                pass

        def __getattr__(self, name):
            return getattr(self._w, name)

        def __setattr__(self, name, value):
            setattr(self._w, name, value)

        def timeout(self, ms):
            object.__setattr__(self, "_delay", int(ms))

        def nodelay(self, flag):
            object.__setattr__(self, "_delay", 0 if flag else -1)

        def keypad(self, flag):
            object.__setattr__(self, "_keypad", bool(flag))
            return self._w.keypad(flag)

        def getch(self, *args):
            return read(self, "getch", args)

        def getkey(self, *args):
            return read(self, "getkey", args)

        def get_wch(self, *args):
            return read(self, "get_wch", args)

        def subwin(self, *a):
            return Window(self._w.subwin(*a))

        def derwin(self, *a):
            return Window(self._w.derwin(*a))

        def subpad(self, *a):
            return Window(self._w.subpad(*a))

        def overlay(self, dest, *a):
            return self._w.overlay(_unwrap(dest), *a)

        def overwrite(self, dest, *a):
            return self._w.overwrite(_unwrap(dest), *a)

        def __eq__(self, other):
            return self._w is _unwrap(other)

        def __hash__(self):
            return hash(self._w)

    def _unwrap(w):
        return w._w if isinstance(w, Window) else w

    real_initscr, real_newwin, real_newpad = curses.initscr, curses.newwin, curses.newpad
    real_cbreak, real_nocbreak = curses.cbreak, curses.nocbreak
    screens: list = []

    def initscr():
        stdin["curses"] = True  # curses reads the keys (ungetch), not the stdin feed
        if not screens:
            screens.append(Window(real_initscr()))
        else:
            real_initscr()
        return screens[0]

    def halfdelay(tenths):
        st["halfdelay"] = max(1, int(tenths)) * 100
        return real_cbreak()  # the real halfdelay would make every read wait in wall time

    def cbreak(*a):
        st["halfdelay"] = None
        return real_cbreak(*a)

    def nocbreak():
        st["halfdelay"] = None
        return real_nocbreak()

    def napms(ms):
        advance(max(float(ms), 0.0) / 1000.0)
        return 0

    curses.initscr = initscr
    curses.newwin = lambda *a: Window(real_newwin(*a))
    curses.newpad = lambda *a: Window(real_newpad(*a))
    curses.halfdelay = halfdelay
    curses.cbreak = cbreak
    curses.nocbreak = nocbreak
    curses.napms = napms
    try:
        import curses.panel as panel

        real_panel = panel.new_panel
        panel.new_panel = lambda w: real_panel(_unwrap(w))
    except ImportError:
        pass
    report(status())  # the shim is live: a program that then never advances its clock is a hang

    # at the program's own end: no mark (curses.endwin has already put the terminal back)
    return lambda: report(status())
