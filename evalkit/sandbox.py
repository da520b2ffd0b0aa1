"""Run untrusted (model-written) Python programs isolated, and classify what they did.

Isolation levels (recorded in every outcome as ``isolation``):

* ``bwrap``  Linux + bubblewrap: new user/pid/net/ipc/uts/mount namespaces, no network at all,
  only /usr, the interpreter's prefix (its site-packages hidden), the evalkit sandbox env and
  the sandbox runner visible read-only; a size-capped tmpfs as the work folder and /tmp.
* ``limits`` fallback (no usable bubblewrap): resource limits, a new session, a clean
  environment and whole-tree kill; the file system and network are NOT isolated.
* ``none``   explicit opt-in only: no resource limits (still a clean environment, timeouts and
  tree kill).

Every job additionally gets a clean environment (API keys never reach model code), CPU/memory/
file-size/open-file/process limits, a wall-clock timeout, stdout/stderr capped (head + tail), and
every process it started killed at the end (a pid namespace, or a subreaper that inherits
double-forked daemons). Programs run in a pre-warmed template: one sandboxed interpreter that
forks a fresh child per job (see ``evalkit/sandboxed/server.py``).
"""

from __future__ import annotations

import atexit
import errno
import json
import os
import queue
import re
import selectors
import shutil
import signal
import site
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from . import lifetime, sandbox_env
from .errors import EvalkitError

MODES = ("auto", "bwrap", "limits", "none")
RUNNER_DIR = Path(__file__).resolve().parent / "sandboxed"
INSIDE_RUNNER = "/opt/evalkit/sandboxed"
INSIDE_ENV = "/opt/evalkit/env"
INSIDE_WORK = "/work"
# modules most programs import anyway: importing them once in the template saves it per job
PRELOAD = ("math", "re", "collections", "itertools", "functools", "typing", "string", "heapq",
           "bisect", "random", "traceback", "types", "hashlib", "fractions", "statistics", "copy",
           "asyncio")  # (asyncio: the game shim makes its loop's timed waits pass game time)


@dataclass(frozen=True)
class Limits:
    cpu_seconds: int = 10
    memory_mb: int | None = 1024        # address space per process
    processes: int = 64                 # watchdog on the job's processes (+ RLIMIT_NPROC under bwrap)
    file_size_mb: int = 16              # largest file a job may write
    open_files: int = 256
    output_bytes: int = 64 * 1024       # per stream; the head and the tail are kept
    work_mb: int = 256                  # size of the work folder tmpfs (bwrap)
    tmp_mb: int = 64                    # size of the private /tmp (bwrap)

    def rlimits(self) -> dict:
        return {"cpu_seconds": self.cpu_seconds, "memory_mb": self.memory_mb, "processes": self.processes,
                "file_size_mb": self.file_size_mb, "open_files": self.open_files}


NO_LIMITS = Limits(cpu_seconds=10**6, memory_mb=None, processes=0, file_size_mb=10**6, open_files=65536)


@dataclass
class Outcome:
    """What one program did. ``status`` is one of OUTCOMES."""

    status: str
    isolation: str
    exit_code: int | None = None
    signal: int | None = None
    exception_type: str | None = None
    exception_message: str | None = None
    lineno: int | None = None
    duration: float = 0.0
    stdout: str = ""
    stderr: str = ""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    interactive: bool = False
    alive_at_end: bool = False          # interactive program still running when its budget ended
    early_exit: bool = False            # interactive program exited cleanly within 1 s of starting
    virtual_time: float | None = None   # game seconds simulated by the shim
    screen_size: list | None = None     # the game's window size (from set_mode)
    completed: bool = False             # the runner saw the program (and its test) run to the end
    program_ok: bool | None = None      # with a test: the program part finished without an exception
    stage: str | None = None            # "program" or "test": where the run ended
    missing_module: str | None = None
    missing_file: str | None = None
    exception_file: str | None = None   # the program file (work-folder relative) the exception came from
    refused_files: list = field(default_factory=list)  # file names the runner would not write
    killed_reason: str | None = None
    cpu_seconds: float | None = None
    max_rss_kb: int | None = None
    leftover_processes: int = 0
    reason: str = ""                    # what happened, in plain words (shown in reports)
    frames: int | None = None           # game: frames drawn (display.flip/update)
    event_polls: int | None = None      # game: calls that read input (event.get/poll/wait/pump, get_pressed)
    last_active: float | None = None    # game: game time of the last frame or event poll
    program_time: float | None = None   # seconds the program had (wall minus time spent waiting for a CPU)
    cut_off: str | None = None          # why a cut_off run was stopped: "machine" (starved: rerun it),
                                        # "too_slow" (a game still drawing at its timeout), "input" (input())
    trace: list = field(default_factory=list, repr=False)  # shim messages (game frames)
    terminal: str | None = field(default=None, repr=False)  # a terminal program's pty output (base64)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self, with_trace: bool = False) -> dict:
        d = asdict(self)
        if not with_trace:
            d.pop("trace")
            d.pop("terminal")
        return d


