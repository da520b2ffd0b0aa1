"""The sandbox template: a warm interpreter that runs one untrusted job at a time in a forked child.

Runs inside the sandbox (bubblewrap or plain resource limits) as ``python -I -S server.py CONFIG``.
Standard library only. Protocol: one JSON job per line on stdin, one JSON result per line on stdout.

Per job the child gets: a new session, stdin from /dev/null, stdout/stderr into capped pipes, a
report channel on fd 3, resource limits, a clean environment, and the wiped work folder as its
cwd. After the job every other process the server can see (pid namespace: all of them; otherwise
its descendants, which a subreaper inherits even when they double-fork) is SIGKILLed, and the work
folder and private tmp are wiped, so a job cannot leave anything behind for the next one.
"""

from __future__ import annotations

import base64
import io
import json
import os
import select
import shutil
import signal
import sys
import time

IS_LINUX = sys.platform.startswith("linux")
MAXFD = 4096
MAX_SCREEN = 16 * 1024 * 1024  # bytes of terminal output kept (a full repaint per frame stays under it)
SCREEN_CUT = b"\x1b]7777;evalkit-cut\x07"  # appended when the terminal output was cut at MAX_SCREEN


def _prctl(option: int, arg: int) -> bool:
    if not IS_LINUX:
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(option, arg, 0, 0, 0) == 0
    except Exception:
        return False


# ---------------------------------------------------------------- process bookkeeping
def _proc_table() -> dict[int, int] | None:
    """pid -> ppid for every visible process, or None where there is no /proc."""
    if not os.path.isdir("/proc/self"):
        return None
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
            table[int(name)] = int(stat.rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return table


def _others(pid1: bool) -> list[int] | None:
    me = os.getpid()
    table = _proc_table()
    if table is None:
        return None
    if pid1:  # our own pid namespace: everything but us belongs to the job
        return [p for p in table if p != me]
    children: dict[int, list[int]] = {}
    for p, pp in table.items():
        children.setdefault(pp, []).append(p)
    out, todo = [], list(children.get(me, ()))
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, ()))
    return out


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _kill_everything(main_pid: int, pid1: bool) -> int:
    """SIGKILL every process of the job until none is left; returns how many were killed."""
    killed = set()
    for attempt in range(500):
        pids = _others(pid1)
        if pids is None:  # no /proc (macOS): the job's session is all we can reach
            try:
                os.killpg(main_pid, signal.SIGKILL)
            except OSError:
                pass
            _reap()
            return len(killed)
        if not pids:
            break
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
                killed.add(p)
            except OSError:
                pass
        _reap()
        time.sleep(min(0.0005 * attempt, 0.01))
    _reap()
    return len(killed)


def _wipe(folder: str) -> bool:
    """Empty a writable folder; True when it is empty afterwards.

    A job may leave folders it made unreadable or nested thousands deep: walk without recursion,
    making each folder accessible before listing it, then remove bottom-up. What still cannot be
    removed (paths longer than PATH_MAX) makes the template retire, so no later job sees it."""
    found: list[str] = []
    stack = [folder]
    while stack:
        d = stack.pop()
        try:
            os.chmod(d, 0o700)
            entries = list(os.scandir(d))
        except OSError:
            continue
        found.append(d)
        for e in entries:
            try:
                if e.is_dir(follow_symlinks=False):
                    stack.append(e.path)
                else:
                    os.unlink(e.path)
            except OSError:
                pass
    for d in reversed(found[1:]):
        try:
            os.rmdir(d)
        except OSError:
            pass
    try:
        return not os.listdir(folder)
    except OSError:
        return False


