"""The virtual clock both shims install (games: gameshim, terminal programs: termshim).

Every clock a program can read (time.*, clock_gettime, CPU clocks, datetime.now, localtime,
sched's defaults) runs on ``st["vt"]`` from fixed origins, so a program that prints or seeds from
the time sees the same values on every run (2023-11-14 22:13:20 UTC for the wall clock).
``subprocess`` keeps the real clock and sleep: its wait loop sleeps between polls of the child, and
with a virtual sleep it burned game time at random (pygame's SysFont runs ``fc-list`` through it).
Standard library only; runs inside the sandbox.
"""

from __future__ import annotations

import sys

WALL_ORIGIN = 1_700_000_000.0
MONO_ORIGIN = 1000.0


def install(st: dict, advance, sleep) -> None:
    """Patch the clock readers onto the virtual clock. ``advance(dt)`` moves game time on (and
    ends the run at its budget); ``sleep`` is the shim's own virtual sleep."""
    import datetime as _dt
    import subprocess  # imported before the patch, so it binds the real clock
    import time as _time
    import types

    real = types.ModuleType("time")  # the real clock, for subprocess
    real.__dict__.update(_time.__dict__)

    def vtime():
        st["vt"] += 1e-6  # busy-waits on the clock still make progress
        advance(0)
        return WALL_ORIGIN + st["vt"]

    def vmono():
        st["vt"] += 1e-6
        advance(0)
        return MONO_ORIGIN + st["vt"]

    def vcpu():  # CPU time would depend on the machine: the program's CPU clock is game time too
        st["vt"] += 1e-6
        advance(0)
        return st["vt"]

    mono_ids = {getattr(_time, n) for n in ("CLOCK_MONOTONIC", "CLOCK_MONOTONIC_RAW", "CLOCK_BOOTTIME",
                                            "CLOCK_UPTIME", "CLOCK_HIGHRES") if hasattr(_time, n)}
    cpu_ids = {getattr(_time, n) for n in ("CLOCK_PROCESS_CPUTIME_ID", "CLOCK_THREAD_CPUTIME_ID",
                                           "CLOCK_PROF") if hasattr(_time, n)}
    real_gettime = _time.clock_gettime if hasattr(_time, "clock_gettime") else None

    def clock_gettime(clk_id):
        if clk_id in mono_ids:
            return vmono()
        if clk_id in cpu_ids:
            return vcpu()
        if clk_id == getattr(_time, "CLOCK_REALTIME", None):
            return vtime()
        return real_gettime(clk_id)

    _time.sleep = sleep
    _time.time = vtime
    _time.monotonic = vmono
    _time.perf_counter = vmono
    _time.process_time = vcpu
    _time.thread_time = vcpu
    _time.time_ns = lambda: int(vtime() * 1e9)
    _time.monotonic_ns = lambda: int(vmono() * 1e9)
    _time.perf_counter_ns = lambda: int(vmono() * 1e9)
    _time.process_time_ns = lambda: int(vcpu() * 1e9)
    _time.thread_time_ns = lambda: int(vcpu() * 1e9)
    if real_gettime is not None:
        _time.clock_gettime = clock_gettime
        _time.clock_gettime_ns = lambda clk_id: int(clock_gettime(clk_id) * 1e9)

    # threading and queue keep the real clock they bound at import: their waits block for real
    # (a program blocked there makes no frames and polls no events, which the runner sees as a hang)
    sched = sys.modules.get("sched")
    if sched is not None and sched.scheduler.__init__.__defaults__:
        sched.scheduler.__init__.__defaults__ = (vmono, sleep)
    subprocess.time, subprocess._time = real, real.monotonic

    class datetime(_dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls.fromtimestamp(vtime(), tz)

        @classmethod
        def today(cls):
            return cls.fromtimestamp(vtime())

        @classmethod
        def utcnow(cls):
            return cls.utcfromtimestamp(vtime())

    datetime.__name__ = datetime.__qualname__ = "datetime"
    _dt.datetime = datetime  # (date stays: a datetime must remain an instance of datetime.date)
    for name in ("localtime", "gmtime", "ctime"):  # their "now" default
        fn = getattr(_time, name)
        setattr(_time, name, lambda secs=None, _fn=fn: _fn(vtime() if secs is None else secs))
    real_strftime = _time.strftime
    _time.strftime = lambda fmt, t=None: real_strftime(fmt, _time.localtime() if t is None else t)