OUTCOMES = ("ok", "crashed", "syntax_error", "timeout", "missing_dependency", "missing_asset",
            "killed", "no_code", "cut_off", "error")
# Not the program's doing: these outcomes are "not judged" (runs_ok None), with the reason shown
NOT_JUDGED = ("missing_dependency", "missing_asset", "cut_off", "error")
IDLE_LIMIT = 5.0    # a game whose shim falls silent (no frame, tick, sleep or event poll) this long is hung
UNRESPONSIVE = 5.0  # a game that drew no frame and polled no event in its last 5 s of game time stopped responding


# ---------------------------------------------------------------- isolation choice
_warned = False
_bwrap_probe: dict[str, list[str] | None] = {}


def _bwrap_path() -> str | None:
    override = os.environ.get("EVALKIT_BWRAP")
    if override is not None:
        return override if os.path.isfile(override) and os.access(override, os.X_OK) else None
    return shutil.which("bwrap")


def _python() -> tuple[str, str]:
    exe = os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)
    return exe, os.path.realpath(sys.base_prefix)


def _bwrap_flags(bwrap: str) -> tuple[list[str], bool] | None:
    """(namespace flags, tmpfs sizes supported) this machine's bubblewrap accepts for the real
    sandbox command line (probed once by starting the interpreter in it), or None if unusable."""
    if bwrap in _bwrap_probe:
        return _bwrap_probe[bwrap]
    candidates = [
        ["--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534", "--disable-userns",
         "--cap-drop", "ALL"],
        ["--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534", "--cap-drop", "ALL"],
        ["--unshare-all", "--cap-drop", "ALL"],
        ["--unshare-all"],
    ]
    exe, _ = _python()
    found = None
    for flags in candidates:
        for sized in (True, False):  # --size needs bubblewrap >= 0.8
            cmd = [*_bwrap_argv(bwrap, Limits(), None, (flags, sized)), exe, "-I", "-S", "-c", "pass"]
            try:
                if subprocess.run(cmd, capture_output=True, timeout=20).returncode == 0:
                    found = (flags, sized)
                    break
            except (OSError, subprocess.TimeoutExpired):
                continue
        if found:
            break
    _bwrap_probe[bwrap] = found
    return found


def resolve_mode(mode: str = "auto") -> str:
    """The isolation level that will actually run for `mode` (warns once when falling back)."""
    global _warned
    if mode not in MODES:
        raise EvalkitError(f"unknown sandbox mode {mode!r}; use one of {', '.join(MODES)}")
    if os.name == "nt":
        raise EvalkitError("sandboxed execution needs Linux or macOS (the runner forks); on Windows use WSL")
    if mode in ("limits", "none"):
        return mode
    bwrap = _bwrap_path()
    usable = bwrap is not None and sys.platform.startswith("linux") and _bwrap_flags(bwrap) is not None
    if usable:
        return "bwrap"
    if mode == "bwrap":
        raise EvalkitError(
            "sandbox mode 'bwrap' needs a working bubblewrap (Debian/Ubuntu: apt install bubblewrap; "
            "user namespaces must be allowed); or use --sandbox limits"
        )
    if not _warned:
        _warned = True
        why = "bubblewrap is not installed" if bwrap is None else "bubblewrap cannot create namespaces here"
        warnings.warn(
            f"evalkit sandbox: {why}; falling back to resource limits only (isolation=limits): "
            "model code can read your files and use the network. Install bubblewrap for full isolation.",
            RuntimeWarning,
            stacklevel=2,
        )
    return "limits"


isolation_level = resolve_mode  # the name the CLI records in the run


def describe_isolation(mode: str = "auto") -> str:
    level = resolve_mode(mode)
    env = sandbox_env.ready_dir()
    return f"sandbox isolation: {level}; dependency env: {env if env else 'not set up (evalkit setup-sandbox)'}"


def _system_binds() -> list[str]:
    args: list[str] = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for etc in ("/etc/ld.so.cache", "/etc/fonts", "/etc/localtime", "/etc/alternatives"):
        args += ["--ro-bind-try", etc, etc]
    return args


