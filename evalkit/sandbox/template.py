"""A template: one sandboxed interpreter (``evalkit/sandboxed/server.py``) that forks a fresh
child per job, so a job pays no interpreter start-up. Its backend says how it is started."""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time

from .. import lifetime, sandbox_env
from .backend import Backend
from .limits import Limits


class Template:
    """One sandboxed interpreter serving jobs one at a time (not thread-safe: use the pool)."""

    def __init__(self, backend: Backend, limits: Limits):
        self.backend = backend
        self.isolation = backend.name
        self.limits = limits
        self._host_dir: str | None = None
        # the env version this template binds stays on disk until close() gives the lease back
        env_site, self._env_lease = sandbox_env.acquire()
        self.env_site = env_site
        launch = backend.launch(limits, env_site)
        self._host_dir = launch.host_dir
        self.workdir, self.tmpdir = launch.workdir, launch.tmpdir
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            launch.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"}, start_new_session=True,
            close_fds=True,
            cwd=launch.cwd,
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
