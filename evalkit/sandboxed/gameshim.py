"""Loaded before a pygame program: virtual time, scripted input, and a trace of what it draws.

* Time is virtual: ``Clock.tick(fps)`` advances 1/fps s, ``time.sleep``/``pygame.time.wait``/
  ``delay`` advance by their argument, every clock a program reads (``time.time``/``monotonic``/
  ``perf_counter``/``process_time``, their ``_ns`` forms, ``clock_gettime``, ``datetime.now``,
  ``get_ticks``) reads the virtual clock from a fixed origin, and ``set_timer`` events fire on it.
  10 s of game time costs a fraction of a second, and the same program sees the same times on
  every run whatever the machine's load. ``subprocess`` keeps the real clock for its own waits
  (a child process takes real time; it must not burn game time while the game waits for it).
* Input is a scripted, seeded sequence of key presses ending in QUIT: Return and Space first (start
  menus), then arrows (with WASD) to turn and run into a wall, restart keys, random arrows;
  ``pygame.key.get_pressed`` reflects the scripted keys.
* What the display shows is recorded per frame (a frame ends at ``display.flip/update``) as
  shapes (drawtrace.py: ``draw.*``, ``fill``, ``blit``, sprites, surfaces blitted to the display)
  and streamed to the runner as ``{"kind": "frames"}`` messages: ``t`` game time, ``d`` game time
  the program's own clock calls advanced since the previous frame, ``a``/``r`` shapes added and
  removed (``[x, y, w, h, r, g, b, kind]``).
* After QUIT plus a grace period the program is stopped with ``{"kind": "shim", "budget_end": true}``
  (an interactive program still running at the end of its budget). Status messages also say how
  many frames it drew and event polls it made and when it last did either (``last_active``), so
  the runner can tell a running game from one that sleeps or spins without drawing or polling;
  one (with the frames so far) is sent every 0.25 s of game time as a heartbeat.

Standard library + pygame only; never imported on the host except for DEFAULT_SCRIPT.
"""

from __future__ import annotations

import os
import sys

DEFAULT_SCRIPT = {
    "seed": 0,
    "quit_at": 10.0,        # virtual seconds: QUIT is posted here
    "grace": 1.0,           # ...and the program is stopped this much later if it ignores QUIT
    "max_frames": 1500,
    # Return, then Space twice: a start menu waiting for either starts, and a game where Space
    # pauses is paused and resumed. Then turn (arrows and WASD), pause and resume with P (the
    # prompt asks for it), and run into the left wall; restart keys after the game over
    # (C: "C-Play Again" menus)
    "keys": [[0.1, "return"], [0.25, "space"], [0.4, "space"],
             [0.6, "up"], [0.6, "w"], [1.2, "left"], [1.2, "a"], [1.6, "p"], [1.9, "p"],
             [7.0, "space"], [7.2, "return"], [7.4, "r"], [7.6, "c"]],
    "random_keys": {"start": 7.8, "end": 9.8, "every": 0.4, "keys": ["up", "down", "left", "right"]},
}

_KEYS = {"up": ("K_UP", ""), "down": ("K_DOWN", ""), "left": ("K_LEFT", ""), "right": ("K_RIGHT", ""),
         "p": ("K_p", "p"), "space": ("K_SPACE", " "), "return": ("K_RETURN", "\r"), "r": ("K_r", "r"),
         "escape": ("K_ESCAPE", "\x1b"), "w": ("K_w", "w"), "a": ("K_a", "a"), "c": ("K_c", "c"),
         # (per-task scripts of the apps suite: Pong's W/S, item and undo keys)
         "s": ("K_s", "s"), "d": ("K_d", "d"), "u": ("K_u", "u"), "b": ("K_b", "b"), "x": ("K_x", "x"),
         "z": ("K_z", "z"), "f": ("K_f", "f")}


class _Pressed:
    """Stands in for pygame.key.get_pressed(): indexable by key constant."""

    def __init__(self, held: set):
        self._held = frozenset(held)

    def __getitem__(self, key):
        return key in self._held

    def __len__(self):
        return 512

    def __iter__(self):
        return iter(())