def _bwrap_argv(bwrap: str, limits: Limits, env_site: Path | None,
                probe: tuple[list[str], bool] | None = None) -> list[str]:
    exe, prefix = _python()
    flags, sized = probe or _bwrap_flags(bwrap) or ([], False)

    def tmpfs(path: str, mb: int) -> list[str]:
        return (["--size", str(mb * 1024 * 1024)] if sized else []) + ["--tmpfs", path]

    argv = [bwrap, *flags, "--die-with-parent", "--new-session", "--as-pid-1",
            "--hostname", "sandbox", *_system_binds(),
            "--proc", "/proc", "--dev", "/dev",
            *tmpfs("/dev/shm", limits.tmp_mb), *tmpfs("/tmp", limits.tmp_mb), *tmpfs(INSIDE_WORK, limits.work_mb)]
    bound = ["/usr"]
    if not prefix.startswith("/usr/"):
        argv += ["--ro-bind", prefix, prefix]
        bound.append(prefix)
    exe_dir = os.path.dirname(exe)
    if not any(exe_dir == b or exe_dir.startswith(b + "/") for b in bound):
        argv += ["--ro-bind", exe_dir, exe_dir]
        bound.append(exe_dir)
    # the interpreter's own site-packages (evalkit's deps, the user's packages) stay hidden
    hidden = [*site.getsitepackages(), site.getusersitepackages() or ""]
    for sp in hidden:
        if sp and os.path.isdir(sp) and any(sp.startswith(b + "/") for b in bound):
            argv += ["--tmpfs", sp]
    argv += ["--ro-bind", str(RUNNER_DIR), INSIDE_RUNNER]
    if env_site is not None:
        argv += ["--ro-bind", str(env_site), INSIDE_ENV]
    # the root and /dev are bwrap's own tmpfs: read-only, so /work, /tmp and /dev/shm (all size-capped
    # and wiped after every job) are the only writable places
    argv += ["--remount-ro", "/dev", "--remount-ro", "/"]
    argv += ["--chdir", INSIDE_WORK, "--clearenv", "--setenv", "PATH", "/usr/bin:/bin",
             "--setenv", "PYTHONHASHSEED", "0", "--"]
    return argv


def base_env(workdir: str, tmpdir: str) -> dict[str, str]:
    """The whole environment a job sees: nothing is inherited from evalkit's process."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": workdir,
        "TMPDIR": tmpdir,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONHASHSEED": "0",  # for Python processes a program starts (the template's own is fixed too)
    }


# The template's interpreter: no site (-S), no user site-packages (-s), no script folder on sys.path
# (-P). Not -I: that also ignores PYTHONHASHSEED, and string hashing (set order) must be the same on
# every run. The environment is evalkit's own (cleared), so honouring PYTHON* variables adds nothing.
TEMPLATE_FLAGS = ("-s", "-S", *(("-P",) if sys.version_info >= (3, 11) else ()))
GAME_ENV = {"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "PYGAME_HIDE_SUPPORT_PROMPT": "1"}


# ---------------------------------------------------------------- the template process
class Template:
    """One sandboxed interpreter serving jobs one at a time (not thread-safe: use the pool)."""

    def __init__(self, isolation: str, limits: Limits):
        self.isolation = isolation
        self.limits = limits
        self._host_dir: str | None = None
        # the env version this template binds stays on disk until close() gives the lease back
        env_site, self._env_lease = sandbox_env.acquire()
        self.env_site = env_site
        exe, _ = _python()
        if isolation == "bwrap":
            bwrap = _bwrap_path()
            assert bwrap is not None
            self.workdir, self.tmpdir = INSIDE_WORK, "/tmp"
            cfg = {"workdir": self.workdir, "tmpdir": self.tmpdir, "pid1": True, "wipe": ["/dev/shm"],
                   "extra_paths": [INSIDE_ENV] if env_site else [], "preload": PRELOAD,
                   "prewarm_fonts": env_site is not None}
            argv = [*_bwrap_argv(bwrap, limits, env_site), exe, *TEMPLATE_FLAGS, f"{INSIDE_RUNNER}/server.py",
                    json.dumps(cfg)]
        else:
            self._host_dir = tempfile.mkdtemp(prefix="evalkit-sandbox-")
            self.workdir = os.path.join(self._host_dir, "work")
            self.tmpdir = os.path.join(self._host_dir, "tmp")
            os.mkdir(self.workdir, 0o700)
            os.mkdir(self.tmpdir, 0o700)
            cfg = {"workdir": self.workdir, "tmpdir": self.tmpdir, "pid1": False,
                   "cleanup": self._host_dir,  # removed by the server itself if evalkit dies first
                   "extra_paths": [str(env_site)] if env_site else [], "preload": PRELOAD,
                   "prewarm_fonts": env_site is not None}
            argv = [exe, *TEMPLATE_FLAGS, str(RUNNER_DIR / "server.py"), json.dumps(cfg)]
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"}, start_new_session=True,
            close_fds=True,
            cwd=self.workdir if isolation != "bwrap" else "/",
            # the template dies with the process that started it, even after a kill -9 (bwrap's
            # --die-with-parent then takes everything inside the sandbox with it)
            preexec_fn=lifetime.child_setup(os.getpid()),
        )
        self._buf = b""
        self._sel = selectors.DefaultSelector()
        self._sel.register(self.proc.stdout, selectors.EVENT_READ)
        self._next_id = 0

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def run(self, job: dict, host_timeout: float) -> dict:
        self._next_id += 1
        job = {**job, "id": self._next_id}
        try:
            self.proc.stdin.write((json.dumps(job) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return {"server_error": self._died()}
        deadline = time.monotonic() + host_timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                return {"server_error": "the sandbox template stopped answering", "timed_out": True}
            if not self._sel.select(timeout=left):
                continue
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return {"server_error": self._died()}
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def _died(self) -> str:
        self._stderr.seek(0)
        tail = self._stderr.read()[-2000:].decode("utf-8", "replace").strip()
        self.close()
        return f"the sandbox template exited unexpectedly: {tail or 'no message'}"

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            self.proc.wait()
        for handle in (self._sel, self.proc.stdin, self.proc.stdout, self._stderr):
            try:
                handle.close()
            except (OSError, ValueError):
                pass
        if self._host_dir:
            shutil.rmtree(self._host_dir, ignore_errors=True)
            self._host_dir = None
        sandbox_env.release(self._env_lease)
        self._env_lease = None


class _Pool:
    """Warm templates kept per (isolation, limits, env) so that consecutive scorings reuse them."""

    def __init__(self):
        self._idle: dict[tuple, queue.LifoQueue] = {}
        self._lock = threading.Lock()
        self._all: list[Template] = []

    def acquire(self, isolation: str, limits: Limits) -> Template:
        key = (isolation, limits, sandbox_env.ready_dir())  # a template sees the env of its start
        with self._lock:
            q = self._idle.setdefault(key, queue.LifoQueue())
        while True:
            try:
                t = q.get_nowait()
            except queue.Empty:
                break
            if t.alive:
                return t
            t.close()
            with self._lock:
                self._all = [x for x in self._all if x is not t]
        t = Template(isolation, limits)
        with self._lock:
            self._all.append(t)
        return t

    def release(self, t: Template) -> None:
        if t.alive:
            with self._lock:
                q = self._idle.setdefault((t.isolation, t.limits, t.env_site), queue.LifoQueue())
            q.put(t)

    def close(self) -> None:
        with self._lock:
            templates, self._all = self._all, []
            self._idle.clear()
        for t in templates:
            t.close()

    def discard(self, t: Template) -> None:
        """Drop a dead template and release what it holds."""
        with self._lock:
            self._all = [x for x in self._all if x is not t]
        t.close()

    def forget(self) -> None:
        """In a forked child: the parent's templates are not ours to use or close."""
        self._idle, self._all, self._lock = {}, [], threading.Lock()


