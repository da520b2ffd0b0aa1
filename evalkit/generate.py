"""Fan-out over tasks x models x samples: bounded concurrency per endpoint, retries, cache, progress.

Every response is committed to the store the moment it arrives, so a run killed at any point
loses nothing that finished; rerunning the same command sends only the requests still missing.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import time
from collections import deque
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .config import ModelSpec
from .errors import EvalkitError
from .providers import Provider, ProviderError, Request, make_provider
from .redact import redact_url
from .store import Store
from .task import Task


@dataclass
class GenerationSettings:
    samples: int = 1
    concurrency: int = 4          # requests in flight per endpoint
    timeout: float = 600.0        # seconds for one whole request
    seed: int | None = 0          # sample i is sent with seed + i (reproducible, yet samples differ)
    retries: int = 3
    backoff: float = 0.5          # first retry delay in seconds; doubles each time, with jitter
    max_answer_mb: float | None = None  # one answer's size cap (None: providers.base.answer_cap decides)
    progress: bool = True


@dataclass
class GenerationResult:
    total: int = 0
    cached: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0              # never sent because their endpoint went down
    errors: list[str] = field(default_factory=list)
    endpoints_down: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> int:
        return self.cached + self.sent - self.failed


def request_params(spec: ModelSpec, sample: int, seed: int | None) -> dict:
    params = dict(spec.params)
    if seed is not None and "seed" not in spec.params:
        params["seed"] = seed + sample
    return params


def cache_key(spec: ModelSpec, digest: str | None, messages: list[dict], params: dict, sample: int) -> str:
    # URLs as shown (credentials masked): the key never needs a secret, and a rotated key keeps the cache
    urls = [redact_url(u) for u in spec.base_urls]
    blob = json.dumps(
        {"provider": spec.provider, "base_url": urls[0] if not spec.replicas else urls,
         "model": spec.model, "digest": digest, "messages": messages, "params": params, "sample": sample},
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def build_providers(models: list[ModelSpec], timeout: float,
                    max_answer_mb: float | None = None) -> dict[str, list[Provider]]:
    """One provider per base URL of each model (several when the model has replicas)."""
    out = {}
    for m in models:
        key = m.api_key()
        out[m.alias] = [make_provider(m.provider, m.model, url, timeout=m.timeout or timeout, stream=m.stream,
                                      api_key=key, max_answer_mb=m.max_answer_mb or max_answer_mb)
                        for url in m.base_urls]
    return out


async def preflight(models: list[ModelSpec], providers: dict[str, list[Provider]]) -> dict[str, dict]:
    """Check every endpoint answers and knows its model; return per-alias details (digest...)."""
    details: dict[str, dict] = {}
    for m in models:
        for p in providers[m.alias]:
            info = await p.endpoint_info()
            if not info.reachable:
                raise EvalkitError(p.unreachable_hint())
            if info.models is not None and not p.has_model(info.models):
                avail = ", ".join(info.models[:12]) or "none"
                hint = f"`ollama pull {m.model}`" if m.provider == "ollama" else "check the model name"
                raise EvalkitError(f"model {m.model!r} not found at {p.base_url} (available: {avail}); {hint}")
        details[m.alias] = await providers[m.alias][0].model_details()
    return details


async def _complete_with_retries(provider: Provider, req: Request, s: GenerationSettings) -> tuple:
    attempt = 0
    while True:
        attempt += 1
        try:
            try:
                return await asyncio.wait_for(provider.complete(req), timeout=s.timeout), attempt
            except asyncio.TimeoutError as exc:
                raise ProviderError(f"no complete answer from {provider.base_url} within {s.timeout:g}s "
                                    "(raise --timeout)", "timeout") from exc
        except ProviderError as exc:
            if not exc.retryable or attempt > s.retries:
                exc.attempts = attempt
                raise
            delay = exc.retry_after if exc.retry_after is not None else s.backoff * 2 ** (attempt - 1)
            await asyncio.sleep(min(delay, 60.0) * (1 + 0.25 * random.random()))


@dataclass
class _Job:
    model: ModelSpec
    task: Task
    sample: int
    messages: list[dict]
    params: dict
    key: str


def _plan(store: Store, run_id: str, models: list[ModelSpec], tasks: list[Task], digests: dict[str, str | None],
          settings: GenerationSettings, result: GenerationResult) -> dict[str, deque[_Job]]:
    """Link every request the store can already answer to the run; queue the others, per model."""
    queues: dict[str, deque[_Job]] = {m.alias: deque() for m in models}
    for m in models:
        hits = []
        for task in tasks:
            messages = task.messages()
            for sample in range(settings.samples):
                result.total += 1
                params = request_params(m, sample, settings.seed)
                key = cache_key(m, digests.get(m.alias), messages, params, sample)
                hit = store.cached_response_id(key)
                if hit is not None:
                    hits.append((task.suite, task.id, sample, hit))
                else:
                    queues[m.alias].append(_Job(m, task, sample, messages, params, key))
        store.link_many(run_id, m.alias, hits)
        result.cached += len(hits)
    return queues


class _Sender:
    """The requests of one run in flight: workers per endpoint, the progress bars, the tally."""

    def __init__(self, store: Store, run_id: str, models: list[ModelSpec], providers: dict[str, list[Provider]],
                 digests: dict[str, str | None], settings: GenerationSettings, result: GenerationResult,
                 queues: dict[str, deque[_Job]], console: Console | None):
        self.store, self.run_id, self.models, self.providers = store, run_id, models, providers
        self.digests, self.settings, self.result, self.queues = digests, settings, result, queues
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("errors {task.fields[errors]}"), TextColumn("{task.fields[tps]} tok/s"), TimeElapsedColumn(),
            console=console or Console(stderr=True),
            disable=not settings.progress or not any(queues.values()),
        )
        self.bars = {m.alias: self.progress.add_task(m.alias, total=len(queues[m.alias]), errors=0, tps="-")
                     for m in models}
        self.tokens = {m.alias: 0 for m in models}
        self.errors = {m.alias: 0 for m in models}
        # one cap per server URL, shared by every model it serves (base and tuned on one Ollama)
        self.endpoint_caps: dict[str, asyncio.Semaphore] = {}
        self.started = time.perf_counter()
        self.alive: dict[str, set[str]] = {m.alias: {p.base_url for p in providers[m.alias]} for m in models}

    def store_result(self, job: _Job, provider: Provider, comp=None, attempts: int = 1,
                     exc: ProviderError | None = None) -> None:
        m, result = job.model, self.result
        rec = {"cache_key": job.key, "provider": m.provider, "base_url": provider.base_url, "model": m.model,
               "digest": self.digests.get(m.alias), "suite": job.task.suite, "task_id": job.task.id,
               "sample": job.sample, "params": job.params}
        if exc is None:
            rec.update(text=comp.text, thinking=comp.thinking, latency_s=comp.latency_s, ttft_s=comp.ttft_s,
                       prompt_tokens=comp.prompt_tokens, completion_tokens=comp.completion_tokens,
                       finish_reason=comp.finish_reason, attempts=attempts)
            self.tokens[m.alias] += comp.completion_tokens or 0
        else:
            rec.update(error=str(exc), attempts=getattr(exc, "attempts", 1))
            result.failed += 1
            self.errors[m.alias] += 1
            result.errors.append(f"{m.alias} {job.task.id}#{job.sample}: {exc}")
        result.sent += 1
        self.store.save_and_link(self.run_id, m.alias, rec)
        elapsed = max(time.perf_counter() - self.started, 1e-6)
        self.progress.update(self.bars[m.alias], advance=1, errors=self.errors[m.alias],
                             tps=f"{self.tokens[m.alias] / elapsed:.0f}")

    async def worker(self, m: ModelSpec, provider: Provider, cap: asyncio.Semaphore) -> None:
        queue, alive, result = self.queues[m.alias], self.alive, self.result
        while queue and provider.base_url in alive[m.alias]:
            job = queue.popleft()
            async with cap:
                if provider.base_url in result.endpoints_down:
                    queue.appendleft(job)  # another replica (or the final tally) takes it
                    return
                req = Request(messages=job.messages, params=job.params, task_id=job.task.id, sample=job.sample)
                try:
                    comp, attempts = await _complete_with_retries(provider, req, self.settings)
                    self.store_result(job, provider, comp, attempts)
                except ProviderError as exc:
                    if exc.kind == "connection":
                        result.endpoints_down.setdefault(provider.base_url, str(exc))
                        alive[m.alias].discard(provider.base_url)
                        if alive[m.alias]:  # a replica is still up: it takes this request
                            queue.appendleft(job)
                            return
                    self.store_result(job, provider, exc=exc)

    def start_workers(self) -> list:
        workers = []
        for m in self.models:
            for p in self.providers[m.alias]:
                if self.queues[m.alias] and p.base_url in self.alive[m.alias]:
                    n = m.concurrency or self.settings.concurrency
                    cap = self.endpoint_caps.setdefault(p.base_url, asyncio.Semaphore(n))
                    workers += [self.worker(m, p, cap) for _ in range(n)]
        return workers

    async def send_all(self) -> None:
        with self.progress:
            # a request handed back by a replica that died after the others had finished needs
            # another round; each round ends with its queues empty or one more endpoint gone
            while workers := self.start_workers():
                await asyncio.gather(*workers)
        self.result.skipped = sum(len(q) for q in self.queues.values())
        if all(self.alive[m.alias] for m in self.models):
            self.result.endpoints_down.clear()  # a replica went down but its work was done elsewhere


async def generate(store: Store, run_id: str, models: list[ModelSpec], tasks: list[Task],
                   providers: dict[str, list[Provider]], digests: dict[str, str | None],
                   settings: GenerationSettings, console: Console | None = None) -> GenerationResult:
    """Send every request the store cannot answer; `concurrency` workers per endpoint pull from a
    per-model queue, so replicas of one model share its work and a faster replica takes more."""
    result = GenerationResult()
    queues = _plan(store, run_id, models, tasks, digests, settings, result)
    await _Sender(store, run_id, models, providers, digests, settings, result, queues, console).send_all()
    return result
