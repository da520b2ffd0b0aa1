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
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .config import ModelSpec
from .errors import EvalkitError
from .providers import Provider, ProviderError, Request, make_provider
from .store import Store
from .suites import Task


@dataclass
class GenerationSettings:
    samples: int = 1
    concurrency: int = 4          # requests in flight per endpoint
    timeout: float = 600.0        # seconds for one whole request
    seed: int | None = 0          # sample i is sent with seed + i (reproducible, yet samples differ)
    retries: int = 3
    backoff: float = 0.5          # first retry delay in seconds; doubles each time, with jitter
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
    blob = json.dumps(
        {"provider": spec.provider, "base_url": spec.base_url, "model": spec.model, "digest": digest,
         "messages": messages, "params": params, "sample": sample},
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def build_providers(models: list[ModelSpec], timeout: float) -> dict[str, Provider]:
    return {
        m.alias: make_provider(m.provider, m.model, m.base_url, timeout=m.timeout or timeout, stream=m.stream,
                               api_key=m.api_key())
        for m in models
    }


async def preflight(models: list[ModelSpec], providers: dict[str, Provider]) -> dict[str, dict]:
    """Check every endpoint answers and knows its model; return per-alias details (digest...)."""
    details: dict[str, dict] = {}
    for m in models:
        p = providers[m.alias]
        info = await p.endpoint_info()
        if not info.reachable:
            raise EvalkitError(p.unreachable_hint())
        if info.models is not None and not p.has_model(info.models):
            avail = ", ".join(info.models[:12]) or "none"
            hint = f"`ollama pull {m.model}`" if m.provider == "ollama" else "check the model name"
            raise EvalkitError(f"model {m.model!r} not found at {p.base_url} (available: {avail}); {hint}")
        details[m.alias] = await p.model_details()
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


async def generate(store: Store, run_id: str, models: list[ModelSpec], tasks: list[Task],
                   providers: dict[str, Provider], digests: dict[str, str | None],
                   settings: GenerationSettings, console: Console | None = None) -> GenerationResult:
    result = GenerationResult()
    semaphores: dict[str, asyncio.Semaphore] = {}
    down: dict[str, str] = result.endpoints_down
    jobs = []
    per_model_total: dict[str, int] = {}
    for m in models:
        key_endpoint = m.base_url or m.alias
        semaphores.setdefault(key_endpoint, asyncio.Semaphore(m.concurrency or settings.concurrency))
        per_model_total[m.alias] = 0
        for task in tasks:
            messages = task.messages()
            for sample in range(settings.samples):
                result.total += 1
                params = request_params(m, sample, settings.seed)
                key = cache_key(m, digests.get(m.alias), messages, params, sample)
                hit = store.cached_response(key)
                if hit is not None:
                    store.link(run_id, m.alias, task.suite, task.id, sample, hit["id"])
                    result.cached += 1
                    continue
                per_model_total[m.alias] += 1
                jobs.append((m, task, sample, messages, params, key, key_endpoint))

    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("errors {task.fields[errors]}"), TextColumn("{task.fields[tps]} tok/s"), TimeElapsedColumn(),
        console=console or Console(stderr=True), disable=not settings.progress or not jobs,
    )
    bars = {alias: progress.add_task(alias, total=n, errors=0, tps="-") for alias, n in per_model_total.items()}
    tokens = {alias: 0 for alias in per_model_total}
    started = time.perf_counter()

    async def one(m: ModelSpec, task: Task, sample: int, messages, params, key, endpoint):
        async with semaphores[endpoint]:
            if endpoint in down:
                result.skipped += 1
                return
            req = Request(messages=messages, params=params, task_id=task.id, sample=sample)
            rec = {"cache_key": key, "provider": m.provider, "base_url": m.base_url, "model": m.model,
                   "digest": digests.get(m.alias), "suite": task.suite, "task_id": task.id, "sample": sample,
                   "params": params}
            try:
                comp, attempts = await _complete_with_retries(providers[m.alias], req, settings)
                rec.update(text=comp.text, thinking=comp.thinking, latency_s=comp.latency_s, ttft_s=comp.ttft_s,
                           prompt_tokens=comp.prompt_tokens, completion_tokens=comp.completion_tokens,
                           finish_reason=comp.finish_reason, attempts=attempts)
                tokens[m.alias] += comp.completion_tokens or 0
            except ProviderError as exc:
                rec.update(error=str(exc), attempts=getattr(exc, "attempts", 1))
                result.failed += 1
                result.errors.append(f"{m.alias} {task.id}#{sample}: {exc}")
                if exc.kind == "connection":
                    down.setdefault(endpoint, str(exc))
                progress.update(bars[m.alias], errors=sum(1 for e in result.errors if e.startswith(m.alias + " ")))
            result.sent += 1
            store.save_and_link(run_id, m.alias, rec)
            elapsed = max(time.perf_counter() - started, 1e-6)
            progress.update(bars[m.alias], advance=1, tps=f"{tokens[m.alias] / elapsed:.0f}")

    with progress:
        await asyncio.gather(*(one(*job) for job in jobs))
    return result