POOL = _Pool()
atexit.register(POOL.close)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=POOL.forget)


# ---------------------------------------------------------------- jobs and outcomes
@dataclass(frozen=True)
class Job:
    source: str
    filename: str = "main.py"
    files: tuple[tuple[str, str], ...] = ()
    timeout: float = 10.0
    interactive: bool = False
    game: dict | None = None            # gameshim settings: run headless in virtual time
    terminal: dict | None = None        # termshim settings: run on a pty (rows, cols, term) in virtual time
    seed: int | None = 0
    argv: tuple[str, ...] = ()
    run_name: str = "__main__"          # tests run under another name so `if __name__ == "__main__"` stays off
    test: str | None = None             # a test snippet run after the program, in its namespace
    as_module: bool = False             # run the entry (pkg/mod.py) as `python -m pkg.mod`: from the work folder, in its package

    def payload(self, limits: Limits, workdir: str, tmpdir: str, isolation: str) -> dict:
        env = base_env(workdir, tmpdir)
        if self.game is not None:
            env.update(GAME_ENV)
        if self.terminal is not None:
            env["TERM"] = str(self.terminal.get("term") or "xterm-256color")
            env["NCURSES_NO_UTF8_ACS"] = "1"  # line drawing as UTF-8, which the host's emulator reads
        lim = limits if isolation != "none" else NO_LIMITS
        rl = lim.rlimits()
        if isolation != "bwrap":
            # outside a user namespace RLIMIT_NPROC counts *all* of the user's processes (a desktop
            # has hundreds), so it would break ordinary programs: the watchdog counts the job's own
            rl["processes"] = None
        return {
            "source": self.source, "filename": self.filename, "files": dict(self.files),
            "timeout": self.timeout, "game": self.game, "terminal": self.terminal, "seed": self.seed,
            "argv": list(self.argv),
            "run_name": self.run_name, "test": self.test, "as_module": self.as_module, "env": env, "limits": rl, "max_output": limits.output_bytes,
            "max_procs": lim.processes or None,
            "idle_limit": IDLE_LIMIT if self.game is not None else None,
        }