# ---------------------------------------------------------------- output capture
class Capped:
    """Keeps the first and the last `limit // 2` bytes of a stream."""

    def __init__(self, limit: int):
        self.half = max(limit // 2, 1)
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def add(self, data: bytes) -> None:
        self.total += len(data)
        room = self.half - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail += data
            if len(self.tail) > self.half:
                del self.tail[: len(self.tail) - self.half]

    def text(self) -> str:
        if self.total <= len(self.head) + len(self.tail):
            return (bytes(self.head) + bytes(self.tail)).decode("utf-8", "replace")
        skipped = self.total - len(self.head) - len(self.tail)
        return (
            bytes(self.head).decode("utf-8", "replace")
            + f"\n[... {skipped} bytes omitted ...]\n"
            + bytes(self.tail).decode("utf-8", "replace")
        )

    @property
    def truncated(self) -> bool:
        return self.total > len(self.head) + len(self.tail)


# ---------------------------------------------------------------- the child side
def _set_limits(limits: dict) -> None:
    import resource

    def lim(name: str, value) -> None:
        if value is None or not hasattr(resource, name):
            return
        res = getattr(resource, name)
        value = int(value)
        try:
            _, hard = resource.getrlimit(res)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(res, (value, value if name != "RLIMIT_CPU" else value + 1))
        except (ValueError, OSError):
            pass

    lim("RLIMIT_CPU", limits.get("cpu_seconds"))
    mem = limits.get("memory_mb")
    lim("RLIMIT_AS", None if mem is None else mem * 1024 * 1024)
    fsize = limits.get("file_size_mb")
    lim("RLIMIT_FSIZE", None if fsize is None else fsize * 1024 * 1024)
    lim("RLIMIT_NOFILE", limits.get("open_files"))
    lim("RLIMIT_NPROC", limits.get("processes"))
    lim("RLIMIT_CORE", 0)


def _exception_info(exc: BaseException, path: str, workdir: str | None = None) -> dict:
    """Type, message and where: the innermost frame in ``path`` or, for the program (not a test
    snippet), in any file of the work folder -- a crash inside ``game.py`` that ``main.py``
    imported names game.py and its line (``file`` is relative to the work folder)."""
    tb = exc.__traceback__
    lineno = where = None
    root = workdir.rstrip("/") + "/" if workdir and not path.startswith("<") else None
    while tb is not None:
        fn = tb.tb_frame.f_code.co_filename
        if fn == path or (root and fn.startswith(root)):
            lineno, where = tb.tb_lineno, fn
        tb = tb.tb_next
    if root and isinstance(exc, SyntaxError) and str(exc.filename or "").startswith(root):
        lineno, where = exc.lineno, exc.filename  # an imported file that does not compile
    info = {
        "type": type(exc).__name__,
        "module": type(exc).__module__,
        "message": str(exc)[:1000],
        "lineno": lineno,
    }
    if root and where and where.startswith(root):
        info["file"] = where[len(root):]
    if isinstance(exc, ModuleNotFoundError):
        info["missing_module"] = exc.name
    if isinstance(exc, OSError):
        info["errno"] = exc.errno
        if exc.filename is not None:
            info["filename"] = str(exc.filename)[:500]
    return info


class _Quitter:
    """``exit``/``quit`` as ``site`` defines them (the interpreter runs with -S, without site)."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"Use {self.name}() or Ctrl-D (i.e. EOF) to exit"

    def __call__(self, code=None):
        try:
            sys.stdin.close()
        except BaseException:
            pass
        raise SystemExit(code)


def _install_exit_builtins() -> None:
    import builtins

    for name in ("exit", "quit"):
        if not hasattr(builtins, name):
            setattr(builtins, name, _Quitter(name))


def _seed_random(seed) -> None:
    """Every job starts from the same random state, and a program that seeds from the OS
    (``random.seed()``, ``random.Random()``) gets the job's seed instead: same run, same food."""
    if seed is None:
        return
    import random

    if not getattr(random.Random.seed, "_evalkit", False):
        original = random.Random.seed

        def seed_or_job_seed(self, a=None, version=2):
            return original(self, _JOB_SEED[0] if a is None else a, version)

        seed_or_job_seed._evalkit = True
        random.Random.seed = seed_or_job_seed
    _JOB_SEED[0] = seed
    random.seed = random._inst.seed  # the module-level alias was bound to the original method
    random._inst.seed(seed)


_JOB_SEED = [0]


def _child(job: dict, cfg: dict, fds: tuple[int, int, int], tty: int | None = None) -> None:
    os.setsid()
    _prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: the job dies with its template (evalkit killed with -9)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # the program sees Ctrl-C as Python does
    # move the three pipe ends out of the way before placing them on 1, 2, 3
    high = [_dup_high(fd) for fd in fds]
    if tty is not None:
        tty = _dup_high(tty)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    for target, fd in zip((1, 2, 3), high):
        os.dup2(fd, target)
    if tty is not None:  # a terminal program: the pty is its controlling terminal, stdin and stdout
        _attach_tty(tty)
    os.closerange(4, MAXFD)
    os.chdir(cfg["workdir"])
    _set_limits(job.get("limits") or {})
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in (job.get("env") or {}).items()})

    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", errors="backslashreplace")
    sys.stderr = io.TextIOWrapper(
        io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace", line_buffering=True
    )
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = sys.stdin, sys.stdout, sys.stderr

    def report(obj: dict) -> None:
        data = (json.dumps(obj) + "\n").encode()
        try:
            while data:
                data = data[os.write(3, data):]
        except OSError:
            pass

    filename = job.get("filename") or "main.py"
    path = os.path.join(cfg["workdir"], filename)
    sys.argv = [path, *map(str, job.get("argv") or ())]
    here = os.path.dirname(os.path.abspath(__file__))
    # `python -m pkg.mod` runs from the work folder with the package imported first; `python FILE`
    # puts the file's own folder first on sys.path
    package = os.path.dirname(filename).replace("/", ".") if job.get("as_module") else ""  # pkg/__main__.py too
    sys.path[:] = [cfg["workdir"] if package else os.path.dirname(path)] + [p for p in sys.path if p != here]
    _seed_random(job.get("seed"))
    _install_exit_builtins()

    hooks = []
    if job.get("game") is not None:
        sys.path.append(here)
        try:
            import gameshim

            hooks.append(gameshim.install(job["game"], report))
        except ImportError:
            pass  # no pygame in the sandbox env: the program's own import reports it
        sys.path.remove(here)
    elif job.get("terminal") is not None:
        sys.path.append(here)
        try:
            import termshim

            hooks.append(termshim.install(job["terminal"], report))
        finally:
            sys.path.remove(here)

    def finish(code: int, result: dict) -> None:
        for hook in hooks:
            try:
                hook()
            except BaseException:
                pass
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        report({"kind": "result", **result})
        os._exit(code)

    try:
        with open(path, "rb") as f:
            source = f.read()
        code = compile(source, path, "exec", dont_inherit=True)
        test = job.get("test")
        test_code = None if test is None else compile(str(test), "<test>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        print(f"{type(exc).__name__}: {exc.msg} (line {exc.lineno})", file=sys.stderr)
        finish(1, {"status": "syntax_error", "type": type(exc).__name__, "message": str(exc.msg),
                   "lineno": exc.lineno, "offset": exc.offset,
                   "stage": "test" if exc.filename == "<test>" else "program"})
    except (OSError, ValueError) as exc:
        finish(1, {"status": "exception", **_exception_info(exc, path, cfg["workdir"])})

    import builtins
    import types

    run_name = str(job.get("run_name") or "__main__")
    main = types.ModuleType(run_name)
    main.__file__ = path
    main.__builtins__ = builtins
    if package:
        main.__package__ = package  # its relative imports resolve in the package
    sys.modules[run_name] = main
    stages = [("program", code, path)] + ([("test", test_code, "<test>")] if test_code is not None else [])
    for stage, obj, where in stages:
        try:
            if package and stage == "program":
                __import__(package)  # as runpy does before running pkg.mod as __main__
            exec(obj, main.__dict__)
            if stage == stages[-1][0] and "threading" in sys.modules:
                sys.modules["threading"]._shutdown()  # wait for non-daemon threads as a normal exit would
        except SystemExit as exc:
            value = exc.code
            if value is None:
                rc = 0
            elif isinstance(value, int):
                rc = value & 0xFF
            else:
                print(value, file=sys.stderr)
                rc = 1
            finish(rc, {"status": "exit", "code": rc, "stage": stage, "completed": False})
        except BaseException as exc:
            import traceback

            try:
                # start at the program's own frames, not the runner's
                traceback.print_exception(type(exc), exc, exc.__traceback__.tb_next or exc.__traceback__)
            except BaseException:
                pass
            finish(1, {"status": "exception", "stage": stage, **_exception_info(exc, where, cfg["workdir"])})
        if stage == "program" and test_code is not None:
            report({"kind": "stage", "stage": "program", "status": "ok"})
    finish(0, {"status": "exit", "code": 0, "stage": stages[-1][0], "completed": True})


def _dup_high(fd: int) -> int:
    import fcntl

    return fcntl.fcntl(fd, fcntl.F_DUPFD, 10)


# ---------------------------------------------------------------- the server side
class _ProgramClock:
    """Seconds a job has had: wall time minus the time its main process spent runnable but
    waiting for a CPU (``run_delay`` in /proc/PID/schedstat). Where that is not available, wall."""

    def __init__(self, pid: int, t0: float):
        self.path = f"/proc/{pid}/schedstat"
        self.t0 = t0
        self.delay = 0.0
        self.read_at = 0.0
        self.works = os.path.exists(self.path)

    def used(self, now: float) -> float:
        if self.works and now - self.read_at >= 0.05:
            self.read_at = now
            try:
                with open(self.path, "rb") as f:
                    self.delay = int(f.read().split()[1]) / 1e9
            except (OSError, ValueError, IndexError):
                pass  # the process is gone: keep the last reading
        return max(now - self.t0 - self.delay, 0.0)


def _safe_rel(name) -> str | None:
    """A file name from model output as a relative path inside the work folder, or None."""
    rel = os.path.normpath(str(name))
    if rel.startswith(("..", "/")) or os.path.isabs(rel) or rel in (".", ""):
        return None
    parts = rel.split(os.sep)
    if len(parts) > 8 or any(p in ("", ".", "..") or len(p) > 255 or any(ord(c) < 32 or c in "\\\x7f" for c in p)
                             for p in parts):
        return None
    return rel


def _write_files(workdir: str, job: dict) -> list[str]:
    """Write the job's files; returns the names refused. A name never leaves the work folder: no
    absolute path, no ``..``, no control characters, and no write through a link (O_NOFOLLOW on
    the file, and every folder on the way is checked to be a real folder inside the work folder)."""
    files = dict(job.get("files") or {})
    files[job.get("filename") or "main.py"] = job.get("source", "")
    refused = []
    real_root = os.path.realpath(workdir)
    for name, text in files.items():
        rel = _safe_rel(name)
        if rel is None:
            refused.append(str(name)[:200])
            continue
        dest = os.path.join(workdir, rel)
        try:
            os.makedirs(os.path.dirname(dest) or workdir, exist_ok=True)
            folder = os.path.realpath(os.path.dirname(dest))
            if folder != real_root and not folder.startswith(real_root + os.sep):
                raise OSError("outside the work folder")
            fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o644)
            # a lone surrogate (valid in a JSON string, not in UTF-8) is written as its raw bytes:
            # Python then rejects the file as a syntax error, which is what it is
            with open(fd, "w", encoding="utf-8", errors="surrogatepass") as f:
                f.write(str(text))
        except (OSError, ValueError):
            refused.append(str(name)[:200])  # e.g. "a" is a file and "a/b.py" wants it as a folder
    return refused


