"""The pool of warm templates, shared by every Sandbox of the process."""

from __future__ import annotations

import atexit
import os
import queue
import threading

from .. import sandbox_env
from .backend import Backend
from .limits import Limits
from .template import Template


class _Pool:
    """Warm templates kept per (isolation, limits, env) so that consecutive scorings reuse them."""

    def __init__(self):
        self._idle: dict[tuple, queue.LifoQueue] = {}
        self._lock = threading.Lock()
        self._all: list[Template] = []

    def acquire(self, backend: Backend, limits: Limits) -> Template:
        key = (backend.name, limits, sandbox_env.ready_dir())  # a template sees the env of its start
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
        t = Template(backend, limits)
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