LIMIT_ERRNOS = {errno.EFBIG: "file size limit", errno.ENOSPC: "work folder full", errno.EMFILE: "open files limit"}


_QUOTED_FILE = re.compile(r"""(?:No file|[Cc]ouldn't open|[Uu]nable to open(?: file)?|No such file or directory:?)\s*['"]([^'"]{1,300})['"]""")


def _missing_asset(report: dict) -> str | None:
    """The file a program failed to open (FileNotFoundError, pygame's "No file 'x.png' found")."""
    etype, msg = report.get("type"), str(report.get("message") or "")
    quoted = _QUOTED_FILE.search(msg)
    if etype == "FileNotFoundError":
        return report.get("filename") or (quoted.group(1) if quoted else msg)
    lowered = msg.lower()
    if etype == "error" and str(report.get("module", "")).startswith("pygame") and (
        "couldn't open" in lowered or "no such file" in lowered or "no file" in lowered
    ):
        return quoted.group(1) if quoted else msg
    return None


_MEDIA = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".svg", ".wav", ".mp3", ".ogg", ".flac",
          ".mid", ".midi", ".ttf", ".otf", ".fon", ".fnt"}
_WRITES = re.compile(r"""open\([^)\n]*,\s*(?:mode\s*=\s*)?[rb+]*['"][rb+]*[wax]|\.write_text\(|\.write_bytes\(|"""
                     r"""\b(?:json|pickle|yaml)\.(?:safe_)?dump\(|\bshelve\.open\(""")


def _own_file(name: str, job: Job) -> bool:
    """A data file (not an image, sound or font) the program writes itself -- a high score, a save:
    reading it before it exists is the program's bug, not an asset the response left out."""
    base = os.path.basename(str(name))
    if not base or os.path.splitext(base)[1].lower() in _MEDIA:
        return False
    source = job.source + "".join("\n" + text for _, text in job.files)
    return base in source and _WRITES.search(source) is not None


def _own_module(name: str, job: Job) -> bool:
    """A module the answer itself provides (a file or folder of its program): failing to import it
    is the program's own bug (`from snake_game.config import X` run as `python snake_game/main.py`),
    not a dependency the sandbox lacks."""
    top = str(name).split(".")[0]
    parts = set()
    for fname in [job.filename] + [n for n, _ in job.files]:
        if fname.endswith((".py", ".pyw")):
            parts.update(p.rsplit(".", 1)[0] if p.endswith((".py", ".pyw")) else p for p in fname.split("/"))
    return len(parts) > 1 and top in parts


# The runner's messages arrive on a descriptor the program can write to as well: keep only fields
# of the expected types, so a forged or garbled message cannot crash the host.
_REPORT_TYPES = {"status": str, "stage": str, "type": str, "message": str, "missing_module": str, "filename": str,
                 "module": str, "file": str,
                 "lineno": int, "errno": int, "code": int, "completed": bool}


def _typed(msg: dict, types: dict) -> dict:
    out = {}
    for key, value in msg.items():
        want = types.get(key)
        if want is None or isinstance(value, want) and not (want is int and isinstance(value, bool)):
            out[key] = value
    return out


def _clean_shim(msg: dict) -> dict:
    msg = dict(msg)
    for key, kind in (("frames", int), ("polls", int), ("last_active", (int, float)), ("quit_at", (int, float))):
        if key in msg and (not isinstance(msg[key], kind) or isinstance(msg[key], bool)):
            msg[key] = None
    if not isinstance(msg.get("virtual_time"), (int, float)) or isinstance(msg.get("virtual_time"), bool):
        msg["virtual_time"] = None
    size = msg.get("size")
    if not (isinstance(size, (list, tuple)) and len(size) == 2 and all(isinstance(v, int) for v in size)):
        msg["size"] = None
    return msg


def _unresponsive(shim: dict) -> bool:
    """A game that drew no frame and polled no event in its last UNRESPONSIVE s of game time
    (or ever). Shims that do not count activity (terminal programs) are never called that."""
    if not isinstance(shim.get("polls"), int):
        return False
    last, now = shim.get("last_active"), shim.get("virtual_time")
    if last is None:  # never drew a frame or polled an event
        return True
    return now is not None and now - last >= UNRESPONSIVE


def classify(res: dict, job: Job, isolation: str) -> Outcome:
    out = _classify(res, job, isolation)
    out.reason = describe(out, job, res)
    return out