# ---------------------------------------------------------------- terminal programs
def _open_pty(term: dict) -> tuple[int, int]:
    """A pseudo-terminal of the job's size: (master, slave)."""
    import fcntl
    import struct
    import termios

    master, slave = os.openpty()
    rows, cols = int(term.get("rows") or 24), int(term.get("cols") or 80)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    return master, slave


def _attach_tty(slave: int) -> None:
    import fcntl
    import termios

    try:
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
    except OSError:
        pass  # still a terminal on stdin/stdout, only without job control
    os.dup2(slave, 0)
    os.dup2(slave, 1)


def run_job(job: dict, cfg: dict) -> dict:
    workdir = cfg["workdir"]
    pid1 = bool(cfg.get("pid1"))
    _wipe(workdir)
    refused = _write_files(workdir, job)
    timeout = float(job.get("timeout") or 10.0)
    max_output = int(job.get("max_output") or 65536)
    max_procs = job.get("max_procs")
    max_channel = int(job.get("max_channel") or 8 * 1024 * 1024)

    pipes = [os.pipe() for _ in range(3)]
    tty = _open_pty(job["terminal"]) if job.get("terminal") is not None else None
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            for r, _ in pipes:
                os.close(r)
            if tty is not None:
                os.close(tty[0])
            _child(job, cfg, tuple(w for _, w in pipes), tty[1] if tty is not None else None)
        finally:
            os._exit(125)
    for _, w in pipes:
        os.close(w)
    readers = {pipes[0][0]: Capped(max_output), pipes[1][0]: Capped(max_output)}
    channel = bytearray()
    chan_fd = pipes[2][0]
    open_fds = [pipes[0][0], pipes[1][0], chan_fd]
    screen = bytearray()  # everything a terminal program wrote to its pty, for the host's emulator
    screen_fd = None
    if tty is not None:
        os.close(tty[1])
        screen_fd = tty[0]
        open_fds.append(screen_fd)
    for fd in open_fds:
        os.set_blocking(fd, False)
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None

    status = None
    rusage = None
    timed_out = False
    killed_reason = None
    # The timeout counts the program's own time: wall time minus the time it was ready to run but
    # waited for a CPU (a busy machine), so the same program times out, or not, under any load.
    # The hard limit only stops a run the machine starved for far too long ("cut off").
    clock = _ProgramClock(pid, t0)
    hard_deadline = t0 + 10 * timeout + 10
    cut_off = None
    idle_limit = float(job.get("idle_limit") or 0)  # games: longest silence of the shim
    last_message = None  # program time of the last runner message (the shim's heartbeat)
    idle = False
    proc_every = 0.02 if pid1 else 0.1  # counting a pid namespace is cheap; the host's /proc is not
    next_proc_check = t0 + proc_every

    def pump(fds: list[int]) -> None:
        for fd in fds:
            for _ in range(16):  # bounded: a flood must not starve the timeout checks
                try:
                    data = os.read(fd, 65536)
                except BlockingIOError:
                    break
                except OSError:
                    data = b""
                if not data:
                    os.close(fd)
                    open_fds.remove(fd)
                    break
                if fd == chan_fd:
                    if len(channel) < max_channel:
                        channel.extend(data[: max_channel - len(channel)])
                elif fd == screen_fd:
                    screen.extend(data[: max(MAX_SCREEN - len(screen), 0)])
                else:
                    readers[fd].add(data)

    while status is None:
        now = time.monotonic()
        used = clock.used(now)
        if used >= timeout:
            timed_out = True
            break
        if idle_limit and last_message is not None and used - last_message >= idle_limit:
            timed_out = idle = True
            break
        if now >= hard_deadline:
            timed_out = True
            cut_off = (f"the machine was too busy: the program got {used:.1f} s of its {timeout:g} s "
                       f"in {now - t0:.1f} s of wall time")
            break
        wait = min(timeout - used, hard_deadline - now, 0.05 if pidfd is None else 0.25)
        if idle_limit and last_message is not None:
            wait = min(wait, last_message + idle_limit - used)
        if max_procs:
            wait = min(wait, max(next_proc_check - now, 0.0))
        watch = open_fds + ([pidfd] if pidfd is not None else [])
        ready, _, _ = select.select(watch, [], [], max(wait, 0))
        if chan_fd in ready:
            last_message = clock.used(time.monotonic())
        pump([fd for fd in ready if fd in open_fds])
        got, st, ru = os.wait4(pid, os.WNOHANG)
        if got == pid:
            status, rusage = st, ru
            break
        if max_procs and time.monotonic() >= next_proc_check:
            next_proc_check = time.monotonic() + proc_every
            others = _others(pid1)
            if others is not None and len(others) > int(max_procs):
                killed_reason = f"more than {max_procs} processes"
                break
    duration = time.monotonic() - t0
    program_time = clock.used(time.monotonic())
    if status is None:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        _, status, rusage = os.wait4(pid, 0)
    pump(list(open_fds))
    killed = _kill_everything(pid, pid1)
    # every writer is gone now: drain what is left, briefly
    end = time.monotonic() + 0.5
    while open_fds and time.monotonic() < end:
        select.select(open_fds, [], [], 0.05)
        pump(list(open_fds))
    for fd in list(open_fds):
        os.close(fd)
    if pidfd is not None:
        os.close(pidfd)
    clean = _wipe(workdir)
    for folder in [cfg.get("tmpdir"), *(cfg.get("wipe") or ())]:
        if folder:
            clean = _wipe(folder) and clean

    messages, result = [], None
    for line in bytes(channel).splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if isinstance(msg, dict) and msg.get("kind") == "result":
            result = msg
        elif isinstance(msg, dict):
            messages.append(msg)
    out, err = readers[pipes[0][0]], readers[pipes[1][0]]
    return {
        "id": job.get("id"),
        "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "duration": round(duration, 4),
        "timed_out": timed_out,
        "idle": idle,  # stopped because the game's shim fell silent for idle_limit s
        "cut_off": cut_off,  # stopped for a reason that is not the program's (a starved machine)
        "program_time": round(program_time, 4),
        "silent_for": None if last_message is None else round(program_time - last_message, 4),
        "killed_reason": killed_reason,
        "leftover_processes": killed,
        "stdout": out.text(),
        "stderr": err.text(),
        "stdout_bytes": out.total,
        "stderr_bytes": err.total,
        "stdout_truncated": out.truncated,
        "stderr_truncated": err.truncated,
        "channel_truncated": len(channel) >= max_channel,
        "report": result,
        "messages": messages,
        "refused_files": refused,
        "terminal": None if screen_fd is None else base64.b64encode(
            bytes(screen) + (SCREEN_CUT if len(screen) >= MAX_SCREEN else b"")).decode("ascii"),
        "terminal_truncated": len(screen) >= MAX_SCREEN,
        "cpu_seconds": round(rusage.ru_utime + rusage.ru_stime, 4) if rusage else None,
        "max_rss_kb": rusage.ru_maxrss if rusage else None,
        "retire": not clean,  # leftovers we could not remove: this template must not serve again
    }


