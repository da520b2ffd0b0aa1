"""Hostile programs must stay contained: real bubblewrap, real processes, a real loopback listener."""

from __future__ import annotations

import json
import os
import socket
import sys
import textwrap
import time
import uuid
import warnings
from pathlib import Path

import pytest

from evalkit import sandbox, sandbox_env
from evalkit.errors import EvalkitError
from evalkit.sandbox import Job, Limits, Sandbox, isolation, resolve_mode, run_program
from evalkit.sandbox.bwrap import BWRAP
from evalkit.sandbox_cli import exec_command

HAS_BWRAP = BWRAP.available()
needs_bwrap = pytest.mark.skipif(not HAS_BWRAP, reason="bubblewrap cannot create namespaces here")
needs_proc = pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs /proc to look for survivors")
needs_env = pytest.mark.skipif(sandbox_env.ready_dir() is None, reason="run `evalkit setup-sandbox` first")


def run(code: str, mode: str = "bwrap", **kw) -> sandbox.Outcome:
    return run_program(textwrap.dedent(code), mode=mode, **kw)


def host_procs_with(marker: str) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if marker.encode() in Path(f"/proc/{name}/cmdline").read_bytes():
                    found.append(int(name))
            except OSError:
                pass
    return found


# ---------------------------------------------------------------- file system
@needs_bwrap
def test_cannot_write_or_delete_outside_the_work_folder(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    leak = f"/tmp/evalkit-leak-{uuid.uuid4().hex}"
    out = run(f"""
        import os, shutil
        attempts = {{
            "delete victim": lambda: os.remove({str(victim)!r}),
            "write next to victim": lambda: open({str(tmp_path / 'pwned.txt')!r}, "w").write("x"),
            "write /usr": lambda: open("/usr/pwned.txt", "w").write("x"),
            "rmtree project": lambda: shutil.rmtree("/work/main/evalkit"),
            "write interpreter": lambda: open({sys.executable!r}, "ab").write(b"x"),
            "write sandbox root": lambda: open("/pwned.txt", "w").write("x"),
            "write /etc": lambda: open("/etc/pwned.txt", "w").write("x"),
        }}
        for name, act in attempts.items():
            try:
                act()
                print("ALLOWED", name)
            except OSError as exc:
                print("blocked", name, type(exc).__name__)
        open({leak!r}, "w").write("private tmp only")
        open("here.txt", "w").write("the work folder is writable")
        print("writable", [d for d in ("/", "/etc", "/dev", "/opt", "/root", "/usr", "/proc", "/dev/shm", "/tmp", "/work")
                           if os.access(d, os.W_OK)])
        print("cwd", os.getcwd(), sorted(os.listdir(".")))
    """)
    assert out.status == "ok", out.stderr
    assert "ALLOWED" not in out.stdout
    assert out.stdout.count("blocked") == 7
    assert "writable ['/dev/shm', '/tmp', '/work']" in out.stdout
    assert victim.read_text() == "keep me" and not (tmp_path / "pwned.txt").exists()
    assert not os.path.exists(leak) and not os.path.exists("/usr/pwned.txt")
    assert "'here.txt'" in out.stdout


@needs_bwrap
def test_home_project_and_host_packages_are_invisible():
    secret_file = Path.home() / f".evalkit-sandbox-test-{uuid.uuid4().hex}"
    secret_file.write_text("home-secret-4711")
    try:
        out = run(f"""
            import os
            for path in ({str(secret_file)!r}, "/work/main/evalkit/sandbox/__init__.py", {str(Path(__file__))!r}):
                try:
                    print("READ", open(path).read()[:40])
                except OSError as exc:
                    print("hidden", type(exc).__name__)
            print("home", os.path.expanduser("~"))
            print("root", sorted(os.listdir("/")))
            try:
                import openai
                print("IMPORTED evalkit's dependency")
            except ImportError:
                print("no openai")
        """)
    finally:
        secret_file.unlink()
    assert out.status == "ok", out.stderr
    assert "READ" not in out.stdout and "home-secret-4711" not in out.stdout
    assert out.stdout.count("hidden") == 3 and "no openai" in out.stdout
    assert "'work'" in out.stdout and "'home'" not in out.stdout


@needs_bwrap
def test_work_folder_is_wiped_between_jobs():
    with Sandbox("bwrap") as sb:
        first = sb.run(Job(source="open('left.txt', 'w').write('x')\nopen('/tmp/t.txt', 'w').write('y')\n"))
        second = sb.run(Job(source="import os\nprint(sorted(os.listdir('.')), os.listdir('/tmp'))\n"))
    assert first.ok and second.ok
    assert second.stdout.strip() == "['main.py'] []"


# ---------------------------------------------------------------- environment and network
@pytest.mark.parametrize("mode", [pytest.param("bwrap", marks=needs_bwrap), "limits"])
def test_environment_secrets_never_reach_the_program(monkeypatch, mode):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret-123")
    monkeypatch.setenv("HF_TOKEN", "hf-test-secret-456")
    out = run("""
        import os
        print(dict(os.environ))
        print(open("/proc/self/environ", "rb").read())
    """, mode=mode)
    assert out.status == "ok", out.stderr
    assert "secret" not in out.stdout
    assert "'PATH'" in out.stdout and "OPENAI" not in out.stdout


@needs_bwrap
def test_no_network_not_even_loopback():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    try:
        out = run(f"""
            import socket
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=2)
                print("CONNECTED")
            except OSError as exc:
                print("refused", type(exc).__name__)
            try:
                socket.getaddrinfo("example.com", 80)
                print("RESOLVED")
            except OSError:
                print("no dns")
        """)
        with pytest.raises(socket.timeout):
            listener.accept()
    finally:
        listener.close()
    assert out.status == "ok", out.stderr
    assert "refused" in out.stdout and "no dns" in out.stdout and "CONNECTED" not in out.stdout


# ---------------------------------------------------------------- processes
DAEMON = """
    import os, time
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv("/bin/sleep", ["sleep", "{marker}"])
        os._exit(0)
    time.sleep(0.3)
    print("parent done")
"""


@needs_proc
@pytest.mark.parametrize("mode", [pytest.param("bwrap", marks=needs_bwrap), "limits"])
def test_double_forked_daemon_does_not_outlive_the_program(mode):
    marker = f"{1000 + (uuid.uuid4().int % 1000)}.{os.getpid() % 1000}"
    out = run(DAEMON.format(marker=marker), mode=mode)
    assert out.status == "ok", out.stderr
    assert out.leftover_processes >= 1  # the daemon was still running and was killed
    time.sleep(0.1)
    assert host_procs_with(marker) == []


@pytest.mark.parametrize("mode", [pytest.param("bwrap", marks=needs_bwrap), "limits"])
def test_memory_hog_is_killed(mode):
    out = run("""
        blocks = []
        while True:
            blocks.append(bytearray(64 * 1024 * 1024))
    """, mode=mode, timeout=10)
    assert out.status == "killed" and out.killed_reason == "memory limit"
    assert out.duration < 10


@pytest.mark.parametrize("mode", [pytest.param("bwrap", marks=needs_bwrap), "limits"])
def test_file_size_and_disk_floods_are_stopped(mode):
    big = run("""
        with open("big.bin", "wb") as f:
            while True:
                f.write(b"x" * (1024 * 1024))
    """, mode=mode, limits=Limits(file_size_mb=4))
    assert big.status == "killed" and big.killed_reason == "file size limit"
    if mode == "bwrap":  # the work folder is a size-capped tmpfs
        many = run("""
            i = 0
            while True:
                with open(f"part{i}.bin", "wb") as f:
                    f.write(b"x" * (3 * 1024 * 1024))
                i += 1
        """, mode=mode, limits=Limits(file_size_mb=4, work_mb=32))
        assert many.status == "killed" and many.killed_reason == "work folder full"


def test_open_files_and_cpu_limits():
    files = run("handles = [open('f%d.txt' % i, 'w') for i in range(1000)]\n", mode="auto",
                limits=Limits(open_files=64))
    assert files.status == "killed" and files.killed_reason == "open files limit"
    # a generous wall clock: on a loaded machine 1 s of CPU time can take several seconds to get
    burn = run("while True:\n    pass\n", mode="auto", timeout=30.0, limits=Limits(cpu_seconds=1))
    assert burn.status == "killed" and burn.killed_reason == "CPU time limit", (burn.status, burn.duration)
    assert 0.8 <= burn.cpu_seconds < 3  # rusage samples at tick granularity under load


@needs_proc
@pytest.mark.parametrize("mode", [pytest.param("bwrap", marks=needs_bwrap), "limits"])
def test_bounded_fork_bomb_is_stopped_and_cleaned_up(mode):
    marker = f"{2000 + (uuid.uuid4().int % 1000)}.{os.getpid() % 1000}"
    out = run(f"""
        import os, time
        started = 0
        for _ in range(300):
            try:
                if os.fork() == 0:
                    os.execv("/bin/sleep", ["sleep", "{marker}"])
                started += 1
            except OSError:
                raise SystemExit(f"fork refused after {{started}}")  # RLIMIT_NPROC (non-root)
        time.sleep(5)
    """, mode=mode, timeout=10)
    assert out.status in ("killed", "crashed")
    if out.status == "killed":
        assert "processes" in out.killed_reason
    assert out.duration < 5
    time.sleep(0.1)
    assert host_procs_with(marker) == []


@pytest.mark.parametrize("mode", [pytest.param("bwrap", marks=needs_bwrap), "limits"])
def test_infinite_loop_times_out(mode):
    t0 = time.monotonic()
    out = run("while True:\n    pass\n", mode=mode, timeout=1.0)
    assert out.status == "timeout"
    # the timeout counts the program's own time (a busy machine stretches the wall time, not it)
    assert 0.9 <= out.program_time < 1.5 and out.duration >= out.program_time
    assert time.monotonic() - t0 < 10 * 1.0 + 10 + 5  # never beyond the runner's hard limit


def test_output_flood_is_capped_keeping_head_and_tail():
    out = run("""
        import sys
        print("FIRST LINE")
        for i in range(400000):
            print("x" * 100)
        print("LAST LINE")
        sys.stderr.write("E" * 1000000)
    """, mode="limits", limits=Limits(output_bytes=16 * 1024), timeout=20)
    assert out.status == "ok"
    assert out.stdout.startswith("FIRST LINE") and out.stdout.rstrip().endswith("LAST LINE")
    assert out.stdout_truncated and out.stderr_truncated
    assert len(out.stdout) < 17 * 1024 and len(out.stderr) < 17 * 1024
    assert "bytes omitted" in out.stdout


def test_endless_output_flood_still_times_out():
    out = run("while True:\n    print('y' * 1000)\n", mode="auto", timeout=1.0)
    assert out.status == "timeout" and out.program_time < 1.5
    assert out.stdout_truncated and len(out.stdout) < 70 * 1024


@needs_bwrap
def test_signals_cannot_reach_the_template_or_the_host():
    with Sandbox("bwrap") as sb:
        out = sb.run(Job(source=textwrap.dedent("""
            import os, signal
            for target in (os.getppid(), 1, -1):
                try:
                    os.kill(target, signal.SIGKILL)
                except OSError as exc:
                    print("denied", target, type(exc).__name__)
            print("still here", os.getpid())
        """)))
        after = sb.run(Job(source="print('template alive')\n"))
    # kill(-1) takes the job itself down; pid 1 (the template) ignores signals from inside
    assert out.status in ("ok", "killed", "crashed")
    assert after.ok and after.stdout.strip() == "template alive"


@needs_bwrap
def test_job_cannot_open_the_templates_protocol_or_memory():
    out = run("""
        for path, mode in (("/proc/1/fd/1", "wb"), ("/proc/1/fd/0", "rb"), ("/proc/1/mem", "rb"),
                           ("/proc/1/environ", "rb")):
            try:
                open(path, mode)
                print("OPENED", path)
            except OSError as exc:
                print("denied", path, exc.errno)
    """)
    assert out.status == "ok" and "OPENED" not in out.stdout and out.stdout.count("denied") == 4


def test_killing_the_template_in_limits_mode_is_survived():
    with Sandbox("limits") as sb:
        out = sb.run(Job(source="import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"))
        after = sb.run(Job(source="print('fresh template')\n"))
    # the job killed its own template (same uid), and again on the retry: that is its outcome, scored
    assert out.status == "killed" and "took down its sandbox" in out.killed_reason
    assert after.ok and after.stdout.strip() == "fresh template"


@needs_bwrap
def test_sigint_to_the_template_does_not_take_it_down():
    with Sandbox("bwrap") as sb:
        out = sb.run(Job(source="import os, signal\nos.kill(1, signal.SIGINT)\nprint('sent')\n"))
        after = sb.run(Job(source="print('same template')\n"))
    assert out.ok and out.stdout.strip() == "sent"
    assert after.ok and after.stdout.strip() == "same template"


@needs_bwrap
@pytest.mark.parametrize("litter", [
    "os.makedirs('keep/locked'); open('keep/locked/s.txt', 'w').write('x'); os.chmod('keep/locked', 0)\n"
    "os.makedirs('/tmp/k/l'); os.chmod('/tmp/k/l', 0); os.chmod('/tmp/k', 0o500)",
    "for _ in range(3000):\n    os.mkdir('d'); os.chdir('d')",  # deeper than PATH_MAX
])
def test_litter_a_job_cannot_remove_never_reaches_the_next_job(litter):
    with Sandbox("bwrap") as sb:
        first = sb.run(Job(source=f"import os\n{litter}\nprint('littered')\n"))
        second = sb.run(Job(source="import os\nprint(sorted(os.listdir('.')), os.listdir('/tmp'))\n"))
    assert first.ok and first.stdout.strip() == "littered"
    assert second.ok and second.stdout.strip() == "['main.py'] []"


def test_forged_runner_messages_are_an_outcome_not_a_crash():
    forged = ('import os, json\nos.write(3, (json.dumps({"kind": "result", "status": "exception", "type": ["x"],'
              ' "errno": [1], "message": {"a": 1}}) + "\\n").encode())\n'
              'os.write(3, (json.dumps({"kind": "shim", "virtual_time": "x", "size": "big"}) + "\\n").encode())\n'
              'os._exit(1)\n')
    out = run(forged, mode="limits")
    assert out.status == "crashed" and out.exception_type is None and out.exception_message is None


def test_a_lone_surrogate_in_the_source_is_a_syntax_error():
    out = run("s = '\ud800'\nprint(1)\n", mode="limits")
    assert out.status == "syntax_error"


# ---------------------------------------------------------------- outcome classes
@pytest.mark.parametrize("code, status, etype", [
    ("def f(:\n    pass\n", "syntax_error", "SyntaxError"),
    ("class A: pass\nA().missing()\n", "crashed", "AttributeError"),
    ("import sys\nsys.exit(3)\n", "crashed", "SystemExit"),
    ("import not_a_real_module_xyz\n", "missing_dependency", "ModuleNotFoundError"),
    ("open('levels/level1.txt').read()\n", "missing_asset", "FileNotFoundError"),
    ("import sys\nprint('fine')\nsys.exit(0)\n", "ok", None),
])
def test_outcome_classes(code, status, etype):
    out = run(code, mode="auto")
    assert out.status == status, (out.stderr, out.exception_type)
    assert out.exception_type == etype
    if status == "missing_dependency":
        assert out.missing_module == "not_a_real_module_xyz"
    if status == "missing_asset":
        assert out.missing_file == "levels/level1.txt"


def test_interactive_program_alive_at_budget_is_ok_and_quick_exit_is_flagged():
    alive = run("import time\nwhile True:\n    print('tick', flush=True)\n    time.sleep(0.05)\n",
                mode="auto", interactive=True, timeout=1.0)
    assert alive.status == "ok" and alive.alive_at_end and not alive.early_exit
    assert "still running" in alive.reason
    # an interactive program that never draws, reads or writes anything is hung, not running
    silent = run("import time\nwhile True:\n    time.sleep(0.05)\n", mode="auto", interactive=True, timeout=1.0)
    assert silent.status == "timeout" and not silent.alive_at_end
    assert silent.reason.startswith("hung:"), silent.reason
    quick = run("print('bye')\n", mode="auto", interactive=True, timeout=5.0)
    assert quick.status == "ok" and quick.early_exit and not quick.alive_at_end
    hang = run("import time\nwhile True:\n    time.sleep(0.05)\n", mode="auto", timeout=1.0)
    assert hang.status == "timeout"


@needs_env
def test_pygame_missing_image_is_a_missing_asset_not_a_crash():
    out = run("""
        import pygame
        pygame.init()
        screen = pygame.display.set_mode((100, 100))
        img = pygame.image.load("sprites/snake_head.png")
    """, mode="auto", interactive=True, game={}, timeout=10)
    assert out.status == "missing_asset", out.stderr
    assert "snake_head.png" in out.missing_file


# ---------------------------------------------------------------- fallback and modes
def test_fallback_without_bubblewrap_warns_once_and_still_limits(monkeypatch):
    monkeypatch.setenv("EVALKIT_BWRAP", "/nonexistent/bwrap")
    monkeypatch.setattr(isolation, "_warned", False)
    with pytest.warns(RuntimeWarning, match="falling back to resource limits"):
        assert resolve_mode("auto") == "limits"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a second call must not warn again
        assert resolve_mode("auto") == "limits"
    with pytest.raises(EvalkitError, match="bubblewrap"):
        resolve_mode("bwrap")
    out = run("import os\nprint(os.getcwd(), sorted(os.environ))\n", mode="auto")
    assert out.isolation == "limits" and out.ok
    hog = run("x = bytearray(8 * 1024 ** 3)\n", mode="auto")
    assert hog.status == "killed"


def test_unknown_mode_and_none_mode():
    with pytest.raises(EvalkitError, match="unknown sandbox mode"):
        resolve_mode("docker")
    out = run("x = bytearray(1200 * 1024 ** 2)\nprint(len(x))\n", mode="none")
    assert out.isolation == "none" and out.ok  # no memory limit in the explicit opt-out


def test_every_isolation_level_is_one_backend_behind_one_interface():
    from evalkit.sandbox import BACKENDS, MODES, Backend, backend_for

    assert set(BACKENDS) == set(MODES) - {"auto"}
    for name, backend in BACKENDS.items():
        assert isinstance(backend, Backend) and backend.name == name and backend_for(name) is backend
        assert backend.describe()
    rl, watchdog = backend_for("limits").job_limits(Limits())
    assert rl["processes"] is None and rl["memory_mb"] == 1024 and watchdog == 64  # no RLIMIT_NPROC outside a user ns
    rl, watchdog = backend_for("none").job_limits(Limits())
    assert rl["memory_mb"] is None and rl["processes"] is None and watchdog is None
    if HAS_BWRAP:
        assert backend_for("bwrap").job_limits(Limits()) == ({**Limits().rlimits()}, 64)
    launch = backend_for("limits").launch(Limits(), None)  # a host folder the template removes itself
    try:
        assert launch.cwd == launch.workdir and os.path.isdir(launch.workdir) and os.path.isdir(launch.tmpdir)
        assert launch.argv[-2].endswith("sandboxed/server.py")
        assert json.loads(launch.argv[-1])["cleanup"] == launch.host_dir and launch.workdir.startswith(launch.host_dir)
    finally:
        for d in (launch.workdir, launch.tmpdir, launch.host_dir):
            os.rmdir(d)


# ---------------------------------------------------------------- evalkit exec
def test_exec_command_prints_outcome_and_returns_exit_code(tmp_path, capsys):
    good = tmp_path / "good.py"
    good.write_text("print('hello from exec')\n")
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    return undefined_name\nf()\n")
    assert exec_command(str(good), timeout=5, as_json=False, mode="auto") == 0
    text = capsys.readouterr().out
    assert "status:     ok" in text and "hello from exec" in text and "isolation:" in text
    assert exec_command(str(bad), timeout=5, as_json=True, mode="auto") == 1
    data = json.loads(capsys.readouterr().out)
    assert data["status"] == "crashed" and data["exception_type"] == "NameError" and data["lineno"] == 2
    with pytest.raises(EvalkitError, match="no such file"):
        exec_command(str(tmp_path / "missing.py"), timeout=None, as_json=False, mode="auto")


def test_sigterm_is_not_relied_on_to_stop_a_program():
    # a program that ignores SIGTERM (as SDL turns it into a window-close event) still stops
    out = run("""
        import signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            time.sleep(0.05)
    """, mode="auto", interactive=True, timeout=1.0)
    # stopped on time, and (it never draws, reads input or writes) hung rather than running
    assert out.status == "timeout" and not out.alive_at_end and out.program_time < 1.5