BEAT = 0.25  # game seconds between status messages: a game that stops is seen stopped to this precision


class _ThreadClock:
    """Game time for programs with threads (a mover thread that sleeps, ``threading.Timer``).

    The main thread keeps the game clock. A thread that sleeps waits until game time reaches its
    wake-up time; when the main thread's clock passes it, the main thread wakes it and waits
    until it sleeps again (or ends, or blocks elsewhere for WAIT real seconds), one thread at a
    time in (wake-up time, thread name) order -- so every run interleaves the same way. A new
    thread runs until its first sleep before ``start()`` returns. While the main thread waits in
    ``join()`` (or at exit for the program's threads) the threads move the clock themselves."""

    WAIT = 0.5

    def __init__(self, st: dict, advance, real_clock):
        import threading

        self.threading, self.st, self.advance, self.now = threading, st, advance, real_clock
        self.cv = threading.Condition(threading.Lock())
        self.sleepers: dict = {}   # thread -> game time it wakes at
        self.awake = None          # the thread the main thread woke and waits for
        self.parked = 0            # the main thread is in join(): non-daemon threads keep the clock
        self.exiting = False       # the program ended: only its non-daemon threads still run
        self.main = threading.main_thread()
        self._patch()

    def other(self) -> bool:
        return self.threading.current_thread() is not self.main

    def sleep(self, seconds, stop=None) -> None:
        try:
            seconds = max(float(seconds), 0.0)
        except (TypeError, ValueError):
            seconds = 0.0
        me = self.threading.current_thread()
        owner = False
        with self.cv:
            target = self.st["vt"] + seconds
            self.sleepers[me] = target
            if self.awake is me:
                self.awake = None
            self.cv.notify_all()
            seen, since = self.st["vt"], self.now()
            while self.awake is not me and not (stop and stop()):
                if not me.daemon and (self.parked or not self.main.is_alive()):
                    owner = True  # the main thread waits for us (a daemon thread never keeps it alive)
                    break
                self.cv.wait(0.05)
                if self.st["vt"] != seen or self.exiting:
                    seen, since = self.st["vt"], self.now()
                elif self.now() - since > 1.0:  # the main thread is blocked elsewhere: keep the clock
                    owner = True
                    break
            self.sleepers.pop(me, None)
        if owner and self.st["vt"] < target:
            self.advance(target - self.st["vt"])

    def handoff(self) -> None:
        """Called by the main thread whenever game time moved on: run the threads now due."""
        if not self.sleepers or self.other():
            return
        woken = set()
        with self.cv:
            while True:
                due = sorted((t, th.name, id(th)) for th, t in self.sleepers.items()
                             if t <= self.st["vt"] + 1e-9 and th not in woken and th.is_alive())
                if not due:
                    return
                th = next(x for x in self.sleepers if id(x) == due[0][2])
                woken.add(th)
                self.sleepers.pop(th, None)
                self.awake = th
                self.cv.notify_all()
                end = self.now() + self.WAIT
                while self.awake is th and th.is_alive() and self.now() < end:
                    self.cv.wait(0.01)
                if self.awake is th:
                    self.awake = None

    def _patch(self) -> None:
        threading, clock = self.threading, self
        real_start, real_join, real_shutdown = threading.Thread.start, threading.Thread.join, threading._shutdown

        def start(thread):
            real_start(thread)
            if clock.other():
                return
            with clock.cv:  # the new thread runs up to its first sleep (or end) before we go on
                end = clock.now() + clock.WAIT
                while thread.is_alive() and thread not in clock.sleepers and clock.now() < end:
                    clock.cv.wait(0.01)

        def parked(fn, exiting=False):
            def wrapper(*args, **kwargs):
                if clock.other():
                    return fn(*args, **kwargs)
                with clock.cv:
                    clock.parked += 1
                    clock.exiting = clock.exiting or exiting
                    clock.cv.notify_all()
                try:
                    return fn(*args, **kwargs)
                finally:
                    with clock.cv:
                        clock.parked -= 1
            return wrapper

        def timer_run(timer):  # threading.Timer waits in game time, and wakes when cancelled
            clock.sleep(timer.interval, stop=timer.finished.is_set)
            if not timer.finished.is_set():
                timer.function(*timer.args, **timer.kwargs)
            timer.finished.set()

        threading.Thread.start = start
        threading.Thread.join = parked(real_join)
        threading._shutdown = parked(real_shutdown, exiting=True)
        threading.Timer.run = timer_run


