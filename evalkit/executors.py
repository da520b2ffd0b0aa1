"""Where scoring work runs: in this process, a local process pool, or a Ray cluster.

Each executor takes an iterator of (key, args) and yields (key, result) as results finish, keeping
only a bounded number in flight, so responses can stream from the store with flat memory.
"""

from __future__ import annotations

import logging
import os
import signal
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Callable, Iterable, Iterator

from . import lifetime
from .errors import EvalkitError


def run_inline(fn: Callable, items: Iterable[tuple], **_) -> Iterator[tuple]:
    for key, args in items:
        yield key, fn(*args)


def _worker_start(parent: int) -> None:
    """In each scoring worker: die with evalkit, and leave Ctrl-C to evalkit (which stops us)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    lifetime.die_with_parent(parent)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop now: cancel what has not started and kill the workers (their sandboxes die with them)."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        try:
            p.kill()
        except (OSError, ValueError):
            pass
    for p in procs:
        try:
            p.join(timeout=5)
        except (OSError, ValueError, AssertionError):
            pass


def run_process_pool(fn: Callable, items: Iterable[tuple], *, workers: int) -> Iterator[tuple]:
    items = iter(items)
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_start, initargs=(os.getpid(),))
    try:
        pending = {}

        def fill() -> None:
            while len(pending) < workers * 2:
                nxt = next(items, None)
                if nxt is None:
                    return
                pending[pool.submit(fn, *nxt[1])] = nxt[0]

        fill()
        while pending:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for fut in done:
                key = pending.pop(fut)
                yield key, fut.result()
            fill()
    except BaseException:  # Ctrl-C, SIGTERM, an error, or the caller stopped early: nothing left running
        _stop(pool)
        raise
    pool.shutdown(wait=True)


def run_ray(fn: Callable, items: Iterable[tuple], *, address: str | None, workers: int) -> Iterator[tuple]:
    try:
        import ray
    except ImportError as exc:
        raise EvalkitError("--executor ray needs Ray: pip install 'evalkit[ray]'") from exc
    if not ray.is_initialized():
        try:
            # workers import the installed evalkit; Ray's own info logs would drown the progress bar
            ray.init(address=address, include_dashboard=False, log_to_driver=False,
                     logging_level=logging.WARNING, ignore_reinit_error=True)
        except Exception as exc:  # noqa: BLE001 - Ray raises many types for "cannot connect"
            where = address or "a new local cluster"
            raise EvalkitError(f"cannot start or reach Ray at {where}: {exc}; check --ray-address") from exc
    remote = ray.remote(fn)
    in_flight = max(2, int(ray.cluster_resources().get("CPU", workers)) * 2)
    items = iter(items)
    pending = {}

    def fill() -> None:
        while len(pending) < in_flight:
            nxt = next(items, None)
            if nxt is None:
                return
            pending[remote.remote(*nxt[1])] = nxt[0]

    fill()
    while pending:
        done, _ = ray.wait(list(pending), num_returns=1)
        for ref in done:
            key = pending.pop(ref)
            yield key, ray.get(ref)
        fill()


def execute(fn: Callable, items: Iterable[tuple], *, executor: str = "local", workers: int | None = None,
            ray_address: str | None = None) -> Iterator[tuple]:
    workers = workers or os.cpu_count() or 1
    if executor == "ray":
        return run_ray(fn, items, address=ray_address, workers=workers)
    if executor != "local":
        raise EvalkitError(f"unknown executor {executor!r}; use local or ray")
    if workers <= 1:
        return run_inline(fn, items)
    return run_process_pool(fn, items, workers=workers)
