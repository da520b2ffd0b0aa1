"""Ollama through the official `ollama` AsyncClient (chat API)."""

from __future__ import annotations

import os
import time
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

import httpx
import ollama

from .base import (BODY_LIMIT, NON_STREAMED_FACTOR, AnswerBuffer, CappedTransport, Completion, EndpointInfo,
                   Provider, ProviderError, Request, answer_cap, truncated_reason)

DEFAULT_URL = "http://localhost:11434"

# evalkit's portable parameter names -> Ollama option names
_OPTION_NAMES = {"max_tokens": "num_predict", "stop": "stop"}


def default_base_url() -> str:
    host = os.environ.get("OLLAMA_HOST", "").strip()
    if not host:
        return DEFAULT_URL
    if "://" not in host:
        host = "http://" + host
    if host.count(":") == 1:  # no port given
        host += ":11434"
    return host.rstrip("/")


def _with_tag(name: str) -> str:
    return name if ":" in name.split("/")[-1] else name + ":latest"


def _classify(exc: BaseException, url: str) -> ProviderError:
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, ollama.ResponseError):
        status = exc.status_code if exc.status_code and exc.status_code > 0 else None
        msg = f"Ollama at {url} answered {status or 'an error'}: {exc.error}"
        if status == 404:
            return ProviderError(msg, "not_found", status=status)
        if status == 429:
            return ProviderError(msg, "rate_limit", status=status)
        if status is None or status >= 500:
            return ProviderError(msg, "server", status=status)
        return ProviderError(msg, "client", status=status)
    if isinstance(exc, (ConnectionError, httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError)):
        return ProviderError(f"connection to Ollama at {url} failed: {exc}", "connection")
    if isinstance(exc, httpx.TimeoutException):
        return ProviderError(f"request to Ollama at {url} timed out", "timeout")
    if isinstance(exc, (ValueError, KeyError, TypeError)):  # a body that is not what the API promises
        return ProviderError(f"malformed response from Ollama at {url}: {exc}", "malformed")
    if isinstance(exc, httpx.HTTPError):
        return ProviderError(f"request to Ollama at {url} failed: {exc}", "connection")
    raise exc


def _plain_host(url: str) -> str:
    """The URL without user:password@ and ?query (the client would drop them silently)."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def _credentials(url: str) -> dict:
    """httpx client settings that send what the URL carried: basic auth and query parameters."""
    if "://" not in url:
        return {}
    parts = urlsplit(url)
    out: dict = {}
    if "@" in parts.netloc:
        user, _, password = parts.netloc.rpartition("@")[0].partition(":")
        out["auth"] = httpx.BasicAuth(unquote(user), unquote(password))
    if parts.query:
        out["params"] = parse_qsl(parts.query, keep_blank_values=True)
    return out


class OllamaProvider(Provider):
    kind = "ollama"

    def __init__(self, model: str, base_url: str | None = None, *, timeout: float = 600.0, stream: bool = True,
                 api_key: str | None = None, max_answer_mb: float | None = None):
        super().__init__(model, (base_url or default_base_url()).rstrip("/"), timeout=timeout, stream=stream,
                         max_answer_mb=max_answer_mb)
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else None
        self._client = ollama.AsyncClient(host=_plain_host(self._url), timeout=timeout, headers=headers,
                                          transport=CappedTransport(), **_credentials(self._url))

    def unreachable_hint(self) -> str:
        return f"cannot reach Ollama at {self.base_url}: is `ollama serve` running? (set base_url or OLLAMA_HOST)"

    def has_model(self, models: list[str]) -> bool:
        return _with_tag(self.model) in {_with_tag(m) for m in models}

    async def endpoint_info(self) -> EndpointInfo:
        try:
            listed = await self._client.list()
        except Exception as exc:  # noqa: BLE001 - classified below, anything else is a real bug
            err = self._redacted(_classify(exc, self.base_url))
            if err.kind in ("connection", "timeout"):
                return EndpointInfo(False, error=str(err))
            return EndpointInfo(True, None, error=str(err))
        self._tags = {_with_tag(m.model or ""): m for m in listed.models}
        return EndpointInfo(True, sorted(m.model or "" for m in listed.models))

    async def model_details(self) -> dict:
        out: dict = {}
        tag = getattr(self, "_tags", {}).get(_with_tag(self.model))
        if tag is not None and tag.digest:
            out["digest"] = tag.digest
        try:
            shown = await self._client.show(self.model)
        except Exception:  # noqa: BLE001 - details are informative only
            return out
        if shown.parameters:
            out["parameters"] = shown.parameters
        if shown.details is not None:
            out["details"] = shown.details.model_dump(exclude_none=True)
        return out

    async def complete(self, request: Request) -> Completion:
        params = dict(request.params)
        think = params.pop("think", None)
        options = {_OPTION_NAMES.get(k, k): v for k, v in params.items()}
        start = time.perf_counter()
        try:
            if not self.stream:
                # one body, read whole by the client: stop it at 8x the answer cap (it cannot be cut and parse)
                BODY_LIMIT.set(NON_STREAMED_FACTOR * answer_cap(request.params, self.max_answer_mb))
                resp = await self._client.chat(model=self.model, messages=request.messages, options=options,
                                               think=think, stream=False)
                return Completion(
                    text=resp.message.content or "",
                    thinking=resp.message.thinking or None,
                    latency_s=time.perf_counter() - start,
                    prompt_tokens=resp.prompt_eval_count,
                    completion_tokens=resp.eval_count,
                    finish_reason=resp.done_reason,
                )
            answer = AnswerBuffer(answer_cap(request.params, self.max_answer_mb))
            ttft = None
            last = None
            stream = await self._client.chat(model=self.model, messages=request.messages, options=options,
                                             think=think, stream=True)
            async for part in stream:
                if ttft is None and (part.message.content or part.message.thinking):
                    ttft = time.perf_counter() - start
                answer.add(part.message.content, part.message.thinking)
                last = part
                if answer.full:  # an endless answer: stop reading, keep what came, say it was cut
                    await stream.aclose()
                    break
            if not answer.full and (last is None or not last.done):
                raise ProviderError(f"stream from Ollama at {self.base_url} ended before `done`", "malformed")
            return Completion(
                text="".join(answer.text),
                thinking="".join(answer.thinking) or None,
                latency_s=time.perf_counter() - start,
                ttft_s=ttft,
                prompt_tokens=last.prompt_eval_count,
                completion_tokens=last.eval_count,
                finish_reason=truncated_reason(answer.cap) if answer.full else last.done_reason,
            )
        except Exception as exc:  # noqa: BLE001 - re-raised as a classified ProviderError
            raise self._redacted(_classify(exc, self.base_url)) from exc

    async def aclose(self) -> None:
        await self._client.close()