def _install_clocks(st: dict, advance) -> None:
    """Every clock a program can read runs on the virtual clock ``st["vt"]`` (vclock.py), or
    waits for real without consuming game time: ``threading`` and ``queue`` keep the real clock
    they bound at import, ``subprocess`` gets it back (the template also runs pygame's font
    discovery once before any job). Sleeping threads and asyncio waits follow game time."""
    import time as _time
    import types

    real = types.ModuleType("time")  # the real clock, for subprocess
    real.__dict__.update(_time.__dict__)
    threads = _ThreadClock(st, advance, real.monotonic)
    st["handoff"] = threads.handoff

    def sleep(seconds):
        if threads.other():
            threads.sleep(seconds)
        else:
            advance(seconds)

    try:
        import vclock  # in the sandbox the shims are top-level modules
    except ImportError:
        from . import vclock
    vclock.install(st, advance, sleep)
    _virtual_asyncio_waits(advance)


class _VirtualWait:
    """An asyncio event loop's selector whose timed waits pass game time instead of wall time:
    ``await asyncio.sleep(1 / 60)`` in a game loop is a frame's worth of game time, as it would be
    on a screen. Waits with no timeout (for real I/O) stay real."""

    def __init__(self, selector, advance):
        self._selector, self._advance = selector, advance

    def __getattr__(self, name):
        return getattr(self._selector, name)

    def select(self, timeout=None):
        ready = self._selector.select(0)
        if ready or timeout is None or timeout <= 0:
            return ready if ready or timeout is not None else self._selector.select(None)
        self._advance(timeout)
        return self._selector.select(0)


def _virtual_asyncio_waits(advance) -> None:
    try:
        from asyncio import selector_events  # preloaded by the template: no cost here
    except ImportError:
        return
    loop_class = selector_events.BaseSelectorEventLoop
    real_init = loop_class.__init__

    def init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        self._selector = _VirtualWait(self._selector, advance)

    loop_class.__init__ = init