def _prewarm_fonts() -> None:
    """Find the system fonts once, before any job: pygame's SysFont otherwise runs ``fc-list`` in
    every job that uses it, which is set-up work that must not take the game's time (or run into
    pygame's own 1 s limit on a busy machine and silently lose the fonts in some runs only)."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    try:
        import pygame.sysfont as sysfont
    except BaseException:  # no pygame in the sandbox env: nothing to warm
        return
    if sysfont.is_init:
        return
    parse = getattr(sysfont, "_parse_font_entry_unix", None)
    if not sys.platform.startswith("linux") or parse is None or not hasattr(sysfont, "create_aliases"):
        try:
            sysfont.initsysfonts()
        except BaseException:
            pass
        return
    import subprocess

    try:  # as pygame does, with a limit for a slow first scan of the fonts instead of 1 s
        listing = subprocess.run(["fc-list", ":", "file", "family", "style"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        listing = b""
    fonts: dict = {}
    for entry in sorted(listing.decode("ascii", "ignore").splitlines()):  # sorted: same choice every run
        try:
            parse(entry, fonts)
        except ValueError:
            pass
    sysfont.Sysfonts.update(fonts)
    sysfont.create_aliases()
    sysfont.is_init = True


def main() -> None:
    cfg = json.loads(sys.argv[1])
    proto_in = os.fdopen(os.dup(0), "rb")
    proto_out = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    if cfg.get("extra_paths"):
        import site

        for p in cfg["extra_paths"]:
            site.addsitedir(p)
    if not cfg.get("pid1"):
        _prctl(36, 1)  # PR_SET_CHILD_SUBREAPER: orphans of the job (double forks) become ours
    _prctl(4, 0)  # PR_SET_DUMPABLE 0: jobs cannot ptrace the template
    # as pid 1 of its namespace the template only receives signals it handles: handle none, so a
    # job's os.kill(1, SIGINT) cannot raise KeyboardInterrupt here and take the template down
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    for name in cfg.get("preload") or ():
        try:
            __import__(name)
        except ImportError:
            pass
    if cfg.get("prewarm_fonts"):
        _prewarm_fonts()
    try:
        for line in proto_in:
            job = json.loads(line)
            try:
                res = run_job(job, cfg)
            except Exception as exc:  # report, keep serving
                res = {"id": job.get("id"), "server_error": f"{type(exc).__name__}: {exc}"}
            data = (json.dumps(res) + "\n").encode()
            while data:
                data = data[os.write(proto_out, data):]
            if res.get("retire"):
                break
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    finally:
        if cfg.get("cleanup"):  # evalkit went away: leave nothing behind
            shutil.rmtree(cfg["cleanup"], ignore_errors=True)


if __name__ == "__main__":
    main()
