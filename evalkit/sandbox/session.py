"""Sandbox: runs jobs on a warm template from the pool and classifies what they did."""

from __future__ import annotations

from dataclasses import replace

from .classification import classify
from .isolation import backend_for, resolve_mode
from .job import Job
from .limits import Limits
from .outcome import Outcome
from .pool import POOL
from .template import Template


class Sandbox:
    """Runs jobs in a warm template from the pool: ``with Sandbox("auto") as sb: sb.run(job)``."""

    def __init__(self, mode: str = "auto", limits: Limits | None = None):
        self.isolation = resolve_mode(mode)
        self.backend = backend_for(self.isolation)
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
                self._template = POOL.acquire(self.backend, self.limits)
            t = self._template
            # the runner may give a starved program up to 10x its timeout (+10 s) before cutting it off
            res = t.run(job.payload(lim, t.workdir, t.tmpdir, self.backend), host_timeout=10 * job.timeout + 30)
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