def install(cfg: dict, report) -> object:
    import random

    import pygame

    cfg = {**DEFAULT_SCRIPT, **(cfg or {})}
    real = {
        "post": pygame.event.post, "get": pygame.event.get, "poll": pygame.event.poll,
        "wait": pygame.event.wait, "peek": pygame.event.peek, "pump": pygame.event.pump,
        "rect": pygame.draw.rect, "circle": pygame.draw.circle, "ellipse": pygame.draw.ellipse,
        "flip": pygame.display.flip, "update": pygame.display.update, "set_mode": pygame.display.set_mode,
    }
    # activity: frames drawn and event polls made, and the game time of the last of either
    st = {"vt": 0.0, "frame_vt": -1.0, "paced": 0, "frame_paced": -1, "idle_polls": 0, "quit_sent": False, "frames": 0, "size": None,
          "polls": 0, "last_active": None, "beat": 0}
    held: set = set()
    buf: list = []
    timers: dict = {}

    # the scripted input: (time, pygame event type, key name)
    schedule = []
    for t, name, *hold in cfg["keys"]:  # [time, key] or [time, key, seconds held]
        schedule.append((float(t), "down", name))
        schedule.append((float(t) + (float(hold[0]) if hold else 0.08), "up", name))
    rk = cfg.get("random_keys")
    if rk:
        rng = random.Random(cfg.get("seed", 0))
        t = float(rk["start"])
        while t < float(rk["end"]):
            name = rng.choice(rk["keys"])
            schedule.append((t, "down", name))
            schedule.append((t + 0.08, "up", name))
            t += float(rk["every"])
    schedule.sort(key=lambda e: e[0])
    quit_at, stop_at = float(cfg["quit_at"]), float(cfg["quit_at"]) + float(cfg["grace"])

    def status(**extra) -> dict:
        last = st["last_active"]
        return {"kind": "shim", "virtual_time": round(st["vt"], 3), "quit_sent": st["quit_sent"],
                "frames": st["frames"], "size": st["size"], "polls": st["polls"],
                "last_active": None if last is None else round(last, 3), "quit_at": quit_at, **extra}

    def active(poll: bool = False) -> None:
        """The game drew a frame or looked at its input: it is running, not hung."""
        first = st["last_active"] is None
        st["last_active"] = st["vt"]
        if poll:
            st["polls"] += 1
        if first:  # said at once: a game that hangs right after it must not read as never started
            flush()

    def flush(**extra) -> None:
        if buf:
            report({"kind": "frames", "frames": list(buf)})
            buf.clear()
        report(status(**extra))

    def advance(dt: float, paced: bool = True) -> None:
        """Move game time on by dt. ``paced``: the program asked for it (tick, sleep, wait), as
        opposed to the small steps polls and clock reads make so that busy loops progress."""
        try:
            dt = float(dt)
        except (TypeError, ValueError):
            dt = 0.0
        if dt > 0:
            st["vt"] += dt
            st["idle_polls"] = 0
            st["paced"] += paced
        if st["vt"] >= st["beat"] + BEAT and st["vt"] < stop_at:  # heartbeat, with the frames so far
            st["beat"] = st["vt"] - st["vt"] % BEAT
            flush()
        if dt > 0 and st.get("handoff"):
            st["handoff"]()  # threads whose sleep ends by now run their step
        if st["vt"] >= stop_at:
            flush(budget_end=True)
            for s in (sys.stdout, sys.stderr):
                try:
                    s.flush()
                except BaseException:
                    pass
            os._exit(0)

    def post(ev) -> bool:
        try:
            real["post"](ev)
            return True
        except pygame.error:  # display not initialised yet: deliver later
            return False

    def deliver() -> None:
        # an event loop that never ticks, sleeps or flips still moves game time forward (1 ms a call)
        st["idle_polls"] += 1
        if st["idle_polls"] > 2:
            advance(0.001, paced=False)
        vt = st["vt"] + 1e-6  # float sums of 1/fps must not make an event due at t miss t
        while schedule and schedule[0][0] <= vt:
            t, kind, name = schedule[0]
            const, uni = _KEYS[name]
            key = getattr(pygame, const)
            etype = pygame.KEYDOWN if kind == "down" else pygame.KEYUP
            attrs = {"key": key, "mod": 0, "scancode": 0}
            if kind == "down":
                attrs["unicode"] = uni
            if not post(pygame.event.Event(etype, attrs)):
                return
            schedule.pop(0)
            (held.add if kind == "down" else held.discard)(key)
        for tm in list(timers.values()):
            while tm["due"] <= vt and tm["loops"] != 0:
                post(tm["event"])
                tm["n"] += 1
                tm["due"] = tm["start"] + tm["n"] * tm["interval"]  # no drift from repeated sums
                if tm["loops"] > 0:
                    tm["loops"] -= 1
        if vt >= quit_at and not st["quit_sent"]:
            if post(pygame.event.Event(pygame.QUIT)):
                st["quit_sent"] = True

    def next_due() -> float:
        cands = [stop_at]
        if schedule:
            cands.append(schedule[0][0])
        cands += [tm["due"] for tm in timers.values() if tm["loops"] != 0]
        if not st["quit_sent"]:
            cands.append(quit_at)
        return min(cands)

    # ---- time
    _install_clocks(st, advance)

    class Clock:
        def __init__(self):
            self._last_ms = 0
            self._fps = 0.0

        def tick(self, framerate=0):
            try:
                framerate = float(framerate)
            except (TypeError, ValueError):
                framerate = 0.0
            dt = 1.0 / framerate if framerate > 0 else 1.0 / 60
            self._fps = 1.0 / dt
            self._last_ms = int(round(dt * 1000))
            advance(dt)
            deliver()
            return self._last_ms

        tick_busy_loop = tick

        def get_time(self):
            return self._last_ms

        get_rawtime = get_time

        def get_fps(self):
            return self._fps

    def wait_ms(ms=0, *a):
        advance(max(float(ms), 0) / 1000.0)
        deliver()
        return int(ms)

    def set_timer(event, millis, loops=0):
        etype = event.type if isinstance(event, pygame.event.EventType) else int(event)
        ev = event if isinstance(event, pygame.event.EventType) else pygame.event.Event(etype)
        if int(millis) <= 0:
            timers.pop(etype, None)
            return
        interval = int(millis) / 1000.0
        timers[etype] = {"interval": interval, "start": st["vt"], "n": 1, "due": st["vt"] + interval,
                         "event": ev, "loops": int(loops) if loops else -1}

    pygame.time.Clock = Clock
    pygame.time.get_ticks = lambda: int(st["vt"] * 1000 + 1e-3)
    pygame.time.wait = wait_ms
    pygame.time.delay = wait_ms
    pygame.time.set_timer = set_timer

    # ---- events (each call is input polling: the game is responsive)
    def ev_get(*a, **kw):
        active(poll=True)
        deliver()
        return real["get"](*a, **kw)

    def ev_poll():
        active(poll=True)
        deliver()
        return real["poll"]()

    def ev_peek(*a, **kw):
        active(poll=True)
        deliver()
        return real["peek"](*a, **kw)

    def ev_pump():
        active(poll=True)
        deliver()
        return real["pump"]()

    def ev_wait(timeout=0):
        limit = st["vt"] + timeout / 1000.0 if timeout and timeout > 0 else None
        while True:
            active(poll=True)
            deliver()
            ev = real["poll"]()
            if ev.type != pygame.NOEVENT:
                return ev
            target = next_due()
            if limit is not None:
                if st["vt"] >= limit:
                    return ev
                target = min(target, limit)
            advance(max(target - st["vt"], 1e-3))

    pygame.event.get = ev_get
    pygame.event.poll = ev_poll
    pygame.event.peek = ev_peek
    pygame.event.pump = ev_pump
    pygame.event.wait = ev_wait
    def get_pressed():
        active(poll=True)
        return _Pressed(held)

    pygame.key.get_pressed = get_pressed

    # ---- drawing trace: what the display shows, as shapes per frame
    try:
        import drawtrace  # in the sandbox both are top-level modules
    except ImportError:
        from . import drawtrace
    tracer = drawtrace.install(pygame)

    def end_frame() -> None:
        active()
        own = st["vt"] - max(st["frame_vt"], 0.0)  # game time the program's clock calls made since the last frame
        if st["paced"] == st["frame_paced"]:
            # a loop that never ticks, sleeps or waits (at most reads the clock) runs at 60 frames/s
            advance(1.0 / 60)
        st["frame_paced"] = st["paced"]
        st["frame_vt"] = st["vt"]
        if st["frames"] < cfg["max_frames"]:
            buf.append({"t": round(st["vt"], 4), "d": round(own, 4), **tracer.frame()})
            st["frames"] += 1
            if len(buf) >= 25:
                flush()

    def flip():
        end_frame()
        return real["flip"]()

    def update(*a, **kw):
        end_frame()
        return real["update"](*a, **kw)

    def set_mode(*a, **kw):
        surf = real["set_mode"](*a, **kw)
        st["size"] = list(surf.get_size())
        return tracer.set_display(surf)  # the program draws on a stand-in the trace can see

    pygame.display.flip = flip
    pygame.display.update = update
    pygame.display.set_mode = set_mode

    report(status())  # the shim is live: a game that then never advances its clock is a hang
    return lambda: flush()