def _classify(res: dict, job: Job, isolation: str) -> Outcome:
    report = _typed(res["report"], _REPORT_TYPES) if isinstance(res.get("report"), dict) else None
    messages = [_clean_shim(m) if m.get("kind") == "shim" else m
                for m in res.get("messages") or () if isinstance(m, dict)]
    out = Outcome(
        status="error", isolation=isolation, exit_code=res.get("exit_code"), signal=res.get("signal"),
        duration=float(res.get("duration") or 0.0), stdout=str(res.get("stdout", "")),
        stderr=str(res.get("stderr", "")), stdout_truncated=bool(res.get("stdout_truncated")),
        stderr_truncated=bool(res.get("stderr_truncated")), interactive=job.interactive,
        killed_reason=res.get("killed_reason"), cpu_seconds=res.get("cpu_seconds"),
        max_rss_kb=res.get("max_rss_kb"), leftover_processes=int(res.get("leftover_processes") or 0),
        trace=[m for m in messages if m.get("kind") == "frames"],
        terminal=res.get("terminal") if isinstance(res.get("terminal"), str) else None,
        refused_files=[str(n) for n in res.get("refused_files") or ()][:50],
    )
    shim = next((m for m in reversed(messages) if m.get("kind") == "shim"), None)
    if shim is not None:
        out.virtual_time = shim.get("virtual_time")
        out.screen_size = shim.get("size")
        out.frames, out.event_polls, out.last_active = shim.get("frames"), shim.get("polls"), shim.get("last_active")
    if isinstance(res.get("program_time"), (int, float)):
        out.program_time = float(res["program_time"])
    budget_end = shim is not None and bool(shim.get("budget_end"))
    game = shim is not None and job.game is not None
    if res.get("server_error"):  # evalkit's own failure (a template that died or stopped answering)
        out.status, out.exception_message = "error", str(res["server_error"])
        return out
    out.program_ok = None if job.test is None else any(m.get("kind") == "stage" for m in messages)
    if report is not None:
        out.stage = report.get("stage")
        out.exception_type = report.get("type")
        out.exception_message = report.get("message")
        out.lineno = report.get("lineno")
        out.exception_file = report.get("file")
    if res.get("cut_off"):  # the machine starved the run: not the program's doing
        out.status, out.cut_off = "cut_off", "machine"
        return out
    if budget_end:
        # at the end of its game time a game is running if it kept drawing or reading its input;
        # one that only slept or spun on the clock for the last seconds is hung
        out.status = "timeout" if game and _unresponsive(shim) else "ok"
        out.alive_at_end = out.status == "ok"
        return out
    if res.get("timed_out"):
        silent = res.get("silent_for")
        if game and not res.get("idle") and out.last_active is not None and \
                isinstance(silent, (int, float)) and silent < IDLE_LIMIT / 2:
            out.status, out.cut_off = "cut_off", "too_slow"  # still drawing, too slowly to reach its end
        elif shim is None and job.interactive and (out.stdout.strip() or out.stderr.strip()):
            out.status, out.alive_at_end = "ok", True  # an interactive program still writing output
        else:
            # hung: a game that stopped drawing, ticking and polling; an interactive program that
            # never wrote anything; any other program still running at its timeout
            out.status = "timeout"
        return out
    if out.killed_reason:
        out.status = "killed"
        return out
    if report is not None and report.get("status") == "syntax_error":
        out.status = "syntax_error"
    elif report is not None and report.get("status") == "exception":
        if report.get("type") == "ModuleNotFoundError" and report.get("missing_module") \
                and _own_module(report["missing_module"], job):
            out.status = "crashed"  # one of its own files, imported by a name that does not reach it
        elif report.get("type") == "ModuleNotFoundError" and report.get("missing_module"):
            out.status, out.missing_module = "missing_dependency", str(report["missing_module"])
        elif _missing_asset(report) and _own_file(_missing_asset(report), job):
            out.status, out.missing_file = "crashed", _missing_asset(report)  # its own save file
        elif _missing_asset(report):
            out.status, out.missing_file = "missing_asset", _missing_asset(report)
        elif job.interactive and report.get("type") == "EOFError":
            out.status, out.cut_off = "cut_off", "input"  # input() at a console nobody types into
        elif report.get("type") == "MemoryError":
            out.status, out.killed_reason = "killed", "memory limit"
        elif report.get("errno") in LIMIT_ERRNOS:  # Python ignores SIGXFSZ: it sees EFBIG
            out.status, out.killed_reason = "killed", LIMIT_ERRNOS[report["errno"]]
        else:
            out.status = "crashed"
    elif out.signal is not None:
        names = {signal.SIGXCPU: "CPU time limit", signal.SIGKILL: "killed (limit)",
                 signal.SIGXFSZ: "file size limit"}
        if out.signal in names:
            out.status, out.killed_reason = "killed", names[out.signal]
        else:
            out.status = "crashed"
            out.exception_type = f"signal {signal.Signals(out.signal).name}" if out.signal in iter(
                signal.Signals) else f"signal {out.signal}"
    elif out.exit_code == 0:
        out.status = "ok"
        out.completed = report is not None and bool(report.get("completed"))
    else:
        out.status = "crashed"
        if out.exception_type is None:
            out.exception_type = "SystemExit"
            out.exception_message = f"exit code {out.exit_code}"
    if out.status == "ok" and job.interactive:
        started = out.virtual_time if out.virtual_time is not None else out.duration
        quit_sent = shim is not None and bool(shim.get("quit_sent"))
        out.early_exit = not quit_sent and started < 1.0
    return out


def _where(out: Outcome) -> str:
    file = getattr(out, "exception_file", None)
    if out.lineno is None:
        return ""
    return f" at {file}:{out.lineno}" if file else f" at line {out.lineno}"


def describe(out: Outcome, job: Job, res: dict | None = None) -> str:
    """What happened, in plain words, for reports. Built from game time, frames and the
    program's own output, never from wall-clock durations, so the same run reads the same."""
    res = res or {}
    script = job.game if job.game is not None else job.terminal  # a game or a terminal program
    game = script is not None and out.virtual_time is not None
    frames = f"{out.frames} frame{'' if out.frames == 1 else 's'}" if out.frames is not None else "no frames"
    budget = float((script or {}).get("quit_at") or 10.0)
    vt = out.virtual_time or 0.0
    if not game:
        at = ""
    elif not out.frames and vt < 0.05:
        at = " before its first frame"
    else:
        at = f" after {vt:.1f} s of game time and {frames}"
    status = out.status
    if status == "ok":
        if out.alive_at_end and game:
            return (f"the game ran its full {budget:g} s of game time and drew {frames}; it was still running "
                    "at the end (counts as running)")
        if out.alive_at_end:
            return (f"still running at the end of its {job.timeout:g} s and writing output "
                    "(an interactive program: counts as running)")
        if game and vt >= budget:
            shown = f"drew {frames}" if out.frames else "never updated the display"
            return f"the game ran its full {budget:g} s of game time, {shown} and exited when asked to quit"
        if game:
            early = " (within 1 s of starting, before any input)" if out.early_exit else ""
            return f"the game exited by itself{at}{early}"
        if job.test is not None:
            return "the program and its test ran to the end without an exception"
        return "exited normally (exit code 0)" + (" within 1 s, without waiting for input" if out.early_exit else "")
    if status == "crashed":
        if out.missing_file:
            when = f" ({at.strip()})" if at else ""
            return (f"crashed: {out.exception_type}{_where(out)}: it reads {out.missing_file}, a file it writes "
                    f"itself, before it exists{when}")
        if out.signal is not None:
            return f"crashed: killed by {out.exception_type}{at}"
        if out.exception_type == "SystemExit":
            return f"crashed: exited with code {out.exit_code}{at}"
        msg = (out.exception_message or "").strip().splitlines()
        detail = f": {msg[0][:200]}" if msg else ""
        stage = " in the test" if out.stage == "test" else ""
        return f"crashed: {out.exception_type}{_where(out)}{stage}{detail}{at}"
    if status == "syntax_error":
        return f"syntax error{_where(out)}: {(out.exception_message or '').strip()[:200]}"
    if status == "timeout":
        if game:
            silent = res.get("idle")
            if out.last_active is None and not (out.frames or out.event_polls):
                if not silent and vt < 0.05:  # a busy loop that never reads a key, sleeps or draws
                    return (f"hung: still running at its {job.timeout:g} s timeout and its game clock never "
                            "moved (it never read a key, slept or redrew the screen)")
                span = f"{IDLE_LIMIT:g} s" if silent else f"{vt:.0f} s of game time"
                return f"hung: no frame drawn and no event polled for {span}"
            last = out.last_active if out.last_active is not None else vt
            why = (f"no frame, tick, sleep or event poll for {IDLE_LIMIT:g} s" if silent
                   else f"no frame drawn and no event polled for the last {vt - last:.1f} s of game time")
            return f"stopped responding at {last:.1f} s of game time after drawing {frames}: {why}"
        if job.interactive:
            return f"hung: still running after {job.timeout:g} s without drawing, reading input or writing any output"
        return f"timed out: still running after {job.timeout:g} s"
    if status == "killed":
        return f"killed: {out.killed_reason or 'stopped by a limit'}{at}"
    if status == "missing_dependency":
        return f"not judged: the program imports {out.missing_module}, which the sandbox does not have"
    if status == "missing_asset":
        when = f" (opened{at})" if at else ""
        return f"not judged: the program opens {out.missing_file}, a file the response does not provide{when}"
    if status == "cut_off":
        if out.exception_type == "EOFError":
            when = f" ({at.strip()})" if at else ""
            return (f"not judged: the program waits for typed input (input(){_where(out)}), which a headless "
                    f"run cannot give{when}")
        if res.get("cut_off"):
            return f"not judged: {res['cut_off']}"
        return (f"not judged: the game was still running but reached only {vt:.1f} of its {budget:g} s of "
                f"game time in {job.timeout:g} s")
    if status == "error":
        return f"not judged: evalkit's sandbox failed ({(out.exception_message or 'no message')[:200]})"
    return status


class Sandbox:
    """Runs jobs in a warm template from the pool: ``with Sandbox("auto") as sb: sb.run(job)``."""

    def __init__(self, mode: str = "auto", limits: Limits | None = None):
        self.isolation = resolve_mode(mode)
        self.limits = limits or Limits()
        self._default_limits = limits is None  # explicit limits are applied as given
        self._template: Template | None = None

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run(self, job: Job) -> Outcome:
        lim = self.limits
        if self._default_limits and job.timeout + 1 > lim.cpu_seconds:  # CPU time must not cut a run short
            lim = replace(lim, cpu_seconds=int(job.timeout) + 2)
        for attempt in range(2):
            if self._template is None or not self._template.alive:
                if self._template is not None:  # it retired (leftovers it could not wipe) or died
                    POOL.discard(self._template)
                self._template = POOL.acquire(self.isolation, self.limits)
            t = self._template
            # the runner may give a starved program up to 10x its timeout (+10 s) before cutting it off
            res = t.run(job.payload(lim, t.workdir, t.tmpdir, self.isolation), host_timeout=10 * job.timeout + 30)
            if res.get("retire"):  # the job left what its template could not wipe: never reuse it
                POOL.discard(t)
                self._template = None
            if res.get("server_error") and not t.alive and not res.get("timed_out"):
                POOL.discard(t)
                self._template = None
                if attempt == 0:  # a job took the template down: retry once on a fresh one
                    continue
                # twice in a row: the program itself kills its sandbox; that is its outcome
                res = {**res, "server_error": None, "killed_reason": "the program took down its sandbox twice"}
            return classify(res, job, self.isolation)
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._template is not None:
            POOL.release(self._template)
            self._template = None


def run_program(source: str, *, mode: str = "auto", limits: Limits | None = None, **job_fields) -> Outcome:
    """Run one program and classify its outcome (see Job for the fields)."""
    with Sandbox(mode, limits) as sb:
        return sb.run(Job(source=source, **job_fields))


def looks_like_game(source: str) -> bool:
    return "pygame" in source


# ---------------------------------------------------------------- CLI entry points
def _format(out: Outcome) -> str:
    lines = [f"status:     {out.status}", f"reason:     {out.reason}", f"isolation:  {out.isolation}",
             f"exit code:  {out.exit_code}" + (f" (signal {out.signal})" if out.signal else ""),
             f"duration:   {out.duration:.3f} s"]
    if out.virtual_time is not None:
        lines.append(f"game time:  {out.virtual_time:.1f} s (virtual)")
    if out.exception_type:
        where = f" (line {out.lineno})" if out.lineno else ""
        lines.append(f"exception:  {out.exception_type}: {out.exception_message}{where}")
    for label, value in (("missing module", out.missing_module), ("missing file", out.missing_file),
                         ("killed", out.killed_reason)):
        if value:
            lines.append(f"{label}: {value}")
    if out.alive_at_end:
        lines.append("note:       still running when its budget ended (interactive: counts as ok)")
    if out.early_exit:
        lines.append("note:       exited cleanly within 1 s of starting")
    for name, text, cut in (("stdout", out.stdout, out.stdout_truncated), ("stderr", out.stderr, out.stderr_truncated)):
        if text.strip():
            lines.append(f"--- {name}{' (truncated)' if cut else ''} ---")
            lines.append(text.rstrip())
    return "\n".join(lines)


def exec_command(path: str, timeout: float | None, as_json: bool, mode: str = "auto",
                 interactive: bool | None = None) -> int:
    """`evalkit exec FILE`: run one program exactly as scoring does (the same job, see
    ``scorers.execution.program_job``; `interactive` as the task's flag, by default True for a
    pygame program); 0 if its outcome is ok."""
    p = Path(path)
    if not p.is_file():
        raise EvalkitError(f"no such file: {path}; give the path of a Python program to run")
    try:
        source = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise EvalkitError(f"{path} is not UTF-8 text; evalkit exec runs Python source files") from exc
    from .scorers.execution import program_job

    if interactive is None:  # without a task: a pygame program is a game, as for an interactive task
        interactive = looks_like_game(source)
    if looks_like_game(source):
        sandbox_env.ensure()
    job = program_job(source, interactive=interactive, filename=p.name)  # the job scoring would run
    if timeout is not None:
        job = replace(job, timeout=float(timeout))
    with Sandbox(mode) as sb:
        out = sb.run(job)
    if as_json:
        print(json.dumps(out.to_dict(), indent=2))
    else:
        print(_format(out))
    return 0 if out.ok else 1


def setup_command() -> int:
    return sandbox_env.setup_command()
